"""Progress charts for goals, drawn on the server as inline SVG.

Pure functions over plain data: no Flask, no database, no JavaScript. The views turn check-ins
into :class:`Rating` values and linked entries into dates, pass a :class:`ChartLabels` with the
translated texts, and put the returned :class:`~markupsafe.Markup` straight into a template.

Conventions shared by every chart here:

* The SVG scales with its container (``viewBox``, ``width="100%"``, no fixed height).
* Accessible: ``role="img"`` with ``aria-labelledby`` naming a ``<title>`` and a ``<desc>``
  inside the SVG; the desc is a sentence summarising the data. Every dot, bar and evidence
  marker also carries its own ``<title>`` (a tooltip on hover).
* Colours come from CSS classes (``chart-line``, ``chart-dot``, ``chart-trend``,
  ``chart-evidence``, ``chart-axis``, ``chart-grid``, ``chart-label``, ``chart-bar``). Only
  colour-neutral presentation attributes are set (``fill="none"``, ``stroke="currentColor"``,
  the trend's dash pattern), so the chart stays legible, and prints in black and white, even
  where the stylesheet is missing; any CSS rule on the classes overrides them.
* All text (labels, dates, summaries) is escaped.
* Element ids are ``<chart_id>-title`` and ``<chart_id>-desc``. Without an explicit ``chart_id``
  a process-wide counter makes one, so two charts on one page never share ids.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from markupsafe import Markup, escape

__all__ = [
    "FLAT_THRESHOLD",
    "ChartLabels",
    "Rating",
    "progress_chart",
    "sparkline",
    "trend",
    "trend_direction",
    "weekly_bars",
    "weekly_counts",
]

MIN_RATING = 1
MAX_RATING = 5

#: A trend whose end differs from its start by less than this (on the 1..5 scale) is "flat":
#: less than a quarter of one step between two ratings over the whole period is noise, not
#: movement. A change of exactly 0.25 or more counts as up or down.
FLAT_THRESHOLD = 0.25

#: The sparkline shows at most this many of the latest ratings.
SPARKLINE_POINTS = 12

SVG_NS = "http://www.w3.org/2000/svg"

_ids = itertools.count(1)


@dataclass(frozen=True)
class Rating:
    """One check-in: how well the goal was practised on ``day``, from 1 to 5."""

    day: date
    value: int

    def __post_init__(self) -> None:
        if not MIN_RATING <= self.value <= MAX_RATING:
            raise ValueError(f"rating must be 1..5, got {self.value!r}")


@dataclass(frozen=True)
class ChartLabels:
    """Every text a chart shows, already translated by the caller.

    ``summary(count=, first=, latest=, trend=, evidence=)`` builds the progress chart's desc:
    ``count`` check-ins drawn (int), ``first``/``latest`` the ratings (int 1..5; look the name up
    in ``rating_names`` if wanted) of the earliest and latest check-in, ``trend`` one of
    ``trend_up``/``trend_down``/``trend_flat``, ``evidence`` the number of linked reflections
    drawn (int). ``first`` and ``latest`` are ``None`` when ``count`` is 0; ``trend`` is ``None``
    when there is no trend (fewer than two check-ins, or all on one day), so with 0 or 1
    check-ins the function must cope with ``None``.

    ``weeks_summary(weeks=, total=)`` builds the weekly bar chart's desc.

    The ``legend_*`` texts are optional: when any is given, a one-line legend is drawn above the
    progress chart (only the items with a text).
    """

    title: str
    rating_names: dict[int, str]
    format_date: Callable[[date], str]
    empty: str
    trend_up: str
    trend_down: str
    trend_flat: str
    summary: Callable[..., str]
    weeks_title: str
    weeks_summary: Callable[..., str]
    legend_ratings: str = ""
    legend_trend: str = ""
    legend_evidence: str = ""

    def rating_name(self, value: int) -> str:
        return self.rating_names.get(value, str(value))


# --------------------------------------------------------------------------- calculations


def _sorted(ratings: Sequence[Rating]) -> list[Rating]:
    """By day; check-ins on the same day keep the order they were given in."""
    return sorted(ratings, key=lambda r: r.day)


def _clamp(value: float) -> float:
    return min(float(MAX_RATING), max(float(MIN_RATING), value))


def trend(ratings: Sequence[Rating]) -> tuple[float, float] | None:
    """The least-squares line through the ratings, as (value at first day, value at last day).

    The line is ``value = a + b * days_since_first_rating``; both ends are clamped to 1..5.
    ``None`` with fewer than two ratings or when they all fall on the same day (no slope).
    """
    if len(ratings) < 2:
        return None
    first = min(r.day for r in ratings)
    last = max(r.day for r in ratings)
    span = (last - first).days
    if span == 0:
        return None
    xs = [(r.day - first).days for r in ratings]
    ys = [r.value for r in ratings]
    n = len(xs)
    mean_x = sum(xs) / n
    mean_y = sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx  # sxx > 0 because span > 0
    intercept = mean_y - slope * mean_x
    return _clamp(intercept), _clamp(intercept + slope * span)


def trend_direction(ratings: Sequence[Rating]) -> str | None:
    """``"up"``, ``"down"`` or ``"flat"`` (see :data:`FLAT_THRESHOLD`); ``None`` without a trend."""
    line = trend(ratings)
    if line is None:
        return None
    change = line[1] - line[0]
    if abs(change) < FLAT_THRESHOLD:
        return "flat"
    return "up" if change > 0 else "down"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_counts(
    evidence_days: Sequence[date], *, start: date, end: date
) -> list[tuple[date, int]]:
    """The Monday of every ISO week from ``start``'s week to ``end``'s week, with a count.

    Each element of ``evidence_days`` inside ``start..end`` (inclusive) adds one to its week;
    duplicates count each time (two reflections linked on one day are two). Days outside
    ``start..end`` are ignored, even when they fall in the first or last week, so the total
    always matches what :func:`progress_chart` draws for the same period.
    """
    if end < start:
        raise ValueError("end is before start")
    first = _monday(start)
    weeks = (_monday(end) - first).days // 7 + 1
    counts = [0] * weeks
    for day in evidence_days:
        if start <= day <= end:
            counts[(_monday(day) - first).days // 7] += 1
    return [(first + timedelta(weeks=i), n) for i, n in enumerate(counts)]


# --------------------------------------------------------------------------- SVG helpers


def _num(value: float) -> str:
    """A coordinate with at most one decimal: ``12``, ``12.5``."""
    # ``.1f`` rounds the exact binary value just as ``round(value, 1)`` does.
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _attrs(attrs: dict[str, object]) -> str:
    return "".join(
        f' {name}="{_num(value) if isinstance(value, float) else escape(value)}"'
        for name, value in attrs.items()
        if value is not None
    )


def _el(tag: str, attrs: dict[str, object], children: str = "") -> str:
    if children:
        return f"<{tag}{_attrs(attrs)}>{children}</{tag}>"
    return f"<{tag}{_attrs(attrs)}/>"


def _text(x: float, y: float, text: str, *, cls: str = "chart-label", anchor: str = "start") -> str:
    # Written out rather than through `_el`, like the other elements a chart repeats (bars,
    # dots, markers): it saves building and walking a dict for each. `cls` and `anchor` are
    # this module's own constants, never data.
    return (
        f'<text class="{cls}" x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"'
        f' fill="currentColor">{escape(text)}</text>'
    )


def _tip(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _svg(
    chart_id: str, width: int, height: int, css_class: str, title: str, desc: str, body: str
) -> Markup:
    head = _attrs(
        {
            "xmlns": SVG_NS,
            "class": css_class,
            "viewBox": f"0 0 {width} {height}",
            "width": "100%",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "font-size": "12",
        }
    )
    inner = (
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
        f"{body}"
    )
    return Markup(f"<svg{head}>{inner}</svg>")  # noqa: S704 - every text above is escaped


def _new_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _tick_indices(count: int, most: int = 5) -> list[int]:
    """Up to ``most`` evenly spread indices in ``0..count-1``, always the first and last."""
    if count <= 0:
        return []
    if count <= most:
        return list(range(count))
    return sorted({round(i * (count - 1) / (most - 1)) for i in range(most)})


def _anchor(index: int, indices: list[int]) -> str:
    if len(indices) == 1:
        return "middle"
    if index == indices[0]:
        return "start"
    if index == indices[-1]:
        return "end"
    return "middle"


# --------------------------------------------------------------------------- progress chart

CHART_WIDTH = 640
CHART_HEIGHT = 260
_CHAR_WIDTH = 6.8  # a generous average glyph width at font-size 12


def progress_chart(
    ratings: Sequence[Rating],
    evidence_days: Sequence[date],
    *,
    start: date,
    end: date,
    labels: ChartLabels,
    chart_id: str | None = None,
) -> Markup:
    """A line chart of a goal's check-ins from ``start`` to ``end`` (both inclusive).

    The y axis runs 1..5 with the rating names; the x axis carries up to five date ticks. The
    ratings are a line with a dot per check-in, the least-squares trend is a dashed line from the
    first to the last check-in, and each linked reflection is a small triangle below the plot.
    Ratings and evidence days outside ``start..end`` are left out of the drawing and out of the
    desc, so the chart describes exactly the period asked for. With no ratings the axes are drawn
    with ``labels.empty`` in the middle; with one rating there is a single dot and no trend.
    """
    if end < start:
        raise ValueError("end is before start")
    chart_id = chart_id or _new_id("progress-chart")
    shown = _sorted([r for r in ratings if start <= r.day <= end])
    evidence = sorted(d for d in evidence_days if start <= d <= end)

    legend = tuple(
        (kind, text)
        for kind, text in (
            ("ratings", labels.legend_ratings),
            ("trend", labels.legend_trend),
            ("evidence", labels.legend_evidence),
        )
        if text
    )
    names = tuple(labels.rating_name(v) for v in range(MIN_RATING, MAX_RATING + 1))
    left = min(170.0, max(40.0, 16 + max(len(name) for name in names) * _CHAR_WIDTH))
    right = CHART_WIDTH - 16.0
    top = 44.0 if legend else 16.0
    bottom = CHART_HEIGHT - 54.0  # the x axis; evidence markers and dates go below it
    inset = 10.0  # keeps dots on the first and last day off the plot's edges

    span = (end - start).days

    def x_of(day: date) -> float:
        if span == 0:
            return (left + right) / 2
        return left + inset + (right - left - 2 * inset) * (day - start).days / span

    def y_of(value: float) -> float:
        return _rating_y(value, top, bottom)

    parts: list[str] = [_grid(names, left, right, top, bottom)]

    # Date ticks on the x axis.
    tick_days = [start + timedelta(days=i) for i in _tick_indices(span + 1)]
    tick_positions = list(range(len(tick_days)))
    for i, day in enumerate(tick_days):
        x = x_of(day)
        parts.append(
            f'<line class="chart-axis" x1="{_num(x)}" x2="{_num(x)}" y1="{_num(bottom)}"'
            f' y2="{_num(bottom + 4)}" stroke="currentColor"/>'
        )
        anchor = _anchor(i, tick_positions)
        # With start/end anchors the outer labels line up with the plot's edge, not its inset.
        label_x = {"start": left, "end": right}.get(anchor, x)
        parts.append(_text(label_x, CHART_HEIGHT - 10, labels.format_date(day), anchor=anchor))

    # Trend, behind the ratings.
    line = trend(shown)
    direction = trend_direction(shown)
    if line is not None:
        parts.append(
            _el(
                "line",
                {
                    "class": "chart-trend",
                    "x1": x_of(shown[0].day),
                    "y1": y_of(line[0]),
                    "x2": x_of(shown[-1].day),
                    "y2": y_of(line[1]),
                    "stroke": "currentColor",
                    "stroke-dasharray": "6 5",
                    "fill": "none",
                },
            )
        )

    # Ratings: a line, then a dot per check-in on top.
    if len(shown) >= 2:
        points = " ".join(f"{_num(x_of(r.day))},{_num(y_of(r.value))}" for r in shown)
        parts.append(
            _el(
                "polyline",
                {
                    "class": "chart-line",
                    "points": points,
                    "fill": "none",
                    "stroke": "currentColor",
                    "stroke-linejoin": "round",
                    "stroke-linecap": "round",
                },
            )
        )
    for r in shown:
        parts.append(
            f'<circle class="chart-dot" cx="{_num(x_of(r.day))}" cy="{_num(y_of(r.value))}"'
            f' r="4.5" fill="currentColor" data-day="{r.day.isoformat()}"'
            f' data-value="{r.value}">'
            f"{_tip(f'{labels.format_date(r.day)}: {labels.rating_name(r.value)}')}</circle>"
        )
    if not shown:
        parts.append(
            _text((left + right) / 2, (top + bottom) / 2 + 4, labels.empty, anchor="middle")
        )

    # Linked reflections: a small triangle under the axis, pointing up at its day.
    marker_y = _num(bottom + 8)
    for day in evidence:
        parts.append(
            f'<path class="chart-evidence" d="M{_num(x_of(day))} {marker_y}l5 9h-10z"'
            f' fill="currentColor" data-day="{day.isoformat()}">'
            f"{_tip(labels.format_date(day))}</path>"
        )

    if legend:
        parts.append(_legend(legend, left=left))

    trend_text = {
        "up": labels.trend_up,
        "down": labels.trend_down,
        "flat": labels.trend_flat,
        None: None,
    }[direction]
    desc = labels.summary(
        count=len(shown),
        first=shown[0].value if shown else None,
        latest=shown[-1].value if shown else None,
        trend=trend_text,
        evidence=len(evidence),
    )
    return _svg(
        chart_id,
        CHART_WIDTH,
        CHART_HEIGHT,
        "chart chart-progress",
        labels.title,
        desc,
        "".join(parts),
    )


def _rating_y(value: float, top: float, bottom: float) -> float:
    """Where a rating (or a point of the trend) sits between the plot's top and bottom."""
    return top + 8 + (bottom - top - 16) * (MAX_RATING - value) / (MAX_RATING - MIN_RATING)


