"""Sending the mails, from `flask notifications send` (cron or a systemd timer, every few
minutes, on any or every server), never from a request.

A run: the steps registered to run first (the reminders that have come due), then mails
made from the notifications that wait, then each mail claimed, sent and marked sent.

Exactly once: a mail is a row claimed with a lease (`lease_owner`, `lease_until`) by
conditional UPDATEs, so two runs never send the same one; it is marked sent in its own
transaction right after the SMTP server took it. A run killed between the two leaves the
mail to be sent again once the lease ends: a duplicate is possible only then, a lost mail
never. A refused or failed send counts an attempt and waits (1, 5, 15, 60 minutes, then
every 6 hours). A mail goes only to an active account, only with what is still new and
still wanted, and only within a week of when it was due: mail that was not set up for a
month does not bring a month of mails.
"""

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from journal.database import atomic
from journal.extensions import db
from journal.models import ManagerLink, Notification, NotificationSettings, OutgoingMail, User
from journal.models.notification import MAX_MAIL_ERROR
from journal.models.user import utcnow
from journal.notifications import kinds
from journal.notifications.in_app import visible_to_its_recipient
from journal.notifications.mail import Addressee, Event, Sender, compose, settings_of
from journal.notifications.smtp import Refused, Smtp, Unreachable
from journal.notifications.unsubscribe import new_token

log = logging.getLogger("journal.notifications")

# How long a run holds a mail it claimed. A run stops taking new mails at half of it, and
# one mail's SMTP exchange is bounded far below it (`smtp.SMTP_TIMEOUT` per step).
LEASE = timedelta(minutes=10)
# Recipients gathered, and mails sent, per run at most: the next run takes the rest.
BATCH = 200
# A notification whose mail was due longer ago than this is not mailed any more.
STALE = timedelta(days=7)
# Sent and dropped mails are kept this long (their unsubscribe links keep working), then go.
KEEP = timedelta(days=90)
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
RETRY_EVERY = timedelta(hours=6)
# Why a mail was not sent (`dropped_because`).
INACTIVE, EMPTY, STALE_ONLY, READ, UNWANTED = "inactive", "empty", "stale", "read", "unwanted"

STEPS = "notification_steps"
Step = Callable[[datetime], object]


def init_app(app: Flask) -> None:
    """No steps before sending until a part of the app registers one."""
    app.extensions[STEPS] = []


def register_step(app: Flask, step: Step) -> None:
    """Run `step(now)` at the start of every `notifications send`, before mails are made:
    e.g. `register_step(app, reminders.queue_due)`, whose reminders then go in the same run.
    Each step is its own transaction."""
    app.extensions[STEPS].append(step)


def mail_configured(app: Flask | None = None) -> bool:
    """Whether mail is set up (MAIL_HOST); without it nothing is ever sent."""
    return bool((app or current_app).config.get("MAIL_HOST"))


@dataclass
class Outcome:
    """What a run did: counts of mails, for the command's one line and the log."""

    configured: bool = True
    sent: int = 0
    failed: int = 0
    dropped: int = 0


class Run:
    """One run: its id (the lease owner) and its clock, the given `now` moved on by the
    time the run has taken (so a test's clock and a real one both work)."""

    def __init__(self, now: datetime):
        self.id = secrets.token_hex(16)
        self.started = now
        self._began = time.monotonic()

    def now(self) -> datetime:
        return self.started + timedelta(seconds=time.monotonic() - self._began)

    def lease_until(self) -> datetime:
        return self.now() + LEASE

    def running_long(self) -> bool:
        """Past half the lease: leave the rest to the next run rather than risk a lease
        running out under a mail being sent."""
        return self.now() - self.started > LEASE / 2


def run_once(now: datetime | None = None) -> Outcome:
    """One `notifications send`: the registered steps, then gather, claim and send."""
    now = now or utcnow()
    # Without mail nothing is queued either: a reminder nobody can receive would count as
    # ignored, and the leader's reminders would back off for nothing.
    if not mail_configured():
        return Outcome(configured=False)
    for step in current_app.extensions.get(STEPS, ()):
        step(now)
    run = Run(now)
    forget_old_mails(now)
    stop_mailing_stale_and_inactive(now)
    gather(run)
    claim_retries(run)
    outcome = Outcome()
    smtp = Smtp(current_app.config)
    try:
        send_claimed(run, outcome, smtp, Sender.from_app(current_app))
    finally:
        smtp.close()
    if outcome.sent or outcome.failed or outcome.dropped:
        log.info(
            "notifications send: %d sent, %d to try again, %d not sent",
            outcome.sent,
            outcome.failed,
            outcome.dropped,
        )
    return outcome


# Before gathering ----------------------------------------------------------------------------


