"""Reminders to the leader: to write a reflection, to check in on a goal, to prepare the
appraisal. `queue_due(now)` makes those due; the `notifications send` run calls it before
it sends, on every server that runs it.

Each reminder is made once, however many runs look at the same moment: its notification
has a `once_key`, whose unique index refuses a second, and each is inserted in a SAVEPOINT
of its own, so that a refusal undoes that one only. Nobody who has switched a reminder off
is even looked at: every query starts from the settings that are on.

The reminder to write backs off when ignored: after three in a row without an entry
written since, it comes once a week; an entry written resets it to its normal rhythm. It
does not come on a day the leader has already written.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from journal.database import atomic
from journal.extensions import db
from journal.models import CheckIn, Entry, Goal, Notification, NotificationSettings, User
from journal.models.goal import due_on
from journal.models.user import DEFAULT_TIMEZONE
from journal.notifications.kinds import APPRAISAL, CHECK_IN_DUE, REFLECTION, Kind
from journal.notifications.services import notify

# Check-in and appraisal reminders wait for the morning where the leader is.
MORNING = time(8, 0)
# After this many reminders to write in a row with no entry since, one a week at most.
BACK_OFF_AFTER = 3
BACK_OFF_DAYS = 7
APPRAISAL_NOTICE = timedelta(days=14)
# Bounded work per run; what is left waits for the next run, minutes later.
MAX_PER_RUN = 1000
KEYS_PER_QUERY = 500


@dataclass(frozen=True)
class Due:
    """A reminder to make: its key, to whom, and (to write) the count of those ignored."""

    once_key: str
    recipient: User
    kind: Kind
    goal_id: int | None = None
    settings: NotificationSettings | None = None
    misses: int = 0


@atomic()
def queue_due(now: datetime) -> int:
    """Make every reminder due at `now` (aware) that no run has made yet; return how many
    this run made. Safe to run at the same moment on several servers."""
    if now.tzinfo is None:
        raise ValueError("queue_due needs a timezone-aware moment")
    due = [*reflections_due(now), *check_ins_due(now), *appraisals_due(now)]
    made_before = already_made([reminder.once_key for reminder in due])
    made = 0
    # The same order in every run, so that two runs never wait for each other in a circle.
    for reminder in [r for r in due if r.once_key not in made_before][:MAX_PER_RUN]:
        made += make(reminder, now)
    return made


def make(reminder: Due, now: datetime) -> int:
    """Insert one reminder in a SAVEPOINT: 1 if this run made it, 0 if another run had."""
    try:
        with db.session.begin_nested():
            notification = notify(
                reminder.recipient,
                reminder.kind,
                goal_id=reminder.goal_id,
                once_key=reminder.once_key,
                at=now,
            )
            if notification is None:
                return 0
            db.session.flush()  # the unique key first: a second run stops here
            if reminder.settings is not None:
                reminder.settings.reflection_misses = reminder.misses + 1
                reminder.settings.reflection_last_sent = now
                db.session.flush()
    except IntegrityError:
        return 0  # made by another run a moment ago
    return 1


def already_made(keys: list[str]) -> set[str]:
    """The keys among `keys` that a reminder already has (a few queries, by the index)."""
    found: set[str] = set()
    for start in range(0, len(keys), KEYS_PER_QUERY):
        chunk = keys[start : start + KEYS_PER_QUERY]
        found.update(
            db.session.scalars(
                select(Notification.once_key).where(Notification.once_key.in_(chunk))
            )
        )
    return found


def zone_of(user: User) -> ZoneInfo:
    """The user's time zone (a stored name no longer known falls back to the default)."""
    try:
        return ZoneInfo(user.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


# To write ------------------------------------------------------------------------------------


def reflections_due(now: datetime) -> Iterator[Due]:
    """Reminders to write, for the active leaders who want them: one query, with the moment
    each last wrote."""
    last_written = (
        select(func.max(Entry.created_at))
        .where(Entry.owner_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(NotificationSettings, User, last_written)
        .join(User, User.id == NotificationSettings.user_id)
        .where(NotificationSettings.reflection, User.is_active)
        .order_by(User.id)
    )
    for settings, user, written in rows:
        reminder = reflection_due(settings, user, written, now)
        if reminder is not None:
            yield reminder


def reflection_due(
    settings: NotificationSettings, user: User, last_written: datetime | None, now: datetime
) -> Due | None:
    """The reminder to write if it is due at `now`: a chosen weekday, at or after the chosen
    time where the leader is, not yet today, not if they wrote today, and weekly only after
    three ignored."""
    zone = zone_of(user)
    local = now.astimezone(zone)
    today = local.date()
    if str(local.isoweekday()) not in settings.reflection_days:
        return None
    if local.time() < settings.reflection_time:
        return None
    if last_written is not None and last_written.astimezone(zone).date() >= today:
        return None
    last_sent = settings.reflection_last_sent
    wrote_since = last_sent is None or (last_written is not None and last_written > last_sent)
    misses = 0 if wrote_since else settings.reflection_misses
    if last_sent is not None:
        last_day = last_sent.astimezone(zone).date()
        if last_day >= today:
            return None
        if misses >= BACK_OFF_AFTER and today - last_day < timedelta(days=BACK_OFF_DAYS):
            return None
    return Due(
        f"reflection:{user.id}:{today.isoformat()}",
        user,
        REFLECTION,
        settings=settings,
        misses=misses,
    )


# To check in ---------------------------------------------------------------------------------


def check_ins_due(now: datetime) -> Iterator[Due]:
    """Goals due a check-in (the goal pages' 14-day rule), of the active leaders who want
    to hear of it: one query, with each goal's last check-in."""
    last_check_in = (
        select(func.max(CheckIn.day))
        .where(CheckIn.goal_id == Goal.id)
        .correlate(Goal)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Goal.id, Goal.start_date, last_check_in, User, NotificationSettings)
        .join(User, User.id == Goal.owner_id)
        .join(NotificationSettings, NotificationSettings.user_id == User.id)
        .where(Goal.status == "active", NotificationSettings.check_in_due, User.is_active)
        .order_by(Goal.id)
    )
    for goal_id, start_date, last, user, _settings in rows:
        local = now.astimezone(zone_of(user))
        due = due_on(start_date, last)
        if local.time() >= MORNING and local.date() >= due:
            yield Due(f"check_in_due:{goal_id}:{due.isoformat()}", user, CHECK_IN_DUE, goal_id)


# To prepare the appraisal ----------------------------------------------------------------


def appraisals_due(now: datetime) -> Iterator[Due]:
    """The appraisal reminder ("in two weeks: prepare"): from 14 days before the date the
    leader entered (or the first run after, until the day), once per date."""
    # Wide enough for every time zone's today; each is checked exactly below.
    window = (now.date() - timedelta(days=1), now.date() + APPRAISAL_NOTICE + timedelta(days=1))
    rows = db.session.execute(
        select(NotificationSettings, User)
        .join(User, User.id == NotificationSettings.user_id)
        .where(
            NotificationSettings.appraisal,
            NotificationSettings.appraisal_date.between(*window),
            User.is_active,
        )
        .order_by(User.id)
    )
    for settings, user in rows:
        local = now.astimezone(zone_of(user))
        if local.time() >= MORNING and in_notice(settings.appraisal_date, local.date()):
            yield Due(f"appraisal:{user.id}:{settings.appraisal_date.isoformat()}", user, APPRAISAL)


def in_notice(appraisal: date, today: date) -> bool:
    """Whether `today` is within the two weeks before the appraisal (not on the day)."""
    return appraisal - APPRAISAL_NOTICE <= today < appraisal
