"""The snapshot a saved review keeps: its period's figures as they were the day it was saved.

The review's page writes it (`snapshot_of` in routes.py), the saved review's page shows it,
the export carries it and the importer takes only what has its shape:

    {"goals": [{"title": str, "status": a goal status, "first": rating or null,
                "latest": rating or null, "check_ins": count, "linked": count,
                "ratings": [[day, rating], ...], "evidence": [day, ...]}, ...],
     "tasks": {task key: count, ...},
     "entries": count,
     "key_reflections": [entry id, ...],
     "key_excerpts": [{"title": str, "entry_date": day, "excerpt": str}, ...]}

Any of the top-level fields may be missing (a review saved before there was anything to
count, or before the review kept its charts and key reflections' text), and so may a goal's
"ratings" and "evidence" (the points of its chart: the check-ins' days and ratings, the
linked reflections' days). Days are ISO dates. What is kept is bounded: the latest
MAX_CHART_POINTS points of each of the first MAX_CHARTED_GOALS goals' charts, the first
MAX_KEY_EXCERPTS key reflections, each excerpt EXCERPT_LENGTH characters at most.

The export writes {"unreadable_snapshot": text} for a stored snapshot it cannot read, so that
the text is kept; that is a shape too, with nothing in it to show.
"""

import json
import re
from datetime import date
from typing import Any, NamedTuple

from journal.models.entry import MAX_TITLE_LENGTH, TASK_KEY_LENGTH
from journal.models.goal import MAX_GOAL_TITLE, RATINGS, STATUSES

FIELDS = ("goals", "tasks", "entries", "key_reflections", "key_excerpts")
GOAL_FIELDS = ("title", "status", "first", "latest", "check_ins", "linked")
CHART_FIELDS = ("ratings", "evidence")
EXCERPT_FIELDS = ("title", "entry_date", "excerpt")
MAX_CHART_POINTS = 200  # a check-in every other day for a year
MAX_CHARTED_GOALS = 30
MAX_KEY_EXCERPTS = 30
EXCERPT_LENGTH = 300
UNREADABLE = "unreadable_snapshot"
_MAX_COUNT = 2**31 - 1
_MAX_ID = 2**63 - 1
_TASK_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _rating(value: Any) -> bool:
    return value is None or _whole(value, RATINGS[0], RATINGS[-1])


def _day(value: Any) -> date | None:
    """An ISO date string as a date, or None if it is not one."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _chart_problem(goal: dict) -> str | None:
    ratings, evidence = goal.get("ratings", []), goal.get("evidence", [])
    if not isinstance(ratings, list) or len(ratings) > MAX_CHART_POINTS:
        return f"ratings must be an array of at most {MAX_CHART_POINTS} points"
    for point in ratings:
        if not isinstance(point, list) or len(point) != 2:
            return "each of ratings must be [day, rating]"
        if _day(point[0]) is None or point[1] is None or not _rating(point[1]):
            return "each of ratings must be [day, rating]"
    if not isinstance(evidence, list) or len(evidence) > MAX_CHART_POINTS:
        return f"evidence must be an array of at most {MAX_CHART_POINTS} days"
    if any(_day(day) is None for day in evidence):
        return "evidence must be an array of days"
    return None


def goal_problem(goal: Any) -> str | None:
    """What is wrong with one of a snapshot's goals, or None if it has the shape."""
    if not isinstance(goal, dict) or not set(GOAL_FIELDS) <= set(goal) <= {
        *GOAL_FIELDS,
        *CHART_FIELDS,
    }:
        fields = ", ".join(GOAL_FIELDS)
        return f"must be an object with the fields {fields} (and optionally ratings, evidence)"
    if not isinstance(goal["title"], str) or len(goal["title"]) > MAX_GOAL_TITLE:
        return f"the title must be a string of at most {MAX_GOAL_TITLE} characters"
    if goal["status"] not in STATUSES:
        return f"the status must be one of {', '.join(STATUSES)}"
    if not _rating(goal["first"]) or not _rating(goal["latest"]):
        return "first and latest must be ratings from 1 to 5, or null"
    if (goal["first"] is None) != (goal["latest"] is None):
        return "first and latest must be both ratings or both null"
    if not _whole(goal["check_ins"], 0, _MAX_COUNT) or not _whole(goal["linked"], 0, _MAX_COUNT):
        return "check_ins and linked must be whole numbers from 0"
    return _chart_problem(goal)


