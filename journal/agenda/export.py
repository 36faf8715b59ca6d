"""The agenda in "My data": the points on one's own agenda, the conversations held, and the
notes one wrote after them (as a leader, and as a manager), opened with one's own key.

Written as files of their own in the export's archive (`agenda.json`, `agenda.md`), not in
`journal.json`, whose format the importer checks field by field: the agenda is not
imported (it belongs to the link with the manager, as the comments do).
"""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from journal.agenda.services import open_points
from journal.extensions import db
from journal.journal_key import journal_key
from journal.models import AgendaPoint, AgendaShare, Meeting, MeetingNote, User


def iso(value: date | datetime | None) -> str | None:
    """A day or a moment as ISO 8601 (moments are in UTC, as journal.json writes them)."""
    return value.isoformat() if value is not None else None


def _point(point: AgendaPoint, shared: set[int], held_on: dict[int, str]) -> dict:
    return {
        "id": point.id,
        "text": point.text,
        "by": point.author.name if point.by_manager else None,
        "shared": point.id in shared,
        "created_at": iso(point.created_at),
        "done_at": iso(point.done_at),
        "held_on": held_on.get(point.meeting_id) if point.meeting_id else None,
        "carried_over": point.carried_over,
    }


def agenda_data(user: User) -> dict:
    """The user's agenda and notes, JSON-ready; empty lists if there are none."""
    points = open_points(
        user,
        list(
            db.session.scalars(
                select(AgendaPoint)
                .where(AgendaPoint.leader_id == user.id)
                .order_by(AgendaPoint.created_at, AgendaPoint.id)
            )
        ),
    )
    meetings = list(
        db.session.scalars(
            select(Meeting).where(Meeting.leader_id == user.id).order_by(Meeting.held_on)
        )
    )
    held_on = {meeting.id: iso(meeting.held_on) for meeting in meetings}
    shared = set(
        db.session.scalars(
            select(AgendaShare.point_id).where(AgendaShare.point_id.in_([p.id for p in points]))
        )
    )
    key = journal_key(user)
    notes = []
    rows = db.session.execute(
        select(MeetingNote, Meeting, User.name)
        .join(Meeting, Meeting.id == MeetingNote.meeting_id)
        .join(User, User.id == Meeting.leader_id)
        .where(MeetingNote.author_id == user.id)
        .order_by(Meeting.held_on, Meeting.id)
    )
    for note, meeting, leader_name in rows:
        note.open_with(key)
        notes.append(
            {
                "held_on": iso(meeting.held_on),
                # A note written as someone's manager names whose conversation it was.
                "leader": leader_name if meeting.leader_id != user.id else None,
                "note": note.body,
            }
        )
    return {
        "points": [_point(point, shared, held_on) for point in points],
        "meetings": [{"id": m.id, "held_on": iso(m.held_on)} for m in meetings],
        "notes": notes,
    }


def agenda_markdown(data: dict) -> str:
    """The agenda as Markdown for the leader to read, in the active language."""
    parts = [f"# {_('For the conversation')}\n"]
    waiting = [p for p in data["points"] if p["held_on"] is None]
    if waiting:
        parts.append(f"## {_('The next conversation')}\n")
        parts.extend(_line(point) for point in waiting)
        parts.append("")
    for meeting in reversed(data["meetings"]):
        parts.append(f"## {_('The conversation on %(day)s', day=meeting['held_on'])}\n")
        parts.extend(_line(p) for p in data["points"] if p["held_on"] == meeting["held_on"])
        parts.append("")
    for note in data["notes"]:
        title = _("My notes after the conversation")
        who = f" ({note['leader']})" if note["leader"] else ""
        parts.append(f"## {title} {note['held_on']}{who}\n\n{note['note']}\n")
    return "\n".join(parts)


def _line(point: dict) -> str:
    mark = "x" if point["done_at"] else " "
    text = " ".join(point["text"].split())
    by = f" ({_('From %(name)s', name=point['by'])})" if point["by"] else ""
    return f"- [{mark}] {text}{by}"


def has_agenda(data: dict) -> bool:
    """Whether there is anything to write."""
    return bool(data["points"] or data["meetings"] or data["notes"])
