"""A leader's passkeys: added (wrapping the open data key), used to unlock, renamed and
removed. Each takes the acting user first; the ceremonies' checks are `webauthn.py`'s."""

import logging
import re
from collections.abc import Callable
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from journal.auth import keys
from journal.database import atomic, on_commit
from journal.extensions import db
from journal.journal_key import JournalKey
from journal.models import User
from journal.models.unlock import MAX_PASSKEY_NAME, UnlockFactor
from journal.passkeys.webauthn import PRF_OUTPUT_BYTES, Registered

log = logging.getLogger("journal.passkeys")
T = TypeVar("T")

# (pattern in the User-Agent, name), first match wins: enough to tell a leader's devices apart.
SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class NotAdded(Exception):
    """The passkey cannot be added; the message says why, in the user's language."""


def default_name(user_agent: str) -> str:
    """A name for a new passkey from the browser it was made in: "Passkey on Mac (Safari)"."""
    system = next((name for mark, name in SYSTEMS if mark in user_agent), None)
    browser = next((name for mark, name in BROWSERS if mark in user_agent), None)
    device = " ".join(filter(None, (system, f"({browser})" if system and browser else browser)))
    return _("Passkey on %(device)s", device=device) if device else _("Passkey")


def clean_name(typed: object, user_agent: str) -> str:
    """The name the leader typed, on one line and within bounds, or one made up if empty."""
    name = " ".join(CONTROL.sub(" ", typed).split()) if isinstance(typed, str) else ""
    return (name or default_name(user_agent))[:MAX_PASSKEY_NAME]


def _new_passkey(registered: Registered, prf_output: bytes, name: str) -> keys.NewPasskey:
    if len(prf_output) != PRF_OUTPUT_BYTES:
        raise NotAdded(
            _(
                "Your browser cannot use a passkey to unlock the journal. "
                "Choose a passphrase instead."
            )
        )
    return keys.NewPasskey(
        name=name,
        credential_id=registered.credential_id,
        public_key=registered.public_key,
        sign_count=registered.sign_count,
        transports=registered.transports,
        prf_salt=registered.prf_salt,
        prf_output=prf_output,
    )


def _stored(write: Callable[[], T]) -> T:
    """`write()` the new passkey, now: a credential id already stored (the same passkey posted
    twice at once, or a client claiming another's id) is refused by the unique index, with a
    message, whether it fires at an autoflush inside `write` or at the flush here."""
    try:
        written = write()
        db.session.flush()
    except IntegrityError as error:
        raise NotAdded(_("This passkey has been added already.")) from error
    return written


@atomic()
def add_passkey(
    user: User, key: JournalKey, registered: Registered, prf_output: bytes, name: str
) -> UnlockFactor:
    """Let a newly registered passkey open `user`'s journal (open in this session: `key`)."""
    passkey = _new_passkey(registered, prf_output, name)
    factor = _stored(lambda: keys.add_passkey(user, key, passkey))
    on_commit(lambda: log.info("passkey added: account %s", user.id))
    return factor


@atomic()
def set_up_with_passkey(
    user: User, registered: Registered, prf_output: bytes, name: str
) -> tuple[JournalKey, bytes]:
    """A new journal for an account without keys, opened by the passkey just registered;
    the key and the new recovery key's bits. KeysChanged if it has keys by now."""
    passkey = _new_passkey(registered, prf_output, name)
    opened = _stored(lambda: keys.set_up_keys_with_passkey(user, passkey))
    on_commit(lambda: log.info("journal set up with a passkey: account %s", user.id))
    return opened


@atomic()
def unlock_with_passkey(
    user: User, factor: UnlockFactor, sign_count: int, prf_output: bytes
) -> JournalKey | None:
    """The journal's key, opened with a verified assertion's PRF output; the passkey's
    counter moves on either way (the assertion was its own). None if it does not open."""
    factor.sign_count = sign_count
    key = keys.open_with_passkey(user, factor, prf_output)
    if key is None:
        log.warning("passkey %s of account %s did not open the journal", factor.id, user.id)
    else:
        log.info("journal unlocked: account %s with a passkey", user.id)
    return key


def passkey_for(user: User, factor_id: int) -> UnlockFactor | None:
    """`user`'s passkey `factor_id`, or None (anyone else's is as if it did not exist)."""
    factor = db.session.get(UnlockFactor, factor_id)
    if factor is None or factor.user_id != user.id or factor.kind != "passkey":
        return None
    return factor


def rename_passkey(user: User, factor_id: int, typed: str, user_agent: str) -> None:
    """Give `user`'s passkey a new name; LookupError if it is not theirs."""
    keys.rename_passkey(user, factor_id, clean_name(typed, user_agent))


@atomic()
def remove_passkey(user: User, factor_id: int) -> None:
    """Stop a passkey from opening the journal. LookupError if it is not `user`'s passkey;
    keys.LastFactor if only the recovery key would be left."""
    if passkey_for(user, factor_id) is None:
        raise LookupError(factor_id)
    keys.remove_factor(user, factor_id)
    on_commit(lambda: log.info("passkey %s removed: account %s", factor_id, user.id))
