"""What an adversarial review of the unlock factors found (each test failed before its fix):
a way in left by whoever finds a session open, text from before encryption sealed under a
stranger's passphrase, a dead end after a password reset, a race that left only the
recovery key, and writing lost (or a 500) behind a locked journal."""

import contextlib
import secrets
import threading
import time
from datetime import date

import pytest
from sqlalchemy import insert, select

from journal import journal_key
from journal.auth import keys, services
from journal.entries import services as entries
from journal.extensions import db
from journal.i18n import today_for
from journal.journal_key import FRESH_UNLOCK_SECONDS, SESSION_UNLOCKED_AT
from journal.models import Entry
from journal.models.user import utcnow
from tests.conftest import TEST_PASSWORD, give_session, locked_session, signed_session
from tests.unlock.conftest import PHRASE, fake_passkey, signed_in_locked


def unlocked_a_while_ago(client) -> None:
    """The journal in `client`'s session was opened longer ago than a change of how it opens
    accepts (a laptop left open)."""
    with client.session_transaction() as session:
        session[SESSION_UNLOCKED_AT] = int(time.time()) - FRESH_UNLOCK_SECONDS - 60


ATTACKER_PHRASE = "it-afdelingens egen saetning 2026"


# F1 ---------------------------------------------------------------------------------------
def test_a_passphrase_is_not_added_by_whoever_has_the_open_session(app, client, leader, log_in_as):
    """Someone at the leader's unlocked laptop for a minute (or a hijacked session) adds a
    journal passphrase without typing any secret; later the IdP administrator signs in as
    the leader (journal locked) and unlocks with it: a lasting path to the key. The new
    recovery key needs the password for exactly this reason ("not just whoever has the
    session"); the passphrase must too."""
    journal_key.use_for_request(keys.open_with_password(leader, TEST_PASSWORD))
    entry = entries.create_entry(
        leader, entry_date=today_for(leader), title="", body="HEMMELIG REFLEKSION", task_keys=[]
    )
    db.session.commit()
    log_in_as(client, leader)
    unlocked_a_while_ago(client)
    response = client.submit(
        "/account/unlock-factors/passphrase",
        {"passphrase": ATTACKER_PHRASE, "confirm": ATTACKER_PHRASE},
        page="/account/unlock-factors",
    )
    assert response.headers["Location"].startswith("/unlock?confirm=1")
    assert keys.factor_of(leader, "passphrase") is None
    # Later: the identity provider's administrator signs in as the leader.
    idp = app.test_client()
    signed_in_locked(app, idp, leader)
    idp.submit("/unlock", {"way": "passphrase", "secret": ATTACKER_PHRASE}, page="/unlock")
    assert "HEMMELIG REFLEKSION" not in idp.get(f"/journal/{entry.id}").get_data(as_text=True)


def test_a_passkey_only_journal_does_not_hand_a_new_recovery_key_to_whoever_has_the_session(
    app, client, keyless
):
    """Passkeys only: /account/recovery-key/new asks nothing, so whoever holds an unlocked
    session gets a recovery key that opens the journal from anywhere, for ever (and the
    leader's own printed key stops working)."""
    key, _recovery = keys.set_up_keys_with_passkey(keyless, fake_passkey())
    keyless.recovery_key_confirmed_at = utcnow()
    db.session.commit()
    give_session(app, client, signed_session(app, keyless, key)[0])
    unlocked_a_while_ago(client)
    response = client.submit("/account/recovery-key/new", {}, page="/account/recovery-key")
    assert response.status_code != 302 or response.headers["Location"] != "/account/recovery-key"
    db.session.expire_all()
    assert keyless.recovery_key_confirmed_at is not None  # nothing replaced


def test_a_passkey_is_not_added_by_whoever_has_the_open_session(app, client, leader, log_in_as):
    """As the passphrase: a passkey of someone else's device is a way in for later."""
    log_in_as(client, leader)
    token = client.csrf_token("/account/unlock-factors")
    unlocked_a_while_ago(client)
    page = client.get("/account/unlock-factors").get_data(as_text=True)
    assert "bekræfte, at det er dig" in page
    for path in ("/account/passkeys/options", "/account/passkeys"):
        response = client.post(path, json={"credential": {}}, headers={"X-CSRFToken": token})
        assert response.status_code == 403, path
        assert "låse journalen op én gang til" in response.get_json()["error"]
    assert keys.passkeys_of(leader) == []


