"""Sending on any number of servers: each mail claimed before it is sent, sent once, retried
with backoff when the server refuses or is down, never lost; through a real SMTP server.

The clock is moved by giving `run_once` the moment it runs at.
"""

import logging
import threading
from contextlib import suppress
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from journal.models import Notification, OutgoingMail
from journal.models.user import utcnow
from journal.notifications import delivery, kinds, reminders
from journal.notifications.services import notify
from journal.notifications.smtp import Smtp
from tests.entries.test_journal_list import counting_queries
from tests.notifications.conftest import use_mail
from tests.notifications.test_reminders import choose
from tests.postgres import free_port

pytestmark = pytest.mark.both_engines  # claiming, leases and the batch queries


@pytest.fixture
def manager(make_user):
    return make_user(name="Mads Chef", email="mads@esbjerg.example")


@pytest.fixture
def leader(make_user):
    return make_user(name="Lone Leder", email="lone@esbjerg.example")


def commented(db, *leaders, by, at=None) -> None:
    """The manager commented on a goal of each leader's (as `sharing` tells them)."""
    for person in leaders:
        notify(person, kinds.COMMENT, actor=by, at=at)
    db.session.commit()


def stored_mails(db) -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def test_a_refused_mail_stays_queued_and_goes_once_the_server_takes_it(
    app, db, inbox, leader, manager, caplog
):
    commented(db, leader, by=manager)
    start = utcnow() + timedelta(minutes=16)
    inbox.refuse = "550 5.7.1 Relaying denied"
    with caplog.at_level(logging.INFO, logger="journal.notifications"):
        assert delivery.run_once(start).failed == 1
    (mail,) = stored_mails(db)
    assert (mail.attempts, mail.sent_at, mail.lease_owner) == (1, None, None)
    assert mail.last_error == "550 5.7.1 Relaying denied"
    assert mail.next_try_at == pytest.approx(start + timedelta(minutes=1), abs=timedelta(seconds=5))
    logged = caplog.text
    assert f"mail {mail.id} to account {leader.id} not sent (attempt 1): 550 5.7.1" in logged
    assert "kommenteret" not in logged and "commented" not in logged

    # Before its next try nothing happens; then it is refused again, and waits longer.
    assert delivery.run_once(start + timedelta(seconds=30)).failed == 0
    assert stored_mails(db)[0].attempts == 1
    delivery.run_once(start + timedelta(minutes=2))
    (mail,) = stored_mails(db)
    assert mail.attempts == 2
    assert mail.next_try_at > start + timedelta(minutes=6)

    inbox.refuse = None
    assert delivery.run_once(start + timedelta(minutes=4)).sent == 0  # still waiting
    assert delivery.run_once(start + timedelta(minutes=8)).sent == 1
    (mail,) = stored_mails(db)
    assert mail.sent_at is not None and mail.last_error is None and mail.attempts == 2
    assert len(inbox.mails) == 1
    assert delivery.run_once(start + timedelta(hours=7)).sent == 0
    assert len(inbox.mails) == 1


def test_a_mail_refused_for_one_address_holds_up_no_other(app, db, inbox, make_user, manager):
    first, second = make_user(name="Anne"), make_user(name="Bo")
    commented(db, first, second, by=manager)
    inbox.refuse_for[first.email] = "550 5.1.1 User unknown"
    start = utcnow() + timedelta(minutes=16)
    outcome = delivery.run_once(start)
    assert (outcome.sent, outcome.failed) == (1, 1)
    assert [mail.recipients for mail in inbox.mails] == [[second.email]]
    refused, sent = stored_mails(db)
    assert refused.attempts == 1 and refused.last_error == "550 5.1.1 User unknown"
    assert sent.sent_at is not None


