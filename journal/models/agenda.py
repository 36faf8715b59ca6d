"""The agenda for the appraisal conversation ("Til samtalen"): talking points, the
conversations held, and the notes each side writes afterwards.

A point belongs to one leader's agenda. The leader's own points are sealed with the
leader's key like entries and are private until shared one by one (`AgendaShare` keeps the
readable copy the manager reads, as a goal's `Share` does). A point the manager adds is
readable (`manager_body`), like a comment: the leader cannot open the manager's key.
Notes after a conversation are sealed with their author's own key, and only the author
ever opens them.
"""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.sealed import SealedText, text_field
from journal.models.types import UTCDateTime
from journal.models.user import User, utcnow

MAX_POINT = 500
MAX_MEETING_NOTE = 5000


class NoTextBeforeEncryption:
    """Points and notes were sealed from the first: no plain column waits to be sealed."""

    @property
    def plain_body(self) -> str:
        """Nothing written before encryption."""
        return ""

    @plain_body.setter
    def plain_body(self, _value: str) -> None:
        pass


class Meeting(db.Model):
    """A conversation held: the day, and within which link (none if the leader had no
    accepted manager). The points ticked by then are filed under it."""

    __tablename__ = "agenda_meetings"
    __table_args__ = (Index("ix_agenda_meetings_leader", "leader_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("manager_links.id", ondelete="SET NULL"), index=True
    )
    held_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AgendaPoint(NoTextBeforeEncryption, SealedText, db.Model):
    """One talking point on a leader's agenda, by the leader (sealed) or by the manager
    within their link (readable, `manager_body`).

    `done_at` is set when it is ticked off (by either side, `done_by_id`); once a
    conversation is recorded as held, the ticked points are filed under it (`meeting_id`)
    and the open ones carried over to the next (`carried_over` counts how many times).
    """

    __tablename__ = "agenda_points"
    __table_args__ = (
        CheckConstraint(
            "(author_id = leader_id AND manager_body IS NULL)"
            " OR (author_id <> leader_id AND sealed IS NULL AND manager_body IS NOT NULL)",
            name="who_wrote",
        ),
        CheckConstraint(f"length(manager_body) <= {MAX_POINT}", name="manager_body_length"),
        CheckConstraint("carried_over >= 0", name="carried_over"),
        Index("ix_agenda_points_leader", "leader_id", "meeting_id", "created_at"),
    )
    TEXT_FIELDS = ("body",)

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The link a manager's point was added within: only that link's manager sees it.
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("manager_links.id", ondelete="SET NULL"), index=True
    )
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    manager_body: Mapped[str | None] = mapped_column(String(MAX_POINT))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_meetings.id", ondelete="SET NULL")
    )
    carried_over: Mapped[int] = mapped_column(default=0, server_default="0")

    author: Mapped[User] = relationship(foreign_keys=[author_id])

    body = text_field("body", "The point's text, once opened (the leader's own points).")

    @property
    def by_manager(self) -> bool:
        """Whether the leader's manager wrote it (readable), not the leader (sealed)."""
        return self.author_id != self.leader_id

    @property
    def text(self) -> str:
        """The point's words for the leader's own pages: opened, or the manager's."""
        return (self.manager_body or "") if self.by_manager else self.body

    def __repr__(self) -> str:
        return f"<AgendaPoint {self.id}>"


class AgendaShare(db.Model):
    """A leader's point shared with the manager of one link: the readable copy of exactly
    what the manager sees, written in the leader's own request; gone when unshared, when
    the link ends, or with the point."""

    __tablename__ = "agenda_shares"

    point_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_points.id", ondelete="CASCADE"), primary_key=True
    )
    link_id: Mapped[int] = mapped_column(
        ForeignKey("manager_links.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(String(MAX_POINT))
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MeetingNote(NoTextBeforeEncryption, SealedText, db.Model):
    """What one person noted after a conversation, sealed with the author's own key: the
    leader's with the leader's, the manager's with the manager's. Nobody else opens it."""

    __tablename__ = "agenda_notes"
    __table_args__ = (UniqueConstraint("meeting_id", "author_id"),)
    TEXT_FIELDS = ("body",)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_meetings.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    body = text_field("body", "The note, once opened with its author's key.")
