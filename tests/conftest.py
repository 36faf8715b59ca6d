"""Fixtures: an app on a fresh database per test, on SQLite, and for the tests marked
`both_engines` on PostgreSQL too.

A fresh SQLite database is a copy of an empty one made once per run; PostgreSQL's tables are
made once per run and emptied after each test. A test logs a browser in with `log_in_as`
(a session as a log-in leaves it, without the form) unless the log-in is what it tests.
"""

import contextvars
import os
import re
import shutil
from contextlib import ExitStack
from urllib.parse import urlencode

import pytest
from flask import Flask, session
from flask.testing import FlaskClient
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import create_engine, select, text

from journal import create_app, crypto, journal_key
from journal.auth import keys, services, sessions
from journal.entries import services as entries
from journal.extensions import db as _db
from journal.goals import services as goals
from journal.i18n import today_for
from journal.models import CheckIn, Entry, User
from journal.models.user import utcnow
from tests.postgres import PostgresUnavailable, throwaway_cluster

TEST_PASSWORD = "a calm walk by the harbour"
# Tests hash with a cheap scrypt; the production parameters have a test of their own.
FAST_HASH = "scrypt:1024:8:1"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=("all", "sqlite", "postgresql"),
        default=os.environ.get("TEST_DB", "all"),
        help="database(s) to run the app's tests on (default: all)",
    )


def pytest_configure(config):
    if postgres_required() and config.getoption("--db") == "sqlite":
        raise pytest.UsageError("PostgreSQL is required here (CI); do not pass --db sqlite")


def pytest_generate_tests(metafunc):
    """Run a test that uses the app on SQLite; one marked `both_engines` (it depends on the
    engine: SQL, locking, concurrency, cascades) on PostgreSQL as well."""
    if "backend" not in metafunc.fixturenames:
        return
    backends = ["sqlite"]
    marked = metafunc.definition.get_closest_marker
    if marked("both_engines") and not marked("sqlite_only"):
        backends.append("postgresql")
    metafunc.parametrize("backend", backends, scope="session")


# The longest tests, run first so that parallel workers (`make test`: pytest-xdist) start
# them at once and the run does not wait for one of them at its end.
LONGEST_FIRST = ("tests/browser/test_accessibility.py::test_every_page", "tests/browser/")


def pytest_collection_modifyitems(config, items):
    """The longest tests first; `--db sqlite` or `--db postgresql` keeps only that engine's
    runs."""

    def rank(item) -> int:
        return next(
            (i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
            len(LONGEST_FIRST),
        )

    items.sort(key=rank)
    choice = config.getoption("--db")
    if choice == "all":
        return
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec else None
        (dropped if backend not in (None, choice) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def postgres_required() -> bool:
    """In CI the PostgreSQL run is mandatory: fail rather than skip."""
    return os.environ.get("REQUIRE_POSTGRESQL") == "1" or os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def postgres_url():
    """An empty PostgreSQL database for the session: TEST_DATABASE_URL or a throwaway cluster
    (one per test process, so parallel workers never share one)."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
        return
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_cluster()).url
        except PostgresUnavailable as error:
            if postgres_required():
                pytest.fail(f"PostgreSQL is required here but cannot run: {error}")
            pytest.skip(f"PostgreSQL not available, its run is skipped: {error}")
        yield url


@pytest.fixture(scope="session")
def postgres_tables(postgres_url) -> str:
    """The session's PostgreSQL database with the app's tables, made once."""
    engine = create_engine(postgres_url)
    _db.metadata.create_all(engine)
    engine.dispose()
    return postgres_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """An SQLite database with the app's tables and nothing in them, made once: every test
    that needs a fresh one gets a copy (a copy costs less than making the tables)."""
    path = tmp_path_factory.mktemp("template") / "journal.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    _db.metadata.create_all(engine)
    engine.dispose()  # the last connection out leaves no write-ahead log beside the file
    return path


@pytest.fixture
def database_url(backend, tmp_path, request) -> str:
    """A fresh database, with the app's tables, for one test."""
    if backend == "sqlite":
        path = tmp_path / "journal.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_tables")


class Client(FlaskClient):
    """A test client that submits forms the way a browser does, CSRF token included."""

    def open(self, *args, **kwargs):
        """Serve each request in a fresh context, as a server would: no `g` shared with the test.

        The test itself runs inside an app context; without this, Flask would reuse it for
        every request, and `g` (the CSRF token, the logged-in user) would leak between them.
        """
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self, page: str = "/login") -> str:
        """The CSRF token printed on `page`."""
        response = self.get(page)
        match = CSRF_INPUT.search(response.get_data(as_text=True))
        assert match, f"no CSRF token on {page} (status {response.status_code})"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, page: str | None = None, **kwargs):
        """POST `data` to `url` with the CSRF token from `page` (default: `url` itself)."""
        token = self.csrf_token(page or url)
        return self.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def configured_app(database_url: str, instance_path) -> Flask:
    """The app as the tests configure it: cheap password hashing, a fixed secret."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-" + "x" * 32,
            "INSTANCE_PATH": instance_path,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "KEY_DERIVATION": FAST_HASH,
        }
    )
    app.test_client_class = Client
    return app


@pytest.fixture
def app(backend, database_url, tmp_path):
    """The app on a fresh, empty database; the test runs inside its app context."""
    app = configured_app(database_url, tmp_path / "instance")
    with app.app_context():
        yield app
        _db.session.remove()
        if backend == "postgresql":
            tables = ", ".join(t.name for t in _db.metadata.sorted_tables)
            with _db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """The database, bound to the test's app."""
    return _db


