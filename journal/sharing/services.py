"""Sharing chosen goals with one's own manager, and who may see what: decided here only.

The rules (PRODUCT.md, "Who sees what"): a leader has at most one open link to a manager;
the manager sees a goal only while the link is accepted and the goal is shared on that link,
and only the comments made within that link; nothing else of the leader, ever. Everything
else answers 404.

The goal's own text is sealed with the leader's key: what a manager sees is the share's
readable copy (`journal/goals/shared_copy.py`), so no manager's page needs the leader's key.
"""

from datetime import datetime

from flask import abort
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from journal.auth.services import normalize_email
from journal.database import atomic
from journal.extensions import db
from journal.goals.sealing import open_goals
from journal.goals.shared_copy import (
    SharedGoal,
    as_shared,
    copy_notes,
    forget_old_copies,
    write_copy,
)
from journal.journal_key import journal_key
from journal.models import (
    AgendaShare,
    CheckIn,
    Comment,
    Goal,
    ManagerLink,
    Share,
    SharedNote,
    SharingEvent,
    User,
)
from journal.models.sharing import OPEN_STATUSES, SEEN_BY_MANAGER
from journal.models.user import utcnow
from journal.notifications import kinds
from journal.notifications.services import notify


class SharingError(Exception):
    """A sharing step was refused; the code says why (for a message in the user's language)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def log(
    leader: User | int, kind: str, *, goal_id=None, point_id=None, manager_id=None, email=None
) -> None:
    """Add a line to the leader's sharing log, in the transaction of the change it records."""
    leader_id = leader if isinstance(leader, int) else leader.id
    db.session.add(
        SharingEvent(
            leader_id=leader_id,
            kind=kind,
            goal_id=goal_id,
            point_id=point_id,
            manager_id=manager_id,
            manager_email=email,
        )
    )


# Links -------------------------------------------------------------------------------------


def open_link_of(leader: User) -> ManagerLink | None:
    """The leader's pending or accepted link, if any."""
    return db.session.scalar(
        select(ManagerLink)
        .where(ManagerLink.leader_id == leader.id, ManagerLink.status.in_(OPEN_STATUSES))
        .options(selectinload(ManagerLink.manager))
    )


def links_as_manager(manager: User, *statuses: str) -> list[ManagerLink]:
    """The manager's links of these statuses, with their leaders, by the leader's name."""
    return list(
        db.session.scalars(
            select(ManagerLink)
            .join(User, User.id == ManagerLink.leader_id)
            .where(ManagerLink.of_manager(manager), ManagerLink.status.in_(statuses))
            .order_by(User.name, ManagerLink.id)
            .options(selectinload(ManagerLink.leader))
        )
    )


def is_manager(user: User) -> bool:
    """Whether anyone has linked to this user as their manager (accepted or pending)."""
    return user.manages_anyone


@atomic()
def _open(leader: User, email: str, status: str, manager: User | None = None) -> ManagerLink:
    """Open the leader's one link, to the manager with address `email` (`manager`, if an
    administrator names the account), logged as asked for (or, `proposed`, as proposed)."""
    if email == leader.email:
        raise SharingError("self")
    if open_link_of(leader) is not None:
        raise SharingError("already_linked")
    now = utcnow()
    link = ManagerLink(
        leader_id=leader.id,
        manager_id=manager.id if manager else None,
        manager_email=email,
        status=status,
        requested_at=now,
        responded_at=now if status == "accepted" else None,
    )
    db.session.add(link)
    # The request names the address only: whether an account has it is not the leader's to
    # learn from the log (nor from the export, which carries the log).
    log(leader, "link_proposed" if status == "proposed" else "link_requested", email=email)
    if status == "accepted":
        log(leader, "link_accepted", manager_id=manager.id)
    try:
        db.session.flush()
    except IntegrityError as error:  # another request won the race for the one open link
        raise SharingError("already_linked") from error
    return link


@atomic()
def request_link(leader: User, email: str) -> ManagerLink:
    """The leader names their manager by email address. The answer is the same whether or
    not an account has that address (no leader can find out who has one): the request
    waits, and the account with that address (now, or once an administrator makes it) sees
    it to accept or decline."""
    link = _open(leader, normalize_email(email), "pending")
    _tell_the_manager(leader, link)
    return link


def _tell_the_manager(leader: User, link: ManagerLink) -> None:
    """A request is told to the account with its address, if there is one; the leader's
    answer is the same either way."""
    addressee = db.session.scalar(select(User).where(User.email == link.manager_email))
    notify(addressee, kinds.LINK_REQUESTED, actor=leader, link_id=link.id)


