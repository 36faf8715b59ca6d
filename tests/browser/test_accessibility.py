"""Accessibility: axe-core's WCAG 2.1 A and AA rules on every main page, with no violations.

Each test walks every page (as the leader, her manager, an administrator, a new account
and a visitor) in one language, at desktop and phone width, and reports
everything it found at once: page, width, rule, impact and the elements concerned. Form
pages are checked again after invalid input, with a check of our own that every error
message is tied to its field and announced. On the same walk every page is narrowed to
320 px, where it must not scroll sideways (WCAG 1.4.10, which axe cannot check), and the
Danish walk photographs every main page at both widths for a person to look through
(`<artifacts>/screenshots/<desktop|phone>/<page>.png`): one visit of a page does it all.
The Danish public sector must meet WCAG 2.1 AA. The run includes axe's WCAG 2.2 AA rules
(target size) and its best practices (one main landmark, heading order, a level-one
heading) as well: the app meets them, and they catch what a screen-reader user trips over.
"""

import logging
import struct

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser import pages
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, artifacts_dir, closed_port

RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_SCRIPT = Axe().axe_script
RUN_AXE = """(tags, part) => axe.run(part ? {include: [part]} : document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]
}).then(results => results.violations.map(rule => ({
    id: rule.id, impact: rule.impact, help: rule.help,
    targets: rule.nodes.slice(0, 5).map(node => node.target.join(" ")),
    more: Math.max(0, rule.nodes.length - 5),
})))"""


def axe_violations(tab) -> list[str]:
    """What axe finds on the page in `tab` (WCAG 2.1 A and AA and the rules above), one line
    per rule: for pages other tests reach, such as the rescue page after an expired session."""
    if not tab.evaluate("() => typeof axe !== 'undefined'"):
        tab.evaluate(AXE_SCRIPT)  # not a script tag: the app's CSP refuses inline scripts
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']}: " + ", ".join(rule["targets"])
        for rule in tab.evaluate(f"([tags, part]) => ({RUN_AXE})(tags, part)", [RULE_TAGS, None])
    ]


# An error message must be tied to what it is about (aria-describedby), and a control
# marked invalid must say why; otherwise a screen reader announces "invalid" and nothing else.
CHECK_ERRORS = """() => {
    const problems = [];
    const described = new Set();
    for (const element of document.querySelectorAll("[aria-describedby]"))
        for (const id of element.getAttribute("aria-describedby").split(/\\s+/)) described.add(id);
    const messages = [...document.querySelectorAll("main .error")];
    if (!messages.length) problems.push("no error message is shown");
    for (const message of messages)
        if (!message.id || !described.has(message.id))
            problems.push(`error "${message.textContent.trim()}" is tied to no field`);
    for (const field of document.querySelectorAll("[aria-invalid=true]")) {
        const ids = (field.getAttribute("aria-describedby") || "").split(/\\s+/);
        if (!ids.some(id => document.getElementById(id)?.classList.contains("error")))
            problems.push(`${field.name || field.id} is invalid but says not why`);
    }
    if (!document.querySelector("[role=alert]")) problems.push("nothing announces the errors");
    return problems;
}"""
SIZES = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app with one realistic journal, shared by the tests of this module."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    single_sign_on = {
        "OIDC_ISSUER": closed_port(),  # its pages, not the provider, are what is walked
        "OIDC_CLIENT_ID": "ledelsesjournal",
        "OIDC_BUTTON_LABEL": "Esbjerg Kommune",
    }
    with LiveServer(tmp_path_factory.mktemp("a11y"), **single_sign_on) as server:
        server.data = pages.seed_dataset(server)
        yield server


@pytest.fixture(scope="module")
def empty_site(tmp_path_factory):
    """An installation without accounts, which shows the set-up page."""
    with LiveServer(tmp_path_factory.mktemp("a11y-empty")) as server:
        yield server


def start_axe(tab, spec: pages.Page) -> None:
    """Start axe on the page in `tab`; `problems_on` waits for what it finds."""
    tab.evaluate(
        "([tags, part]) => { window.axeResults = (" + RUN_AXE + ")(tags, part); }",
        [RULE_TAGS, spec.part],
    )


def problems_on(tab, spec: pages.Page, language: str, size: str) -> list[str]:
    """Everything wrong with the page in `tab` (where axe was started), one line each."""
    found = [
        f"{rule['id']} ({rule['impact']}): {rule['help']}\n      "
        + "\n      ".join(rule["targets"])
        + (f"\n      … and {rule['more']} more" if rule["more"] else "")
        for rule in tab.evaluate("() => window.axeResults")
    ]
    if spec.name.endswith("-errors"):
        found += tab.evaluate(CHECK_ERRORS)
    # Axe has no rule for reflow (WCAG 1.4.10): the page itself must not scroll sideways.
    width, window = tab.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    if width > window:
        found.append(f"the page is {width}px wide in a {window}px window: it scrolls sideways")
    expected = spec.language or language
    if (lang := tab.get_attribute("html", "lang")) != expected:
        found.append(f'<html lang="{lang}">, expected "{expected}"')
    # The browser reports an error answer as a failed resource; on an error page (a 404, the
    # 400 of a refused sign-in) that is the point.
    found += [p for p in tab.problems if spec.status == 200 or f"status of {spec.status}" not in p]
    tab.problems.clear()
    return [f"{spec.name} at {size} ({spec.url}): {problem}" for problem in found]


