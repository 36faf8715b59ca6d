"""The agenda for the appraisal conversation, and who may see which point: decided here only.

The rules (PRODUCT.md, "The appraisal conversation"): a leader's own points are sealed with
the leader's key and private until shared, one by one, with the manager of the leader's
accepted link; the share keeps the readable copy that manager reads (as a goal's share
does). The manager sees, within their own accepted link only, the shared points and the
points they added themselves; never an unshared point, nor how many there are. Everything
else answers 404. Notes after a conversation are sealed with their author's own key.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask import abort
from sqlalchemy import func, or_, select, update

from journal.database import atomic, leave_no_old_copies, on_commit
from journal.extensions import db
from journal.journal_key import journal_key
from journal.models import AgendaPoint, AgendaShare, ManagerLink, Meeting, MeetingNote, User
from journal.models.user import utcnow
from journal.sharing.services import SharingError, log, open_link_of


def accepted_link_of(leader: User) -> ManagerLink | None:
    """The leader's accepted link, if any: the only one a point is shared on."""
    link = open_link_of(leader)
    return link if link is not None and link.status == "accepted" else None


def forget_old_copies() -> None:
    """Once the action has committed, leave no earlier version of a shared copy in the
    database's files (as for goals: `journal/goals/shared_copy.py`)."""
    on_commit(leave_no_old_copies)


# The leader's side ---------------------------------------------------------------------


def open_points(leader: User, points: list[AgendaPoint]) -> list[AgendaPoint]:
    """Open the leader's own points with the leader's key (the manager's are readable)."""
    closed = [p for p in points if not p.by_manager and not p.is_open]
    if closed:
        key = journal_key(leader)
        for point in closed:
            point.open_with(key)
    return points


# The points one person has waiting for the next conversation: more than anyone brings to
# it, and a bound on what each look at the agenda opens (a manager cannot fill a leader's
# agenda without end). Counted per author: a manager never learns the leader's count.
MAX_OPEN_POINTS = 100


def has_room(author: User, leader_id: int) -> bool:
    """Whether `author` may add another point to the leader's next conversation."""
    waiting = db.session.scalar(
        select(func.count())
        .select_from(AgendaPoint)
        .where(
            AgendaPoint.leader_id == leader_id,
            AgendaPoint.author_id == author.id,
            AgendaPoint.meeting_id.is_(None),
        )
    )
    return waiting < MAX_OPEN_POINTS


def agenda_of(leader: User) -> list[AgendaPoint]:
    """The points waiting for the next conversation, oldest first, opened."""
    return open_points(
        leader,
        list(
            db.session.scalars(
                select(AgendaPoint)
                .where(AgendaPoint.leader_id == leader.id, AgendaPoint.meeting_id.is_(None))
                .order_by(AgendaPoint.created_at, AgendaPoint.id)
            )
        ),
    )


def shares_of(points: list[AgendaPoint]) -> dict[int, AgendaShare]:
    """The current shares of these points, by point."""
    ids = [point.id for point in points]
    if not ids:
        return {}
    rows = db.session.scalars(select(AgendaShare).where(AgendaShare.point_id.in_(ids)))
    return {share.point_id: share for share in rows}


def get_point_for(leader: User, point_id: int, *, own: bool = False) -> AgendaPoint:
    """A point on the leader's own agenda (`own`: one the leader wrote), opened, else 404."""
    point = db.session.get(AgendaPoint, point_id)
    if point is None or point.leader_id != leader.id or (own and point.by_manager):
        abort(404)
    return open_points(leader, [point])[0]


@atomic()
def add_point(leader: User, body: str) -> AgendaPoint:
    """A private point on the leader's agenda, sealed with the leader's key."""
    point = AgendaPoint(leader_id=leader.id, author_id=leader.id)
    db.session.add(point)
    db.session.flush()
    point.seal_text(journal_key(leader), body=body.strip())
    return point


@atomic()
def edit_point(leader: User, point: AgendaPoint, body: str) -> None:
    """Change the leader's own point; if it is shared, the manager's copy follows (as a
    shared goal's does), written here in the leader's request."""
    point.seal_text(journal_key(leader), body=body.strip())
    point.updated_at = utcnow()
    share = db.session.get(AgendaShare, point.id)
    if share is not None:
        share.body = point.body
        forget_old_copies()


@atomic()
def delete_point(user: User, point: AgendaPoint) -> None:
    """Delete a point (its share and copy go with it: the database cascades)."""
    if db.session.get(AgendaShare, point.id) is not None:
        forget_old_copies()
    db.session.delete(point)


