"""Passkeys on the server: adding one wraps the journal's key, unlocking with one opens it in
a signed-in session whose journal is locked, and every ceremony that does not prove what it
should is refused with a message, changing nothing. The authenticator is a software one
(tests/passkeys/authenticator.py); tests/browser/test_passkeys.py uses Chromium's."""

import pytest
from sqlalchemy import select

from journal import journal_key
from journal.auth import keys
from journal.models import UnlockFactor
from journal.passkeys import webauthn
from journal.passkeys.webauthn import b64url
from tests.conftest import give_session, locked_session, signed_session
from tests.passkeys.authenticator import Authenticator

ADD_OPTIONS, ADD = "/account/passkeys/options", "/account/passkeys"
UNLOCK_OPTIONS, UNLOCK = "/unlock/passkey/options", "/unlock/passkey"


class Browser:
    """A test client with its session and CSRF token, posting JSON as passkeys.js does."""

    def __init__(self, app, cookie_and_token):
        self.client = app.test_client()
        cookie, self.token = cookie_and_token
        give_session(app, self.client, cookie)

    def post(self, url, body=None, **headers):
        return self.client.post(
            url, json=body or {}, headers={"X-CSRFToken": self.token, **headers}
        )

    def add_passkey(self, authenticator, name="Arbejdscomputer", lie=None):
        options = self.post(ADD_OPTIONS).json["publicKey"]
        credential, prf = authenticator.create(options)
        body = {"credential": credential, "prf_output": b64url(prf), "name": name}
        if lie:
            lie(body)
        return self.post(ADD, body)

    def unlock_options(self):
        response = self.post(UNLOCK_OPTIONS)
        assert response.status_code == 200, response.json
        return response.json["publicKey"]

    def unlock(self, authenticator, options=None, next_url="", lie=None):
        options = options or self.unlock_options()
        credential, prf = authenticator.get(options)
        body = {"credential": credential, "prf_output": b64url(prf), "next": next_url}
        if lie:
            lie(body)
        return self.post(UNLOCK, body)


def open_browser(app, user):
    """A browser signed in as `user` with the journal open (the test opened its key)."""
    return Browser(app, signed_session(app, user, journal_key.journal_key(user)))


def locked_browser(app, user):
    """A browser signed in as `user` as single sign-on leaves it: the journal locked."""
    return Browser(app, locked_session(app, user))


def passkeys_in_database(db, user):
    db.session.expire_all()
    return db.session.scalars(
        select(UnlockFactor).where(UnlockFactor.user_id == user.id, UnlockFactor.kind == "passkey")
    ).all()


@pytest.fixture
def leader_with_passkey(app, db, make_user, make_entry):
    """A leader with an entry and one passkey (on `authenticator`)."""
    leader = make_user(name="Lone Leder")
    entry = make_entry(leader, body="Mødet med Bo gik skævt.")
    authenticator = Authenticator()
    response = open_browser(app, leader).add_passkey(authenticator)
    assert response.status_code == 200, response.json
    return leader, entry, authenticator


# --- What a leader sees -------------------------------------------------------------------


@pytest.mark.both_engines  # binary columns come back from each engine as bytes
def test_a_passkey_added_opens_the_journal_in_a_locked_session(app, db, leader_with_passkey):
    leader, entry, authenticator = leader_with_passkey
    [passkey] = passkeys_in_database(db, leader)
    assert passkey.name == "Arbejdscomputer" and passkey.last_used_at is None
    browser = locked_browser(app, leader)
    assert browser.client.get(f"/journal/{entry.id}").status_code == 302  # locked

    response = browser.unlock(authenticator, next_url=f"/journal/{entry.id}")

    assert response.status_code == 200
    assert response.json == {"redirect": f"/journal/{entry.id}"}
    page = browser.client.get(f"/journal/{entry.id}")
    assert "Mødet med Bo gik skævt." in page.get_data(as_text=True)
    assert passkeys_in_database(db, leader)[0].last_used_at is not None


def test_the_passkey_page_lists_names_and_the_script_is_loaded(app, leader_with_passkey):
    leader, _entry, _authenticator = leader_with_passkey
    page = open_browser(app, leader).client.get("/account/unlock-factors").get_data(as_text=True)
    assert "Arbejdscomputer" in page
    assert "/static/passkeys.js" in page
    assert "Tilføj en adgangsnøgle" in page


def test_a_name_left_empty_names_the_device(app, db, make_user):
    leader = make_user()
    browser = open_browser(app, leader)
    safari_on_mac = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Safari/605.1.15"
    )
    browser.client.environ_base["HTTP_USER_AGENT"] = safari_on_mac
    assert browser.add_passkey(Authenticator(), name="  ").status_code == 200
    assert passkeys_in_database(db, leader)[0].name == "Adgangsnøgle på Mac (Safari)"


