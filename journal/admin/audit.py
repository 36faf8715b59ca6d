"""The audit log: what administrators (and the command line) did to accounts and links.

An event is written in the same transaction as the action it records, so there is never an
action without its event, nor an event for an action that was rolled back. `detail` holds
facts about the action (a role, a link's manager), never a password or anything a leader wrote.
"""

import logging

from sqlalchemy import select

from journal.database import on_commit
from journal.extensions import db
from journal.models import AuditEvent, User

log = logging.getLogger("journal.admin")

COMMAND_LINE = "command line"  # the actor's name for `flask … users` commands
PAGE_SIZE = 50

ACCOUNT_CREATED = "account_created"
DEACTIVATED = "account_deactivated"
REACTIVATED = "account_reactivated"
PASSWORD_RESET = "password_reset"  # noqa: S105 (an action's name, not a password)
ADMIN_GIVEN = "admin_given"
ADMIN_TAKEN = "admin_taken"
LINK_SET = "link_set"
LINK_ENDED = "link_ended"
ACCOUNTS_IMPORTED = "accounts_imported"


def import_detail(
    created: int, existing: int, refused: int, proposed: int, already_linked: int
) -> str:
    """An import's `detail`: its counts only, never a name or an address, as five numbers
    (the audit page names them): created, already there, refused, manager links proposed,
    leaders already linked."""
    return f"{created} {existing} {refused} {proposed} {already_linked}"


def record(actor: User | None, action: str, subject: User | None, detail: str = "") -> None:
    """Add an event to the current transaction; the action's own commit writes it.

    `actor` None is the command line. Once committed, the log says it too, by ids (the names
    stay in the database): "administrator 3: account_deactivated account 7".
    """
    db.session.add(_event(actor, action, subject, detail))
    line = (
        f"administrator {actor.id}" if actor else COMMAND_LINE,
        action,
        subject.id if subject else "-",
    )
    on_commit(lambda: log.info("%s: %s account %s", *line))


def _event(actor: User | None, action: str, subject: User | None, detail: str) -> AuditEvent:
    return AuditEvent(
        actor_id=actor.id if actor else None,
        actor_name=actor.name if actor else COMMAND_LINE,
        action=action,
        subject_id=subject.id if subject else None,
        subject_name=subject.name if subject else "",
        detail=detail[:500],
    )


def person(user: User) -> str:
    """A person as the log names them in `detail`: name and email."""
    return f"{user.name} <{user.email}>"


def events_page(before: int | None = None) -> tuple[list[AuditEvent], int | None]:
    """A page of events, newest first, older than the event `before`; and the id to ask
    for the next page with (None on the last page)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    events = list(db.session.scalars(query))
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    return events, (events[-1].id if more else None)
