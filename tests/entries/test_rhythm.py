"""The journaling rhythm: the streak in working days and a year's heat map."""

from datetime import date, timedelta

from journal.entries.rhythm import HEATMAP_WEEKS, heatmap, streak

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


def test_the_list_page_shows_streak_and_heat_map(leader_client, leader, make_entry):
    make_entry(leader)
    page = leader_client.get("/journal/").get_data(as_text=True)
    assert 'class="on"' in page and "<svg" in page
    assert "1 dag med refleksioner det seneste år." in page
