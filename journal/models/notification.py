"""Notifications: what is new for a person in the app, the mails about it, and who wants which.

A notification names what happened and to what (a kind, who did it, a goal id, a link id),
never what anyone wrote: the app shows the words behind the log-in, a mail says no more than
"Jens har kommenteret et mål, du deler med ham" with a link. Kinds and their settings are
described in `journal/notifications/kinds.py`.
"""

from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Index, String, false, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from journal.extensions import db
from journal.models.goal import Goal
from journal.models.sharing import ManagerLink
from journal.models.types import UTCDateTime
from journal.models.user import User, utcnow

MAX_KIND = 24
MAX_ONCE_KEY = 80
MAX_MAIL_ERROR = 200
MAX_MAIL_SETTINGS = 100
MAX_DROP_REASON = 12


class Notification(db.Model):
    """Something that happened for `recipient`: shown as new in the app until read, and
    mailed (alone or with others of the same quarter of an hour) if the recipient wants.

    `mail_after` is when it may be mailed (NULL: not to be mailed); `mail_id` the mail that
    took it. `once_key` makes a reminder happen once however many servers look for it at
    the same time (a unique index: the second insert fails).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_unread", "recipient_id", "read_at"),
        Index("ix_notifications_to_mail", "mail_id", "mail_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(MAX_KIND))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), index=True
    )
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("manager_links.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mail_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mail_id: Mapped[int | None] = mapped_column(
        ForeignKey("outgoing_mails.id", ondelete="SET NULL")
    )
    once_key: Mapped[str | None] = mapped_column(String(MAX_ONCE_KEY), unique=True)

    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    goal: Mapped[Goal | None] = relationship()
    link: Mapped[ManagerLink | None] = relationship()


class OutgoingMail(db.Model):
    """One mail to one person, about one or more notifications; its subject and text are
    made when it is sent, from the notifications and in the recipient's language.

    Claimed before it is sent: a run sets `lease_owner` and `lease_until` with a conditional
    UPDATE, so two runs (on one server or several) never send it both; a run killed mid-send
    leaves it to be claimed again once the lease ends. A failed send counts `attempts` and
    waits until `next_try_at`. `last_error` is the SMTP server's answer, which holds no text
    of the mail. The unsubscribe token is stored only as its SHA-256. A mail that is not to
    be sent after all is dropped (`dropped_at`), never deleted while recent: its
    notifications stay taken.
    """

    __tablename__ = "outgoing_mails"
    __table_args__ = (Index("ix_outgoing_mails_due", "sent_at", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(MAX_MAIL_ERROR))
    unsubscribe_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The settings (columns of `NotificationSettings`) of the kinds the mail was about, comma
    # separated: what its unsubscribe link turns off, even once its notifications are gone.
    settings: Mapped[str | None] = mapped_column(String(MAX_MAIL_SETTINGS))
    # Not sent on purpose (the account deactivated, everything in it read or too old or no
    # longer wanted): when, and why (the reasons in `journal/notifications/delivery.py`).
    dropped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dropped_because: Mapped[str | None] = mapped_column(String(MAX_DROP_REASON))

    recipient: Mapped[User] = relationship()


class NotificationSettings(db.Model):
    """What one person wants mailed, and when their reminders come. No row: the defaults
    (notifications on, reminders off until the leader chooses), as `kinds.py` describes.

    `reflection_days` holds ISO weekdays as digits ("12345": Monday to Friday);
    `reflection_time` is local to the person's time zone (`users.timezone`).
    `reflection_misses` counts reminders sent since the leader last wrote (the reminder
    backs off to weekly after three), `reflection_last_sent` when the last one went.
    """

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # To the leader.
    comments: Mapped[bool] = mapped_column(default=True, server_default=true())
    links: Mapped[bool] = mapped_column(default=True, server_default=true())
    check_in_due: Mapped[bool] = mapped_column(default=False, server_default=false())
    reflection: Mapped[bool] = mapped_column(default=False, server_default=false())
    appraisal: Mapped[bool] = mapped_column(default=True, server_default=true())
    # To the manager.
    requests: Mapped[bool] = mapped_column(default=True, server_default=true())
    shares: Mapped[bool] = mapped_column(default=True, server_default=true())
    replies: Mapped[bool] = mapped_column(default=True, server_default=true())

    reflection_days: Mapped[str] = mapped_column(String(7), default="12345", server_default="12345")
    reflection_time: Mapped[time] = mapped_column(
        default=time(16, 30), server_default=text("'16:30:00'")
    )
    reflection_misses: Mapped[int] = mapped_column(default=0, server_default="0")
    reflection_last_sent: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appraisal_date: Mapped[date | None] = mapped_column()

    user: Mapped[User] = relationship()
