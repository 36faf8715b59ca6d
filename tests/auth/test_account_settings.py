"""Display name, language and time zone."""

from journal.models import User


def test_settings_are_saved(leader_client, leader, db):
    response = leader_client.submit(
        "/account", {"name": "Lone L.", "language": "en", "timezone": "America/Nuuk"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, leader.id)
    assert (user.name, user.language, user.timezone) == ("Lone L.", "en", "America/Nuuk")
    assert "Settings" in leader_client.get("/account").get_data(as_text=True)


def test_the_default_time_zone_is_copenhagen(leader):
    assert leader.timezone == "Europe/Copenhagen"


def test_bad_settings_give_errors_not_500(leader_client, leader, db):
    response = leader_client.submit(
        "/account", {"name": "", "language": "xx", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for field in ("name", "language", "timezone"):
        assert f'id="{field}-error"' in page
    db.session.expire_all()
    assert db.session.get(User, leader.id).name == "Lone Leder"
