"""Unlocking the journal after signing in with the municipality's account: the sign-in opens
nothing; a journal passphrase, the password, a passkey or the recovery key does. The first
sign-in sets up a journal; the last way in but the recovery key is never removed."""

import secrets

import pytest
from sqlalchemy import func, select

from journal import crypto, journal_key
from journal.auth import keys, services
from journal.entries import services as entries
from journal.extensions import db
from journal.i18n import today_for
from journal.models import LoginFailure, UnlockFactor
from journal.models.user import utcnow
from tests.conftest import TEST_PASSWORD, give_session, locked_session

PHRASE = "en sætning kun jeg kender til journalen"


def signed_in_locked(app, client, user):
    """`client` signed in as `user` by the municipality's account: the journal locked."""
    give_session(app, client, locked_session(app, user)[0])
    return client


@pytest.fixture
def keyless(app):
    """An account made for single sign-on, never used: no password that works, no keys."""
    return services.create_user(
        "ny.leder@esbjerg.example", "Nina Ny", secrets.token_urlsafe(24), must_change_password=False
    )


def fake_passkey(name: str = "Min telefon") -> keys.NewPasskey:
    return keys.NewPasskey(
        name=name,
        credential_id=secrets.token_bytes(32),
        public_key=b"\xa5" + secrets.token_bytes(64),
        sign_count=0,
        transports="internal",
        prf_salt=secrets.token_bytes(32),
        prf_output=secrets.token_bytes(32),
    )


def test_the_first_sign_in_sets_up_a_journal_with_a_passphrase(app, client, keyless):
    signed_in_locked(app, client, keyless)
    assert client.get("/").headers["Location"] == "/account/set-up"
    assert client.get("/journal/").headers["Location"] == "/account/set-up"
    page = client.get("/account/set-up").get_data(as_text=True)
    assert "kodesætning" in page
    response = client.submit("/account/set-up", {"passphrase": PHRASE, "confirm": PHRASE})
    assert response.headers["Location"] == "/account/recovery-key"
    page = client.get("/account/recovery-key").get_data(as_text=True)
    assert "-" in page  # the new recovery key is shown
    client.submit("/account/recovery-key/confirm", {"kept": "y"}, page="/account/recovery-key")
    assert client.get("/").status_code == 200
    kinds = sorted(
        db.session.scalars(select(UnlockFactor.kind).where(UnlockFactor.user_id == keyless.id))
    )
    assert kinds == ["passphrase", "recovery"]


def test_a_locked_journal_opens_with_the_passphrase_and_goes_where_the_leader_was_going(
    app, client, keyless
):
    key, _recovery = keys.set_up_keys_with_passphrase(keyless, PHRASE)
    keyless.recovery_key_confirmed_at = utcnow()
    journal_key.use_for_request(key)
    entry = entries.create_entry(
        keyless, entry_date=today_for(keyless), title="", body="MIT HEMMELIGE", task_keys=[]
    )
    signed_in_locked(app, client, keyless)
    response = client.get(f"/journal/{entry.id}")
    assert response.headers["Location"] == f"/unlock?next=/journal/{entry.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "MIT HEMMELIGE" not in page and "kodesætning" in page
    response = client.submit(
        "/unlock",
        {"way": "passphrase", "secret": PHRASE, "next": f"/journal/{entry.id}"},
        page="/unlock",
    )
    assert response.headers["Location"] == f"/journal/{entry.id}"
    assert "MIT HEMMELIGE" in client.get(f"/journal/{entry.id}").get_data(as_text=True)


def test_a_wrong_passphrase_says_so_and_counts_as_a_failed_log_in(app, client, keyless):
    keys.set_up_keys_with_passphrase(keyless, PHRASE)
    signed_in_locked(app, client, keyless)
    response = client.submit("/unlock", {"way": "passphrase", "secret": "ikke den rigtige sætning"})
    assert response.status_code == 200
    assert "Det er ikke din kodesætning til journalen." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) >= 1
    assert client.get("/journal/").headers["Location"].startswith("/unlock")


def test_a_way_the_journal_does_not_have_opens_nothing(app, client, keyless):
    keys.set_up_keys_with_passphrase(keyless, PHRASE)
    signed_in_locked(app, client, keyless)
    response = client.submit("/unlock", {"way": "password", "secret": PHRASE})
    assert response.status_code == 200
    assert client.get("/journal/").headers["Location"].startswith("/unlock")