# The grid and the legend hold only the labels' texts (translations, never data), and a page
# draws them the same on every chart: drawn once for each language and layout.


@lru_cache(maxsize=64)
def _grid(names: tuple[str, ...], left: float, right: float, top: float, bottom: float) -> str:
    """A faint line per rating with its name beside it, then the x axis."""
    parts = []
    for value, name in zip(range(MIN_RATING, MAX_RATING + 1), names, strict=True):
        y = _rating_y(value, top, bottom)
        parts.append(
            _el(
                "line",
                {
                    "class": "chart-grid",
                    "x1": left,
                    "x2": right,
                    "y1": y,
                    "y2": y,
                    "stroke": "currentColor",
                    "stroke-opacity": "0.15",
                },
            )
        )
        parts.append(_text(left - 10, y + 4, name, anchor="end"))
    parts.append(
        _el(
            "line",
            {
                "class": "chart-axis",
                "x1": left,
                "x2": right,
                "y1": bottom,
                "y2": bottom,
                "stroke": "currentColor",
            },
        )
    )
    return "".join(parts)


@lru_cache(maxsize=64)
def _legend(items: tuple[tuple[str, str], ...], *, left: float) -> str:
    """A single row of keys above the plot: line with dot, dashed line, triangle."""
    parts = []
    x = left
    y = 18.0
    for kind, text in items:
        if kind == "ratings":
            parts.append(
                _el(
                    "line",
                    {
                        "class": "chart-line",
                        "x1": x,
                        "x2": x + 22,
                        "y1": y,
                        "y2": y,
                        "stroke": "currentColor",
                    },
                )
            )
            parts.append(
                _el(
                    "circle",
                    {
                        "class": "chart-dot chart-key",
                        "cx": x + 11,
                        "cy": y,
                        "r": "4",
                        "fill": "currentColor",
                    },
                )
            )
        elif kind == "trend":
            parts.append(
                _el(
                    "line",
                    {
                        "class": "chart-trend",
                        "x1": x,
                        "x2": x + 22,
                        "y1": y,
                        "y2": y,
                        "stroke": "currentColor",
                        "stroke-dasharray": "6 5",
                    },
                )
            )
        else:
            parts.append(
                _el(
                    "path",
                    {
                        "class": "chart-evidence chart-key",
                        "d": f"M{_num(x + 11)} {_num(y - 5)}l5 9h-10z",
                        "fill": "currentColor",
                    },
                )
            )
        parts.append(_text(x + 30, y + 4, text))
        x += 30 + len(text) * _CHAR_WIDTH + 22
    return _el("g", {"class": "chart-legend", "aria-hidden": "true"}, "".join(parts))


