"""What the dashboard sums up: how much attention each of the framework's tasks got, and,
for a new leader, the first steps still to take."""

from dataclasses import dataclass

from sqlalchemy import exists, func, select

from journal.extensions import db
from journal.framework import Framework, Task, Theme
from journal.models import Entry, Goal, ManagerLink, User

COMPARE_FROM = 10
"""Reflections a leader must have written before the dashboard shows blind spots and the
streak. Before that every task is a "blind spot" and a streak of zero reproaches a leader who
has just begun: nine red badges on the first day invite no one. Ten reflections are about two
working weeks, enough for the counts to say something."""

# A request the leader sent, or one the manager accepted: either way the leader has done it.
_LINK_DONE = ("pending", "accepted")


@dataclass(frozen=True)
class FirstSteps:
    """Where a new leader stands: worked out from the data each time, never stored."""

    reflections: int
    has_goal: bool
    has_manager: bool

    @property
    def wrote(self) -> bool:
        """At least one reflection (in the journal, not the trash)."""
        return self.reflections > 0

    @property
    def done(self) -> bool:
        """All three steps taken: "Get started" is no longer shown."""
        return self.wrote and self.has_goal and self.has_manager

    @property
    def comparing(self) -> bool:
        """Enough reflections for blind spots and the streak to mean something."""
        return self.reflections >= COMPARE_FROM


def first_steps(user: User) -> FirstSteps:
    """The user's reflections, whether they have a goal and a manager link: one query."""
    reflections = (
        select(func.count())
        .select_from(Entry)
        .where(Entry.owner_id == user.id, Entry.deleted_at.is_(None))
        .scalar_subquery()
    )
    has_goal = exists().where(Goal.owner_id == user.id)
    has_manager = exists().where(
        ManagerLink.leader_id == user.id, ManagerLink.status.in_(_LINK_DONE)
    )
    row = db.session.execute(select(reflections, has_goal, has_manager)).one()
    return FirstSteps(int(row[0]), bool(row[1]), bool(row[2]))


def first_name(name: str) -> str:
    """The greeting's name: a Dane greets a colleague by first name ("Hej Mette"), not by
    the full name an account holds."""
    words = name.split()
    return words[0] if words else name


@dataclass(frozen=True)
class TaskCoverage:
    """How much attention a task got: reflections tagged with it, active goals under it."""

    task: Task
    reflections: int
    goals: int

    @property
    def blind_spot(self) -> bool:
        """Neither reflected on nor practised."""
        return self.reflections == 0 and self.goals == 0


def coverage(
    framework: Framework, reflections: dict[str, int], goals: dict[str, int]
) -> list[tuple[Theme, list[TaskCoverage]]]:
    """Every task of the framework, by theme, with its counts."""
    return [
        (
            theme,
            [
                TaskCoverage(task, reflections.get(task.key, 0), goals.get(task.key, 0))
                for task in theme.tasks
            ],
        )
        for theme in framework.themes
    ]
