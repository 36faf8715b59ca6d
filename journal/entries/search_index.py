"""Searching a leader's journal: the search index, kept sealed in the database, and
`search_entries`, which answers from it.

The database holds every entry's text sealed, so it cannot search it. Scanning the opened
text costs what the journal costs (20,000 entries: about 45 ms for a common word), so each
leader has an inverted index instead (`search_postings`: words → the entries they are in),
whose cost follows the answer. It lives in four tables (journal/models/search.py), every
block sealed with the leader's data key, so it survives restarts and every server shares it,
and nothing of it is readable on disk or kept in a process between requests:

* the shards: the words of the buckets (first letters) that a keyed hash sends to each of
  `SHARDS` numbers, padded to whole KiB; a query opens only its words' shards;
* the meta: which entry and day each slot holds, and the version each shard was sealed at
  (bound into the shard's seal, so that an old shard put back does not open);
* the deltas: one per entry saved since the last compaction (`note_saved`, in the saving
  transaction), read beside the shards;
* the gone ids: entries deleted for good (`note_gone`, plain ids: the trash is purged by a
  job without keys).

Trashing and restoring write nothing here: a search leaves out the trash (an index of the
trashed entries makes that cheap) and the gone ids. When more than `COMPACT_AFTER` deltas
have gathered, the search that finds them folds them into the shards they touch and writes
those back (`compact`). The index is built again from the entries (opening every one, once)
when there is none yet (a leader's first search), when a block does not open (damaged, or
sealed under a data key the leader no longer has), when entries were deleted for good (so
that their words leave the index too), or when a quarter of the slots hold superseded
versions.

Two servers that compact or build at once: each writes only if the index is still the one it
read (the meta's generation, or no meta at all); the other keeps its answer and writes
nothing.
"""

from __future__ import annotations

import logging
from array import array
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    BigInteger,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from journal.crypto import CannotOpen
from journal.database import atomic
from journal.entries.listing import EntryFilter, filtered
from journal.entries.sealing import text_of
from journal.entries.search import Query
from journal.entries.search_postings import (
    Delta,
    Meta,
    PageHit,
    Results,
    Shard,
    Source,
    build,
    compact,
    search_page,
    shards_for,
    touched_shards,
)
from journal.extensions import db
from journal.journal_key import JournalKey, journal_key
from journal.models import Entry, SearchDelta, SearchGone, SearchMeta, SearchShard, User

__all__ = ["PageHit", "Results", "forget", "note_gone", "note_saved", "search_entries"]

log = logging.getLogger(__name__)

SHARDS = 256
# Deltas read beside the shards before a search folds them in: each is an entry's words.
COMPACT_AFTER = 32
# Deltas gathered (saves with no search since) past this, and the index is dropped, to be
# built again at the next search: a search never reads and opens them without bound.
MAX_DELTAS = 4 * COMPACT_AFTER
# Superseded slots (earlier versions of edited entries) past this share of the live ones,
# and the index is built again.
DEAD_SHARE = 4
# Shards and deltas are padded to a multiple of these many bytes, so that their sizes say
# less about their words.
PAD = 1024
DELTA_PAD = 256

_META, _DELTA = -1, -2  # what a row of `_read` is, beside the shards' numbers
_META_MAGIC = b"LJI\x01"  # the meta's seal: magic, each shard's generation, then `Meta`


@dataclass
class _Index:
    """A leader's index as read for one search: the meta, the shards read, the deltas."""

    generation: int  # the meta row's, for compare-and-swap
    meta: Meta
    shard_generations: array  # per shard, the generation it was sealed at
    shards: dict[int, Shard]
    deltas: list[Delta]
    delta_ids: list[int]  # the rows of the deltas read, to delete once folded in


class _Damaged(Exception):
    """A block of the index that is missing or does not open: build it again."""


# --- Searching -------------------------------------------------------------------------

