"""Journal entries: reading and changing them, always on behalf of their owner."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort
from sqlalchemy import LargeBinary, case, delete, exists, func, select, tuple_, update
from sqlalchemy.orm import joinedload, selectinload

from journal.auth.keys import journal_key
from journal.crypto import NONCE_BYTES, CannotOpen
from journal.entries import search_cache
from journal.entries.search import Document, Hit, Query, rank, search
from journal.extensions import db
from journal.models import Entry, EntryGoal, EntryTask, Goal, User
from journal.models.user import utcnow

log = logging.getLogger(__name__)

TRASH_DAYS = 30
PAGE_SIZE = 30


class VersionConflict(Exception):
    """The entry was saved elsewhere (another tab) since this edit began."""

    def __init__(self, current: Entry):
        super().__init__(current.id)
        self.current = current


def today_for(user: User) -> date:
    """Today's date where the leader is."""
    return datetime.now(ZoneInfo(user.timezone)).date()


MAX_ID = 2**63 - 1


def open_entries(user: User, entries: Iterable[Entry]) -> list[Entry]:
    """Open the title and body of the user's `entries` with the user's key; return them.

    Every service that hands entries to a page or a file goes through here: the text exists
    in plain only in the memory of the request that belongs to the entry's owner.
    """
    key = journal_key(user)
    entries = list(entries)
    for entry in entries:
        text = _text_of(key, entry.id, entry.sealed, entry.plain_title, entry.plain_body)
        entry.open_text(*(text or ("", "")))
        entry.unreadable = text is None
    return entries


def _text_of(key, entry_id: int, sealed: bytes | None, plain_title: str, plain_body: str):
    """An entry's (title, body): opened, or as written before encryption (sealed at the
    owner's next login); None if the seal does not open (damaged or altered in the
    database): one such entry must not take every page down with it."""
    if sealed is None:
        return plain_title, plain_body
    try:
        return key.open_entry(entry_id, sealed)
    except CannotOpen:
        log.warning("Entry %s does not open with its owner's key", entry_id)
        return None


def seal_plaintext_entries(user: User, key) -> int:
    """Seal the entries the user wrote before encryption and erase their plain text."""
    rows = db.session.scalars(
        select(Entry).where(Entry.owner_id == user.id, Entry.sealed.is_(None))
    ).all()
    for entry in rows:
        entry.sealed = key.seal_entry(entry.id, entry.plain_title, entry.plain_body)
        entry.plain_title = entry.plain_body = ""
    return len(rows)


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


def plaintext_entry_counts() -> list[tuple[str, int]]:
    """(email, count) of every account that still has entries from before encryption."""
    return db.session.execute(
        select(User.email, func.count(Entry.id))
        .join(Entry, Entry.owner_id == User.id)
        .where(Entry.sealed.is_(None))
        .group_by(User.email)
        .order_by(User.email)
    ).all()


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
    entry.open_text(title.strip(), body)
    db.session.commit()
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
    cannot both succeed.
    """
    result = db.session.execute(
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
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.expire_all()
        raise VersionConflict(get_entry_for(user, entry.id))
    db.session.execute(delete(EntryTask).where(EntryTask.entry_id == entry.id))
    db.session.add_all(
        EntryTask(entry_id=entry.id, task_key=key) for key in dict.fromkeys(task_keys)
    )
    db.session.execute(delete(EntryGoal).where(EntryGoal.entry_id == entry.id))
    db.session.add_all(
        EntryGoal(entry_id=entry.id, goal_id=goal_id) for goal_id in own_goal_ids(user, goal_ids)
    )
    db.session.commit()
    db.session.expire_all()
    return get_entry_for(user, entry.id)


def own_goal_ids(user: User, goal_ids) -> list[int]:
    """Those of `goal_ids` that are the user's own goals: an entry never links elsewhere."""
    wanted = [g for g in dict.fromkeys(goal_ids) if isinstance(g, int) and 0 < g <= MAX_ID]
    if not wanted:
        return []
    owned = set(
        db.session.scalars(select(Goal.id).where(Goal.id.in_(wanted), Goal.owner_id == user.id))
    )
    return [goal_id for goal_id in wanted if goal_id in owned]


def set_starred(user: User, entry: Entry, starred: bool) -> None:
    """Mark or unmark an entry as a key reflection (does not count as an edit)."""
    entry.starred = starred
    db.session.commit()


def trash_entry(user: User, entry: Entry) -> None:
    """Move an entry to the trash, restorable for TRASH_DAYS days."""
    entry.deleted_at = utcnow()
    db.session.commit()


