"""Saved reviews: the leader's notes before an appraisal, with a snapshot of the figures."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, LargeBinary, Text
from sqlalchemy.orm import Mapped, mapped_column

from journal.extensions import db
from journal.models.sealed import SealedText, text_field
from journal.models.types import UTCDateTime
from journal.models.user import utcnow

MAX_REVIEW_TEXT = 10_000


class Review(SealedText, db.Model):
    """A dated review of a period: summary notes and the figures as they were that day.

    The snapshot holds numbers, goal titles, the goals' chart points, and the key
    reflections' ids with their titles, dates and excerpts as they were (bounded, see
    journal/review/snapshot.py). The notes and the snapshot (JSON text) are stored only
    sealed with the owner's key; the period stays plain (the next review can start where
    this one ended).
    """

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("period_start <= period_end", name="period_order"),
        Index("ix_reviews_owner", "owner_id", "created_at"),
    )
    TEXT_FIELDS = ("proud", "next_practice", "need_from_manager", "snapshot")

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Plain text from before encryption, until the owner's next log-in seals it.
    plain_proud: Mapped[str] = mapped_column("proud", Text, default="")
    plain_next_practice: Mapped[str] = mapped_column("next_practice", Text, default="")
    plain_need_from_manager: Mapped[str] = mapped_column("need_from_manager", Text, default="")
    plain_snapshot: Mapped[str] = mapped_column("snapshot", Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    proud = text_field("proud", "What I'm proud of, once opened.")
    next_practice = text_field("next_practice", "What I want to practise next, once opened.")
    need_from_manager = text_field("need_from_manager", "What I need, once opened.")
    snapshot = text_field("snapshot", "The figures as JSON text, once opened.")
