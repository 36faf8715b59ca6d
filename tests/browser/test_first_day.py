"""A leader's first day with single sign-on, in Chromium: sign in with the municipality's
account (a real OpenID provider on 127.0.0.1), lock the new journal with a passkey (Chromium's
virtual authenticator, with PRF), keep the recovery key, and write; the next day, sign in and
unlock with the passkey, one touch; lose the passkey, and come back with the recovery key.

Every click the leader makes is counted: from the log-in page to the dashboard of a new
journal takes five, and no typing but the provider's own sign-in.
"""

import logging
import re
import threading
import warnings
from collections.abc import Iterator

import pytest
import requests
import werkzeug.serving
from authlib.deprecate import AuthlibDeprecationWarning
from playwright.sync_api import expect

from journal.auth import keys
from journal.extensions import db
from journal.models import SignInIdentity, User
from tests.browser.conftest import DESKTOP, LiveServer
from tests.browser.e2e import open_account_menu
from tests.browser.test_passkeys import authenticator_options

with warnings.catch_warnings():  # its import of authlib.jose is deprecated upstream
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    import oidc_provider_mock

pytestmark = pytest.mark.browser

SUBJECT = "birgit-berg-oid"
EMAIL = "birgit.berg@esbjerg.example"
REFLECTION = "I dag lod jeg teamet finde løsningen selv, og den var bedre end min."


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """oidc-provider-mock on 127.0.0.1: its issuer URL."""
    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    requests.put(
        f"{url}/users/{SUBJECT}",
        json={"email": EMAIL, "email_verified": True, "name": "Birgit Berg"},
        timeout=10,
    ).raise_for_status()
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def municipality(tmp_path, provider) -> Iterator[LiveServer]:
    """The app on http://localhost (a passkey needs a domain), signing in through `provider`
    and making an account at the first sign-in for the municipality's addresses."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    settings = {
        "OIDC_ISSUER": provider,
        "OIDC_CLIENT_ID": "ledelsesjournal",
        "OIDC_CLIENT_SECRET": "hemmelig",
        "OIDC_JIT_DOMAINS": "esbjerg.example",
    }
    with LiveServer(tmp_path, host="localhost", **settings) as server:
        server.make_user("Anne Admin", "anne@esbjerg.example", is_admin=True)
        yield server


class Leader:
    """Birgit's browser, with a passkey-capable authenticator, counting her clicks."""

    def __init__(self, browser, server):
        self.context = browser.new_context(base_url=server.url, viewport=DESKTOP, locale="da-DK")
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        # The provider's own page fetches its style sheet from the internet: not ours to judge.
        self.problems = []
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("console", self.note_console)
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("WebAuthn.enable")
        self.authenticator = self.cdp.send(
            "WebAuthn.addVirtualAuthenticator", {"options": authenticator_options(True)}
        )["authenticatorId"]
        self.clicks = 0

    def note_console(self, message) -> None:
        if message.type == "error" and self.page.url.startswith("http://localhost"):
            self.problems.append(f"console error: {message.text}")

    def click(self, locator) -> None:
        self.clicks += 1
        locator.click()

    def sign_in(self) -> None:
        """From the log-in page, through the municipality's sign-in, back to the journal."""
        page = self.page
        page.goto("/login")
        self.click(page.get_by_role("link", name="Log ind med din kommunekonto"))
        page.fill("input[name=sub]", SUBJECT)  # the provider's own sign-in form
        self.click(page.get_by_role("button", name="Authorize"))
        page.wait_for_url(re.compile(r"^http://localhost"))

    def log_out(self) -> None:
        open_account_menu(self.page, "Birgit Berg")
        self.page.get_by_role("button", name="Log ud").click()
        expect(self.page.get_by_role("heading", name="Log ind")).to_be_visible()


