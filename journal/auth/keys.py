"""Each leader's data key over the account's life: made, wrapped, opened at log-in,
re-wrapped by a new password, replaced after a reset.

The data key seals what only the leader can see: entries, goal texts, check-in notes and
saved reviews. It is stored only wrapped: by a key derived from the password and by one
derived from the recovery key. The key open for this request and session is
`journal/journal_key.py`'s; this module makes and wraps it, and seals what an account wrote
before encryption existed. Nothing here writes the key itself anywhere.
"""

from flask import current_app
from sqlalchemy import func, select, union_all, update

from journal import crypto
from journal.auth import sessions
from journal.auth.passwords import hash_password, normalize
from journal.database import atomic, leave_no_old_copies, on_commit
from journal.extensions import db
from journal.journal_key import (
    JournalKey,
    forget_recovery_key,
    journal_key,
    keep_recovery_key,
    shown_recovery_key,
)
from journal.models import CheckIn, Entry, Goal, Review, User
from journal.models.user import utcnow


def _context(user: User, purpose: str) -> bytes:
    """What a wrapped key is bound to: this user and this way of opening it."""
    return _context_of(user.id, purpose)


def _context_of(user_id: int, purpose: str) -> bytes:
    return f"data-key:user:{user_id}:{purpose}".encode()


def _kdf() -> str:
    return current_app.config["KEY_DERIVATION"]


# --- Making, opening and re-wrapping ----------------------------------------------------


class KeysChanged(Exception):
    """Another request changed the user's keys meanwhile (a double click, a second tab)."""


def has_keys(user: User) -> bool:
    """Whether the account has a journal at all (some wrap of a data key)."""
    return user.key_by_password is not None or user.key_by_recovery is not None


def open_with_password(user: User, password: str) -> JournalKey:
    """The data key, opened with the (already verified) password; CannotOpen otherwise."""
    if user.key_by_password is None:
        raise crypto.CannotOpen()
    data_key = crypto.unwrap(user.key_by_password, normalize(password), _context(user, "password"))
    return JournalKey(user.id, data_key)


def open_with_recovery_key(user: User, typed: str) -> JournalKey | None:
    """The data key, opened with a typed recovery key; None if it is not this user's."""
    recovery = crypto.parse_recovery_key(typed or "")
    if recovery is None or user.key_by_recovery is None:
        return None
    try:
        data_key = crypto.unwrap(user.key_by_recovery, recovery, _context(user, "recovery"))
    except crypto.CannotOpen:
        return None
    return JournalKey(user.id, data_key)


def wrapped_for_password(user: User, key: JournalKey, password: str) -> str:
    """The data key wrapped by `password` (a new salt each time)."""
    return crypto.wrap_with_password(
        key._key, normalize(password), _context(user, "password"), _kdf()
    )


def _wrapped_for_recovery(user: User, key: JournalKey) -> tuple[str, bytes]:
    """The data key wrapped by a new recovery key, and that key's bits."""
    recovery = crypto.new_recovery_key()
    return crypto.wrap_with_recovery_key(key._key, recovery, _context(user, "recovery")), recovery


