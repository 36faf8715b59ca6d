"""Journal text encrypted at rest: what the database holds, and who can open it (issue 7)."""

import base64
import io
import json
import logging
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.orm.attributes import set_committed_value

from journal import crypto, journal_key
from journal.auth import keys, services
from journal.extensions import db as database
from journal.models import CheckIn, Entry, Goal, Review, User
from journal.my_data.export import export_data
from journal.my_data.importer import import_data
from journal.review import services as reviews
from journal.sharing import services as sharing
from tests.conftest import TEST_PASSWORD, stored, stored_entries

pytestmark = pytest.mark.both_engines  # the database engine matters here

# Sentences only the leader may ever read; each word is checked on its own too.
TITLE = "Samtalen med Birgitte om budgettet"
BODY = "Jeg var utålmodig over for Kasper, og det ærgrer mig stadig i aften."
EDITED = "Rettet senere: Kasper fortjente en bedre samtale fra min side."
SECRETS = [TITLE, BODY, EDITED, "Birgitte", "budgettet", "utålmodig", "fortjente", "ærgrer"]
NEW_PASSWORD = "a quiet boat in the fjord at dawn"
KEY_PATTERN = re.compile(r"([0-9A-Z]{4}-){7}[0-9A-Z]{4}")


def write(client, **fields):
    """Write an entry through the app, as a leader does."""
    data = {"entry_date": "2026-03-02", "title": "", "body": "", "action": "save", **fields}
    response = client.submit("/journal/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def dump_as_text(db) -> str:
    """Every row of every table as text: SQLite's own dump, or PostgreSQL's row::text."""
    if db.engine.dialect.name == "sqlite":
        connection = db.engine.raw_connection()
        try:
            return "\n".join(connection.driver_connection.iterdump())
        finally:
            connection.close()
    with db.engine.connect() as connection:
        return "\n".join(
            row
            for table in db.metadata.sorted_tables
            for row in connection.scalars(text(f'SELECT t::text FROM "{table.name}" t'))
        )


def sqlite_files(db) -> list[Path]:
    path = Path(db.engine.url.database)
    return [p for p in (path, Path(f"{path}-wal")) if p.exists()]


def test_the_database_holds_none_of_the_words_a_leader_wrote(
    app, db, leader, leader_client, make_user
):
    entry_id = write(leader_client, title=TITLE, body=BODY, starred="y")
    other_id = write(leader_client, title="Anden dag", body=BODY)
    edited = leader_client.submit(
        f"/journal/{entry_id}/edit",
        {
            "entry_date": "2026-03-02",
            "title": TITLE,
            "body": EDITED,
            "version": "1",
            "starred": "y",
        },
    )
    assert edited.status_code == 302
    leader_client.submit(f"/journal/{other_id}/delete", page="/journal/")  # into the trash
    # An import writes sealed entries too (into another leader's journal).
    fresh = make_user()
    import_data(fresh, export_data(leader))

    # The app itself reads it all back: the journal, search, review and export.
    assert TITLE in leader_client.get(f"/journal/{entry_id}").get_data(as_text=True)
    found = leader_client.get("/journal/?q=Kasper+fortjente").get_data(as_text=True)
    assert "Kasper" in found and f"/journal/{entry_id}" in found
    review = leader_client.get("/review/?period=custom&date_from=2026-01-01&date_to=2026-12-31")
    assert "Kasper fortjente" in review.get_data(as_text=True)  # the starred entry's excerpt
    exported = leader_client.submit("/account/my-data/export", page="/account/my-data")
    with zipfile.ZipFile(io.BytesIO(exported.get_data())) as archive:
        assert EDITED in json.loads(archive.read("journal.json"))["entries"][0]["body"]

    db.session.commit()
    dump = dump_as_text(db)
    # The dump is the real thing: it holds the sealed text (as hex) and the leader's email.
    sealed = db.session.scalar(select(Entry.sealed).where(Entry.id == entry_id))
    assert sealed.hex() in dump.lower() and leader.email in dump
    for secret in SECRETS:
        assert secret not in dump
    for path in sqlite_files(db) if db.engine.dialect.name == "sqlite" else []:
        raw = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in raw, f"{secret!r} in {path.name}"


def test_a_seal_opens_only_with_its_key_for_its_own_entry_and_owner():
    key = journal_key.JournalKey(7, crypto.new_key())
    sealed = key.seal_entry(41, TITLE, BODY)
    assert key.open_entry(41, sealed) == (TITLE, BODY)
    assert key.seal_entry(41, TITLE, BODY) != sealed  # a fresh nonce every time

    stranger = journal_key.JournalKey(7, crypto.new_key())
    same_key_other_owner = journal_key.JournalKey(8, key._key)
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    for opener, entry_id, value in [
        (stranger, 41, sealed),  # the wrong key
        (key, 42, sealed),  # moved to another entry
        (same_key_other_owner, 41, sealed),  # moved to another owner
        (key, 41, tampered),  # altered
        (key, 41, b"\x02" + sealed[1:]),  # an unknown format
        (key, 41, b""),
    ]:
        with pytest.raises(crypto.CannotOpen):
            opener.open_entry(entry_id, value)


def test_a_sealed_goal_note_or_review_opens_only_in_its_own_row_table_and_owner():
    key = journal_key.JournalKey(7, crypto.new_key())
    text = {"title": TITLE, "why": BODY, "how_i_know": EDITED}
    sealed = key.seal_fields("goals", 41, text)
    assert key.open_fields("goals", 41, sealed) == text
    assert key.seal_fields("goals", 41, text) != sealed  # a fresh nonce every time

    stranger = journal_key.JournalKey(7, crypto.new_key())
    same_key_other_owner = journal_key.JournalKey(8, key._key)
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    for opener, table, row_id, value in [
        (stranger, "goals", 41, sealed),  # the wrong key
        (key, "goals", 42, sealed),  # moved to another goal
        (key, "reviews", 41, sealed),  # moved to another table
        (same_key_other_owner, "goals", 41, sealed),  # moved to another owner
        (key, "goals", 41, tampered),  # altered
        (key, "goals", 41, b"\x02" + sealed[1:]),  # an unknown format
    ]:
        with pytest.raises(crypto.CannotOpen):
            opener.open_fields(table, row_id, value)
    with pytest.raises(crypto.CannotOpen):  # an entry's seal is not a goal's, nor the reverse
        key.open_fields("goals", 41, key.seal_entry(41, TITLE, BODY))
    with pytest.raises(crypto.CannotOpen):
        key.open_entry(41, sealed)


def test_goals_check_ins_and_reviews_from_before_encryption_are_sealed_at_the_next_login(
    app, db, leader, login
):
    """An upgraded installation: rows written in plain text (before this release, or by an
    app server of the older one) are sealed at the owner's next log-in, as entries are."""
    goal_id = db.session.execute(
        insert(Goal).returning(Goal.id),
        [
            {
                "owner_id": leader.id,
                "plain_title": "lytte til Birgitte",
                "plain_why": BODY,
                "plain_how_i_know": EDITED,
                "start_date": date(2026, 1, 5),
            }
        ],
    ).scalar_one()
    db.session.execute(
        insert(CheckIn),
        [{"goal_id": goal_id, "day": date(2026, 1, 6), "rating": 3, "plain_note": "utålmodig"}],
    )
    db.session.execute(
        insert(Review),
        [
            {
                "owner_id": leader.id,
                "period_start": date(2026, 1, 1),
                "period_end": date(2026, 1, 31),
                "plain_proud": "fortjente ros",
                "plain_snapshot": json.dumps(
                    {
                        "goals": [
                            {
                                "title": "budgettet",
                                "status": "active",
                                "first": 2,
                                "latest": 3,
                                "check_ins": 2,
                                "linked": 0,
                            }
                        ],
                        "tasks": {},
                        "entries": 0,
                        "key_reflections": [],
                    }
                ),
            }
        ],
    )
    db.session.commit()
    assert "utålmodig" in dump_as_text(db)

    browser = app.test_client()
    login(browser, leader)
    page = browser.get(f"/goals/{goal_id}").get_data(as_text=True)
    assert "lytte til Birgitte" in page and "utålmodig" in page and "Kasper" in page
    review_id = db.session.scalar(select(Review.id))
    review = browser.get(f"/review/{review_id}").get_data(as_text=True)
    assert "fortjente ros" in review and "budgettet" in review
    db.session.expire_all()
    for model in (Goal, CheckIn, Review):
        for row in db.session.scalars(select(model)):
            assert row.sealed and set(row.plain_text().values()) == {""}, model
    for secret in SECRETS:
        assert secret not in dump_as_text(db)
    for path in sqlite_files(db) if db.engine.dialect.name == "sqlite" else []:
        for secret in SECRETS:
            assert secret.encode() not in path.read_bytes(), f"{secret!r} in {path.name}"


def test_a_wrapped_key_opens_only_with_its_own_password_or_recovery_key(app, leader, make_user):
    assert (
        keys.open_with_password(leader, TEST_PASSWORD)._key == journal_key.journal_key(leader)._key
    )
    with pytest.raises(crypto.CannotOpen):
        keys.open_with_password(leader, "not the password at all")
    recovery = make_user.recovery_keys[leader.id]
    assert keys.open_with_recovery_key(leader, recovery.lower().replace("-", " ")) is not None
    other = make_user()
    assert keys.open_with_recovery_key(other, recovery) is None
    tweaked = recovery[:-1] + ("A" if recovery[-1] != "A" else "B")
    assert keys.open_with_recovery_key(leader, tweaked) is None
    assert keys.open_with_recovery_key(leader, "too short") is None


def test_recovery_keys_read_back_however_they_are_typed():
    bits = crypto.new_recovery_key()
    shown = crypto.format_recovery_key(bits)
    assert KEY_PATTERN.fullmatch(shown) and len(bits) * 8 == 160
    assert crypto.parse_recovery_key(shown) == bits
    assert crypto.parse_recovery_key(f"  {shown.lower().replace('-', ' ')} ") == bits
    lookalikes = shown.replace("0", "O").replace("1", "I")
    assert crypto.parse_recovery_key(lookalikes) == bits
    assert crypto.parse_recovery_key(shown[:-1]) is None
    assert crypto.parse_recovery_key(shown + "A") is None
    assert crypto.parse_recovery_key("ÆØÅÆ-" * 8) is None


def test_a_password_change_keeps_every_entry_readable_without_sealing_again(
    app, db, leader, leader_client, login
):
    entry_id = write(leader_client, title=TITLE, body=BODY)
    sealed_before = db.session.scalar(select(Entry.sealed).where(Entry.id == entry_id))
    response = leader_client.submit(
        "/account/password",
        {"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert BODY in leader_client.get(f"/journal/{entry_id}").get_data(as_text=True)
    leader_client.submit("/logout", page="/")

    browser = app.test_client()
    assert login(browser, leader).status_code == 200  # the old password no longer works
    assert login(browser, leader, password=NEW_PASSWORD).status_code == 302
    assert BODY in browser.get(f"/journal/{entry_id}").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Entry.sealed).where(Entry.id == entry_id)) == sealed_before


def test_an_administrators_reset_locks_the_journal_until_the_recovery_key(
    app, db, leader, leader_client, login, make_user
):
    entry_id = write(leader_client, title=TITLE, body=BODY)
    old_recovery = make_user.recovery_keys[leader.id]
    services.reset_password(leader, "temporary password from it")

    browser = app.test_client()
    assert login(browser, leader, password="temporary password from it").status_code == 302
    # Locked: every page leads to choosing a password, and nothing of the journal shows.
    for page in ("/", "/journal/", f"/journal/{entry_id}", "/review/", "/account"):
        response = browser.get(page)
        assert response.headers["Location"] == "/account/choose-password", page
    form = browser.get("/account/choose-password").get_data(as_text=True)
    assert "Gendannelsesnøgle" in form and TITLE not in form
    # What is at stake if the key is lost, without a count: the administrator who set the
    # password may be the one reading this page.
    assert "kan ingen åbne dine refleksioner" in form and "1 refleksion" not in form

    wrong = browser.submit(
        "/account/choose-password",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "recovery_key": "A" * 32},
    )
    assert "åbner ikke din journal" in wrong.get_data(as_text=True)
    assert browser.get("/journal/").status_code == 302  # still locked

    opened = browser.submit(
        "/account/choose-password",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "recovery_key": old_recovery},
    )
    assert opened.headers["Location"] == "/account/recovery-key"
    page = browser.get("/account/recovery-key").get_data(as_text=True)
    new_recovery = KEY_PATTERN.search(page).group(0)
    assert new_recovery != old_recovery
    assert browser.get("/journal/").headers["Location"] == "/account/recovery-key"
    browser.submit("/account/recovery-key/confirm", {"kept": "y"}, page="/account/recovery-key")
    assert BODY in browser.get(f"/journal/{entry_id}").get_data(as_text=True)

    db.session.expire_all()
    assert keys.open_with_recovery_key(leader, old_recovery) is None
    assert keys.open_with_recovery_key(leader, new_recovery) is not None
    assert not leader.must_change_password
    # The new password opens the journal at the next login.
    again = app.test_client()
    assert login(again, leader, password=NEW_PASSWORD).status_code == 302
    assert BODY in again.get(f"/journal/{entry_id}").get_data(as_text=True)


