"""A goal's charts in the user's language: the bridge between services and the SVG module."""

from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache

from babel.dates import format_date as babel_format_date
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from journal.goals.charts import (
    ChartLabels,
    Rating,
    progress_chart,
    sparkline,
    weekly_bars,
    weekly_counts,
)
from journal.goals.forms import RATING_NAMES
from journal.goals.services import Progress

CHART_WEEKS = 104


def chart_labels() -> ChartLabels:
    """Every text of the charts, in the active language."""
    return _chart_labels(str(get_locale()))


def rating_names() -> dict[int, str]:
    """The names of the ratings 1..5 in the active language.

    Translated once per language: a page of check-ins shows one per row.
    """
    return chart_labels().rating_names


@lru_cache(maxsize=4096)
def _short_day(day: date, language: str) -> str:
    # A chart labels a hundred days: cached per day and language, with the language passed
    # in rather than looked up in the request for each day (as the heat map does).
    return babel_format_date(day, "d. MMM", locale=language)


@lru_cache(maxsize=8)
def _chart_labels(language: str) -> ChartLabels:
    """The charts' texts in `language` (the active one: the key of the cache).

    Built once per language rather than for every chart (a review draws one per goal): they
    are translations only, and the two summaries translate their sentences when called.
    """

    def summary(count, first, latest, trend, evidence):
        if not count:
            return _("No check-ins yet.")
        parts = [
            ngettext("%(num)d check-in.", "%(num)d check-ins.", count),
            _("First rating %(first)d, latest %(latest)d.", first=first, latest=latest),
            trend,  # None until there are check-ins on two different days
            # A manager's copy passes None: reflections are never counted for anyone else.
            None
            if evidence is None
            else ngettext("%(num)d linked reflection.", "%(num)d linked reflections.", evidence),
        ]
        return " ".join(part for part in parts if part)

    def weeks_summary(weeks, total):
        # Both numbers take their own plural: a goal started this week spans "1 week".
        return ngettext(
            "%(num)d linked reflection over %(span)s.",
            "%(num)d linked reflections over %(span)s.",
            total,
            span=ngettext("%(num)d week", "%(num)d weeks", weeks),
        )

    return ChartLabels(
        title=_("How it has gone"),
        rating_names={value: str(name) for value, name in RATING_NAMES.items()},
        format_date=lambda day: _short_day(day, language),
        empty=_("No check-ins yet"),
        trend_up=_("The trend is rising."),
        trend_down=_("The trend is falling."),
        trend_flat=_("The trend is level."),
        summary=summary,
        weeks_title=_("Linked reflections per week"),
        weeks_summary=weeks_summary,
        legend_ratings=_("Check-ins"),
        legend_trend=_("Trend"),
        legend_evidence=_("Linked reflection"),
    )


def ratings_of(progress: Progress) -> list[Rating]:
    """The check-ins as chart points."""
    return [Rating(check_in.day, check_in.rating) for check_in in progress.check_ins]


def goal_charts(progress: Progress, today: date) -> dict[str, Markup]:
    """The progress chart and the weekly reflections chart of one goal."""
    start = min(
        [progress.goal.start_date, *(c.day for c in progress.check_ins), *progress.evidence_days]
    )
    end = max(today, start)
    # Years of weekly bars help nobody and cost megabytes: show the last two years at most.
    start = max(start, end - timedelta(weeks=CHART_WEEKS))
    labels = chart_labels()
    return {
        "progress": progress_chart(
            ratings_of(progress), progress.evidence_days, start=start, end=end, labels=labels
        ),
        "weeks": weekly_bars(
            weekly_counts(progress.evidence_days, start=start, end=end), labels=labels
        ),
    }


def shared_chart(goal, check_ins, today: date) -> Markup:
    """The chart a manager sees: ratings and trend only, nothing drawn from the journal."""
    ratings = [Rating(check_in.day, check_in.rating) for check_in in check_ins]
    start = min([goal.start_date, *(r.day for r in ratings)])
    end = max(today, start)
    start = max(start, end - timedelta(weeks=CHART_WEEKS))
    base = chart_labels()
    labels = replace(
        base,
        summary=lambda evidence=0, **facts: base.summary(evidence=None, **facts),
        legend_evidence="",
    )
    return progress_chart(ratings, [], start=start, end=end, labels=labels)


def goal_sparkline(progress: Progress) -> Markup:
    """A tiny line of the latest ratings, for lists and the dashboard."""
    return sparkline(ratings_of(progress))


def sparkline_of(check_ins) -> Markup:
    """A tiny line of these check-ins' ratings."""
    return sparkline([Rating(check_in.day, check_in.rating) for check_in in check_ins])


def period_chart(check_ins, evidence_days, start: date, end: date) -> Markup:
    """A goal's chart over a review period only."""
    ratings = [Rating(check_in.day, check_in.rating) for check_in in check_ins]
    return progress_chart(ratings, evidence_days, start=start, end=end, labels=chart_labels())
