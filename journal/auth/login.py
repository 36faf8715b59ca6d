"""Logging in: the journal's key opened by the password, and a fresh session that holds it;
or, after signing in with the municipality's account, a session whose journal is locked."""

from flask import request, session
from flask_login import current_user, login_user

from journal import journal_key
from journal.auth import keys, sessions, throttle
from journal.models import User


def start_session(user: User, password: str) -> None:
    """Log `user` in on a fresh session (nothing from before login carries over), with the
    journal's key opened by the password, or made now for an account that has none yet."""
    key, recovery = keys.unlock_at_login(user, password)
    session.clear()
    login_user(user)
    sessions.begin(user)
    if key is None and user.must_change_password:  # the leader chooses their own first
        journal_key.mark_pending(user)
        return
    if key is None:  # the journal opens with a passkey or a passphrase: unlock next
        journal_key.mark_locked(user)
        return
    journal_key.keep_in_session(user, key)
    if recovery is not None:
        journal_key.keep_recovery_key(user, recovery)


def start_locked_session(user: User) -> None:
    """Sign `user` in on a fresh session whose journal is locked (signed in by the
    municipality's account, which proves who they are and opens nothing): the journal asks
    to be unlocked, or set up, before any page that holds sealed text."""
    session.clear()
    login_user(user)
    sessions.begin(user)
    journal_key.mark_locked(user)


def log_in_again() -> User | None:
    """For the rescue page (text kept after a session expired): log in whoever typed their
    email and password in this post, and return them; None if the two do not match or the
    journal cannot open yet (an administrator has just reset the password). Past the
    throttle's limit it is None too, and the page answers 429 while still showing the text."""
    password = request.form.get("password", "")
    try:
        user = throttle.authenticate(request.form.get("email", ""), password)
    except throttle.TooManyAttempts as error:
        throttle.answer_in_page(error)
        return None
    if user is not None and current_user.get_id() != user.get_id():
        start_session(user, password)
    return user if user is not None and journal_key.has_open_journal(user) else None
