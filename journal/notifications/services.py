"""Recording notifications, and each person's settings for them.

`notify` is called by the domain where something happens (sharing: a link asked for, a goal
shared, a comment), inside that action's transaction: the notification exists exactly when
the action does. Whether it is mailed is decided here, once, from the recipient's settings;
the mail itself is made and sent later by `flask notifications send`, never in a request.
"""

from datetime import datetime

from journal.extensions import db
from journal.models import Notification, NotificationSettings, User
from journal.models.user import utcnow
from journal.notifications.kinds import GATHER, Kind


def settings_of(user: User) -> NotificationSettings:
    """The user's settings: their row, or (not stored) the defaults."""
    stored = db.session.get(NotificationSettings, user.id)
    if stored is not None:
        return stored
    defaults = NotificationSettings(user_id=user.id)
    for column in NotificationSettings.__table__.columns:
        if getattr(defaults, column.key) is None and column.default is not None:
            setattr(defaults, column.key, column.default.arg)
    return defaults


def wants_mail(user: User, kind: Kind) -> bool:
    """Whether `user` has this kind of notification mailed."""
    return bool(getattr(settings_of(user), kind.setting))


def notify(
    recipient: User | None,
    kind: Kind,
    *,
    actor: User | None = None,
    goal_id: int | None = None,
    link_id: int | None = None,
    once_key: str | None = None,
    at: datetime | None = None,
) -> Notification | None:
    """Record that `kind` happened for `recipient` (nobody, or a deactivated account: no
    one to tell). It is new in the app until read, and waits to be mailed if the recipient
    wants that kind mailed: events gather for a quarter of an hour, reminders go at once."""
    if recipient is None or not recipient.is_active or (actor and actor.id == recipient.id):
        return None
    moment = at or utcnow()
    mail_after = None
    if wants_mail(recipient, kind):
        mail_after = moment + GATHER if kind.gathers else moment
    if mail_after is None and not kind.in_app:
        return None
    notification = Notification(
        recipient_id=recipient.id,
        kind=kind.name,
        actor_id=actor.id if actor else None,
        goal_id=goal_id,
        link_id=link_id,
        created_at=moment,
        # A kind the app does not show is never "new" there.
        read_at=None if kind.in_app else moment,
        mail_after=mail_after,
        once_key=once_key,
    )
    db.session.add(notification)
    return notification
