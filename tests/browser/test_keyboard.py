"""Writing an entry with the keyboard alone, with the focus visible at every step.

From the dashboard: the skip link, then back up to "Skriv", then the form (the text, focused
on arrival; back to the date; the title, a leadership task) and Save, with nothing but Tab, Shift+Tab, Enter, Space and the
arrow keys. At every stop the focused element must show a focus ring that stands out from
what is around it (WCAG 2.4.7 and 1.4.11: at least 3:1).
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from journal.entries.sealing import open_entries
from journal.extensions import db
from journal.models import Entry, User
from tests.browser.conftest import log_in

TITLE = "Tastaturet alene"
BODY = "Jeg lod teamet beslutte vagtplanen. Det var svært at holde mund."
TASK = "delegation"
MAX_STEPS = 40
# What has focus, whether a ring shows on it (or, for a hidden checkbox, on its visible
# part next to it), and the ring's contrast with the background it is drawn on.
FOCUS_STATE = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return {what: "nothing", shown: false};
    const what = element.tagName.toLowerCase()
        + (element.name ? `[name=${element.name}]` : "")
        + (element.value && element.type === "checkbox" ? `[value=${element.value}]` : "")
        + ` "${(element.innerText || element.value || element.ariaLabel || "").trim().slice(0, 40)}"`;
    const channel = c => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    const rgba = text => (text.match(/[\\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const backdrop = node => {
        for (; node; node = node.parentElement) {
            const colour = rgba(getComputedStyle(node).backgroundColor);
            if (colour.length === 3 || colour[3] > 0) return colour;
        }
        return [255, 255, 255];
    };
    const contrast = (a, b) => {
        const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (high + 0.05) / (low + 0.05);
    };
    const viewport = {width: innerWidth, height: innerHeight};
    for (const part of [element, element.nextElementSibling, element.closest("label")]) {
        if (!part) continue;
        const style = getComputedStyle(part);
        const box = part.getBoundingClientRect();
        if (box.width < 4 || box.height < 4) continue;
        const onScreen = box.bottom > 0 && box.right > 0
            && box.top < viewport.height && box.left < viewport.width;
        if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
            return {what, shown: onScreen, ring: "outline",
                    contrast: contrast(rgba(style.outlineColor), backdrop(part.parentElement))};
        if (style.boxShadow !== "none")
            return {what, shown: onScreen, ring: "box-shadow", contrast: 3};
    }
    return {what, shown: false, ring: "none", contrast: 0};
}"""


def focus(page) -> dict:
    """What has focus now, and how its focus ring shows."""
    return page.evaluate(FOCUS_STATE)


def assert_focus_visible(page, path: list[str]) -> dict:
    """The focused element shows a ring of at least 3:1; `path` records the way here."""
    state = focus(page)
    path.append(state["what"])
    trail = " → ".join(path)
    assert state["shown"], f"no visible focus on {state['what']} ({trail})"
    assert state["contrast"] >= 3, (
        f"the focus ring on {state['what']} has contrast {state['contrast']:.2f} ({trail})"
    )
    return state


def press_until(page, key: str, wanted: str, path: list[str]) -> None:
    """Press `key` until the focused element matches the CSS selector `wanted`."""
    for _ in range(MAX_STEPS):
        page.keyboard.press(key)
        assert_focus_visible(page, path)
        if page.evaluate("s => document.activeElement.matches(s)", wanted):
            return
    raise AssertionError(f"{key} never reached {wanted}: " + " → ".join(path))


def a_day_like_11_november(today: date) -> date:
    """The latest day before `today` whose day and month are the same number (11/11, 1/1)."""
    return next(
        day for back in range(1, 400) if (day := today - timedelta(days=back)).day == day.month
    )


def type_date(page, day: date) -> None:
    """Type `day` into the focused date field, whichever order its parts have here.

    Chromium orders day, month and year by its own locale. With day and month the same
    number only the year's place matters, and ArrowUp on the first part shows it.
    """
    before = page.evaluate("document.activeElement.value")
    page.keyboard.press("ArrowUp")
    after = page.evaluate("document.activeElement.value")  # "" if not a date (31 April)
    page.keyboard.press("ArrowDown")
    assert before and before != after, "the arrow keys do not change the date"
    year_first = bool(after) and after[:4] != before[:4]
    page.keyboard.type(day.strftime("%Y%m%d" if year_first else "%d%m%Y"))


def test_writing_an_entry_with_the_keyboard_alone(live_server, page):
    """Skip link, "Skriv", text, date, title, a task, Save: all by keyboard, focus always seen."""
    user_id, key = live_server.make_user("Lone Leder", "lone@esbjerg.example")
    log_in(page, "lone@esbjerg.example")
    page.goto("/")
    path: list[str] = []

    # The first Tab reaches the skip link, shown on screen; Enter jumps past the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    assert_focus_visible(page, path)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)"), (
        "Tab after the skip link does not continue in the page's content"
    )
    assert_focus_visible(page, path)

    # Back up into the header, to the button that starts a new entry.
    press_until(page, "Shift+Tab", "a.write-button", path)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/journal/new")

    # The text has the focus on arrival: write at once.
    assert page.evaluate("document.activeElement.name") == "body"
    page.keyboard.type(BODY)
    # The date is "i dag", a small control before the text that opens to change it.
    day = a_day_like_11_november(datetime.now(UTC).date())
    press_until(page, "Shift+Tab", "details.entry-date > summary", path)
    page.keyboard.press("Enter")
    press_until(page, "Tab", "input[name=entry_date]", path)
    type_date(page, day)
    assert page.input_value("input[name=entry_date]") == day.isoformat()
    # Tab steps through the date's own parts (month, day, year) before it leaves the field.
    press_until(page, "Tab", "input[name=title]", path)
    page.keyboard.type(TITLE)
    press_until(page, "Tab", f"input[name=tasks][value={TASK}]", path)
    page.keyboard.press("Space")
    assert page.is_checked(f"input[name=tasks][value={TASK}]")
    press_until(page, "Tab", "button.primary[value=save]", path)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "/journal/new" not in page.url, "saving did not leave the form"
    assert BODY in page.inner_text("main")

    def saved():
        user = db.session.get(User, user_id)
        (entry,) = db.session.scalars(select(Entry).where(Entry.owner_id == user_id)).all()
        (entry,) = open_entries(user, [entry])
        return entry.entry_date, entry.title, entry.body, entry.task_keys

    assert live_server.seed(saved, key) == (day, TITLE, BODY, [TASK]), "the entry was not saved"
    assert len(path) >= 8
