"""Security records: failed log-ins (for throttling) and administrators' actions (audit)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from journal.extensions import db
from journal.models.types import UTCDateTime
from journal.models.user import utcnow


class LoginFailure(db.Model):
    """One failed log-in, counted against a bucket: an account or a client address.

    Kept in the database so that every app process and server counts the same failures;
    rows older than the throttle's window are deleted as new ones come in.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_bucket_at", "bucket", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "account:<hash of the email>" or "address:<client address>"; never a password.
    bucket: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class AuditEvent(db.Model):
    """Something an administrator did to an account or a link: who, what, to whom, when.

    Names are copied in, so the record still reads after an account is gone. `detail` holds
    facts about the action (a role given, a link's manager), never anything a leader wrote.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject_name: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")
