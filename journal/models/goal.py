"""Goals a leader is practising ("Jeg øver mig på at …"), their check-ins and history."""

from datetime import date, datetime, timedelta

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.entry import TASK_KEY_LENGTH
from journal.models.sealed import SealedText, text_field
from journal.models.types import UTCDateTime
from journal.models.user import User, utcnow

STATUSES = ("active", "paused", "achieved", "let_go")
RATINGS = range(1, 6)
MAX_GOAL_TITLE = 300
MAX_GOAL_TEXT = 5000
MAX_NOTE = 1000
_STATUS_LIST = ", ".join(f"'{status}'" for status in STATUSES)
# A goal is due a check-in this long after the last one (after its start while none).
DUE_AFTER_DAYS = 14


def due_on(start_date: date, last_check_in: date | None) -> date:
    """The day a goal becomes due a check-in: DUE_AFTER_DAYS after the last one (after the
    start date while there are none). The one rule for the goal pages, the reminder mails
    and the calendar file; here with the model so that every domain can ask it."""
    return (last_check_in or start_date) + timedelta(days=DUE_AFTER_DAYS)


class Goal(SealedText, db.Model):
    """Something the leader is practising; `position` orders the active goals.

    Title, why and how-I-know are stored only sealed with the owner's data key (`sealed`,
    see `journal/models/sealed.py`); status, dates, tasks and position stay plain, for the
    overviews. A shared goal's manager reads the share's copy (`Share`), never these.
    """

    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_LIST})", name="status"),
        Index("ix_goals_owner_status", "owner_id", "status", "position"),
    )
    TEXT_FIELDS = ("title", "why", "how_i_know")

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Plain text from before encryption, until the owner's next log-in seals it.
    plain_title: Mapped[str] = mapped_column("title", String(MAX_GOAL_TITLE), default="")
    plain_why: Mapped[str] = mapped_column("why", Text, default="")
    plain_how_i_know: Mapped[str] = mapped_column("how_i_know", Text, default="")
    start_date: Mapped[date] = mapped_column(Date)
    review_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[User] = relationship()
    task_links: Mapped[list["GoalTask"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="GoalTask.task_key"
    )
    status_changes: Mapped[list["GoalStatusChange"]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="GoalStatusChange.changed_at",
    )
    check_ins: Mapped[list["CheckIn"]] = relationship(
        back_populates="goal",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(CheckIn.day, CheckIn.id)",
    )

    title = text_field("title", "What the leader is practising, once opened.")
    why = text_field("why", "Why it matters, once opened.")
    how_i_know = text_field("how_i_know", "How the leader will know, once opened.")

    @property
    def task_keys(self) -> list[str]:
        """The framework tasks this goal belongs to."""
        return [link.task_key for link in self.task_links]

    def __repr__(self) -> str:
        return f"<Goal {self.id}>"


class GoalTask(db.Model):
    """A goal's framework task, by key."""

    __tablename__ = "goal_tasks"

    goal_id: Mapped[int] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True
    )
    task_key: Mapped[str] = mapped_column(String(TASK_KEY_LENGTH), primary_key=True)


class GoalStatusChange(db.Model):
    """One entry in a goal's history: it became `status` on `changed_at`."""

    __tablename__ = "goal_status_changes"
    __table_args__ = (CheckConstraint(f"status IN ({_STATUS_LIST})", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CheckIn(SealedText, db.Model):
    """How well the leader practised a goal, rated 1 to 5 on a day, with an optional note.

    The note is stored only sealed with the goal's owner's key; day and rating stay plain.
    """

    __tablename__ = "check_ins"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_check_ins_goal_day", "goal_id", "day"),
    )
    TEXT_FIELDS = ("note",)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    rating: Mapped[int]
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Plain text from before encryption, until the owner's next log-in seals it.
    plain_note: Mapped[str] = mapped_column("note", String(MAX_NOTE), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="check_ins")

    note = text_field("note", "The note, once opened.")


class EntryGoal(db.Model):
    """A journal entry linked to a goal as evidence of practice."""

    __tablename__ = "entry_goals"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
    )
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True, index=True
    )