# F2 ---------------------------------------------------------------------------------------
def test_setting_up_by_sign_in_does_not_seal_what_the_account_already_holds(app, client):
    """An account from before encryption (plain text, no keys, a password the leader
    knows): whoever signs in as it by the municipality's account is sent to set-up, chooses
    a passphrase, and the leader's old entries are sealed under *their* key and shown."""
    user = services.create_user(
        "gammel@esbjerg.example", "Gitte Gammel", TEST_PASSWORD, must_change_password=False
    )
    db.session.execute(
        insert(Entry),
        [
            {
                "owner_id": user.id,
                "entry_date": date(2025, 5, 1),
                "plain_title": "GAMMEL",
                "plain_body": "SKREVET FOER KRYPTERING",
            }
        ],
    )
    db.session.commit()
    signed_in_locked(app, client, user)
    assert client.get("/account/set-up").headers["Location"] == "/unlock"
    page = client.get("/unlock").get_data(as_text=True)
    assert "Åbn den én gang med den adgangskode" in page
    response = client.submit(
        "/account/set-up",
        {"passphrase": ATTACKER_PHRASE, "confirm": ATTACKER_PHRASE},
        page="/unlock",
    )
    assert response.headers["Location"] == "/unlock"
    with pytest.raises(keys.NeedsPassword):
        keys.set_up_keys_with_passphrase(user, ATTACKER_PHRASE)
    assert not keys.has_keys(user)
    entry_id = db.session.scalar(select(Entry.id))
    assert "SKREVET FOER" not in client.get(f"/journal/{entry_id}").get_data(as_text=True)
    # The leader's own password opens it: sealed now, and the recovery key is shown.
    response = client.submit(
        "/unlock", {"way": "password", "secret": TEST_PASSWORD}, page="/unlock"
    )
    assert response.headers["Location"] == "/account/recovery-key"
    db.session.expire_all()
    assert db.session.get(Entry, entry_id).sealed is not None
    assert keys.factor_of(user, "password") is not None


# F3 ---------------------------------------------------------------------------------------
def test_a_reset_password_does_not_turn_sign_in_into_a_dead_end(app, client, make_user, keyless):
    """A leader whose journal opens with a passkey, after an administrator reset the
    password: the municipality's sign-in makes a session that counts as logged out
    (load_user wants the 'pending' mark), so the leader is bounced to /login with nothing to
    do there, and the passkey never gets a chance."""
    keys.set_up_keys_with_passkey(keyless, fake_passkey())
    keyless.recovery_key_confirmed_at = utcnow()
    db.session.commit()
    admin = make_user(name="Admin Anne", is_admin=True)
    services.reset_password(keyless, secrets.token_urlsafe(16))
    db.session.refresh(keyless)
    give_session(app, client, locked_session(app, keyless)[0])
    response = client.get("/account")
    assert response.status_code == 200, admin
    assert client.get("/journal/").headers["Location"].startswith("/unlock")


