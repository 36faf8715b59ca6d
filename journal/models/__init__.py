"""The database models, one module per domain."""

from journal.models.entry import Entry, EntryTask
from journal.models.user import LANGUAGES, User

__all__ = ["LANGUAGES", "Entry", "EntryTask", "User"]
