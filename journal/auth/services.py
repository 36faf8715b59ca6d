"""Account operations: each takes the account it acts on, and is one transaction."""

from contextlib import suppress

import email_validator
from email_validator import EmailNotValidError
from flask import g, has_request_context
from sqlalchemy import exists, func, insert, literal, select, text
from sqlalchemy.exc import IntegrityError

from journal.auth import keys, sessions
from journal.auth.passwords import (
    hash_password,
    needs_rehash,
    spend_hash_time,
    verify_password,
)
from journal.database import atomic
from journal.extensions import db
from journal.forms import CONTROL_CHARACTERS
from journal.journal_key import journal_key, keep_in_session
from journal.models import User
from journal.models.user import DEFAULT_TIMEZONE, MAX_EMAIL_LENGTH, new_session_token, utcnow


class AccountError(Exception):
    """An account operation was refused; `str()` is safe to show."""


class EmailTaken(AccountError):
    """Another account already uses this email address."""


class SetupClosed(AccountError):
    """The first account exists already."""


def normalize_email(email: str) -> str:
    """One spelling per address: normalised (so "xn--" and Unicode domains agree), lower-case.

    Once per request for each address typed (the log-in asks several times). An address
    longer than any account's is not checked at all: it is cut to one character more than
    the longest possible, so that it still matches nothing.
    """
    email = email.strip()
    if len(email) > MAX_EMAIL_LENGTH:
        return email[: MAX_EMAIL_LENGTH + 1].lower()
    known = g.setdefault("normalized_emails", {}) if has_request_context() else {}
    if email not in known:
        normalized = email
        # An invalid address is looked up as typed; it matches no stored (valid) address.
        with suppress(EmailNotValidError):
            normalized = email_validator.validate_email(email, check_deliverability=False)
            normalized = normalized.normalized
        known[email] = normalized.lower()
    return known[email]


def is_too_long(email: str) -> bool:
    """Whether `email` is longer than any account's address could be."""
    return len(email.strip()) > MAX_EMAIL_LENGTH


def has_accounts() -> bool:
    """Whether any account exists (if not, the first visitor may create the administrator)."""
    return db.session.scalar(select(func.count()).select_from(User)) > 0


def find_user_by_email(email: str) -> User | None:
    """The account with this email address, if any."""
    email = normalize_email(email)
    if CONTROL_CHARACTERS.search(email) or len(email) > MAX_EMAIL_LENGTH:
        # No account has one, and PostgreSQL cannot even compare text holding a NUL.
        return None
    return db.session.scalar(select(User).where(User.email == email))


@atomic()
def create_user(
    email: str,
    name: str,
    password: str | None,
    *,
    is_admin: bool = False,
    language: str = "da",
    timezone: str = DEFAULT_TIMEZONE,
    must_change_password: bool = True,
    password_hash: str | None = None,
) -> User:
    """Create an account; raise EmailTaken if the address is in use.

    An account made by an administrator starts with a password the administrator knows, so
    the leader chooses their own at first login, and only then is the journal's key made.
    `password_hash` instead of `password`: a hash made already (an import's temporary
    password, or `unusable_password_hash()` for an account that signs in only with the
    organisation's account).
    """
    if find_user_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(
        email=normalize_email(email),
        name=name.strip(),
        password_hash=password_hash if password_hash is not None else hash_password(password),
        is_admin=is_admin,
        language=language,
        timezone=timezone,
        must_change_password=must_change_password,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same address, created a moment ago elsewhere
        raise EmailTaken(email) from error
    return user


@atomic()
def create_first_account(email: str, name: str, password: str, language: str = "da") -> User:
    """Create the administrator while no account exists; raise SetupClosed afterwards.

    Two visitors racing through set-up must not both become administrators: the row is
    inserted only if the table is empty, in one statement (atomic on SQLite), under a table
    lock on PostgreSQL (where READ COMMITTED would let both statements see an empty table).
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
    values = {
        "email": normalize_email(email),
        "name": name.strip(),
        "password_hash": hash_password(password),
        "is_admin": True,
        "is_active": True,
        "language": language,
        "timezone": DEFAULT_TIMEZONE,
        "created_at": utcnow(),
        "session_token": new_session_token(),
    }
    row = select(*(literal(value, User.__table__.c[key].type) for key, value in values.items()))
    statement = (
        insert(User)
        .from_select(list(values), row.where(~exists(select(User.id))))
        .returning(User.id)
    )
    user_id = db.session.execute(statement).scalar_one_or_none()
    if user_id is None:
        raise SetupClosed()
    return db.session.get(User, user_id)


@atomic()
def authenticate(email: str, password: str) -> User | None:
    """The active account matching email and password, else None (never says which failed)."""
    user = find_user_by_email(email)
    if user is None:
        spend_hash_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def change_password(user: User, current_password: str, new_password: str) -> bool:
    """Set a new password if `current_password` is right; return whether it was.

    The journal's data key (open in this session) is wrapped again by the new password;
    the entries themselves stay as they are. The user's other sessions end; this one goes
    on with the key sealed for the new key version.
    """
    if not verify_password(user.password_hash, current_password):
        return False
    key = journal_key(user)
    with atomic():
        user.password_hash = hash_password(new_password)
        keys.rewrap_for_password(user, key, new_password)
        sessions.end_sessions(user)
    keep_in_session(user, key)
    sessions.begin(user)
    return True


@atomic()
def reset_password(user: User, new_password: str) -> None:
    """An administrator sets a new password (the leader forgot theirs).

    The administrator cannot open the journal's key, so the old password's wrap of it is
    dropped: the leader logs in with this password, chooses their own, and opens the
    journal with the recovery key.
    """
    user.password_hash = hash_password(new_password)
    user.must_change_password = True
    keys.drop_password_wrap(user)
    user.key_version = User.key_version + 1  # in SQL: no session's key opens any more
    sessions.end_sessions(user)


@atomic()
def update_profile(
    user: User, *, name: str, language: str, timezone: str, unit: str | None = None
) -> None:
    """Save the display name, unit (none if left empty), language and time zone."""
    user.name = name.strip()
    user.unit = (unit or "").strip() or None
    user.language = language
    user.timezone = timezone


@atomic()
def log_out(user: User) -> None:
    """End every session of the account, on every device: logging out means out everywhere
    this very session was copied to, too."""
    sessions.end_sessions(user)


@atomic()
def set_language(user: User, language: str) -> None:
    """Remember the language the user switched to."""
    user.language = language
