"""The journaling rhythm: a year's heat map and the streak in working days."""

from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from babel.dates import format_date, get_month_names
from flask_babel import get_locale
from markupsafe import Markup, escape

HEATMAP_WEEKS = 53
MONTH_LABEL_WEEKS = 3  # the width of a month's label, in the heat map's columns


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


class Cell(NamedTuple):
    """One day of the heat map (a named tuple: a page makes 371 of them)."""

    day: date
    written: bool
    future: bool


def heatmap(days: set[date], today: date) -> list[list[Cell]]:
    """HEATMAP_WEEKS columns of Monday-to-Sunday cells, the last column holding today."""
    cells = [Cell(day, day in days, day > today) for day in _calendar(heatmap_start(today))]
    return [cells[week : week + 7] for week in range(0, len(cells), 7)]


@lru_cache(maxsize=8)
def _calendar(start: date) -> tuple[date, ...]:
    """The heat map's days from `start`, week after week."""
    return tuple(start + timedelta(days=i) for i in range(HEATMAP_WEEKS * 7))


def days_in_last_year(days: set[date], today: date) -> int:
    """How many of `days` fall in the 365 days up to today."""
    return sum(1 for day in days if today - timedelta(days=365) < day <= today)


def heatmap_start(today: date) -> date:
    """The first day the heat map shows."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=HEATMAP_WEEKS - 1)


def heatmap_months(weeks: list[list[Cell]]) -> list[tuple[int, str]]:
    """The heat map's month labels: (column, abbreviated month in the page's language) for
    each week holding the first of a month, so a leader can tell when they wrote. None in the
    last weeks: a label there would run off the map's right edge."""
    names = get_month_names("abbreviated", "stand-alone", locale=str(get_locale() or "da"))
    return [
        (column, names[first.month])
        for column, week in enumerate(weeks[:-MONTH_LABEL_WEEKS])
        for first in [next((cell.day for cell in week if cell.day.day == 1), None)]
        if first is not None
    ]


def heatmap_cells(weeks: list[list[Cell]], cell: int, written: str) -> Markup:
    """The heat map's squares as SVG, each titled with its date (and `written` if it is).

    Made here rather than in the template: 371 squares, each with a date in words, cost a
    page some 15 ms in Jinja and Babel; here they cost a few dozen microseconds.
    """
    shown = [day for week in weeks for day in week if not day.future]
    locale = str(get_locale() or "da")
    squares = _squares(weeks[0][0].day, len(shown), cell, locale, written)
    html = "".join(square[day.written] for day, square in zip(shown, squares, strict=True))
    return Markup(html)  # noqa: S704 (dates and the label escaped in _squares)


@lru_cache(maxsize=16)
def _squares(start: date, count: int, cell: int, locale: str, written: str) -> tuple:
    """The SVG of `count` squares from `start`, a column a week: for each, as not written
    and as written. The same for every leader all day long, so kept (no one's data in it)."""
    step, written = cell + 2, escape(written)
    squares = []
    for i in range(count):
        day = start + timedelta(days=i)
        x, y = divmod(i, 7)
        title = escape(format_date(day, "full", locale=locale))
        rect = f'<rect x="{x * step}" y="{y * step}" width="{cell}" height="{cell}" rx="2" '
        squares.append(
            (
                f'{rect}class="off"><title>{title}</title></rect>\n',
                f'{rect}class="on"><title>{title}: {written}</title></rect>\n',
            )
        )
    return tuple(squares)
