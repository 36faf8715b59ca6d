"""Each leader's data key: made, wrapped, opened at login, kept for the session, replaced.

The data key seals the leader's entries. It is stored only wrapped: by a key derived from the
password and by one derived from the recovery key. Opened at login, it lives for the session
in the session cookie, sealed again under a key derived from the server's secret, and for a
request in `g`. Nothing here ever writes the key itself to the database, a cookie or a log.
"""

from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app, g, session
from sqlalchemy import delete, func, select, update

from journal import crypto
from journal.auth import sessions
from journal.auth.passwords import hash_password, normalize
from journal.database import leave_no_old_copies
from journal.extensions import db
from journal.models import Entry, Goal, Review, User
from journal.models.user import utcnow
from journal.sharing.services import end_every_link

SESSION_KEY = "journal_key"
SESSION_RECOVERY = "recovery_key"
SESSION_PENDING = "journal_locked"  # logged in, but the journal waits for a new password


class JournalLocked(Exception):
    """The user's data key is not open in this request (a bug if it reaches a page)."""


class JournalKey:
    """A leader's open data key, for sealing and opening that leader's entries."""

    __slots__ = ("_aead", "_key", "user_id")

    def __init__(self, user_id: int, data_key: bytes):
        self.user_id = user_id
        self._key = data_key
        self._aead = AESGCM(data_key)  # made once: search opens thousands of entries

    def __repr__(self) -> str:
        return f"<JournalKey of user {self.user_id}>"

    def _context(self, entry_id: int) -> bytes:
        # The format byte is authenticated too: a seal cannot be passed off as another format.
        return crypto.SEALED_FORMAT + f"entry:{entry_id}:owner:{self.user_id}".encode()

    def seal_entry(self, entry_id: int, title: str, body: str) -> bytes:
        """An entry's title and body sealed for its row: fresh nonce, bound to id and owner."""
        sealed = crypto.seal(self._aead, crypto.pack_text(title, body), self._context(entry_id))
        return crypto.SEALED_FORMAT + sealed

    def open_entry(self, entry_id: int, sealed: bytes) -> tuple[str, str]:
        """(title, body) of a sealed entry; CannotOpen if the key or the row is not its own."""
        if sealed[:1] != crypto.SEALED_FORMAT:
            raise crypto.CannotOpen()
        plaintext = crypto.open_sealed(self._aead, sealed[1:], self._context(entry_id))
        return crypto.unpack_text(plaintext)

    def seal_index(self, part: str, data: bytes) -> bytes:
        """A part of the leader's search index sealed for keeping in memory between requests.

        The context names the owner and the part; it can never equal an entry's context (that
        begins with the format byte), so neither can be passed off as the other.
        """
        return crypto.seal(self._aead, data, self._index_context(part))

    def open_index(self, part: str, sealed: bytes) -> bytes:
        """What `seal_index(part, data)` sealed; CannotOpen for anything else."""
        return crypto.open_sealed(self._aead, sealed, self._index_context(part))

    def _index_context(self, part: str) -> bytes:
        return f"search-index:{part}:owner:{self.user_id}".encode()


def _context(user: User, purpose: str) -> bytes:
    """What a wrapped key is bound to: this user and this way of opening it."""
    return _context_of(user.id, purpose)


def _context_of(user_id: int, purpose: str) -> bytes:
    return f"data-key:user:{user_id}:{purpose}".encode()


def _kdf() -> str:
    return current_app.config["KEY_DERIVATION"]


# --- The request and the session -------------------------------------------------------


def journal_key(user: User) -> JournalKey:
    """The user's data key, opened for this request; JournalLocked if it is not."""
    key = g.get("journal_keys", {}).get(user.id)
    if key is None:
        raise JournalLocked(user.id)
    return key


def has_open_journal(user: User) -> bool:
    """Whether the user's data key is open in this request."""
    return user.id in g.get("journal_keys", {})


