"""Password policy and hashing."""

import pytest
from sqlalchemy import select

from journal.auth import passwords, services
from journal.config import DefaultConfig
from journal.models import User
from tests.conftest import TEST_PASSWORD


def test_hash_uses_scrypt_with_the_required_parameters(app, db):
    app.config["PASSWORD_HASH_METHOD"] = DefaultConfig.PASSWORD_HASH_METHOD
    user = services.create_user("a@esbjerg.example", "A", TEST_PASSWORD)
    stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    method, salt, digest = stored.split("$")
    algorithm, n, r, p = method.split(":")
    assert (algorithm, int(n), int(r), int(p)) == ("scrypt", 2**17, 8, 1)
    assert len(salt) >= 16 and len(digest) == 128
    assert TEST_PASSWORD not in stored


def test_the_common_password_list_is_shipped_and_checked():
    common = passwords.common_passwords()
    assert len(common) == 10_000
    assert passwords.is_common("Password") and passwords.is_common(" qwerty ")
    assert not passwords.is_common(TEST_PASSWORD)


def long_common_password() -> str:
    return next(p for p in sorted(passwords.common_passwords()) if len(p) >= 12)


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("elevenchars", False),
        ("twelve chars", True),
        ("æøå æøå æøå", False),  # 11 characters, however many bytes
        ("tolv tegn æø", True),
        ("x" * 1025, False),
    ],
)
def test_length_decides_with_no_composition_rules(app, password, accepted):
    assert (passwords.password_problem(password) is None) is accepted


def test_a_common_password_is_refused_whatever_its_case(app):
    password = long_common_password().upper()
    assert len(password) >= 12
    assert passwords.password_problem(password) is not None


def test_an_outdated_hash_is_upgraded_at_login(app, db, make_user, client, login):
    user = make_user()
    app.config["PASSWORD_HASH_METHOD"] = "scrypt:2048:8:1"
    assert login(client, user).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash.startswith("scrypt:2048:8:1$")


def test_change_password_needs_the_current_one(leader_client, leader, db, client, login):
    new = "a different harbour walk"
    refused = leader_client.submit(
        "/account/password",
        {"current_password": "not my password", "password": new, "confirm": new},
    )
    assert refused.status_code == 200
    assert 'id="current_password-error"' in refused.get_data(as_text=True)
    accepted = leader_client.submit(
        "/account/password",
        {"current_password": TEST_PASSWORD, "password": new, "confirm": new},
    )
    assert accepted.status_code == 302
    db.session.expire_all()
    assert services.authenticate(leader.email, new) is not None
    assert services.authenticate(leader.email, TEST_PASSWORD) is None


def test_a_new_password_must_follow_the_policy(leader_client):
    response = leader_client.submit(
        "/account/password",
        {"current_password": TEST_PASSWORD, "password": "qwerty", "confirm": "qwerty"},
    )
    assert response.status_code == 200
    assert 'id="password-error"' in response.get_data(as_text=True)
