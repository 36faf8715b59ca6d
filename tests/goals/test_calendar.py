"""A goal's check-ins in the leader's calendar: an .ics file (RFC 5545) with a neutral title
unless the leader asks for the goal's own, for the goal's owner only."""

from datetime import UTC, datetime, timedelta

import pytest

from journal import ics
from journal.goals import services
from journal.goals.calendar import event_uid
from journal.i18n import today_for

TITLE = "lytte færdigt, før jeg svarer; også når det\\haster"


def parse(text: str) -> dict:
    """The file as nested components: {"name", "props": [(name, params, value)], "children"},
    after checking its lines (CRLF, at most 75 octets, folded by a leading space)."""
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    assert "\n" not in "".join(physical) and "\r" not in "".join(physical)
    assert all(len(line.encode()) <= 75 for line in physical)
    lines: list[str] = []
    for line in physical:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    root = {"name": None, "props": [], "children": []}
    stack = [root]
    for line in lines:
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        if name == "BEGIN":
            component = {"name": value, "props": [], "children": []}
            stack[-1]["children"].append(component)
            stack.append(component)
        elif name == "END":
            assert stack.pop()["name"] == value
        else:
            stack[-1]["props"].append((name, params, value))
    assert len(stack) == 1
    (calendar,) = root["children"]
    return calendar


def prop(component: dict, name: str) -> tuple[list[str], str]:
    (found,) = [(params, value) for n, params, value in component["props"] if n == name]
    return found


def child(component: dict, name: str) -> dict:
    (found,) = [c for c in component["children"] if c["name"] == name]
    return found


def unescape(value: str) -> str:
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


@pytest.fixture
def goal(leader, make_goal):
    return make_goal(leader, title=TITLE, start_date=today_for(leader) - timedelta(days=4))


def download(client, goal, **args):
    return client.get(f"/goals/{goal.id}/calendar.ics", query_string=args)