def test_a_server_that_is_down_leaves_the_mails_queued_for_a_later_run(
    app, db, smtp_server, make_user, manager
):
    first, second = make_user(name="Anne"), make_user(name="Bo")
    commented(db, first, second, by=manager)
    start = utcnow() + timedelta(minutes=16)
    use_mail(app, free_port())  # nothing listens there
    outcome = delivery.run_once(start)
    assert (outcome.sent, outcome.failed) == (0, 1)
    tried, untried = stored_mails(db)
    assert tried.attempts == 1 and "ConnectionRefusedError" in tried.last_error
    # The run stops at the first: the other is not tried against a server that is down,
    # and waits as long.
    assert untried.attempts == 0 and untried.next_try_at == tried.next_try_at
    assert {tried.lease_owner, untried.lease_owner, tried.sent_at, untried.sent_at} == {None}

    inbox, port = smtp_server
    use_mail(app, port)
    assert delivery.run_once(start + timedelta(minutes=2)).sent == 2
    assert sorted(mail.recipients[0] for mail in inbox.mails) == sorted([first.email, second.email])


def test_a_run_that_died_while_sending_leaves_its_mail_to_a_run_after_the_lease(
    app, db, inbox, leader, manager, monkeypatch
):
    commented(db, leader, by=manager)
    start = utcnow() + timedelta(minutes=16)

    def killed(*_args):
        raise SystemExit("killed")

    with monkeypatch.context() as patched:
        patched.setattr(Smtp, "send", killed)
        with pytest.raises(SystemExit):
            delivery.run_once(start)
    (mail,) = stored_mails(db)
    assert mail.lease_owner is not None and mail.sent_at is None

    # Another run on another server, while the lease holds: hands off.
    assert delivery.run_once(start + timedelta(minutes=5)).sent == 0
    assert inbox.mails == []
    # Once the lease has run out, it is sent: late, never lost.
    assert delivery.run_once(start + delivery.LEASE + timedelta(minutes=1)).sent == 1
    assert len(inbox.mails) == 1


def test_two_runs_at_the_same_time_send_each_mail_exactly_once(
    app, db, inbox, make_user, manager, monkeypatch
):
    leaders = [make_user(name=f"Leder {letter}") for letter in "ABCD"]
    commented(db, *leaders, by=manager)
    for person in leaders:
        notify(person, kinds.LINK_ACCEPTED, actor=manager)
    db.session.commit()

    # Both runs find the same recipients before either makes a mail ...
    both_looked = threading.Barrier(2, timeout=10)
    due_recipients = delivery.due_recipients

    def look_then_wait(now):
        found = due_recipients(now)
        with suppress(threading.BrokenBarrierError):
            both_looked.wait()
        return found

    # ... and the run that got none claims while the other is sending the first mail, which
    # the server holds until that run is over.
    sending, loser_done = threading.Event(), threading.Event()
    claims, losers = [], threading.local()
    claim_retries = delivery.claim_retries

    def claim_while_the_other_sends(run):
        if db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.lease_owner == run.id)):
            claim_retries(run)
        else:
            losers.waited = sending.wait(10)
            claim_retries(run)
        claims.append(run.id)

    def hold_the_first():
        if not sending.is_set():
            sending.set()
            loser_done.wait(10)

    monkeypatch.setattr(delivery, "due_recipients", look_then_wait)
    monkeypatch.setattr(delivery, "claim_retries", claim_while_the_other_sends)
    inbox.hold = hold_the_first
    moment = utcnow() + timedelta(minutes=16)
    outcomes, errors = [], []

    def run():
        try:
            with app.app_context():
                outcomes.append(delivery.run_once(moment))
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        if getattr(losers, "waited", False):
            loser_done.set()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert loser_done.is_set() and len(claims) == 2  # they really overlapped
    assert sorted(outcome.sent for outcome in outcomes) == [0, 4]
    assert sorted(mail.recipients[0] for mail in inbox.mails) == sorted(p.email for p in leaders)
    for mail in inbox.mails:  # each one mail with both of its lines
        assert "har kommenteret" in mail.text and "har sagt ja" in mail.text
    mails = stored_mails(db)
    assert len(mails) == 4 and all(mail.sent_at is not None for mail in mails)
    assert db.session.scalar(select(Notification).where(Notification.mail_id.is_(None))) is None