def use_for_request(key: JournalKey) -> None:
    """Make `key` the open data key of its user for the rest of this request."""
    g.setdefault("journal_keys", {})[key.user_id] = key


@cache
def _session_key(secret: str) -> bytes:
    return crypto.derive_key(secret.encode(), "session-wrap")


def _session_context(user: User, purpose: str) -> bytes:
    # Bound to the key version: once the keys change (a reset, a new password), every
    # session sealed before no longer opens, and so counts as logged out.
    return f"session:{purpose}:user:{user.id}:keys:{user.key_version}".encode()


def _session_seal(user: User, secret_bytes: bytes, purpose: str) -> str:
    context = _session_context(user, purpose)
    sealed = crypto.seal(_session_key(current_app.secret_key), secret_bytes, context)
    return crypto.b64(sealed)


def _session_open(user: User, text: str | None, purpose: str) -> bytes | None:
    if not isinstance(text, str):
        return None
    context = _session_context(user, purpose)
    try:
        return crypto.open_sealed(_session_key(current_app.secret_key), crypto.unb64(text), context)
    except (crypto.CannotOpen, ValueError):
        return None


def keep_in_session(user: User, key: JournalKey) -> None:
    """Keep the data key for this session, sealed under a key from the server's secret."""
    session[SESSION_KEY] = _session_seal(user, key._key, "data-key")
    session.pop(SESSION_PENDING, None)
    use_for_request(key)


def key_from_session(user: User) -> JournalKey | None:
    """The data key this session holds for `user`, if it holds one that opens."""
    data_key = _session_open(user, session.get(SESSION_KEY), "data-key")
    return JournalKey(user.id, data_key) if data_key is not None else None


def keep_recovery_key(user: User, recovery: bytes) -> None:
    """Keep a new recovery key in the session until the leader confirms having kept it."""
    session[SESSION_RECOVERY] = _session_seal(user, recovery, "recovery-key")


def shown_recovery_key(user: User) -> str | None:
    """The new recovery key waiting to be confirmed, formatted, if this session has one."""
    recovery = _session_open(user, session.get(SESSION_RECOVERY), "recovery-key")
    return crypto.format_recovery_key(recovery) if recovery is not None else None


def mark_pending() -> None:
    """The session is logged in, but the journal opens only after a new password."""
    session[SESSION_PENDING] = True


def is_pending() -> bool:
    """Whether this session waits for a new password before the journal opens."""
    return session.get(SESSION_PENDING) is True


# --- Making, opening and re-wrapping ----------------------------------------------------


class KeysChanged(Exception):
    """Another request changed the user's keys meanwhile (a double click, a second tab)."""


def open_with_password(user: User, password: str) -> JournalKey:
    """The data key, opened with the (already verified) password; CannotOpen otherwise."""
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
    version moves on, which ends every session holding the old one. KeysChanged if not.

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
        db.session.rollback()
        db.session.refresh(user)
        raise KeysChanged(user.id)
    db.session.expire(user)


def set_up_keys(user: User, password: str, **more) -> tuple[JournalKey, bytes]:
    """A new data key for `user`, wrapped by `password` and a new recovery key; `more`
    columns of the user change with them. Entries written before encryption existed are
    sealed with it in the same transaction, which the caller commits.

    Returns the key and the new recovery key's bits; KeysChanged if another request made
    keys meanwhile.
    """
    from journal.entries.services import seal_plaintext_entries  # entries build on auth

    key = JournalKey(user.id, crypto.new_key())
    by_recovery, recovery = _wrapped_for_recovery(user, key)
    _store_keys(
        user,
        key_by_password=wrapped_for_password(user, key, password),
        key_by_recovery=by_recovery,
        recovery_key_confirmed_at=None,
        **more,
    )
    seal_plaintext_entries(user, key)
    return key, recovery