def excerpt_problem(kept: Any) -> str | None:
    """What is wrong with one of a snapshot's key reflections kept as text, or None."""
    if not isinstance(kept, dict) or sorted(kept) != sorted(EXCERPT_FIELDS):
        return f"must be an object with the fields {', '.join(EXCERPT_FIELDS)}"
    if not isinstance(kept["title"], str) or len(kept["title"]) > MAX_TITLE_LENGTH:
        return f"the title must be a string of at most {MAX_TITLE_LENGTH} characters"
    if _day(kept["entry_date"]) is None:
        return "entry_date must be a date"
    if not isinstance(kept["excerpt"], str) or len(kept["excerpt"]) > EXCERPT_LENGTH:
        return f"the excerpt must be a string of at most {EXCERPT_LENGTH} characters"
    return None


def _tasks_problem(tasks: Any) -> str | None:
    if not isinstance(tasks, dict):
        return "must be an object"
    for key, count in tasks.items():
        if len(key) > TASK_KEY_LENGTH or not _TASK_KEY.fullmatch(key):
            return f"{key!r} is not a task key"
        if not _whole(count, 0, _MAX_COUNT):
            return f"the count of {key} must be a whole number from 0"
    return None


def problem(snapshot: Any) -> str | None:
    """What is wrong with a snapshot, e.g. "goals[2].status: must be one of …", or None if it
    has the shape the app writes."""
    if not isinstance(snapshot, dict):
        return "must be an object"
    if UNREADABLE in snapshot:
        if list(snapshot) != [UNREADABLE] or not isinstance(snapshot[UNREADABLE], str):
            return f"{UNREADABLE}: must be the only field, a string"
        return None
    unknown = sorted(set(snapshot) - set(FIELDS))
    if unknown:
        return f"unknown field(s) {', '.join(unknown)}"
    goals = snapshot.get("goals", [])
    if not isinstance(goals, list):
        return "goals: must be an array"
    for i, goal in enumerate(goals):
        if (found := goal_problem(goal)) is not None:
            return f"goals[{i}]: {found}"
    if (found := _tasks_problem(snapshot.get("tasks", {}))) is not None:
        return f"tasks: {found}"
    if "entries" in snapshot and not _whole(snapshot["entries"], 0, _MAX_COUNT):
        return "entries: must be a whole number from 0"
    key_reflections = snapshot.get("key_reflections", [])
    if not isinstance(key_reflections, list) or not all(
        _whole(entry_id, 1, _MAX_ID) for entry_id in key_reflections
    ):
        return "key_reflections: must be an array of entry ids"
    excerpts = snapshot.get("key_excerpts", [])
    if not isinstance(excerpts, list) or len(excerpts) > MAX_KEY_EXCERPTS:
        return f"key_excerpts: must be an array of at most {MAX_KEY_EXCERPTS}"
    for i, kept in enumerate(excerpts):
        if (found := excerpt_problem(kept)) is not None:
            return f"key_excerpts[{i}]: {found}"
    return None


def readable(stored: str | None) -> dict:
    """A stored snapshot as the saved review's page shows it: the goals and the reflections
    per task that have the shape, and `complete` False if anything was left out.

    Reviews imported before the importer checked snapshots may hold anything; their page must
    still show the notes and the delete button."""
    try:
        snapshot = json.loads(stored or "{}")
    except (ValueError, RecursionError):
        snapshot = None
    if not isinstance(snapshot, dict):
        return {
            "goals": [],
            "tasks": {},
            "key_excerpts": None,
            "key_reflection_count": 0,
            "complete": False,
        }
    goals = snapshot.get("goals")
    tasks = snapshot.get("tasks")
    excerpts = snapshot.get("key_excerpts")
    ids = snapshot.get("key_reflections")
    return {
        "goals": [goal for goal in goals if goal_problem(goal) is None]
        if isinstance(goals, list)
        else [],
        "tasks": {key: n for key, n in tasks.items() if _whole(n, 0, _MAX_COUNT)}
        if isinstance(tasks, dict)
        else {},
        # None for a review saved before the text was kept: its page says so.
        "key_excerpts": [
            {**kept, "entry_date": _day(kept["entry_date"])}
            for kept in excerpts[:MAX_KEY_EXCERPTS]
            if excerpt_problem(kept) is None
        ]
        if isinstance(excerpts, list)
        else None,
        "key_reflection_count": len(ids) if isinstance(ids, list) else 0,
        "complete": problem(snapshot) is None and UNREADABLE not in snapshot,
    }


class ChartPoint(NamedTuple):
    """A check-in as a saved review keeps it: enough to draw its chart again."""

    day: date
    rating: int


def chart_points(goal: dict) -> tuple[list[ChartPoint], list[date]] | None:
    """A kept goal's chart points (check-ins, linked reflections' days), or None for a goal
    saved without them."""
    if "ratings" not in goal:
        return None
    ratings = [ChartPoint(_day(day), rating) for day, rating in goal["ratings"]]
    return ratings, [_day(day) for day in goal.get("evidence", [])]