# WCAG 1.4.10 (Reflow): 320 CSS pixels wide, a laptop's window at 400% zoom, or a small phone.
REFLOW = {"width": 320, "height": 640}
# What sticks out past the window, to say where a sideways scroll comes from.
WIDER_THAN_WINDOW = """() => [...document.body.querySelectorAll("*")]
    .filter(element => element.getBoundingClientRect().right > innerWidth + 0.5)
    .slice(0, 5)
    .map(element => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
        + [...element.classList].map(name => "." + name).join(""))"""
# The screenshots: every page but its error states, of which one shows how errors look.
PHOTOGRAPHED_ERRORS = {"new-entry-errors"}


# The browser runs the page's resize handlers in its next rendering step, before the frame's
# animation callbacks: once one has run, the page is as the new width leaves it.
AFTER_RESIZE = "() => new Promise(done => requestAnimationFrame(() => setTimeout(done)))"


def resize(tab, viewport: dict) -> None:
    """Give the tab another width, and wait until the page has reacted to it."""
    tab.set_viewport_size(viewport)
    tab.evaluate(AFTER_RESIZE)


def reflow_problems(tab, spec: pages.Page) -> list[str]:
    """Whether the page in `tab` scrolls sideways at 320 px; the tab keeps its own width."""
    viewport = tab.viewport_size
    resize(tab, REFLOW)
    try:
        width, window = tab.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if width <= window:
            return []
        wide = ", ".join(tab.evaluate(WIDER_THAN_WINDOW))
        return [f"{spec.name} ({spec.url}): {width}px wide at 320 px; sticking out: {wide}"]
    finally:
        resize(tab, viewport)


def photographed(spec: pages.Page) -> bool:
    """Whether the walk keeps a screenshot of this page."""
    return not spec.name.endswith("-errors") or spec.name in PHOTOGRAPHED_ERRORS


def photograph(tab, spec: pages.Page, size: str):
    """A full-page screenshot of the page in `tab`, kept as an artifact; its path."""
    folder = artifacts_dir() / "screenshots" / size
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{spec.name}.png"
    path.unlink(missing_ok=True)
    tab.screenshot(path=path, full_page=True, animations="disabled", caret="initial")
    return path


def png_size(path) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def picture_problems(written: list[tuple[str, object]]) -> list[str]:
    """Screenshots that are not a real, page-wide picture of a page."""
    wrong = []
    for size, path in written:
        viewport = SIZES[size]
        width, height = png_size(path)
        # Wider than the viewport: the page scrolls sideways (on a phone, text overflows).
        if width != viewport["width"]:
            wrong.append(f"{size}/{path.name} is {width}px wide, the window {viewport['width']}px")
        if height < viewport["height"] or path.stat().st_size < 10_000:
            wrong.append(f"{size}/{path.name} is nearly empty ({height}px)")
    return wrong


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_page_meets_wcag_21_aa(browser, site, empty_site, language):
    """axe finds nothing on any page, in the language, on a laptop and on a phone; no page
    scrolls sideways at 320 px (Danish has the longest words, English the longest
    sentences); and in Danish every main page is photographed at both widths.

    The language is an account setting, so one test per language walks every page once:
    each page is opened in its state, then checked at each width in turn (the window is
    resized, as when a laptop's window is narrowed: the stylesheet follows at once).
    """
    newcomer = pages.first_login_account(site)
    pages.set_language(site, language)
    found, reflow, written, seen = [], [], [], 0
    walks = [
        (site, pages.main_pages(site.data) + pages.first_login_pages(newcomer)),
        (empty_site, pages.SETUP_PAGES),
    ]
    for server, specs in walks:
        with pages.profiles(browser, server, DESKTOP, language, AXE_SCRIPT) as open_as:
            for spec in specs:
                tab = pages.visit(open_as, spec)
                for size, viewport in SIZES.items():
                    resize(tab, viewport)
                    start_axe(tab, spec)
                    found += problems_on(tab, spec, language, size)
                    seen += 1
                    if language == "da" and photographed(spec):
                        written.append((size, photograph(tab, spec, size)))
                reflow += reflow_problems(tab, spec)
    assert seen >= 2 * 50
    assert not found, f"{len(found)} problems ({language}):\n" + "\n".join(found)
    assert not reflow, f"{len(reflow)} pages scroll sideways at 320 px ({language}):\n" + (
        "\n".join(reflow)
    )
    if language == "da":
        assert len(written) >= 2 * 40
        wrong = picture_problems(written)
        assert not wrong, "\n".join(wrong)


def test_a_chart_wider_than_a_phone_scrolls_in_its_own_frame(browser, site):
    """On a phone a goal's chart keeps labels that can be read: it is wider than the screen
    and scrolls in its frame, which the keyboard reaches and scrolls too. On a laptop the
    chart fits, and its frame is no tab stop."""
    pages.set_language(site, "da")
    goal = next(spec for spec in pages.main_pages(site.data) if spec.name == "goal")
    for viewport, phone in ((PHONE, True), (DESKTOP, False)):
        with pages.profiles(browser, site, viewport, "da") as open_as:
            tab = pages.visit(open_as, goal)
            frame = tab.locator(".chart-frame").first
            width, room = frame.evaluate("frame => [frame.scrollWidth, frame.clientWidth]")
            assert (width > room) is phone
            assert (frame.get_attribute("tabindex") == "0") is phone
            label = frame.locator(".chart-label").first.evaluate(
                "label => label.getBoundingClientRect().height"
            )
            assert label >= 10, f"chart labels are {label:.1f}px high"
            if phone:
                frame.focus()
                tab.keyboard.press("ArrowRight")
                expect(frame).not_to_have_js_property("scrollLeft", 0)
