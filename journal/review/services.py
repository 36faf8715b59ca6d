"""Preparing for the appraisal: a period's goals, reflections per task, key reflections."""

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort
from sqlalchemy import Row, select
from sqlalchemy.orm import joinedload

from journal.database import atomic
from journal.entries.counts import entry_count_between, task_counts_between
from journal.entries.sealing import open_entries
from journal.extensions import db
from journal.goals.forms import without_prefix
from journal.goals.sealing import open_goals
from journal.journal_key import journal_key
from journal.models import Comment, Entry, Goal, Review, User
from journal.models.goal import MAX_GOAL_TEXT, MAX_GOAL_TITLE
from journal.sharing.services import comments_on_goals

PERIOD_MONTHS = {"3": 3, "6": 6, "12": 12}
LEADING_TO = re.compile(r"^(at|to)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """The dates a review covers, both included, and how they were chosen."""

    start: date
    end: date
    kind: str


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for candidate in range(day.day, 0, -1):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a first day")


def last_review(user: User) -> Review | None:
    """The user's most recently saved review."""
    return db.session.scalar(
        select(Review).where(Review.owner_id == user.id).order_by(Review.created_at.desc()).limit(1)
    )


def resolve_period(
    user: User, kind: str, date_from: date | None, date_to: date | None, today: date
) -> Period:
    """The period asked for: 3, 6 or 12 months, since the last saved review, or custom dates.

    Anything incomplete falls back to the last 6 months rather than failing.
    """
    if kind in PERIOD_MONTHS:
        return Period(months_before(today, PERIOD_MONTHS[kind]), today, kind)
    if kind == "since" and (previous := last_review(user)) is not None:
        start = min(previous.period_end + timedelta(days=1), today)
        return Period(start, today, kind)
    if kind == "custom" and date_from and date_to and date_from <= date_to:
        return Period(date_from, min(date_to, today), kind)
    return Period(months_before(today, 6), today, "6")


def goals_in(user: User, period: Period) -> list[Goal]:
    """Goals that were being practised during the period: started by its end, and active or
    paused, or changed (e.g. achieved) since it began; opened."""
    return open_goals(
        user,
        db.session.scalars(
            select(Goal)
            .where(Goal.owner_id == user.id, Goal.start_date <= period.end)
            .where(
                Goal.status.in_(("active", "paused"))
                | (Goal.updated_at >= datetime.combine(period.start, time(), UTC))
            )
            .order_by(Goal.position, Goal.id)
            .options(joinedload(Goal.task_links))  # one query, not two
        ).unique(),
    )


def comments_in(user: User, period: Period, goal_ids: list[int]) -> dict[int, list[Comment]]:
    """Per goal, the manager's comments and the leader's replies made in the period (its days
    where the leader is), in one query."""
    zone = ZoneInfo(user.timezone)
    return comments_on_goals(
        goal_ids, _midnight(period.start, zone), _midnight(period.end + timedelta(days=1), zone)
    )


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The moment a day begins where the leader is, in UTC; a day at the calendar's very
    edge (a custom period from the year 1) is moved a day in, where UTC can still say it."""
    day = min(max(day, date.min + timedelta(days=1)), date.max - timedelta(days=1))
    return datetime.combine(day, time(), zone).astimezone(UTC)


def goal_draft(text: str) -> tuple[str, str]:
    """A new goal's title and "why" from what the leader wants to practise next: the first
    line as the title, cut at a word to fit; what does not fit goes into "why". The form
    already says "I'm practising (to)", so a leading "at"/"to" is dropped."""
    text = without_prefix(text.strip()) or ""
    text = LEADING_TO.sub("", text)
    first, _, rest = text.partition("\n")
    first, rest = first.strip(), rest.strip()
    if len(first) > MAX_GOAL_TITLE:
        cut = first.rfind(" ", 0, MAX_GOAL_TITLE)
        cut = cut if cut > MAX_GOAL_TITLE // 2 else MAX_GOAL_TITLE - 1
        first, rest = first[:cut].rstrip() + "…", f"…{first[cut:].lstrip()}\n\n{rest}".strip()
    return first, rest[:MAX_GOAL_TEXT]


def task_counts(user: User, period: Period) -> dict[str, int]:
    """Reflections per task within the period."""
    return task_counts_between(user, period.start, period.end)


def entry_count(user: User, period: Period) -> int:
    """How many reflections the user wrote in the period."""
    return entry_count_between(user, period.start, period.end)


def key_reflections(user: User, period: Period) -> list[Entry]:
    """The starred entries of the period, oldest first (without their tasks: the review
    shows title, date and an excerpt)."""
    return open_entries(
        user,
        db.session.scalars(
            select(Entry)
            .where(
                Entry.owner_id == user.id,
                Entry.deleted_at.is_(None),
                Entry.starred,
                Entry.entry_date.between(period.start, period.end),
            )
            .order_by(Entry.entry_date, Entry.id)
        ),
    )


@atomic()
def save_review(
    user: User,
    period: Period,
    *,
    proud: str,
    next_practice: str,
    need_from_manager: str,
    snapshot: dict,
) -> Review:
    """Keep the review as a dated snapshot to look back on, sealed with the leader's key."""
    review = Review(owner_id=user.id, period_start=period.start, period_end=period.end)
    db.session.add(review)
    db.session.flush()  # its id, for its seal
    review.seal_text(
        journal_key(user),
        proud=proud.strip(),
        next_practice=next_practice.strip(),
        need_from_manager=need_from_manager.strip(),
        snapshot=json.dumps(snapshot, ensure_ascii=False, default=str),
    )
    return review


def reviews_of(user: User) -> list[Row]:
    """The user's saved reviews, newest first: id, period and when, for a list of links
    (not the notes and snapshot, which a list does not show)."""
    return list(
        db.session.execute(
            select(Review.id, Review.period_start, Review.period_end, Review.created_at)
            .where(Review.owner_id == user.id)
            .order_by(Review.created_at.desc())
        )
    )


def get_review_for(user: User, review_id: int) -> Review:
    """The user's own saved review, opened with the user's key, else 404."""
    review = db.session.scalar(
        select(Review).where(Review.id == review_id, Review.owner_id == user.id)
    )
    if review is None:
        abort(404)
    review.open_with(journal_key(user))
    return review


@atomic()
def delete_review(user: User, review: Review) -> None:
    """Delete a saved review."""
    db.session.delete(review)
