"""Each leader's data key over the account's life: made, wrapped, opened at log-in or at
unlock, re-wrapped by a new password, replaced after a reset.

The data key seals what only the leader can see: entries, goal texts, check-in notes and
saved reviews. It is stored only wrapped, once per unlock factor (journal/models/unlock.py):
by a key derived from the password, from a journal passphrase, from a passkey's PRF output,
and from the recovery key. Signing in with the municipality's account opens none of them:
only something the leader holds does. The key open for this request and session is
`journal/journal_key.py`'s; this module makes and wraps it, and seals what an account wrote
before encryption existed. Nothing here writes the key itself anywhere.
"""

from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy import delete, exists, func, select, union_all, update

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
from journal.models import CheckIn, Entry, Goal, Review, UnlockFactor, User
from journal.models.user import utcnow


def _context(user: User, purpose: str) -> bytes:
    """What a wrapped key is bound to: this user and this way of opening it."""
    return _context_of(user.id, purpose)


def _context_of(user_id: int, purpose: str) -> bytes:
    return f"data-key:user:{user_id}:{purpose}".encode()


def _passkey_context(user: User, credential_id: bytes) -> bytes:
    # Bound to the credential: a passkey's wrap opens with that passkey's PRF output only.
    return _context(user, f"passkey:{crypto.b64(credential_id)}")


def _kdf() -> str:
    return current_app.config["KEY_DERIVATION"]


# --- The factors ---------------------------------------------------------------------


class KeysChanged(Exception):
    """Another request changed the user's keys meanwhile (a double click, a second tab)."""


class LastFactor(Exception):
    """Removing this factor would leave the journal opening with the recovery key only."""


@dataclass(frozen=True)
class NewPasskey:
    """A passkey just registered (its attestation checked), with the PRF output it gave for
    its `prf_salt`: what wraps the data key for it."""

    name: str
    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: str
    prf_salt: bytes
    prf_output: bytes


def factors_of(user: User) -> list[UnlockFactor]:
    """Every way the user's journal opens, passkeys last, oldest first."""
    return list(
        db.session.scalars(
            select(UnlockFactor)
            .where(UnlockFactor.user_id == user.id)
            .order_by(UnlockFactor.kind == "passkey", UnlockFactor.created_at, UnlockFactor.id)
        )
    )


def passkeys_of(user: User) -> list[UnlockFactor]:
    """The user's passkeys, oldest first."""
    return [factor for factor in factors_of(user) if factor.kind == "passkey"]


def factor_of(user: User, kind: str) -> UnlockFactor | None:
    """The user's factor of `kind` (not for passkeys: there may be several)."""
    return db.session.scalar(
        select(UnlockFactor).where(UnlockFactor.user_id == user.id, UnlockFactor.kind == kind)
    )


def has_keys(user: User) -> bool:
    """Whether the user has a journal key at all (any way to open one); asked once a request."""
    cache = g.setdefault("has_keys", {})
    if user.id not in cache:
        cache[user.id] = bool(
            db.session.scalar(select(exists().where(UnlockFactor.user_id == user.id)))
        )
    return cache[user.id]


def has_recovery_key(user: User) -> bool:
    """Whether the user's journal has a recovery key (every journal with keys has one)."""
    return factor_of(user, "recovery") is not None


def typed_secret(user: User) -> str | None:
    """What the user types to prove it is them on a page that asks (a new recovery key):
    "password", "passphrase", or None when the journal opens with passkeys only."""
    kinds = {factor.kind for factor in factors_of(user)}
    return next((kind for kind in ("password", "passphrase") if kind in kinds), None)


def _put_factor(user: User, kind: str, wrapped: str, **values) -> UnlockFactor:
    """Store the wrap of `kind`, replacing the user's earlier one (but for passkeys)."""
    row = None if kind == "passkey" else factor_of(user, kind)
    if row is None:
        row = UnlockFactor(user_id=user.id, kind=kind)
        db.session.add(row)
    row.wrapped = wrapped
    row.created_at = utcnow()
    row.last_used_at = None
    for name, value in values.items():
        setattr(row, name, value)
    g.pop("has_keys", None)
    return row


def _mark_used(factor: UnlockFactor) -> None:
    factor.last_used_at = utcnow()


# --- Opening ---------------------------------------------------------------------------


def open_with_password(user: User, password: str) -> JournalKey:
    """The data key, opened with the (already verified) password; CannotOpen otherwise."""
    factor = factor_of(user, "password")
    if factor is None:
        raise crypto.CannotOpen()
    data_key = crypto.unwrap(factor.wrapped, normalize(password), _context(user, "password"))
    return JournalKey(user.id, data_key)


def open_with_recovery_key(user: User, typed: str) -> JournalKey | None:
    """The data key, opened with a typed recovery key; None if it is not this user's."""
    recovery = crypto.parse_recovery_key(typed or "")
    factor = factor_of(user, "recovery")
    if recovery is None or factor is None:
        return None
    try:
        data_key = crypto.unwrap(factor.wrapped, recovery, _context(user, "recovery"))
    except crypto.CannotOpen:
        return None
    return JournalKey(user.id, data_key)