def test_starting_over_after_a_reset_leaves_nothing_anyone_wrote_to_read(
    app, db, leader, leader_client, login, make_user, make_goal
):
    """Whoever holds the temporary password (the administrator who set it, say) may be the
    one starting over: the new journal must show nothing the leader or their team wrote."""
    write(leader_client, title=TITLE, body=BODY)
    goal = leader_client.submit(
        "/goals/new",
        {"title": "lytte mere", "tasks": ["vision"], "start_date": "2026-03-01"},
    )
    assert goal.status_code == 302
    (own_goal_id,) = db.session.scalars(select(Goal.id).where(Goal.owner_id == leader.id))
    reviews.save_review(
        leader,
        reviews.Period(date(2026, 1, 1), date(2026, 6, 30), "custom"),
        proud="Stolt af samtalerne",
        next_practice="",
        need_from_manager="",
        snapshot={},
    )
    # The leader is also a manager: a member of their team shares a goal with them.
    member = make_user(name="Tina Team")
    shared = make_goal(member, title="Tydelige rammer for teamet", start_date=date(2026, 3, 1))
    link = sharing.request_link(member, leader.email)
    sharing.respond(leader, link, accept=True)
    sharing.share(member, shared, include_notes=False)
    team_goal = f"/team/{member.id}/goals/{shared.id}"
    shared_id = shared.id
    assert "Tydelige rammer" in leader_client.get(team_goal).get_data(as_text=True)

    services.reset_password(leader, "temporary password from it")
    browser = app.test_client()
    login(browser, leader, password="temporary password from it")
    page = browser.get("/account/choose-password").get_data(as_text=True)
    assert "dine mål med deres opfølgninger" in page  # says what starting over deletes
    refused = browser.submit(
        "/account/choose-password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert "Skriv din gendannelsesnøgle." in refused.get_data(as_text=True)
    started = browser.submit(
        "/account/choose-password",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "start_over": "y"},
    )
    assert started.headers["Location"] == "/account/recovery-key"
    browser.submit("/account/recovery-key/confirm", {"kept": "y"}, page="/account/recovery-key")
    for url in ("/", "/journal/", "/goals/", "/review/", "/team/", "/sharing/"):
        page = browser.get(url).get_data(as_text=True)
        for written in (TITLE, "lytte mere", "Stolt af samtalerne", "Tydelige rammer"):
            assert written not in page, (url, written)
    assert browser.get(f"/goals/{own_goal_id}").status_code == 404
    assert browser.get(team_goal).status_code == 404
    assert stored_entries(db) == []
    db.session.expire_all()
    assert db.session.get(Goal, shared_id) is not None  # the team member's own goal stays
    write(browser, body="En ny begyndelse.")


