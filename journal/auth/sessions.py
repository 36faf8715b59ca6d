"""How long a log-in lasts, and ending it everywhere.

The session lives in the signed cookie (the server keeps no session store, so any number of
app servers can serve it), which by itself could be replayed after logout until it expires.
So a session is valid only for the account's current `session_version`, checked on every
request against the database row the user loader reads anyway: logging out, changing or
resetting the password and deactivation move the version on, and every copy of every
session of that account, on every device, is refused from then on.

Besides that, a session ends after `SESSION_IDLE_MINUTES` without a request and, however
busy, `SESSION_MAX_HOURS` after logging in. A POST that arrives after either still has its
text shown again (see `access.keeps_text`): the leader logs in on that page and saves.
"""

import time

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import update

from journal.database import atomic
from journal.extensions import db
from journal.models import User
from journal.models.user import new_session_token

VERSION = "session_version"
LOGGED_IN_AT = "logged_in_at"
SEEN_AT = "seen_at"
# The last-seen time is written back to the cookie at most this often (seconds): not on
# every request, so that parallel requests rarely race to set the cookie.
SEEN_GRANULARITY = 60
SESSION_TOKEN_LENGTH = 32  # the least `journal_key` accepts; new_session_token() makes 43
CSRF_FIELD = "csrf_token"  # Flask-WTF's, in the session and in `g` (WTF_CSRF_FIELD_NAME)


def now() -> int:
    """Seconds since the epoch (a function, so tests can move the clock)."""
    return int(time.time())


def begin(user: User) -> None:
    """Mark the session as a log-in of `user` at its current session version, from now,
    with a CSRF token of its own.

    The token is made now, not by the first form after log-in: the cookie the log-in sets
    is then the one every page after it reads without changing, instead of the first page
    signing and sending a new one (and, for a client that keeps only the log-in's cookie,
    every page doing so)."""
    give_session_token(user)
    moment = now()
    session[VERSION] = user.session_version
    session[LOGGED_IN_AT] = moment
    session[SEEN_AT] = moment
    g.pop(CSRF_FIELD, None)  # signed from the session before log-in, which is gone
    generate_csrf()


@atomic()
def give_session_token(user: User) -> None:
    """An account made by a server of the release before session tokens (while an upgrade
    rolls through the servers) has an empty one: it gets its own at its first log-in.

    Conditional, so that two log-ins at once agree on one token."""
    if len(user.session_token or "") >= SESSION_TOKEN_LENGTH:
        return
    db.session.execute(
        update(User)
        .where(User.id == user.id, User.session_token == user.session_token)
        .values(session_token=new_session_token())
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["session_token"])


def ended(user: User) -> str | None:
    """Why this session of `user` is over ("ended", "idle" or "expired"), or None if it
    still holds; a session that holds is marked as seen now."""
    if session.get(VERSION) != user.session_version:
        return "ended"
    moment = now()
    logged_in_at, seen_at = session.get(LOGGED_IN_AT), session.get(SEEN_AT)
    if not isinstance(logged_in_at, int) or not isinstance(seen_at, int):
        return "ended"
    config = current_app.config
    if moment - seen_at > config["SESSION_IDLE_MINUTES"] * 60:
        return "idle"
    if moment - logged_in_at > config["SESSION_MAX_HOURS"] * 3600:
        return "expired"
    if moment - seen_at >= SEEN_GRANULARITY:
        session[SEEN_AT] = moment
    return None


def end_sessions(user: User) -> None:
    """End every session of `user`, on every device, within the action's transaction.

    One UPDATE that counts on from the database's own value, so two at once both count.
    """
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_version=User.session_version + 1, session_token=new_session_token())
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["session_version", "session_token"])