@atomic()
def propose_link(leader: User, email: str, by: User | None) -> ManagerLink:
    """An administrator (`by`; None: the command line) proposes the leader's manager, by
    address. Nothing is asked of the manager and nothing is shared: the leader confirms it
    (then it is the leader's own request) or declines it. SharingError "self" or
    "already_linked" (the leader has an open link) before anything changes."""
    link = _open(leader, normalize_email(email), "proposed")
    notify(leader, kinds.LINK_PROPOSED, actor=by, link_id=link.id)
    return link


def get_proposal_for(leader: User, link_id: int) -> ManagerLink:
    """The leader's own link waiting for the leader to confirm it, else 404."""
    link = db.session.scalar(
        select(ManagerLink).where(
            ManagerLink.id == link_id,
            ManagerLink.leader_id == leader.id,
            ManagerLink.status == "proposed",
        )
    )
    if link is None:
        abort(404)
    return link


@atomic()
def answer_proposal(leader: User, link: ManagerLink, confirm: bool) -> None:
    """The leader confirms a proposed link (it becomes the leader's request, which the
    manager then accepts or declines, as any other) or declines it (the manager never
    hears of it). Both people consent before a manager is linked."""
    if link.status != "proposed" or link.leader_id != leader.id:
        abort(404)
    now = utcnow()
    if not confirm:
        link.status = "declined"
        link.responded_at = now
        log(leader, "proposal_declined", email=link.manager_email)
        return
    if link.manager_email == leader.email:  # the leader's address changed to it since
        raise SharingError("self")
    link.status = "pending"
    link.requested_at = now
    log(leader, "link_requested", email=link.manager_email)
    _tell_the_manager(leader, link)


def get_link_for(user: User, link_id: int, *, as_manager: bool) -> ManagerLink:
    """A link the user is part of (as the manager, or as the leader), else 404. A manager
    is not part of a proposal the leader has not confirmed: it does not exist for them."""
    part = ManagerLink.of_manager(user) if as_manager else ManagerLink.leader_id == user.id
    query = select(ManagerLink).where(ManagerLink.id == link_id, part)
    if as_manager:  # a proposal, even a declined one, never reached the manager
        query = query.where(ManagerLink.status.in_(SEEN_BY_MANAGER))
    link = db.session.scalar(query)
    if link is None:
        abort(404)
    return link


@atomic()
def respond(manager: User, link: ManagerLink, accept: bool) -> None:
    """The manager accepts or declines a pending request (made to the manager's account, or
    to the manager's address before the account existed)."""
    addressed = link.manager_id == manager.id or (
        link.manager_id is None and link.manager_email == manager.email
    )
    if link.status != "pending" or not addressed:
        abort(404)
    link.manager_id = manager.id
    link.status = "accepted" if accept else "declined"
    link.responded_at = utcnow()
    log(link.leader_id, "link_accepted" if accept else "link_declined", manager_id=manager.id)
    answer = kinds.LINK_ACCEPTED if accept else kinds.LINK_DECLINED
    notify(link.leader, answer, actor=manager, link_id=link.id)


@atomic()
def end_link(link: ManagerLink, by: User | None = None) -> None:
    """End a link (either side, `by`, or an administrator): the manager's access ends at
    once. A leader whose link someone else ended is told."""
    _end(link, by)


@atomic()
def end_every_link(user: User) -> None:
    """End every open link of `user`, as leader and as manager."""
    links = db.session.scalars(
        select(ManagerLink).where(
            or_(ManagerLink.leader_id == user.id, ManagerLink.of_manager(user)),
            ManagerLink.status.in_(OPEN_STATUSES),
        )
    )
    for link in links:
        _end(link, user)


def _end(link: ManagerLink, by: User | None = None) -> None:
    if link.status not in OPEN_STATUSES:
        return
    was_accepted = link.status == "accepted"
    link.status = "ended"
    link.ended_at = utcnow()
    # The shares' readable copies go with them (the database cascades); so do the copies of
    # the talking points shared on the link (journal/agenda).
    shares = db.session.execute(delete(Share).where(Share.link_id == link.id)).rowcount
    points = db.session.execute(delete(AgendaShare).where(AgendaShare.link_id == link.id)).rowcount
    if shares or points:
        forget_old_copies()
    log(link.leader_id, "link_ended", manager_id=link.manager_id, email=link.manager_email)
    if was_accepted and (by is None or by.id != link.leader_id):
        notify(link.leader, kinds.LINK_ENDED, actor=by, link_id=link.id)


@atomic()
def set_link_by_admin(leader: User, manager: User) -> ManagerLink:
    """An administrator links a leader to a manager directly (ending any open link first)."""
    if manager.id == leader.id:  # refused before the current link is touched
        raise SharingError("self")
    current = open_link_of(leader)
    if current is not None:
        end_link(current)
    return _open(leader, manager.email, "accepted", manager)


