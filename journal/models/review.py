"""Saved reviews: the leader's notes before an appraisal, with a snapshot of the figures."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from journal.extensions import db
from journal.models.types import UTCDateTime
from journal.models.user import utcnow

MAX_REVIEW_TEXT = 10_000


class Review(db.Model):
    """A dated review of a period: summary notes and the figures as they were that day.

    The snapshot holds numbers, goal titles and entry ids, never entry text, so that entry
    text stays in one place (and can be encrypted there).
    """

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("period_start <= period_end", name="period_order"),
        Index("ix_reviews_owner", "owner_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    proud: Mapped[str] = mapped_column(Text, default="")
    next_practice: Mapped[str] = mapped_column(Text, default="")
    need_from_manager: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
