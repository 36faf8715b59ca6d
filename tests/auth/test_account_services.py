"""Account operations without HTTP: normalisation, races and stored times."""

from datetime import UTC

import pytest
from sqlalchemy import select

from journal.auth import services
from journal.models import User
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.both_engines  # the database engine matters here


def test_an_address_has_one_spelling(make_user):
    make_user(email="Bo@Bücher.example")
    with pytest.raises(services.EmailTaken):
        make_user(email="bo@xn--bcher-kva.example")
    assert services.find_user_by_email("BO@xn--bcher-kva.example") is not None


def test_a_duplicate_created_in_a_race_is_refused_not_a_crash(app, db, make_user, monkeypatch):
    make_user(email="a@esbjerg.example")
    monkeypatch.setattr(services, "find_user_by_email", lambda email: None)
    with pytest.raises(services.EmailTaken):
        services.create_user("a@esbjerg.example", "A", TEST_PASSWORD)
    assert len(db.session.scalars(select(User)).all()) == 1


def test_the_first_account_can_be_created_only_once(app, db):
    first = services.create_first_account("a@esbjerg.example", "A", TEST_PASSWORD, "en")
    assert first.is_admin and first.language == "en"
    with pytest.raises(services.SetupClosed):
        services.create_first_account("b@esbjerg.example", "B", TEST_PASSWORD)
    assert db.session.scalars(select(User.email)).all() == ["a@esbjerg.example"]


def test_times_are_read_back_in_utc_on_every_engine(app, db, make_user):
    user = make_user()
    db.session.expire_all()
    created = db.session.get(User, user.id).created_at
    assert created.tzinfo is not None and created.utcoffset().total_seconds() == 0
    assert created.astimezone(UTC) == created


def test_control_characters_are_removed_from_what_is_saved(leader_client, leader, db):
    response = leader_client.submit(
        "/account",
        {"name": "Lone\x00 Leder\x07", "language": "da", "timezone": "Europe/Copenhagen"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, leader.id).name == "Lone Leder"