def test_a_first_day_with_single_sign_on_and_a_passkey(browser, municipality):
    birgit = Leader(browser, municipality)
    page = birgit.page

    # Sign in: an account is made, the journal has no key yet.
    birgit.sign_in()
    expect(page).to_have_url(re.compile(r"/account/set-up$"))
    expect(page.get_by_role("heading", name="Vælg, hvordan din journal åbnes")).to_be_visible()
    # Lock it with a passkey: one touch.
    birgit.click(page.get_by_role("button", name="Opret en adgangsnøgle"))
    page.wait_for_url(re.compile(r"/account/recovery-key$"))
    recovery_key = page.locator(".recovery-key").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){7}", recovery_key)
    birgit.click(page.get_by_label(re.compile("Jeg har printet min gendannelsesnøgle")))
    birgit.click(page.get_by_role("button", name="Fortsæt til min journal"))
    page.wait_for_url(re.compile(r"localhost:\d+/$"))
    assert birgit.clicks == 5  # log in, the provider's button, passkey, tick, continue

    with municipality.app.app_context():
        user = db.session.query(User).filter_by(email=EMAIL).one()
        assert [f.kind for f in keys.factors_of(user)] == ["recovery", "passkey"]
        assert db.session.query(SignInIdentity).filter_by(user_id=user.id).one().subject
        user_id = user.id

    # Write the first reflection.
    page.goto("/journal/new")
    page.fill("textarea[name=body]", REFLECTION)
    page.get_by_role("button", name="Gem").first.click()
    expect(page.get_by_text(REFLECTION)).to_be_visible()
    entry_url = page.url

    # The next day: sign in, the journal asks to be unlocked, one touch opens it.
    birgit.log_out()
    birgit.sign_in()
    page.goto(entry_url)
    expect(page).to_have_url(re.compile(r"/unlock\?next="))
    expect(page.get_by_text(REFLECTION)).to_have_count(0)
    page.get_by_role("button", name="Lås op med en adgangsnøgle").click()
    expect(page.get_by_text(REFLECTION)).to_be_visible()

    # The phone is lost, and the passkey with it: the recovery key opens the journal.
    birgit.log_out()
    birgit.cdp.send(
        "WebAuthn.removeVirtualAuthenticator", {"authenticatorId": birgit.authenticator}
    )
    birgit.sign_in()
    page.goto("/unlock")
    page.get_by_text("Jeg har mistet min adgangsnøgle eller glemt min kodesætning").click()
    page.get_by_label("Gendannelsesnøgle").fill(recovery_key.lower())
    page.get_by_role("button", name="Åbn med gendannelsesnøglen").click()
    expect(page).to_have_url(re.compile(r"/account/unlock-factors$"))
    page.goto(entry_url)
    expect(page.get_by_text(REFLECTION)).to_be_visible()
    with municipality.app.app_context():
        assert keys.has_keys(db.session.get(User, user_id))
    birgit.context.close()
    assert not birgit.problems, "\n".join(birgit.problems)


def test_whoever_signs_in_as_the_leader_elsewhere_reads_nothing(browser, municipality):
    """The provider's administrator signs in as Birgit on another computer: the journal is
    locked, and nothing she wrote is on any page they reach."""
    birgit = Leader(browser, municipality)
    birgit.sign_in()
    birgit.click(birgit.page.get_by_role("button", name="Opret en adgangsnøgle"))
    birgit.page.wait_for_url(re.compile(r"/account/recovery-key$"))
    birgit.page.get_by_label(re.compile("Jeg har printet min gendannelsesnøgle")).click()
    birgit.page.get_by_role("button", name="Fortsæt til min journal").click()
    birgit.page.goto("/journal/new")
    birgit.page.fill("textarea[name=body]", REFLECTION)
    birgit.page.get_by_role("button", name="Gem").first.click()
    expect(birgit.page.get_by_text(REFLECTION)).to_be_visible()
    entry_url = birgit.page.url

    it_admin = Leader(browser, municipality)  # another computer, another authenticator
    it_admin.sign_in()
    page = it_admin.page
    for path in ("/", "/journal/", entry_url, "/goals/", "/review/", "/account/my-data"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/unlock"))
        assert REFLECTION not in page.content()
    page.get_by_role("button", name="Lås op med en adgangsnøgle").click()
    expect(page.locator("[data-passkey-message]")).to_be_visible()
    assert REFLECTION not in page.content()
    for leader in (birgit, it_admin):
        leader.context.close()
