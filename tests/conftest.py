"""Fixtures: an app on a fresh database per test, on SQLite and on PostgreSQL."""

import contextvars
import os
import re
from contextlib import ExitStack
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text

from journal import create_app, crypto
from journal.auth import keys, services
from journal.extensions import db as _db
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
    """Run every test that uses the app once per database engine."""
    if "backend" not in metafunc.fixturenames:
        return
    choice = metafunc.config.getoption("--db")
    backends = ["sqlite", "postgresql"] if choice == "all" else [choice]
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = [b for b in backends if b == "sqlite"]
    metafunc.parametrize("backend", backends, scope="session")


def postgres_required() -> bool:
    """In CI the PostgreSQL run is mandatory: fail rather than skip."""
    return os.environ.get("REQUIRE_POSTGRESQL") == "1" or os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def postgres_url():
    """An empty PostgreSQL database for the session: TEST_DATABASE_URL or a throwaway cluster."""
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


@pytest.fixture
def database_url(backend, tmp_path, request) -> str:
    """A fresh database for one test."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    return request.getfixturevalue("postgres_url")


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


@pytest.fixture
def app(backend, database_url, tmp_path):
    """The app on a fresh, empty database; the test runs inside its app context."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-" + "x" * 32,
            "INSTANCE_PATH": tmp_path / "instance",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "KEY_DERIVATION": FAST_HASH,
        }
    )
    app.test_client_class = Client
    with app.app_context():
        _db.create_all()
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
        password = kwargs.pop("password", TEST_PASSWORD)
        user = services.create_user(
            email or f"leader{number}@esbjerg.example",
            name or f"Leader {number}",
            password,
            must_change_password=False,
            **kwargs,
        )
        key, recovery = keys.set_up_keys(user, password)
        user.recovery_key_confirmed_at = utcnow()
        _db.session.commit()
        keys.use_for_request(key)
        make.recovery_keys[user.id] = crypto.format_recovery_key(recovery)
        return user

    make.recovery_keys = {}
    return make


def stored_entries(db) -> list:
    """Every entry as the database holds it now, opened with its owner's key."""
    from journal.models import Entry, User

    db.session.expire_all()
    rows = db.session.scalars(select(Entry).order_by(Entry.id)).all()
    for entry in rows:
        key = keys.journal_key(db.session.get(User, entry.owner_id))
        entry.open_text(*key.open_entry(entry.id, entry.sealed))
    return rows


def stored_entry(db, entry_id: int):
    """One entry as the database holds it now, opened with its owner's key."""
    (entry,) = [entry for entry in stored_entries(db) if entry.id == entry_id]
    return entry


@pytest.fixture
def make_entry(app):
    """Create entries: `make_entry(user, body="…", task_keys=["vision"], entry_date=…)`."""
    from journal.entries import services as entries

    def make(user, **values):
        values.setdefault("entry_date", entries.today_for(user))
        values.setdefault("title", "")
        values.setdefault("body", "En refleksion.")
        values.setdefault("task_keys", [])
        return entries.create_entry(user, **values)

    return make


@pytest.fixture
def make_goal(app):
    """Create goals: `make_goal(user, title="…", task_keys=["vision"], start_date=…)`; why,
    how-I-know and the review date are empty unless given, the start is today."""
    from journal.entries.services import today_for
    from journal.goals import services as goals

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
def leader_client(client, leader, login) -> Client:
    """A client logged in as `leader`."""
    login(client, leader)
    return client
