"""Configuration: defaults here, then `instance/config.py`, then environment variables."""

import os
import secrets
import sys
from pathlib import Path

from flask import Flask

SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name)
MIN_SECRET_KEY_LENGTH = 32
MIB = 1024 * 1024
PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent


def default_instance_path() -> Path:
    """INSTANCE_PATH from the environment; else `instance/` in a source checkout (`make run`),
    or, for a package installed with pip, `<prefix>/var/journal-instance` as Flask would."""
    if os.environ.get("INSTANCE_PATH"):
        return Path(os.environ["INSTANCE_PATH"]).resolve()
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return (PROJECT_ROOT / "instance").resolve()
    return (Path(sys.prefix) / "var" / "journal-instance").resolve()


class DefaultConfig:
    """Defaults for a single machine; every value can be overridden."""

    # Set from DATABASE_URL, or SQLite in the instance folder (see `database_url`).
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    # A reflection of 100,000 characters is up to 400 KB as UTF-8 and three times that once
    # form-encoded; 4 MiB leaves room for that with margin, and refuses anything absurd.
    MAX_CONTENT_LENGTH = 4 * MIB
    MAX_FORM_MEMORY_SIZE = 4 * MIB

    # scrypt at N=2^17, r=8, p=1: about 128 MiB and a few hundred milliseconds per hash.
    PASSWORD_HASH_METHOD = "scrypt:131072:8:1"  # noqa: S105 (a method)
    PASSWORD_MIN_LENGTH = 12
    # The key that wraps a leader's data key comes from the password the same way: scrypt
    # with as much work as the hash, so neither is the cheaper one to attack.
    KEY_DERIVATION = "scrypt:131072:8:1"

    FRAMEWORK_FILE: str | None = None
    # What reaches standard error: log-ins, refusals, administrators' actions (INFO).
    LOG_LEVEL = "INFO"

    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"

    # A log-in ends after this long without a request, and this long after it began.
    SESSION_IDLE_MINUTES = 8 * 60
    SESSION_MAX_HOURS = 12
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # HTTPS only, unless switched off (`make run` does, for http://127.0.0.1).
    SESSION_COOKIE_SECURE = True
    # No "remember me" (the journal's key lives in the session), but should Flask-Login
    # ever set its cookie, it gets the same protection as the session's.
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session does

    # How many proxies (load balancers) in front of the app set X-Forwarded-* headers.
    PROXY_COUNT = 0

    # Log-in throttling: past this many failed log-ins within the window, per account and
    # per client address, log-ins are refused (429) until the oldest failure ages out. An
    # office behind one address has many leaders, hence the higher limit per address.
    LOGIN_FAILURES_PER_ACCOUNT = 5  # from one client address
    LOGIN_FAILURES_PER_ACCOUNT_ANYWHERE = 50  # from all addresses together
    LOGIN_FAILURES_PER_ADDRESS = 50  # an IPv4 address, an IPv6 /64
    # Coarser networks, for a guesser who holds many addresses: an IPv4 /24 or IPv6 /56 (a
    # household's or a small office's), and an IPv6 /48 (a site's).
    LOGIN_FAILURES_PER_NETWORK = 200
    LOGIN_FAILURES_PER_SITE = 400
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    # The hashing budget: a failed log-in costs a password hash (scrypt, about a second of
    # CPU). Past this many failures a minute, from anywhere, on all app servers together,
    # log-ins pause for everyone with a quick 429 rather than letting the servers drown; and
    # each app process hashes at most this many passwords at once.
    LOGIN_FAILURES_PER_MINUTE = 60
    PASSWORD_HASHES_AT_ONCE = 2

    # Mail (`flask notifications send`, never a request). No MAIL_HOST: no mail at all.
    MAIL_HOST: str | None = None
    # Unset: the usual port of MAIL_SECURITY (25 without TLS, 587 STARTTLS, 465 TLS).
    MAIL_PORT: int | None = None
    MAIL_SECURITY = "starttls"  # none, starttls or tls
    # Both empty for a relay that knows the server by its address (Exchange Online's
    # connector); a password is never sent without TLS.
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_FROM: str | None = None
    # The site's address as leaders reach it, for the links in mails.
    PUBLIC_URL: str | None = None

    # Single sign-on with the municipality's OpenID Connect provider (journal/sso/). No
    # OIDC_ISSUER: no single sign-on. The issuer URL exactly as the provider names itself
    # (its metadata is read from <issuer>/.well-known/openid-configuration).
    OIDC_ISSUER: str | None = None
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    # The claims that together name a person for good, joined by ":" ("tid,oid" for Entra
    # ID, whose `sub` differs per app); an account is bound to them, never to an address.
    OIDC_SUBJECT_CLAIMS = "sub"
    # Email domains (comma-separated) whose people get an account at their first sign-in;
    # empty: only accounts that exist can sign in.
    OIDC_JIT_DOMAINS = ""
    # Whether the provider manages its people's addresses itself (Entra ID: its tenant's
    # administrators do, and it sends no `email_verified`): then `email`, or an address-like
    # `preferred_username`, finds an account without `email_verified`. Off: only an `email`
    # the provider marks verified does (people may choose their own elsewhere).
    OIDC_PROVIDER_MANAGES_EMAIL = False
    # The provider's name on the log-in button, e.g. "Esbjerg Kommune".
    OIDC_BUTTON_LABEL = ""
    # Log-in with a password; switched off, the log-in page offers single sign-on only.
    PASSWORD_LOGIN = True
    # Passkeys (WebAuthn): the relying party id is the domain passkeys are bound to (the
    # site's host name, or a parent domain of it), and the origin the browser reports, e.g.
    # "https://journal.esbjerg.dk". Unset: the host name and address each request arrives
    # at. Set both behind a proxy that rewrites the host, and never change the id once
    # leaders have passkeys: theirs would stop working.
    WEBAUTHN_RP_ID: str | None = None
    WEBAUTHN_ORIGIN: str | None = None


