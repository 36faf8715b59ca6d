"""Questions to prepare the appraisal: a look back on the review's months, not on today.

They come from the framework file's `review_questions` of the tasks reflected on least in the
period, and from the leader's own goals: the one that moved least, and one not followed up.
Chosen by a hash of leader, day and question rather than at random, so that a reload shows
the same questions all day (as the daily question on the write page does).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from journal.framework import Framework, Task
from journal.models import Goal
from journal.models.goal import RATINGS

TASK_QUESTIONS = 3
GOAL_QUESTIONS = 2
TOP_RATING = max(RATINGS)


@dataclass(frozen=True)
class Question:
    """A question as the page shows it, and what it is about (a task's name), if anything."""

    text: str
    about: str | None = None


@dataclass(frozen=True)
class GoalMovement:
    """A goal and its first and latest rating in the period (None: no check-in in it)."""

    goal: Goal
    first: int | None
    latest: int | None


def _order(seed: str, name: str) -> bytes:
    """A fixed shuffle for the day: the same seed and name give the same place."""
    return hashlib.sha256(f"{seed}:{name}".encode()).digest()


def task_questions(
    framework: Framework, counts: dict[str, int], seed: str, language: str
) -> list[Question]:
    """One look-back question for each of the `TASK_QUESTIONS` tasks reflected on least in the
    period (`counts`); ties and the question within a task settled by `seed`. Tasks without
    review questions in the framework file are passed over."""
    tasks: list[Task] = sorted(
        (task for task in framework.tasks if task.review_questions),
        key=lambda task: (counts.get(task.key, 0), _order(seed, task.key)),
    )[:TASK_QUESTIONS]
    chosen = []
    for task in tasks:
        index = int.from_bytes(_order(seed, f"{task.key}:question")[:4]) % len(
            task.review_questions
        )
        chosen.append(Question(task.review_questions[index].get(language), task.name.get(language)))
    return chosen


def goal_questions(movements: Sequence[GoalMovement]) -> list[Question]:
    """Questions about the leader's own goals: the one that moved least in the period (of
    those still being practised and checked in on, below the top rating; among two or more,
    or a single one that did not move), and the first
    active goal with no check-in in the period. The titles are the leader's own words, shown
    on the leader's own page only."""
    questions = []
    # A goal reached, let go, or at the top of the scale has nothing in its way: not asked.
    rated = [
        m
        for m in movements
        if m.first is not None
        and m.latest is not None
        and m.goal.status in ("active", "paused")
        and m.latest < TOP_RATING
    ]
    if rated:
        least = min(rated, key=lambda m: (m.latest - m.first, m.latest))
        if len(rated) >= 2:
            questions.append(
                Question(
                    _(
                        "Your goal “%(title)s” has moved the least. What has stood in the way, "
                        "and what would it take?",
                        title=least.goal.title,
                    )
                )
            )
        elif least.latest <= least.first:
            questions.append(
                Question(
                    _(
                        "Your goal “%(title)s” has not moved in the period. What has stood in "
                        "the way, and what would it take?",
                        title=least.goal.title,
                    )
                )
            )
    idle = [m for m in movements if m.first is None and m.goal.status == "active"]
    if idle:
        questions.append(
            Question(
                _(
                    "You have not checked in on your goal “%(title)s” in the period. Is it "
                    "still what you want to practise, and what would help you get going?",
                    title=idle[0].goal.title,
                )
            )
        )
    return questions[:GOAL_QUESTIONS]


def look_back_questions(
    framework: Framework,
    counts: dict[str, int],
    movements: Sequence[GoalMovement],
    *,
    user_id: int,
    today: date,
    language: str,
) -> list[Question]:
    """The review's questions: first about the leader's goals, then about the tasks that got
    least attention; the same all day for the same leader and period."""
    seed = f"{user_id}:{today.isoformat()}"
    return goal_questions(movements) + task_questions(framework, counts, seed, language)