def _store_keys(user: User, **values) -> None:
    """Write new wrapped keys if nobody has changed them since `user` was read; the key
    version moves on, which ends every session holding the old one. KeysChanged if not
    (the action's transaction then rolls back, and the user is read afresh).

    One conditional UPDATE: of two requests racing here (a double click on "Log in"), one
    wins, and the other must not wrap a second data key over the first.
    """
    seen = user.key_version
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, User.key_version == seen)
        .values(key_version=seen + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise KeysChanged(user.id)
    db.session.expire(user)


def _wrap_anew(user: User, key: JournalKey, password: str, **more) -> bytes:
    """Store `key` wrapped by `password` and by a new recovery key (to be confirmed), with
    `more` columns of the user; the new recovery key's bits. KeysChanged on a race."""
    by_recovery, recovery = _wrapped_for_recovery(user, key)
    _store_keys(
        user,
        key_by_password=wrapped_for_password(user, key, password),
        key_by_recovery=by_recovery,
        recovery_key_confirmed_at=None,
        # The draft key goes with the keys: after a reset or a new journal, drafts that
        # browsers kept before no longer open (the next writing page makes a new pair).
        draft_public_key=None,
        draft_private_key_sealed=None,
        **more,
    )
    return recovery


@atomic()
def set_up_keys(user: User, password: str, **more) -> tuple[JournalKey, bytes]:
    """A new data key for `user`, wrapped by `password` and a new recovery key; `more`
    columns of the user change with them. Entries written before encryption existed are
    sealed with it in the same transaction.

    Returns the key and the new recovery key's bits; KeysChanged if another request made
    keys meanwhile.
    """
    key = JournalKey(user.id, crypto.new_key())
    recovery = _wrap_anew(user, key, password, **more)
    seal_plaintext_rows(user, key)
    return key, recovery


def unlock_at_login(user: User, password: str) -> tuple[JournalKey | None, bytes | None]:
    """At login with a verified password: the open data key (None while the password is
    one an administrator set), and a new recovery key to show if one was just made.

    An account from before encryption gets its keys here, and its entries are sealed. An
    action of its own (never inside another's transaction): a race with another log-in of
    the same account is settled by rolling back and reading the account again.
    """
    if user.must_change_password:
        return None, None
    if user.key_by_password is None:
        try:
            key, recovery = set_up_keys(user, password)
        except KeysChanged:  # made a moment ago by the same login in another request
            db.session.refresh(user)
            return unlock_at_login(user, password)
        return key, recovery
    key = open_with_password(user, password)
    # Rows an older release wrote in plain text during an upgrade are sealed too.
    with atomic():
        seal_plaintext_rows(user, key)
    return key, None


def keys_for_new_account(
    user_id: int, password_key: bytes, salt: bytes
) -> tuple[JournalKey, str, str]:
    """A new data key for account `user_id` and its two wraps (key_by_password,
    key_by_recovery), for accounts made in bulk (demo data).

    `password_key` is `crypto.password_key(password, salt, KEY_DERIVATION)`, derived once by
    the caller for many accounts that share a password; the recovery key is not kept.
    """
    key = JournalKey(user_id, crypto.new_key())
    by_password = crypto.wrap_with_password_key(
        key._key, password_key, salt, _context_of(user_id, "password"), _kdf()
    )
    by_recovery = crypto.wrap_with_recovery_key(
        key._key, crypto.new_recovery_key(), _context_of(user_id, "recovery")
    )
    return key, by_password, by_recovery


def rewrap_for_password(user: User, key: JournalKey, password: str) -> None:
    """Wrap the open data key by a new password (entries are not touched); other sessions
    of the user end with the key version. Part of the password change's transaction."""
    user.key_by_password = wrapped_for_password(user, key, password)
    user.key_version = User.key_version + 1  # in SQL, so that no other change is lost


@atomic()
def confirm_recovery_key(user: User) -> bool:
    """The leader has kept the recovery key shown: stop asking. False if that key no longer
    opens the journal (replaced from another device meanwhile): it must not be confirmed."""
    shown = shown_recovery_key(user)
    forget_recovery_key()
    if shown is None or open_with_recovery_key(user, shown) is None:
        return False
    user.recovery_key_confirmed_at = utcnow()
    return True


@atomic()
def replace_recovery_key(user: User) -> bytes:
    """A new recovery key for a leader who has lost the old one but knows the password."""
    user.key_by_recovery, recovery = _wrapped_for_recovery(user, journal_key(user))
    user.recovery_key_confirmed_at = None
    on_commit(lambda: keep_recovery_key(user, recovery))  # shown only once it is stored
    return recovery


def _own_password(password: str) -> dict:
    """The account's columns once the leader has chosen their own password."""
    return {"password_hash": hash_password(password), "must_change_password": False}


@atomic()
def new_journal(user: User, password: str) -> tuple[JournalKey, bytes]:
    """The leader's own password replaces one an administrator set, with a new data key and
    recovery key: for an account that has no keys yet, or (`my_data.start_over`) one whose
    recovery key is lost. Every other session ends; KeysChanged on a race."""
    opened = set_up_keys(user, password, **_own_password(password))
    sessions.end_sessions(user)  # whoever else holds the administrator's password
    return opened


@atomic()
def choose_password(
    user: User, password: str, *, recovery_key: str = ""
) -> tuple[JournalKey, bytes] | None:
    """The leader replaces a password an administrator set, and the journal opens.

    A journal that has keys opens with the recovery key, which is then replaced by a new
    one; an account without keys gets them now (`new_journal`). Returns the key and the new
    recovery key, None if the recovery key is not this journal's, and raises KeysChanged if
    another request changed the keys meanwhile.
    """
    if user.key_by_recovery is None:
        return new_journal(user, password)
    key = open_with_recovery_key(user, recovery_key)
    if key is None:
        return None
    recovery = _wrap_anew(user, key, password, **_own_password(password))
    sessions.end_sessions(user)  # whoever else holds the administrator's password
    return key, recovery


# --- Text from before encryption -------------------------------------------------------


def seal_plaintext_rows(user: User, key: JournalKey) -> int:
    """Seal what the user wrote before encryption (entries, goals, check-in notes, saved
    reviews) and erase its plain text; once that is committed, leave no old copy of the
    plain text in the database's files. How many rows were sealed."""
    count = _seal_plaintext_entries(user, key)
    for row in _plaintext_rows(user):
        row.seal_text(key, **row.plain_text())
        count += 1
    if count:
        on_commit(leave_no_old_copies)
    return count


def _seal_plaintext_entries(user: User, key: JournalKey) -> int:
    rows = db.session.scalars(
        select(Entry).where(Entry.owner_id == user.id, Entry.sealed.is_(None))
    ).all()
    for entry in rows:
        entry.sealed = key.seal_entry(entry.id, entry.plain_title, entry.plain_body)
        entry.plain_title = entry.plain_body = ""
    return len(rows)


def _plaintext_rows(user: User) -> list:
    """The user's goals, check-ins and reviews with plain text to seal."""
    return [
        *db.session.scalars(
            select(Goal).where(Goal.owner_id == user.id, Goal.waiting_to_be_sealed())
        ),
        *db.session.scalars(
            select(CheckIn)
            .join(Goal, Goal.id == CheckIn.goal_id)
            .where(Goal.owner_id == user.id, CheckIn.waiting_to_be_sealed())
        ),
        *db.session.scalars(
            select(Review).where(Review.owner_id == user.id, Review.waiting_to_be_sealed())
        ),
    ]


def plaintext_counts() -> list[tuple[str, int]]:
    """(email, count) of every account that still has rows from before encryption (entries,
    goals, check-ins, saved reviews)."""
    waiting = union_all(
        select(Entry.owner_id.label("owner_id")).where(Entry.sealed.is_(None)),
        select(Goal.owner_id).where(Goal.waiting_to_be_sealed()),
        select(Goal.owner_id)
        .join(CheckIn, CheckIn.goal_id == Goal.id)
        .where(CheckIn.waiting_to_be_sealed()),
        select(Review.owner_id).where(Review.waiting_to_be_sealed()),
    ).subquery()
    return db.session.execute(
        select(User.email, func.count())
        .join(waiting, waiting.c.owner_id == User.id)
        .group_by(User.email)
        .order_by(User.email)
    ).all()