def test_an_account_an_administrator_made_chooses_its_password_before_a_key_exists(app, db, login):
    user = services.create_user("ny@esbjerg.example", "Nina Ny", "the administrator knows it")
    assert not keys.has_keys(user)
    browser = app.test_client()
    login(browser, user, password="the administrator knows it")
    assert browser.get("/").headers["Location"] == "/account/choose-password"
    form = browser.get("/account/choose-password").get_data(as_text=True)
    assert 'name="recovery_key"' not in form  # nothing to open yet
    response = browser.submit(
        "/account/choose-password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.headers["Location"] == "/account/recovery-key"
    unconfirmed = browser.submit("/account/recovery-key/confirm", {}, page="/account/recovery-key")
    assert "Sæt kryds, når din gendannelsesnøgle" in unconfirmed.get_data(as_text=True)
    browser.submit("/account/recovery-key/confirm", {"kept": "y"}, page="/account/recovery-key")
    write(browser, title=TITLE, body=BODY)
    db.session.expire_all()
    # The administrator's password neither logs in nor opens anything any more.
    with pytest.raises(crypto.CannotOpen):
        keys.open_with_password(user, "the administrator knows it")
    assert keys.open_with_password(user, NEW_PASSWORD) is not None


def test_the_password_an_administrator_set_shows_no_number_of_entries(
    app, leader, make_entry, login
):
    """Whoever logs in with the password an administrator set (the administrator, perhaps)
    learns nothing of the journal: not even how many entries it holds."""
    for number in range(13):
        make_entry(leader, body=f"Refleksion {number}")
    services.reset_password(leader, "temporary password from it")
    browser = app.test_client()
    login(browser, leader, password="temporary password from it")
    page = browser.get("/account/choose-password").get_data(as_text=True)
    assert "kan ingen åbne dine refleksioner" in page
    assert "13" not in page


def test_starting_over_is_no_choice_for_a_journal_that_has_no_keys_yet(app, db, login, make_user):
    """An account from before encryption, reset by an administrator: its page offers no
    "start over" (there is no recovery key to lose), and a post that asks for it anyway
    keeps everything, and seals the entries with the new key."""
    make_user(name="Admin Anne", is_admin=True)
    user = services.create_user(
        "old@esbjerg.example", "Ole", TEST_PASSWORD, must_change_password=False
    )
    database.session.add(
        Goal(
            owner_id=user.id,
            plain_title="gammelt mål",
            position=1,
            start_date=date(2025, 1, 1),
            status="active",
        )
    )
    database.session.execute(
        insert(Entry).values(
            owner_id=user.id,
            entry_date=date(2025, 1, 2),
            title="Før",
            body="Skrevet før kryptering",
            starred=False,
            version=1,
        )
    )
    database.session.commit()
    services.reset_password(user, "the administrator knows it")
    browser = app.test_client()
    login(browser, user, password="the administrator knows it")
    assert 'name="start_over"' not in browser.get("/account/choose-password").get_data(as_text=True)
    browser.submit(
        "/account/choose-password",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "start_over": "y"},
    )
    database.session.expire_all()
    journal_key.use_for_request(keys.open_with_password(user, NEW_PASSWORD))
    assert [g.title for g in stored(database, Goal)] == ["gammelt mål"]
    assert [(e.title, e.body) for e in stored_entries(database)] == [
        ("Før", "Skrevet før kryptering")
    ]


