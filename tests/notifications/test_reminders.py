"""Reminders: to write (at the leader's days and local time, backing off when ignored),
to check in on a goal, to prepare the appraisal; each made once, however many runs."""

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from journal.extensions import db as _db
from journal.goals import services as goals
from journal.models import Entry, Notification, NotificationSettings, User
from journal.notifications import reminders, services
from journal.notifications.reminders import queue_due
from tests.entries.test_journal_list import counting_queries

pytestmark = pytest.mark.both_engines  # SAVEPOINTs and unique keys: the engine matters


def at(text: str) -> datetime:
    """A moment in UTC: at("2027-03-27 15:30")."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def choose(user, **values) -> None:
    """Save the user's settings as the Settings page would: the defaults, with `values`."""
    choices = {name: values.pop(name) for name in list(values) if name in services.SETTINGS}
    services.save_settings(
        user,
        choices=choices,
        reflection_days=values.pop("days", "1234567"),
        reflection_time=values.pop("time", time(16, 30)),
        appraisal_date=values.pop("appraisal_date", None),
    )
    assert not values


def made(db, kind: str | None = None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def write_at(user, moment: datetime, make_entry) -> None:
    """The leader writes an entry at `moment`."""
    entry = make_entry(user)
    _db.session.execute(update(Entry).where(Entry.id == entry.id).values(created_at=moment))
    _db.session.commit()


@pytest.fixture
def writer(make_user):
    """A leader in Copenhagen who wants the reminder every day at 16:30."""
    user = make_user(name="Lone Leder")
    choose(user, reflection=True)
    return user


# To write --------------------------------------------------------------------------------


def test_the_reminder_comes_at_the_local_time_on_both_sides_of_summer_time(app, db, writer):
    # Saturday 27 March 2027 (CET, UTC+1); summer time begins in the night to Sunday 28.
    assert queue_due(at("2027-03-27 15:29")) == 0
    assert queue_due(at("2027-03-27 15:30")) == 1
    assert queue_due(at("2027-03-27 18:00")) == 0  # once a day
    # Monday 29 March (CEST, UTC+2): 16:30 is now 14:30 UTC.
    assert queue_due(at("2027-03-29 14:29")) == 0
    assert queue_due(at("2027-03-29 14:30")) == 1
    (first, second) = made(db, "reflection")
    assert first.once_key == f"reflection:{writer.id}:2027-03-27"
    assert second.once_key == f"reflection:{writer.id}:2027-03-29"
    # To be mailed at once, never shown as new in the app.
    assert second.mail_after == at("2027-03-29 14:30") and second.read_at is not None


def test_each_leader_is_reminded_in_their_own_time_zone(app, db, writer, make_user):
    far = make_user(name="Nora New York", timezone="America/New_York")
    choose(far, reflection=True)
    # Monday 15 March 2027: New York is on summer time (UTC-4) already, Copenhagen (UTC+1) not.
    assert queue_due(at("2027-03-15 15:30")) == 1
    assert queue_due(at("2027-03-15 20:29")) == 0
    assert queue_due(at("2027-03-15 20:30")) == 1
    assert [n.recipient_id for n in made(db)] == [writer.id, far.id]
    # Past midnight in Copenhagen, still Monday in New York: nothing new for either.
    assert queue_due(at("2027-03-16 02:00")) == 0


def test_not_on_a_day_the_leader_did_not_choose(app, db, make_user):
    leader = make_user()
    choose(leader, reflection=True, days="135", time=time(7, 0))
    assert queue_due(at("2027-03-16 12:00")) == 0  # a Tuesday
    assert queue_due(at("2027-03-17 12:00")) == 1  # a Wednesday


def test_not_on_a_day_the_leader_has_already_written(app, db, writer, make_entry):
    write_at(writer, at("2027-03-15 07:00"), make_entry)
    assert queue_due(at("2027-03-15 16:00")) == 0
    assert queue_due(at("2027-03-16 16:00")) == 1


def test_it_backs_off_to_weekly_after_three_ignored_and_resumes_when_the_leader_writes(
    app, db, writer, make_entry
):
    first = date(2027, 4, 5)
    days = []
    for number in range(22):
        if number == 17:  # the leader writes, in the morning
            write_at(writer, at(f"{first + timedelta(days=number)} 06:00"), make_entry)
        if queue_due(at(f"{first + timedelta(days=number)} 15:00")):  # 17:00 in Copenhagen
            days.append(number)
    # Three in a row, then a week after the last, twice; the day the leader wrote nothing,
    # and from the next day the normal rhythm again (three, then weekly).
    assert days == [0, 1, 2, 9, 16, 18, 19, 20]
    settings = db.session.get(NotificationSettings, writer.id)
    assert settings.reflection_misses == 3


def test_nothing_for_a_deactivated_account_or_a_reminder_switched_off(
    app, db, make_user, make_goal
):
    gone = make_user()
    choose(gone, reflection=True, check_in_due=True, appraisal_date=date(2027, 3, 20))
    make_goal(gone, start_date=date(2027, 1, 1))
    db.session.execute(update(User).where(User.id == gone.id).values(is_active=False))
    off = make_user()
    choose(
        off, reflection=False, check_in_due=False, appraisal=False, appraisal_date=date(2027, 3, 20)
    )
    make_goal(off, start_date=date(2027, 1, 1))
    never_chose = make_user()  # no settings: the defaults, reminders off
    make_goal(never_chose, start_date=date(2027, 1, 1))
    db.session.commit()
    assert queue_due(at("2027-03-15 17:00")) == 0
    assert made(db) == []


def test_the_run_asks_the_same_few_questions_for_many_leaders(app, db, make_user, make_goal):
    def leaders(count):
        for _number in range(count):
            user = make_user()
            choose(user, reflection=True, check_in_due=True, appraisal_date=date(2027, 3, 20))
            make_goal(user, start_date=date(2027, 1, 1))

    leaders(2)
    with counting_queries(db.engine) as few:
        assert queue_due(at("2027-03-15 17:00")) == 6
    leaders(8)
    with counting_queries(db.engine) as many:
        assert queue_due(at("2027-03-16 17:00")) == 8 + 8 + 8 + 2  # the first two: reflection only
    selects = lambda statements: [s for s in statements if s.lstrip().upper().startswith("SELECT")]  # noqa: E731
    assert len(selects(many)) == len(selects(few))


# To check in -------------------------------------------------------------------------------


def test_a_goal_due_a_check_in_is_told_once_per_period(app, db, make_user, make_goal):
    leader = make_user()
    choose(leader, check_in_due=True)
    goal = make_goal(leader, start_date=date(2027, 3, 1))  # due from 15 March
    paused = make_goal(leader, start_date=date(2027, 3, 1))
    goals.set_status(leader, paused, "paused")
    assert queue_due(at("2027-03-14 12:00")) == 0
    assert queue_due(at("2027-03-15 06:59")) == 0  # 07:59 in Copenhagen: not before the morning
    assert queue_due(at("2027-03-15 07:00")) == 1
    assert queue_due(at("2027-03-15 12:00")) == 0
    assert queue_due(at("2027-03-20 12:00")) == 0  # still due, already told
    goals.add_check_in(leader, goal, day=date(2027, 3, 21), rating=4, note="")
    assert queue_due(at("2027-04-03 12:00")) == 0
    assert queue_due(at("2027-04-04 12:00")) == 1  # 14 days after the check-in
    told = made(db, "check_in_due")
    assert [(n.goal_id, n.once_key) for n in told] == [
        (goal.id, f"check_in_due:{goal.id}:2027-03-15"),
        (goal.id, f"check_in_due:{goal.id}:2027-04-04"),
    ]
    assert all(n.mail_after is not None and n.read_at is None for n in told)


# To prepare the appraisal --------------------------------------------------------------


def test_the_appraisal_is_announced_once_two_weeks_before(app, db, make_user):
    leader = make_user()
    choose(leader, appraisal_date=date(2027, 6, 15))  # the appraisal reminder is on by default
    assert queue_due(at("2027-05-31 12:00")) == 0
    assert queue_due(at("2027-06-01 05:59")) == 0  # 07:59 in Copenhagen
    assert queue_due(at("2027-06-01 06:00")) == 1
    assert queue_due(at("2027-06-02 12:00")) == 0
    (told,) = made(db, "appraisal")
    assert told.once_key == f"appraisal:{leader.id}:2027-06-15"
    # A new date, entered later than two weeks before it: told on the first run.
    choose(leader, appraisal_date=date(2027, 6, 20))
    assert queue_due(at("2027-06-10 12:00")) == 1
    assert queue_due(at("2027-06-20 12:00")) == 0  # the day itself: nothing more


# Once, however many runs -------------------------------------------------------------------


def test_one_reminder_already_made_leaves_the_others_to_be_made(
    app, db, writer, make_user, monkeypatch
):
    other = make_user()
    choose(other, reflection=True)
    # Another run made the writer's reminder after this run looked (its look is bypassed).
    db.session.add(
        Notification(
            recipient_id=writer.id,
            kind="reflection",
            once_key=f"reflection:{writer.id}:2027-03-15",
        )
    )
    db.session.commit()
    monkeypatch.setattr(reminders, "already_made", lambda keys: set())
    assert queue_due(at("2027-03-15 17:00")) == 1
    assert sorted(n.recipient_id for n in made(db)) == sorted([writer.id, other.id])
    db.session.expire_all()
    assert db.session.get(NotificationSettings, writer.id).reflection_misses == 0
    assert db.session.get(NotificationSettings, other.id).reflection_misses == 1


def test_two_runs_at_the_same_moment_make_each_reminder_once(
    app, db, make_user, make_goal, monkeypatch
):
    for _number in range(4):
        user = make_user()
        choose(user, reflection=True, check_in_due=True, appraisal_date=date(2027, 3, 20))
        make_goal(user, start_date=date(2027, 1, 1))
    now = at("2027-03-15 17:00")
    # Both runs have looked for what is already made before either makes anything.
    both_looked = threading.Barrier(2, timeout=10)
    look = reminders.already_made

    def look_then_wait(keys):
        found = look(keys)
        both_looked.wait()
        return found

    monkeypatch.setattr(reminders, "already_made", look_then_wait)
    counts, errors = [], []

    def run():
        try:
            with app.app_context():
                counts.append(queue_due(now))
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 12, counts
    keys = [n.once_key for n in made(db)]
    assert len(keys) == len(set(keys)) == 12
    for settings in db.session.scalars(select(NotificationSettings)):
        assert settings.reflection_misses == 1
