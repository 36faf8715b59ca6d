"""Who a sign-in is: the account bound to the provider's issuer and the person's subject,
found, bound at first sign-in, made for an allowed domain, or refused.

The email only ever finds an account to bind once: to a keyless account (made by an
administrator or an import, never used) at once, to an account with a journal only after
its leader proves to hold it (`link`). An account bound to one subject is never bound to
another of the same provider, whatever the address says.
"""

import logging
import string
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from journal.auth import keys, sessions
from journal.auth import services as accounts
from journal.database import atomic
from journal.extensions import db
from journal.forms import CONTROL_CHARACTERS
from journal.journal_key import JournalKey
from journal.models import SignInIdentity, User
from journal.models.identity import MAX_SUBJECT_LENGTH
from journal.models.user import MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, utcnow
from journal.unlock import services as unlocking

log = logging.getLogger("journal.sso")

# The password hash of an account made at first sign-in: no password opens it (Werkzeug
# never matches a hash without its "method$salt$hash" parts).
NO_PASSWORD = "!single-sign-on"  # noqa: S105 (a marker, not a password)
MAX_CLAIM_LENGTH = 1024  # a name or an address longer than this is no name or address
# Only ASCII letters fold: "\u212a" (KELVIN SIGN) or a full-width letter is another
# address at the provider, however normalize_email spells it.
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class NotAllowed(Exception):
    """The sign-in is genuine, but this account may not be signed in; `reason` says why.

    Logged when made, with the reason only: the page says the rest to the person."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
        log.info("single sign-on refused: %s", reason)


@dataclass(frozen=True)
class SignIn:
    """A checked sign-in: the provider, the person's subject there, and what the provider
    says of them (an address only if the provider does not call it unverified)."""

    issuer: str
    subject: str
    email: str | None
    name: str


@dataclass(frozen=True)
class Outcome:
    """The account of a sign-in, and whether its leader must prove to hold it first."""

    user: User
    needs_link: bool


def subject_claims() -> list[str]:
    """The claims that name a person (OIDC_SUBJECT_CLAIMS), in order."""
    return [c.strip() for c in current_app.config["OIDC_SUBJECT_CLAIMS"].split(",")]


def subject_of(claims: dict, names: list[str]) -> str:
    """The subject: the values of `names` joined by ":"; NotAllowed("subject") if one is
    missing, empty, not text, or (with several) holds a ":" that would blur the join."""
    values = []
    for name in names:
        value = claims.get(name)
        if not isinstance(value, str) or not value.strip():
            raise NotAllowed("subject")
        if len(names) > 1 and ":" in value:
            raise NotAllowed("subject")
        values.append(value)
    subject = ":".join(values)
    if len(subject) > MAX_SUBJECT_LENGTH or CONTROL_CHARACTERS.search(subject):
        raise NotAllowed("subject")
    return subject


def email_of(claims: dict, *, provider_manages_email: bool) -> str | None:
    """The address the provider vouches for, lower-case: `email` with `email_verified` true;
    where the provider manages its people's addresses itself (Entra ID, which sends no
    `email_verified`: OIDC_PROVIDER_MANAGES_EMAIL), `email` unless said to be unverified,
    else `preferred_username` if it is an address. None otherwise: an address a person could
    choose at the provider must never find someone else's account."""
    verified = claims.get("email_verified")
    if verified in (False, "false"):
        return None
    if provider_manages_email:
        names = ("email", "preferred_username")
    else:
        names = ("email",) if verified in (True, "true") else ()
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and "@" in value and len(value) <= MAX_CLAIM_LENGTH:
            email = accounts.normalize_email(value)
            if email != value.strip().translate(ASCII_LOWER):
                continue  # a look-alike of another address: not this one
            local, _, domain = email.rpartition("@")
            if (
                local
                and "." in domain
                and len(email) <= MAX_EMAIL_LENGTH
                and not any(c.isspace() for c in email)
                and not CONTROL_CHARACTERS.search(email)
            ):
                return email
    return None


def name_of(claims: dict, email: str | None) -> str:
    """The display name: the `name` claim, else the address's local part."""
    name = claims.get("name")
    if isinstance(name, str) and len(name) <= MAX_CLAIM_LENGTH:
        name = CONTROL_CHARACTERS.sub("", name).strip()[:MAX_NAME_LENGTH].strip()
        if name:
            return name
    return (email or "").split("@")[0][:MAX_NAME_LENGTH] or "?"


def sign_in_from(issuer: str, claims: dict) -> SignIn:
    """The sign-in the checked claims describe; NotAllowed("subject") without a subject."""
    email = email_of(
        claims, provider_manages_email=current_app.config["OIDC_PROVIDER_MANAGES_EMAIL"]
    )
    return SignIn(issuer, subject_of(claims, subject_claims()), email, name_of(claims, email))


