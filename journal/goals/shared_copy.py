"""The readable copy a share keeps of a goal: exactly what the manager sees, nothing more.

A goal's text and its check-in notes are sealed with the leader's key, which a manager's
request never has. While a goal is shared, its share holds a plain copy of the title, why
and how-I-know, and of the check-in notes if the leader included them. The copy is written
in the leader's own request (which has the key): when sharing, when the notes setting
changes, and whenever the leader changes the goal or its check-ins while it is shared. It
goes with the share (unsharing, the link's end, erasing: the database cascades). Whenever a
copy changes or goes, no old version of it is left in SQLite's files (`leave_no_old_copies`).

Here in `goals`, not in `sharing`, because a goal's edit must reach the copy in the same
transaction; `sharing` makes and removes the shares.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from journal.database import leave_no_old_copies, on_commit
from journal.extensions import db
from journal.goals.sealing import CheckInRow, note_rows, open_goals
from journal.models import CheckIn, Goal, Share, SharedNote, User


@dataclass(frozen=True)
class SharedGoal:
    """A goal as its manager sees it: the share's copy of its text and its plain facts.

    The leader's preview builds the same thing from the goal itself (`preview_of`).
    """

    id: int
    owner_id: int
    title: str
    why: str
    how_i_know: str
    status: str
    start_date: date
    task_keys: list[str]


def as_shared(goal: Goal, share: Share, *, tasks: bool = True) -> SharedGoal:
    """The goal as the share's copy shows it (no key needed: this is the manager's view);
    without its tasks where a page shows none (they are then not loaded)."""
    return SharedGoal(
        goal.id,
        goal.owner_id,
        share.title or "",
        share.why or "",
        share.how_i_know or "",
        goal.status,
        goal.start_date,
        goal.task_keys if tasks else [],
    )


def preview_of(
    user: User, goal: Goal, *, include_notes: bool
) -> tuple[SharedGoal, list[CheckInRow]]:
    """What the copy would hold if the goal were shared now: the goal as the manager would
    see it, and its check-ins (with the notes only if they are included)."""
    open_goals(user, [goal])
    shared = SharedGoal(
        goal.id,
        goal.owner_id,
        goal.title,
        goal.why,
        goal.how_i_know,
        goal.status,
        goal.start_date,
        goal.task_keys,
    )
    rows = _own_notes(user, goal.id)
    if not include_notes:
        rows = [row._replace(note="") for row in rows]
    return shared, rows


def _own_notes(user: User, goal_id: int) -> list[CheckInRow]:
    return note_rows(
        user,
        db.session.execute(
            select(
                CheckIn.goal_id,
                CheckIn.id,
                CheckIn.day,
                CheckIn.rating,
                CheckIn.sealed,
                CheckIn.plain_note,
            )
            .where(CheckIn.goal_id == goal_id)
            .order_by(CheckIn.day, CheckIn.id)
        ),
    )


def write_copy(user: User, goal: Goal, share: Share) -> None:
    """Make the share's copy what the manager may see of `goal` now."""
    copy_text(user, goal, share)
    copy_notes(user, goal.id, share)


def copy_text(user: User, goal: Goal, share: Share) -> None:
    """Copy the goal's title, why and how-I-know into its share."""
    open_goals(user, [goal])
    share.title, share.why, share.how_i_know = goal.title, goal.why, goal.how_i_know
    forget_old_copies()


def copy_notes(user: User, goal_id: int, share: Share) -> None:
    """Copy the goal's check-in notes into its share if they are included; else none."""
    db.session.execute(delete(SharedNote).where(SharedNote.goal_id == goal_id))
    forget_old_copies()
    if share.include_notes:
        db.session.add_all(
            SharedNote(check_in_id=row.id, goal_id=goal_id, note=row.note)
            for row in _own_notes(user, goal_id)
            if row.note
        )


def refresh_text(user: User, goal: Goal) -> None:
    """After an edit of the goal: its share's copy of the text follows, if it is shared."""
    share = db.session.get(Share, goal.id)
    if share is not None:
        copy_text(user, goal, share)


def refresh_note(user: User, check_in: CheckIn) -> None:
    """After a check-in's note changed: its share's copy follows, if the notes are shared."""
    share = db.session.get(Share, check_in.goal_id)
    if share is None or not share.include_notes:
        return
    copied = db.session.get(SharedNote, check_in.id)
    forget_old_copies()
    if not check_in.note:
        if copied is not None:
            db.session.delete(copied)
    elif copied is None:
        db.session.add(
            SharedNote(check_in_id=check_in.id, goal_id=check_in.goal_id, note=check_in.note)
        )
    else:
        copied.note = check_in.note


def forget_old_copies() -> None:
    """Once the action has committed, leave no earlier version of a copy (changed, or gone
    with its share) in the database's files (SQLite; on PostgreSQL, VACUUM reclaims them)."""
    on_commit(leave_no_old_copies)


def forget_copy_of(goal_id: int) -> None:
    """The goal (or a check-in of it) is being deleted: if it is shared, the copy goes with
    it, and leaves no old version behind either."""
    if db.session.get(Share, goal_id) is not None:
        forget_old_copies()


def refresh_notes(user: User, goal_id: int) -> None:
    """After check-ins were added in bulk (an import): the copy of the notes follows."""
    share = db.session.get(Share, goal_id)
    if share is not None:
        copy_notes(user, goal_id, share)
