"""What an adversarial review of the passkey ceremonies found, each test failing before its
fix: a replayed unlock from a copy of the session cookie, a set-up over text from before
encryption, a credential id claimed twice, JSON nested too deep, a counter past 2^31, and a
credential id longer than WebAuthn allows."""

import secrets
from datetime import date

import pytest
from sqlalchemy import insert

from journal.auth import keys
from journal.auth import services as auth_services
from journal.extensions import db as _db
from journal.models import Entry
from journal.passkeys.webauthn import b64url
from tests.conftest import TEST_PASSWORD
from tests.passkeys import test_ceremonies
from tests.passkeys.authenticator import Authenticator
from tests.passkeys.test_ceremonies import (
    ADD,
    ADD_OPTIONS,
    UNLOCK,
    Browser,
    assert_still_locked,
    locked_browser,
    open_browser,
    passkeys_in_database,
)

leader_with_passkey = test_ceremonies.leader_with_passkey  # the fixture
SET_UP_OPTIONS, SET_UP = "/account/set-up/passkey/options", "/account/set-up/passkey"


def cookie_of(app, browser):
    return browser.client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def copy_of(app, browser):
    """Another browser holding a copy of `browser`'s session cookie as it is now."""
    return Browser(app, (cookie_of(app, browser), browser.token))


# R1: "used once" is not real: the challenge lives in the cookie; a copy replays it.
def test_a_captured_unlock_replayed_with_a_copy_of_the_cookie_is_refused(
    app, db, leader_with_passkey
):
    leader, entry, authenticator = leader_with_passkey
    authenticator.counts = False  # a synced passkey: the sign count stays 0
    leader_browser = locked_browser(app, leader)
    options = leader_browser.unlock_options()
    captured = copy_of(app, leader_browser)  # the cookie as the request carries it
    credential, prf = authenticator.get(options)
    body = {"credential": credential, "prf_output": b64url(prf)}
    assert leader_browser.post(UNLOCK, body).status_code == 200  # the leader's own unlock

    replayed = captured.post(UNLOCK, body)

    assert replayed.status_code == 400, "the replay opened the journal"
    assert_still_locked(captured, entry)


def test_a_replayed_unlock_cannot_be_turned_into_a_passkey_of_the_attackers_own(
    app, db, leader_with_passkey
):
    leader, _entry, authenticator = leader_with_passkey
    authenticator.counts = False
    leader_browser = locked_browser(app, leader)
    options = leader_browser.unlock_options()
    captured = copy_of(app, leader_browser)
    credential, prf = authenticator.get(options)
    body = {"credential": credential, "prf_output": b64url(prf)}
    assert leader_browser.post(UNLOCK, body).status_code == 200
    captured.post(UNLOCK, body)  # the replay: refused, the session stays locked

    assert captured.post(ADD_OPTIONS, {}).status_code != 200
    assert [p.name for p in passkeys_in_database(db, leader)] == ["Arbejdscomputer"]


# R2: a set-up by passkey on an account that holds text from before encryption: 500.
def test_a_passkey_set_up_on_an_account_with_plain_text_is_refused_with_a_message(app, db):
    user = auth_services.create_user(
        "gammel@esbjerg.example", "Gitte Gammel", TEST_PASSWORD, must_change_password=False
    )
    _db.session.execute(
        insert(Entry),
        [{"owner_id": user.id, "entry_date": date(2025, 5, 1), "plain_body": "FOER KRYPTERING"}],
    )
    _db.session.commit()
    browser = locked_browser(app, user)
    response = browser.post(SET_UP_OPTIONS)  # refused at once, or else at the answer
    if response.status_code == 200:
        credential, prf = Authenticator().create(response.json["publicKey"])
        response = browser.post(SET_UP, {"credential": credential, "prf_output": b64url(prf)})

    assert response.status_code in (400, 409, 422), response.status_code
    assert response.is_json and response.json["error"]
    assert not keys.has_keys(user)


# R3: a set-up claiming another leader's credential id: the unique index fires at an
# autoflush inside keys.set_up_keys_with_passkey, before services._stored(): 500.
@pytest.mark.both_engines
def test_a_set_up_claiming_another_leaders_credential_id_is_refused(
    app, db, make_user, leader_with_passkey
):
    leader, _entry, _authenticator = leader_with_passkey
    [theirs] = passkeys_in_database(db, leader)
    newcomer = auth_services.create_user(
        "ny@esbjerg.example", "Nina Ny", secrets.token_urlsafe(24), must_change_password=False
    )
    browser = locked_browser(app, newcomer)
    options = browser.post(SET_UP_OPTIONS).json["publicKey"]
    credential, prf = Authenticator().create(options, credential_id=theirs.credential_id)

    response = browser.post(SET_UP, {"credential": credential, "prf_output": b64url(prf)})

    assert response.status_code == 422, response.status_code
    assert response.is_json and response.json["error"]
    assert not keys.has_keys(newcomer)


