"""Reflection prompts: the framework's bullets as questions, favouring neglected tasks.

One policy for every page that asks: the write page and the dashboard offer a question from
the tasks reflected on least in the last `PROMPT_WINDOW_DAYS` days, the same one all day
(`prompt_for`). The review looks back on months, not a day: its questions are its own
(`journal/review/questions.py`).
"""

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta

from journal.entries.counts import task_counts_since
from journal.framework import Framework, Task, Template
from journal.i18n import today_for
from journal.models import User

PROMPT_WINDOW_DAYS = 30


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


def prompt_window_start(today: date) -> date:
    """The first day whose reflections count when choosing a prompt."""
    return today - timedelta(days=PROMPT_WINDOW_DAYS)


def daily_order(framework: Framework, task_counts: dict[str, int], seed: str) -> list[Prompt]:
    """Every prompt, the least reflected tasks first, shuffled within a count by `seed`.

    A hash rather than a random draw: the same leader sees the same question all day (a
    reload does not change it), and "another question" walks on through a fixed order.
    """

    def shuffle(prompt: Prompt) -> bytes:
        return hashlib.sha256(f"{seed}:{prompt.id}".encode()).digest()

    return sorted(
        all_prompts(framework), key=lambda p: (task_counts.get(p.task.key, 0), shuffle(p))
    )


def prompt_for(
    user: User,
    framework: Framework,
    *,
    recent_counts: dict[str, int] | None = None,
    after: str | None = None,
    offset: int = 0,
) -> Prompt | None:
    """Today's question for the write page and the dashboard: from the tasks the leader
    reflected on least since `prompt_window_start` (`recent_counts`, when the caller has
    counted them already); `offset` further along the day's order, or the one after `after`
    (the question just shown). None only for a framework without prompts."""
    today = today_for(user)
    if recent_counts is None:
        recent_counts = task_counts_since(user, prompt_window_start(today))
    order = daily_order(framework, recent_counts, f"{user.id}:{today.isoformat()}")
    if not order:
        return None
    ids = [prompt.id for prompt in order]
    if after in ids:
        offset = ids.index(after) + 1
    return order[offset % len(order)]


def skeleton(template: Template, language: str) -> str:
    """A guided reflection's questions as the start of a text: each in bold, room below."""
    return "\n\n".join(f"**{question.get(language)}**\n" for question in template.questions)


def with_template(body: str, template: Template, language: str) -> str:
    """The text with the template's questions added below what the leader already wrote;
    never replacing it, and not twice."""
    questions = skeleton(template, language)
    if questions.strip() in body:
        return body
    return f"{body.rstrip()}\n\n{questions}" if body.strip() else questions
