"""The journal key held for this request and this session: a leader's open data key.

The data key seals everything only the leader can see: entries, goal texts, check-in notes
and saved reviews (and the leader's search index, and the private half of the key the
browser seals drafts to). Opened at log-in
(`journal/auth/keys.py` keeps its lifecycle: made, wrapped, re-wrapped), it lives for the
session in the session cookie, sealed again under a key derived from the server's secret
and the account's own random session token (stored in the database: the secret alone, say
from a leaked configuration, cannot make a session that opens), and for one request in `g`. Nothing here writes the key itself to the database, a cookie or
a log. This module depends on `crypto` only, so that every domain can use the key without
depending on the accounts that make it.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app, g, session

from journal import crypto

SESSION_KEY = "journal_key"
SESSION_RECOVERY = "recovery_key"
SESSION_PENDING = "journal_locked"  # logged in, but the journal waits for a new password
SESSION_LOCKED = "journal_to_unlock"  # signed in by the municipality's account: unlock first
SESSION_UNLOCKED_AT = "unlocked_at"  # when the journal was last opened in this session
# Changing how the journal opens (a new passphrase, passkey or recovery key) needs a proof
# this recent: not just whoever finds the session open on a laptop left unattended.
FRESH_UNLOCK_SECONDS = 5 * 60


class Account(Protocol):
    """What a key needs of an account: its id, the version of its keys, its session token."""

    id: int
    key_version: int
    session_token: str


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

    def seal_fields(self, table: str, row_id: int, values: dict[str, str]) -> bytes:
        """Text fields of one row (a goal's title, why and how-I-know, say) sealed together
        into its `sealed` column: fresh nonce, bound to the table, row, column and owner, so
        that the value opens nowhere else."""
        plaintext = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
        sealed = crypto.seal(self._aead, plaintext, self._row_context(table, row_id))
        return crypto.SEALED_FORMAT + sealed

    def open_fields(self, table: str, row_id: int, sealed: bytes) -> dict[str, str]:
        """The fields `seal_fields` sealed for this row; CannotOpen for anything else."""
        if sealed[:1] != crypto.SEALED_FORMAT:
            raise crypto.CannotOpen()
        plaintext = crypto.open_sealed(self._aead, sealed[1:], self._row_context(table, row_id))
        values = json.loads(plaintext)
        if not isinstance(values, dict):
            raise crypto.CannotOpen()
        return values

    def _row_context(self, table: str, row_id: int) -> bytes:
        # Never equal to an entry's context ("entry:…") nor the index's ("search-index:…").
        return crypto.SEALED_FORMAT + f"{table}:{row_id}:sealed:owner:{self.user_id}".encode()

    def seal_index(self, part: str, data: bytes) -> bytes:
        """A part of the leader's search index sealed for keeping in the database.

        The context names the owner and the part; it can never equal an entry's context (that
        begins with the format byte), so neither can be passed off as the other.
        """
        return crypto.seal(self._aead, data, self._index_context(part))

    def open_index(self, part: str, sealed: bytes) -> bytes:
        """What `seal_index(part, data)` sealed; CannotOpen for anything else."""
        return crypto.open_sealed(self._aead, sealed, self._index_context(part))

    def _index_context(self, part: str) -> bytes:
        return f"search-index:{part}:owner:{self.user_id}".encode()

    def index_shard_of(self, shards: int) -> Callable[[bytes], int]:
        """Which of `shards` shards of the search index holds a bucket (a word's first
        letters): a keyed hash, so that without the key a shard's number says nothing of the
        words in it. The key is the data key's own, for this purpose and owner only."""
        names = hmac.HMAC(
            crypto.derive_key(self._key, "search-index-names", str(self.user_id).encode()),
            digestmod=hashlib.sha256,
        )

        def shard_of(bucket: bytes) -> int:
            mac = names.copy()
            mac.update(bucket)
            return int.from_bytes(mac.digest()[:4], "big") % shards

        return shard_of

    def seal_draft_key(self, private_key: bytes) -> bytes:
        """The private half of the leader's draft key, sealed for keeping on the account."""
        return crypto.seal(self._aead, private_key, self._draft_key_context())

    def open_draft_key(self, sealed: bytes) -> bytes:
        """What `seal_draft_key` sealed; CannotOpen under any other data key or owner."""
        return crypto.open_sealed(self._aead, sealed, self._draft_key_context())

    def _draft_key_context(self) -> bytes:
        return f"draft-key:owner:{self.user_id}".encode()


# --- This request ------------------------------------------------------------------------


