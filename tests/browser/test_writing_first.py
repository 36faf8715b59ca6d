"""Writing first, on a phone: from the dashboard to a saved reflection in three taps and the
typing, the text box on the first screen and focused; one tap from the dashboard's question
to writing about it; a guided reflection fills in its questions without losing a word.
"""

import pytest
from playwright.sync_api import expect

from journal.extensions import db
from tests.browser.conftest import DESKTOP, PHONE, log_in, watch
from tests.conftest import stored_entries

pytestmark = pytest.mark.browser

EMAIL = "lone@esbjerg.example"
TEXT = "Jeg lod teamet finde løsningen på vagtplanen selv. Den blev bedre end min."


class Taps:
    """Taps on a touch screen, counted as a leader would count them."""

    def __init__(self, page) -> None:
        self.page, self.count = page, 0

    def __call__(self, selector: str, *, navigates: bool = True) -> None:
        self.count += 1
        if navigates:
            with self.page.expect_navigation():
                self.page.locator(selector).tap()
        else:
            self.page.locator(selector).tap()


@pytest.fixture
def phone(browser, live_server):
    """A logged-in leader's phone (390×844, touch), on the dashboard."""
    user = live_server.make_user("Lone Leder", EMAIL)
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, has_touch=True, is_mobile=True, locale="da-DK"
    )
    page = context.new_page()
    problems = watch(page)
    log_in(page, EMAIL)
    page.goto("/")
    yield page, user
    context.close()
    assert not problems, "\n".join(problems)


def saved(live_server, key) -> list[tuple[str, str, list[str]]]:
    """Title, text and tasks of every stored entry, opened with the leader's key."""
    return live_server.seed(
        lambda: [(entry.title, entry.body, entry.task_keys) for entry in stored_entries(db)], key
    )


def assert_ready_to_type(page) -> None:
    """The text box starts on the first screen, with room to see a few lines, and has focus."""
    box = page.locator("textarea[name=body]").bounding_box()
    height = page.viewport_size["height"]
    assert box["y"] + 120 < height, f"the text box starts at y={box['y']:.0f} of {height}"
    assert page.evaluate("document.activeElement.name") == "body"


def assert_one_row_header(page) -> None:
    """The header is one row: the name, Skriv (where it shows) and Menu side by side, with
    the main menu folded into Menu (not a second row of links)."""
    header = page.locator(".site-header").bounding_box()
    brand = page.locator(".site-header .brand").bounding_box()
    assert header["height"] < 2.2 * brand["height"] + 16, f"the header is {header['height']}px"
    expect(page.locator(".site-header .main-nav")).to_be_hidden()
    expect(page.locator(".phone-menu > summary")).to_be_visible()


def test_from_the_dashboard_to_a_saved_reflection_in_three_taps(live_server, phone):
    """Tap Skriv, type (the text box has focus), tap Gem: saved; the Gem button is in view
    all the time, however long the text."""
    page, (_user_id, key) = phone
    assert_one_row_header(page)
    tap = Taps(page)
    tap("a.write-button")
    assert_one_row_header(page)
    assert_ready_to_type(page)
    page.keyboard.type(TEXT + "\n" * 40)  # longer than the screen
    expect(page.locator("button.primary[value=save]")).to_be_in_viewport()
    tap("button.primary[value=save]")
    assert tap.count <= 3
    ((title, body, tasks),) = saved(live_server, key)
    assert (title, body.strip(), tasks) == ("", TEXT, [])
    expect(page.locator("main")).to_contain_text("Din refleksion er gemt")


def test_the_dashboards_question_is_filled_in_with_one_tap(live_server, phone):
    """ "Skriv om det" opens the write page with the question taken: shown, its task
    tagged, the text focused; no second "Skriv om det". The same question after a reload."""
    page, (_user_id, key) = phone
    question = page.locator(".dashboard-prompt .prompt-text").inner_text()
    page.reload()
    assert page.locator(".dashboard-prompt .prompt-text").inner_text() == question
    tap = Taps(page)
    tap(".dashboard-prompt a.button")
    expect(page.locator(".prompt-taken")).to_contain_text(question)
    expect(page.locator("button[value=use_prompt]")).to_have_count(0)
    assert_ready_to_type(page)
    page.keyboard.type(TEXT)
    tap("button.primary[value=save]")
    assert tap.count == 2
    ((title, body, tasks),) = saved(live_server, key)
    assert (title, body) == (question, TEXT) and len(tasks) == 1


def test_another_question_on_the_dashboard(phone):
    """ "Et andet spørgsmål" shows the next question, and the write page takes that one."""
    page, _user = phone
    first = page.locator(".dashboard-prompt .prompt-text").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Et andet spørgsmål").tap()
    second = page.locator(".dashboard-prompt .prompt-text").inner_text()
    assert second != first
    with page.expect_navigation():
        page.locator(".dashboard-prompt a.button").tap()
    expect(page.locator(".prompt-taken")).to_contain_text(second)


def test_a_guided_reflection_adds_its_questions_below_the_text(live_server, browser):
    """On a desktop: typed text stays, the template's questions follow it, its tasks are
    tagged, and the text box has focus on arrival."""
    _user_id, key = live_server.make_user("Lone Leder", EMAIL)
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="da-DK")
    page = context.new_page()
    log_in(page, EMAIL)
    page.goto("/journal/new")
    assert_ready_to_type(page)
    page.keyboard.type(TEXT)
    page.get_by_text("Guidet refleksion").click()
    with page.expect_navigation():
        page.get_by_role("button", name="En svær samtale").click()
    body = page.input_value("textarea[name=body]")
    assert body.startswith(TEXT) and "hvad gjorde den svær?" in body
    assert page.is_checked("input[name=tasks][value=feedback-and-facilitation]")
    assert page.is_checked("input[name=tasks][value=authenticity-and-transparency]")
    with page.expect_navigation():
        page.locator("button.primary[value=save]").click()
    ((title, stored_body, tasks),) = saved(live_server, key)
    assert title == "En svær samtale" and stored_body == body
    assert set(tasks) == {"feedback-and-facilitation", "authenticity-and-transparency"}
    context.close()