@atomic()
def forget_old_mails(now: datetime) -> None:
    """Delete mails sent or dropped more than `KEEP` ago (a bounded batch per run); their
    notifications are marked as not to be mailed, so none is gathered again."""
    cutoff = now - KEEP
    old = list(
        db.session.scalars(
            select(OutgoingMail.id)
            .where(or_(OutgoingMail.sent_at < cutoff, OutgoingMail.dropped_at < cutoff))
            .limit(BATCH)
        )
    )
    if not old:
        return
    db.session.execute(
        update(Notification).where(Notification.mail_id.in_(old)).values(mail_after=None),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        delete(OutgoingMail).where(OutgoingMail.id.in_(old)),
        execution_options={"synchronize_session": False},
    )


@atomic()
def stop_mailing_stale_and_inactive(now: datetime) -> None:
    """Notifications waiting for a mail that is more than a week late, or for a deactivated
    account, will not be mailed (they stay in the app)."""
    waiting = and_(Notification.mail_id.is_(None), Notification.mail_after.is_not(None))
    options = {"synchronize_session": False}
    db.session.execute(
        update(Notification)
        .where(waiting, Notification.mail_after < now - STALE)
        .values(mail_after=None),
        execution_options=options,
    )
    inactive = select(User.id).where(User.is_active.is_(False))
    db.session.execute(
        update(Notification)
        .where(waiting, Notification.mail_after <= now, Notification.recipient_id.in_(inactive))
        .values(mail_after=None),
        execution_options=options,
    )


# Gathering: a mail per recipient with something due -------------------------------------------


def due_recipients(now: datetime) -> list[int]:
    """Accounts with a notification whose mail is due and not yet made (a batch)."""
    return list(
        db.session.scalars(
            select(Notification.recipient_id)
            .where(Notification.mail_id.is_(None), Notification.mail_after <= now)
            .distinct()
            .order_by(Notification.recipient_id)
            .limit(BATCH)
        )
    )


def gather(run: Run) -> None:
    """Make a mail, claimed by this run, for each recipient with a notification due, and
    give it every notification of theirs that waits to be mailed (due or not yet: they go
    together)."""
    recipients = due_recipients(run.started)
    if recipients:
        attach(run, recipients)


@atomic()
def attach(run: Run, recipients: list[int]) -> None:
    """One transaction: the mails (written first, so SQLite takes its write lock before
    anything is read), the notifications given to them by a conditional UPDATE (a
    notification another run took meanwhile keeps its mail), and this run's mails that got
    none deleted again."""
    until = run.lease_until()
    db.session.execute(
        insert(OutgoingMail),
        [
            {
                "recipient_id": recipient,
                "created_at": run.started,
                "lease_owner": run.id,
                "lease_until": until,
                "next_try_at": run.started,
            }
            for recipient in recipients
        ],
    )
    # This run made one mail per recipient: the one whose owner is this run.
    mail_of_recipient = (
        select(OutgoingMail.id)
        .where(
            OutgoingMail.recipient_id == Notification.recipient_id,
            OutgoingMail.lease_owner == run.id,
            OutgoingMail.sent_at.is_(None),
        )
        .correlate_except(OutgoingMail)
        .scalar_subquery()
    )
    waiting = (
        Notification.recipient_id.in_(recipients),
        Notification.mail_id.is_(None),
        Notification.mail_after.is_not(None),
    )
    # PostgreSQL: lock them in one order, so two runs wait for each other rather than
    # deadlock; the one that waited finds them taken (the condition is checked again).
    db.session.execute(
        select(Notification.id).where(*waiting).order_by(Notification.id).with_for_update()
    ).all()
    options = {"synchronize_session": False}
    db.session.execute(
        update(Notification).where(*waiting).values(mail_id=mail_of_recipient),
        execution_options=options,
    )
    db.session.execute(
        delete(OutgoingMail).where(
            OutgoingMail.lease_owner == run.id,
            OutgoingMail.sent_at.is_(None),
            OutgoingMail.dropped_at.is_(None),
            ~exists().where(Notification.mail_id == OutgoingMail.id),
        ),
        execution_options=options,
    )


@atomic()
def claim_retries(run: Run) -> None:
    """Claim mails not sent whose lease ran out (a failed send, a run that died) and whose
    next try has come: the conditional UPDATE takes only those no other run holds."""
    now = run.now()
    free = or_(OutgoingMail.lease_until.is_(None), OutgoingMail.lease_until < now)
    unsent = and_(OutgoingMail.sent_at.is_(None), OutgoingMail.dropped_at.is_(None))
    due = list(
        db.session.scalars(
            select(OutgoingMail.id)
            .where(unsent, free, OutgoingMail.next_try_at <= now)
            .order_by(OutgoingMail.next_try_at, OutgoingMail.id)
            .limit(BATCH)
        )
    )
    if due:
        db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id.in_(due), unsent, free)
            .values(lease_owner=run.id, lease_until=run.lease_until()),
            execution_options={"synchronize_session": False},
        )