# --------------------------------------------------------------------------- weekly bars

BARS_WIDTH = 640
BARS_HEIGHT = 140


def weekly_bars(
    counts: list[tuple[date, int]], *, labels: ChartLabels, chart_id: str | None = None
) -> Markup:
    """A compact bar chart of :func:`weekly_counts`: one ``rect.chart-bar`` per week.

    Weeks with no reflections get a bar of height 0 (nothing visible, but the week keeps its
    place). The y axis shows 0 and the largest count; up to five weeks get a date label (the
    Monday, through ``labels.format_date``). The desc is ``labels.weeks_summary(weeks=, total=)``.
    """
    chart_id = chart_id or _new_id("weeks-chart")
    most = max((n for _, n in counts), default=0)
    scale_top = max(most, 1)
    left = 16 + len(str(scale_top)) * _CHAR_WIDTH + 8
    right = BARS_WIDTH - 16.0
    top = 12.0
    bottom = BARS_HEIGHT - 34.0

    parts: list[str] = []
    for value in sorted({0, scale_top}):
        y = bottom - (bottom - top) * value / scale_top
        cls = "chart-axis" if value == 0 else "chart-grid"
        attrs: dict[str, object] = {
            "class": cls,
            "x1": left,
            "x2": right,
            "y1": y,
            "y2": y,
            "stroke": "currentColor",
        }
        if value:
            attrs["stroke-opacity"] = "0.15"
        parts.append(_el("line", attrs))
        parts.append(_text(left - 8, y + 4, str(value), anchor="end"))

    slot = (right - left) / max(len(counts), 1)
    bar_width = min(24.0, slot * 0.7)
    ticks = _tick_indices(len(counts))
    width = _num(bar_width)
    for i, (monday, n) in enumerate(counts):
        centre = left + slot * (i + 0.5)
        height = (bottom - top) * n / scale_top
        parts.append(
            f'<rect class="chart-bar" x="{_num(centre - bar_width / 2)}"'
            f' y="{_num(bottom - height)}" width="{width}" height="{_num(height)}" rx="2"'
            f' fill="currentColor" data-week="{monday.isoformat()}" data-count="{n}">'
            f"{_tip(f'{labels.format_date(monday)}: {n}')}</rect>"
        )
        if i in ticks:
            anchor = _anchor(i, ticks)
            label_x = {"start": centre - bar_width / 2, "end": centre + bar_width / 2}.get(
                anchor, centre
            )
            parts.append(
                _text(label_x, BARS_HEIGHT - 12, labels.format_date(monday), anchor=anchor)
            )
    if not counts:
        parts.append(
            _text((left + right) / 2, (top + bottom) / 2 + 4, labels.empty, anchor="middle")
        )

    desc = labels.weeks_summary(weeks=len(counts), total=sum(n for _, n in counts))
    return _svg(
        chart_id,
        BARS_WIDTH,
        BARS_HEIGHT,
        "chart chart-weeks",
        labels.weeks_title,
        desc,
        "".join(parts),
    )


