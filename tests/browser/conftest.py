"""Browser tests: the real app served on 127.0.0.1, driven by Playwright in Debian's Chromium.

They skip with a message where Chromium or Playwright is missing, and fail instead under CI
(`CI=true`), where `.ci/run` installs Chromium. Deselect them with `-m "not browser"`.
Screenshots and other artifacts go to `tests/artifacts/` (or `$TEST_ARTIFACTS`).
"""

import logging
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from journal import create_app, crypto, journal_key
from journal.auth import keys, services
from journal.extensions import db
from journal.models.user import utcnow
from tests.conftest import FAST_HASH, TEST_PASSWORD

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# As root in a container, without a GPU, on a machine whose network is closed: no sandbox,
# and none of the background connections Chromium would otherwise try at every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def artifacts_dir() -> Path:
    """Where screenshots are kept: `$TEST_ARTIFACTS`, else `tests/artifacts/` in the checkout."""
    path = Path(os.environ.get("TEST_ARTIFACTS") or PROJECT_ROOT / "tests" / "artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_collection_modifyitems(config, items):
    """Mark every test in this folder `browser`."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def unavailable(reason: str):
    """Skip, or fail under CI, where the browser tests are mandatory."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"Browser tests are mandatory in CI, but {reason}")
    pytest.skip(f"Browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def playwright_session():
    """Playwright's driver, started once."""
    if not CHROMIUM.exists() and not shutil.which(str(CHROMIUM)):
        unavailable(f"Chromium is not at {CHROMIUM} (install it: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session):
    """Headless Chromium, shared by every browser test."""
    browser = playwright_session.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


class LiveServer:
    """The app on its own SQLite file, served by a thread; `seed` code runs in its context."""

    def __init__(self, root: Path, host: str = "127.0.0.1", **overrides):
        self.app = create_app(
            {
                "SECRET_KEY": "browser-test-secret-" + "x" * 32,
                "INSTANCE_PATH": root / "instance",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'journal.sqlite3'}",
                "PASSWORD_HASH_METHOD": FAST_HASH,
                "KEY_DERIVATION": FAST_HASH,
                "SESSION_COOKIE_SECURE": False,
                **overrides,
            }
        )
        with self.app.app_context():
            db.create_all()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        # `host` is the name the browser uses: "localhost" where WebAuthn needs a domain.
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
        with self.app.app_context():
            db.engine.dispose()

    def make_user(self, name: str, email: str, password: str = TEST_PASSWORD, **kwargs):
        """An account ready to log in, as after its first log-in (keys set, recovery key kept).

        Returns `(user_id, key)`; pass the key to `seed` to write the user's journal.
        """
        with self.app.app_context():
            user = services.create_user(email, name, password, must_change_password=False, **kwargs)
            key, recovery = keys.set_up_keys(user, password)
            user.recovery_key_confirmed_at = utcnow()
            db.session.commit()
            self.recovery_keys = getattr(self, "recovery_keys", {})
            self.recovery_keys[user.id] = crypto.format_recovery_key(recovery)
            return user.id, key

    def seed(self, function, *open_keys):
        """Run `function()` in an app context with `open_keys` open, and commit."""
        with self.app.app_context():
            for key in open_keys:
                journal_key.use_for_request(key)
            result = function()
            db.session.commit()
            return result


def closed_port() -> str:
    """An address on this machine where nothing listens: a sign-in provider that never
    answers, for pages that only need single sign-on to be set up."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveServer]:
    """A fresh app on a fresh database, listening on 127.0.0.1."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with LiveServer(tmp_path) as server:
        yield server


@pytest.fixture
def localhost_server(tmp_path) -> Iterator[LiveServer]:
    """A fresh app as `live_server`, reached as http://localhost: a passkey's relying party
    id must be a domain, never an address (and localhost counts as a secure origin)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with LiveServer(tmp_path, host="localhost") as server:
        yield server


@pytest.fixture
def context(browser, live_server):
    """A fresh browser profile (no cookies) at desktop size, pointed at the live server."""
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="da-DK")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def watch(page) -> list[str]:
    """The JavaScript errors and console errors `page` will log, collected as they come."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console error: {message.text}") if message.type == "error" else None
        ),
    )
    return problems


@pytest.fixture
def page(context):
    """A tab in the fresh profile; any JavaScript error or CSP refusal fails the test."""
    page = context.new_page()
    problems = watch(page)
    yield page
    assert not problems, "\n".join(problems)


def log_in(page, email: str, password: str = TEST_PASSWORD) -> None:
    """Log in through the form, as a leader would, and wait for the page after it."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