# Sending -------------------------------------------------------------------------------------


@dataclass
class Claimed:
    """A mail this run holds, read once with everything it needs (no query per mail)."""

    id: int
    attempts: int
    recipient: Addressee
    events: list[Event] = field(default_factory=list)


def claimed_mails(run: Run) -> list[Claimed]:
    """This run's mails with their recipients and events: three queries for the batch."""
    rows = db.session.execute(
        select(
            OutgoingMail.id,
            OutgoingMail.attempts,
            User.id,
            User.email,
            User.language,
            User.is_active,
        )
        .join(User, User.id == OutgoingMail.recipient_id)
        .where(
            OutgoingMail.lease_owner == run.id,
            OutgoingMail.sent_at.is_(None),
            OutgoingMail.dropped_at.is_(None),
        )
        .order_by(OutgoingMail.id)
        .limit(BATCH)
    ).all()
    mails = {
        mail_id: Claimed(mail_id, attempts, Addressee(user_id, email, language, active))
        for mail_id, attempts, user_id, email, language, active in rows
    }
    if not mails:
        return []
    actor = aliased(User)
    events = db.session.execute(
        select(
            Notification.mail_id,
            Notification.kind,
            actor.name,
            Notification.goal_id,
            ManagerLink.leader_id,
            Notification.read_at,
            Notification.mail_after,
        )
        .outerjoin(actor, actor.id == Notification.actor_id)
        .outerjoin(ManagerLink, ManagerLink.id == Notification.link_id)
        .where(Notification.mail_id.in_(mails), visible_to_its_recipient())
        .order_by(Notification.created_at, Notification.id)
    )
    for mail_id, kind, actor_name, goal_id, leader_id, read_at, mail_after in events:
        if kind in kinds.KINDS:
            seen = kinds.KINDS[kind].in_app and read_at is not None
            event = Event(kind, actor_name, goal_id, leader_id, seen, mail_after)
            mails[mail_id].events.append(event)
    wanted = mailed_settings({mail.recipient.id for mail in mails.values()})
    for mail in mails.values():
        mail.recipient.wants = wanted.get(mail.recipient.id, DEFAULT_MAILED)
    return list(mails.values())


# What a person has mailed when they have no settings row (the columns' defaults).
DEFAULT_MAILED = frozenset(
    setting
    for setting in kinds.SETTINGS
    if NotificationSettings.__table__.columns[setting].default.arg
)


def mailed_settings(user_ids: set[int]) -> dict[int, frozenset[str]]:
    """The settings turned on, for those of these accounts that have a settings row."""
    rows = db.session.scalars(
        select(NotificationSettings).where(NotificationSettings.user_id.in_(user_ids))
    )
    return {row.user_id: frozenset(s for s in kinds.SETTINGS if getattr(row, s)) for row in rows}


def what_to_mail(mail: Claimed, now: datetime) -> tuple[list[Event], str | None]:
    """The events the mail names (still new, still wanted, not too old), or why it is not
    sent at all."""
    if not mail.recipient.is_active:
        return [], INACTIVE
    if not mail.events:
        return [], EMPTY  # what it was about is gone, or no longer theirs to know
    fresh = [e for e in mail.events if e.due_at is not None and e.due_at >= now - STALE]
    new = [e for e in fresh if not e.seen]
    wanted = [e for e in new if kinds.KINDS[e.kind].setting in mail.recipient.wants]
    if wanted:
        return wanted, None
    return [], STALE_ONLY if not fresh else READ if not new else UNWANTED


def send_claimed(run: Run, outcome: Outcome, smtp: Smtp, sender: Sender) -> None:
    """Send each mail this run holds: taken again just before (still ours?), marked sent
    just after, each in its own transaction; no transaction is open while SMTP talks."""
    mails = claimed_mails(run)
    for position, mail in enumerate(mails):
        if run.running_long():
            release(run, [m.id for m in mails[position:]], run.now())
            return
        events, reason = what_to_mail(mail, run.started)
        if reason is not None:
            drop(run, mail, reason)
            outcome.dropped += 1
            continue
        token, digest = new_token()
        settings = ",".join(settings_of(events))
        if not take(run, mail.id, digest, settings):
            continue  # another run holds it now (ours ran out): it sends it
        message = compose(
            mail.recipient,
            events,
            sender=sender,
            unsubscribe_url=sender.url("notifications.unsubscribe", token=token),
            now=run.now(),
        )
        try:
            smtp.send(message, mail.recipient.email, sender.envelope)
        except Refused as refusal:
            fail(run, mail, str(refusal))
            outcome.failed += 1
            continue
        except Unreachable as failure:
            next_try = fail(run, mail, str(failure))
            outcome.failed += 1
            release(run, [m.id for m in mails[position + 1 :]], next_try)
            return
        mark_sent(run, mail)
        outcome.sent += 1


