"""Journal entries: a leader's private reflections, tagged with framework tasks."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.types import UTCDateTime
from journal.models.user import utcnow

MAX_BODY_LENGTH = 100_000
MAX_TITLE_LENGTH = 200
TASK_KEY_LENGTH = 64


class Entry(db.Model):
    """One reflection; `version` grows with every save, `deleted_at` marks the trash."""

    __tablename__ = "entries"
    __table_args__ = (
        CheckConstraint(f"length(body) <= {MAX_BODY_LENGTH}", name="body_length"),
        CheckConstraint("version >= 1", name="version_positive"),
        # The journal list walks this index newest first, page after page (keyset).
        Index("ix_entries_owner_date", "owner_id", "entry_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    entry_date: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(MAX_TITLE_LENGTH), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    starred: Mapped[bool] = mapped_column(default=False, server_default=false())
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    task_links: Mapped[list["EntryTask"]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="EntryTask.task_key",
    )

    goal_links: Mapped[list["EntryGoal"]] = relationship(  # noqa: F821 (models/goal.py)
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def goal_ids(self) -> list[int]:
        """The goals this entry is evidence for."""
        return [link.goal_id for link in self.goal_links]

    @property
    def task_keys(self) -> list[str]:
        """The keys of the framework tasks this entry is tagged with."""
        return [link.task_key for link in self.task_links]

    def __repr__(self) -> str:
        return f"<Entry {self.id}>"


class EntryTask(db.Model):
    """An entry's tag: a framework task, by its stable key."""

    __tablename__ = "entry_tasks"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
    )
    task_key: Mapped[str] = mapped_column(String(TASK_KEY_LENGTH), primary_key=True)

    entry: Mapped[Entry] = relationship(back_populates="task_links")
