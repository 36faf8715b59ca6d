"""Administrators create accounts; nobody else sees the administration."""

from sqlalchemy import select

from journal.models import User
from tests.conftest import TEST_PASSWORD


def new_account(**changes):
    return {
        "name": "Karin Kok",
        "email": "karin@esbjerg.example",
        "password": TEST_PASSWORD,
        "confirm": TEST_PASSWORD,
        "language": "en",
        **changes,
    }


def admin_client(client, make_user, login):
    admin = make_user(name="Admin Anne", is_admin=True)
    login(client, admin)
    return client


def test_an_administrator_creates_an_account_that_can_log_in(client, make_user, login, db):
    admin_client(client, make_user, login)
    response = client.submit("/admin/users/new", new_account())
    assert response.status_code == 302
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "karin@esbjerg.example" in listing
    created = db.session.scalar(select(User).where(User.email == "karin@esbjerg.example"))
    assert not created.is_admin and created.language == "en"


def test_an_email_in_use_is_refused_with_a_message(client, make_user, login, db):
    admin_client(client, make_user, login)
    make_user(email="karin@esbjerg.example")
    response = client.submit("/admin/users/new", new_account(email="KARIN@esbjerg.example"))
    assert response.status_code == 200
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert len(db.session.scalars(select(User)).all()) == 2


def test_a_leader_gets_404_from_the_administration(leader_client):
    assert leader_client.get("/admin/users").status_code == 404
    assert leader_client.get("/admin/users/new").status_code == 404
    token = leader_client.csrf_token("/")
    response = leader_client.post("/admin/users/new", data={**new_account(), "csrf_token": token})
    assert response.status_code == 404
