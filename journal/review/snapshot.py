"""The snapshot a saved review keeps: its period's figures as they were the day it was saved.

The review's page writes it (`snapshot_of` in routes.py), the saved review's page shows it,
the export carries it and the importer takes only what has its shape:

    {"goals": [{"title": str, "status": a goal status, "first": rating or null,
                "latest": rating or null, "check_ins": count, "linked": count}, ...],
     "tasks": {task key: count, ...},
     "entries": count,
     "key_reflections": [entry id, ...]}

Any of the four may be missing (a review saved before there was anything to count). The
export writes {"unreadable_snapshot": text} for a stored snapshot it cannot read, so that
the text is kept; that is a shape too, with nothing in it to show.
"""

import json
import re
from typing import Any

from journal.models.entry import TASK_KEY_LENGTH
from journal.models.goal import MAX_GOAL_TITLE, RATINGS, STATUSES

FIELDS = ("goals", "tasks", "entries", "key_reflections")
GOAL_FIELDS = ("title", "status", "first", "latest", "check_ins", "linked")
UNREADABLE = "unreadable_snapshot"
_MAX_COUNT = 2**31 - 1
_MAX_ID = 2**63 - 1
_TASK_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _rating(value: Any) -> bool:
    return value is None or _whole(value, RATINGS[0], RATINGS[-1])


def goal_problem(goal: Any) -> str | None:
    """What is wrong with one of a snapshot's goals, or None if it has the shape."""
    if not isinstance(goal, dict) or sorted(goal) != sorted(GOAL_FIELDS):
        return f"must be an object with the fields {', '.join(GOAL_FIELDS)}"
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
        return {"goals": [], "tasks": {}, "complete": False}
    goals = snapshot.get("goals")
    tasks = snapshot.get("tasks")
    return {
        "goals": [goal for goal in goals if goal_problem(goal) is None]
        if isinstance(goals, list)
        else [],
        "tasks": {key: n for key, n in tasks.items() if _whole(n, 0, _MAX_COUNT)}
        if isinstance(tasks, dict)
        else {},
        "complete": problem(snapshot) is None and UNREADABLE not in snapshot,
    }