def test_a_run_reads_its_mails_in_the_same_number_of_queries_however_many(
    app, db, inbox, make_user, manager
):
    def statements_sending(count: int) -> list[str]:
        people = [make_user() for _ in range(count)]
        commented(db, *people, by=manager)
        for person in people:
            notify(person, kinds.LINK_ACCEPTED, actor=manager)
        db.session.commit()
        with counting_queries(db.engine) as executed:
            assert delivery.run_once(utcnow() + timedelta(minutes=16)).sent == count
        return executed

    few, many = statements_sending(2), statements_sending(8)
    reads = [statement for statement in few if statement.lstrip().upper().startswith("SELECT")]
    assert len(reads) == len(
        [statement for statement in many if statement.lstrip().upper().startswith("SELECT")]
    )
    # Beyond the reads, two writes per mail: taken before it is sent, marked sent after.
    assert len(many) - len(few) == 2 * (8 - 2)


def test_a_run_takes_a_bounded_batch_and_leaves_the_rest_to_the_next(
    app, db, inbox, make_user, manager, monkeypatch
):
    monkeypatch.setattr(delivery, "BATCH", 2)
    commented(db, *[make_user() for _ in range(3)], by=manager)
    moment = utcnow() + timedelta(minutes=16)
    assert delivery.run_once(moment).sent == 2
    assert delivery.run_once(moment + timedelta(minutes=5)).sent == 1
    assert len(inbox.mails) == 3


def test_steps_registered_before_sending_run_first_in_the_same_run(
    app, db, inbox, leader, monkeypatch
):
    """How the reminders plug in: `register_step(app, reminders.queue_due)`."""
    seen = []

    def remind(now):
        seen.append(now)
        notify(leader, kinds.APPRAISAL, at=now)
        db.session.commit()

    delivery.register_step(app, remind)
    moment = utcnow()
    assert delivery.run_once(moment).sent == 1
    assert seen == [moment]
    assert "udviklingssamtale" in inbox.mails[0].text


def test_mails_kept_long_enough_for_their_unsubscribe_link_then_forgotten(
    app, db, inbox, leader, manager
):
    commented(db, leader, by=manager)
    sent_at = utcnow() + timedelta(minutes=16)
    delivery.run_once(sent_at)
    delivery.run_once(sent_at + delivery.KEEP - timedelta(days=1))
    assert len(stored_mails(db)) == 1
    delivery.run_once(sent_at + delivery.KEEP + timedelta(days=1))
    assert stored_mails(db) == []
    (notification,) = db.session.scalars(select(Notification))
    assert notification.mail_id is None and notification.mail_after is None  # not again
    assert len(inbox.mails) == 1


def test_without_mail_set_up_the_command_says_so_and_sends_nothing(app, db, leader, manager):
    commented(db, leader, by=manager)
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    assert "Mail is not set up (no MAIL_HOST), so no mail is sent" in result.output
    assert stored_mails(db) == []


def test_the_command_sends_and_says_how_it_went(app, db, inbox, leader, manager):
    commented(db, leader, by=manager, at=utcnow() - timedelta(minutes=20))
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    assert "Mails sent: 1; to try again later: 0;" in result.output
    assert len(inbox.mails) == 1


def test_the_app_queues_the_reminders_in_the_send_run_and_mails_them(app, db, smtp_server, leader):
    """As installed: `notifications send` makes the reminders that are due and mails them in
    the same run; without mail set up it makes none (they would count as ignored)."""
    assert reminders.queue_due in app.extensions[delivery.STEPS]
    choose(leader, reflection=True, days="1234567", time=time(0))
    assert delivery.run_once(utcnow()).configured is False
    assert db.session.scalars(select(Notification)).all() == []
    inbox, port = smtp_server
    use_mail(app, port)
    assert delivery.run_once(utcnow()).sent == 1
    (mail,) = inbox.mails
    assert mail.recipients == [leader.email]