@atomic()
def share_point(leader: User, point: AgendaPoint) -> AgendaShare:
    """Share the leader's own point with the accepted manager: a readable copy of exactly
    the text previewed, and a line in the sharing log. SharingError "no_manager"."""
    link = accepted_link_of(leader)
    if link is None:
        raise SharingError("no_manager")
    current = db.session.get(AgendaShare, point.id)
    if current is not None and current.link_id == link.id:
        return current
    if current is not None:
        db.session.delete(current)
        db.session.flush()
    share = AgendaShare(point_id=point.id, link_id=link.id, body=point.body)
    db.session.add(share)
    log(leader, "point_shared", point_id=point.id, manager_id=link.manager_id)
    return share


@atomic()
def unshare_point(leader: User, point: AgendaPoint) -> None:
    """Stop sharing a point: the copy goes, and the manager's next request for it is a 404."""
    share = db.session.get(AgendaShare, point.id)
    if share is None:
        return
    link = db.session.get(ManagerLink, share.link_id)
    db.session.delete(share)
    forget_old_copies()
    log(leader, "point_unshared", point_id=point.id, manager_id=link.manager_id if link else None)


@atomic()
def tick(user: User, point: AgendaPoint, done: bool) -> None:
    """Tick a point off (or undo it) before the conversation is recorded as held."""
    if point.meeting_id is not None:
        return
    point.done_at, point.done_by_id = (utcnow(), user.id) if done else (None, None)


@atomic()
def hold_meeting(user: User, leader_id: int, link: ManagerLink | None, held_on: date) -> Meeting:
    """Record that the conversation was held: the ticked points are filed under it, the
    open ones stay on the agenda, carried over to the next.

    Recorded again for the same day (a double click, or both sides recording it) it is the
    same conversation: points ticked since are filed under it, nothing is carried twice.
    The leader's row is locked first, so that two such requests at once are taken in turn.
    """
    db.session.execute(select(User.id).where(User.id == leader_id).with_for_update())
    link_id = link.id if link else None
    waiting = (AgendaPoint.leader_id == leader_id) & AgendaPoint.meeting_id.is_(None)
    meeting = db.session.scalar(
        select(Meeting).where(
            Meeting.leader_id == leader_id,
            Meeting.held_on == held_on,
            Meeting.link_id.is_(None) if link_id is None else Meeting.link_id == link_id,
        )
    )
    if meeting is not None:
        db.session.execute(
            update(AgendaPoint)
            .where(waiting, AgendaPoint.done_at.is_not(None))
            .values(meeting_id=meeting.id)
        )
        db.session.expire_all()
        return meeting
    meeting = Meeting(leader_id=leader_id, link_id=link_id, held_on=held_on)
    db.session.add(meeting)
    db.session.flush()
    db.session.execute(
        update(AgendaPoint)
        .where(waiting, AgendaPoint.done_at.is_not(None))
        .values(meeting_id=meeting.id)
    )
    db.session.execute(
        update(AgendaPoint)
        .where(waiting, AgendaPoint.done_at.is_(None))
        .values(carried_over=AgendaPoint.carried_over + 1)
    )
    db.session.expire_all()
    return meeting


def meetings_of(leader: User) -> list[Meeting]:
    """Every conversation the leader has recorded, newest first."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.leader_id == leader.id)
            .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        )
    )


def get_meeting_for(leader: User, meeting_id: int) -> Meeting:
    """One of the leader's own conversations, else 404."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.leader_id != leader.id:
        abort(404)
    return meeting


def points_of_meeting(leader: User, meeting: Meeting) -> list[AgendaPoint]:
    """The points ticked off at a conversation, opened."""
    return open_points(
        leader,
        list(
            db.session.scalars(
                select(AgendaPoint)
                .where(AgendaPoint.meeting_id == meeting.id)
                .order_by(AgendaPoint.created_at, AgendaPoint.id)
            )
        ),
    )


# Notes after a conversation --------------------------------------------------------------


def note_of(author: User, meeting: Meeting) -> MeetingNote | None:
    """The author's own note on a conversation, opened with the author's own key."""
    note = db.session.scalar(
        select(MeetingNote).where(
            MeetingNote.meeting_id == meeting.id, MeetingNote.author_id == author.id
        )
    )
    if note is not None:
        note.open_with(journal_key(author))
    return note


