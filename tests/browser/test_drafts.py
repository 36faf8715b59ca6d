"""Nothing lost in a real browser: a long reflection survives an expired session, whether
the leader presses Save afterwards or closes or reloads the tab and comes back later.

The session expires as it does for a leader who leaves a half-written reflection for the
night: the sessions' clock moves past the idle limit (`SESSION_IDLE_MINUTES`), so the
server's next request finds the log-in over, exactly as after nine real hours.
"""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from journal.auth import sessions
from journal.extensions import db
from tests.browser.conftest import log_in
from tests.browser.e2e import Tab, log_in_with_labels, wait_for_drafts
from tests.browser.test_accessibility import axe_violations
from tests.conftest import TEST_PASSWORD, stored_entries

NAME, EMAIL = "Jonas Friis", "jonas.friis@esbjerg.dk"
TITLE = "Efter personalemødet"
# Long, with paragraphs, Danish letters, Markdown and a line that ends in spaces: every
# character has to come back exactly as typed.
BODY = "\n\n".join(
    [
        "Mødet i dag handlede om den nye vagtplan, og jeg mærkede modstanden fra første minut.",
        "Hvad gik godt:\n- jeg lod Søren tale færdigt  \n- jeg spurgte ind, før jeg forklarede",
        "Hvad gik mindre godt: jeg lovede en løsning, før jeg havde hørt Åses bekymring. "
        "Det vil jeg gøre anderledes næste gang – **spørge først**.",
        *(
            f"Tanke {n}: tillid betyder, at jeg giver rum til, at medarbejderne selv "
            "finder løsningerne, også når det tager længere tid, end jeg bryder mig om."
            for n in range(1, 25)
        ),
    ]
)
TASK = "Tydelig og nærværende ledelse"
TASK_KEY = "clear-and-present-leadership"
IDLE_MESSAGE = "Du blev logget ud efter 8 timer uden aktivitet. Log ind igen."


@pytest.fixture
def leader(live_server):
    """A leader with a journal, and the key to read it back from the database."""
    return live_server.make_user(NAME, EMAIL)


@pytest.fixture
def nine_hours_later(live_server, monkeypatch):
    """Call it to move the sessions' clock past the idle limit (8 hours) from now."""
    idle = live_server.app.config["SESSION_IDLE_MINUTES"] * 60

    def move():
        later = time.time() + idle + 3600
        monkeypatch.setattr(sessions, "now", lambda: int(later))

    return move


def saved_entries(live_server, key) -> list[tuple[str, str, list[str]]]:
    """Title, text and tasks of every entry in the database, opened with the leader's key."""
    return live_server.seed(
        lambda: [(entry.title, entry.body, entry.task_keys) for entry in stored_entries(db)], key
    )


def write_reflection(page: Page) -> None:
    """Open the writing page from the header and write a long reflection with a task."""
    page.get_by_role("link", name="Skriv", exact=True).click()
    expect(page.get_by_role("heading", name="Ny refleksion")).to_be_visible()
    wait_for_drafts(page)
    page.get_by_label("Titel (valgfri)").fill(TITLE)
    page.get_by_label("Din refleksion").fill(BODY)
    page.get_by_role("checkbox", name=TASK).check()
    expect(page.get_by_text(f"{len(BODY):,}".replace(",", ".") + " / 100.000")).to_be_visible()


def expect_reflection_in_form(page: Page) -> None:
    """The writing form holds the reflection exactly as typed, its task still ticked."""
    expect(page.get_by_label("Titel (valgfri)")).to_have_value(TITLE)
    expect(page.get_by_label("Din refleksion")).to_have_value(BODY)
    expect(page.get_by_role("checkbox", name=TASK)).to_be_checked()


def save_and_expect_exactly_one_entry(page: Page, live_server, key) -> None:
    """Save; the entry shown and the entry stored are the reflection, word for word."""
    page.get_by_role("button", name="Gem", exact=True).click()
    expect(page).to_have_url(re.compile(r"/journal/\d+$"))
    expect(page.get_by_role("status").filter(has_text="Din refleksion er gemt.")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_text("Tanke 24: tillid betyder")).to_be_visible()
    assert saved_entries(live_server, key) == [(TITLE, BODY, [TASK_KEY])]


def expect_no_draft_offered(page: Page) -> None:
    """A new writing page offers nothing back: the saved draft was cleared."""
    page.get_by_role("link", name="Skriv", exact=True).click()
    expect(page.get_by_role("heading", name="Ny refleksion")).to_be_visible()
    expect(page.get_by_label("Din refleksion")).to_have_value("")
    expect(page.get_by_text("Denne browser har gemt tekst")).to_be_hidden()
    assert page.evaluate("() => Object.keys(localStorage)") == []


def test_save_after_the_session_expired_keeps_every_word(
    live_server, page, leader, nine_hours_later
):
    _, key = leader
    log_in(page, EMAIL)
    write_reflection(page)
    nine_hours_later()

    page.get_by_role("button", name="Gem", exact=True).click()
    expect(page.get_by_role("heading", name="Din tekst er i sikkerhed")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=IDLE_MESSAGE)).to_be_visible()
    expect(page.get_by_label("Din refleksion")).to_have_value(BODY)
    expect(page.get_by_label("Titel (valgfri)")).to_have_value(TITLE)
    assert saved_entries(live_server, key) == []  # nothing saved behind the leader's back
    assert axe_violations(page) == []  # the page that keeps the text, for everyone

    login = page.get_by_role("group", name="Log ind for at gemme")
    login.get_by_label("E-mail").fill(EMAIL)
    login.get_by_label("Adgangskode").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log ind", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        "Du er logget ind igen. Tjek din tekst, og tryk så på Gem."
    )
    expect(page.get_by_role("heading", name="Ny refleksion")).to_be_visible()
    expect_reflection_in_form(page)
    assert saved_entries(live_server, key) == []

    save_and_expect_exactly_one_entry(page, live_server, key)
    expect_no_draft_offered(page)


@pytest.mark.parametrize("leaving", ["reload", "close"])
def test_a_draft_left_when_the_session_expired_is_offered_back(
    live_server, context, page, leader, nine_hours_later, leaving
):
    _, key = leader
    log_in(page, EMAIL)
    write_reflection(page)
    nine_hours_later()

    if leaving == "reload":
        # The tab comes back to life after the night: the page reloads, the session is over.
        tab = page
        page.reload()
    else:
        # The tab was closed; the next morning the leader opens the journal again.
        page.close()
        new_tab = Tab(context)
        tab = new_tab.page
        tab.goto("/")
    expect(tab.get_by_role("heading", name="Log ind")).to_be_visible()
    expect(tab.get_by_role("status").filter(has_text=IDLE_MESSAGE)).to_be_visible()
    log_in_with_labels(tab, EMAIL, TEST_PASSWORD)
    if leaving == "reload":
        expect(tab.get_by_role("heading", name="Ny refleksion")).to_be_visible()  # back to it
    else:
        tab.get_by_role("link", name="Skriv", exact=True).click()
    expect(tab.get_by_label("Din refleksion")).to_have_value("")
    assert saved_entries(live_server, key) == []

    banner = tab.get_by_role("status").filter(has_text="Denne browser har gemt tekst")
    expect(banner).to_be_visible()
    banner.get_by_role("button", name="Hent den frem").click()
    expect(banner).to_be_hidden()
    expect_reflection_in_form(tab)

    save_and_expect_exactly_one_entry(tab, live_server, key)
    expect_no_draft_offered(tab)
    if leaving == "close":
        new_tab.check()
