"""Journal entries: writing, reading and deleting them, always on behalf of their owner.

Reading one entry goes through `get_entry_for(user, id)`, the one access rule: never someone
else's, and a refusal is a 404. The list is `listing.py`, search `search_index.py`, counts
`counts.py`; opening sealed text is `sealing.py`.
"""

from datetime import date, datetime, timedelta

from flask import abort
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload, selectinload

from journal.database import atomic
from journal.entries import search_index
from journal.entries.sealing import open_entries
from journal.extensions import db
from journal.journal_key import journal_key
from journal.models import Entry, EntryGoal, EntryTask, Goal, User
from journal.models.user import utcnow

TRASH_DAYS = 30
MAX_ID = 2**63 - 1


class VersionConflict(Exception):
    """The entry was saved elsewhere (another tab) since this edit began."""

    def __init__(self, current: Entry):
        super().__init__(current.id)
        self.current = current


def find_entry_for(user: User, entry_id: int | None, *, trashed: bool = False) -> Entry | None:
    """The user's own entry (in the trash if `trashed`), or None: never someone else's."""
    if entry_id is None or not 0 < entry_id <= MAX_ID:
        return None
    # One query with its tags and goal links joined (a few rows), not three.
    entry = (
        db.session.scalars(
            select(Entry)
            .where(Entry.id == entry_id, Entry.owner_id == user.id)
            .where(Entry.deleted_at.is_not(None) if trashed else Entry.deleted_at.is_(None))
            .options(joinedload(Entry.task_links), joinedload(Entry.goal_links))
        )
        .unique()
        .first()
    )
    return open_entries(user, [entry])[0] if entry is not None else None


def get_entry_for(user: User, entry_id: int | None, *, trashed: bool = False) -> Entry:
    """The user's own entry (in the trash if `trashed`), else 404: the one access rule."""
    entry = find_entry_for(user, entry_id, trashed=trashed)
    if entry is None:
        abort(404)
    return entry


@atomic()
def create_entry(
    user: User,
    *,
    entry_date: date,
    title: str,
    body: str,
    task_keys: list[str],
    starred: bool = False,
    goal_ids: list[int] = (),
) -> Entry:
    """Save a new entry for `user`, linked to any of the user's own goals in `goal_ids`.

    The text is sealed with the entry's id, which exists only once the row does: the row
    is inserted with an empty seal and sealed in the same transaction.
    """
    sealer = journal_key(user)
    entry = Entry(
        owner_id=user.id,
        entry_date=entry_date,
        sealed=b"",
        starred=starred,
        task_links=[EntryTask(task_key=key) for key in dict.fromkeys(task_keys)],
        goal_links=[EntryGoal(goal_id=goal_id) for goal_id in own_goal_ids(user, goal_ids)],
    )
    db.session.add(entry)
    db.session.flush()
    entry.sealed = sealer.seal_entry(entry.id, title.strip(), body)
    search_index.note_saved(sealer, entry.id, entry_date, title.strip(), body)
    entry.open_text(title.strip(), body)
    return entry


def update_entry(
    user: User,
    entry: Entry,
    *,
    version: int,
    entry_date: date,
    title: str,
    body: str,
    task_keys: list[str],
    starred: bool,
    goal_ids: list[int] = (),
) -> Entry:
    """Save an edit made to `version`; raise VersionConflict if a newer one was saved since.

    The version check and the write are one UPDATE, so two tabs saving at the same moment
    cannot both succeed. Returns the entry as saved.
    """
    with atomic():
        saved = (
            db.session.execute(
                update(Entry)
                .where(
                    Entry.id == entry.id,
                    Entry.owner_id == user.id,
                    Entry.version == version,
                    Entry.deleted_at.is_(None),
                )
                .values(
                    entry_date=entry_date,
                    sealed=journal_key(user).seal_entry(entry.id, title.strip(), body),
                    starred=starred,
                    version=Entry.version + 1,
                    updated_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )
        if saved:
            search_index.note_saved(journal_key(user), entry.id, entry_date, title.strip(), body)
            db.session.execute(delete(EntryTask).where(EntryTask.entry_id == entry.id))
            db.session.add_all(
                EntryTask(entry_id=entry.id, task_key=key) for key in dict.fromkeys(task_keys)
            )
            db.session.execute(delete(EntryGoal).where(EntryGoal.entry_id == entry.id))
            db.session.add_all(
                EntryGoal(entry_id=entry.id, goal_id=goal_id)
                for goal_id in own_goal_ids(user, goal_ids)
            )
    db.session.expire_all()  # read back as saved, by whichever tab saved last
    current = get_entry_for(user, entry.id)
    if not saved:
        raise VersionConflict(current)
    return current


def own_goal_ids(user: User, goal_ids) -> list[int]:
    """Those of `goal_ids` that are the user's own goals: an entry never links elsewhere."""
    wanted = [g for g in dict.fromkeys(goal_ids) if isinstance(g, int) and 0 < g <= MAX_ID]
    if not wanted:
        return []
    owned = set(
        db.session.scalars(select(Goal.id).where(Goal.id.in_(wanted), Goal.owner_id == user.id))
    )
    return [goal_id for goal_id in wanted if goal_id in owned]


@atomic()
def set_starred(user: User, entry: Entry, starred: bool) -> None:
    """Mark or unmark an entry as a key reflection (does not count as an edit)."""
    entry.starred = starred


@atomic()
def trash_entry(user: User, entry: Entry) -> None:
    """Move an entry to the trash, restorable for TRASH_DAYS days."""
    entry.deleted_at = utcnow()


@atomic()
def restore_entry(user: User, entry: Entry) -> None:
    """Take an entry back out of the trash."""
    entry.deleted_at = None


@atomic()
def delete_forever(user: User, entry: Entry) -> None:
    """Delete a trashed entry for good."""
    search_index.note_gone(Entry.id == entry.id, Entry.owner_id == user.id)
    db.session.delete(entry)


@atomic()
def purge_trash(user: User | None = None, now: datetime | None = None) -> int:
    """Delete entries that have been in the trash longer than TRASH_DAYS; return how many."""
    cutoff = (now or utcnow()) - timedelta(days=TRASH_DAYS)
    expired = [Entry.deleted_at.is_not(None), Entry.deleted_at < cutoff]
    if user is not None:
        expired.append(Entry.owner_id == user.id)
    search_index.note_gone(*expired)
    statement = delete(Entry).where(*expired)
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def trashed_entries(user: User) -> list[Entry]:
    """The user's trash, most recently deleted first (after purging what has expired)."""
    purge_trash(user)
    trashed = db.session.scalars(
        select(Entry)
        .where(Entry.owner_id == user.id, Entry.deleted_at.is_not(None))
        .order_by(Entry.deleted_at.desc(), Entry.id.desc())
        .options(selectinload(Entry.task_links))
    )
    return open_entries(user, trashed)
