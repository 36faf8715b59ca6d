"""Make demo leaders and their data in bulk, sealed exactly as the app seals it.

Fast enough for a million entries: rows go in with executemany in batches, ids are given
here (an entry's seal is bound to its id), and the demo password is derived with scrypt
once for all accounts. The accounts therefore share the password's salt: whoever guesses
the (printed) demo password opens every demo journal, which is what a demo is. Each account
still has its own random data key, so no real account's security depends on any of this.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, insert, select

from journal import crypto
from journal.auth.keys import keys_for_new_account
from journal.auth.passwords import hash_password, normalize
from journal.demo import texts
from journal.extensions import db
from journal.framework import current_framework
from journal.models import (
    CheckIn,
    Comment,
    Entry,
    EntryGoal,
    EntryTask,
    Goal,
    GoalStatusChange,
    GoalTask,
    ManagerLink,
    Share,
    SharedNote,
    SharingEvent,
    UnlockFactor,
    User,
)
from journal.models.user import DEFAULT_TIMEZONE, new_session_token

DEMO_DOMAIN = "demo.esbjerg.example"
DEMO_PASSWORD = "en rolig demo-dag"  # noqa: S105 (printed for everyone: it is a demo)
TEAM_SIZE = 8  # leaders under each manager
BATCH = 20_000


class RealAccounts(Exception):
    """The database has accounts that are not demo accounts: demo data would mix in."""


@dataclass
class Made:
    """How many of each thing were made."""

    leaders: int = 0
    entries: int = 0
    goals: int = 0
    check_ins: int = 0
    links: int = 0
    shares: int = 0
    comments: int = 0


def is_demo_email(email: str) -> bool:
    """Whether an account is a demo account (by its address in the demo domain)."""
    return email.endswith("@" + DEMO_DOMAIN)


def real_account_count() -> int:
    """Accounts outside the demo domain."""
    return db.session.scalar(select(func.count()).where(User.email.not_like(f"%@{DEMO_DOMAIN}")))


def first_accounts(limit: int) -> list[User]:
    """The first demo accounts, to show whom to log in as."""
    return list(
        db.session.scalars(
            select(User).where(User.email.like(f"%@{DEMO_DOMAIN}")).order_by(User.id).limit(limit)
        )
    )


def make_demo(leaders: int, entries_per_leader: int, *, allow_real: bool = False, seed=None):
    """Make `leaders` demo leaders with `entries_per_leader` entries each; returns `Made`.

    RealAccounts if the database has other accounts, unless `allow_real`.
    """
    if not allow_real and real_account_count():
        raise RealAccounts()
    maker = _Maker(Random(seed), _Ids.next_free())  # noqa: S311 (made-up text, not keys)
    made = maker.run(leaders, entries_per_leader)
    if db.engine.dialect.name == "postgresql":
        _move_sequences_on()
    db.session.commit()
    return made


class _Ids:
    """The next free id of each table written here: rows get theirs before insertion."""

    TABLES = (User, Entry, Goal, CheckIn, GoalStatusChange, ManagerLink, Comment, SharingEvent)

    def __init__(self, start: dict):
        self._next = start

    @classmethod
    def next_free(cls):
        return cls({m: (db.session.scalar(select(func.max(m.id))) or 0) + 1 for m in cls.TABLES})

    def take(self, model) -> int:
        value = self._next[model]
        self._next[model] = value + 1
        return value


def _move_sequences_on() -> None:
    """PostgreSQL's id sequences past the ids given here, so the app's inserts go on."""
    for model in _Ids.TABLES:
        sequence = func.pg_get_serial_sequence(model.__tablename__, "id")
        highest = select(func.coalesce(func.max(model.id), 1)).scalar_subquery()
        db.session.execute(select(func.setval(sequence, highest)))


def _at(day: date, hour: int = 15) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


class _Maker:
    """Builds the rows of one run and writes them in batches."""

    def __init__(self, rng: Random, ids: _Ids):
        self.rng, self.ids = rng, ids
        self.rows: dict = {}
        self.made = Made()
        self.today = datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()
        self.tasks = [task.key for task in current_framework().tasks]
        self.salt = secrets.token_bytes(crypto.SALT_BYTES)
        kdf = current_app.config["KEY_DERIVATION"]
        self.password_key = crypto.password_key(normalize(DEMO_PASSWORD), self.salt, kdf)
        self.password_hash = hash_password(DEMO_PASSWORD)

    def add(self, model, **row) -> None:
        self.rows.setdefault(model, []).append(row)
        if len(self.rows[model]) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Insert what is waiting, parents before children (the foreign keys are checked)."""
        for model in (
            User,
            UnlockFactor,
            Goal,
            GoalTask,
            GoalStatusChange,
            CheckIn,
            Entry,
            EntryTask,
        ):
            self._insert(model)
        for model in (EntryGoal, ManagerLink, Share, SharedNote, Comment, SharingEvent):
            self._insert(model)

    def _insert(self, model) -> None:
        rows = self.rows.pop(model, None)
        if rows:
            db.session.execute(insert(model.__table__), rows)

    def run(self, leaders: int, entries_per_leader: int) -> Made:
        people = [self.leader(self.ids.take(User), i) for i in range(leaders)]
        shareable = {}
        for user_id, key in people:
            goals = self.goals(user_id, key)
            shareable[user_id] = self.shareable
            self.entries(user_id, key, entries_per_leader, goals)
            if self.made.entries % 200_000 < entries_per_leader:
                self.flush()
                db.session.commit()  # keeps SQLite's write-ahead log small
        for i, (user_id, _key) in enumerate(people[1:], start=1):
            manager_id = people[(i - 1) // TEAM_SIZE][0]  # a tree: the director at the top
            self.link(user_id, manager_id, shareable[user_id])
        self.flush()
        return self.made

    def link(self, leader_id: int, manager_id: int, shared: "_Shareable") -> None:
        """An accepted link to the manager, one goal shared (with the share's readable copy,
        as the app writes it), a comment or two on it within the link."""
        rng, link_id, goal_id = self.rng, self.ids.take(ManagerLink), shared.goal_id
        asked = self.today - timedelta(days=rng.randrange(200, 400))
        # Shared a few days into the goal (or into the link, if the goal is older): never
        # before the goal began; seen and commented on in the last month.
        shared_on = max(
            asked + timedelta(days=3), shared.start + timedelta(days=rng.randrange(1, 15))
        )
        viewed = self.today - timedelta(days=rng.randrange(1, 30))
        self.add(
            ManagerLink,
            id=link_id,
            leader_id=leader_id,
            manager_id=manager_id,
            status="accepted",
            requested_at=_at(asked),
            responded_at=_at(asked + timedelta(days=1)),
        )
        include_notes = rng.random() < 0.5
        self.add(
            Share,
            goal_id=goal_id,
            link_id=link_id,
            include_notes=include_notes,
            shared_at=_at(shared_on),
            title=shared.title,
            why=shared.why,
            how_i_know=shared.how_i_know,
        )
        for check_in_id, note in shared.notes if include_notes else ():
            if note:
                self.add(SharedNote, check_in_id=check_in_id, goal_id=goal_id, note=note)
        events = (
            ("link_requested", None, asked),
            ("link_accepted", None, asked + timedelta(days=1)),
            ("shared", goal_id, shared_on),
            ("viewed", goal_id, viewed),
        )
        for kind, goal, day in events:
            self.add(
                SharingEvent,
                id=self.ids.take(SharingEvent),
                leader_id=leader_id,
                kind=kind,
                goal_id=goal,
                manager_id=manager_id,
                at=_at(day),
            )
        comments = [(manager_id, rng.choice(texts.COMMENTS))]
        if rng.random() < 0.5:
            comments.append((leader_id, rng.choice(texts.REPLIES)))
        for n, (author_id, body) in enumerate(comments):
            self.add(
                Comment,
                id=self.ids.take(Comment),
                goal_id=goal_id,
                author_id=author_id,
                link_id=link_id,
                body=body,
                created_at=_at(viewed, 9 + n),
            )
            self.add(  # the log's line for it, as the app writes one
                SharingEvent,
                id=self.ids.take(SharingEvent),
                leader_id=leader_id,
                kind="replied" if author_id == leader_id else "commented",
                goal_id=goal_id,
                manager_id=manager_id,
                at=_at(viewed, 9 + n),
            )
        self.made.links += 1
        self.made.shares += 1
        self.made.comments += len(comments)

    def leader(self, user_id: int, number: int) -> tuple[int, object]:
        first_name = self.rng.choice(texts.FIRST_NAMES)
        last_name = self.rng.choice(texts.LAST_NAMES)
        local = f"{first_name}.{last_name}.{user_id}".lower()
        local = local.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
        key, factors = keys_for_new_account(user_id, self.password_key, self.salt)
        created = _at(self.today - timedelta(days=5 * 365))
        self.add(
            User,
            id=user_id,
            email=f"{local}@{DEMO_DOMAIN}",
            name=f"{first_name} {last_name}",
            password_hash=self.password_hash,
            is_admin=number == 0,  # the director also manages the accounts
            is_active=True,
            language="da",
            timezone=DEFAULT_TIMEZONE,
            created_at=created,
            recovery_key_confirmed_at=created,
            key_version=1,
            must_change_password=False,
            session_version=0,
            session_token=new_session_token(),
        )
        for factor in factors:
            self.add(UnlockFactor, name="", sign_count=0, transports="", **factor)
        self.made.leaders += 1
        return user_id, key

    def goals(self, user_id: int, key) -> list[tuple[int, str, date]]:
        """Two active goals and one achieved, each with check-ins, sealed with the leader's
        key; (id, task, start). The first is kept in `shareable`."""
        made = []
        # Three different tasks: one leader practising the same thing twice reads as a bug.
        tasks = self.rng.sample(self.tasks, min(3, len(self.tasks)))
        for position, (age, status) in enumerate(
            ((120, "active"), (60, "active"), (400, "achieved"))
        ):
            goal_id = self.ids.take(Goal)
            task = tasks[position % len(tasks)]
            start = self.today - timedelta(days=age + self.rng.randrange(30))
            end = self.today if status == "active" else start + timedelta(days=200)
            title, why, how_i_know = self.rng.choice(texts.GOALS[task])
            text = {"title": title, "why": why, "how_i_know": how_i_know}
            self.add(
                Goal,
                id=goal_id,
                owner_id=user_id,
                sealed=key.seal_fields("goals", goal_id, text),
                plain_title="",
                plain_why="",
                plain_how_i_know="",
                start_date=start,
                review_date=start + timedelta(days=180),
                status=status,
                position=position,
                created_at=_at(start),
                updated_at=_at(end),
            )
            self.add(GoalTask, goal_id=goal_id, task_key=task)
            self.add(
                GoalStatusChange,
                id=self.ids.take(GoalStatusChange),
                goal_id=goal_id,
                status="active",
                changed_at=_at(start),
            )
            if status != "active":
                self.add(
                    GoalStatusChange,
                    id=self.ids.take(GoalStatusChange),
                    goal_id=goal_id,
                    status=status,
                    changed_at=_at(end),
                )
            notes = self.check_ins(goal_id, key, start, end)
            if position == 0:
                self.shareable = _Shareable(goal_id, start=start, notes=notes, **text)
            made.append((goal_id, task, start))
            self.made.goals += 1
        return made

    def check_ins(self, goal_id: int, key, start: date, end: date) -> list[tuple[int, str]]:
        """Check-ins every week or two, their notes sealed; (id, note) of each."""
        day, rating, notes = start + timedelta(days=7), 2.0, []
        while day <= end:
            rating = min(5.0, max(1.0, rating + self.rng.uniform(-0.6, 0.9)))
            check_in_id, note = self.ids.take(CheckIn), self.rng.choice(texts.CHECK_IN_NOTES)
            self.add(
                CheckIn,
                id=check_in_id,
                goal_id=goal_id,
                day=day,
                rating=round(rating),
                sealed=key.seal_fields("check_ins", check_in_id, {"note": note}),
                plain_note="",
                created_at=_at(day, 16),
                updated_at=_at(day, 16),
            )
            notes.append((check_in_id, note))
            self.made.check_ins += 1
            day += timedelta(days=self.rng.randrange(6, 16))
        return notes

    def entries(self, user_id: int, key, count: int, goals) -> None:
        """`count` entries on working days back from today, oldest first (ids grow with time)."""
        rng = self.rng
        favourites = rng.sample(self.tasks, 6)  # the other three are blind spots, mostly
        unit = rng.choice(texts.UNITS)
        for day in reversed(_writing_days(rng, self.today, count)):
            entry_id = self.ids.take(Entry)
            tasks = sorted(
                set(
                    rng.choices(
                        favourites if rng.random() < 0.95 else self.tasks, k=rng.choice((1, 1, 2))
                    )
                )
            )
            title, body = texts.reflection(rng, tasks, unit)
            age = (self.today - day).days
            trashed = rng.random() < 0.01 and age < 400
            self.add(
                Entry,
                id=entry_id,
                owner_id=user_id,
                entry_date=day,
                sealed=key.seal_entry(entry_id, title, body),
                title="",
                body="",
                starred=rng.random() < 0.05,
                version=1,
                created_at=_at(day),
                updated_at=_at(day),
                deleted_at=_at(self.today - timedelta(days=rng.randrange(1, 20)))
                if trashed
                else None,
            )
            for task in tasks:
                self.add(EntryTask, entry_id=entry_id, task_key=task)
            for goal_id, goal_task, start in goals:
                if goal_task in tasks and day >= start and rng.random() < 0.5:
                    self.add(EntryGoal, entry_id=entry_id, goal_id=goal_id)
            self.made.entries += 1


@dataclass(frozen=True)
class _Shareable:
    """The goal a leader shares with their manager, with the text its share copies."""

    goal_id: int
    start: date
    title: str
    why: str
    how_i_know: str
    notes: list[tuple[int, str]]


def _writing_days(rng: Random, today: date, count: int) -> list[date]:
    """`count` dates, newest first: most working days one entry, some two, some none."""
    days, day = [], today
    while len(days) < count:
        if day.weekday() < 5:
            days.extend([day] * rng.choices((0, 1, 2), weights=(15, 75, 10))[0])
        elif rng.random() < 0.05:
            days.append(day)
        day -= timedelta(days=1)
    return days[:count]
