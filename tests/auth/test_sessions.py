"""Sessions end everywhere on logout and password change, and run out when idle or old."""

import time
from datetime import date

import pytest
from sqlalchemy import update

from journal import crypto
from journal.auth import services, sessions
from journal.i18n import today_for
from journal.models import User
from tests.conftest import TEST_PASSWORD, stored_entries
from tests.entries.test_nothing_lost import TEXT, entry_form_token, fields

NEW_PASSWORD = "en helt ny og lang adgangskode"


def logged_in(client) -> bool:
    return client.get("/journal/").status_code == 200


def copy_of(app, client):
    """Another browser holding an exact copy of `client`'s session cookie (a replay)."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = app.test_client()
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, moved on by hand: `clock.now += 3600`."""

    class Clock:
        now = 1_800_000_000

    monkeypatch.setattr(sessions, "now", lambda: Clock.now)
    return Clock


def test_a_cookie_replayed_after_logout_is_refused(app, leader_client):
    replay = copy_of(app, leader_client)
    assert logged_in(replay)  # the copy works while the session lasts
    leader_client.submit("/logout", page="/")
    assert not logged_in(replay)
    assert replay.get("/journal/").headers["Location"].startswith("/login")


def test_logout_ends_the_sessions_on_other_devices_too(app, leader, leader_client, login):
    phone = app.test_client()
    login(phone, leader)
    assert logged_in(phone)
    leader_client.submit("/logout", page="/")
    assert not logged_in(phone)
    login(phone, leader)  # logging in again works
    assert logged_in(phone)


