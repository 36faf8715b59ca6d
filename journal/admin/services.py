"""Administrators' operations on accounts and links: account facts only, never content.

Each takes the acting administrator explicitly (None: the command line) and records itself in
the audit log in the same transaction: the change and its audit line are written together,
or neither is.
"""

import secrets

from flask import abort
from sqlalchemy import func, select

from journal.admin import audit
from journal.auth import services as accounts
from journal.auth import sessions
from journal.auth.passwords import unusable_password_hash
from journal.database import atomic
from journal.extensions import db
from journal.models import ManagerLink, User
from journal.models.sharing import OPEN_STATUSES
from journal.sharing import services as sharing

# A temporary password an administrator reads out or writes down: no 0/o, 1/l/i lookalikes.
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class AdminError(Exception):
    """An administrator's action was refused; `code` says why ("self", "last_admin")."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def list_accounts() -> list[User]:
    """Every account, by name."""
    return list(db.session.scalars(select(User).order_by(User.name, User.id)))


def get_account(user_id: int) -> User:
    """An account by id, else 404."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@atomic()
def create_account(
    actor: User | None, email: str, name: str, password: str | None, **options
) -> User:
    """Create an account (see `auth.services.create_user`); EmailTaken if the address is used.
    Without a password: an account that signs in with the municipality's account only (no
    password matches it; the leader locks the journal at the first sign-in)."""
    if password is None:
        options |= {"password_hash": unusable_password_hash(), "must_change_password": False}
    user = accounts.create_user(email, name, password, **options)
    audit.record(actor, audit.ACCOUNT_CREATED, user, "administrator" if user.is_admin else "")
    return user


def _refuse_losing_an_administrator(actor: User | None, user: User) -> None:
    """Nobody takes away their own access, and one active administrator always remains.

    The active administrators' rows are locked (PostgreSQL) until the commit, so that two
    administrators deactivating each other at the same moment cannot both succeed.
    """
    if actor is not None and actor.id == user.id:
        raise AdminError("self")
    if not (user.is_admin and user.is_active):
        return
    active = db.session.scalars(
        select(User.id).where(User.is_admin, User.is_active).with_for_update()
    ).all()
    if set(active) <= {user.id}:
        raise AdminError("last_admin")


def _still_an_administrator() -> None:
    """After the change is written, and before it is committed: refuse it (the action rolls
    back) if no active administrator is left. On SQLite, FOR UPDATE locks nothing, but the
    write just made holds the database's write lock, so this count sees every change
    committed before."""
    db.session.flush()
    if not db.session.scalar(select(func.count()).where(User.is_admin, User.is_active)):
        raise AdminError("last_admin")


@atomic()
def deactivate(actor: User | None, user: User) -> None:
    """Deactivate an account: it cannot log in, and every session of it ends at once."""
    if not user.is_active:
        return
    _refuse_losing_an_administrator(actor, user)
    user.is_active = False
    _still_an_administrator()
    sessions.end_sessions(user)
    audit.record(actor, audit.DEACTIVATED, user)


@atomic()
def reactivate(actor: User | None, user: User) -> None:
    """Let a deactivated account log in again (with the password it had)."""
    if user.is_active:
        return
    user.is_active = True
    audit.record(actor, audit.REACTIVATED, user)


@atomic()
def set_administrator(actor: User | None, user: User, is_admin: bool) -> None:
    """Give or take the administrator role."""
    if user.is_admin == is_admin:
        return
    if not is_admin:
        _refuse_losing_an_administrator(actor, user)
    user.is_admin = is_admin
    if not is_admin:
        _still_an_administrator()
    audit.record(actor, audit.ADMIN_GIVEN if is_admin else audit.ADMIN_TAKEN, user)


def temporary_password() -> str:
    """A random password to hand over, in groups: 16 characters, about 78 bits."""
    groups = ("".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


@atomic()
def reset_password(actor: User | None, user: User, new_password: str) -> None:
    """Give a new password (see `auth.services.reset_password`: the journal stays locked
    until the leader enters the recovery key); every session of the account ends."""
    if actor is not None and actor.id == user.id:
        raise AdminError("self")  # one's own password is changed on the account page
    audit.record(actor, audit.PASSWORD_RESET, user)
    accounts.reset_password(user, new_password)


@atomic()
def set_link(actor: User, leader: User, manager: User) -> ManagerLink:
    """Link a leader to a manager directly; a link the leader has already ends first.

    SharingError "self" (their own manager), "actor" (the administrator as the manager:
    goals the leader shares would go to the one who set the link, without the leader's say)
    or "no_account" (a deactivated manager) before anything changes.
    """
    if leader.id == manager.id:
        raise sharing.SharingError("self")
    if actor is not None and actor.id == manager.id:
        raise sharing.SharingError("actor")
    if not manager.is_active:
        raise sharing.SharingError("no_account")
    current = sharing.open_link_of(leader)
    if current is not None:
        end_link(actor, current)
    audit.record(actor, audit.LINK_SET, leader, audit.person(manager))
    return sharing.set_link_by_admin(leader, manager)


def get_open_link(link_id: int) -> ManagerLink:
    """An open link by id, else 404."""
    return sharing.get_open_link(link_id)


@atomic()
def end_link(actor: User, link: ManagerLink) -> None:
    """End a link; the manager's access ends at once."""
    if link.status not in OPEN_STATUSES:
        return
    manager = audit.person(link.manager) if link.manager else link.manager_email
    audit.record(actor, audit.LINK_ENDED, link.leader, manager)
    sharing.end_link(link)
