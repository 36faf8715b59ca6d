"""Importing accounts from a CSV file: the preview writes nothing, the confirmation imports
in one transaction, managers are only proposed, and the command line does the same."""

import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from journal.admin import onboarding
from journal.auth import keys
from journal.auth import services as accounts
from journal.models import AuditEvent, ManagerLink, Notification, SharingEvent, User
from journal.sharing import services as sharing

HEADER_DA = "navn;e-mail;leders e-mail;administrator\r\n"
TEMPORARY = re.compile(r"\b[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\b")


def csv_bytes(*rows: str, header: str = HEADER_DA, encoding: str = "utf-8") -> bytes:
    return (header + "".join(row + "\r\n" for row in rows)).encode(encoding)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def admin(make_user):
    return make_user(name="Admin Anne", email="anne@esbjerg.example", is_admin=True)


@pytest.fixture
def admin_client(client, admin, login):
    login(client, admin)
    return client


def upload(client, data: bytes, name: str = "ledere.csv"):
    return client.submit(
        "/admin/import",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm(client, preview) -> object:
    sealed = re.search(r'name="sealed" type="hidden" value="([^"]+)"', preview.get_data(True))
    assert sealed, "no signed file in the preview"
    return client.submit("/admin/import/confirm", {"sealed": sealed.group(1)}, page="/admin/users")


# Reading the file ----------------------------------------------------------------------------


def test_a_danish_excel_file_is_read_with_semicolons_and_a_bom(app):
    data = "\ufeff".encode() + csv_bytes(
        "Søren Ærø;Soren@Esbjerg.example;mads@esbjerg.example;ja", "Åse Øst;aase@esbjerg.example;;"
    )
    rows = onboarding.read_file(data)
    assert [(r.line, r.name, r.email, r.manager_email, r.is_admin) for r in rows] == [
        (2, "Søren Ærø", "soren@esbjerg.example", "mads@esbjerg.example", True),
        (3, "Åse Øst", "aase@esbjerg.example", "", False),
    ]
    assert all(row.problem is None for row in rows)


def test_windows_1252_commas_and_english_headers_are_read(app):
    data = csv_bytes(
        '"Jørgen, chef",jorgen@esbjerg.example,,yes',
        header="Name,Email,Manager email,Admin\n",
        encoding="cp1252",
    )
    (row,) = onboarding.read_file(data)
    assert (row.name, row.email, row.is_admin) == ("Jørgen, chef", "jorgen@esbjerg.example", True)


def test_missing_columns_refuse_the_file(app):
    with pytest.raises(onboarding.ImportRefused) as refused:
        onboarding.read_file(b"Mette Madsen;mette@esbjerg.example\r\n")
    assert "navn, e-mail" in refused.value.problem.text()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (csv_bytes(*(f"L {n};l{n}@esbjerg.example;;" for n in range(2001))), "2000 rækker"),
        (csv_bytes("A;a@esbjerg.example;;" + "x" * (1024 * 1024)), "større end 1 MB"),
        ("navn;e-mail\r\n".encode("utf-16"), "kunne ikke læses som CSV"),
        (HEADER_DA.encode(), "ingen rækker"),
    ],
    ids=["too many rows", "too large", "utf-16", "header only"],
)
def test_a_file_beyond_the_limits_is_refused_whole(app, data, says):
    with pytest.raises(onboarding.ImportRefused) as refused:
        onboarding.read_file(data)
    assert says in refused.value.problem.text()