@atomic()
def take(run: Run, mail_id: int, digest: str, settings: str) -> bool:
    """Renew this run's lease on the mail, with the hash of the unsubscribe token it is
    about to carry: False if the mail is no longer this run's."""
    result = db.session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            OutgoingMail.lease_owner == run.id,
            OutgoingMail.sent_at.is_(None),
            OutgoingMail.dropped_at.is_(None),
        )
        .values(lease_until=run.lease_until(), unsubscribe_hash=digest, settings=settings),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1


@atomic()
def mark_sent(run: Run, mail: Claimed) -> None:
    """The SMTP server took the mail: it is sent, and never sent again."""
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail.id, OutgoingMail.sent_at.is_(None))
        .values(sent_at=run.now(), lease_owner=None, lease_until=None, last_error=None),
        execution_options={"synchronize_session": False},
    )
    log.debug("mail %s sent to account %s", mail.id, mail.recipient.id)


def retry_after(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try."""
    return BACKOFF[attempts - 1] if attempts <= len(BACKOFF) else RETRY_EVERY


@atomic()
def fail(run: Run, mail: Claimed, error: str) -> datetime:
    """Count the failed try, let the mail go, and say when it is tried again."""
    attempts = mail.attempts + 1
    next_try = run.now() + retry_after(attempts)
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail.id, OutgoingMail.lease_owner == run.id)
        .values(
            attempts=OutgoingMail.attempts + 1,
            next_try_at=next_try,
            lease_owner=None,
            lease_until=None,
            last_error=error[:MAX_MAIL_ERROR],
        ),
        execution_options={"synchronize_session": False},
    )
    log.warning(
        "mail %s to account %s not sent (attempt %d): %s; next try at %s",
        mail.id,
        mail.recipient.id,
        attempts,
        error[:MAX_MAIL_ERROR],
        next_try.isoformat(timespec="seconds"),
    )
    return next_try


@atomic()
def release(run: Run, mail_ids: list[int], next_try: datetime) -> None:
    """Let mails this run did not try go, untouched but for when they are tried next."""
    if mail_ids:
        db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id.in_(mail_ids), OutgoingMail.lease_owner == run.id)
            .values(lease_owner=None, lease_until=None, next_try_at=next_try),
            execution_options={"synchronize_session": False},
        )


@atomic()
def drop(run: Run, mail: Claimed, reason: str) -> None:
    """Not to be sent after all: marked, kept (its notifications stay taken), never tried."""
    db.session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail.id,
            OutgoingMail.lease_owner == run.id,
            OutgoingMail.sent_at.is_(None),
        )
        .values(dropped_at=run.now(), dropped_because=reason, lease_owner=None, lease_until=None),
        execution_options={"synchronize_session": False},
    )
    log.info("mail %s to account %s not sent: %s", mail.id, mail.recipient.id, reason)


# For Administration --------------------------------------------------------------------------


@dataclass(frozen=True)
class MailStatus:
    """Where mail goes (never the password), and how the queue stands."""

    configured: bool
    host: str | None = None
    port: int | None = None
    security: str | None = None
    sender: str | None = None
    logs_in: bool = False
    waiting: int = 0
    retrying: int = 0
    last_error: str | None = None
    last_sent: datetime | None = None


def mail_status() -> MailStatus:
    """Mail's set-up and the queue, for administrators (counts of mails, nothing in them)."""
    config = current_app.config
    if not mail_configured():
        return MailStatus(configured=False)
    unsent = and_(OutgoingMail.sent_at.is_(None), OutgoingMail.dropped_at.is_(None))
    waiting = db.session.scalar(select(func.count()).where(unsent)) or 0
    retrying = db.session.scalar(select(func.count()).where(unsent, OutgoingMail.attempts > 0))
    last_error = db.session.scalar(
        select(OutgoingMail.last_error)
        .where(unsent, OutgoingMail.attempts > 0)
        .order_by(OutgoingMail.next_try_at.desc())
        .limit(1)
    )
    last_sent = db.session.scalar(select(func.max(OutgoingMail.sent_at)))
    return MailStatus(
        configured=True,
        host=config["MAIL_HOST"],
        port=config["MAIL_PORT"],
        security=config["MAIL_SECURITY"],
        sender=config["MAIL_FROM"],
        logs_in=bool(config.get("MAIL_USERNAME")),
        waiting=waiting,
        retrying=retrying or 0,
        last_error=last_error,
        last_sent=last_sent,
    )
