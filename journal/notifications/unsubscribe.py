"""One-click unsubscribe (RFC 8058): the token in a mail turns off the kinds it was about.

The token is the authority, with no log-in: 256 random bits, carried only by the mail, and
stored only as its SHA-256, so the database (or a backup of it) holds nothing that
unsubscribes anyone. A token opens once; a forged or used one is simply not found.
"""

import hashlib
import re
import secrets

from flask import abort
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from journal.database import atomic
from journal.extensions import db
from journal.models import NotificationSettings, OutgoingMail
from journal.models.user import utcnow
from journal.notifications import kinds

TOKEN_BYTES = 32
# What `secrets.token_urlsafe(32)` makes: 43 characters of URL-safe base 64.
TOKEN_LENGTH = 43
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def token_hash(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh token for one mail, and its hash."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def mail_for_token(token: str) -> OutgoingMail:
    """The mail a token was sent with, not yet unsubscribed from; anything else is 404
    (junk is refused before it is hashed; the look-up is by hash, so it leaks no timing
    about any token's characters)."""
    if not TOKEN.fullmatch(token):
        abort(404)
    mail = db.session.scalar(
        select(OutgoingMail).where(
            OutgoingMail.unsubscribe_hash == token_hash(token),
            OutgoingMail.unsubscribed_at.is_(None),
        )
    )
    if mail is None:
        abort(404)
    return mail


def settings_named(mail: OutgoingMail) -> list[str]:
    """The settings the mail's link turns off."""
    named = set((mail.settings or "").split(","))
    return [setting for setting in kinds.SETTINGS if setting in named]


@atomic()
def unsubscribe(mail: OutgoingMail) -> list[str]:
    """Turn off, for the mail's recipient, the settings of the kinds the mail was about,
    and use the token up. Two posts of one token at once: the second is not found."""
    used = db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail.id, OutgoingMail.unsubscribed_at.is_(None))
        .values(unsubscribed_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    if used.rowcount != 1:
        abort(404)
    settings = settings_named(mail)
    row = settings_row(mail.recipient_id)
    for setting in settings:
        setattr(row, setting, False)
    return settings


def settings_row(user_id: int) -> NotificationSettings:
    """The person's settings row, made with the defaults if they have none (another request
    making it at the same moment wins, and its row is used)."""
    row = db.session.get(NotificationSettings, user_id)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = NotificationSettings(user_id=user_id)
            db.session.add(row)
    except IntegrityError:
        row = db.session.get(NotificationSettings, user_id, populate_existing=True)
    return row