def restore_entry(user: User, entry: Entry) -> None:
    """Take an entry back out of the trash."""
    entry.deleted_at = None
    db.session.commit()


def delete_forever(user: User, entry: Entry) -> None:
    """Delete a trashed entry for good."""
    db.session.delete(entry)
    db.session.commit()


def purge_trash(user: User | None = None, now: datetime | None = None) -> int:
    """Delete entries that have been in the trash longer than TRASH_DAYS; return how many."""
    cutoff = (now or utcnow()) - timedelta(days=TRASH_DAYS)
    statement = delete(Entry).where(Entry.deleted_at.is_not(None), Entry.deleted_at < cutoff)
    if user is not None:
        statement = statement.where(Entry.owner_id == user.id)
    count = db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return count


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


def journaling_days(user: User, since: date) -> set[date]:
    """The dates since `since` on which the user wrote at least one (undeleted) entry."""
    return set(
        db.session.scalars(
            select(Entry.entry_date)
            .where(Entry.owner_id == user.id, Entry.deleted_at.is_(None), Entry.entry_date >= since)
            .distinct()
        )
    )


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
        text = _text_of(key, entry_id, sealed, plain_title, plain_body)
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


def _filtered(user: User, filters: EntryFilter):
    """The user's undeleted entries narrowed by `filters`."""
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
    query = _filtered(user, filters).with_only_columns(*_LISTED_COLUMNS)
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


def search_entries(user: User, filters: EntryFilter, query: Query) -> list[Hit]:
    """The user's entries allowed by `filters` that match `query`, best first.

    Text search happens in the application (the database holds the text sealed), over the
    leader's kept index and, beside it, the entries changed since it was built: see
    `search_cache`. Costs three queries when the index is current, four or five otherwise.
    """
    if not query:
        return []
    key = journal_key(user)
    indexes = search_cache.indexes()
    rows = db.session.execute(
        _filtered(user, filters).with_only_columns(Entry.id, Entry.entry_date, _SEAL_NONCE)
    ).all()
    index = indexes.get(key)
    changed = index.changed(rows) if index is not None else None
    if changed is None or len(changed) > search_cache.REBUILD_AFTER:
        index = indexes.build(key, *_all_documents(user, key))
        changed = index.changed(rows)
    places = index.places
    keys = {
        places[entry_id]: (day, entry_id)
        for entry_id, day, _nonce in rows
        if entry_id in places and entry_id not in changed
    }
    hits = index.corpus.search(query, keys)
    if changed:
        hits += search(_documents(user, key, Entry.id.in_(changed)), query)
    return rank(hits)


# The nonce of an entry's seal (after the format byte): new with every save.
_SEAL_NONCE = func.substr(Entry.sealed, 2, NONCE_BYTES, type_=LargeBinary)


def _documents(user: User, key, *where) -> list[Document]:
    """The opened text of the user's live entries that match `where`."""
    rows = db.session.execute(
        select(Entry.id, Entry.entry_date, Entry.sealed, Entry.plain_title, Entry.plain_body).where(
            Entry.owner_id == user.id, Entry.deleted_at.is_(None), *where
        )
    )
    documents = []
    for entry_id, day, sealed, plain_title, plain_body in rows:
        if text := _text_of(key, entry_id, sealed, plain_title, plain_body):
            documents.append(Document(entry_id, *text, key=(day, entry_id)))
    return documents


def _all_documents(user: User, key) -> tuple[list[Document], dict[int, bytes]]:
    """The opened text of all the user's sealed live entries, and every such entry's nonce."""
    rows = db.session.execute(
        select(Entry.id, Entry.entry_date, Entry.sealed).where(
            Entry.owner_id == user.id, Entry.deleted_at.is_(None), Entry.sealed.is_not(None)
        )
    )
    documents, nonces = [], {}
    for entry_id, day, sealed in rows:
        nonces[entry_id] = sealed[1 : 1 + NONCE_BYTES]
        if text := _text_of(key, entry_id, sealed, "", ""):
            documents.append(Document(entry_id, *text, key=(day, entry_id)))
    return documents, nonces


def entries_by_ids(user: User, ids: list[int]) -> list[ListedEntry]:
    """The user's entries with these ids, in the order given, as the list shows them."""
    if not ids:
        return []
    rows = db.session.execute(
        select(*_LISTED_COLUMNS).where(
            Entry.owner_id == user.id, Entry.id.in_(ids), Entry.deleted_at.is_(None)
        )
    ).all()
    by_id = {entry.id: entry for entry in _listed(user, rows)}
    return [by_id[entry_id] for entry_id in ids if entry_id in by_id]