# Built once: a search runs them with the owner (and its shards) as parameters, and making
# the statement objects anew cost more than running them.
_OWNER = bindparam("owner")
_BLOCKS = union_all(
    select(literal(_META), SearchMeta.generation, SearchMeta.sealed).where(
        SearchMeta.owner_id == _OWNER
    ),
    select(SearchShard.shard, literal(0), SearchShard.sealed).where(
        SearchShard.owner_id == _OWNER,
        SearchShard.shard.in_(bindparam("wanted", expanding=True)),
    ),
    select(literal(_DELTA), SearchDelta.id, SearchDelta.sealed).where(
        SearchDelta.owner_id == _OWNER
    ),
)
_HIDDEN = union_all(
    select(literal(False), Entry.id).where(Entry.owner_id == _OWNER, Entry.deleted_at.is_not(None)),
    select(literal(True), SearchGone.entry_id).where(SearchGone.owner_id == _OWNER),
)


def search_entries(
    user: User, filters: EntryFilter, query: Query, *, offset: int = 0, limit: int = 30
) -> Results:
    """How many of the user's entries allowed by `filters` match `query`, and those ranked
    `offset` to `offset + limit`, best first (ranked as the scan in `tests/entries/scan.py`,
    to the last bit).

    Two statements when the index is current (its blocks and deltas; the trashed and gone
    ids), one more with filters; the entries themselves are not read.
    """
    if not query:
        return Results(0, [])
    key = journal_key(user)
    shard_of = key.index_shard_of(SHARDS)
    wanted = shards_for(query, shard_of)
    try:
        index = _read(user, key, wanted)
    except _Damaged:
        index = None
    trashed, gone = _hidden(user)
    hidden = trashed + gone
    if index is None or gone:
        index = _build(user, key, shard_of, index)
        hidden = trashed  # built from the entries as they are: a gone id given again is new
    elif len(index.deltas) > COMPACT_AFTER:
        index = _compact(user, key, shard_of, index)
    allowed = None
    if filters != EntryFilter():
        allowed = db.session.scalars(filtered(user, filters).with_only_columns(Entry.id)).all()
    return search_page(
        query,
        index.meta,
        index.shards,
        index.deltas,
        shard_of,
        hidden=hidden,
        allowed=allowed,
        offset=offset,
        limit=limit,
    )


def _read(user: User, key: JournalKey, wanted: set[int]) -> _Index | None:
    """The meta, the `wanted` shards and the deltas, opened, in one statement; None if there
    is no index yet."""
    blocks = db.session.execute(_BLOCKS, {"owner": user.id, "wanted": list(wanted)}).all()
    metas = [row for row in blocks if row[0] == _META]
    if not metas:
        return None
    _, generation, sealed = metas[0]
    meta, shard_generations = _open_meta(key, sealed)
    shards = {
        number: _open_shard(key, number, shard_generations, sealed)
        for number, _, sealed in blocks
        if number >= 0
    }
    if shards.keys() != wanted:
        raise _Damaged()  # every shard has a row from the first build on
    deltas = sorted((row for row in blocks if row[0] == _DELTA), key=lambda row: row[1])
    return _Index(
        generation,
        meta,
        shard_generations,
        shards,
        _open_deltas(key, deltas),
        [row[1] for row in deltas],
    )


def _read_deltas(user: User, key: JournalKey) -> tuple[list[Delta], list[int]]:
    rows = db.session.execute(
        select(SearchDelta.id, SearchDelta.sealed)
        .where(SearchDelta.owner_id == user.id)
        .order_by(SearchDelta.id)
    ).all()
    return _open_deltas(key, rows), [row[0] for row in rows]


def _open_deltas(key: JournalKey, rows) -> list[Delta]:
    try:
        return [Delta.decode(key.open_index("delta", row[-1])) for row in rows]
    except (CannotOpen, ValueError) as error:
        raise _Damaged() from error


