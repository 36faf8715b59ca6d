"""The first visitor creates the administrator; afterwards that door is closed."""

import re

import pytest
from sqlalchemy import select

from journal.models import User
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.both_engines  # the database engine matters here

FIRST = {
    "name": "Mette Madsen",
    "email": "Mette.Madsen@Esbjerg.example ",
    "password": TEST_PASSWORD,
    "confirm": TEST_PASSWORD,
}


def test_without_accounts_every_door_leads_to_setup(client):
    response = client.get("/", follow_redirects=True)
    assert response.request.path == "/setup"
    assert client.get("/login").headers["Location"] == "/setup"
    page = client.get("/setup").get_data(as_text=True)
    assert 'name="password"' in page


def test_first_account_becomes_logged_in_administrator(client, db):
    response = client.submit("/setup", FIRST)
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.email == "mette.madsen@esbjerg.example"
    assert user.is_admin
    # Before anything else, the recovery key of the new journal is shown and confirmed.
    assert client.get("/").headers["Location"] == "/account/recovery-key"
    page = client.get("/account/recovery-key").get_data(as_text=True)
    assert re.search(r"([0-9A-Z]{4}-){7}[0-9A-Z]{4}", page)
    client.submit("/account/recovery-key/confirm", {"kept": "y"}, page="/account/recovery-key")
    home = client.get("/")
    assert home.status_code == 200
    assert "Mette Madsen" in home.get_data(as_text=True)


def test_setup_is_gone_once_an_account_exists(client, db, make_user):
    make_user()
    assert client.get("/setup").status_code == 404
    token = client.csrf_token("/login")
    response = client.post("/setup", data={**FIRST, "csrf_token": token})
    assert response.status_code == 404
    assert db.session.scalar(select(User).where(User.is_admin)) is None


def test_setup_errors_keep_what_was_typed(client, db):
    response = client.submit("/setup", {**FIRST, "password": "short", "confirm": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Mette Madsen"' in page
    assert 'aria-invalid="true"' in page
    assert "Brug mindst 12 tegn." in page  # the policy's message, in Danish
    assert db.session.scalar(select(User)) is None
