"""Rows whose text only their owner can read: goals, check-ins and saved reviews.

Their text fields are stored together in one `sealed` column, encrypted with the owner's
data key (`JournalKey.seal_fields`, bound to the table, the row and the owner). The plain
columns (`plain_<field>`) hold text written before encryption existed, until the owner's
next log-in seals it (`journal/auth/keys.py`); they are empty for every sealed row. The
services open a row's text for its owner, in the owner's own request, into plain
attributes (`goal.title`), as entries are opened.
"""

import logging
from typing import Protocol

from sqlalchemy import event, func, or_

from journal.crypto import CannotOpen

log = logging.getLogger(__name__)


class TextNotOpened(RuntimeError):
    """A sealed text was read before its owner's key opened it (a bug, never a page).

    Not an AttributeError, which a template would quietly render as nothing.
    """


class Key(Protocol):
    """What sealing needs of a journal key (`journal.journal_key.JournalKey`)."""

    def seal_fields(self, table: str, row_id: int, values: dict[str, str]) -> bytes: ...

    def open_fields(self, table: str, row_id: int, sealed: bytes) -> dict[str, str]: ...


class SealedText:
    """A mixin for a model with a `sealed` column and `plain_<field>` columns of TEXT_FIELDS."""

    TEXT_FIELDS: tuple[str, ...] = ()
    unreadable = False  # set (not stored) when the seal did not open

    @classmethod
    def waiting_to_be_sealed(cls):
        """SQL: the row has text to seal. Not sealed yet, or sealed and then written in the
        plain columns by a server of the earlier release while an upgrade rolls through the
        servers (that write is the newer one: its form showed the plain columns, empty)."""
        return or_(
            cls.sealed.is_(None),
            *(func.coalesce(getattr(cls, f"plain_{name}"), "") != "" for name in cls.TEXT_FIELDS),
        )

    def plain_text(self) -> dict[str, str]:
        """The text as written before encryption (empty strings once sealed)."""
        return {name: getattr(self, f"plain_{name}") or "" for name in self.TEXT_FIELDS}

    def seal_text(self, key: Key, **values: str) -> None:
        """Seal `values` (every text field) for this row, which has its id, and empty the
        plain columns; the row stays open with these values."""
        self.sealed = key.seal_fields(self.__tablename__, self.id, values)
        for name in self.TEXT_FIELDS:
            setattr(self, f"plain_{name}", "")
        self.open_text(values)

    def open_with(self, key: Key) -> None:
        """Open the row's text with its owner's key (the plain text, if not sealed yet)."""
        values = self.text_of(key, self.id, self.sealed, self.plain_text())
        self.unreadable = values is None
        self.open_text(values or dict.fromkeys(self.TEXT_FIELDS, ""))

    @classmethod
    def text_of(
        cls, key: Key, row_id: int, sealed: bytes | None, plain: dict[str, str]
    ) -> dict[str, str] | None:
        """A row's text fields: opened, or as written before encryption (`plain`); None if
        the seal does not open (damaged or altered): one such row must not take a page down."""
        if sealed is None:
            return plain
        try:
            values = key.open_fields(cls.__tablename__, row_id, sealed)
        except CannotOpen:
            log.warning("%s %s does not open with its owner's key", cls.__name__, row_id)
            return None
        return {name: str(values.get(name, "")) for name in cls.TEXT_FIELDS}

    def open_text(self, values: dict[str, str]) -> None:
        """Give the row the text its current seal holds, opened by the caller."""
        self.__dict__["_text"] = (self.__dict__.get("sealed"), values)

    @property
    def is_open(self) -> bool:
        """Whether the text has been opened (and not reloaded under another seal since)."""
        return "_text" in self.__dict__

    def opened(self, name: str) -> str:
        """One opened text field."""
        try:
            return self.__dict__["_text"][1][name]
        except KeyError:
            raise TextNotOpened(f"{type(self).__name__} {self.id}: {name}") from None


def text_field(name: str, doc: str) -> property:
    """A read-only attribute for an opened text field of a `SealedText` row."""
    return property(lambda row: row.opened(name), doc=doc)


@event.listens_for(SealedText, "refresh", propagate=True)
def _forget_stale_text(row: SealedText, _context, _attributes) -> None:
    """Reloaded from the database with another seal, the opened text is stale: forget it.

    (Expiry alone, as at every commit, keeps it: the same seal holds the same text.)
    """
    opened = row.__dict__.get("_text")
    if opened is not None and opened[0] != row.__dict__.get("sealed"):
        del row.__dict__["_text"]
