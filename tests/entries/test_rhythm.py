"""The journaling rhythm: the streak in working days and a year's heat map."""

import re
from datetime import date, timedelta

from journal.entries.rhythm import HEATMAP_WEEKS, heatmap, heatmap_months, streak

MONDAY = date(2026, 3, 2)
FRIDAY = MONDAY + timedelta(days=4)


def days(*offsets: int) -> set[date]:
    return {MONDAY + timedelta(days=o) for o in offsets}


def test_weekends_do_not_break_the_streak():
    # Wednesday to Friday last week, Monday this week: four working days in a row.
    written = days(-5, -4, -3, 0)
    assert streak(written, MONDAY) == 4


def test_a_missing_working_day_ends_the_streak():
    assert streak(days(-5, -3, 0), MONDAY) == 2  # Thursday missing


def test_today_not_written_yet_does_not_break_the_streak():
    assert streak(days(1, 2, 3), FRIDAY) == 3  # Tue–Thu written, Friday still open
    assert streak(days(1, 2, 3, 4), FRIDAY) == 4


def test_weekend_entries_neither_count_nor_hurt():
    saturday = MONDAY + timedelta(days=5)
    assert streak(days(4, 5), saturday) == 1
    assert streak(set(), saturday) == 0


def test_the_heat_map_holds_a_year_ending_this_week():
    today = date(2026, 11, 25)  # a Wednesday
    weeks = heatmap({today, date(2026, 1, 5)}, today)
    assert len(weeks) == HEATMAP_WEEKS and all(len(week) == 7 for week in weeks)
    assert weeks[0][0].day.weekday() == 0
    last = weeks[-1]
    assert [cell.future for cell in last] == [False, False, False, True, True, True, True]
    written = [cell.day for week in weeks for cell in week if cell.written]
    assert written == [date(2026, 1, 5), today]


def test_the_heat_map_is_on_the_dashboard_with_months_not_on_the_list(
    leader_client, leader, make_entry
):
    make_entry(leader)
    dashboard = leader_client.get("/").get_data(as_text=True)
    assert 'class="on"' in dashboard and "<svg" in dashboard
    assert "1 dag med refleksioner det seneste år." in dashboard
    months = re.findall(r'<text class="month"[^>]*>([^<]+)</text>', dashboard)
    assert 11 <= len(months) <= 13  # a year's firsts, none at the very right edge
    assert set(months) <= {
        "jan.", "feb.", "mar.", "apr.", "maj", "jun.",
        "jul.", "aug.", "sep.", "okt.", "nov.", "dec.",
    }  # fmt: skip
    journal = leader_client.get("/journal/").get_data(as_text=True)
    assert "<svg" not in journal and "seneste år" not in journal


def test_the_heat_maps_months_are_in_the_leaders_language(app, make_user, login):
    client = app.test_client()
    login(client, make_user(language="en"))
    page = client.get("/").get_data(as_text=True)
    months = re.findall(r'<text class="month"[^>]*>([^<]+)</text>', page)
    assert "Jan" in months and "Dec" in months


def test_a_month_is_labelled_at_the_week_of_its_first_day(app):
    today = date(2026, 11, 25)
    weeks = heatmap(set(), today)
    with app.test_request_context():
        labels = dict(heatmap_months(weeks))
    column = next(i for i, week in enumerate(weeks) if date(2026, 3, 1) in [c.day for c in week])
    assert labels[column] == "mar."
    assert list(labels.values())[-1] == "nov."
    assert max(labels) < len(weeks) - 2  # a label never runs off the right edge