def _hidden(user: User) -> tuple[list[int], list[int]]:
    """The ids of the user's trashed entries, and of those deleted for good since the index
    was built, in one statement: the few a search leaves out."""
    rows = db.session.execute(_HIDDEN, {"owner": user.id}).all()
    return [id_ for gone, id_ in rows if not gone], [id_ for gone, id_ in rows if gone]


def _gone(user: User) -> list[int]:
    return db.session.scalars(
        select(SearchGone.entry_id).where(SearchGone.owner_id == user.id)
    ).all()


# --- Keeping it current ------------------------------------------------------------------


def note_saved(key: JournalKey, entry_id: int, day: date, title: str, body: str) -> None:
    """An entry was saved (new or edited): its words go into a delta, in the saving
    transaction, if the leader has an index (a leader who never searched has none, and the
    first search builds it from the entries as they are then)."""
    owner = key.user_id
    _lock_index(owner, shared=True)
    delta = Delta.of(entry_id, day.toordinal(), title, body)
    sealed = _seal_delta(key, delta)
    has_index = exists().where(SearchMeta.owner_id == owner)
    db.session.execute(
        insert(SearchDelta).from_select(
            ["owner_id", "sealed"], select(literal(owner), literal(sealed)).where(has_index)
        )
    )
    kept = db.session.scalar(
        select(func.count()).select_from(SearchDelta).where(SearchDelta.owner_id == owner)
    )
    if kept > MAX_DELTAS:
        _forget(owner)  # many saves and no search: building again costs less than reading them
    # An id SQLite gives again after the entry that had it was deleted for good keeps its
    # gone row: the next search builds the index again, without the deleted entry's words.


def note_gone(*where) -> None:
    """The entries matching `where` are about to be deleted for good: keep their ids, so that
    searches leave them out until the next one builds the index without their words. Plain
    SQL, no key: the trash is also purged by a job."""
    already = exists().where(SearchGone.owner_id == Entry.owner_id, SearchGone.entry_id == Entry.id)
    # Two purges at once (the nightly job, the leader's trash page) may both see the same
    # expired entries: the second waits for the first's gone ids, then writes none.
    db.session.execute(
        _dialect()
        .insert(SearchGone)
        .from_select(
            ["owner_id", "entry_id"],
            select(Entry.owner_id, Entry.id).where(*where, ~already),
        )
        .on_conflict_do_nothing()
    )


def forget(user: User) -> None:
    """Drop the leader's index (their entries were replaced wholesale: an import, starting
    over); the next search builds it again."""
    _lock_index(user.id, shared=True)
    _forget(user.id)


def _forget(owner_id: int) -> None:
    for model in (SearchMeta, SearchShard, SearchDelta, SearchGone):
        db.session.execute(delete(model).where(model.owner_id == owner_id))


# --- Building and compacting -----------------------------------------------------------