def test_entries_from_before_encryption_are_sealed_at_the_next_login(app, db, login):
    user = services.create_user(
        "gammel@esbjerg.example", "Gitte Gammel", TEST_PASSWORD, must_change_password=False
    )
    db.session.execute(
        insert(Entry),
        [
            {
                "owner_id": user.id,
                "entry_date": date(2025, 5, 1),
                "plain_title": TITLE,
                "plain_body": BODY,
            },
            {
                "owner_id": user.id,
                "entry_date": date(2025, 5, 2),
                "plain_title": "",
                "plain_body": EDITED,
            },
        ],
    )
    db.session.commit()
    assert TITLE in dump_as_text(db)

    browser = app.test_client()
    assert login(browser, user).status_code == 302
    assert KEY_PATTERN.search(browser.get("/account/recovery-key").get_data(as_text=True))
    browser.submit("/account/recovery-key/confirm", {"kept": "y"}, page="/account/recovery-key")
    listing = browser.get("/journal/").get_data(as_text=True)
    assert TITLE in listing and "Kasper fortjente" in listing
    db.session.expire_all()
    rows = db.session.execute(select(Entry.sealed, Entry.plain_title, Entry.plain_body)).all()
    assert all(sealed and title == body == "" for sealed, title, body in rows)
    for secret in SECRETS:
        assert secret not in dump_as_text(db)
    # Nor in the database's files: overwritten pages are zeroed, the old log emptied.
    for path in sqlite_files(db) if db.engine.dialect.name == "sqlite" else []:
        for secret in SECRETS:
            assert secret.encode() not in path.read_bytes(), f"{secret!r} in {path.name}"


