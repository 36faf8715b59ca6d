"""The journal list: a leader's entries newest first, narrowed by filters, a keyset page at a
time, read as plain rows (what a list shows, no more)."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, select, tuple_

from journal.entries.sealing import open_entries, text_of
from journal.extensions import db
from journal.journal_key import journal_key
from journal.models import Entry, EntryGoal, EntryTask, User

PAGE_SIZE = 30
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class EntryFilter:
    """What the journal list is narrowed to; every part optional, all combined."""

    task_keys: tuple[str, ...] = ()  # any of these tasks (a theme is its three tasks)
    goal_id: int | None = None
    starred: bool = False
    date_from: date | None = None
    date_to: date | None = None
    entry_ids: tuple[int, ...] | None = None  # e.g. the hits of a text search


@dataclass(frozen=True)
class Cursor:
    """A position in the list: the (date, id) of an entry; pages continue after it."""

    entry_date: date
    entry_id: int

    def __str__(self) -> str:
        return f"{self.entry_date.isoformat()}.{self.entry_id}"

    @classmethod
    def parse(cls, text: str | None) -> "Cursor | None":
        """Read a cursor from the URL; anything malformed means "from the start"."""
        try:
            day, entry_id = (text or "").split(".")
            cursor = cls(date.fromisoformat(day), int(entry_id))
        except ValueError:
            return None
        return cursor if 0 < cursor.entry_id <= MAX_ID else None


@dataclass(slots=True)
class ListedEntry:
    """An entry as the journal list shows it, read-only: what the list needs, from plain
    rows. Thirty ORM entries with their tag objects cost a page about a millisecond more."""

    id: int
    entry_date: date
    starred: bool
    title: str
    body: str
    unreadable: bool
    task_keys: list[str] = field(default_factory=list)


_LISTED_COLUMNS = (
    Entry.id,
    Entry.entry_date,
    Entry.starred,
    Entry.sealed,
    Entry.plain_title,
    Entry.plain_body,
)


def _listed(user: User, rows) -> list[ListedEntry]:
    """`rows` of `_LISTED_COLUMNS` opened with the user's key, with their tags (one query)."""
    key = journal_key(user)
    entries = []
    for entry_id, day, starred, sealed, plain_title, plain_body in rows:
        text = text_of(key, entry_id, sealed, plain_title, plain_body)
        title, body = text or ("", "")
        entries.append(ListedEntry(entry_id, day, starred, title, body, text is None))
    if entries:
        by_id = {entry.id: entry for entry in entries}
        tags = db.session.execute(
            select(EntryTask.entry_id, EntryTask.task_key)
            .where(EntryTask.entry_id.in_(by_id))
            .order_by(EntryTask.task_key)
        )
        for entry_id, task_key in tags:
            by_id[entry_id].task_keys.append(task_key)
    return entries


@dataclass
class Page:
    """One page of the list, newest first, with cursors to the pages around it."""

    entries: list[ListedEntry] = field(default_factory=list)
    older: Cursor | None = None
    newer: Cursor | None = None


def filtered(user: User, filters: EntryFilter):
    """The user's undeleted entries narrowed by `filters` (a query to add columns to)."""
    query = select(Entry).where(Entry.owner_id == user.id, Entry.deleted_at.is_(None))
    if filters.task_keys:
        query = query.where(
            exists().where(
                EntryTask.entry_id == Entry.id, EntryTask.task_key.in_(filters.task_keys)
            )
        )
    if filters.goal_id is not None:
        query = query.where(
            exists().where(EntryGoal.entry_id == Entry.id, EntryGoal.goal_id == filters.goal_id)
        )
    if filters.starred:
        query = query.where(Entry.starred)
    if filters.date_from:
        query = query.where(Entry.entry_date >= filters.date_from)
    if filters.date_to:
        query = query.where(Entry.entry_date <= filters.date_to)
    if filters.entry_ids is not None:
        query = query.where(Entry.id.in_(filters.entry_ids))
    return query


def list_entries(
    user: User,
    filters: EntryFilter,
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """A page of entries newest first, after (older than) or before (newer than) a cursor.

    Keyset pagination: every page is one index range scan, as fast on page 200 as on page 1.
    """
    key = tuple_(Entry.entry_date, Entry.id)
    query = filtered(user, filters).with_only_columns(*_LISTED_COLUMNS)
    if before is not None:
        query = query.where(key > tuple_(before.entry_date, before.entry_id))
        query = query.order_by(Entry.entry_date.asc(), Entry.id.asc())
    else:
        if after is not None:
            query = query.where(key < tuple_(after.entry_date, after.entry_id))
        query = query.order_by(Entry.entry_date.desc(), Entry.id.desc())
    rows = db.session.execute(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if before is not None:
        rows.reverse()
    page = Page(entries=_listed(user, rows))
    if rows:
        first, last = (
            Cursor(page.entries[0].entry_date, page.entries[0].id),
            Cursor(page.entries[-1].entry_date, page.entries[-1].id),
        )
        if before is not None:  # came back from an older page: older ones exist
            page.older, page.newer = last, first if more else None
        else:  # a cursor to start after means newer ones exist
            page.older, page.newer = last if more else None, first if after else None
    return page


def recent_entries(user: User, limit: int = 5) -> list[ListedEntry]:
    """The user's latest entries: the first lines of the journal list."""
    return list_entries(user, EntryFilter(), limit=limit).entries


def entries_by_ids(user: User, ids: list[int]) -> list[ListedEntry]:
    """The user's entries with these ids, in the order given, as the list shows them."""
    if not ids:
        return []
    rows = db.session.execute(
        select(*_LISTED_COLUMNS).where(
            # "+ 0": the owner is checked on the rows found by id, not used to find them.
            # Otherwise SQLite walks the owner's index, every one of the leader's entries
            # (3.5 ms at 20,000), instead of looking up the page's 30 by primary key.
            Entry.owner_id + 0 == user.id,
            Entry.id.in_(ids),
            Entry.deleted_at.is_(None),
        )
    ).all()
    by_id = {entry.id: entry for entry in _listed(user, rows)}
    return [by_id[entry_id] for entry_id in ids if entry_id in by_id]


def linked_entries(user: User, goal_id: int) -> list[Entry]:
    """The user's (undeleted) entries linked to one of the user's goals, newest first: the
    reflections a goal page lists as evidence of practice (title, date and star, so without
    their tasks)."""
    return open_entries(
        user,
        db.session.scalars(
            select(Entry)
            .join(EntryGoal, EntryGoal.entry_id == Entry.id)
            .where(
                EntryGoal.goal_id == goal_id, Entry.belongs_to(user.id), Entry.deleted_at.is_(None)
            )
            .order_by(Entry.entry_date.desc(), Entry.id.desc())
        ),
    )