# R4: JSON nested deeper than Python's recursion limit: RecursionError, not ValueError: 500.
@pytest.mark.parametrize("path", [UNLOCK, ADD])
def test_deeply_nested_json_is_refused_with_a_message(app, leader_with_passkey, path):
    leader, _entry, _authenticator = leader_with_passkey
    browser = open_browser(app, leader)
    body = "[" * 20000 + "]" * 20000  # 40 kB, within MAX_BODY

    response = browser.client.post(
        path,
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": browser.token},
    )

    assert response.status_code in (400, 409), response.status_code
    assert response.is_json and response.json["error"]


# R5: a sign count above 2**31 - 1 (a 32-bit unsigned counter in the authenticator data)
# does not fit PostgreSQL's INTEGER column: DataError at commit, a 500.
@pytest.mark.both_engines
def test_a_sign_count_beyond_a_signed_32_bit_integer_is_handled(app, db, leader_with_passkey):
    leader, _entry, authenticator = leader_with_passkey
    [passkey] = authenticator.passkeys.values()
    passkey.sign_count = 2**31 - 1  # the next assertion says 2**31
    browser = locked_browser(app, leader)

    response = browser.unlock(authenticator)

    assert response.status_code in (200, 400), response.status_code
    assert response.is_json


def _shapes():
    good = {"id": "AA", "rawId": "AA", "type": "public-key"}
    return [
        {"credential": {**good, "response": []}},
        {"credential": {**good, "response": "x"}},
        {"credential": {**good, "response": None}},
        {"credential": {**good, "response": {"clientDataJSON": 1}}},
        {"credential": {**good, "rawId": 5}},
        {"credential": {**good, "clientExtensionResults": []}},
        {
            "credential": {
                **good,
                "response": {
                    "clientDataJSON": "e30",
                    "authenticatorData": "AA",
                    "signature": "AA",
                    "userHandle": 7,
                },
            }
        },
        {"credential": good, "prf_output": {"a": 1}},
        {"credential": good, "prf_output": "A" * 10000},
        {"credential": good, "next": ["x"]},
        {"credential": good, "name": {"x": 1}},
    ]


@pytest.mark.parametrize("index", range(11))
def test_odd_shapes_are_refused_with_a_message(app, leader_with_passkey, index):
    leader, _entry, authenticator = leader_with_passkey
    browser = locked_browser(app, leader)
    options = browser.unlock_options()
    credential, _prf = authenticator.get(options)
    body = _shapes()[index]
    # the real credential id, so that the checks run past the id lookup
    body["credential"] = {**body["credential"], "id": credential["id"]}
    if not isinstance(body["credential"].get("rawId"), int):
        body["credential"]["rawId"] = credential["rawId"]

    response = browser.post(UNLOCK, body)

    assert response.status_code == 400 and response.is_json


@pytest.mark.parametrize("index", range(11))
def test_odd_shapes_are_refused_when_adding(app, leader_with_passkey, index):
    leader, _entry, _authenticator = leader_with_passkey
    browser = open_browser(app, leader)
    browser.post(ADD_OPTIONS)
    body = _shapes()[index]
    response = browser.post(ADD, body)
    assert response.status_code == 400 and response.is_json


@pytest.mark.parametrize("action", ["rename", "remove"])
def test_a_locked_session_cannot_rename_or_remove(app, db, leader_with_passkey, action):
    leader, _entry, _authenticator = leader_with_passkey
    [passkey] = passkeys_in_database(db, leader)
    browser = locked_browser(app, leader)
    response = browser.client.post(
        f"/account/passkeys/{passkey.id}/{action}",
        data={"csrf_token": browser.token, f"passkey-{passkey.id}-name": "<b>x</b>"},
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/unlock")
    [after] = passkeys_in_database(db, leader)
    assert after.name == "Arbejdscomputer"
    page = browser.client.get("/account/unlock-factors")
    assert page.status_code == 302
    options = browser.unlock_options()
    assert "name" not in str(options.get("allowCredentials"))


# R6 (low): a credential id longer than WebAuthn's 1023 bytes is stored (MAX_CREDENTIAL_ID
# is declared but not enforced); such a passkey can never unlock (from_b64url(most=1023)).
def test_a_credential_id_longer_than_1023_bytes_is_not_stored(app, db, make_user):
    leader = make_user()
    browser = open_browser(app, leader)
    options = browser.post(ADD_OPTIONS).json["publicKey"]
    credential, prf = Authenticator().create(options, credential_id=secrets.token_bytes(2000))

    response = browser.post(ADD, {"credential": credential, "prf_output": b64url(prf)})

    assert response.status_code in (400, 422)
    assert passkeys_in_database(db, leader) == []