def all_links() -> list[ManagerLink]:
    """Every open link, for the administrator (names only, never content)."""
    return list(
        db.session.scalars(
            select(ManagerLink)
            .where(ManagerLink.status.in_(OPEN_STATUSES))
            .order_by(ManagerLink.requested_at.desc())
            .options(selectinload(ManagerLink.leader), selectinload(ManagerLink.manager))
        )
    )


def get_open_link(link_id: int) -> ManagerLink:
    """An open link by id (administrators only reach this), else 404."""
    link = db.session.get(ManagerLink, link_id)
    if link is None or link.status not in OPEN_STATUSES:
        abort(404)
    return link


# Shares ------------------------------------------------------------------------------------


def share_of(goal: Goal) -> Share | None:
    """The goal's current share, if any."""
    return db.session.get(Share, goal.id)


@atomic()
def share(leader: User, goal: Goal, *, include_notes: bool) -> Share:
    """Share a goal with the leader's accepted manager (or change whether notes are shown),
    with the readable copy of what the manager sees, made here in the leader's request."""
    link = open_link_of(leader)
    if link is None or link.status != "accepted":
        raise SharingError("no_manager")
    current = share_of(goal)
    if current is not None and current.link_id == link.id:
        if current.include_notes != include_notes:
            current.include_notes = include_notes
            copy_notes(leader, goal.id, current)
        return current
    if current is not None:
        db.session.delete(current)
        db.session.flush()
        forget_old_copies()
    new = Share(goal_id=goal.id, link_id=link.id, include_notes=include_notes)
    db.session.add(new)
    db.session.flush()  # the share exists before its copy of the notes
    write_copy(leader, goal, new)
    log(leader, "shared", goal_id=goal.id, manager_id=link.manager_id)
    notify(link.manager, kinds.GOAL_SHARED, actor=leader, goal_id=goal.id, link_id=link.id)
    return new


@atomic()
def unshare(leader: User, goal: Goal) -> None:
    """Stop sharing a goal: the manager's next request for it is a 404."""
    current = share_of(goal)
    if current is None:
        return
    link = db.session.get(ManagerLink, current.link_id)
    db.session.delete(current)  # and its readable copy (the database cascades)
    forget_old_copies()
    log(leader, "unshared", goal_id=goal.id, manager_id=link.manager_id if link else None)


def shared_goal_for_manager(manager: User, leader_id: int, goal_id: int) -> tuple[Goal, Share]:
    """The one door through which a manager sees a leader's goal, else 404.

    Open only while the link between them is accepted and the goal is shared on that link.
    """
    row = (
        db.session.execute(
            select(Goal, Share)
            .join(Share, Share.goal_id == Goal.id)
            .join(ManagerLink, ManagerLink.id == Share.link_id)
            .where(
                Goal.id == goal_id,
                Goal.owner_id == leader_id,
                ManagerLink.leader_id == leader_id,
                ManagerLink.manager_id == manager.id,
                ManagerLink.status == "accepted",
            )
            .options(joinedload(Goal.task_links))  # a task or two: one query, not two
        )
        .unique()
        .first()
    )
    if row is None:
        abort(404)
    return row[0], row[1]


def shared_goals_of(link: ManagerLink) -> list[SharedGoal]:
    """The goals shared on an accepted link as its manager sees them, in the leader's order."""
    if link.status != "accepted":
        return []
    rows = db.session.execute(
        select(Goal, Share)
        .join(Share, Share.goal_id == Goal.id)
        .where(Share.link_id == link.id, Goal.owner_id == link.leader_id)
        .order_by(Goal.position, Goal.id)
        .options(selectinload(Goal.task_links))
    )
    return [as_shared(goal, share) for goal, share in rows]


def shared_goals_by_link(links: list[ManagerLink]) -> dict[int, list[SharedGoal]]:
    """The goals shared on each of these accepted links as their managers see them, in one
    query (the team page, which shows no tasks: they are not loaded)."""
    result: dict[int, list[SharedGoal]] = {link.id: [] for link in links}
    accepted = {link.id: link.leader_id for link in links if link.status == "accepted"}
    if accepted:
        rows = db.session.execute(
            select(Share, Goal)
            .join(Goal, Goal.id == Share.goal_id)
            .where(Share.link_id.in_(accepted))
            .order_by(Goal.position, Goal.id)
        )
        for share, goal in rows:
            if goal.owner_id == accepted[share.link_id]:
                result[share.link_id].append(as_shared(goal, share, tasks=False))
    return result