def test_a_new_recovery_key_replaces_the_old_one(app, db, leader, leader_client, make_user):
    old = make_user.recovery_keys[leader.id]
    wrong = leader_client.submit(
        "/account/recovery-key/new", {"password": "not it at all"}, page="/account/recovery-key"
    )
    assert "Adgangskoden er forkert." in wrong.get_data(as_text=True)
    assert keys.open_with_recovery_key(leader, old) is not None  # nothing changed
    leader_client.submit(
        "/account/recovery-key/new", {"password": TEST_PASSWORD}, page="/account/recovery-key"
    )
    page = leader_client.get("/account/recovery-key").get_data(as_text=True)
    new = KEY_PATTERN.search(page).group(0)
    assert leader_client.get("/journal/").headers["Location"] == "/account/recovery-key"
    leader_client.submit(
        "/account/recovery-key/confirm", {"kept": "y"}, page="/account/recovery-key"
    )
    assert leader_client.get("/journal/").status_code == 200
    db.session.expire_all()
    assert keys.open_with_recovery_key(leader, old) is None
    assert keys.open_with_recovery_key(leader, new) is not None
    # Once confirmed, the key is gone from the session: the page cannot show it again.
    assert not KEY_PATTERN.search(leader_client.get("/account/recovery-key").get_data(as_text=True))


