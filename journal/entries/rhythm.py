"""The journaling rhythm: a year's heat map and the streak in working days."""

from dataclasses import dataclass
from datetime import date, timedelta

HEATMAP_WEEKS = 53


def is_working_day(day: date) -> bool:
    """Monday to Friday."""
    return day.weekday() < 5


def streak(days: set[date], today: date) -> int:
    """Working days in a row with an entry, ending today (or, before today's entry, yesterday).

    Weekends neither break nor extend the streak; a missing working day ends it.
    """
    day = today
    if day not in days:  # the day is not over yet: count from the last working day
        day -= timedelta(days=1)
    count = 0
    while True:
        if is_working_day(day):
            if day not in days:
                return count
            count += 1
        day -= timedelta(days=1)


@dataclass(frozen=True)
class Cell:
    """One day of the heat map."""

    day: date
    written: bool
    future: bool


def heatmap(days: set[date], today: date) -> list[list[Cell]]:
    """HEATMAP_WEEKS columns of Monday-to-Sunday cells, the last column holding today."""
    start = heatmap_start(today)
    return [
        [
            Cell(day, day in days, day > today)
            for day in (start + timedelta(weeks=week, days=weekday) for weekday in range(7))
        ]
        for week in range(HEATMAP_WEEKS)
    ]


def days_in_last_year(days: set[date], today: date) -> int:
    """How many of `days` fall in the 365 days up to today."""
    return sum(1 for day in days if today - timedelta(days=365) < day <= today)


def heatmap_start(today: date) -> date:
    """The first day the heat map shows."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=HEATMAP_WEEKS - 1)