# Environment variables read on top of the defaults; each is documented in README.md.
ENV_STRINGS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "FRAMEWORK_FILE",
    "LOG_LEVEL",
    "MAIL_HOST",
    "MAIL_SECURITY",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_FROM",
    "PUBLIC_URL",
    "OIDC_ISSUER",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_SUBJECT_CLAIMS",
    "OIDC_JIT_DOMAINS",
    "OIDC_BUTTON_LABEL",
    "WEBAUTHN_RP_ID",
    "WEBAUTHN_ORIGIN",
)
ENV_INTS = (
    "MAX_CONTENT_LENGTH",
    "MAX_FORM_MEMORY_SIZE",
    "PROXY_COUNT",
    "SESSION_IDLE_MINUTES",
    "SESSION_MAX_HOURS",
    "LOGIN_FAILURES_PER_ACCOUNT",
    "LOGIN_FAILURES_PER_ACCOUNT_ANYWHERE",
    "LOGIN_FAILURES_PER_ADDRESS",
    "LOGIN_FAILURES_PER_NETWORK",
    "LOGIN_FAILURES_PER_SITE",
    "LOGIN_FAILURE_WINDOW_MINUTES",
    "LOGIN_FAILURES_PER_MINUTE",
    "PASSWORD_HASHES_AT_ONCE",
    "MAIL_PORT",
)
ENV_BOOLS = ("SESSION_COOKIE_SECURE", "PASSWORD_LOGIN", "OIDC_PROVIDER_MANAGES_EMAIL")


