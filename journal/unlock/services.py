"""Opening a locked journal with a typed secret, setting one up with a journal passphrase,
and the leader's ways in. Every wrong secret counts as a failed log-in (journal/auth/throttle)."""

import logging

from journal import crypto
from journal.auth import keys, throttle
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


@atomic()
def unlock(user: User, way: str, secret: str) -> JournalKey | None:
    """The journal's key, opened `way` with `secret`; None if it does not open it (counted
    as a failed log-in). TooManyAttempts past the log-in's limits, before any hashing."""
    throttle.check(user.email)
    with throttle.hashing_slot():  # scrypt for a password or passphrase: one slot each
        key = _open(user, way, secret)
    if key is None:
        throttle.record_wrong_secret(user, WHAT[way])
        return None
    log.info("journal unlocked: account %s with the %s", user.id, WHAT[way])
    return key


def set_up_with_passphrase(user: User, phrase: str) -> tuple[JournalKey, bytes] | None:
    """A new journal opened by `phrase` for an account without one; its key and the new
    recovery key's bits, or None if another request made the journal meanwhile."""
    try:
        return keys.set_up_keys_with_passphrase(user, phrase)
    except keys.KeysChanged:
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