def shared_check_ins(share: Share) -> list:
    """The check-ins of a shared goal as its manager sees them: day and rating, and the copy
    of the note if the leader included the notes (never the sealed note itself)."""
    columns = [CheckIn.goal_id, CheckIn.id, CheckIn.day, CheckIn.rating]
    query = select(*columns).where(CheckIn.goal_id == share.goal_id)
    if share.include_notes:
        # A check-in without a note has no copy: its note is empty, as in the preview.
        query = query.add_columns(func.coalesce(SharedNote.note, "").label("note")).outerjoin(
            SharedNote, SharedNote.check_in_id == CheckIn.id
        )
    return list(db.session.execute(query.order_by(CheckIn.day, CheckIn.id)))


@atomic()
def record_view(manager: User, goal: Goal) -> None:
    """Log that the manager opened the goal (the leader sees when)."""
    log(goal.owner_id, "viewed", goal_id=goal.id, manager_id=manager.id)


def sharing_log(leader: User, limit: int = 200) -> list[SharingEvent]:
    """The leader's log, newest first, its goals and talking points opened with the
    leader's key."""
    events = list(
        db.session.scalars(
            select(SharingEvent)
            .where(SharingEvent.leader_id == leader.id)
            .order_by(SharingEvent.at.desc(), SharingEvent.id.desc())
            .limit(limit)
            .options(
                selectinload(SharingEvent.goal),
                selectinload(SharingEvent.point),
                selectinload(SharingEvent.manager),
            )
        )
    )
    open_goals(leader, {event.goal for event in events if event.goal is not None})
    points = {event.point for event in events if event.point is not None}
    if closed := [p for p in points if not p.by_manager and not p.is_open]:
        key = journal_key(leader)
        for point in closed:
            point.open_with(key)
    return events


# Comments ----------------------------------------------------------------------------------


def comments_on(goal: Goal) -> list[Comment]:
    """Every comment on a goal, oldest first, each with the link it was made within and
    that link's manager: the leader's own goal page."""
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.goal_id == goal.id)
            .order_by(Comment.created_at, Comment.id)
            .options(
                joinedload(Comment.author),
                joinedload(Comment.link).joinedload(ManagerLink.manager),
            )
        )
    )


def comments_on_goals(
    goal_ids: list[int], since: datetime, before: datetime
) -> dict[int, list[Comment]]:
    """Per goal, the comments made from `since` until `before`, oldest first, in one query
    whatever the number of goals: the leader's review, which tells each goal's story. The
    caller passes only the leader's own goals."""
    result: dict[int, list[Comment]] = {goal_id: [] for goal_id in goal_ids}
    if goal_ids:
        for comment in db.session.scalars(
            select(Comment)
            .where(
                Comment.goal_id.in_(goal_ids),
                Comment.created_at >= since,
                Comment.created_at < before,
            )
            .order_by(Comment.created_at, Comment.id)
            .options(joinedload(Comment.author))
        ):
            result[comment.goal_id].append(comment)
    return result


def comments_within(goal_id: int, link_id: int | None) -> list[Comment]:
    """The comments on a goal made within one link, oldest first: what that link's manager
    sees (and the leader's preview shows). None: no manager, so none."""
    if link_id is None:
        return []
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.goal_id == goal_id, Comment.link_id == link_id)
            .order_by(Comment.created_at, Comment.id)
            .options(joinedload(Comment.author))
        )
    )


@atomic()
def add_comment(author: User, goal: Goal, body: str) -> Comment:
    """A comment by the manager (through shared_goal_for_manager) or the leader (own goal),
    made within the link of the goal's current share, where the leader's log records it; a
    reply on a goal not shared is made within no link, and no manager ever sees it."""
    current = share_of(goal)
    comment = Comment(
        goal_id=goal.id,
        author_id=author.id,
        link_id=current.link_id if current is not None else None,
        body=body.strip(),
    )
    db.session.add(comment)
    db.session.flush()
    if current is not None:  # within a link: logged (who and when), and the other side told
        link = db.session.get(ManagerLink, current.link_id)
        by_leader = author.id == goal.owner_id
        log(
            goal.owner_id,
            "replied" if by_leader else "commented",
            goal_id=goal.id,
            manager_id=link.manager_id,
        )
        if by_leader:
            notify(link.manager, kinds.REPLY, actor=author, goal_id=goal.id, link_id=link.id)
        else:
            notify(link.leader, kinds.COMMENT, actor=author, goal_id=goal.id, link_id=link.id)
    return comment


def get_own_comment(author: User, comment_id: int) -> Comment:
    """A comment written by this user, else 404."""
    comment = db.session.scalar(
        select(Comment).where(Comment.id == comment_id, Comment.author_id == author.id)
    )
    if comment is None:
        abort(404)
    return comment


@atomic()
def delete_comment(author: User, comment: Comment) -> None:
    """Delete one's own comment."""
    db.session.delete(comment)
