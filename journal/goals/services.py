"""Goals and check-ins: reading and changing them, always on behalf of their owner.

Their text (a goal's title, why and how-I-know, a check-in's note) is sealed with the
owner's key and opened here for the owner (`sealing.py`); a shared goal's readable copy
follows every change (`shared_copy.py`).
"""

from dataclasses import dataclass
from datetime import date

from flask import abort
from sqlalchemy import Row, func, select
from sqlalchemy.orm import joinedload

from journal.database import atomic
from journal.extensions import db
from journal.goals import shared_copy
from journal.goals.sealing import (
    CheckInRow,
    goal_title_of,
    note_rows,
    open_check_ins,
    open_goals,
    seal_goal,
    seal_note,
)
from journal.models import CheckIn, Entry, EntryGoal, Goal, GoalStatusChange, GoalTask, User
from journal.models.goal import due_on
from journal.models.user import utcnow

MAX_ID = 2**63 - 1


def find_goal_for(user: User, goal_id: int | None) -> Goal | None:
    """The user's own goal, opened, or None: never someone else's."""
    if goal_id is None or not 0 < goal_id <= MAX_ID:
        return None
    # One query, its few tasks and status changes joined, rather than three.
    goal = (
        db.session.scalars(
            select(Goal)
            .where(Goal.id == goal_id, Goal.owner_id == user.id)
            .options(joinedload(Goal.task_links), joinedload(Goal.status_changes))
        )
        .unique()
        .first()
    )
    return open_goals(user, [goal])[0] if goal is not None else None


def get_goal_for(user: User, goal_id: int | None) -> Goal:
    """The user's own goal, else 404: the one access rule for goals."""
    goal = find_goal_for(user, goal_id)
    if goal is None:
        abort(404)
    return goal


def get_check_in_for(user: User, check_in_id: int) -> CheckIn:
    """A check-in of one of the user's own goals, its note opened, else 404."""
    check_in = db.session.scalar(
        select(CheckIn)
        .join(Goal, Goal.id == CheckIn.goal_id)
        .where(CheckIn.id == check_in_id, Goal.owner_id == user.id)
    )
    if check_in is None:
        abort(404)
    return open_check_ins(user, [check_in])[0]


def goals_of(user: User, statuses: tuple[str, ...] | None = None) -> list[Goal]:
    """The user's goals (optionally of some statuses), opened: active ones in the leader's
    order."""
    query = (
        select(Goal)
        .where(Goal.owner_id == user.id)
        .order_by(Goal.position, Goal.start_date.desc(), Goal.id)
        .options(joinedload(Goal.task_links))  # a task or two each: one query, not two
    )
    if statuses:
        query = query.where(Goal.status.in_(statuses))
    return open_goals(user, db.session.scalars(query).unique())


def goal_titles(user: User) -> list[tuple[int, str]]:
    """(id, title) of each of the user's goals, in the order of `goals_of`: for choosing one."""
    rows = db.session.execute(
        select(Goal.id, Goal.sealed, Goal.plain_title)
        .where(Goal.owner_id == user.id)
        .order_by(Goal.position, Goal.start_date.desc(), Goal.id)
    )
    return [(goal_id, goal_title_of(user, goal_id, *text)) for goal_id, *text in rows]


def _next_position(user: User) -> int:
    highest = db.session.scalar(select(func.max(Goal.position)).where(Goal.owner_id == user.id))
    return (highest or 0) + 1


@atomic()
def create_goal(
    user: User,
    *,
    title: str,
    why: str,
    how_i_know: str,
    task_keys: list[str],
    start_date: date,
    review_date: date | None,
) -> Goal:
    """Start practising something: an active goal, last in the leader's order."""
    goal = Goal(
        owner_id=user.id,
        start_date=start_date,
        review_date=review_date,
        status="active",
        position=_next_position(user),
        task_links=[GoalTask(task_key=key) for key in dict.fromkeys(task_keys)],
        status_changes=[GoalStatusChange(status="active")],
    )
    db.session.add(goal)
    db.session.flush()  # the goal has its id, for its seal and the caller
    seal_goal(user, goal, title=title.strip(), why=why.strip(), how_i_know=how_i_know.strip())
    return goal


