"""Display name, language and time zone."""

import re

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


def test_the_time_zones_are_the_places_people_live_europe_first(leader_client):
    page = leader_client.get("/account").get_data(as_text=True)
    groups = re.findall(r'<optgroup label="([^"]+)"', page)
    assert groups[0] == "Europe" and "America" in groups
    assert '<option selected value="Europe/Copenhagen">' in page
    for name in ("Factory", "localtime", "posixrules", "Etc/GMT+1", "US/Eastern", "SystemV/AST4"):
        assert f'value="{name}"' not in page
    refused = leader_client.submit(
        "/account", {"name": "Lone", "language": "da", "timezone": "Factory"}
    )
    assert 'id="timezone-error"' in refused.get_data(as_text=True)


def test_a_time_zone_chosen_from_the_old_longer_list_still_saves(leader_client, leader, db):
    leader.timezone = "Etc/GMT-2"
    db.session.commit()
    assert 'value="Etc/GMT-2"' in leader_client.get("/account").get_data(as_text=True)
    response = leader_client.submit(
        "/account", {"name": "Lone L.", "language": "da", "timezone": "Etc/GMT-2"}
    )
    assert response.status_code == 302


def test_the_unit_is_saved_and_shown_again(leader_client, leader, db):
    response = leader_client.submit(
        "/account",
        {"name": "Lone L.", "unit": "  Dagtilbud Nord ", "language": "da", "timezone": "UTC"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, leader.id).unit == "Dagtilbud Nord"
    assert 'value="Dagtilbud Nord"' in leader_client.get("/account").get_data(as_text=True)


def test_an_emptied_unit_is_none(leader_client, leader, db):
    leader.unit = "Dagtilbud Nord"
    db.session.commit()
    leader_client.submit(
        "/account", {"name": "Lone", "unit": " ", "language": "da", "timezone": "UTC"}
    )
    db.session.expire_all()
    assert db.session.get(User, leader.id).unit is None


def test_a_too_long_unit_is_refused_with_a_message(leader_client, leader, db):
    response = leader_client.submit(
        "/account", {"name": "Lone", "unit": "x" * 121, "language": "da", "timezone": "UTC"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="unit-error"' in page and "højst 120 tegn" in page
    db.session.expire_all()
    assert db.session.get(User, leader.id).unit is None