def unlock_at_login(user: User, password: str) -> tuple[JournalKey | None, bytes | None]:
    """At login with a verified password: the open data key (None while the password is
    one an administrator set), and a new recovery key to show if one was just made.

    An account from before encryption gets its keys here, and its entries are sealed.
    """
    from journal.entries.services import seal_plaintext_entries  # entries build on auth

    if user.must_change_password:
        return None, None
    if user.key_by_password is None:
        try:
            key, recovery = set_up_keys(user, password)
        except KeysChanged:  # made a moment ago by the same login in another request
            return unlock_at_login(user, password)
        db.session.commit()
        leave_no_old_copies()  # of the plain text sealed just now, if there was any
        return key, recovery
    key = open_with_password(user, password)
    # Rows an older release wrote in plain text during an upgrade are sealed too.
    if seal_plaintext_entries(user, key):
        db.session.commit()
        leave_no_old_copies()
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


def change_password(user: User, key: JournalKey, password: str) -> None:
    """Wrap the open data key by a new password (entries are not touched); other sessions
    of the user end. The caller keeps the new session key and commits."""
    user.key_by_password = wrapped_for_password(user, key, password)
    user.key_version = User.key_version + 1  # in SQL, so that no other change is lost


def confirm_recovery_key(user: User) -> bool:
    """The leader has kept the recovery key shown: stop asking. False if that key no longer
    opens the journal (replaced from another device meanwhile): it must not be confirmed."""
    shown = shown_recovery_key(user)
    session.pop(SESSION_RECOVERY, None)
    if shown is None or open_with_recovery_key(user, shown) is None:
        return False
    user.recovery_key_confirmed_at = utcnow()
    db.session.commit()
    return True


def replace_recovery_key(user: User) -> bytes:
    """A new recovery key for a leader who has lost the old one but knows the password."""
    user.key_by_recovery, recovery = _wrapped_for_recovery(user, journal_key(user))
    user.recovery_key_confirmed_at = None
    db.session.commit()
    keep_recovery_key(user, recovery)
    return recovery


def locked_entry_count(user: User) -> int:
    """How many entries (trash included) wait for the data key."""
    return db.session.scalar(select(func.count()).where(Entry.owner_id == user.id))


def empty_the_account(user: User) -> None:
    """Delete everything the account holds that anyone wrote (the caller commits).

    Starting over happens after an administrator set the password, and whoever holds that
    password could be the one starting over: so nothing the leader wrote may be left to
    read. The sealed entries (which nobody can open any more) go, and with them the goals
    (their check-ins, shares and comments cascade), the reviews, and every manager link in
    either direction, so that no leader's shared goals are visible through this account.
    The account itself and the audit trail stay.
    """
    db.session.execute(delete(Entry).where(Entry.owner_id == user.id))
    db.session.execute(delete(Goal).where(Goal.owner_id == user.id))
    db.session.execute(delete(Review).where(Review.owner_id == user.id))
    end_every_link(user)


def choose_password(
    user: User, password: str, *, recovery_key: str = "", start_over: bool = False
) -> tuple[JournalKey, bytes] | None:
    """The leader replaces a password an administrator set, and the journal opens.

    A journal that has keys opens with the recovery key; `start_over` instead begins an
    empty one (see `start_over`). Returns the key and a new recovery key
    (a used recovery key is replaced), None if the recovery key is not this journal's, and
    raises KeysChanged if another request changed the keys meanwhile.
    """
    done = {"password_hash": hash_password(password), "must_change_password": False}
    if user.key_by_recovery is None:
        key, recovery = set_up_keys(user, password, **done)
    elif start_over:
        key, recovery = set_up_keys(user, password, **done)
        empty_the_account(user)
    else:
        key = open_with_recovery_key(user, recovery_key)
        if key is None:
            return None
        by_recovery, recovery = _wrapped_for_recovery(user, key)
        _store_keys(
            user,
            key_by_password=wrapped_for_password(user, key, password),
            key_by_recovery=by_recovery,
            recovery_key_confirmed_at=None,
            **done,
        )
    sessions.end_sessions(user)  # whoever else holds the administrator's password
    db.session.commit()
    return key, recovery