def test_each_bad_row_is_refused_in_its_own_words(app):
    rows = onboarding.read_file(
        csv_bytes(
            "Mette;mette@;;",
            ";navnlos@esbjerg.example;;",
            "Ib;ib@esbjerg.example;ikke-en-adresse;",
            "Bo;bo@esbjerg.example;BO@esbjerg.example;",
            "Kim;kim@esbjerg.example;;måske",
            "Ulla;ulla@esbjerg.example;;nej",
            "Ulla igen;ULLA@esbjerg.example;;",
            "Lang;" + "a" * 250 + "@esbjerg.example;;",
            "N" * 121 + ";n@esbjerg.example;;",
            ";;;",  # an empty row, as Excel leaves them: skipped, not refused
            "Sidste;sidste@esbjerg.example",  # a short row: the optional cells are empty
        )
    )
    with app.test_request_context():
        reasons = [row.problem.text() if row.problem else None for row in rows]
    assert reasons == [
        "Række 2: »mette@« er ikke en gyldig e-mailadresse.",
        "Række 3: navnet mangler.",
        "Række 4: »ikke-en-adresse« er ikke en gyldig e-mailadresse på en nærmeste leder.",
        "Række 5: ingen kan være sin egen leder.",
        "Række 6: »måske« i kolonnen administrator skal være ja eller nej.",
        None,
        "Række 8: ulla@esbjerg.example står også i række 7.",
        "Række 9: »" + "a" * 59 + "…« er ikke en gyldig e-mailadresse.",
        "Række 10: navnet er længere end 120 tegn.",
        None,
    ]
    assert rows[-1].line == 12


# The preview and the import, on the page -----------------------------------------------------


def test_the_preview_shows_every_row_and_writes_nothing(admin_client, admin, make_user, db):
    make_user(name="Findes", email="findes@esbjerg.example")
    before = (count(db, User), count(db, ManagerLink), count(db, AuditEvent))
    response = upload(
        admin_client,
        csv_bytes(
            "Mette Madsen;mette@esbjerg.example;mads@esbjerg.example;",
            "Findes;findes@esbjerg.example;;",
            "Fejl;mette@;;",
        ),
    )
    page = text_of(response)
    assert response.status_code == 200
    assert "Forhåndsvisning" in page
    assert "Oprettes" in page and "Findes allerede" in page and "Afvist" in page
    assert "Række 4: »mette@« er ikke en gyldig e-mailadresse." in page
    assert "Foreslået leder: mads@esbjerg.example" in page
    assert (count(db, User), count(db, ManagerLink), count(db, AuditEvent)) == before


@pytest.mark.both_engines
def test_confirming_creates_accounts_with_temporary_passwords_shown_once(
    admin_client, admin, db, caplog
):
    preview = upload(
        admin_client,
        csv_bytes(
            "Mette Madsen;mette@esbjerg.example;mads@esbjerg.example;",
            "Mads Chef;mads@esbjerg.example;;ja",
        ),
    )
    report = confirm(admin_client, preview)
    page = text_of(report)
    assert report.status_code == 200
    passwords = TEMPORARY.findall(page)
    assert len(passwords) == 2
    mette = accounts.find_user_by_email("mette@esbjerg.example")
    mads = accounts.find_user_by_email("mads@esbjerg.example")
    assert mette.must_change_password and not mette.is_admin and mads.is_admin
    assert not keys.factors_of(mette)  # her journal is made when she chooses her password
    # Each works once, as the administrator's own new-account flow: stored only hashed.
    assert accounts.authenticate("mette@esbjerg.example", passwords[0]) == mette
    assert all(password not in mette.password_hash for password in passwords)
    assert not any(password in caplog.text for password in passwords)
    # The link is proposed to the leader, named by the address; the manager is not told.
    link = db.session.scalar(select(ManagerLink))
    assert (link.leader_id, link.status, link.manager_email, link.manager_id) == (
        mette.id,
        "proposed",
        "mads@esbjerg.example",
        None,
    )
    told = db.session.scalars(select(Notification)).all()
    assert [(n.recipient_id, n.kind) for n in told] == [(mette.id, "link_proposed")]
    # The audit log has one line for the import, with counts only.
    (event,) = db.session.scalars(select(AuditEvent)).all()
    assert (event.action, event.detail) == ("accounts_imported", "2 0 0 1 0")
    # Nothing to come back to: the report is not shown again.
    assert not TEMPORARY.search(text_of(admin_client.get("/admin/users")))


