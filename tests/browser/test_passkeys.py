"""Passkeys in a real browser: Chromium's virtual authenticator (Chrome DevTools Protocol,
`WebAuthn.addVirtualAuthenticator`) with and without the PRF extension, on http://localhost.

A leader adds a passkey, signs out, signs in again as single sign-on leaves a session (the
journal locked) and opens the journal with the passkey; loses the passkey and comes back with
the recovery key; and a browser whose authenticator lacks PRF is led to the passphrase.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from journal.auth import keys
from journal.entries import services as entries
from journal.extensions import db
from journal.i18n import today_for
from journal.models import UnlockFactor, User
from tests.browser.conftest import DESKTOP, PHONE, watch
from tests.browser.test_accessibility import axe_violations
from tests.conftest import TEST_PASSWORD, locked_session

pytestmark = pytest.mark.browser

ENTRY = "Jeg sagde nej til endnu et projekt, og det var det rigtige."
NO_PRF = (
    "Din browser kan ikke bruge en adgangsnøgle til at låse journalen op. "
    "Vælg en kodesætning i stedet."
)


def authenticator_options(prf: bool) -> dict:
    """A platform authenticator that verifies the user and answers at once."""
    return {
        "protocol": "ctap2",
        "ctap2Version": "ctap2_1",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "hasPrf": prf,
        "automaticPresenceSimulation": True,
    }


class Device:
    """A browser profile at localhost with a virtual authenticator in its first tab."""

    def __init__(self, browser, server, prf: bool = True):
        self.server = server
        self.context = browser.new_context(base_url=server.url, viewport=DESKTOP, locale="da-DK")
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.problems = watch(self.page)
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("WebAuthn.enable")
        self.authenticator = self.cdp.send(
            "WebAuthn.addVirtualAuthenticator", {"options": authenticator_options(prf)}
        )["authenticatorId"]

    def lose_passkey(self) -> None:
        """The device is gone, and its passkey with it."""
        self.cdp.send(
            "WebAuthn.removeVirtualAuthenticator", {"authenticatorId": self.authenticator}
        )

    def sign_in_locked(self, user_id: int) -> None:
        """Signed in as single sign-on leaves a session: who they are known, journal locked."""
        with self.server.app.app_context():
            cookie, _token = locked_session(self.server.app, db.session.get(User, user_id))
        self.context.clear_cookies()
        name = self.server.app.config["SESSION_COOKIE_NAME"]
        self.context.add_cookies([{"name": name, "value": cookie, "url": self.server.url}])

    def close(self) -> None:
        self.context.close()
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def device(browser, localhost_server):
    made = []

    def make(prf: bool = True) -> Device:
        made.append(Device(browser, localhost_server, prf))
        return made[-1]

    yield make
    for each in made:
        each.close()


def check_accessible(page: Page) -> None:
    """axe finds nothing at desktop and phone width, and nothing scrolls sideways at 320 px
    (the pages are the unlock package's; what is checked here is what passkeys add)."""
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        assert axe_violations(page) == [], page.url
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), page.url
    page.set_viewport_size(DESKTOP)


def passkeys_of(server, user_id: int) -> list[str]:
    """The names of the user's passkeys, as the database holds them now."""
    with server.app.app_context():
        return [
            factor.name
            for factor in keys.factors_of(db.session.get(User, user_id))
            if factor.kind == "passkey"
        ]


def write_entry(server, user_id: int, key) -> int:
    """The leader's reflection of today, sealed with their key; its id."""

    def write() -> int:
        user = db.session.get(User, user_id)
        entry = entries.create_entry(
            user, entry_date=today_for(user), title="", body=ENTRY, task_keys=[]
        )
        return entry.id

    return server.seed(write, key)


def unlock_with_passkey(page: Page) -> None:
    page.goto("/unlock")
    page.get_by_role("button", name="Lås op med en adgangsnøgle").click()
    page.wait_for_url(re.compile(r"^(?!.*/unlock)"))


