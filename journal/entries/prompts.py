"""Reflection prompts: the framework's bullets as questions, favouring neglected tasks."""

import random
from dataclasses import dataclass

from journal.framework import Framework, Task


@dataclass(frozen=True)
class Prompt:
    """One question: the prompt at `index` of a task."""

    task: Task
    index: int

    @property
    def id(self) -> str:
        """A stable reference for forms and URLs, e.g. "delegation:2"."""
        return f"{self.task.key}:{self.index}"

    def text(self, language: str) -> str:
        """The question in `language`."""
        return self.task.prompts[self.index].get(language)


def all_prompts(framework: Framework) -> list[Prompt]:
    """Every prompt of every task, in framework order."""
    return [Prompt(task, i) for task in framework.tasks for i in range(len(task.prompts))]


def find_prompt(framework: Framework, prompt_id: str | None) -> Prompt | None:
    """The prompt with this id, or None for anything unknown or malformed."""
    key, _, index = (prompt_id or "").partition(":")
    try:
        task = framework.task(key)
        position = int(index)
    except (KeyError, ValueError):
        return None
    return Prompt(task, position) if 0 <= position < len(task.prompts) else None


def choose_prompt(
    framework: Framework,
    task_counts: dict[str, int],
    *,
    exclude: str | None = None,
    rng: random.Random | None = None,
) -> Prompt | None:
    """A prompt from the tasks reflected on least (per `task_counts`), other than `exclude`.

    None only for a framework file that has no prompts at all.
    """
    candidates = [p for p in all_prompts(framework) if p.id != exclude] or all_prompts(framework)
    if not candidates:
        return None
    least = min(task_counts.get(p.task.key, 0) for p in candidates)
    fewest = [p for p in candidates if task_counts.get(p.task.key, 0) == least]
    return (rng or random).choice(fewest)