def test_a_leader_without_keys_sets_up_the_journal_with_a_passkey(app, db, make_user):
    leader = make_user()
    keys_gone(db, leader)
    browser = locked_browser(app, leader)
    options = browser.post("/account/set-up/passkey/options").json["publicKey"]
    credential, prf = Authenticator().create(options)

    response = browser.post(
        "/account/set-up/passkey", {"credential": credential, "prf_output": b64url(prf)}
    )

    assert response.status_code == 200 and response.json == {"redirect": "/account/recovery-key"}
    kinds = sorted(f.kind for f in keys.factors_of(leader))
    assert kinds == ["passkey", "recovery"]
    page = browser.client.get("/account/recovery-key").get_data(as_text=True)
    assert "-" in page and "gendannelsesnøgle" in page.lower()


def keys_gone(db, user):
    """`user` as an account made for single sign-on is before its first sign-in: no keys."""
    for factor in keys.factors_of(user):
        db.session.delete(factor)
    db.session.commit()


# --- Refusals: nothing stored, nothing opened ------------------------------------------------


def assert_refused(response, status=400):
    assert response.status_code == status
    assert response.is_json and response.json["error"]


def assert_still_locked(browser, entry):
    assert browser.client.get(f"/journal/{entry.id}").status_code == 302


def test_a_replayed_assertion_is_refused(app, leader_with_passkey):
    leader, entry, authenticator = leader_with_passkey
    attacker = locked_browser(app, leader)
    options = attacker.unlock_options()
    credential, prf = authenticator.get(options)
    body = {"credential": credential, "prf_output": b64url(prf)}
    # The leader's own browser used it; the same answer again (the challenge is used up).
    assert attacker.post(UNLOCK, body).status_code == 200
    again = locked_browser(app, leader)
    again.unlock_options()  # a ceremony of its own, with another challenge

    assert_refused(again.post(UNLOCK, body))
    assert_still_locked(again, entry)


def test_a_challenge_is_used_once_even_by_a_passkey_without_a_counter(app, leader_with_passkey):
    leader, entry, authenticator = leader_with_passkey
    authenticator.counts = False  # as many synced passkeys: the sign count stays 0
    browser = locked_browser(app, leader)
    options = browser.unlock_options()
    credential, prf = authenticator.get(options)
    good = {"credential": credential, "prf_output": b64url(prf)}
    broken = {
        "credential": {**credential, "response": {**credential["response"], "signature": "AA"}}
    }

    assert_refused(browser.post(UNLOCK, broken))  # takes the ceremony with it
    assert_refused(browser.post(UNLOCK, good))
    assert_still_locked(browser, entry)


def test_an_answer_to_a_challenge_the_server_never_gave_is_refused(app, leader_with_passkey):
    leader, entry, authenticator = leader_with_passkey
    browser = locked_browser(app, leader)
    options = browser.unlock_options()
    forged = b64url(b"a challenge of the attacker's own choosing, 64 bytes long......")
    credential, prf = authenticator.get(options, challenge=forged)

    assert_refused(browser.post(UNLOCK, {"credential": credential, "prf_output": b64url(prf)}))
    assert_still_locked(browser, entry)


def test_an_answer_without_a_ceremony_under_way_is_refused(app, leader_with_passkey):
    leader, entry, authenticator = leader_with_passkey
    browser = locked_browser(app, leader)
    options = locked_browser(app, leader).unlock_options()  # another browser's ceremony
    credential, prf = authenticator.get(options)

    assert_refused(browser.post(UNLOCK, {"credential": credential, "prf_output": b64url(prf)}))
    assert_still_locked(browser, entry)


def test_a_ceremony_older_than_five_minutes_is_refused(app, leader_with_passkey, monkeypatch):
    leader, entry, authenticator = leader_with_passkey
    browser = locked_browser(app, leader)
    options = browser.unlock_options()
    later = webauthn.time.time() + webauthn.CEREMONY_SECONDS + 1
    monkeypatch.setattr(webauthn.time, "time", lambda: later)

    assert_refused(browser.unlock(authenticator, options))
    assert_still_locked(browser, entry)


def test_an_assertion_made_for_another_site_is_refused(app, leader_with_passkey):
    leader, entry, authenticator = leader_with_passkey
    authenticator.origin = "https://journal.example.net"  # a look-alike site relaying
    browser = locked_browser(app, leader)

    assert_refused(browser.unlock(authenticator))
    assert_still_locked(browser, entry)


