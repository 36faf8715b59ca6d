"""Settings → Notifications: one switch per mail, the reminder's days and time, the date of
the appraisal; saved in one go, refused with a message that keeps what was typed."""

import re
from datetime import time, timedelta

import pytest

from journal.i18n import today_for
from journal.models import NotificationSettings
from journal.notifications import services
from journal.sharing import services as sharing

URL = "/account/notifications"


def checked(page: str, name: str) -> set[str]:
    """The values of the ticked checkboxes called `name`."""
    found = set()
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', page):
        if re.search(r"\bchecked\b", tag):
            value = re.search(r'value="([^"]*)"', tag)
            found.add(value.group(1) if value else "")
    return found


def is_on(page: str, name: str) -> bool:
    """Whether the switch `name` is ticked."""
    return bool(checked(page, name))


def value_of(page: str, name: str) -> str:
    """The value the input `name` shows."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def stored(db, user) -> NotificationSettings | None:
    db.session.expire_all()
    return db.session.get(NotificationSettings, user.id)


def choices(**changes) -> dict:
    """The form as a leader who changes nothing posts it (the defaults), with `changes`."""
    form = {
        "comments": "y",
        "links": "y",
        "appraisal": "y",
        "reflection_days": ["1", "2", "3", "4", "5"],
    }
    form |= {"reflection_time": "16:30", "appraisal_date": ""}
    return form | changes


def test_the_defaults_in_danish(leader_client, leader, db):
    page = leader_client.get(URL).get_data(as_text=True)
    assert "Notifikationer" in page
    assert "aldrig det, du eller andre har skrevet" in page
    # Notifications on, reminders off until the leader chooses.
    assert is_on(page, "comments") and is_on(page, "links") and is_on(page, "appraisal")
    assert not is_on(page, "reflection") and not is_on(page, "check_in_due")
    assert checked(page, "reflection_days") == {"1", "2", "3", "4", "5"}
    assert value_of(page, "reflection_time") == "16:30"
    assert "Mandag" in page and "Søndag" in page
    assert "Europe/Copenhagen" in page
    assert stored(db, leader) is None  # looking stores nothing


def test_the_page_says_calmly_when_the_installation_sends_no_mail(app, leader_client):
    notice = "Denne installation sender ikke mails endnu; dine valg gælder, når den gør."
    assert notice in leader_client.get(URL).get_data(as_text=True)
    app.config["MAIL_HOST"] = "smtp.esbjerg.example"
    assert notice not in leader_client.get(URL).get_data(as_text=True)


def test_it_is_linked_from_the_settings_page_and_the_account_menu(leader_client):
    page = leader_client.get("/account").get_data(as_text=True)
    assert page.count(f'href="{URL}"') >= 2  # the menu and the page


def test_choices_are_saved(leader_client, leader, db):
    appraisal = today_for(leader) + timedelta(days=40)
    response = leader_client.submit(
        URL,
        choices(
            comments="",
            reflection="y",
            check_in_due="y",
            reflection_days=["1", "3", "5"],
            reflection_time="07:45",
            appraisal_date=appraisal.isoformat(),
        ),
    )
    assert response.status_code == 302
    settings = stored(db, leader)
    assert (settings.comments, settings.links, settings.reflection, settings.check_in_due) == (
        False,
        True,
        True,
        True,
    )
    assert (settings.reflection_days, settings.reflection_time) == ("135", time(7, 45))
    assert settings.appraisal_date == appraisal
    page = leader_client.get(URL).get_data(as_text=True)
    assert "Dine valg er gemt." in page
    assert is_on(page, "reflection") and not is_on(page, "comments")
    assert checked(page, "reflection_days") == {"1", "3", "5"}
    assert value_of(page, "reflection_time") == "07:45"
    assert value_of(page, "appraisal_date") == appraisal.isoformat()


def test_a_time_written_the_danish_way_is_understood(leader_client, leader, db):
    leader_client.submit(URL, choices(reflection="y", reflection_time="8.15"))
    assert stored(db, leader).reflection_time == time(8, 15)


def test_bad_input_is_refused_in_danish_and_keeps_what_was_typed(leader_client, leader, db):
    past = today_for(leader) - timedelta(days=1)
    response = leader_client.submit(
        URL,
        choices(
            comments="",
            reflection="y",
            reflection_days=[],
            reflection_time="25:99",
            appraisal_date=past.isoformat(),
        ),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Vælg mindst én dag, eller slå påmindelsen fra." in page
    assert "Skriv et klokkeslæt som timer og minutter, for eksempel 16:30." in page
    assert "Den dato er passeret." in page
    assert 'id="reflection_time-error"' in page and 'id="appraisal_date-error"' in page
    # Nothing typed is lost, nothing is saved.
    assert value_of(page, "reflection_time") == "25:99"
    assert value_of(page, "appraisal_date") == past.isoformat()
    assert is_on(page, "reflection") and not is_on(page, "comments")
    assert stored(db, leader) is None


def test_a_reminder_needs_a_time(leader_client, leader, db):
    page = leader_client.submit(URL, choices(reflection="y", reflection_time="")).get_data(
        as_text=True
    )
    assert "Skriv, hvornår påmindelsen skal komme, for eksempel 16:30." in page
    assert stored(db, leader) is None
    # Switched off, an empty time keeps the one it had.
    assert leader_client.submit(URL, choices(reflection_time="")).status_code == 302
    assert stored(db, leader).reflection_time == time(16, 30)


def test_an_appraisal_date_that_has_passed_since_is_shown_empty(leader_client, leader, db):
    services.save_settings(
        leader,
        choices={},
        reflection_days="12345",
        reflection_time=time(16, 30),
        appraisal_date=today_for(leader) - timedelta(days=3),
    )
    page = leader_client.get(URL).get_data(as_text=True)
    assert value_of(page, "appraisal_date") == ""
    assert leader_client.submit(URL, choices()).status_code == 302  # saving other choices works


def test_a_manager_has_the_managers_switches(leader_client, leader, make_user, db):
    page = leader_client.get(URL).get_data(as_text=True)
    assert 'name="requests"' not in page  # nobody has asked Lone to be their manager
    sharing.request_link(make_user(name="Rita"), leader.email)
    page = leader_client.get(URL).get_data(as_text=True)
    assert "Som leder for andre ledere" in page
    assert is_on(page, "requests") and is_on(page, "shares") and is_on(page, "replies")
    leader_client.submit(URL, choices(requests="y", replies="y"))
    settings = stored(db, leader)
    assert (settings.requests, settings.shares, settings.replies) == (True, False, True)


def test_saving_without_the_managers_switches_keeps_them(leader_client, leader, db):
    services.save_settings(
        leader,
        choices={"shares": False},
        reflection_days="12345",
        reflection_time=time(16, 30),
        appraisal_date=None,
    )
    leader_client.submit(URL, choices(check_in_due="y"))
    settings = stored(db, leader)
    assert settings.check_in_due and not settings.shares and settings.requests


def test_switching_the_reminder_on_again_starts_its_normal_rhythm(leader, db):
    def save(on: bool):
        services.save_settings(
            leader,
            choices={"reflection": on},
            reflection_days="12345",
            reflection_time=time(16, 30),
            appraisal_date=None,
        )

    save(True)
    stored(db, leader).reflection_misses = 3
    db.session.commit()
    save(True)
    assert stored(db, leader).reflection_misses == 3  # still on: the count stands
    save(False)
    save(True)
    assert stored(db, leader).reflection_misses == 0


def test_an_unknown_setting_is_a_bug(leader):
    with pytest.raises(ValueError):
        services.save_settings(
            leader,
            choices={"everything": True},
            reflection_days="",
            reflection_time=time(9),
            appraisal_date=None,
        )


def test_in_english(leader_client, leader, db):
    leader.language = "en"
    db.session.commit()
    page = leader_client.submit(URL, choices(reflection="y", reflection_days=[])).get_data(
        as_text=True
    )
    assert "Choose at least one day, or switch the reminder off." in page
    assert "Monday" in page
