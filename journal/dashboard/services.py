"""What the dashboard sums up: coverage of the framework's tasks and recent entries."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from journal.entries.services import open_entries
from journal.extensions import db
from journal.framework import Framework, Task, Theme
from journal.models import Entry, User


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


def recent_entries(user: User, limit: int = 5) -> list[Entry]:
    """The user's latest entries."""
    return open_entries(
        user,
        db.session.scalars(
            select(Entry)
            .where(Entry.owner_id == user.id, Entry.deleted_at.is_(None))
            .order_by(Entry.entry_date.desc(), Entry.id.desc())
            .limit(limit)
            .options(joinedload(Entry.task_links))  # one query, not two
        ).unique(),
    )