@pytest.fixture
def client(app) -> Client:
    """A browser without a session."""
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create accounts ready to use, as after the first login: `make_user(name="Mette")`.

    The account's journal key is open in the test's own context (so services can write its
    entries); its recovery key is in `make_user.recovery_keys[user.id]`.
    """
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, email: str | None = None, **kwargs):
        number = next(counter)
        user, key, recovery = new_account(
            email or f"leader{number}@esbjerg.example", name or f"Leader {number}", **kwargs
        )
        journal_key.use_for_request(key)
        make.recovery_keys[user.id] = crypto.format_recovery_key(recovery)
        return user

    make.recovery_keys = {}
    return make


def new_account(email: str, name: str, password: str = TEST_PASSWORD, **kwargs):
    """An account as after its first log-in, with its key made and the recovery key kept:
    (user, journal key, recovery key's bits)."""
    user = services.create_user(email, name, password, must_change_password=False, **kwargs)
    key, recovery = keys.set_up_keys(user, password)
    user.recovery_key_confirmed_at = utcnow()
    _db.session.commit()
    return user, key, recovery


def signed_session(app, user=None, key=None) -> tuple[str, str]:
    """A session cookie as logging in leaves it (as `user`, its journal key open), or an
    anonymous one; and the CSRF token that goes with it. Made in a request of its own."""

    def build():
        with app.test_request_context():
            if user is not None:
                login_user(user)
                sessions.begin(user)
                journal_key.keep_in_session(user, key)
            token = generate_csrf()
            return dict(session), token

    data, token = contextvars.Context().run(build)
    return app.session_interface.get_signing_serializer(app).dumps(data), token


def locked_session(app, user) -> tuple[str, str]:
    """A session cookie as signing in with the municipality's account leaves it: `user`
    signed in, the journal locked (`journal.auth.login.start_locked_session`); and its CSRF
    token."""

    def build():
        with app.test_request_context():
            login_user(user)
            sessions.begin(user)
            journal_key.mark_locked(user)
            token = generate_csrf()
            return dict(session), token

    data, token = contextvars.Context().run(build)
    return app.session_interface.get_signing_serializer(app).dumps(data), token


def give_session(app, client: "Client", cookie: str) -> None:
    """Hand `client` a session cookie, as the browser keeps it after a response."""
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)


@pytest.fixture
def log_in_as(app):
    """Log a browser in without the form (`log_in_as(client, user)`), for tests where the
    log-in is not what is tested; returns the client. The form: `login`.

    The key is the one the test opened for the user (`make_user` opens it), else the
    password's; the account is read afresh, as a log-in would (its session version).
    """

    def log_in(client: "Client", user, password: str = TEST_PASSWORD):
        _db.session.refresh(user)
        if journal_key.has_open_journal(user):
            key = journal_key.journal_key(user)
        else:
            key = keys.open_with_password(user, password)
        give_session(app, client, signed_session(app, user, key)[0])
        return client

    return log_in


def stored_entries(db) -> list:
    """Every entry as the database holds it now, opened with its owner's key."""
    db.session.expire_all()
    rows = db.session.scalars(select(Entry).order_by(Entry.id)).all()
    for entry in rows:
        key = journal_key.journal_key(db.session.get(User, entry.owner_id))
        entry.open_text(*key.open_entry(entry.id, entry.sealed))
    return rows


def opened(row):
    """A goal, check-in or saved review as loaded from the database, its sealed text opened
    with its owner's key (open in the test's own context)."""
    owner_id = row.goal.owner_id if isinstance(row, CheckIn) else row.owner_id
    row.open_with(journal_key.journal_key(_db.session.get(User, owner_id)))
    return row


def stored(db, model) -> list:
    """Every goal, check-in or saved review as the database holds it now, opened."""
    db.session.expire_all()
    return [opened(row) for row in db.session.scalars(select(model).order_by(model.id))]


def stored_entry(db, entry_id: int):
    """One entry as the database holds it now, opened with its owner's key."""
    (entry,) = [entry for entry in stored_entries(db) if entry.id == entry_id]
    return entry


@pytest.fixture
def make_entry(app):
    """Create entries: `make_entry(user, body="…", task_keys=["vision"], entry_date=…)`."""

    def make(user, **values):
        values.setdefault("entry_date", today_for(user))
        values.setdefault("title", "")
        values.setdefault("body", "En refleksion.")
        values.setdefault("task_keys", [])
        return entries.create_entry(user, **values)

    return make


@pytest.fixture
def make_goal(app):
    """Create goals: `make_goal(user, title="…", task_keys=["vision"], start_date=…)`; why,
    how-I-know and the review date are empty unless given, the start is today."""

    def make(user, **values):
        values.setdefault("title", "lytte før jeg svarer")
        values.setdefault("why", "")
        values.setdefault("how_i_know", "")
        values.setdefault("task_keys", ["vision"])
        values.setdefault("start_date", today_for(user))
        values.setdefault("review_date", None)
        return goals.create_goal(user, **values)

    return make


@pytest.fixture
def login():
    """Log a client in: `login(client, user)`; returns the response."""

    def log_in(client: Client, user, password: str = TEST_PASSWORD, next_url: str | None = None):
        url = "/login" + (f"?{urlencode({'next': next_url})}" if next_url else "")
        return client.submit(url, {"email": user.email, "password": password})

    return log_in


@pytest.fixture
def leader(make_user):
    """An ordinary account (an administrator exists too, as in any installation)."""
    make_user(name="Admin Anne", is_admin=True)
    return make_user(name="Lone Leder")


@pytest.fixture
def leader_client(client, leader, log_in_as) -> Client:
    """A client logged in as `leader`."""
    log_in_as(client, leader)
    return client
