"""Recording notifications, and each person's settings for them.

`notify` is called by the domain where something happens (sharing: a link asked for, a goal
shared, a comment), inside that action's transaction: the notification exists exactly when
the action does. Whether it is mailed is decided here, once, from the recipient's settings;
the mail itself is made and sent later by `flask notifications send`, never in a request.
"""

from datetime import date, datetime, time

from sqlalchemy import exists, or_, select

from journal.database import atomic
from journal.extensions import db
from journal.models import ManagerLink, Notification, NotificationSettings, SharingEvent, User
from journal.models.user import utcnow
from journal.notifications.kinds import GATHER, SETTINGS, Kind


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


def is_asked_to_manage(user: User) -> bool:
    """Whether anyone has ever asked `user` to be their manager (whatever came of it): only
    then do the manager's mails mean anything to them."""
    # A proposal (an administrator's import) is the leader's alone until the leader confirms
    # it; confirmed, it is logged as the leader's request, like any other. So: a request
    # made to the address, or a link the user answered (or was set by an administrator).
    requested = exists().where(
        SharingEvent.kind == "link_requested", SharingEvent.manager_email == user.email
    )
    answered = exists().where(ManagerLink.manager_id == user.id)
    return bool(db.session.scalar(select(or_(requested, answered))))


@atomic()
def save_settings(
    user: User,
    *,
    choices: dict[str, bool],
    reflection_days: str,
    reflection_time: time,
    appraisal_date: date | None,
) -> NotificationSettings:
    """Store what `user` wants mailed and when their reminders come. `choices` names the
    settings to change (`kinds.SETTINGS`); those left out keep their value.

    A reminder to write that is switched on again starts in its normal rhythm: the
    reminders ignored before it was switched off no longer count.
    """
    unknown = choices.keys() - set(SETTINGS)
    if unknown:
        raise ValueError(f"not a notification setting: {sorted(unknown)}")
    settings = db.session.get(NotificationSettings, user.id)
    if settings is None:
        settings = settings_of(user)
        db.session.add(settings)
    if choices.get("reflection") and not settings.reflection:
        settings.reflection_misses = 0
    for name, wanted in choices.items():
        setattr(settings, name, bool(wanted))
    settings.reflection_days = reflection_days
    settings.reflection_time = reflection_time.replace(second=0, microsecond=0)
    settings.appraisal_date = appraisal_date
    return settings