@atomic()
def save_note(author: User, meeting: Meeting, body: str) -> MeetingNote:
    """Write (or rewrite) the author's own note, sealed with the author's own key: the
    other side of the conversation never opens it."""
    note = note_of(author, meeting)
    if note is None:
        note = MeetingNote(meeting_id=meeting.id, author_id=author.id)
        db.session.add(note)
        db.session.flush()
    note.seal_text(journal_key(author), body=body.strip())
    note.updated_at = utcnow()
    return note


# The manager's side ----------------------------------------------------------------------


@dataclass(frozen=True)
class SeenPoint:
    """A point as the manager sees it: the copy of a shared point, or their own."""

    id: int
    text: str
    mine: bool
    done_at: datetime | None
    carried_over: int
    created_at: datetime


def link_for_manager(manager: User, leader_id: int) -> ManagerLink:
    """The manager's accepted link to this leader, else 404: the one door to an agenda."""
    link = db.session.scalar(
        select(ManagerLink).where(
            ManagerLink.leader_id == leader_id,
            ManagerLink.manager_id == manager.id,
            ManagerLink.status == "accepted",
        )
    )
    if link is None:
        abort(404)
    return link


def _seen_within(link: ManagerLink):
    """SQL: a point of the link's leader the link's manager may see (with its share, outer
    joined): shared on this link, or added by the manager within it."""
    return (AgendaPoint.leader_id == link.leader_id) & or_(
        AgendaShare.link_id == link.id,
        (AgendaPoint.author_id == link.manager_id) & (AgendaPoint.link_id == link.id),
    )


def _seen(link: ManagerLink, *where) -> list[SeenPoint]:
    rows = db.session.execute(
        select(AgendaPoint, AgendaShare.body)
        .outerjoin(AgendaShare, AgendaShare.point_id == AgendaPoint.id)
        .where(_seen_within(link), *where)
        .order_by(AgendaPoint.created_at, AgendaPoint.id)
    )
    return [
        SeenPoint(
            point.id,
            copy if copy is not None else point.manager_body or "",
            point.author_id == link.manager_id,
            point.done_at,
            point.carried_over,
            point.created_at,
        )
        for point, copy in rows
    ]


def agenda_for_manager(link: ManagerLink) -> list[SeenPoint]:
    """The points waiting for the next conversation that the manager may see."""
    return _seen(link, AgendaPoint.meeting_id.is_(None))


def get_point_for_manager(link: ManagerLink, point_id: int, *, own: bool = False) -> AgendaPoint:
    """A point the manager may see within the link (`own`: one they wrote), else 404."""
    point = db.session.scalar(
        select(AgendaPoint)
        .outerjoin(AgendaShare, AgendaShare.point_id == AgendaPoint.id)
        .where(AgendaPoint.id == point_id, _seen_within(link))
    )
    if point is None or (own and point.author_id != link.manager_id):
        abort(404)
    return point


@atomic()
def add_manager_point(manager: User, link: ManagerLink, body: str) -> AgendaPoint:
    """The manager's own point on the leader's agenda, readable (the leader cannot open the
    manager's key), within the link; the leader's log records it (never the words)."""
    point = AgendaPoint(
        leader_id=link.leader_id, author_id=manager.id, link_id=link.id, manager_body=body.strip()
    )
    db.session.add(point)
    db.session.flush()
    log(link.leader_id, "point_added", point_id=point.id, manager_id=manager.id)
    return point


@atomic()
def edit_manager_point(manager: User, point: AgendaPoint, body: str) -> None:
    """Change the manager's own point."""
    point.manager_body = body.strip()
    point.updated_at = utcnow()


@atomic()
def record_agenda_view(manager: User, link: ManagerLink) -> None:
    """Log that the manager opened the leader's agenda (the leader sees when)."""
    log(link.leader_id, "agenda_viewed", manager_id=manager.id)


def meetings_for_manager(link: ManagerLink) -> list[Meeting]:
    """The conversations recorded within the manager's link, newest first."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.link_id == link.id, Meeting.leader_id == link.leader_id)
            .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        )
    )


def get_meeting_for_manager(link: ManagerLink, meeting_id: int) -> Meeting:
    """A conversation recorded within the manager's link, else 404."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.link_id != link.id or meeting.leader_id != link.leader_id:
        abort(404)
    return meeting


def meeting_points_for_manager(link: ManagerLink, meeting: Meeting) -> list[SeenPoint]:
    """The points ticked off at a conversation that the manager may see."""
    return _seen(link, AgendaPoint.meeting_id == meeting.id)
