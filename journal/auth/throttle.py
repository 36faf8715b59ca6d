"""Log-in throttling: a few failures per account, more per client address, then a pause.

Failures are rows of `LoginFailure` in the database, so every app process and every app
server behind the load balancer counts the same ones, on SQLite and PostgreSQL alike.
Flask-Limiter was the obvious candidate, but its storages are memory, Redis, Memcached and
MongoDB, none of them SQL: with it, several servers on one PostgreSQL would each count on
their own (or need a Redis the installation does not have). It also counts requests, where
we want to count failures only and forget them after a success. So: this small module.

A bucket is "account:<sha256 of the normalised email>", "address:<client address>", a
coarser network of that address, or "everyone"; the email itself is never stored. Past a
bucket's limit, `check` refuses before any password is hashed, so a guessing attacker costs
the server a query, not a scrypt. The "everyone" bucket is the hashing budget of all app
servers together (failures per minute); each process also hashes only a few passwords at
once (`hashing_slot`), and answers a quick 429 rather than queue more.

The budget would let a few networks that fail on purpose pause every log-in of the
municipality. So it holds back only strangers: a browser that has logged in to the account
before (a signed "known device" cookie, as OWASP recommends against such lock-outs) and a
leader already logged in who retypes their own password are held by their own buckets only.
"""

import hashlib
import hmac
import ipaddress
import logging
import math
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import after_this_request, current_app, g, has_request_context, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from werkzeug.exceptions import TooManyRequests

from journal.auth import services
from journal.database import atomic
from journal.extensions import db
from journal.models import LoginFailure, User
from journal.models.user import utcnow

log = logging.getLogger("journal.auth")


class TooManyAttempts(TooManyRequests):
    """Log-ins for this account or from this address are paused for `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after=retry_after)
        self.seconds = retry_after

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up (never 0: "wait 0 minutes" helps no one)."""
        return max(1, math.ceil(self.seconds / 60))


def now() -> datetime:
    """The current time (a function of its own, so that tests can move the clock)."""
    return utcnow()


EVERYONE = "everyone"
BUDGET_WINDOW = timedelta(minutes=1)  # the hashing budget counts failures per minute
BUSY_SECONDS = 5  # Retry-After when every hashing slot of this process is taken


def window() -> timedelta:
    """How long a failure counts."""
    return timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def init_app(app) -> None:
    """Give each app process its few slots for hashing passwords at once."""
    app.extensions["hashing_slots"] = threading.BoundedSemaphore(
        app.config["PASSWORD_HASHES_AT_ONCE"]
    )


@contextmanager
def hashing_slot():
    """Hash a password in one of this process's slots; TooManyAttempts at once if every
    slot is taken (the log-in is flooded: queueing would only make everyone wait longer)."""
    slots = current_app.extensions["hashing_slots"]
    if not slots.acquire(blocking=False):
        log.warning("log-in refused: every password-hashing slot is busy (%s)", client_address())
        raise TooManyAttempts(BUSY_SECONDS)
    try:
        yield
    finally:
        slots.release()


def _client_ip() -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    address = (request.remote_addr if has_request_context() else None) or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return ip.ipv4_mapped or ip if ip.version == 6 else ip


def network_limits() -> list[tuple[str, int]]:
    """The coarser networks of this request's address, with their limits: an IPv4 address's
    /24; an IPv6 address's /56 and /48 (one connection hands out many /64s)."""
    ip, config = _client_ip(), current_app.config
    if ip is None:
        return []
    if ip.version == 4:
        return [
            (
                f"network:{ipaddress.ip_network((ip, 24), strict=False)}",
                config["LOGIN_FAILURES_PER_NETWORK"],
            )
        ]
    return [
        (
            f"network:{ipaddress.ip_network((ip, 56), strict=False)}",
            config["LOGIN_FAILURES_PER_NETWORK"],
        ),
        (f"site:{ipaddress.ip_network((ip, 48), strict=False)}", config["LOGIN_FAILURES_PER_SITE"]),
    ]


def client_address() -> str:
    """The client's address (ProxyFix has put the real one there when PROXY_COUNT is set).

    An IPv6 client counts by its /64 network: one connection usually has a whole /64 to
    pick addresses from. Anything that is not an address is cut to a bucket's length.
    """
    address = (request.remote_addr if has_request_context() else None) or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network((ip, 64), strict=False))
    return str(getattr(ip, "ipv4_mapped", None) or ip)


def account_bucket(email: str) -> str:
    """The bucket of an account: a hash of the normalised email, known account or not.

    Unknown addresses are counted too: refusing only known ones would tell who has an account.
    """
    digest = hashlib.sha256(services.normalize_email(email).encode("utf-8")).hexdigest()
    return f"account:{digest}"


def address_bucket(address: str | None = None) -> str:
    """The bucket of a client address (this request's when not given)."""
    return f"address:{address or client_address()}"


def account_address_bucket(email: str) -> str:
    """The bucket of an account tried from this request's address."""
    pair = f"{services.normalize_email(email)}\n{client_address()}"
    return f"account-address:{hashlib.sha256(pair.encode('utf-8')).hexdigest()}"


def limits(email: str) -> list[tuple[str, int]]:
    """The buckets an attempt on `email` from this request counts against, with their limits.

    The strict limit is per account *from one address*: someone who fails on purpose from
    elsewhere pauses the leader's log-ins only at the looser limit per account across all
    addresses, which still bounds a guesser who spreads over many addresses.
    """
    config = current_app.config
    return [
        (account_address_bucket(email), config["LOGIN_FAILURES_PER_ACCOUNT"]),
        (account_bucket(email), config["LOGIN_FAILURES_PER_ACCOUNT_ANYWHERE"]),
        (address_bucket(), config["LOGIN_FAILURES_PER_ADDRESS"]),
        *network_limits(),
    ]