def open_with_passphrase(user: User, phrase: str) -> JournalKey | None:
    """The data key, opened with the journal passphrase; None if it is not the user's."""
    factor = factor_of(user, "passphrase")
    if factor is None or not phrase:
        return None
    try:
        data_key = crypto.unwrap(factor.wrapped, normalize(phrase), _context(user, "passphrase"))
    except crypto.CannotOpen:
        return None
    _mark_used(factor)
    return JournalKey(user.id, data_key)


def open_with_passkey(user: User, factor: UnlockFactor, prf_output: bytes) -> JournalKey | None:
    """The data key, opened with a passkey's PRF output (its assertion already verified);
    None if the output does not open this passkey's wrap or the passkey is not the user's."""
    if factor.user_id != user.id or factor.kind != "passkey" or factor.credential_id is None:
        return None
    try:
        data_key = crypto.unwrap(
            factor.wrapped, prf_output, _passkey_context(user, factor.credential_id)
        )
    except crypto.CannotOpen:
        return None
    _mark_used(factor)
    return JournalKey(user.id, data_key)


# --- Wrapping --------------------------------------------------------------------------


def wrapped_for_password(user: User, key: JournalKey, password: str) -> str:
    """The data key wrapped by `password` (a new salt each time)."""
    return crypto.wrap_with_password(
        key._key, normalize(password), _context(user, "password"), _kdf()
    )


def _wrapped_for_passphrase(user: User, key: JournalKey, phrase: str) -> str:
    return crypto.wrap_with_password(
        key._key, normalize(phrase), _context(user, "passphrase"), _kdf()
    )


def _wrapped_for_recovery(user: User, key: JournalKey) -> tuple[str, bytes]:
    """The data key wrapped by a new recovery key, and that key's bits."""
    recovery = crypto.new_recovery_key()
    return crypto.wrap_with_recovery_key(key._key, recovery, _context(user, "recovery")), recovery


def _put_passkey(user: User, key: JournalKey, passkey: NewPasskey) -> UnlockFactor:
    wrapped = crypto.wrap_with_prf(
        key._key, passkey.prf_output, _passkey_context(user, passkey.credential_id)
    )
    return _put_factor(
        user,
        "passkey",
        wrapped,
        name=passkey.name,
        credential_id=passkey.credential_id,
        public_key=passkey.public_key,
        sign_count=passkey.sign_count,
        transports=passkey.transports,
        prf_salt=passkey.prf_salt,
    )


def _store_keys(user: User, **values) -> None:
    """Move the key version on if nobody has changed the keys since `user` was read, with
    `values` of the user; that ends every session holding the old version. KeysChanged if
    not (the action's transaction then rolls back, and the user is read afresh).

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


def _new_keys(user: User, first, **more) -> tuple[JournalKey, bytes]:
    """A new data key for `user`, stored wrapped by `first(key)` (which stores its factor)
    and a new recovery key (to be confirmed); every earlier factor goes (it held another
    key), with `more` columns of the user. The key and the recovery key's bits."""
    key = JournalKey(user.id, crypto.new_key())
    _store_keys(
        user,
        recovery_key_confirmed_at=None,
        # The draft key goes with the keys: after a reset or a new journal, drafts that
        # browsers kept before no longer open (the next writing page makes a new pair).
        draft_public_key=None,
        draft_private_key_sealed=None,
        **more,
    )
    db.session.execute(delete(UnlockFactor).where(UnlockFactor.user_id == user.id))
    first(key)
    by_recovery, recovery = _wrapped_for_recovery(user, key)
    _put_factor(user, "recovery", by_recovery)
    seal_plaintext_rows(user, key)
    return key, recovery


@atomic()
def set_up_keys(user: User, password: str, **more) -> tuple[JournalKey, bytes]:
    """A new data key for `user`, wrapped by `password` and a new recovery key; `more`
    columns of the user change with them. Entries written before encryption existed are
    sealed with it in the same transaction.

    Returns the key and the new recovery key's bits; KeysChanged if another request made
    keys meanwhile.
    """
    return _new_keys(
        user,
        lambda key: _put_factor(user, "password", wrapped_for_password(user, key, password)),
        **more,
    )


@atomic()
def set_up_keys_with_passphrase(user: User, phrase: str) -> tuple[JournalKey, bytes]:
    """A new journal for an account that signs in with the municipality's account: its key
    wrapped by a journal passphrase and a new recovery key. KeysChanged on a race."""
    if has_keys(user):
        raise KeysChanged(user.id)
    return _new_keys(
        user,
        lambda key: _put_factor(user, "passphrase", _wrapped_for_passphrase(user, key, phrase)),
    )