def _build(user: User, key: JournalKey, shard_of, old: _Index | None) -> _Index:
    """The index of the user's entries as they are now, written unless another server wrote
    one meanwhile. Opens every entry: a leader's first search, and rarely after."""
    generation = old.generation if old is not None else _generation(user)  # None: no meta
    folded = db.session.scalars(
        select(SearchDelta.id).where(SearchDelta.owner_id == user.id)
    ).all()  # committed before the entries are read: the build has their saves
    gone = _gone(user)
    rows = db.session.execute(
        select(
            Entry.id,
            Entry.version,
            Entry.entry_date,
            Entry.sealed,
            Entry.plain_title,
            Entry.plain_body,
        ).where(Entry.owner_id == user.id)
    ).all()
    versions = {row[0]: row[1] for row in rows}
    sources = [
        Source(entry_id, day.toordinal(), *text)
        for entry_id, _version, day, sealed, title, body in rows
        if (text := text_of(key, entry_id, sealed, title, body)) is not None
    ]
    built, shards = build(sources, shard_of)
    built.generation = (generation or 0) + 1
    shards = {number: shards.get(number) or Shard.of({}, len(built)) for number in range(SHARDS)}
    generations = array("I", [built.generation]) * SHARDS
    index = _Index(built.generation, built, generations, shards, [], [])
    with atomic():
        _lock_index(user.id, shared=False)
        if not _swap_meta(user, key, generation, index):
            return index  # another server built it: this search uses its own
        db.session.execute(delete(SearchShard).where(SearchShard.owner_id == user.id))
        db.session.execute(
            insert(SearchShard),
            [
                {
                    "owner_id": user.id,
                    "shard": number,
                    "sealed": _seal_shard(key, number, built.generation, shard),
                }
                for number, shard in shards.items()
            ],
        )
        _delete_deltas(user, folded)
        if gone:
            db.session.execute(
                delete(SearchGone).where(
                    SearchGone.owner_id == user.id, SearchGone.entry_id.in_(gone)
                )
            )
        if old is None:
            _note_saved_while_building(user, key, versions)
    index.deltas, index.delta_ids = _read_deltas(user, key)
    return index


def _note_saved_while_building(user: User, key: JournalKey, versions: dict[int, int]) -> None:
    """Entries saved while the first index was being built wrote no delta (there was no
    index yet): those whose id or version the build did not read get one now. Called under
    `_lock_index`, so every save begun before it has committed (and is seen here), and every
    later one sees the new meta and writes its own delta. By version, not time: an import
    keeps the file's updated_at."""
    changed = [
        entry_id
        for entry_id, version in db.session.execute(
            select(Entry.id, Entry.version).where(Entry.owner_id == user.id)
        )
        if versions.get(entry_id) != version
    ]
    if not changed:
        return
    rows = db.session.execute(
        select(Entry.id, Entry.entry_date, Entry.sealed, Entry.plain_title, Entry.plain_body).where(
            Entry.owner_id == user.id, Entry.id.in_(changed)
        )
    )
    for entry_id, day, sealed, title, body in rows:
        if (text := text_of(key, entry_id, sealed, title, body)) is not None:
            delta = Delta.of(entry_id, day.toordinal(), *text)
            db.session.add(SearchDelta(owner_id=user.id, sealed=_seal_delta(key, delta)))


def _compact(user: User, key: JournalKey, shard_of, index: _Index) -> _Index:
    """Fold the deltas into the shards they touch and write those and the meta back; build
    the index again instead when too much of it is superseded."""
    touched = touched_shards(index.deltas, shard_of)
    missing = touched - index.shards.keys()
    shards = dict(index.shards)
    if missing:
        rows = db.session.execute(
            select(SearchShard.shard, SearchShard.sealed).where(
                SearchShard.owner_id == user.id, SearchShard.shard.in_(missing)
            )
        ).all()
        try:
            shards.update(
                (number, _open_shard(key, number, index.shard_generations, sealed))
                for number, sealed in rows
            )
            if len(rows) != len(missing):
                raise _Damaged()
        except _Damaged:
            if _generation(user) != index.generation:
                return index  # another server compacted since this one read: answer as read
            return _build(user, key, shard_of, index)
    meta, changed = compact(index.meta, shards, index.deltas, (), shard_of)
    if len(meta.dead) * DEAD_SHARE > len(meta.live_ids):
        return _build(user, key, shard_of, index)
    generations = array("I", index.shard_generations)
    for number in changed:
        generations[number] = meta.generation
    shards.update(changed)
    compacted = _Index(meta.generation, meta, generations, shards, [], [])
    with atomic():
        if not _swap_meta(user, key, index.generation, compacted):
            return index  # another server compacted meanwhile: answer from what was read
        for number, shard in changed.items():
            db.session.execute(
                update(SearchShard)
                .where(SearchShard.owner_id == user.id, SearchShard.shard == number)
                .values(sealed=_seal_shard(key, number, meta.generation, shard))
            )
        _delete_deltas(user, index.delta_ids)
    compacted.deltas, compacted.delta_ids = _read_deltas(user, key)
    return compacted


