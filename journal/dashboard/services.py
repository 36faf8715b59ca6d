"""What the dashboard sums up: how much attention each of the framework's tasks got."""

from dataclasses import dataclass

from journal.framework import Framework, Task, Theme


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
