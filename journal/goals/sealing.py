"""Opening a leader's goal texts and check-in notes: the one place where they become readable.

Every service that hands goals or notes to the leader's pages or files goes through here,
with the owner's key open in the owner's own request. A manager's pages never come here:
they read the share's copy (`shared_copy.py`). Sealing is the rows' own
(`journal/models/sealed.py`); rows from before encryption are sealed at the owner's next
log-in (`journal/auth/keys.py`).
"""

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from journal.journal_key import journal_key
from journal.models import CheckIn, Goal, User


class CheckInRow(NamedTuple):
    """A check-in to show: its goal, id, day, rating and (opened) note."""

    goal_id: int
    id: int
    day: date
    rating: int
    note: str


def open_goals(user: User, goals: Iterable[Goal]) -> list[Goal]:
    """Open the text of the user's `goals` (those not open yet) with the user's key."""
    goals = list(goals)
    closed = [goal for goal in goals if not goal.is_open]
    if closed:
        key = journal_key(user)
        for goal in closed:
            goal.open_with(key)
    return goals


def open_check_ins(user: User, check_ins: Iterable[CheckIn]) -> list[CheckIn]:
    """Open the notes of check-ins of the user's own goals with the user's key."""
    check_ins = list(check_ins)
    closed = [check_in for check_in in check_ins if not check_in.is_open]
    if closed:
        key = journal_key(user)
        for check_in in closed:
            check_in.open_with(key)
    return check_ins


def seal_goal(user: User, goal: Goal, *, title: str, why: str, how_i_know: str) -> None:
    """Seal the goal's text with its owner's key (the goal has its id)."""
    goal.seal_text(journal_key(user), title=title, why=why, how_i_know=how_i_know)


def seal_note(user: User, check_in: CheckIn, note: str) -> None:
    """Seal a check-in's note with its goal's owner's key (the check-in has its id)."""
    check_in.seal_text(journal_key(user), note=note)


def goal_title_of(user: User, goal_id: int, sealed: bytes | None, plain_title: str) -> str:
    """A goal's title from its columns (for lists that read plain rows, not goals)."""
    text = Goal.text_of(journal_key(user), goal_id, sealed, {"title": plain_title})
    return text["title"] if text else ""


def note_rows(user: User, rows) -> list[CheckInRow]:
    """Rows of (goal_id, id, day, rating, sealed, plain_note) with their notes opened."""
    key = journal_key(user)
    result = []
    for goal_id, check_in_id, day, rating, sealed, plain in rows:
        text = CheckIn.text_of(key, check_in_id, sealed, {"note": plain})
        result.append(CheckInRow(goal_id, check_in_id, day, rating, text["note"] if text else ""))
    return result
