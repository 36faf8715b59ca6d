"""Opening a locked journal with a typed secret, setting one up with a journal passphrase,
and the leader's ways in. Every wrong secret counts as a failed log-in (journal/auth/throttle)."""

import logging

from journal import crypto
from journal.auth import keys, throttle
from journal.auth.passwords import verify_password
from journal.database import atomic
from journal.journal_key import JournalKey
from journal.models import UnlockFactor, User
from journal.models.unlock import FACTOR_KINDS

log = logging.getLogger(__name__)

WHAT = {"password": "password", "passphrase": "journal passphrase", "recovery": "recovery key"}


def ways_in(user: User) -> dict[str, list[UnlockFactor]]:
    """The user's factors by kind: what the unlock page offers and the ways-in page lists."""
    found: dict[str, list[UnlockFactor]] = {kind: [] for kind in FACTOR_KINDS}
    for factor in keys.factors_of(user):
        found[factor.kind].append(factor)
    return found


def _open(user: User, way: str, secret: str) -> JournalKey | None:
    if way == "recovery":
        return keys.open_with_recovery_key(user, secret)
    if way == "passphrase":
        return keys.open_with_passphrase(user, secret)
    try:
        return keys.open_with_password(user, secret)
    except crypto.CannotOpen:
        return None


def needs_password_first(user: User) -> bool:
    """An account from before encryption, never logged in since: what it holds was written
    under its password, and only that password may seal it (never a passphrase or passkey
    chosen by whoever signs in by the municipality's account)."""
    return not keys.has_keys(user) and keys.has_plaintext(user)


def unlock(user: User, way: str, secret: str) -> tuple[JournalKey, bytes | None] | None:
    """The journal's key, opened `way` with `secret`, and a new recovery key if the keys
    were made just now (an account from before encryption, by its password); None if it
    does not open (counted as a failed log-in). TooManyAttempts past the log-in's limits,
    before any hashing."""
    throttle.check(user.email)
    recovery = None
    with throttle.hashing_slot():  # scrypt for a password or passphrase: one slot each
        if way == "password" and needs_password_first(user):
            key, recovery = _first_open_by_password(user, secret)
        else:
            with atomic():
                key = _open(user, way, secret)
    if key is None:
        throttle.record_wrong_secret(user, WHAT[way])
        return None
    throttle.record_success(user.email)  # as a log-in: the account's failures are forgiven
    log.info("journal unlocked: account %s with the %s", user.id, WHAT[way])
    return key, recovery


def _first_open_by_password(user: User, password: str) -> tuple[JournalKey | None, bytes | None]:
    if not verify_password(user.password_hash, password):
        return None, None
    return keys.unlock_at_login(user, password)


def set_up_with_passphrase(user: User, phrase: str) -> tuple[JournalKey, bytes] | None:
    """A new journal opened by `phrase` for an account without one; its key and the new
    recovery key's bits, or None if another request made the journal meanwhile (or the
    account holds text from before encryption, which its password must open first)."""
    try:
        return keys.set_up_keys_with_passphrase(user, phrase)
    except (keys.KeysChanged, keys.NeedsPassword):
        return None


def set_passphrase(user: User, key: JournalKey, phrase: str) -> None:
    """Let the journal open with `phrase` too (replacing an earlier journal passphrase)."""
    keys.set_passphrase(user, key, phrase)
    log.info("journal passphrase set: account %s", user.id)


def remove_passphrase(user: User) -> bool | None:
    """Remove the journal passphrase; False if it is the only way in but the recovery key,
    None if there is none."""
    factor = keys.factor_of(user, "passphrase")
    if factor is None:
        return None
    try:
        keys.remove_factor(user, factor.id)
    except keys.LastFactor:
        return False
    log.info("journal passphrase removed: account %s", user.id)
    return True