def load_config(app: Flask, overrides: dict | None) -> None:
    """Fill `app.config` in order: defaults, instance/config.py, environment, `overrides`."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    for name in ENV_STRINGS:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    for name in ENV_INTS:
        if os.environ.get(name):
            app.config[name] = int(os.environ[name])
    for name in ENV_BOOLS:
        if os.environ.get(name):
            app.config[name] = os.environ[name].strip().lower() in ("1", "true", "yes", "on")
    overrides = overrides or {}
    app.config.update(overrides)
    if "REMEMBER_COOKIE_SECURE" not in overrides:
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]

    # DATABASE_URL is the one database setting; only the caller (tests) may pass the URI.
    if "SQLALCHEMY_DATABASE_URI" not in overrides:
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url(
            app.config.get("DATABASE_URL"), app.instance_path
        )
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    check_mail_settings(app.config)
    check_sign_in_settings(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = read_secret_key_file(app.instance_path)
    if len(app.config["SECRET_KEY"]) < MIN_SECRET_KEY_LENGTH:
        raise RuntimeError(
            f"SECRET_KEY is too short: use at least {MIN_SECRET_KEY_LENGTH} random characters, "
            "e.g. the output of: python3 -c 'import secrets; print(secrets.token_hex(32))'."
        )


MAIL_SECURITIES = {"none": 25, "starttls": 587, "tls": 465}


def check_mail_settings(config: dict) -> None:
    """With MAIL_HOST, the mail settings must make sense, or the app refuses to start and
    says which: a mail with no sender or no links, or a password sent in clear, is worse
    than none. The port defaults to MAIL_SECURITY's usual one."""
    if not config.get("MAIL_HOST"):
        return
    security = (config.get("MAIL_SECURITY") or "").strip().lower()
    problems = []
    if security not in MAIL_SECURITIES:
        problems.append("MAIL_SECURITY must be none, starttls or tls")
    if not config.get("MAIL_FROM") or "@" not in config["MAIL_FROM"]:
        problems.append("MAIL_FROM must be the sender's address, e.g. ledelsesjournal@esbjerg.dk")
    url = config.get("PUBLIC_URL") or ""
    if not url.startswith(("https://", "http://")) or "?" in url or "#" in url:
        problems.append(
            "PUBLIC_URL must be the site's address for links in mails, e.g. "
            "https://ledelsesjournal.esbjerg.dk"
        )
    if bool(config.get("MAIL_USERNAME")) != bool(config.get("MAIL_PASSWORD")):
        problems.append("give MAIL_USERNAME and MAIL_PASSWORD together, or neither (a relay)")
    elif config.get("MAIL_USERNAME") and security == "none":
        problems.append("a password is never sent without TLS: MAIL_SECURITY starttls or tls")
    if problems:
        raise RuntimeError("Mail is set up (MAIL_HOST) but " + "; ".join(problems) + ".")
    config["MAIL_SECURITY"] = security
    config["MAIL_PORT"] = config.get("MAIL_PORT") or MAIL_SECURITIES[security]
    config["PUBLIC_URL"] = url.rstrip("/")


def check_sign_in_settings(config: dict) -> None:
    """Single sign-on needs its client id, and its issuer over HTTPS (or on this machine);
    with password log-in off it is the only way in, so it must be set up. Otherwise the
    app refuses to start and says which."""
    issuer = (config.get("OIDC_ISSUER") or "").strip()
    problems = []
    if issuer:
        local = issuer.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
        if not issuer.startswith("https://") and not local:
            problems.append("OIDC_ISSUER must be an https:// address")
        if not config.get("OIDC_CLIENT_ID"):
            problems.append("OIDC_CLIENT_ID must be the app's client id at the provider")
        claims = [c.strip() for c in (config.get("OIDC_SUBJECT_CLAIMS") or "").split(",")]
        if not all(claims):
            problems.append('OIDC_SUBJECT_CLAIMS must name claims, e.g. "sub" or "tid,oid"')
    elif not config.get("PASSWORD_LOGIN", True):
        problems.append("PASSWORD_LOGIN is off but OIDC_ISSUER is not set: nobody could log in")
    if problems:
        raise RuntimeError("Single sign-on is misconfigured: " + "; ".join(problems) + ".")
    config["OIDC_ISSUER"] = issuer or None


def database_url(url: str | None, instance_path: str) -> str:
    """The SQLAlchemy URL: DATABASE_URL with the psycopg 3 driver, or SQLite in instance/."""
    if not url:
        return f"sqlite:///{Path(instance_path) / 'journal.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def engine_options(url: str, given: dict) -> dict:
    """Engine options: no bound values in error messages, pre-pinged PostgreSQL connections."""
    # Parameters are what people typed (passwords' hashes, later journal text): keep them
    # out of exception messages and therefore out of the logs.
    options = {"hide_parameters": True, **given}
    if url.startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)
    return options


def read_secret_key_file(instance_path: str) -> str:
    """The key generated by `make run`, or a clear refusal to start without one."""
    path = Path(instance_path) / SECRET_KEY_FILE
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        key = ""
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise RuntimeError(
            "SECRET_KEY is not set, and the app will not start without it. Set the SECRET_KEY "
            "environment variable to a long random value, the same on every app server, e.g. "
            "the output of: python3 -c 'import secrets; print(secrets.token_hex(32))'. "
            f"On a single machine, `make run` generates one into {path} instead."
        )
    return key


def private_folder(path: Path) -> Path:
    """Make `path` a folder only its owner can enter (0700), tightening one that exists: the
    instance folder holds the secret key and the database, and a checkout brings it 0755."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def ensure_secret_key_file(instance_path: str) -> Path:
    """Create `instance/secret_key` once, readable by its owner only (mode 0600), in a folder
    only its owner can enter."""
    directory = private_folder(Path(instance_path))
    path = directory / SECRET_KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    return path