def journal_key(user: Account) -> JournalKey:
    """The user's data key, opened for this request; JournalLocked if it is not."""
    key = g.get("journal_keys", {}).get(user.id)
    if key is None:
        raise JournalLocked(user.id)
    return key


def has_open_journal(user: Account) -> bool:
    """Whether the user's data key is open in this request."""
    return user.id in g.get("journal_keys", {})


def use_for_request(key: JournalKey) -> None:
    """Make `key` the open data key of its user for the rest of this request."""
    g.setdefault("journal_keys", {})[key.user_id] = key


# --- This session ------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _session_key(secret: str, token: str) -> bytes:
    if len(token) < 32:  # every account has one (models.user.new_session_token)
        raise ValueError("an account without a session token")
    return crypto.derive_key(secret.encode(), "session-wrap", salt=token.encode())


def _session_context(user: Account, purpose: str) -> bytes:
    # Bound to the key version: once the keys change (a reset, a new password), every
    # session sealed before no longer opens, and so counts as logged out.
    return f"session:{purpose}:user:{user.id}:keys:{user.key_version}".encode()


def _session_seal(user: Account, secret_bytes: bytes, purpose: str) -> str:
    context = _session_context(user, purpose)
    key = _session_key(current_app.secret_key, user.session_token)
    sealed = crypto.seal(key, secret_bytes, context)
    return crypto.b64(sealed)


def _session_open(user: Account, text: str | None, purpose: str) -> bytes | None:
    if not isinstance(text, str):
        return None
    context = _session_context(user, purpose)
    try:
        key = _session_key(current_app.secret_key, user.session_token)
        return crypto.open_sealed(key, crypto.unb64(text), context)
    except (crypto.CannotOpen, ValueError):
        return None


def keep_in_session(user: Account, key: JournalKey) -> None:
    """Keep the data key for this session, sealed under a key from the server's secret."""
    session[SESSION_KEY] = _session_seal(user, key._key, "data-key")
    session[SESSION_UNLOCKED_AT] = int(time.time())
    session.pop(SESSION_PENDING, None)
    session.pop(SESSION_LOCKED, None)
    use_for_request(key)


def unlocked_recently() -> bool:
    """Whether the journal was opened in this session (by log-in or unlock) in the last few
    minutes: the proof that changing how it opens asks for."""
    at = session.get(SESSION_UNLOCKED_AT)
    return isinstance(at, int) and 0 <= time.time() - at <= FRESH_UNLOCK_SECONDS


def key_from_session(user: Account) -> JournalKey | None:
    """The data key this session holds for `user`, if it holds one that opens."""
    data_key = _session_open(user, session.get(SESSION_KEY), "data-key")
    return JournalKey(user.id, data_key) if data_key is not None else None


def keep_recovery_key(user: Account, recovery: bytes) -> None:
    """Keep a new recovery key in the session until the leader confirms having kept it."""
    session[SESSION_RECOVERY] = _session_seal(user, recovery, "recovery-key")


def shown_recovery_key(user: Account) -> str | None:
    """The new recovery key waiting to be confirmed, formatted, if this session has one."""
    recovery = _session_open(user, session.get(SESSION_RECOVERY), "recovery-key")
    return crypto.format_recovery_key(recovery) if recovery is not None else None


def forget_recovery_key() -> None:
    """The recovery key shown is confirmed (or replaced): the session no longer holds it."""
    session.pop(SESSION_RECOVERY, None)


PENDING = b"waiting for a new password"


def mark_pending(user: Account) -> None:
    """The session is logged in, but the journal opens only after a new password (sealed
    like the key, so that no one who knows only the server's secret can claim it)."""
    session[SESSION_PENDING] = _session_seal(user, PENDING, "pending")


def is_pending(user: Account) -> bool:
    """Whether this session waits for `user`'s new password before the journal opens."""
    return _session_open(user, session.get(SESSION_PENDING), "pending") == PENDING


LOCKED = b"signed in, journal locked"


def mark_locked(user: Account) -> None:
    """The session is signed in, but holds no key: the journal opens only with something the
    leader holds (a passkey, the journal passphrase, the password or the recovery key).
    Sealed like the key, so that no one who knows only the server's secret can claim it."""
    session[SESSION_LOCKED] = _session_seal(user, LOCKED, "locked")


def is_locked(user: Account) -> bool:
    """Whether this session is signed in as `user` with the journal still locked."""
    return _session_open(user, session.get(SESSION_LOCKED), "locked") == LOCKED