@atomic()
def update_goal(
    user: User,
    goal: Goal,
    *,
    title: str,
    why: str,
    how_i_know: str,
    task_keys: list[str],
    start_date: date,
    review_date: date | None,
) -> None:
    """Save changes to what the goal is, not to its status (a shared goal's copy too)."""
    seal_goal(user, goal, title=title.strip(), why=why.strip(), how_i_know=how_i_know.strip())
    goal.start_date, goal.review_date = start_date, review_date
    goal.task_links = [GoalTask(task_key=key) for key in dict.fromkeys(task_keys)]
    goal.updated_at = utcnow()
    shared_copy.refresh_text(user, goal)


@atomic()
def set_status(user: User, goal: Goal, status: str) -> None:
    """Change the status and keep the date of the change; a goal made active again goes last."""
    if status == goal.status:
        return
    goal.status = status
    if status == "active":
        goal.position = _next_position(user)
    goal.status_changes.append(GoalStatusChange(status=status))
    goal.updated_at = utcnow()


@atomic()
def move(user: User, goal: Goal, direction: int) -> None:
    """Swap an active goal with its neighbour in the leader's order (-1 up, +1 down)."""
    active = goals_of(user, ("active",))
    index = next((i for i, g in enumerate(active) if g.id == goal.id), None)
    if index is None or not 0 <= index + direction < len(active):
        return
    # Renumber the whole list so equal positions (from older data) cannot trap a goal.
    active[index], active[index + direction] = active[index + direction], active[index]
    for position, each in enumerate(active, start=1):
        each.position = position


@atomic()
def delete_goal(user: User, goal: Goal) -> None:
    """Delete a goal with its check-ins and history (and a share's copy); linked entries
    stay, unlinked."""
    shared_copy.forget_copy_of(goal.id)
    db.session.delete(goal)


@atomic()
def add_check_in(user: User, goal: Goal, *, day: date, rating: int, note: str) -> CheckIn:
    """Record how well the leader practised the goal; a second check-in on the same day
    replaces the first (a double click or a change of mind is not a second data point)."""
    check_in = db.session.scalar(
        select(CheckIn).where(CheckIn.goal_id == goal.id, CheckIn.day == day).limit(1)
    )
    if check_in is None:
        check_in = CheckIn(goal_id=goal.id, day=day, rating=rating)
        db.session.add(check_in)
        db.session.flush()  # its id, for its seal
        kept = ""
    else:
        kept = open_check_ins(user, [check_in])[0].note
        check_in.rating = rating
    seal_note(user, check_in, note.strip() or kept)
    check_in.updated_at = utcnow()
    shared_copy.refresh_note(user, check_in)
    db.session.flush()
    return check_in


@atomic()
def update_check_in(user: User, check_in: CheckIn, *, day: date, rating: int, note: str) -> None:
    """Correct a check-in (and a shared goal's copy of its note)."""
    check_in.day, check_in.rating = day, rating
    seal_note(user, check_in, note.strip())
    check_in.updated_at = utcnow()
    shared_copy.refresh_note(user, check_in)


@atomic()
def delete_check_in(user: User, check_in: CheckIn) -> None:
    """Remove a check-in (and a share's copy of its note)."""
    shared_copy.forget_copy_of(check_in.goal_id)
    db.session.delete(check_in)


