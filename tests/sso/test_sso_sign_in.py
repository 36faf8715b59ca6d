"""Log in with the municipality's account, against a real OpenID provider on 127.0.0.1:
accounts are found by issuer and subject, made for allowed domains, bound once, and the
journal stays locked until the leader opens it with something only they hold."""

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from journal import journal_key
from journal.auth import keys
from journal.auth import services as accounts
from journal.auth.passwords import verify_password
from journal.models import SignInIdentity, User
from tests.sso.conftest import entra_claims, to_provider


def signed_in_user_id(client) -> str | None:
    """The account this browser's session is logged in as, if any."""
    with client.session_transaction() as session:
        return session.get("_user_id")


def journal_is_open(client) -> bool:
    """Whether this browser's session holds an open journal key."""
    with client.session_transaction() as session:
        return journal_key.SESSION_KEY in session


def identities(db) -> list[tuple[int, str, str]]:
    """Every binding: (account, issuer, subject)."""
    db.session.expire_all()
    rows = db.session.scalars(select(SignInIdentity).order_by(SignInIdentity.id))
    return [(row.user_id, row.issuer, row.subject) for row in rows]


SET_UP = "/account/set-up"  # a journal to set up: a passkey or a passphrase, then the key
UNLOCK = "/unlock"


def assert_waits_for_the_journal(client, step: str) -> None:
    """Logged in, the journal locked: the front page sends the leader to `step` (set it up,
    or unlock it), and a page that holds no sealed text works at once."""
    front = client.get("/")
    assert front.status_code == 302 and front.headers["Location"] == step
    assert client.get("/account").status_code == 200


def test_the_login_page_offers_the_municipal_account_first(client, make_user):
    make_user()
    page = client.get("/login").get_data(as_text=True)
    assert "Log ind med din kommunekonto" in page
    assert "Esbjerg Kommune" in page
    assert page.index("Log ind med din kommunekonto") < page.index('name="password"')


def test_the_provider_is_asked_for_a_code_with_pkce_state_and_nonce(client, make_user):
    make_user()
    started = to_provider(client)
    query = parse_qs(urlsplit(started.headers["Location"]).query)
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # SHA-256, base64url
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert query["redirect_uri"] == ["http://localhost/login/sso/callback"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}


def test_a_first_sign_in_from_an_allowed_domain_makes_an_account(
    client, db, make_user, sign_in, mock_provider, caplog
):
    make_user(is_admin=True)
    caplog.set_level(logging.INFO, logger="journal.sso")
    answer = sign_in(client, "birgit", entra_claims("oid-birgit", "Birgit.Berg@Esbjerg.example"))
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    user = accounts.find_user_by_email("birgit.berg@esbjerg.example")
    assert user is not None and user.name == "Birgit Berg" and user.language == "da"
    assert not keys.has_keys(user)
    assert identities(db) == [
        (user.id, mock_provider, "8f1c2d3e-0000-4000-8000-esbjerg00001:oid-birgit")
    ]
    assert signed_in_user_id(client) == str(user.id)
    assert not journal_is_open(client)
    assert_waits_for_the_journal(client, SET_UP)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("journal"))
    assert f"account {user.id}" in logged and mock_provider in logged
    assert "oid-birgit" not in logged and "Birgit" not in logged and "birgit" not in logged


def test_the_name_comes_from_the_address_when_the_provider_gives_none(client, make_user, sign_in):
    make_user()
    claims = entra_claims("oid-x", None, name=None, preferred_username="kaj.k@esbjerg.example")
    del claims["name"]
    assert sign_in(client, "kaj", claims).status_code == 302
    assert accounts.find_user_by_email("kaj.k@esbjerg.example").name == "kaj.k"


def test_another_domain_gets_no_account(client, db, make_user, sign_in):
    make_user()
    answer = sign_in(client, "outsider", entra_claims("oid-out", "eva@andenkommune.example"))
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    assert "Din kommunekonto har ikke adgang til Ledelsesjournal endnu." in page
    assert "Kontakt din administrator." in page and "Prøv igen" in page
    assert accounts.find_user_by_email("eva@andenkommune.example") is None
    assert identities(db) == [] and signed_in_user_id(client) is None


@pytest.mark.parametrize("sso_settings", [{"OIDC_JIT_DOMAINS": ""}], indirect=True)
def test_without_allowed_domains_only_existing_accounts_sign_in(client, db, make_user, sign_in):
    make_user()
    answer = sign_in(client, "new", entra_claims("oid-new", "ny@esbjerg.example"))
    assert answer.status_code == 403
    assert accounts.find_user_by_email("ny@esbjerg.example") is None


def test_an_unverified_address_finds_no_account(client, db, make_user, sign_in):
    keyless = accounts.create_user("ib@esbjerg.example", "Ib", "a temporary password 1")
    answer = sign_in(
        client, "ib", entra_claims("oid-ib", "ib@esbjerg.example", email_verified=False)
    )
    assert answer.status_code == 403
    assert identities(db) == [] and signed_in_user_id(client) is None
    assert keyless.id is not None


def test_an_account_made_by_an_administrator_is_bound_at_its_first_sign_in(
    client, app, db, make_user, sign_in, mock_provider, login
):
    make_user(is_admin=True)
    made = accounts.create_user("ida@esbjerg.example", "Ida Holm", "a temporary password 1")
    db.session.commit()
    answer = sign_in(client, "ida", entra_claims("oid-ida", "IDA@esbjerg.example"))
    assert answer.status_code == 302
    assert identities(db) == [(made.id, mock_provider, f"{entra_claims('', '')['tid']}:oid-ida")]
    assert signed_in_user_id(client) == str(made.id)
    assert db.session.get(User, made.id).name == "Ida Holm"  # the administrator's spelling
    assert_waits_for_the_journal(client, SET_UP)
    # The password the administrator chose is void: it could have made the journal's key.
    by_password = login(app.test_client(), made, password="a temporary password 1")
    assert by_password.status_code == 200  # the log-in page again, with its message