def session_data(app, client) -> tuple[str, dict]:
    """The session cookie as sent, and what it holds."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    return cookie, app.session_interface.get_signing_serializer(app).loads(cookie)


def spellings(secret: bytes) -> list[str]:
    """Ways a key could be written out by mistake."""
    return [
        secret.hex(),
        base64.b64encode(secret).decode(),
        base64.urlsafe_b64encode(secret).decode().rstrip("="),
        secret.decode("latin-1"),
        repr(secret),
    ]


def test_the_data_key_is_never_in_plain_text_in_the_cookie_or_the_logs(
    app, db, leader, login, caplog
):
    caplog.set_level(logging.DEBUG)
    browser = app.test_client()
    login(browser, leader)
    entry_id = write(browser, title=TITLE, body=BODY)
    browser.get(f"/journal/{entry_id}")
    data_key = journal_key.journal_key(leader)._key

    cookie, stored = session_data(app, browser)
    assert journal_key.SESSION_KEY in stored  # the sealed key is there…
    everything = cookie + repr(stored) + caplog.text
    for spelling in spellings(data_key):
        assert spelling not in everything  # …but never the key itself
    assert TEST_PASSWORD not in caplog.text and BODY not in caplog.text
    assert "JournalKey" not in repr(stored) and data_key.hex() not in repr(
        journal_key.journal_key(leader)
    )

    browser.submit("/logout", page="/")
    assert browser.get_cookie(app.config["SESSION_COOKIE_NAME"]) is None or (
        journal_key.SESSION_KEY not in session_data(app, browser)[1]
    )


def test_a_session_whose_key_does_not_open_counts_as_logged_out(app, db, leader, login):
    browser = app.test_client()
    login(browser, leader)
    assert browser.get("/journal/").status_code == 200
    with browser.session_transaction() as session:
        session[journal_key.SESSION_KEY] = session[journal_key.SESSION_KEY][:-4] + "AAAA"
    assert browser.get("/journal/").headers["Location"].startswith("/login")

    # A session from before encryption: logged in, but without a key.
    login(browser, leader)
    with browser.session_transaction() as session:
        del session[journal_key.SESSION_KEY]
    assert browser.get("/journal/").headers["Location"].startswith("/login")

    # Another user's sealed key does not fit this user.
    login(browser, leader)
    with browser.session_transaction() as session:
        session["_user_id"] = str(database.session.scalar(select(User.id).where(User.is_admin)))
    assert browser.get("/journal/").headers["Location"].startswith("/login")


def test_a_reset_or_a_new_password_ends_the_sessions_that_held_the_old_key(
    app, db, leader, login, make_entry
):
    entry = make_entry(leader, body=BODY)
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, leader)
    login(phone, leader)
    laptop.submit(
        "/account/password",
        {"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert BODY in laptop.get(f"/journal/{entry.id}").get_data(as_text=True)  # goes on
    assert phone.get(f"/journal/{entry.id}").headers["Location"].startswith("/login")

    services.reset_password(leader, "temporary password from it")
    response = laptop.get(f"/journal/{entry.id}")
    assert response.status_code == 302 and BODY not in response.get_data(as_text=True)
    assert response.headers["Location"].startswith("/login")


def test_two_logins_at_once_make_one_key_not_two(app, db, login):
    """A double click on "Log in" for an account without keys yet."""
    user = services.create_user(
        "dobbelt@esbjerg.example", "D", TEST_PASSWORD, must_change_password=False
    )
    stale = {"key_version": user.key_version}
    first, _recovery = keys.set_up_keys(user, TEST_PASSWORD)
    database.session.commit()
    # The second request read the user before the first one's keys were stored.
    set_committed_value(user, "key_version", stale["key_version"])
    with pytest.raises(keys.KeysChanged):
        keys.set_up_keys(user, TEST_PASSWORD)
    database.session.rollback()
    # That second login then opens the key the first one made.
    key, recovery = keys.unlock_at_login(user, TEST_PASSWORD)
    assert key._key == first._key and recovery is None


def test_a_recovery_key_replaced_meanwhile_is_not_confirmed(app, db, leader, login):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, leader)
    login(phone, leader)
    for browser in (laptop, phone):
        browser.submit(
            "/account/recovery-key/new", {"password": TEST_PASSWORD}, page="/account/recovery-key"
        )
    # The laptop's key was replaced by the phone's: confirming it must not count.
    response = laptop.submit(
        "/account/recovery-key/confirm", {"kept": "y"}, page="/account/recovery-key"
    )
    assert response.headers["Location"] == "/account/recovery-key"
    db.session.expire_all()
    assert leader.recovery_key_confirmed_at is None
    phone.submit("/account/recovery-key/confirm", {"kept": "y"}, page="/account/recovery-key")
    db.session.expire_all()
    assert leader.recovery_key_confirmed_at is not None


def test_the_administrators_password_cannot_be_chosen_again(app, db, login):
    user = services.create_user("ny@esbjerg.example", "Nina Ny", "the administrator knows it")
    browser = app.test_client()
    login(browser, user, password="the administrator knows it")
    response = browser.submit(
        "/account/choose-password",
        {"password": "the administrator knows it", "confirm": "the administrator knows it"},
    )
    assert "ikke den, du fik" in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.must_change_password and keys.factor_of(user, "password") is None


def test_an_entry_that_does_not_open_is_marked_and_the_rest_still_work(
    app, db, leader, leader_client, make_entry
):
    good = make_entry(leader, title=TITLE, body=BODY)
    damaged = make_entry(leader, title="Beskadiget", body="x")
    sealed = bytearray(damaged.sealed)
    sealed[-1] ^= 1
    db.session.execute(
        text("UPDATE entries SET sealed = :s WHERE id = :i"), {"s": bytes(sealed), "i": damaged.id}
    )
    db.session.commit()
    for page in ("/", "/journal/", "/journal/?q=Kasper", "/review/", f"/journal/{good.id}"):
        response = leader_client.get(page)
        assert response.status_code == 200, page
    assert TITLE in leader_client.get("/journal/?q=Kasper").get_data(as_text=True)
    view = leader_client.get(f"/journal/{damaged.id}").get_data(as_text=True)
    assert "kan ikke åbnes med din nøgle" in view


def test_plain_rows_written_during_an_upgrade_are_sealed_at_the_next_login(app, db, leader, login):
    """An app server of the old release wrote a plain entry after the leader had keys."""
    db.session.execute(
        insert(Entry),
        [{"owner_id": leader.id, "entry_date": date(2026, 1, 5), "plain_body": BODY}],
    )
    db.session.commit()
    browser = app.test_client()
    login(browser, leader)
    assert "Kasper" in browser.get("/journal/").get_data(as_text=True)
    assert BODY not in dump_as_text(db)


def test_text_an_earlier_release_wrote_over_a_sealed_goal_is_sealed_at_the_next_log_in(
    app, db, leader, login, make_goal
):
    """While an upgrade rolls through the servers, one of the earlier release edits a sealed
    goal: it writes the plain columns only. That text is the newer; the owner's next log-in
    seals it and empties them, and until then the account is listed as waiting."""
    goal = make_goal(leader, title="forseglet titel")
    db.session.execute(
        text("UPDATE goals SET title = 'ny titel', why = 'ny grund' WHERE id = :id"),
        {"id": goal.id},
    )
    db.session.commit()
    assert keys.plaintext_counts() == [(leader.email, 1)]
    browser = app.test_client()
    login(browser, leader)
    plain = db.session.execute(
        text("SELECT title, why FROM goals WHERE id = :id"), {"id": goal.id}
    ).one()
    assert tuple(plain) == ("", "")
    assert keys.plaintext_counts() == []
    page = browser.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert "ny titel" in page and "ny grund" in page and "forseglet titel" not in page
