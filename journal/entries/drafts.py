"""Drafts kept in the browser while a leader writes, sealed so that nothing readable stays.

journal.js seals each draft in the browser to the leader's public draft key (ECDH on P-256
with a fresh key pair per save, HKDF-SHA256, AES-256-GCM: `crypto.open_draft`), bound to
the place it is kept (`draft_prefix`: whose, and which entry). localStorage holds only the
ciphertext, that save's public key, the nonce and the time. To offer a draft back, the
writing page posts it here, and the server opens it with the private key, which is stored
only sealed with the leader's data key: so it opens for the logged-in leader, in that
leader's own request, and for nobody else.

The pair is made at the first writing page, where the data key is open, and is made anew
with the keys after a reset or a new journal (`auth/keys.py`): drafts sealed before then no
longer open, and the browser drops them. Drafts older than `DRAFT_DAYS` are removed by the
browser, as are a leader's drafts at logout.
"""

import json
import re
from collections.abc import Mapping

from sqlalchemy import update

from journal import crypto
from journal.database import atomic
from journal.extensions import db
from journal.journal_key import JournalKey, journal_key
from journal.models import User

# A night, a weekend, a few days away: a draft is offered on every writing page meanwhile.
# Longer, and a laptop left somewhere holds more that opens for whoever logs in as the leader.
DRAFT_DAYS = 7
# journal.js knows the same names: "ledelsesjournal:draft:<user id>:<entry id or new>:<page>".
SLOT = re.compile(r"ledelsesjournal:draft:([0-9]{1,18}):(new|[0-9]{1,18})")
TEXT_FIELDS = ("title", "body", "entry_date", "version", "saved_at")


def draft_prefix(user: User, entry_id: int | None = None) -> str:
    """Where the browser keeps drafts of this entry (or of new entries) for this user; also
    what a draft kept there is bound to, so that it opens nowhere else."""
    return f"ledelsesjournal:draft:{user.id}:{entry_id or 'new'}"


def _private_key(user: User, key: JournalKey) -> bytes | None:
    """The private draft key, opened with the data key; None if there is none that opens."""
    if user.draft_private_key_sealed is None:
        return None
    try:
        return key.open_draft_key(user.draft_private_key_sealed)
    except crypto.CannotOpen:
        return None


@atomic()
def draft_public_key(user: User) -> str | None:
    """The public key the leader's browser seals drafts to (base64), made now if there is
    none that goes with the open data key; None if another request changed the keys
    meanwhile (that page keeps no draft)."""
    key = journal_key(user)
    seen = user.draft_public_key
    if seen is not None and _private_key(user, key) is not None:
        return seen
    private, public = crypto.new_draft_key_pair()
    # Conditional, as the keys themselves: of two first writing pages at once, one pair
    # wins, and neither page hands out a public key whose private half was overwritten.
    made = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            User.key_version == user.key_version,
            User.draft_public_key.is_not_distinct_from(seen),
        )
        .values(
            draft_public_key=crypto.b64(public),
            draft_private_key_sealed=key.seal_draft_key(private),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user)
    if made.rowcount != 1 and _private_key(user, key) is None:
        return None
    return user.draft_public_key


def open_draft(user: User, posted: Mapping[str, str]) -> dict | None:
    """The fields of a draft the browser kept for `user`, opened; None if it is not one the
    leader's key opens (another leader's, altered, moved, or sealed before the keys changed).

    `posted` holds the draft as the browser keeps it (`epk`, `iv`, `ct`, base64) and the
    place it was kept (`slot`, a `draft_prefix`).
    """
    slot = posted.get("slot", "")
    match = SLOT.fullmatch(slot)
    if match is None or int(match[1]) != user.id:
        return None
    private = _private_key(user, journal_key(user))
    if private is None:
        return None
    try:
        parts = [crypto.unb64(posted.get(name, "")) for name in ("epk", "iv", "ct")]
        opened = json.loads(crypto.open_draft(private, *parts, context=slot.encode()))
    except (crypto.CannotOpen, ValueError, RecursionError):
        return None
    return _fields(opened) if isinstance(opened, dict) else None


def _fields(draft: dict) -> dict:
    """The writing form's fields in an opened draft, each of the type the form expects."""
    fields = {name: draft[name] for name in TEXT_FIELDS if isinstance(draft.get(name), str)}
    tasks = draft.get("tasks")
    fields["tasks"] = [t for t in tasks if isinstance(t, str)] if isinstance(tasks, list) else []
    return fields