def test_a_password_change_ends_other_sessions_and_keeps_this_one(
    app, leader, leader_client, login
):
    phone = app.test_client()
    login(phone, leader)
    replay = copy_of(app, leader_client)
    response = leader_client.submit(
        "/account/password",
        {
            "current_password": TEST_PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert logged_in(leader_client)
    assert not logged_in(phone) and not logged_in(replay)


def test_a_session_without_a_version_counts_as_logged_out(app, leader_client):
    with leader_client.session_transaction() as session:
        del session[sessions.VERSION]
    assert not logged_in(leader_client)


def test_activity_keeps_a_session_alive_within_the_idle_limit(app, clock, leader_client):
    for _ in range(2):  # an hour between requests, twice
        clock.now += 60 * 60
        assert logged_in(leader_client)
    clock.now += (app.config["SESSION_IDLE_MINUTES"] - 1) * 60
    assert logged_in(leader_client)


def test_a_session_ends_after_the_idle_limit_and_says_why(app, clock, leader_client):
    clock.now += app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = leader_client.get("/journal/")
    assert response.headers["Location"].startswith("/login")
    page = leader_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du blev logget ud efter 8 timer uden aktivitet" in page
    assert not logged_in(leader_client)


def test_a_short_idle_limit_is_said_in_minutes(app, clock, leader_client):
    app.config["SESSION_IDLE_MINUTES"] = 30
    clock.now += 31 * 60
    response = leader_client.get("/journal/")
    page = leader_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du blev logget ud efter 30 minutter uden aktivitet" in page


def test_a_session_ends_at_the_absolute_limit_however_busy(app, clock, leader_client):
    hours = app.config["SESSION_MAX_HOURS"]
    for _ in range(hours):
        clock.now += 60 * 60 - 1  # busy every hour
        assert logged_in(leader_client)
    clock.now += 60 * 60
    response = leader_client.get("/journal/")
    assert response.headers["Location"].startswith("/login")
    page = leader_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"varer et log-ind højst {hours} timer" in page


def test_text_posted_after_the_idle_limit_is_kept_and_saved_after_logging_in(
    app, db, clock, leader, leader_client
):
    token = entry_form_token(leader_client.get("/journal/new").get_data(as_text=True))
    clock.now += app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = leader_client.post("/journal/new", data=fields(csrf_token=token))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and TEXT in page  # shown again, with a log-in form
    assert stored_entries(db) == []

    rescue_token = leader_client.csrf_token("/no-such-page")
    saved = leader_client.post(
        "/rescue",
        data=fields(
            csrf_token=rescue_token,
            email=leader.email,
            password=TEST_PASSWORD,
            rescue_for="entries.new",
        ),
    )
    assert saved.status_code == 200 and TEXT in saved.get_data(as_text=True)
    assert stored_entries(db) == []  # shown once more to save, as after any expiry
    final = leader_client.post(
        "/journal/new", data=fields(csrf_token=entry_form_token(saved.get_data(as_text=True)))
    )
    assert final.status_code == 302
    assert [entry.body for entry in stored_entries(db)] == [TEXT]
    assert today_for(leader)  # the leader is logged in again


NOTE = "Samtalen med Jonas gik bedre, fordi jeg lyttede færdigt før jeg svarede."


@pytest.mark.parametrize("where", ["check-in", "comment"])
def test_a_note_posted_after_the_idle_limit_is_shown_to_copy(
    app, clock, leader, leader_client, where, make_goal
):
    """Forms without their own rescue still never swallow what was typed."""
    goal = make_goal(leader, title="Lytte færdigt", start_date=date(2026, 3, 1))
    page = f"/goals/{goal.id}"
    token = leader_client.csrf_token(page)
    clock.now += app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    if where == "check-in":
        url, data = (
            f"/goals/{goal.id}/check-ins",
            {"day": "2026-03-05", "rating": "3", "note": NOTE},
        )
    else:
        url, data = f"/goals/{goal.id}/comments", {"body": NOTE}
    response = leader_client.post(
        url, data={**data, "csrf_token": token}, headers={"Referer": f"http://localhost{page}"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert NOTE in text and "Din tekst er ikke gemt endnu" in text
    assert f'href="{page}"' in text  # back to the form, through the log-in


def test_text_posted_from_another_site_is_not_shown_back(app, leader_client):
    response = leader_client.post(
        "/goals/1/check-ins",
        data={"note": "Planted by another site"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert "Planted by another site" not in response.get_data(as_text=True)


def forged_cookie(app, user, seal_key: bytes, *, pending: bool = False) -> str:
    """A session cookie made by someone who has SECRET_KEY and nothing else: the account's id
    and counters guessed (they are small), a data key of the forger's own choosing sealed
    with `seal_key`, and perhaps the claim "waiting for a new password"."""
    moment = int(time.time())
    data = {
        "_user_id": str(user.id),
        "_fresh": True,
        "session_version": user.session_version,
        "logged_in_at": moment,
        "seen_at": moment,
    }
    context = f"session:data-key:user:{user.id}:keys:{user.key_version}".encode()
    data["journal_key"] = crypto.b64(crypto.seal(seal_key, crypto.new_key(), context))
    if pending:
        data["journal_locked"] = True
        pending_context = f"session:pending:user:{user.id}:keys:{user.key_version}".encode()
        sealed = crypto.seal(seal_key, b"waiting for a new password", pending_context)
        data["journal_locked"] = crypto.b64(sealed)
    return app.session_interface.get_signing_serializer(app).dumps(data)


@pytest.mark.parametrize(
    "seal_key",
    [
        # The secret alone, as sessions were sealed before each account had a token.
        lambda secret: crypto.derive_key(secret.encode(), "session-wrap"),
        # The secret and a guessed token.
        lambda secret: crypto.derive_key(secret.encode(), "session-wrap", salt=b"0" * 43),
    ],
    ids=["secret alone", "secret and a guessed token"],
)
def test_the_server_secret_alone_logs_no_one_in(app, db, leader, make_user, seal_key):
    """Someone holding SECRET_KEY (a leaked configuration) but not the database cannot make
    a session cookie for an account: not a logged-in one, not one waiting for a password."""
    key = seal_key(app.secret_key)
    browser = app.test_client()
    browser.set_cookie(app.config["SESSION_COOKIE_NAME"], forged_cookie(app, leader, key))
    for page in ("/", "/goals/", "/sharing/", "/account"):
        response = browser.get(page)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")

    reset = make_user(name="Nulstillet")
    services.reset_password(reset, "the administrator knows it")
    db.session.refresh(reset)
    browser = app.test_client()
    cookie = forged_cookie(app, reset, key, pending=True)
    browser.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    response = browser.get("/account/choose-password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_each_account_has_its_own_session_token_made_anew_when_sessions_end(app, db, leader):
    first = leader.session_token
    assert len(first) >= 43
    other = db.session.get(User, leader.id - 1)
    assert other.session_token != first
    sessions.end_sessions(leader)
    db.session.commit()
    assert leader.session_token not in ("", first)


def test_an_account_made_without_a_session_token_gets_one_at_log_in(app, db, client, leader):
    """While an upgrade rolls through the servers, one of the earlier release may make an
    account (the column's default is empty): its first log-in gives it a token of its own,
    and the journal opens, instead of an error page at every log-in."""
    db.session.execute(update(User).where(User.id == leader.id).values(session_token=""))
    db.session.commit()
    answer = client.submit("/login", {"email": leader.email, "password": TEST_PASSWORD})
    assert answer.status_code == 302
    db.session.expire_all()
    assert len(db.session.get(User, leader.id).session_token) >= 43
    assert client.get("/journal/new").status_code == 200


def test_the_pages_after_log_in_keep_the_cookie_the_log_in_set(app, client, leader):
    """The log-in's cookie already holds what the pages after it need (their forms' CSRF
    token): they send no new one, and their forms work with it. A page that signed and sent
    the cookie anew would cost every request of a client that keeps only the first one."""
    answer = client.submit("/login", {"email": leader.email, "password": TEST_PASSWORD})
    assert answer.status_code == 302
    for path in ("/privacy", "/journal/", "/privacy"):
        page = client.get(path)
        assert page.status_code == 200
        assert page.headers.getlist("Set-Cookie") == []
    assert client.submit("/logout", {}, page="/privacy").status_code == 302
    assert not logged_in(client)