def check_in_rows(
    goal_ids: list[int],
    start: date | None = None,
    end: date | None = None,
    *,
    notes_of: User | None = None,
) -> dict[int, list[Row | CheckInRow]]:
    """Per goal, the id, day and rating of its check-ins, oldest first, in one query; with
    `start` and `end`, only those from `start` to `end`. With `notes_of` (the goals' owner,
    whose key is open), their notes too, opened.

    Plain rows, not `CheckIn` objects: pages only show check-ins, and a year of them on a few
    goals is many objects to build. The caller passes only goals the viewer may see.
    """
    result: dict[int, list] = {goal_id: [] for goal_id in goal_ids}
    if goal_ids:
        columns = [CheckIn.goal_id, CheckIn.id, CheckIn.day, CheckIn.rating]
        if notes_of is not None:
            columns += [CheckIn.sealed, CheckIn.plain_note]
        query = select(*columns).where(CheckIn.goal_id.in_(goal_ids))
        if start is not None and end is not None:
            query = query.where(CheckIn.day.between(start, end))
        rows = db.session.execute(query.order_by(CheckIn.day, CheckIn.id))
        for row in rows if notes_of is None else note_rows(notes_of, rows):
            result[row.goal_id].append(row)
    return result


def evidence_days_by_goal(
    user: User, goal_ids: list[int], start: date | None = None, end: date | None = None
) -> dict[int, list[date]]:
    """For each goal, the dates of the linked (undeleted) entries, in one query; with `start`
    and `end`, only those from `start` to `end` (both included)."""
    result: dict[int, list[date]] = {goal_id: [] for goal_id in goal_ids}
    if goal_ids:
        query = (
            select(EntryGoal.goal_id, Entry.entry_date)
            .join(Entry, Entry.id == EntryGoal.entry_id)
            .where(
                EntryGoal.goal_id.in_(goal_ids),
                Entry.belongs_to(user.id),
                Entry.deleted_at.is_(None),
            )
            .order_by(Entry.entry_date)
        )
        if start is not None and end is not None:
            query = query.where(Entry.entry_date.between(start, end))
        rows = db.session.execute(query)
        for goal_id, day in rows:
            result[goal_id].append(day)
    return result


def is_due(goal: Goal, check_ins: list[Row], today: date) -> bool:
    """An active goal is due a check-in when none has been made for DUE_AFTER_DAYS days
    (counted from the start date while there are none)."""
    if goal.status != "active":
        return False
    return today >= due_on(goal.start_date, check_ins[-1].day if check_ins else None)


@dataclass(frozen=True)
class Progress:
    """A goal's check-ins summed up: first and latest rating, counts, and whether it is due.

    The check-ins are rows of :func:`check_in_rows`, to read, not to change.
    """

    goal: Goal
    check_ins: list[Row]
    evidence_days: list[date]
    due: bool

    @property
    def first(self) -> Row | None:
        """The earliest check-in."""
        return self.check_ins[0] if self.check_ins else None

    @property
    def latest(self) -> Row | None:
        """The most recent check-in."""
        return self.check_ins[-1] if self.check_ins else None


def progress_of(
    user: User, goals: list[Goal], today: date, *, notes: bool = False
) -> list[Progress]:
    """Progress for each goal (with the check-ins' notes if asked for), in two queries
    whatever the number of goals."""
    ids = [goal.id for goal in goals]
    check_ins = check_in_rows(ids, notes_of=user if notes else None)
    evidence = evidence_days_by_goal(user, ids)
    return [
        Progress(
            goal, check_ins[goal.id], evidence[goal.id], is_due(goal, check_ins[goal.id], today)
        )
        for goal in goals
    ]


def goal_task_keys(user: User, statuses: tuple[str, ...] = ("active",)) -> dict[str, int]:
    """How many of the user's goals (of these statuses) carry each task."""
    rows = db.session.execute(
        select(GoalTask.task_key, func.count())
        .join(Goal, Goal.id == GoalTask.goal_id)
        .where(Goal.owner_id == user.id, Goal.status.in_(statuses))
        .group_by(GoalTask.task_key)
    )
    return dict(rows.all())