@pytest.mark.both_engines  # the unique credential id, on each engine
def test_a_passkey_of_another_leader_is_refused(app, db, make_user, leader_with_passkey):
    leader, entry, _authenticator = leader_with_passkey
    other = make_user(name="Anden Leder")
    others_authenticator = Authenticator()
    open_browser(app, other).add_passkey(others_authenticator)
    browser = locked_browser(app, leader)
    options = browser.unlock_options()
    [others] = passkeys_in_database(db, other)
    # The other leader's passkey answers the leader's challenge, with its own PRF output.
    credential, prf = others_authenticator.assert_with(
        others_authenticator.passkeys[others.credential_id], options["challenge"], options
    )

    assert_refused(browser.post(UNLOCK, {"credential": credential, "prf_output": b64url(prf)}))
    assert_still_locked(browser, entry)
    assert passkeys_in_database(db, other)[0].sign_count == 0  # not even its counter moved


def test_a_sign_count_gone_back_is_refused(app, db, leader_with_passkey):
    leader, entry, authenticator = leader_with_passkey
    assert locked_browser(app, leader).unlock(authenticator).status_code == 200
    [passkey] = authenticator.passkeys.values()
    passkey.sign_count -= 2  # a copy of the passkey, behind the original's counter
    browser = locked_browser(app, leader)

    assert_refused(browser.unlock(authenticator))
    assert_still_locked(browser, entry)


def test_a_prf_output_that_does_not_open_the_journal_is_refused(app, leader_with_passkey):
    leader, entry, authenticator = leader_with_passkey
    browser = locked_browser(app, leader)

    def wrong_output(body):
        body["prf_output"] = b64url(bytes(32))

    response = browser.unlock(authenticator, lie=wrong_output)

    assert_refused(response)
    assert "åbnede ikke" in response.json["error"]
    assert_still_locked(browser, entry)


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"credential": "not an object"},
        {"credential": {}},
        {"credential": {"id": 1, "rawId": [], "response": "x", "type": "public-key"}},
        {"credential": {"id": "a", "rawId": "%%%", "response": {}, "type": "public-key"}},
    ],
    ids=["empty", "a list", "a string", "no fields", "wrong types", "not base64"],
)
def test_a_malformed_answer_is_refused_with_a_message(app, leader_with_passkey, body):
    leader, entry, _authenticator = leader_with_passkey
    browser = locked_browser(app, leader)
    browser.unlock_options()

    assert_refused(browser.post(UNLOCK, body))
    assert_still_locked(browser, entry)


def test_an_oversized_answer_is_refused_unread(app, leader_with_passkey):
    leader, entry, authenticator = leader_with_passkey
    browser = locked_browser(app, leader)

    def padded(body):
        body["padding"] = "x" * (65 * 1024)

    response = browser.unlock(authenticator, lie=padded)

    assert_refused(response, 413)
    assert_still_locked(browser, entry)


def test_a_ceremony_without_the_csrf_token_is_refused_with_a_message(app, leader_with_passkey):
    leader, _entry, _authenticator = leader_with_passkey
    browser = locked_browser(app, leader)
    browser.token = "forged"

    assert_refused(browser.post(UNLOCK_OPTIONS))


def test_a_passkey_without_prf_is_not_stored(app, db, make_user):
    leader = make_user()

    def no_prf(body):
        del body["prf_output"]

    response = open_browser(app, leader).add_passkey(Authenticator(), lie=no_prf)

    assert_refused(response, 422)
    assert "Vælg en kodesætning i stedet" in response.json["error"]
    assert passkeys_in_database(db, leader) == []


def test_a_registration_for_another_site_is_not_stored(app, db, make_user):
    leader = make_user()
    response = open_browser(app, leader).add_passkey(Authenticator(origin="https://evil.example"))

    assert_refused(response)
    assert passkeys_in_database(db, leader) == []


def test_the_same_passkey_cannot_be_added_twice(app, db, leader_with_passkey):
    leader, _entry, _authenticator = leader_with_passkey
    browser = open_browser(app, leader)
    [existing] = passkeys_in_database(db, leader)
    options = browser.post(ADD_OPTIONS).json["publicKey"]
    excluded = [c["id"] for c in options["excludeCredentials"]]
    assert excluded == [b64url(existing.credential_id)]  # the browser is told to refuse it


@pytest.mark.both_engines  # the unique index refuses it on each engine
def test_another_leaders_credential_id_cannot_be_claimed(app, db, make_user, leader_with_passkey):
    leader, _entry, _authenticator = leader_with_passkey
    [theirs] = passkeys_in_database(db, leader)
    other = make_user(name="Anden Leder")
    browser = open_browser(app, other)
    options = browser.post(ADD_OPTIONS).json["publicKey"]
    credential, prf = Authenticator().create(options, credential_id=theirs.credential_id)

    response = browser.post(ADD, {"credential": credential, "prf_output": b64url(prf)})

    assert_refused(response, 422)
    assert passkeys_in_database(db, other) == []
    assert [p.id for p in passkeys_in_database(db, leader)] == [theirs.id]


