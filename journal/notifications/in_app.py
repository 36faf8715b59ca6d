"""What the app shows a person as new, and reading it: "New since last time" and the badges.

A notification of a kind the app shows is new to its recipient until read. Opening the place
it is about reads it (the goal, the team page, the sharing page, the review), and so does
"Mark all as read" on the dashboard. Everything here is bounded by `recipient_id`: a person
sees and reads only their own.

It is shown only while its recipient may still see what it is about: their own goal, a goal
shared with them on the link the notification came from (and still accepted), a request
still waiting for them, their own link. A manager's notification about a goal no longer
shared with them is not shown at all: what it was about is no longer theirs to know.
"""

from collections.abc import Iterable
from functools import cache

from sqlalchemy import (
    Row,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from journal.database import atomic
from journal.extensions import db
from journal.models import Goal, ManagerLink, Notification, Share, User
from journal.models.user import utcnow
from journal.notifications import kinds
from journal.notifications.kinds import Kind

# Check-ins due are worked out from the goals at every visit (the dashboard marks them), so
# a reminder's notification adds nothing to the page.
LIVE = (kinds.CHECK_IN_DUE,)
# The kinds "New since last time" lists, each with its own sentence.
SHOWN = (
    kinds.COMMENT,
    kinds.REPLY,
    kinds.GOAL_SHARED,
    kinds.LINK_REQUESTED,
    kinds.LINK_ACCEPTED,
    kinds.LINK_DECLINED,
    kinds.LINK_ENDED,
    kinds.LINK_PROPOSED,
    kinds.APPRAISAL,
)
# Read where they are acted on.
OWN_GOAL = (kinds.COMMENT, kinds.CHECK_IN_DUE)  # the leader's goal page
SHARED_GOAL = (kinds.GOAL_SHARED, kinds.REPLY)  # the manager's page of a shared goal
REQUESTS = (kinds.LINK_REQUESTED,)  # the team page
ANSWERS = (kinds.LINK_ACCEPTED, kinds.LINK_DECLINED, kinds.LINK_ENDED)  # the sharing page
PROPOSALS = (kinds.LINK_PROPOSED,)  # the sharing page too, where the leader answers it
APPRAISAL = (kinds.APPRAISAL,)  # the review
# About the person only: always theirs to see.
ABOUT_NOTHING_BUT_THEM = (kinds.APPRAISAL, kinds.REFLECTION)
# What the badge on the team menu stands for.
TEAM = REQUESTS + SHARED_GOAL


def _names(some: Iterable[Kind]) -> list[str]:
    return [kind.name for kind in some]


def visible_to(user: User) -> ColumnElement[bool]:
    """SQL: the notification is about something `user` may see now."""
    return _visible(user.id, user.email)


def visible_to_its_recipient() -> ColumnElement[bool]:
    """SQL: the notification is about something its recipient may see now; for the mails,
    which must not tell what the app would no longer show (a goal unshared, a request
    withdrawn, a link ended within the quarter of an hour a mail waits)."""
    email = (
        select(User.email)
        .where(User.id == Notification.recipient_id)
        .correlate(Notification)
        .scalar_subquery()
    )
    # About no goal and no link: about the person only (a reminder, the appraisal). A
    # notification's goal or link going deletes it (the foreign keys cascade).
    about_them = and_(Notification.goal_id.is_(None), Notification.link_id.is_(None))
    return or_(about_them, _visible(Notification.recipient_id, email))


def _kind_in(of: tuple[Kind, ...]) -> ColumnElement[bool]:
    """The notification is of one of these kinds: each kind its own parameter, not one `IN`
    list, which SQLAlchemy expands afresh at every execution (the header's news, asked on
    every page a manager sees, has four)."""
    return Notification.kind.in_([literal(name) for name in _names(of)])


def _visible(user_id, email) -> ColumnElement[bool]:
    def about(*conditions) -> ColumnElement[bool]:
        # Correlated to the notification only: a query that joins goals or shares itself
        # must not lend them to these conditions.
        return exists().where(*conditions).correlate(Notification)

    own_goal = about(Goal.id == Notification.goal_id, Goal.owner_id == user_id)
    shared_with_user = about(
        Share.goal_id == Notification.goal_id,
        Share.link_id == Notification.link_id,
        ManagerLink.id == Share.link_id,
        ManagerLink.manager_id == user_id,
        ManagerLink.status == "accepted",
        Goal.id == Share.goal_id,
        Goal.owner_id == ManagerLink.leader_id,
    )
    # ManagerLink.of_manager, for a user given as columns.
    asked_of_user = or_(
        ManagerLink.manager_id == user_id,
        and_(ManagerLink.manager_id.is_(None), ManagerLink.manager_email == email),
    )
    waiting_for_user = about(
        ManagerLink.id == Notification.link_id,
        ManagerLink.status == "pending",
        asked_of_user,
    )
    own_link = about(ManagerLink.id == Notification.link_id, ManagerLink.leader_id == user_id)
    return or_(
        and_(Notification.goal_id.is_not(None), or_(own_goal, shared_with_user)),
        and_(
            Notification.goal_id.is_(None),
            or_(
                and_(Notification.kind == kinds.LINK_REQUESTED.name, waiting_for_user),
                and_(_kind_in(ANSWERS + PROPOSALS), own_link),
                _kind_in(ABOUT_NOTHING_BUT_THEM),
            ),
        ),
    )


def _unread_by(user_id, email) -> list[ColumnElement[bool]]:
    return [
        Notification.recipient_id == user_id,
        Notification.read_at.is_(None),
        _kind_in(SHOWN),
        _visible(user_id, email),
    ]


def latest(user: User, limit: int) -> list[Row]:
    """The user's newest unread notifications (at most `limit`), in one query, each with who
    did it, its goal's owner, and how many there are in all (`total`).

    The goal's title comes as the page may show it to this user: the sealed title of their
    own goal (`sealed`, `plain_title`: only their key opens it), the share's readable copy
    of a goal shared with them (`shared_title`). A manager's row never carries the sealed
    title, not even unopened.
    """
    return list(db.session.execute(_latest_query(limit), _as_parameters(user)))


def goals_with_news(user: User) -> set[int]:
    """The goals (the user's own, or shared with them) with an unread notification."""
    return set(db.session.scalars(_goals_with_news_query(), _as_parameters(user)))


# The queries the dashboard, the goals and a manager's pages ask on every visit, built once
# with the user as parameters (as has_news' below): building `_visible`'s conditions and
# their cache key costs more than running the queries.
USER_ID, EMAIL = bindparam("news_user_id"), bindparam("news_email")


def _as_parameters(user: User) -> dict:
    return {"news_user_id": user.id, "news_email": user.email}


@cache
def _goals_with_news_query() -> Select:
    return (
        select(Notification.goal_id)
        .where(*_unread_by(USER_ID, EMAIL), Notification.goal_id.is_not(None))
        .distinct()
    )


@cache  # one limit in practice (the dashboard's)
def _latest_query(limit: int) -> Select:
    actor = aliased(User)
    own = Goal.owner_id == USER_ID
    return (
        select(
            Notification.id,
            Notification.kind,
            Notification.created_at,
            Notification.goal_id,
            actor.name.label("actor_name"),
            Goal.owner_id.label("goal_owner_id"),
            case((own, Goal.sealed), else_=null()).label("sealed"),
            case((own, Goal.plain_title), else_=null()).label("plain_title"),
            case((own, null()), else_=Share.title).label("shared_title"),
            func.count().over().label("total"),
        )
        .outerjoin(actor, actor.id == Notification.actor_id)
        .outerjoin(Goal, Goal.id == Notification.goal_id)
        .outerjoin(
            Share,
            and_(Share.goal_id == Notification.goal_id, Share.link_id == Notification.link_id),
        )
        .where(*_unread_by(USER_ID, EMAIL))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )


# has_news' query per set of kinds, built once with the user as parameters: the header asks
# it on every page a manager sees, and building `_visible`'s conditions and their cache key
# took a millisecond, several times what running the query takes.
_NEWS_QUERIES: dict[tuple[str, ...], Select] = {}


def has_news(user: User, of: tuple[Kind, ...]) -> bool:
    """Whether the user has an unread notification of these kinds."""
    names = tuple(_names(of))
    query = _NEWS_QUERIES.get(names)
    if query is None:
        conditions = _unread_by(USER_ID, EMAIL)
        query = select(Notification.id).where(*conditions, _kind_in(of))
        query = _NEWS_QUERIES[names] = query.limit(1)
    found = db.session.scalar(query, _as_parameters(user))
    return found is not None


@atomic()
def mark_read(
    user: User, of: tuple[Kind, ...] | None = None, *, goal_id: int | None = None
) -> None:
    """Mark the user's unread notifications read (of these kinds, about this goal): one
    UPDATE, bounded by the recipient, harmless to repeat."""
    query = update(Notification).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None)
    )
    if of is not None:
        query = query.where(Notification.kind.in_(_names(of)))
    if goal_id is not None:
        query = query.where(Notification.goal_id == goal_id)
    db.session.execute(
        query.values(read_at=utcnow()), execution_options={"synchronize_session": False}
    )