def test_the_recovery_key_opens_it_when_everything_else_is_lost(app, client, keyless):
    _key, recovery = keys.set_up_keys_with_passkey(keyless, fake_passkey())
    keyless.recovery_key_confirmed_at = utcnow()
    db.session.commit()
    signed_in_locked(app, client, keyless)
    response = client.submit(
        "/unlock",
        {"way": "recovery", "secret": crypto.format_recovery_key(recovery).lower()},
        page="/unlock",
    )
    assert response.headers["Location"] == "/account/unlock-factors"
    assert client.get("/journal/").status_code == 200


def test_the_password_still_opens_a_password_account_signed_in_by_the_municipality(
    app, client, leader
):
    signed_in_locked(app, client, leader)
    page = client.get("/unlock").get_data(as_text=True)
    assert "Din adgangskode" in page
    response = client.submit("/unlock", {"way": "password", "secret": "wrong password here"})
    assert "Det er ikke din adgangskode." in response.get_data(as_text=True)
    response = client.submit("/unlock", {"way": "password", "secret": TEST_PASSWORD})
    assert response.headers["Location"] == "/"


def test_settings_and_administration_work_while_the_journal_is_locked(app, client, make_user):
    admin = make_user(name="Admin Anne", is_admin=True)
    signed_in_locked(app, client, admin)
    assert client.get("/account").status_code == 200
    assert client.get("/account/notifications").status_code == 200
    assert client.get("/admin/users").status_code == 200
    assert client.get("/goals/").headers["Location"].startswith("/unlock")
    assert client.get("/account/unlock-factors").headers["Location"].startswith("/unlock")


def test_the_last_way_in_but_the_recovery_key_is_never_removed(app, client, keyless):
    key, _recovery = keys.set_up_keys_with_passphrase(keyless, PHRASE)
    keyless.recovery_key_confirmed_at = utcnow()
    db.session.commit()
    signed_in_locked(app, client, keyless)
    client.submit("/unlock", {"way": "passphrase", "secret": PHRASE})
    response = client.submit(
        "/account/unlock-factors/passphrase/remove", {}, page="/account/unlock-factors"
    )
    assert response.status_code == 302
    assert keys.factor_of(keyless, "passphrase") is not None
    page = client.get("/account/unlock-factors").get_data(as_text=True)
    assert "Tilføj først en adgangsnøgle" in page
    with pytest.raises(keys.LastFactor):
        keys.remove_factor(keyless, keys.factor_of(keyless, "passphrase").id)
    passkey = keys.add_passkey(keyless, key, fake_passkey())
    client.submit("/account/unlock-factors/passphrase/remove", {}, page="/account/unlock-factors")
    db.session.expire_all()
    assert keys.factor_of(keyless, "passphrase") is None
    with pytest.raises(keys.LastFactor):
        keys.remove_factor(keyless, passkey.id)
    recovery = keys.factor_of(keyless, "recovery")
    with pytest.raises(LookupError):
        keys.remove_factor(keyless, recovery.id)


def test_a_passkey_opens_with_its_own_prf_output_only(app, keyless, make_user):
    passkey = fake_passkey()
    key, _recovery = keys.set_up_keys_with_passkey(keyless, passkey)
    factor = keys.passkeys_of(keyless)[0]
    opened = keys.open_with_passkey(keyless, factor, passkey.prf_output)
    assert opened is not None and opened._key == key._key
    assert keys.open_with_passkey(keyless, factor, secrets.token_bytes(32)) is None
    other = make_user()
    assert keys.open_with_passkey(other, factor, passkey.prf_output) is None
    # A passkey's wrap copied onto another passkey's row (same user) does not open there.
    second = keys.add_passkey(keyless, key, fake_passkey("Anden"))
    second.wrapped = factor.wrapped
    assert keys.open_with_passkey(keyless, second, passkey.prf_output) is None


def test_a_set_up_journal_is_not_set_up_again(app, keyless):
    keys.set_up_keys_with_passphrase(keyless, PHRASE)
    with pytest.raises(keys.KeysChanged):
        keys.set_up_keys_with_passkey(keyless, fake_passkey())
    assert keys.open_with_passphrase(keyless, PHRASE) is not None


def test_choosing_a_passphrase_on_the_ways_in_page(app, client, leader):
    signed_in_locked(app, client, leader)
    client.submit("/unlock", {"way": "password", "secret": TEST_PASSWORD})
    response = client.submit(
        "/account/unlock-factors/passphrase",
        {"passphrase": "kort", "confirm": "kort"},
        page="/account/unlock-factors",
    )
    assert response.status_code == 200 and keys.factor_of(leader, "passphrase") is None
    client.submit(
        "/account/unlock-factors/passphrase",
        {"passphrase": PHRASE, "confirm": PHRASE},
        page="/account/unlock-factors",
    )
    assert keys.open_with_passphrase(leader, PHRASE) is not None
