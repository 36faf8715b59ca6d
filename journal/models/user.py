"""Accounts: leaders, their managers and administrators are all users."""

import secrets
from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, LargeBinary, String, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

from journal.extensions import db
from journal.models.types import UTCDateTime

LANGUAGES = ("da", "en")
DEFAULT_TIMEZONE = "Europe/Copenhagen"
MAX_NAME_LENGTH = 120
MAX_UNIT_LENGTH = 120
# The longest address SMTP carries (RFC 5321: a 256-octet path, less its angle brackets).
MAX_EMAIL_LENGTH = 254


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def new_session_token() -> str:
    """A fresh random session token for an account (256 bits)."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A person who can log in; `is_admin` manages accounts, never content."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("length(email) >= 3", name="email_length"),
        CheckConstraint("length(name) >= 1", name="name_length"),
        CheckConstraint("language IN ('da', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(MAX_EMAIL_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    # The leader's unit (e.g. "Dagtilbud Nord"), optional: the printed review's header.
    unit: Mapped[str | None] = mapped_column(String(MAX_UNIT_LENGTH))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    language: Mapped[str] = mapped_column(String(2), default="da", server_default="da")
    timezone: Mapped[str] = mapped_column(
        String(64), default=DEFAULT_TIMEZONE, server_default=DEFAULT_TIMEZONE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # The data key that seals the leader's entries is stored only wrapped, once per way the
    # journal opens (password, journal passphrase, passkeys, recovery key): UnlockFactor
    # rows (journal/models/unlock.py, journal/auth/keys.py). None until first unlock.
    recovery_key_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Moves on whenever the keys change; a session holds the key for one version only.
    key_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set when an administrator chose the password: the leader chooses their own at login.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Moves on at logout, a password change or reset and deactivation: a session is valid
    # for one version only, so each of those ends every session of the account, everywhere.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Random, and new whenever every session ends: the key that seals a session's journal key
    # is derived from it and the server's secret, so the secret alone opens no session.
    session_token: Mapped[str] = mapped_column(
        String(64), default=new_session_token, server_default=text("''")
    )
    # The key pair the browser seals drafts to (journal/entries/drafts.py), made at the
    # first writing page: the public key as base64 text, the private key only sealed with
    # the data key. Both NULL until then, and again once the keys are made anew.
    draft_public_key: Mapped[str | None] = mapped_column(String(100))
    draft_private_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)

    def __repr__(self) -> str:
        return f"<User {self.id}>"
