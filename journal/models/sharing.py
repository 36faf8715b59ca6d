"""Sharing chosen goals with one's own manager: links, shares, comments and the log."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, exists, false, or_, text
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from journal.extensions import db
from journal.models.agenda import AgendaPoint
from journal.models.goal import MAX_GOAL_TITLE, MAX_NOTE, CheckIn, Goal
from journal.models.types import UTCDateTime
from journal.models.user import MAX_EMAIL_LENGTH, User, utcnow

LINK_STATUSES = ("proposed", "pending", "accepted", "declined", "ended")
# A leader's one open link: proposed by an administrator (only the leader sees it, to
# confirm or decline), requested (the manager sees it, to accept or decline), or accepted.
OPEN_STATUSES = ("proposed", "pending", "accepted")
# What the manager knows of: a proposal is the leader's alone until the leader confirms it.
SEEN_BY_MANAGER = ("pending", "accepted")
EVENT_KINDS = (
    "link_requested",
    "link_proposed",
    "proposal_declined",
    "link_accepted",
    "link_declined",
    "link_ended",
    "shared",
    "unshared",
    "viewed",
    "commented",
    "replied",
    "point_shared",
    "point_unshared",
    "point_added",
    "agenda_viewed",
)
MAX_COMMENT = 2000


def _in(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


class ManagerLink(db.Model):
    """A leader's link to their manager: requested, then accepted (or declined), then ended.

    An administrator's import may propose one instead (`proposed`): the leader confirms it
    (it becomes a request, as if the leader had made it) or declines it; the manager sees
    nothing of it before the leader confirms.

    At most one open (pending or accepted) link per leader, enforced by a partial unique index.
    A request names the manager by the address the leader typed (`manager_email`), whether or
    not an account has it yet (so that the leader cannot tell which addresses have one): the
    account with that address sees it, and `manager_id` is set once it answers (or at once,
    when an administrator sets the link).
    """

    __tablename__ = "manager_links"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(LINK_STATUSES)})", name="status"),
        CheckConstraint("leader_id <> manager_id", name="not_self"),
        CheckConstraint("manager_id IS NOT NULL OR status <> 'accepted'", name="accepted_manager"),
        Index(
            "uq_manager_links_one_open",
            "leader_id",
            unique=True,
            sqlite_where=text(f"status IN ({_in(OPEN_STATUSES)})"),
            postgresql_where=text(f"status IN ({_in(OPEN_STATUSES)})"),
        ),
        Index("ix_manager_links_manager", "manager_id", "status"),
        # A leader's own open link, asked for by every goal page; the partial index above
        # cannot serve `status IN (...)` with bound values.
        Index("ix_manager_links_leader", "leader_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    manager_email: Mapped[str] = mapped_column(String(MAX_EMAIL_LENGTH), server_default=text("''"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    leader: Mapped[User] = relationship(foreign_keys=[leader_id])
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])

    @classmethod
    def of_manager(cls, user: User):
        """The links `user` is (or is asked to be) the manager of: by account, or, for a
        request nobody has answered yet, by the address it was sent to."""
        return (cls.manager_id == user.id) | (
            cls.manager_id.is_(None) & (cls.manager_email == user.email)
        )


# Whether anyone has linked to the user as their manager (accepted or pending): read with
# the user, in the same query, because every page's header asks (the Team menu).
# The statuses as one equality each, not `IN`: SQLAlchemy expands an `IN` list afresh at every
# execution, which costs the user loader (every request) more than the query's own work.
User.manages_anyone = column_property(
    exists().where(
        (ManagerLink.manager_id == User.id)
        | (ManagerLink.manager_id.is_(None) & (ManagerLink.manager_email == User.email)),
        or_(*(ManagerLink.status == status for status in SEEN_BY_MANAGER)),
    )
)


class Share(db.Model):
    """A goal shared with the manager of one link; gone when unshared or the link ends.

    The goal's own text is sealed with the leader's key, which the manager never has: the
    share keeps a readable copy of exactly what the manager sees (the title, why and
    how-I-know here; the check-in notes, if included, in `SharedNote`), written in the
    leader's own request whenever it changes (`journal/goals/shared_copy.py`). The copy
    goes with the share.
    """

    __tablename__ = "shares"

    goal_id: Mapped[int] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True
    )
    link_id: Mapped[int] = mapped_column(
        ForeignKey("manager_links.id", ondelete="CASCADE"), index=True
    )
    include_notes: Mapped[bool] = mapped_column(default=False, server_default=false())
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The copy (NULL only in a share made by an older release during an upgrade).
    title: Mapped[str | None] = mapped_column(String(MAX_GOAL_TITLE), default="")
    why: Mapped[str | None] = mapped_column(Text, default="")
    how_i_know: Mapped[str | None] = mapped_column(Text, default="")

    goal: Mapped[Goal] = relationship()


class SharedNote(db.Model):
    """The readable copy of one check-in's note, kept while its goal is shared with the
    notes included; gone with the share or the check-in."""

    __tablename__ = "shared_notes"

    check_in_id: Mapped[int] = mapped_column(
        ForeignKey(CheckIn.id, ondelete="CASCADE"), primary_key=True
    )
    goal_id: Mapped[int] = mapped_column(ForeignKey(Share.goal_id, ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(String(MAX_NOTE))


class Comment(db.Model):
    """A comment on a shared goal, by the manager or (a reply) by the leader.

    Made within the link of the goal's share at the time (`link_id`; none if the goal was
    not shared): a manager sees only the comments made within their own link.
    """

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(f"length(body) BETWEEN 1 AND {MAX_COMMENT}", name="body_length"),
        Index("ix_comments_goal", "goal_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("manager_links.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User] = relationship()
    link: Mapped[ManagerLink | None] = relationship()


class SharingEvent(db.Model):
    """The leader's sharing log: links, shares, every time the manager opened a goal, and
    every comment made within a link (the manager's, and the leader's replies); talking
    points shared, unshared and added by the manager, and every time the manager opened the
    agenda: who and when, never the words."""

    __tablename__ = "sharing_events"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(EVENT_KINDS)})", name="kind"),
        Index("ix_sharing_events_leader", "leader_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="SET NULL"))
    # A talking point on the leader's agenda ("Til samtalen"), for its lines.
    point_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_points.id", ondelete="SET NULL")
    )
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A request names the address the leader typed, not the account: see ManagerLink.
    manager_email: Mapped[str | None] = mapped_column(String(MAX_EMAIL_LENGTH))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    goal: Mapped[Goal | None] = relationship()
    point: Mapped[AgendaPoint | None] = relationship()
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