def test_a_passkey_opens_the_journal_and_the_recovery_key_replaces_a_lost_one(
    device, localhost_server
):
    server = localhost_server
    user_id, key = server.make_user("Karen Krog", "karen.krog@esbjerg.dk")
    entry_id = write_entry(server, user_id, key)
    laptop = device(prf=True)
    page = laptop.page

    # Adding a passkey, the journal open (signed in with the password).
    page.goto("/login")
    page.get_by_label("E-mail", exact=True).fill("karen.krog@esbjerg.dk")
    page.get_by_label("Adgangskode", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log ind", exact=True).click()
    page.goto("/account/unlock-factors")
    page.get_by_label("Navn (valgfrit)").fill("Bærbar på kontoret")
    page.get_by_role("button", name="Tilføj en adgangsnøgle").click()
    expect(page.get_by_role("status").filter(has_text="Adgangsnøglen er tilføjet")).to_be_visible()
    expect(page.locator(".passkey-name")).to_have_text("Bærbar på kontoret")
    assert passkeys_of(server, user_id) == ["Bærbar på kontoret"]
    check_accessible(page)

    # Signed out; signed in again, the journal locked: the passkey opens it.
    laptop.sign_in_locked(user_id)
    page.goto(f"/journal/{entry_id}")
    expect(page).to_have_url(re.compile(r"/unlock\b"))
    check_accessible(page)
    page.get_by_role("button", name="Lås op med en adgangsnøgle").click()
    expect(page.get_by_text(ENTRY)).to_be_visible()

    # The laptop's passkey is lost: the recovery key opens the journal.
    laptop.lose_passkey()
    laptop.sign_in_locked(user_id)
    page.goto("/unlock")
    page.get_by_text("Jeg har mistet min adgangsnøgle eller glemt min kodesætning").click()
    page.get_by_label("Gendannelsesnøgle").fill(server.recovery_keys[user_id])
    page.get_by_role("button", name="Åbn med gendannelsesnøglen").click()
    page.goto(f"/journal/{entry_id}")
    expect(page.get_by_text(ENTRY)).to_be_visible()


def test_a_browser_without_prf_is_led_to_the_passphrase(device, localhost_server):
    server = localhost_server
    user_id = keyless_account(server, "Per Pind", "per.pind@esbjerg.dk")
    phone = device(prf=False)
    phone.sign_in_locked(user_id)
    page = phone.page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/account/set-up$"))

    page.get_by_role("button", name="Opret en adgangsnøgle").click()

    expect(page.get_by_role("alert").filter(has_text=NO_PRF)).to_be_visible()
    expect(page.get_by_role("button", name="Lås min journal med denne kodesætning")).to_be_visible()
    check_accessible(page)
    assert passkeys_of(server, user_id) == []


def test_a_first_sign_in_sets_the_journal_up_with_a_passkey(device, localhost_server):
    server = localhost_server
    user_id = keyless_account(server, "Sofie Sand", "sofie.sand@esbjerg.dk")
    laptop = device(prf=True)
    laptop.sign_in_locked(user_id)
    page = laptop.page
    page.goto("/account/set-up")

    page.get_by_role("button", name="Opret en adgangsnøgle").click()

    expect(page).to_have_url(re.compile(r"/account/recovery-key$"))
    assert len(passkeys_of(server, user_id)) == 1
    # Signed in again, the new passkey opens the new journal.
    laptop.sign_in_locked(user_id)
    unlock_with_passkey(page)
    expect(page).to_have_url(re.compile(r"/account/recovery-key$"))


def keyless_account(server, name: str, email: str) -> int:
    """An account as single sign-on makes it at the first sign-in: no journal keys yet."""
    user_id, _key = server.make_user(name, email)
    with server.app.app_context():
        for factor in db.session.query(UnlockFactor).filter_by(user_id=user_id):
            db.session.delete(factor)
        db.session.commit()
    return user_id
