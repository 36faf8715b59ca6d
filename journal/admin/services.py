"""Queries for the administrator's pages: account facts only, never content."""

from sqlalchemy import select

from journal.extensions import db
from journal.models import User


def list_accounts() -> list[User]:
    """Every account, by name."""
    return list(db.session.scalars(select(User).order_by(User.name, User.id)))