def test_the_file_is_a_recurring_event_with_a_neutral_title(leader_client, leader, goal):
    response = download(leader_client, goal)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".ics" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    for word in ("lytte", "færdigt", "svarer", "haster"):
        assert word not in text and word not in disposition
    calendar = parse(text)
    assert calendar["name"] == "VCALENDAR" and prop(calendar, "VERSION")[1] == "2.0"
    event = child(calendar, "VEVENT")
    assert unescape(prop(event, "SUMMARY")[1]) == "Opfølgning på mit mål"
    assert prop(event, "RRULE")[1] == "FREQ=WEEKLY;INTERVAL=2"
    # From the next due day (14 days after the start: 10 days from now), at 9 where she is.
    first = today_for(leader) + timedelta(days=10)
    assert prop(event, "DTSTART") == (["TZID=Europe/Copenhagen"], f"{first:%Y%m%d}T090000")
    assert prop(event, "DURATION")[1] == "PT15M"
    stamp = datetime.strptime(prop(event, "DTSTAMP")[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=5)
    assert prop(event, "CLASS")[1] == "PRIVATE" and prop(event, "TRANSP")[1] == "TRANSPARENT"
    assert prop(event, "URL")[1].endswith(f"/goals/{goal.id}")
    zone = child(calendar, "VTIMEZONE")
    assert prop(zone, "TZID")[1] == "Europe/Copenhagen"
    assert {c["name"] for c in zone["children"]} == {"STANDARD", "DAYLIGHT"}


def test_the_uid_is_stable_per_goal_and_names_nothing(leader_client, leader, goal, make_goal):
    uid = prop(child(parse(download(leader_client, goal).get_data(as_text=True)), "VEVENT"), "UID")
    again = prop(
        child(parse(download(leader_client, goal, title=1).get_data(as_text=True)), "VEVENT"), "UID"
    )
    other = make_goal(leader)
    another = prop(
        child(parse(download(leader_client, other).get_data(as_text=True)), "VEVENT"), "UID"
    )
    assert uid == again != another
    random_part, _, host = uid[1].partition("@")
    assert len(random_part) == 32 and host == "ledelsesjournal"
    # Another installation (another secret) gives the same goal another UID.
    assert event_uid(goal.id, "k" * 40) != event_uid(goal.id, "j" * 40)


def test_the_title_only_when_the_leader_ticks_it(leader_client, leader, goal):
    text = download(leader_client, goal, title=1).get_data(as_text=True)
    event = child(parse(text), "VEVENT")
    assert unescape(prop(event, "SUMMARY")[1]) == f"Opfølgning på mit mål: {TITLE}"
    # Escaped as RFC 5545 asks: the comma, the semicolon and the backslash.
    assert "færdigt\\, før jeg svarer\\; også når det\\\\haster" in text.replace("\r\n ", "")


def test_a_long_title_with_line_breaks_is_folded_and_escaped(leader_client, leader, make_goal):
    title = "Jeg øver mig på at være nærværende\n" + "ø" * 250
    goal = make_goal(leader, title=title)
    text = download(leader_client, goal, title="1").get_data(as_text=True)
    event = child(parse(text), "VEVENT")  # checks every line's length in octets
    summary = prop(event, "SUMMARY")[1]
    assert "\\n" in summary and unescape(summary).endswith("ø" * 250)


def test_in_english(leader_client, leader, goal, db):
    leader.language = "en"
    db.session.commit()
    event = child(parse(download(leader_client, goal).get_data(as_text=True)), "VEVENT")
    assert prop(event, "SUMMARY")[1] == "Check-in on my goal"


def test_an_overdue_goal_starts_today_and_a_check_in_moves_the_start(
    leader_client, leader, make_goal
):
    today = today_for(leader)
    goal = make_goal(leader, start_date=today - timedelta(days=40))

    def first_day():
        event = child(parse(download(leader_client, goal).get_data(as_text=True)), "VEVENT")
        return prop(event, "DTSTART")[1][:8]

    assert first_day() == f"{today:%Y%m%d}"
    services.add_check_in(leader, goal, day=today - timedelta(days=2), rating=3, note="")
    assert first_day() == f"{today + timedelta(days=12):%Y%m%d}"


def test_nobody_else_gets_it(client, leader, goal, make_user, log_in_as):
    log_in_as(client, make_user(name="Ole Anden"))
    assert download(client, goal).status_code == 404


def test_the_goal_page_offers_it_with_a_warning_about_the_title(leader_client, goal):
    page = leader_client.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert "Tilføj opfølgninger til min kalender" in page
    assert "Vis målets titel i kalenderen" in page and "Exchange" in page
    assert f'action="/goals/{goal.id}/calendar.ics"' in page


# The zone's rules -------------------------------------------------------------------------


def test_a_zone_with_summer_time_gets_its_yearly_rules():
    lines = ics.vtimezone("Europe/Copenhagen", 2027)
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in lines
    assert "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in lines
    assert lines.count("TZOFFSETFROM:+0100") == 1 and lines.count("TZOFFSETTO:+0100") == 1


def test_a_zone_whose_changes_follow_no_rule_gets_their_dates():
    lines = ics.vtimezone("America/Nuuk", 2027)  # Saturday 23:00 before the last Sunday
    (dates,) = [line for line in lines if line.startswith("RDATE:")]
    assert "20270327T230000" in dates


def test_a_zone_without_summer_time_has_one_part():
    lines = ics.vtimezone("Asia/Tokyo", 2027)
    assert lines.count("BEGIN:STANDARD") == 1 and "BEGIN:DAYLIGHT" not in lines
    assert "TZOFFSETTO:+0900" in lines


def test_text_is_escaped_and_folded_by_octets():
    assert ics.escape_text("a,b;c\\d\ne\r\nf\x07") == "a\\,b\\;c\\\\d\\ne\\nf"
    folded = ics.fold("SUMMARY:" + "æ" * 100)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "SUMMARY:" + "æ" * 100