# F4 ---------------------------------------------------------------------------------------
@pytest.mark.both_engines
def test_two_removals_at_once_do_not_leave_the_recovery_key_alone(app, keyless, monkeypatch):
    """Passphrase and one passkey; two tabs remove one each at the same moment. Each checks
    "another way in remains" before either deletes: both go, the recovery key is left alone."""
    key, _recovery = keys.set_up_keys_with_passphrase(keyless, PHRASE)
    passkey = keys.add_passkey(keyless, key, fake_passkey())
    passphrase = keys.factor_of(keyless, "passphrase")
    ids, user_id = (passphrase.id, passkey.id), keyless.id
    db.session.commit()
    both_read = threading.Barrier(2, timeout=1 if db.engine.dialect.name == "postgresql" else 5)
    read = keys.factors_of

    def read_then_wait(user):
        found = read(user)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait()
        return found

    monkeypatch.setattr(keys, "factors_of", read_then_wait)
    outcomes = []

    def remove(factor_id):
        with app.app_context():
            user = db.session.get(type(keyless), user_id)
            try:
                keys.remove_factor(user, factor_id)
                outcomes.append("removed")
            except keys.LastFactor:
                outcomes.append("refused")
            except Exception as error:
                outcomes.append(repr(error))

    threads = [threading.Thread(target=remove, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    kinds = (
        {f.kind for f in keys.factors_of.__wrapped__(keyless)}
        if hasattr(keys.factors_of, "__wrapped__")
        else {f.kind for f in read(keyless)}
    )
    assert kinds != {"recovery"}, outcomes


# Sound: bad input on the new pages never answers a 500.
def test_bad_input_on_unlock_and_set_up(app, client, keyless):
    keys.set_up_keys_with_passphrase(keyless, PHRASE)
    db.session.commit()
    signed_in_locked(app, client, keyless)
    for data in (
        {},
        {"way": "bogus", "secret": "x"},
        {"way": ["passphrase", "recovery"], "secret": ["a", "b"]},
        {"way": "recovery", "secret": "\x00" * 300},
        {"way": "recovery", "secret": "ÆØÅ-" * 8},
        {"way": "passphrase", "secret": "x" * 5000},
        {"way": "password", "secret": "x" * 1000},
    ):
        response = client.submit("/unlock", data, page="/unlock")
        assert response.status_code in (200, 302, 400, 429), data
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/") and not response.headers[
                "Location"
            ].startswith("//"), data
    for evil in ("//evil.example/", "/\\evil.example", "https://evil.example/"):
        browser = signed_in_locked(app, app.test_client(), keyless)
        response = browser.submit(
            "/unlock", {"way": "passphrase", "secret": PHRASE, "next": evil}, page="/unlock"
        )
        assert response.headers["Location"] == "/", evil
    other = app.test_client()
    fresh = services.create_user(
        "x@esbjerg.example", "X", secrets.token_urlsafe(24), must_change_password=False
    )
    signed_in_locked(app, other, fresh)
    for data in ({"passphrase": "y" * 100000, "confirm": "y" * 100000},):
        assert other.submit("/account/set-up", data).status_code in (200, 302, 400), data
    assert client.get("/unlock?next=" + "a" * 10000).status_code in (200, 302)


# F5 ---------------------------------------------------------------------------------------
def _posted_writing_comes_back(app, leader, path, token_ok):
    journal_key.use_for_request(keys.open_with_password(leader, TEST_PASSWORD))
    entry = entries.create_entry(
        leader, entry_date=today_for(leader), title="", body="GAMMEL TEKST", task_keys=[]
    )
    db.session.commit()
    browser = app.test_client()
    cookie, token = locked_session(app, leader)
    give_session(app, browser, cookie)
    response = browser.post(
        path.format(id=entry.id),
        data={
            "csrf_token": token if token_ok else "stale",
            "title": "",
            "body": "TYVE MINUTTERS SKRIVNING",
            "entry_date": "2026-12-01",
        },
        headers={"Origin": "https://localhost", "Referer": "https://localhost/journal/new"},
        base_url="https://localhost",
    )
    body = response.get_data(as_text=True)
    return response.status_code, response.headers.get("Location"), body


def test_writing_posted_to_a_locked_session_is_not_dropped(app, leader):
    """The session ran out mid-writing; the leader signed in again by the municipality's
    account in another tab (journal locked) and presses Save: the post is answered with a
    redirect to /unlock and the twenty minutes of text are gone (an anonymous post would
    have got the rescue page)."""
    status, location, body = _posted_writing_comes_back(app, leader, "/journal/new", True)
    assert "TYVE MINUTTERS SKRIVNING" in body, (status, location)


def test_a_stale_form_posted_to_a_locked_session_is_not_a_500(app, leader):
    status, location, body = _posted_writing_comes_back(app, leader, "/journal/{id}/edit", False)
    assert status < 500 and "GAMMEL TEKST" not in body, (status, location)
