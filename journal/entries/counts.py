"""Counts over a leader's journal: reflections per task, the days written on. Numbers only,
for the leader's own overviews (the dashboard, the review); never shown to anyone else."""

from datetime import date

from sqlalchemy import case, func, select

from journal.extensions import db
from journal.models import Entry, EntryTask, User


def task_counts_since(user: User, since: date) -> dict[str, int]:
    """How many of the user's entries since `since` carry each task."""
    return task_counts_since_each(user, since)[0]


def task_counts_since_each(user: User, *dates: date) -> list[dict[str, int]]:
    """For each of `dates`, how many of the user's entries since then carry each task: one
    query however many dates (the dashboard wants two)."""
    counts = [func.sum(case((Entry.entry_date >= since, 1), else_=0)) for since in dates]
    rows = db.session.execute(
        select(EntryTask.task_key, *counts)
        .join(Entry, Entry.id == EntryTask.entry_id)
        .where(
            Entry.owner_id == user.id, Entry.deleted_at.is_(None), Entry.entry_date >= min(dates)
        )
        .group_by(EntryTask.task_key)
    ).all()
    return [{row[0]: row[i + 1] for row in rows if row[i + 1]} for i in range(len(dates))]


def task_counts_between(user: User, start: date, end: date) -> dict[str, int]:
    """Reflections per task from `start` to `end`, both included."""
    rows = db.session.execute(
        select(EntryTask.task_key, func.count())
        .join(Entry, Entry.id == EntryTask.entry_id)
        .where(
            Entry.owner_id == user.id,
            Entry.deleted_at.is_(None),
            Entry.entry_date.between(start, end),
        )
        .group_by(EntryTask.task_key)
    )
    return dict(rows.all())


def entry_count_between(user: User, start: date, end: date) -> int:
    """How many reflections the user wrote from `start` to `end`, both included."""
    return db.session.scalar(
        select(func.count())
        .select_from(Entry)
        .where(
            Entry.owner_id == user.id,
            Entry.deleted_at.is_(None),
            Entry.entry_date.between(start, end),
        )
    )


def journaling_days(user: User, since: date) -> set[date]:
    """The dates since `since` on which the user wrote at least one (undeleted) entry."""
    return set(
        db.session.scalars(
            select(Entry.entry_date)
            .where(Entry.owner_id == user.id, Entry.deleted_at.is_(None), Entry.entry_date >= since)
            .distinct()
        )
    )
