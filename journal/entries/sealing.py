"""Opening a leader's sealed entries: the one place where entry text becomes readable.

Every service that hands entries to a page or a file goes through here, with the owner's
key open in the owner's own request: the text exists in plain only in that request's memory.
Sealing itself is the journal key's (`journal/journal_key.py`); entries written before
encryption existed are sealed at their owner's next log-in (`journal/auth/keys.py`).
"""

import logging
from collections.abc import Iterable

from journal.crypto import CannotOpen
from journal.journal_key import JournalKey, journal_key
from journal.models import Entry, User

log = logging.getLogger(__name__)


def open_entries(user: User, entries: Iterable[Entry]) -> list[Entry]:
    """Open the title and body of the user's `entries` with the user's key; return them."""
    key = journal_key(user)
    entries = list(entries)
    for entry in entries:
        text = text_of(key, entry.id, entry.sealed, entry.plain_title, entry.plain_body)
        entry.open_text(*(text or ("", "")))
        entry.unreadable = text is None
    return entries


def text_of(
    key: JournalKey, entry_id: int, sealed: bytes | None, plain_title: str, plain_body: str
) -> tuple[str, str] | None:
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
