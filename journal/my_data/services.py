"""My data: erasing an account, and emptying one for a new journal; each one transaction.

(Export and import are `export.py` and `importer.py`, with the format in `journal_json.py`.)
"""

from sqlalchemy import delete

from journal.auth import keys
from journal.auth.passwords import verify_password
from journal.database import atomic, leave_no_old_copies, on_commit
from journal.entries import search_index
from journal.extensions import db
from journal.journal_key import JournalKey
from journal.models import AgendaPoint, Entry, Goal, Meeting, MeetingNote, Review, User
from journal.sharing.services import end_every_link


@atomic()
def erase_account(user: User, password: str) -> bool:
    """Delete the account and everything it owns (GDPR art. 17), if the password is right.

    One DELETE: the database's ON DELETE rules remove entries, goals, check-ins, links,
    shares, comments and reviews, and clear the account from other people's sharing logs.
    """
    if not verify_password(user.password_hash, password):
        return False
    user_id = user.id
    db.session.expunge_all()
    db.session.execute(delete(User).where(User.id == user_id))
    on_commit(leave_no_old_copies)  # the shared copies and comments were readable
    return True


def empty_account(user: User) -> None:
    """Delete everything the account holds that anyone wrote; the account itself and the
    audit trail stay. Part of `start_over`'s transaction.

    The sealed entries (which nobody can open any more) go, and with them the goals (their
    check-ins, shares and comments cascade), the reviews, the agenda and the account's notes
    after conversations, and every manager link in either direction, so that no leader's
    shared goals or points are visible through this account.
    """
    db.session.execute(delete(Entry).where(Entry.owner_id == user.id))
    search_index.forget(user)  # sealed with the key that is being replaced
    db.session.execute(delete(Goal).where(Goal.owner_id == user.id))
    db.session.execute(delete(Review).where(Review.owner_id == user.id))
    # The agenda: the points (sealed, or the manager's), the conversations held, and every
    # note this account wrote (sealed with the key that is being replaced).
    db.session.execute(delete(AgendaPoint).where(AgendaPoint.leader_id == user.id))
    db.session.execute(delete(Meeting).where(Meeting.leader_id == user.id))
    db.session.execute(delete(MeetingNote).where(MeetingNote.author_id == user.id))
    end_every_link(user)
    on_commit(leave_no_old_copies)  # the shared copies and comments were readable


@atomic()
def start_over(user: User, password: str) -> tuple[JournalKey, bytes]:
    """After an administrator's reset, without the recovery key: the leader's own password,
    a new data key and recovery key, and an empty account.

    Whoever holds the temporary password, the administrator who set it included, could be
    the one starting over: so nothing the leader wrote may be left to read through the
    account. Returns the new key and recovery key; KeysChanged on a race (a double click).
    """
    opened = keys.new_journal(user, password)
    empty_account(user)
    return opened