@atomic()
def set_up_keys_with_passkey(user: User, passkey: NewPasskey) -> tuple[JournalKey, bytes]:
    """A new journal whose key a passkey opens (and a new recovery key). KeysChanged on a race."""
    if has_keys(user):
        raise KeysChanged(user.id)
    return _new_keys(user, lambda key: _put_passkey(user, key, passkey))


@atomic()
def add_passkey(user: User, key: JournalKey, passkey: NewPasskey) -> UnlockFactor:
    """Let a new passkey open the journal (the key is open in this session)."""
    return _put_passkey(user, key, passkey)


@atomic()
def set_passphrase(user: User, key: JournalKey, phrase: str) -> UnlockFactor:
    """Let the journal open with `phrase` (replacing an earlier journal passphrase)."""
    return _put_factor(user, "passphrase", _wrapped_for_passphrase(user, key, phrase))


@atomic()
def remove_factor(user: User, factor_id: int) -> None:
    """Remove one of the user's passkeys or the journal passphrase. LookupError if it is
    not the user's (or is the password or the recovery key, which are not removed here);
    LastFactor if the recovery key would be the only way left in."""
    factors = factors_of(user)
    factor = next((f for f in factors if f.id == factor_id), None)
    if factor is None or factor.kind not in ("passkey", "passphrase"):
        raise LookupError(factor_id)
    if not any(f.kind != "recovery" and f.id != factor_id for f in factors):
        raise LastFactor(factor_id)
    db.session.delete(factor)
    g.pop("has_keys", None)


@atomic()
def rename_passkey(user: User, factor_id: int, name: str) -> None:
    """Give one of the user's passkeys a new name; LookupError if it is not theirs."""
    factor = db.session.get(UnlockFactor, factor_id)
    if factor is None or factor.user_id != user.id or factor.kind != "passkey":
        raise LookupError(factor_id)
    factor.name = name


def unlock_at_login(user: User, password: str) -> tuple[JournalKey | None, bytes | None]:
    """At login with a verified password: the open data key (None while the password is
    one an administrator set, or while the journal opens another way only), and a new
    recovery key to show if one was just made.

    An account from before encryption gets its keys here, and its entries are sealed. An
    action of its own (never inside another's transaction): a race with another log-in of
    the same account is settled by rolling back and reading the account again.
    """
    if user.must_change_password:
        return None, None
    if factor_of(user, "password") is None:
        if has_keys(user):  # the journal opens with a passkey or a passphrase: unlock
            return None, None
        try:
            key, recovery = set_up_keys(user, password)
        except KeysChanged:  # made a moment ago by the same login in another request
            db.session.refresh(user)
            g.pop("has_keys", None)
            return unlock_at_login(user, password)
        return key, recovery
    key = open_with_password(user, password)
    # Rows an older release wrote in plain text during an upgrade are sealed too.
    with atomic():
        seal_plaintext_rows(user, key)
    return key, None


def keys_for_new_account(
    user_id: int, password_key: bytes, salt: bytes
) -> tuple[JournalKey, list[dict]]:
    """A new data key for account `user_id` and its two unlock factors (password, recovery)
    as rows for `UnlockFactor`, for accounts made in bulk (demo data).

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
    now = utcnow()
    return key, [
        {"user_id": user_id, "kind": "password", "wrapped": by_password, "created_at": now},
        {"user_id": user_id, "kind": "recovery", "wrapped": by_recovery, "created_at": now},
    ]


def rewrap_for_password(user: User, key: JournalKey, password: str) -> None:
    """Wrap the open data key by a new password (entries are not touched); other sessions
    of the user end with the key version. Part of the password change's transaction."""
    _put_factor(user, "password", wrapped_for_password(user, key, password))
    user.key_version = User.key_version + 1  # in SQL, so that no other change is lost


def drop_password_wrap(user: User) -> None:
    """The password no longer opens the journal (an administrator set a new one): the
    leader opens it with the recovery key when choosing their own. Part of the caller's
    transaction."""
    db.session.execute(
        delete(UnlockFactor).where(UnlockFactor.user_id == user.id, UnlockFactor.kind == "password")
    )
    g.pop("has_keys", None)


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
    """A new recovery key for a leader who has lost the old one (the journal is open)."""
    by_recovery, recovery = _wrapped_for_recovery(user, journal_key(user))
    _put_factor(user, "recovery", by_recovery)
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
    one (passkeys and a journal passphrase keep opening it); an account without keys gets
    them now (`new_journal`). Returns the key and the new recovery key, None if the
    recovery key is not this journal's, and raises KeysChanged if another request changed
    the keys meanwhile.
    """
    if not has_recovery_key(user):
        return new_journal(user, password)
    key = open_with_recovery_key(user, recovery_key)
    if key is None:
        return None
    _store_keys(
        user,
        recovery_key_confirmed_at=None,
        draft_public_key=None,
        draft_private_key_sealed=None,
        **_own_password(password),
    )
    _put_factor(user, "password", wrapped_for_password(user, key, password))
    by_recovery, recovery = _wrapped_for_recovery(user, key)
    _put_factor(user, "recovery", by_recovery)
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