def _delete_deltas(user: User, ids: list[int]) -> None:
    """Delete these deltas, and no other: ids are handed out at insert, not at commit, so a
    delta with a lower id than one read may have been committed since, unread."""
    for start in range(0, len(ids), 10_000):
        db.session.execute(
            delete(SearchDelta).where(
                SearchDelta.owner_id == user.id, SearchDelta.id.in_(ids[start : start + 10_000])
            )
        )


def _generation(user: User) -> int | None:
    """The stored meta's generation; None when there is no meta row."""
    return db.session.scalar(select(SearchMeta.generation).where(SearchMeta.owner_id == user.id))


def _swap_meta(user: User, key: JournalKey, generation: int | None, index: _Index) -> bool:
    """Write the new meta if the stored one is still at `generation` (None: there is none;
    a stored 0 is a generation like any other, or a meta that says 0 would never be
    replaced)."""
    sealed = key.seal_index(
        "meta", _META_MAGIC + index.shard_generations.tobytes() + index.meta.encode()
    )
    if generation is not None:
        return (
            db.session.execute(
                update(SearchMeta)
                .where(SearchMeta.owner_id == user.id, SearchMeta.generation == generation)
                .values(generation=index.generation, sealed=sealed)
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )
    inserted = db.session.execute(
        _dialect()
        .insert(SearchMeta)
        .values(owner_id=user.id, generation=index.generation, sealed=sealed)
        .on_conflict_do_nothing()
        .returning(SearchMeta.owner_id)
    )
    return inserted.scalar() is not None


# PostgreSQL advisory locks of this namespace (high 32 bits), one per leader (low 32 bits).
_LOCK_SPACE = 0x4C4A49  # "LJI"


def _lock_index(owner_id: int, *, shared: bool) -> None:
    """Order a leader's first index build against their saves, imports and starting over
    (PostgreSQL; SQLite writes one transaction at a time already): a save holds the shared
    lock until it commits, the build takes the exclusive one before it looks for saves it
    did not read, so a save is either seen by that look or sees the index and writes its
    delta. Until the transaction ends."""
    if db.engine.dialect.name != "postgresql":
        return
    lock = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
    db.session.execute(select(lock(cast(literal(_LOCK_SPACE << 32 | owner_id), BigInteger))))


def _dialect():
    """The dialect module whose `insert` has `on_conflict_do_nothing`."""
    return postgresql if db.engine.dialect.name == "postgresql" else sqlite


# --- Sealing -------------------------------------------------------------------------------


def _open_meta(key: JournalKey, sealed: bytes) -> tuple[Meta, array]:
    try:
        data = key.open_index("meta", sealed)
        if data[:4] != _META_MAGIC:
            raise ValueError("not a search index meta")
        generations = array("I")
        generations.frombytes(data[4 : 4 + 4 * SHARDS])
        return Meta.decode(data[4 + 4 * SHARDS :]), generations
    except (CannotOpen, ValueError) as error:
        raise _Damaged() from error


def _seal_shard(key: JournalKey, number: int, generation: int, shard: Shard) -> bytes:
    data = shard.encode()
    return key.seal_index(f"shard:{number}:{generation}", data + bytes(-len(data) % PAD))


def _seal_delta(key: JournalKey, delta: Delta) -> bytes:
    data = delta.encode()
    return key.seal_index("delta", data + bytes(-len(data) % DELTA_PAD))


def _open_shard(key: JournalKey, number: int, generations: array, sealed: bytes) -> Shard:
    try:
        data = key.open_index(f"shard:{number}:{generations[number]}", sealed)
        return Shard.decode(data)
    except (CannotOpen, ValueError, IndexError) as error:
        raise _Damaged() from error