# --------------------------------------------------------------------------- sparkline


def sparkline(ratings: Sequence[Rating], *, width: int = 120, height: int = 28) -> Markup:
    """A tiny line of the latest (up to 12) ratings, for lists; decorative (``aria-hidden``).

    Points are evenly spaced by check-in, not by date; the y range is always 1..5 so lines of
    different goals compare. The latest check-in gets a dot. Empty Markup for no ratings.
    """
    if not ratings:
        return Markup("")
    shown = _sorted(ratings)[-SPARKLINE_POINTS:]
    pad = 3.0

    def x_of(i: int) -> float:
        if len(shown) == 1:
            return width / 2
        return pad + (width - 2 * pad) * i / (len(shown) - 1)

    def y_of(value: int) -> float:
        return pad + (height - 2 * pad) * (MAX_RATING - value) / (MAX_RATING - MIN_RATING)

    # Written out: a list page draws one per goal. Numbers only, nothing to escape.
    line = ""
    if len(shown) >= 2:
        points = " ".join(f"{_num(x_of(i))},{_num(y_of(r.value))}" for i, r in enumerate(shown))
        line = (
            f'<polyline class="chart-line" points="{points}" fill="none" stroke="currentColor"'
            ' stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    last = len(shown) - 1
    dot = (
        f'<circle class="chart-dot" cx="{_num(x_of(last))}" cy="{_num(y_of(shown[last].value))}"'
        ' r="2.5" fill="currentColor"/>'
    )
    head = (
        f'<svg xmlns="{SVG_NS}" class="sparkline" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" aria-hidden="true" focusable="false">'
    )
    return Markup(f"{head}{line}{dot}</svg>")  # noqa: S704 - no text, numbers only
