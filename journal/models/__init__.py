"""The database models, one module per domain."""

from journal.models.user import LANGUAGES, User

__all__ = ["LANGUAGES", "User"]