def test_with_single_sign_on_nobody_gets_a_password(admin_client, app, db):
    app.config["OIDC_ISSUER"] = "https://login.esbjerg.example"
    preview = upload(admin_client, csv_bytes("Mette Madsen;mette@esbjerg.example;;"))
    page = text_of(confirm(admin_client, preview))
    assert not TEMPORARY.search(page)
    assert "logger ind med deres kommunekonto" in page
    mette = accounts.find_user_by_email("mette@esbjerg.example")
    assert not mette.must_change_password and not keys.factors_of(mette)
    assert mette.password_hash.startswith("!")
    for guess in ("", "!", mette.password_hash, mette.password_hash[1:]):
        assert accounts.authenticate("mette@esbjerg.example", guess) is None


def test_a_formula_in_a_cell_is_kept_as_text_and_escaped(admin_client, db):
    formula = '=HYPERLINK("https://evil.example","<b>klik</b>")'
    data = csv_bytes(f'"{formula.replace(chr(34), chr(34) * 2)}";formel@esbjerg.example;;')
    preview = upload(admin_client, data)
    raw = preview.get_data(as_text=True)
    assert "<b>klik</b>" not in raw and "&lt;b&gt;klik&lt;/b&gt;" in raw
    confirm(admin_client, preview)
    assert accounts.find_user_by_email("formel@esbjerg.example").name == formula


def test_an_address_that_got_an_account_since_the_preview_is_already_there(
    admin_client, make_user, db
):
    preview = upload(admin_client, csv_bytes("Mette;mette@esbjerg.example;mads@esbjerg.example;"))
    mette = make_user(name="Mette før", email="mette@esbjerg.example")
    page = text_of(confirm(admin_client, preview))
    assert "Findes allerede" in page
    db.session.expire_all()
    assert db.session.get(User, mette.id).name == "Mette før"
    # Her manager is still proposed to her, for her to confirm.
    assert db.session.scalar(select(ManagerLink.status)) == "proposed"


def test_a_leader_with_a_manager_already_is_not_changed(admin_client, make_user, db):
    leader, manager = make_user(email="lone@esbjerg.example"), make_user()
    sharing.request_link(leader, manager.email)
    preview = upload(admin_client, csv_bytes("Lone;lone@esbjerg.example;ny@esbjerg.example;"))
    assert "Har allerede en leder: intet ændres" in text_of(preview)
    report = text_of(confirm(admin_client, preview))
    assert "Har allerede en leder: intet ændres" in report
    links = db.session.scalars(select(ManagerLink)).all()
    assert [(link.manager_email, link.status) for link in links] == [(manager.email, "pending")]


def test_a_changed_or_foreign_confirmation_imports_nothing(admin_client, make_user, db, login):
    preview = upload(admin_client, csv_bytes("Mette;mette@esbjerg.example;;"))
    sealed = re.search(r'name="sealed" type="hidden" value="([^"]+)"', preview.get_data(True))[1]
    tampered = admin_client.submit(
        "/admin/import/confirm", {"sealed": sealed[:-2] + "xx"}, page="/admin/users"
    )
    assert tampered.status_code == 200
    assert "Vælg filen igen" in text_of(tampered)
    other = make_user(name="Anden Admin", is_admin=True)
    other_client = admin_client.application.test_client()
    login(other_client, other)
    foreign = other_client.submit("/admin/import/confirm", {"sealed": sealed}, page="/admin/users")
    assert "Vælg filen igen" in text_of(foreign)
    assert accounts.find_user_by_email("mette@esbjerg.example") is None


def test_an_upload_without_a_file_or_with_a_bad_one_says_why(admin_client):
    empty = admin_client.submit("/admin/import", {})
    assert empty.status_code == 200 and 'id="file-error"' in empty.get_data(as_text=True)
    bad = upload(admin_client, b"bare noget tekst\r\n")
    assert bad.status_code == 200 and "navn, e-mail" in text_of(bad)