def seconds_blocked(bucket: str, limit: int, moment: datetime, span: timedelta) -> int:
    """Seconds until `bucket` is below `limit` failures within `span` again, 0 if it is."""
    recent = db.session.scalars(
        select(LoginFailure.at)
        .where(LoginFailure.bucket == bucket, LoginFailure.at > moment - span)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    ).all()
    if len(recent) < limit:
        return 0
    # Once the oldest of the last `limit` failures ages out, one more attempt is allowed.
    return max(1, math.ceil((recent[-1] + span - moment).total_seconds()))


def check(email: str) -> None:
    """Raise TooManyAttempts if the account, this address or its networks have failed too
    often lately, or (for a stranger to the account) everyone together has used up the
    minute's hashing budget."""
    moment = now()
    waits = [seconds_blocked(bucket, limit, moment, window()) for bucket, limit in limits(email)]
    if not is_known(email):
        budget = current_app.config["LOGIN_FAILURES_PER_MINUTE"]
        waits.append(seconds_blocked(EVERYONE, budget, moment, BUDGET_WINDOW))
    if wait := max(waits):
        raise TooManyAttempts(wait)


# Known devices -----------------------------------------------------------------------------

KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_DAYS = 365
KNOWN_ACCOUNTS_PER_DEVICE = 5  # a shared computer in a department; the oldest goes first


def _device_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="known-device")


def device_tag(email: str) -> str:
    """The account as the cookie names it: keyed with the server's secret, so that nobody
    can tell from the cookie which accounts logged in on this browser."""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, account_bucket(email).encode(), hashlib.sha256).hexdigest()[:32]


def known_accounts() -> list[str]:
    """The accounts (`device_tag`) this browser has logged in to; none if the cookie is
    missing, forged, malformed or too old."""
    cookie = request.cookies.get(KNOWN_DEVICE_COOKIE, "")
    if not cookie or len(cookie) > 2048:
        return []
    try:
        accounts = _device_signer().loads(cookie, max_age=KNOWN_DEVICE_DAYS * 24 * 3600)
    except BadSignature:
        return []
    if not isinstance(accounts, list) or not all(isinstance(a, str) for a in accounts):
        return []
    return accounts[:KNOWN_ACCOUNTS_PER_DEVICE]


def is_known(email: str) -> bool:
    """Whether this request comes from the account itself: its leader logged in here, or a
    browser that has logged in to it before."""
    if current_user.is_authenticated and services.normalize_email(
        current_user.email
    ) == services.normalize_email(email):
        return True
    return device_tag(email) in known_accounts()


def remember_device(email: str) -> None:
    """After a successful log-in: this browser is known to the account from now on."""
    tag = device_tag(email)
    accounts = [tag, *(a for a in known_accounts() if a != tag)]
    value = _device_signer().dumps(accounts[:KNOWN_ACCOUNTS_PER_DEVICE])

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            KNOWN_DEVICE_COOKIE,
            value,
            max_age=KNOWN_DEVICE_DAYS * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        return response


@atomic()
def record_failure(email: str) -> None:
    """Count a failed attempt against the account and this address; forget expired failures."""
    moment = now()
    # Cheap: a range on the index of `at`, and the table never holds more than one window.
    db.session.execute(delete(LoginFailure).where(LoginFailure.at <= moment - window()))
    buckets = [EVERYONE, *(bucket for bucket, _ in limits(email))]
    db.session.add_all(LoginFailure(bucket=bucket, at=moment) for bucket in buckets)


@atomic()
def record_success(email: str) -> None:
    """Forget the account's failures (the address's stay: it may be guessing at others)."""
    buckets = (account_bucket(email), account_address_bucket(email))
    db.session.execute(delete(LoginFailure).where(LoginFailure.bucket.in_(buckets)))


def who(email: str) -> str:
    """The account for the log: its id if it exists, else a hash, never what was typed
    (a password typed into the email field must not end up in the log)."""
    user = services.find_user_by_email(email)
    if user is not None:
        return f"account {user.id}"
    return f"unknown account {account_bucket(email).removeprefix('account:')[:12]}"


def authenticate(email: str, password: str) -> User | None:
    """`services.authenticate`, throttled and logged: raise TooManyAttempts past the limit
    (before any password is checked), count a failure, clear the account after a success."""
    try:
        check(email)
    except TooManyAttempts as error:
        log.warning(
            "log-in refused, too many failures: %s from %s, %d s to wait",
            who(email),
            client_address(),
            error.seconds,
        )
        raise
    if services.is_too_long(email):  # no account has it: refused before any other work
        record_failure(email)
        log.info("log-in failed: an address of %d characters from %s", len(email), client_address())
        return None
    with hashing_slot():
        user = services.authenticate(email, password)
    if user is None:
        record_failure(email)
        log.info("log-in failed: %s from %s", who(email), client_address())
        return None
    record_success(email)
    remember_device(email)
    log.info("log-in: account %s (%s) from %s", user.id, user.email, client_address())
    return user


def record_wrong_secret(user: User, what: str) -> None:
    """A logged-in user typed a wrong password or recovery key (`what`, for the log) on a
    page that asks for one: it counts as a failed log-in, against the same limits."""
    record_failure(user.email)
    log.info("wrong %s: account %s from %s", what, user.id, client_address())


def answer_in_page(error: TooManyAttempts) -> None:
    """Answer this request with 429 and Retry-After while a page still shows its own form
    (a rescue page keeps the leader's text); templates read `g.too_many_attempts`."""
    g.too_many_attempts = error

    @after_this_request
    def set_status(response):
        response.status_code = error.code
        response.headers["Retry-After"] = str(error.seconds)
        return response
