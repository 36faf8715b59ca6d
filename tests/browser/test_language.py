"""Danish by default, English one click away, and the choice remembered for the person:
across pages, after logging out, and in a browser that has never seen the choice."""

import re
import time
from datetime import date

from playwright.sync_api import Page, expect

from journal.auth import sessions
from journal.entries import services as entries
from journal.extensions import db
from journal.models import User
from tests.browser.conftest import DESKTOP
from tests.browser.e2e import Tab, log_in_with_labels, open_account_menu, wait_for_drafts
from tests.conftest import TEST_PASSWORD, stored_entries

NAME, EMAIL = "Sofie Krogh", "sofie.krogh@esbjerg.dk"
DAY = date(2026, 3, 2)
TEXT = "Jeg skrev længe om dagens møde, og min session udløb, før jeg gemte."


def expect_language(page: Page, code: str) -> None:
    """The page is in `code`, and the switch offers the other language."""
    expect(page.locator("html")).to_have_attribute("lang", code)
    other = "English" if code == "da" else "Dansk"
    expect(page.get_by_role("button", name=other, exact=True)).to_be_visible()


def stored_language(live_server, user_id: int) -> str:
    """The language kept in the person's account."""
    return live_server.seed(lambda: db.session.get(User, user_id).language)


def language_cookie(page: Page) -> str | None:
    """The `lang` cookie the switch leaves in this browser, if any."""
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    return cookies.get("lang")


def go_to(page: Page, menu_item: str) -> None:
    """Follow a link of the main menu, whatever its language."""
    menu = page.get_by_role("navigation", name=re.compile("^(Hovedmenu|Main menu)$"))
    menu.get_by_role("link", name=menu_item, exact=True).click()


def test_danish_by_default_english_one_click_away_and_remembered(browser, live_server, page):
    user_id, key = live_server.make_user(NAME, EMAIL)

    def write_entry():
        user = db.session.get(User, user_id)
        entries.create_entry(
            user,
            entry_date=DAY,
            title="Tavlemøde",
            body="Kort tavlemøde.",
            task_keys=["feedback-and-facilitation"],
            starred=False,
            goal_ids=[],
        )

    live_server.seed(write_entry, key)

    page.goto("/login")
    expect_language(page, "da")
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
    log_in_with_labels(page, EMAIL, TEST_PASSWORD)
    expect(page.get_by_role("heading", name=f"Hej {NAME.split()[0]}")).to_be_visible()

    go_to(page, "Journal")
    expect(page.get_by_role("heading", name="mandag den 2. marts 2026")).to_be_visible()
    page.get_by_role("button", name="English", exact=True).click()
    # The same page, now in English: its words, its dates and the framework's own text.
    expect_language(page, "en")
    expect(page).to_have_url(f"{live_server.url}/journal/")
    expect(page.get_by_role("heading", name="Monday, March 2, 2026")).to_be_visible()
    expect(page.get_by_role("list", name="Leadership tasks")).to_have_text(
        "Feedback and facilitation"
    )
    assert stored_language(live_server, user_id) == "en"
    assert language_cookie(page) == "en"

    go_to(page, "Goals")
    expect(page.get_by_role("heading", name="Goals", level=1)).to_be_visible()
    expect_language(page, "en")
    go_to(page, "Framework")
    expect(page.get_by_role("heading", name="Feedback and facilitation")).to_be_visible()
    open_account_menu(page, NAME, "Account menu")
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_label("Language")).to_have_value("en")

    open_account_menu(page, NAME, "Account menu")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect_language(page, "en")

    # Another browser, which has never seen the choice (and whose own language is English):
    # Danish until the leader logs in.
    other = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-GB")
    other.set_default_timeout(10_000)
    try:
        tab = Tab(other)
        tab.page.goto("/login")
        expect_language(tab.page, "da")
        log_in_with_labels(tab.page, EMAIL, TEST_PASSWORD)
        expect(tab.page.get_by_role("heading", name=f"Hello, {NAME.split()[0]}")).to_be_visible()
        expect_language(tab.page, "en")

        tab.page.get_by_role("button", name="Dansk", exact=True).click()
        expect(tab.page.get_by_role("heading", name=f"Hej {NAME.split()[0]}")).to_be_visible()
        expect_language(tab.page, "da")
        assert stored_language(live_server, user_id) == "da"
        go_to(tab.page, "Mål")
        expect(tab.page.get_by_role("heading", name="Mål", level=1)).to_be_visible()
        tab.check()
    finally:
        other.close()

    # Back in the first browser, whose cookie still says English: the account says Danish.
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    log_in_with_labels(page, EMAIL, TEST_PASSWORD, language="en")
    expect(page.get_by_role("heading", name=f"Hej {NAME.split()[0]}")).to_be_visible()
    expect_language(page, "da")


def test_switching_language_on_a_rescued_form_loses_nothing(live_server, page, monkeypatch):
    """The rescued writing form answers a POST (`/journal/rescue`, which takes no GET): the
    switch goes back to the writing page, in English, with the text offered back; it used
    to end on a 405 error page."""
    _, key = live_server.make_user(NAME, EMAIL)
    page.goto("/login")
    log_in_with_labels(page, EMAIL, TEST_PASSWORD)
    page.get_by_role("banner").get_by_role("link", name="Skriv", exact=True).click()
    wait_for_drafts(page)
    page.get_by_label("Din refleksion").fill(TEXT)
    later = time.time() + live_server.app.config["SESSION_IDLE_MINUTES"] * 60 + 60
    monkeypatch.setattr(sessions, "now", lambda: int(later))  # the session has expired
    page.get_by_role("button", name="Gem", exact=True).click()
    login = page.get_by_role("group", name="Log ind for at gemme")
    login.get_by_label("E-mail").fill(EMAIL)
    login.get_by_label("Adgangskode").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log ind", exact=True).click()
    expect(page.get_by_label("Din refleksion")).to_have_value(TEXT)

    page.get_by_role("button", name="English", exact=True).click()
    expect(page.get_by_role("heading", name="New reflection")).to_be_visible()
    expect_language(page, "en")
    banner = page.get_by_role("status").filter(has_text="This browser kept text you had not saved.")
    banner.get_by_role("button", name="Restore it").click()
    expect(page.get_by_label("Your reflection")).to_have_value(TEXT)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Your reflection is saved.")).to_be_visible()
    stored = live_server.seed(lambda: [entry.body for entry in stored_entries(db)], key)
    assert stored == [TEXT]