def may_join(email: str) -> bool:
    """Whether an address's domain gets an account at first sign-in (OIDC_JIT_DOMAINS)."""
    domains = {
        d.strip().lower().lstrip("@")
        for d in current_app.config["OIDC_JIT_DOMAINS"].split(",")
        if d.strip()
    }
    return email.rpartition("@")[2] in domains


def identity_of(issuer: str, subject: str) -> SignInIdentity | None:
    """The identity bound to this subject of this provider, if any."""
    return db.session.scalar(
        select(SignInIdentity).where(
            SignInIdentity.issuer == issuer, SignInIdentity.subject == subject
        )
    )


def has_identity(user: User, issuer: str) -> bool:
    """Whether the account is bound to some subject of this provider already."""
    return (
        db.session.scalar(
            select(SignInIdentity.id).where(
                SignInIdentity.user_id == user.id, SignInIdentity.issuer == issuer
            )
        )
        is not None
    )


def account_for(sign_in: SignIn) -> Outcome:
    """The account of this sign-in (see the module's rules); NotAllowed if there is none
    it may use. A race with the same person's sign-in in another tab is settled by the
    database's unique constraints: the loser looks again and finds the winner's row."""
    try:
        return _account_for(sign_in)
    except IntegrityError:
        return _account_for(sign_in)


@atomic()
def _account_for(sign_in: SignIn) -> Outcome:
    identity = identity_of(sign_in.issuer, sign_in.subject)
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        if not user.is_active:
            raise NotAllowed("inactive")
        identity.last_used_at = utcnow()
        return Outcome(user, needs_link=False)
    if sign_in.email is None:
        raise NotAllowed("no_access")
    user = accounts.find_user_by_email(sign_in.email)
    if user is None:
        if not may_join(sign_in.email):
            raise NotAllowed("no_access")
        user = _new_account(sign_in)
        _bind(user, sign_in)
        log.info("single sign-on made account %s, issuer %s", user.id, sign_in.issuer)
        return Outcome(user, needs_link=False)
    if not user.is_active:
        raise NotAllowed("inactive")
    if has_identity(user, sign_in.issuer):
        raise NotAllowed("taken")
    if keys.has_keys(user):
        return Outcome(user, needs_link=True)
    _bind(user, sign_in)
    _void_temporary_password(user)
    return Outcome(user, needs_link=False)


def _void_temporary_password(user: User) -> None:
    """A password an administrator set for an account never used stops working once the
    leader signs in with the municipality's account: the administrator knows it, and with
    it could make the journal's first key. Any session it began ends."""
    if not user.must_change_password:
        return
    user.password_hash = NO_PASSWORD
    user.must_change_password = False
    sessions.end_sessions(user)


@atomic()
def link(user: User, sign_in: SignIn) -> None:
    """Bind the sign-in to an account whose leader has just opened its journal; NotAllowed
    if, meanwhile, the subject or the account was bound to another."""
    if identity_of(sign_in.issuer, sign_in.subject) is not None:
        raise NotAllowed("taken")
    if has_identity(user, sign_in.issuer):
        raise NotAllowed("taken")
    try:
        _bind(user, sign_in)
    except IntegrityError as error:
        raise NotAllowed("taken") from error


def _new_account(sign_in: SignIn) -> User:
    """An account for a first sign-in: no password, Danish, no journal yet (the leader
    sets one up with something only they hold)."""
    user = User(
        email=sign_in.email,
        name=sign_in.name,
        password_hash=NO_PASSWORD,
        language="da",
        must_change_password=False,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _bind(user: User, sign_in: SignIn) -> None:
    moment = utcnow()
    db.session.add(
        SignInIdentity(
            user_id=user.id,
            issuer=sign_in.issuer,
            subject=sign_in.subject,
            created_at=moment,
            last_used_at=moment,
        )
    )
    db.session.flush()
    log.info("single sign-on bound to account %s, issuer %s", user.id, sign_in.issuer)


# --- Proving to hold an account before linking ------------------------------------------


def open_with_secret(user: User, typed: str) -> JournalKey | None:
    """The journal's key, opened by what the leader types to open it (`keys.typed_secret`:
    the password, else the journal passphrase); None if it is not the right one. Throttled
    and counted as any unlock (`journal.unlock.services.unlock`)."""
    way = keys.typed_secret(user)
    if way is None:  # passkeys only: the recovery key is the way to link
        return None
    opened = unlocking.unlock(user, way, typed)
    return opened[0] if opened is not None else None


def open_with_recovery_key(user: User, typed: str) -> JournalKey | None:
    """The journal's key, opened by the recovery key; None if it is not this account's.
    Throttled and counted as any unlock."""
    opened = unlocking.unlock(user, "recovery", typed)
    return opened[0] if opened is not None else None