def test_a_set_up_for_a_journal_that_exists_is_refused(app, db, leader_with_passkey):
    leader, _entry, _authenticator = leader_with_passkey
    browser = locked_browser(app, leader)

    assert_refused(browser.post("/account/set-up/passkey/options"), 409)
    assert len(passkeys_in_database(db, leader)) == 1


# --- Renaming and removing ------------------------------------------------------------------


def test_a_passkey_is_renamed(app, db, leader_with_passkey):
    leader, _entry, _authenticator = leader_with_passkey
    [passkey] = passkeys_in_database(db, leader)
    browser = open_browser(app, leader)
    response = browser.client.post(
        f"/account/passkeys/{passkey.id}/rename",
        data={"csrf_token": browser.token, f"passkey-{passkey.id}-name": "Min telefon"},
    )
    assert response.status_code == 302
    assert passkeys_in_database(db, leader)[0].name == "Min telefon"


def test_the_last_way_in_but_the_recovery_key_is_not_removed(app, db, make_user):
    leader = make_user()
    browser = open_browser(app, leader)
    assert browser.add_passkey(Authenticator()).status_code == 200
    password = keys.factor_of(leader, "password")
    db.session.delete(password)  # as for an account that signs in with single sign-on
    db.session.commit()
    [passkey] = passkeys_in_database(db, leader)

    response = browser.client.post(
        f"/account/passkeys/{passkey.id}/remove",
        data={"csrf_token": browser.token},
        follow_redirects=True,
    )

    assert "den eneste måde" in response.get_data(as_text=True)
    assert len(passkeys_in_database(db, leader)) == 1


def test_a_passkey_is_removed_while_another_way_in_remains(app, db, leader_with_passkey):
    leader, _entry, _authenticator = leader_with_passkey
    [passkey] = passkeys_in_database(db, leader)
    browser = open_browser(app, leader)
    response = browser.client.post(
        f"/account/passkeys/{passkey.id}/remove", data={"csrf_token": browser.token}
    )
    assert response.status_code == 302
    assert passkeys_in_database(db, leader) == []
    assert_refused(locked_browser(app, leader).post(UNLOCK_OPTIONS), 409)


@pytest.mark.parametrize("action", ["rename", "remove"])
def test_another_leaders_passkey_is_not_found(app, db, make_user, leader_with_passkey, action):
    leader, _entry, _authenticator = leader_with_passkey
    [passkey] = passkeys_in_database(db, leader)
    other = open_browser(app, make_user(name="Anden Leder"))
    response = other.client.post(
        f"/account/passkeys/{passkey.id}/{action}",
        data={"csrf_token": other.token, f"passkey-{passkey.id}-name": "Mit nu"},
    )
    assert response.status_code == 404
    assert passkeys_in_database(db, leader)[0].name == "Arbejdscomputer"


def test_unlocking_never_leads_to_another_site(app, leader_with_passkey):
    leader, _entry, authenticator = leader_with_passkey
    response = locked_browser(app, leader).unlock(authenticator, next_url="//evil.example/x")
    assert response.json == {"redirect": "/"}


def test_a_name_too_long_is_refused_with_a_message(app, db, leader_with_passkey):
    leader, _entry, _authenticator = leader_with_passkey
    [passkey] = passkeys_in_database(db, leader)
    browser = open_browser(app, leader)
    response = browser.client.post(
        f"/account/passkeys/{passkey.id}/rename",
        data={"csrf_token": browser.token, f"passkey-{passkey.id}-name": "x" * 61},
        follow_redirects=True,
    )
    assert "Et navn kan højst være 60 tegn." in response.get_data(as_text=True)
    assert passkeys_in_database(db, leader)[0].name == "Arbejdscomputer"


def test_the_prf_output_is_neither_stored_nor_logged(app, db, make_user, caplog):
    caplog.set_level("DEBUG")
    leader = make_user()
    authenticator = Authenticator()
    open_browser(app, leader).add_passkey(authenticator)
    locked_browser(app, leader).unlock(authenticator)
    [passkey] = passkeys_in_database(db, leader)
    output = next(iter(authenticator.passkeys.values())).prf(passkey.prf_salt)
    forms = (output, b64url(output).encode(), output.hex().encode())
    for column in UnlockFactor.__table__.columns:
        value = getattr(passkey, column.key)
        stored = value if isinstance(value, bytes) else str(value).encode()
        assert not any(form in stored for form in forms), column.key
    assert not any(form.decode("latin-1") in caplog.text for form in forms)
    assert "passkey" in caplog.text  # the log does say what happened
