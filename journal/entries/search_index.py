"""Searching a leader's journal: the search index, kept between requests in this process
and kept sealed, and `search_entries`, which uses it.

To search, the application must open every entry: 5,000 entries cost about 40 ms to load and
open and 10 ms more to join and fold, before a word is matched. Most searches follow one
another with no entry changed in between, so the first one builds an index (`Corpus`) of all
the leader's entries and keeps it here, its folded text and its original text sealed under the
leader's data key. AES-GCM opens the 3 MB of a 5,000-entry index in under a millisecond.
Between requests this process holds the index only sealed: a request can use it only when
it has the leader's key open, exactly as with the entries in the database.

Each search checks the index against the database (see `search_entries`): it selects
the id, date and seal nonce of the entries the filters allow, no text. Every save seals with
a fresh random nonce, so an entry whose nonce is not the one indexed is new or changed; those
are opened from the database and searched beside the index, until more than `REBUILD_AFTER`
differ and the index is built again. Entries deleted since are not among those selected.

Indexes are per process (each gunicorn worker keeps its own) and bounded in bytes
(`SEARCH_INDEX_MB`); the least recently used goes first. Logging out drops the leader's.
"""

from __future__ import annotations

import logging
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_login import user_logged_out
from sqlalchemy import LargeBinary, func, select

from journal.crypto import NONCE_BYTES, CannotOpen
from journal.entries.listing import EntryFilter, filtered
from journal.entries.sealing import text_of
from journal.entries.search import Corpus, Document, Hit, Query, rank, search
from journal.extensions import db
from journal.journal_key import JournalKey, journal_key
from journal.models import Entry, User

log = logging.getLogger(__name__)

# More changed entries than this since the index was built, and it is built again.
REBUILD_AFTER = 64
# Roughly what one entry costs besides its text: its nonce, id and place.
ENTRY_OVERHEAD = 120


@dataclass(frozen=True, eq=False)
class OpenIndex:
    """A leader's index, opened for one request."""

    nonces: dict[int, bytes]  # entry id → nonce of the seal indexed (entries that did not open too)
    places: dict[int, int]  # entry id → its place in the corpus
    corpus: Corpus

    def changed(self, rows: Iterable[tuple]) -> set[int]:
        """The ids among `rows` (id, date, nonce) not in the index as they are now.

        An entry from before encryption (nonce None) is never indexed: it is read as it is.
        """
        nonces = self.nonces
        return {row[0] for row in rows if row[2] is None or nonces.get(row[0]) != row[2]}


@dataclass(frozen=True, eq=False)
class _Sealed:
    nonces: dict[int, bytes]
    ids: array
    ends: array
    folded: bytes  # sealed
    text: bytes  # sealed, UTF-8

    @property
    def size(self) -> int:
        return len(self.folded) + len(self.text) + ENTRY_OVERHEAD * len(self.nonces)