def test_later_sign_ins_find_the_account_by_subject_even_with_a_new_address(
    client, app, db, make_user, sign_in
):
    make_user()
    sign_in(client, "birgit", entra_claims("oid-birgit", "birgit@esbjerg.example"))
    user_id = signed_in_user_id(client)
    again = app.test_client()  # another browser, another day
    answer = sign_in(again, "birgit", entra_claims("oid-birgit", "birgit.berg@esbjerg.example"))
    assert answer.status_code == 302
    assert signed_in_user_id(again) == user_id
    assert len(identities(db)) == 1
    assert accounts.find_user_by_email("birgit.berg@esbjerg.example") is None


def test_the_address_alone_never_binds_a_second_subject(client, app, db, make_user, sign_in):
    make_user()
    sign_in(client, "birgit", entra_claims("oid-birgit", "birgit@esbjerg.example"))
    first = signed_in_user_id(client)
    # Someone at the provider gives another person (another object id) Birgit's address.
    other = app.test_client()
    answer = sign_in(other, "impostor", entra_claims("oid-impostor", "birgit@esbjerg.example"))
    assert answer.status_code == 403
    assert "already linked to another sign-in" in answer.get_data(as_text=True) or (
        "allerede knyttet til et andet log-ind" in answer.get_data(as_text=True)
    )
    assert signed_in_user_id(other) is None
    assert [row[0] for row in identities(db)] == [int(first)]


def test_an_inactive_account_is_refused_clearly(client, app, db, make_user, sign_in):
    make_user()
    sign_in(client, "birgit", entra_claims("oid-birgit", "birgit@esbjerg.example"))
    user = accounts.find_user_by_email("birgit@esbjerg.example")
    user.is_active = False
    db.session.commit()
    again = app.test_client()
    answer = sign_in(again, "birgit", entra_claims("oid-birgit", "birgit@esbjerg.example"))
    assert answer.status_code == 403
    assert "deaktiveret" in answer.get_data(as_text=True)
    assert signed_in_user_id(again) is None


def test_after_signing_in_the_browser_goes_where_it_was_going(app, client, make_user, sign_in):
    make_user()
    answer = sign_in(
        client, "birgit", entra_claims("oid-b", "b@esbjerg.example"), next_url="/goals/"
    )
    assert answer.headers["Location"] == "/goals/"
    evil = sign_in(
        app.test_client(),
        "birgit",
        entra_claims("oid-b", "b@esbjerg.example"),
        next_url="//evil.example/",
    )
    assert evil.headers["Location"] == "/"


def test_a_leader_already_logged_in_is_not_sent_to_the_provider(leader_client):
    answer = leader_client.get("/login/sso?next=/goals/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/goals/"


@pytest.mark.parametrize("sso_settings", [{"OIDC_SUBJECT_CLAIMS": "sub"}], indirect=True)
def test_a_generic_provider_binds_its_sub_claim(client, db, make_user, sign_in, mock_provider):
    make_user()
    sign_in(client, "person-17", {"email": "p17@esbjerg.example", "name": "P"})
    assert [row[1:] for row in identities(db)] == [(mock_provider, "person-17")]


def test_with_single_sign_on_an_administrator_makes_an_account_without_a_password(
    client, app, db, make_user, sign_in, log_in_as
):
    """Nobody receives a temporary password: the administrator's new-account page asks
    none, and the person signs in with the municipality's account and sets up the journal."""
    admin = make_user(name="Anne Admin", is_admin=True)
    administration = log_in_as(app.test_client(), admin)
    page = administration.get("/admin/users/new").get_data(as_text=True)
    assert 'type="password"' not in page and "ingen adgangskode at give videre" in page
    answer = administration.submit(
        "/admin/users/new", {"name": "Ole Olsen", "email": "ole@esbjerg.example", "language": "da"}
    )
    assert answer.status_code == 302
    made = accounts.find_user_by_email("ole@esbjerg.example")
    assert not made.must_change_password and not keys.has_keys(made)
    assert not verify_password(made.password_hash, "")
    answer = sign_in(client, "ole", entra_claims("oid-ole", "ole@esbjerg.example"))
    assert answer.status_code == 302 and signed_in_user_id(client) == str(made.id)
    assert_waits_for_the_journal(client, SET_UP)


def test_an_account_without_a_password_is_offered_its_ways_in_not_a_password_change(
    client, app, db, make_user, sign_in
):
    make_user()
    sign_in(client, "ulla", entra_claims("oid-ulla", "ulla@esbjerg.example"))
    user = accounts.find_user_by_email("ulla@esbjerg.example")
    keys.set_up_keys_with_passphrase(user, "en lang saetning til min journal")
    user.recovery_key_confirmed_at = user.created_at
    db.session.commit()
    client = app.test_client()  # the next day
    sign_in(client, "ulla", entra_claims("oid-ulla", "ulla@esbjerg.example"))
    client.submit("/unlock", {"way": "passphrase", "secret": "en lang saetning til min journal"})
    page = client.get("/account").get_data(as_text=True)
    assert "/account/password" not in page and "/account/unlock-factors" in page
    assert client.get("/account/password").headers["Location"] == "/account/unlock-factors"