@pytest.mark.both_engines
def test_five_hundred_leaders_are_imported_in_one_go(admin_client, app, db):
    app.config["OIDC_ISSUER"] = "https://login.esbjerg.example"
    rows = [f"Chef {n};chef{n}@esbjerg.example;;" for n in range(10)]
    rows += [
        f"Leder {n};leder{n}@esbjerg.example;chef{n % 10}@esbjerg.example;" for n in range(490)
    ]
    report = confirm(admin_client, upload(admin_client, csv_bytes(*rows)))
    assert "Oprettet: 500" in text_of(report)
    assert count(db, User) == 501
    assert db.session.scalar(select(func.count()).where(ManagerLink.status == "proposed")) == 490
    proposals = db.session.scalar(select(func.count()).where(SharingEvent.kind == "link_proposed"))
    assert proposals == 490


@pytest.mark.both_engines
def test_an_import_that_fails_half_way_leaves_nothing(app, admin, db, monkeypatch):
    rows = onboarding.read_file(
        csv_bytes("A;a@esbjerg.example;;", "B;b@esbjerg.example;mads@esbjerg.example;")
    )

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(onboarding.sharing, "propose_link", broken)
    with pytest.raises(RuntimeError):
        onboarding.run_import(admin, rows)
    assert count(db, User) == 1 and count(db, AuditEvent) == 0


# The command line ------------------------------------------------------------------------------


def run_cli(app, tmp_path, data: bytes, *options):
    path = tmp_path / "ledere.csv"
    path.write_bytes(data)
    return app.test_cli_runner().invoke(args=["import-accounts", str(path), *options])


def test_the_command_line_dry_run_writes_nothing(app, db, tmp_path):
    result = run_cli(
        app,
        tmp_path,
        csv_bytes("Mette;mette@esbjerg.example;mads@esbjerg.example;", "X;x@;;"),
        "--dry-run",
    )
    assert result.exit_code == 0, result.output
    assert (
        "row 2\tmette@esbjerg.example\tcreate\tmanager proposed: mads@esbjerg.example"
        in result.output
    )
    assert "row 3\trefused: Row 3: 'x@' is not a valid email address." in result.output
    assert "Dry run: nothing was written." in result.output
    assert count(db, User) == 0 and count(db, AuditEvent) == 0


def test_the_command_line_imports_and_prints_each_password_once(app, db, tmp_path):
    result = run_cli(app, tmp_path, csv_bytes("Mette;mette@esbjerg.example;mads@esbjerg.example;"))
    assert result.exit_code == 0, result.output
    (password,) = TEMPORARY.findall(result.output)
    assert result.output.count(password) == 1
    assert accounts.authenticate("mette@esbjerg.example", password).name == "Mette"
    assert db.session.scalar(select(ManagerLink.status)) == "proposed"
    event = db.session.scalar(select(AuditEvent))
    assert (event.actor_name, event.action, event.detail) == (
        "command line",
        "accounts_imported",
        "1 0 0 1 0",
    )


def test_the_command_line_with_single_sign_on_prints_no_password(app, db, tmp_path):
    app.config["OIDC_ISSUER"] = "https://login.esbjerg.example"
    result = run_cli(app, tmp_path, csv_bytes("Mette;mette@esbjerg.example;;"))
    assert result.exit_code == 0, result.output
    assert not TEMPORARY.search(result.output)
    assert "sign in with the organisation's account" in result.output


def test_the_command_line_refuses_a_file_beyond_the_limits(app, db, tmp_path):
    result = run_cli(app, tmp_path, b"Mette;mette@esbjerg.example\r\n")
    assert result.exit_code == 1
    assert "Missing: navn, e-mail" in result.output
    assert count(db, User) == 0
