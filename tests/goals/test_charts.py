"""Goal progress charts: server-drawn SVG, checked by parsing what was drawn."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from itertools import pairwise

import pytest
from markupsafe import Markup

from journal.goals.charts import (
    FLAT_THRESHOLD,
    ChartLabels,
    Rating,
    progress_chart,
    sparkline,
    trend,
    trend_direction,
    weekly_bars,
    weekly_counts,
)

NS = {"svg": "http://www.w3.org/2000/svg"}
MONDAY = date(2026, 1, 5)  # an ISO week starts here


def make_labels(**overrides) -> ChartLabels:
    values = {
        "title": "Sådan er det gået",
        "rating_names": {1: "Slet ikke", 2: "Lidt", 3: "Nogenlunde", 4: "Godt", 5: "Rigtig godt"},
        "format_date": lambda d: f"{d.day}/{d.month}",
        "empty": "Ingen check-ins endnu",
        "trend_up": "TREND-UP",
        "trend_down": "TREND-DOWN",
        "trend_flat": "TREND-FLAT",
        "summary": lambda count, first, latest, trend, evidence: (
            f"count={count} first={first} latest={latest} trend={trend} evidence={evidence}"
        ),
        "weeks_title": "Refleksioner pr. uge",
        "weeks_summary": lambda weeks, total: f"weeks={weeks} total={total}",
    }
    values.update(overrides)
    return ChartLabels(**values)


def parse(svg) -> ET.Element:
    """Our own output, not untrusted input; parsing also proves it is well-formed XML."""
    return ET.fromstring(str(svg))


def weekly(values, start=MONDAY):
    return [Rating(start + timedelta(weeks=i), v) for i, v in enumerate(values)]


def render(ratings, evidence=(), *, start=MONDAY, end=None, labels=None, **kwargs):
    end = end or start + timedelta(weeks=8)
    svg = progress_chart(
        ratings, list(evidence), start=start, end=end, labels=labels or make_labels(), **kwargs
    )
    assert isinstance(svg, Markup)
    return svg, parse(svg)


def with_class(root, cls):
    return [el for el in root.iter() if cls in el.get("class", "").split()]


def dots(root):
    return [el for el in with_class(root, "chart-dot") if "chart-key" not in el.get("class")]


def desc(root):
    return root.find("svg:desc", NS).text


# --------------------------------------------------------------------------- trend


def test_trend_is_the_least_squares_line_at_the_first_and_last_day():
    # Exactly on a line: 1 at day 0, 3 at day 14 → the ends are the data.
    assert trend([Rating(MONDAY, 1), Rating(MONDAY + timedelta(days=14), 3)]) == (1.0, 3.0)
    # x = 0..4 weeks, slope 0.2 a week, through the mean (2 weeks, 3).
    start, end = trend(weekly([2, 4, 2, 4, 3]))
    assert start == pytest.approx(2.6)
    assert end == pytest.approx(3.4)


def test_trend_needs_two_days_and_is_clamped():
    assert trend([]) is None
    assert trend([Rating(MONDAY, 3)]) is None
    assert trend([Rating(MONDAY, 1), Rating(MONDAY, 5)]) is None  # same day: no slope
    # Steep rise, unclamped it would end above 5 and start below 1.
    start, end = trend(weekly([1, 1, 5, 5]))
    assert 1.0 <= start < end <= 5.0
    assert trend_direction(weekly([1, 1, 5, 5])) == "up"


def test_flat_means_less_than_a_quarter_step_over_the_period():
    assert FLAT_THRESHOLD == 0.25
    assert trend_direction(weekly([3, 3, 3])) == "flat"
    # Occasional good weeks in a steady run: the line rises by less than 0.1 → flat.
    noisy = weekly([3, 3, 4, 3, 3, 3, 3, 3, 3, 3, 4, 3])
    start, end = trend(noisy)
    assert 0 < end - start < FLAT_THRESHOLD
    assert trend_direction(noisy) == "flat"
    # One good week at the end of a steady run lifts the line by about 0.42 → up.
    assert trend_direction(weekly([3] * 11 + [4])) == "up"
    assert trend_direction(weekly([3, 4])) == "up"
    assert trend_direction(weekly([4, 3])) == "down"
    assert trend_direction([Rating(MONDAY, 2)]) is None


def test_rating_outside_one_to_five_is_refused():
    with pytest.raises(ValueError):
        Rating(MONDAY, 0)
    with pytest.raises(ValueError):
        Rating(MONDAY, 6)


# --------------------------------------------------------------------------- progress chart


def test_svg_is_accessible_and_scalable():
    _svg, root = render(weekly([2, 3]), chart_id="goal-7")
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 640 260"
    assert root.get("width") == "100%"
    assert root.get("height") is None
    title = root.find("svg:title", NS)
    description = root.find("svg:desc", NS)
    assert title.text == "Sådan er det gået"
    assert root.get("aria-labelledby").split() == [title.get("id"), description.get("id")]
    assert title.get("id") == "goal-7-title"
    # Colours come from classes, never inline.
    for el in root.iter():
        assert el.get("style") is None
        assert el.get("fill") in (None, "none", "currentColor")
        assert el.get("stroke") in (None, "currentColor")


def test_two_charts_on_one_page_get_distinct_ids():
    _, first = render(weekly([2]))
    _, second = render(weekly([2]))
    assert first.find("svg:title", NS).get("id") != second.find("svg:title", NS).get("id")


def test_one_dot_per_rating_higher_rating_drawn_higher():
    _, root = render(weekly([1, 3, 5, 2]))
    found = dots(root)
    assert len(found) == 4
    by_value = {int(d.get("data-value")): float(d.get("cy")) for d in found}
    assert by_value[5] < by_value[3] < by_value[2] < by_value[1]  # SVG y grows downwards
    # The y axis carries the five rating names, top (5) to bottom (1).
    label_y = {el.text: float(el.get("y")) for el in with_class(root, "chart-label")}
    assert label_y["Rigtig godt"] < label_y["Godt"] < label_y["Lidt"] < label_y["Slet ikke"]


def test_dots_and_line_follow_the_dates_not_the_input_order():
    ratings = weekly([2, 4, 3, 5])
    shuffled = [ratings[2], ratings[0], ratings[3], ratings[1]]
    _, root = render(shuffled)
    x_by_day = {d.get("data-day"): float(d.get("cx")) for d in dots(root)}
    xs = [x_by_day[r.day.isoformat()] for r in ratings]
    assert xs == sorted(xs)
    assert len(set(xs)) == 4
    # Spacing is by date: equal gaps for weekly check-ins.
    gaps = [b - a for a, b in pairwise(xs)]
    assert gaps == pytest.approx([gaps[0]] * 3, abs=0.2)
    # The line visits the points in date order.
    (line,) = with_class(root, "chart-line")
    points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert [p[0] for p in points] == xs
    y_by_day = {d.get("data-day"): float(d.get("cy")) for d in dots(root)}
    assert [p[1] for p in points] == [y_by_day[r.day.isoformat()] for r in ratings]


def test_x_position_is_proportional_to_the_date():
    days = [MONDAY, MONDAY + timedelta(days=7), MONDAY + timedelta(days=21)]
    _, root = render([Rating(d, 3) for d in days], start=MONDAY, end=days[-1])
    a, b, c = sorted(float(d.get("cx")) for d in dots(root))
    assert c - b == pytest.approx(2 * (b - a), abs=0.2)


def test_rising_ratings_have_a_rising_dashed_trend_and_the_desc_says_so():
    _, root = render(weekly([1, 2, 3, 4, 5]))
    (line,) = with_class(root, "chart-trend")
    assert line.get("stroke-dasharray")
    assert float(line.get("y2")) < float(line.get("y1"))  # ends higher than it starts
    assert float(line.get("x2")) > float(line.get("x1"))
    text = desc(root)
    assert "count=5" in text
    assert "first=1" in text
    assert "latest=5" in text
    assert "trend=TREND-UP" in text


def test_falling_ratings_trend_down():
    _, root = render(weekly([5, 4, 2]))
    (line,) = with_class(root, "chart-trend")
    assert float(line.get("y2")) > float(line.get("y1"))
    assert "trend=TREND-DOWN" in desc(root)


def test_constant_ratings_have_a_flat_trend():
    _, root = render(weekly([3, 3, 3]))
    (line,) = with_class(root, "chart-trend")
    assert float(line.get("y1")) == float(line.get("y2"))
    assert "trend=TREND-FLAT" in desc(root)


def test_one_evidence_marker_per_linked_reflection_in_the_period():
    start, end = MONDAY, MONDAY + timedelta(weeks=4)
    evidence = [
        start - timedelta(days=1),  # before the period: ignored
        start,
        start + timedelta(days=3),
        start + timedelta(days=3),  # two reflections linked on one day: two markers
        end,
        end + timedelta(days=1),  # after the period: ignored
    ]
    _, root = render(weekly([2, 3]), evidence, start=start, end=end)
    markers = with_class(root, "chart-evidence")
    assert len(markers) == 4
    assert "evidence=4" in desc(root)
    days = sorted(m.get("data-day") for m in markers)
    assert days[0] == start.isoformat()
    assert days[-1] == end.isoformat()


def test_ratings_outside_the_period_are_left_out():
    start, end = MONDAY + timedelta(weeks=1), MONDAY + timedelta(weeks=3)
    _, root = render(weekly([1, 2, 3, 4, 5]), start=start, end=end)
    assert [int(d.get("data-value")) for d in dots(root)] == [2, 3, 4]
    assert "count=3 first=2 latest=4" in desc(root)


def test_no_ratings_draws_axes_and_the_empty_label():
    _, root = render([], [MONDAY + timedelta(days=2)])
    assert dots(root) == []
    assert with_class(root, "chart-line") == []
    assert with_class(root, "chart-trend") == []
    assert len(with_class(root, "chart-grid")) == 5
    assert with_class(root, "chart-axis")
    texts = [el.text for el in with_class(root, "chart-label")]
    assert "Ingen check-ins endnu" in texts
    assert desc(root) == "count=0 first=None latest=None trend=None evidence=1"


def test_one_rating_is_a_dot_without_line_or_trend():
    _, root = render([Rating(MONDAY + timedelta(days=10), 4)])
    assert len(dots(root)) == 1
    assert with_class(root, "chart-line") == []
    assert with_class(root, "chart-trend") == []
    assert "Ingen check-ins endnu" not in [el.text for el in with_class(root, "chart-label")]
    assert desc(root) == "count=1 first=4 latest=4 trend=None evidence=0"


def test_a_period_of_one_day_renders():
    _, root = render([Rating(MONDAY, 3)], [MONDAY], start=MONDAY, end=MONDAY)
    assert len(dots(root)) == 1
    assert len(with_class(root, "chart-evidence")) == 1


def test_end_before_start_is_refused():
    with pytest.raises(ValueError):
        render([], start=MONDAY, end=MONDAY - timedelta(days=1))


def test_date_ticks_use_the_callers_format_and_span_the_period():
    start, end = MONDAY, MONDAY + timedelta(days=90)
    _, root = render([], start=start, end=end, labels=make_labels(format_date=lambda d: f"D{d}"))
    ticks = [el.text for el in with_class(root, "chart-label") if el.text.startswith("D")]
    assert 2 <= len(ticks) <= 5
    assert ticks[0] == f"D{start}"
    assert ticks[-1] == f"D{end}"


def test_all_text_is_escaped():
    evil = "<script>alert(1)</script>"
    labels = make_labels(
        title=f"Mål {evil}",
        rating_names={1: evil, 2: "Lidt", 3: "Nogenlunde", 4: "Godt", 5: "R&D"},
        format_date=lambda d: f'"{d}"<b>',
        empty=evil,
        trend_up=evil,
        legend_trend=evil,
    )
    for ratings in ([], weekly([1, 2, 5])):
        svg, root = render(ratings, [MONDAY], labels=labels)  # parses: well-formed
        assert "<script>" not in svg
        assert "<b>" not in svg
        assert "&lt;script&gt;" in svg
        assert root.find("svg:title", NS).text == f"Mål {evil}"
        texts = [el.text for el in with_class(root, "chart-label")]
        assert evil in texts
        assert "R&D" in texts
    assert evil in desc(root)  # the trend label, via summary()


def test_legend_is_drawn_only_when_asked_for():
    _, plain = render(weekly([2, 3]))
    assert with_class(plain, "chart-legend") == []
    _, legend = render(weekly([2, 3]), labels=make_labels(legend_trend="Tendens"))
    (group,) = with_class(legend, "chart-legend")
    assert group.get("aria-hidden") == "true"
    assert [el.text for el in with_class(group, "chart-label")] == ["Tendens"]
    assert len(dots(legend)) == 2  # the key is not counted as a check-in


# --------------------------------------------------------------------------- weekly counts


def test_weekly_counts_per_iso_week_with_empty_weeks_and_duplicates():
    start = MONDAY + timedelta(days=2)  # a Wednesday
    end = MONDAY + timedelta(weeks=3, days=1)  # Tuesday three weeks on
    evidence = [
        MONDAY,  # same week as start, but before it: ignored
        start,
        start,  # duplicate: counts twice
        MONDAY + timedelta(days=6),  # Sunday, still week 1
        MONDAY + timedelta(weeks=1),  # Monday of week 2
        # week 3: nothing
        end,
        end + timedelta(days=1),  # after end: ignored
    ]
    assert weekly_counts(evidence, start=start, end=end) == [
        (MONDAY, 3),
        (MONDAY + timedelta(weeks=1), 1),
        (MONDAY + timedelta(weeks=2), 0),
        (MONDAY + timedelta(weeks=3), 1),
    ]


def test_weekly_counts_over_new_year_uses_iso_weeks():
    start, end = date(2025, 12, 31), date(2026, 1, 6)  # Wednesday to Tuesday
    counts = weekly_counts([date(2026, 1, 4), date(2026, 1, 5)], start=start, end=end)
    assert counts == [(date(2025, 12, 29), 1), (date(2026, 1, 5), 1)]
    assert weekly_counts([], start=end, end=end) == [(date(2026, 1, 5), 0)]


def test_weekly_bars_draw_one_bar_per_week_in_proportion():
    counts = [(MONDAY + timedelta(weeks=i), n) for i, n in enumerate([2, 0, 4, 1])]
    svg = weekly_bars(counts, labels=make_labels(), chart_id="weeks")
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "weeks-title weeks-desc"
    assert root.find("svg:title", NS).text == "Refleksioner pr. uge"
    assert desc(root) == "weeks=4 total=7"
    bars = with_class(root, "chart-bar")
    assert [int(b.get("data-count")) for b in bars] == [2, 0, 4, 1]
    heights = [float(b.get("height")) for b in bars]
    assert heights[1] == 0
    assert heights[2] == pytest.approx(2 * heights[0], abs=0.1)
    assert heights[2] == pytest.approx(4 * heights[3], abs=0.1)
    xs = [float(b.get("x")) for b in bars]
    assert xs == sorted(xs)
    assert "4" in [el.text for el in with_class(root, "chart-label")]  # the scale's top


def test_weekly_bars_escape_and_survive_no_weeks():
    labels = make_labels(weeks_title="<script>", format_date=lambda d: "<i>")
    svg = weekly_bars([(MONDAY, 1)], labels=labels)
    assert "<script>" not in svg
    assert "<i>" not in svg
    parse(svg)
    root = parse(weekly_bars([], labels=make_labels()))
    assert with_class(root, "chart-bar") == []
    assert desc(root) == "weeks=0 total=0"


# --------------------------------------------------------------------------- sparkline


def sparkline_points(svg):
    root = parse(svg)
    (line,) = with_class(root, "chart-line")
    return root, [tuple(map(float, p.split(","))) for p in line.get("points").split()]


def test_sparkline_shows_only_the_latest_twelve_in_date_order():
    values = [1, 1, 1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3, 4, 5]  # 15; the last 12 start at 2
    ratings = list(reversed(weekly(values)))  # input order must not matter
    root, points = sparkline_points(sparkline(ratings))
    assert root.get("aria-hidden") == "true"
    assert root.get("role") is None
    assert (root.get("width"), root.get("height")) == ("120", "28")
    assert len(points) == 12
    # Heights follow the last twelve values: same value, same y; higher value, smaller y.
    last = values[-12:]
    y_for = {}
    for value, (_, y) in zip(last, points, strict=True):
        assert y_for.setdefault(value, y) == y
    assert y_for[5] < y_for[4] < y_for[3] < y_for[2] < y_for[1]
    xs = [x for x, _ in points]
    assert xs == sorted(xs)
    assert xs[0] >= 0
    assert xs[-1] <= 120


def test_sparkline_with_none_or_one_rating():
    assert sparkline([]) == Markup("")
    root = parse(sparkline([Rating(MONDAY, 5)], width=60, height=20))
    assert with_class(root, "chart-line") == []
    (dot,) = with_class(root, "chart-dot")
    assert float(dot.get("cx")) == 30
    assert root.get("viewBox") == "0 0 60 20"
