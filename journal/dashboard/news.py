"""New since last time: what happened for the viewer, each with the place to act on it.

The notifications say who did what to which goal (`journal/notifications/in_app.py`); this
puts the goal's title to them as the viewer may read it, behind the log-in: the leader's own
goal opened with the leader's key, a goal shared with a manager from the share's readable
copy. A manager's page never opens a sealed goal.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import Row

from journal.goals.sealing import goal_title_of
from journal.models import User
from journal.notifications import in_app, kinds

# How many are listed; the rest are counted (in the app a count is fine) and read with them.
LIMIT = 20


@dataclass(frozen=True)
class NewsItem:
    """One line: its kind, who did it (None: nobody, or an account since deleted), the goal's
    title if it is about one, where to act on it, and when."""

    kind: str
    who: str | None
    what: str | None
    url: str
    at: datetime


@dataclass(frozen=True)
class News:
    """The newest unread notifications, and how many more there are."""

    items: list[NewsItem]
    more: int


def news_for(user: User) -> News:
    """What is new for `user`, newest first, in one query."""
    rows = in_app.latest(user, LIMIT)
    items = [_item(user, row) for row in rows]
    return News(items, rows[0].total - len(items) if rows else 0)


def _item(user: User, row: Row) -> NewsItem:
    own = row.goal_owner_id == user.id
    what = None
    if row.goal_id is not None:
        what = (
            goal_title_of(user, row.goal_id, row.sealed, row.plain_title or "")
            if own
            else row.shared_title or ""
        )
    return NewsItem(row.kind, row.actor_name, what, _place(row, own), row.created_at)


def _place(row: Row, own: bool) -> str:
    """Where the viewer acts on it: their goal, the goal shared with them, the team page
    (a request), the sharing page (an answer), the review (the appraisal)."""
    if row.goal_id is not None:
        if own:
            return url_for("goals.view", goal_id=row.goal_id, _anchor="comments")
        return url_for(
            "sharing.shared_goal",
            leader_id=row.goal_owner_id,
            goal_id=row.goal_id,
            _anchor="comments" if row.kind == kinds.REPLY.name else None,
        )
    if row.kind == kinds.LINK_REQUESTED.name:
        return url_for("sharing.team")
    if row.kind == kinds.APPRAISAL.name:
        return url_for("review.index")
    return url_for("sharing.index")
