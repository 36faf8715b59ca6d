"""A sign-in waiting to be linked to an account with a journal, kept for a few minutes in
the session cookie, sealed under a key from the server's secret: the browser can neither
read the subject nor choose another."""

import json
import time
from dataclasses import dataclass

from flask import current_app, session

from journal import crypto
from journal.sso.services import SignIn

PENDING = "sso_link"
LINK_SECONDS = 10 * 60
CONTEXT = b"single-sign-on:link"


@dataclass(frozen=True)
class Pending:
    """A sign-in, the account it is to be linked to, and where to go afterwards."""

    sign_in: SignIn
    user_id: int
    next_page: str


def _key() -> bytes:
    secret = current_app.secret_key
    secret = secret.encode() if isinstance(secret, str) else secret
    return crypto.derive_key(secret, "single-sign-on-link")


def keep(sign_in: SignIn, user_id: int, next_page: str) -> None:
    """Keep the sign-in for linking, from now on for LINK_SECONDS."""
    data = {
        "iss": sign_in.issuer,
        "sub": sign_in.subject,
        "email": sign_in.email,
        "name": sign_in.name,
        "user": user_id,
        "next": next_page,
        "at": int(time.time()),
    }
    sealed = crypto.seal(_key(), json.dumps(data).encode(), CONTEXT)
    session[PENDING] = crypto.b64(sealed)


def waiting() -> Pending | None:
    """The sign-in waiting to be linked; None if there is none, it is too old, or the
    cookie's value is not one this server sealed."""
    text = session.get(PENDING)
    if not isinstance(text, str) or len(text) > 4096:
        return None
    try:
        data = json.loads(crypto.open_sealed(_key(), crypto.unb64(text), CONTEXT))
    except (crypto.CannotOpen, ValueError):
        return None
    if time.time() - data["at"] > LINK_SECONDS:
        return None
    sign_in = SignIn(data["iss"], data["sub"], data["email"], data["name"])
    return Pending(sign_in, data["user"], data["next"])


def forget() -> None:
    """The link is made, or given up."""
    session.pop(PENDING, None)
