"""An expired session or form never costs the leader a word."""

from sqlalchemy import select

from journal.models import Entry
from tests.conftest import TEST_PASSWORD

TEXT = "Tyve minutters refleksion over dagens svære samtale med æ, ø og å."


def post_after_expiry(app, url, **fields):
    """A browser whose session has gone (expired, server restarted) posts the form."""
    browser = app.test_client()
    data = {
        "entry_date": "2026-03-02",
        "title": "Lang dag",
        "body": TEXT,
        "tasks": ["reflective-leadership"],
        "csrf_token": "a token from the session that expired",
        **fields,
    }
    return browser, browser.post(url, data=data)


def test_after_an_expired_session_the_text_is_shown_and_saved_after_logging_in(app, leader, db):
    browser, response = post_after_expiry(app, "/journal/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert TEXT in page and "Lang dag" in page
    assert 'name="tasks" value="reflective-leadership"' in page
    assert db.session.scalar(select(Entry)) is None

    token = browser.csrf_token("/login")
    saved = browser.post(
        "/journal/rescue",
        data={
            "csrf_token": token,
            "email": leader.email,
            "password": TEST_PASSWORD,
            "entry_date": "2026-03-02",
            "title": "Lang dag",
            "body": TEXT,
            "tasks": ["reflective-leadership"],
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    entry = db.session.scalars(select(Entry)).one()
    assert (entry.owner_id, entry.body, entry.task_keys) == (
        leader.id,
        TEXT,
        ["reflective-leadership"],
    )


def test_a_wrong_password_at_rescue_keeps_the_text(app, leader, db):
    browser, _ = post_after_expiry(app, "/journal/new")
    response = browser.post(
        "/journal/rescue",
        data={
            "csrf_token": browser.csrf_token("/login"),
            "email": leader.email,
            "password": "not my password",
            "entry_date": "2026-03-02",
            "body": TEXT,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert TEXT in page and "E-mail eller adgangskode er forkert." in page
    assert db.session.scalar(select(Entry)) is None


def test_rescuing_an_edit_checks_owner_and_version(app, leader, make_user, make_entry, db):
    entry = make_entry(leader, body="Gemt udgave")
    browser, response = post_after_expiry(app, f"/journal/{entry.id}/edit", version="1")
    assert TEXT in response.get_data(as_text=True)
    fields = {"entry_id": entry.id, "version": "1", "entry_date": "2026-03-02", "body": TEXT}

    stranger = make_user()
    refused = browser.post(
        "/journal/rescue",
        data={
            "csrf_token": browser.csrf_token("/login"),
            "email": stranger.email,
            "password": TEST_PASSWORD,
            **fields,
        },
    )
    assert refused.status_code == 404

    owner_browser = app.test_client()
    owner_browser.get("/login")
    saved = owner_browser.post(
        "/journal/rescue",
        data={
            "csrf_token": owner_browser.csrf_token("/login"),
            "email": leader.email,
            "password": TEST_PASSWORD,
            **fields,
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).body == TEXT


def test_an_expired_form_while_logged_in_shows_the_text_again(leader_client, db):
    response = leader_client.post(
        "/journal/new",
        data={"csrf_token": "expired", "entry_date": "2026-03-02", "body": TEXT},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert TEXT in page and "Gem igen" in page
    saved = leader_client.submit(
        "/journal/new", {"entry_date": "2026-03-02", "body": TEXT, "action": "save"}
    )
    assert saved.status_code == 302
    assert db.session.scalars(select(Entry.body)).all() == [TEXT]


def test_an_oversized_post_explains_that_the_draft_is_in_the_browser(leader_client):
    response = leader_client.submit(
        "/journal/new", {"entry_date": "2026-03-02", "body": "x" * (5 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert "Fejl 413" in response.get_data(as_text=True)