class SearchIndexes:
    """The sealed indexes of this process, least recently used first out past `max_bytes`."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._sealed: OrderedDict[int, _Sealed] = OrderedDict()
        self._bytes = 0

    @property
    def size(self) -> int:
        """The bytes held now."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._sealed)

    def get(self, key: JournalKey) -> OpenIndex | None:
        """The leader's index opened with `key`, or None if there is none that opens."""
        with self._lock:
            sealed = self._sealed.get(key.user_id)
            if sealed is not None:
                self._sealed.move_to_end(key.user_id)
        if sealed is None:
            return None
        try:
            folded = key.open_index("folded", sealed.folded)
        except CannotOpen:
            # Sealed under a data key the leader no longer has (a new journal was started).
            self.forget(key.user_id)
            return None

        def text() -> str:
            return key.open_index("text", sealed.text).decode()

        ids = sealed.ids.tolist()
        corpus = Corpus(ids, sealed.ends.tolist(), folded, text)
        return OpenIndex(sealed.nonces, {entry_id: i for i, entry_id in enumerate(ids)}, corpus)

    def build(
        self, key: JournalKey, documents: list[Document], nonces: dict[int, bytes]
    ) -> OpenIndex:
        """An index of `documents`, kept sealed with `key` and returned open.

        `nonces` holds the nonce of every entry the index covers, `documents` those that
        opened.
        """
        corpus = Corpus.of(documents)
        if self.max_bytes > 0:
            self._keep(
                key.user_id,
                _Sealed(
                    nonces=nonces,
                    ids=array("q", corpus.ids),
                    ends=array("q", corpus.ends),
                    folded=key.seal_index("folded", corpus.folded),
                    text=key.seal_index("text", corpus.text.encode()),
                ),
            )
        places = {entry_id: i for i, entry_id in enumerate(corpus.ids)}
        return OpenIndex(nonces, places, corpus)

    def forget(self, user_id: int) -> None:
        """Drop the leader's index (at logout: the next search builds it again)."""
        with self._lock:
            sealed = self._sealed.pop(user_id, None)
            if sealed is not None:
                self._bytes -= sealed.size

    def _keep(self, user_id: int, sealed: _Sealed) -> None:
        with self._lock:
            old = self._sealed.pop(user_id, None)
            if old is not None:
                self._bytes -= old.size
            if sealed.size > self.max_bytes:
                log.info("The search index of user %s is larger than SEARCH_INDEX_MB", user_id)
                return
            self._sealed[user_id] = sealed
            self._bytes += sealed.size
            while self._bytes > self.max_bytes:
                _, dropped = self._sealed.popitem(last=False)
                self._bytes -= dropped.size


def init_app(app) -> None:
    """Give the app its (empty) search indexes, and drop a leader's at logout (the next
    search builds it again): Flask-Login's signal, so that logging out needs no word of
    search."""
    app.extensions["search_indexes"] = SearchIndexes(app.config["SEARCH_INDEX_MB"] * 1024 * 1024)
    user_logged_out.connect(_forget_at_logout, app)


def _forget_at_logout(app, user=None) -> None:
    if user is not None and user.is_authenticated:
        app.extensions["search_indexes"].forget(user.id)


def indexes() -> SearchIndexes:
    """This application's search indexes."""
    return current_app.extensions["search_indexes"]


def search_entries(user: User, filters: EntryFilter, query: Query) -> list[Hit]:
    """The user's entries allowed by `filters` that match `query`, best first.

    Text search happens in the application (the database holds the text sealed), over the
    leader's kept index and, beside it, the entries changed since it was built. Costs three
    queries when the index is current, four or five otherwise.
    """
    if not query:
        return []
    key = journal_key(user)
    kept = indexes()
    rows = db.session.execute(
        filtered(user, filters).with_only_columns(Entry.id, Entry.entry_date, _SEAL_NONCE)
    ).all()
    index = kept.get(key)
    changed = index.changed(rows) if index is not None else None
    if changed is None or len(changed) > REBUILD_AFTER:
        index = kept.build(key, *_all_documents(user, key))
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


def _documents(user: User, key: JournalKey, *where) -> list[Document]:
    """The opened text of the user's live entries that match `where`."""
    rows = db.session.execute(
        select(Entry.id, Entry.entry_date, Entry.sealed, Entry.plain_title, Entry.plain_body).where(
            Entry.owner_id == user.id, Entry.deleted_at.is_(None), *where
        )
    )
    documents = []
    for entry_id, day, sealed, plain_title, plain_body in rows:
        if text := text_of(key, entry_id, sealed, plain_title, plain_body):
            documents.append(Document(entry_id, *text, key=(day, entry_id)))
    return documents


def _all_documents(user: User, key: JournalKey) -> tuple[list[Document], dict[int, bytes]]:
    """The opened text of all the user's sealed live entries, and every such entry's nonce."""
    rows = db.session.execute(
        select(Entry.id, Entry.entry_date, Entry.sealed).where(
            Entry.owner_id == user.id, Entry.deleted_at.is_(None), Entry.sealed.is_not(None)
        )
    )
    documents, nonces = [], {}
    for entry_id, day, sealed in rows:
        nonces[entry_id] = sealed[1 : 1 + NONCE_BYTES]
        if text := text_of(key, entry_id, sealed, "", ""):
            documents.append(Document(entry_id, *text, key=(day, entry_id)))
    return documents, nonces
