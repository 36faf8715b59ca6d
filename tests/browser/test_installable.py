"""Installable: the journal goes on a phone's home screen and opens on the write page; its
service worker keeps the static files and an offline page, and never anything a leader wrote.

Chromium says whether the page can be installed (no installability errors); the Cache
Storage is read after the leader has visited pages full of her reflections and goals; and
with the network gone a page shows the offline page, never a copy of the page.
"""

from datetime import date

import pytest
from playwright.sync_api import expect

from journal.entries import services as entries
from journal.extensions import db
from journal.goals import services as goals
from journal.installable.worker import STATIC_FILES
from journal.models import User
from tests.browser.conftest import DESKTOP, PHONE, artifacts_dir, log_in

EMAIL = "lone@esbjerg.example"
ENTRY_TEXT = "PRIVAT: samtalen med Jens om hans sygefravær gik bedre end ventet."
GOAL_TITLE = "PRIVAT MÅL: lytte færdigt, før jeg svarer"
OFFLINE_HEADING = "Du er offline"
STATIC_PATHS = {f"/static/{name}" for name in STATIC_FILES}

# Every cache of this origin: its name, and for each request kept its path and its body as
# text (the PNGs as their size only), so that a test sees all the browser holds.
CACHE_CONTENTS = """async () => {
    const found = {};
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        found[name] = [];
        for (const request of await cache.keys()) {
            const response = await cache.match(request);
            const type = response.headers.get("Content-Type") || "";
            const body = type.startsWith("image/png") ? "" : await response.text();
            found[name].push({path: new URL(request.url).pathname, body});
        }
    }
    return found;
}"""


@pytest.fixture
def journal(live_server):
    """A leader with a reflection and a goal: the ids of both."""
    user_id, key = live_server.make_user("Lone Madsen", EMAIL)

    def write():
        leader = db.session.get(User, user_id)
        entry = entries.create_entry(
            leader,
            entry_date=date.today(),
            title="Svær samtale",
            body=ENTRY_TEXT,
            task_keys=["feedback-and-facilitation"],
        )
        goal = goals.create_goal(
            leader,
            title=GOAL_TITLE,
            why="Så de finder deres egne løsninger.",
            how_i_know="De kommer med forslag.",
            task_keys=["delegation"],
            start_date=date.today(),
            review_date=None,
        )
        db.session.flush()
        return entry.id, goal.id

    return live_server.seed(write, key)


ACTIVE = """() => navigator.serviceWorker.getRegistration()
    .then(registration => registration?.active?.state === "activated")"""


def controlled(page) -> None:
    """Wait until the service worker is installed and answers for this page. A page whose
    load began before the worker was active (the one after logging in, at times) is not
    its to answer for: the next page load is."""
    page.wait_for_function(ACTIVE)
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def test_the_journal_can_be_installed_and_opens_on_the_write_page(page, context, journal):
    log_in(page, EMAIL)
    controlled(page)
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/static/manifest.webmanifest")
    assert not manifest["errors"], manifest["errors"]
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # A test's browser profile is incognito, where Chrome installs nothing; nothing else.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    parsed = page.evaluate("url => fetch(url).then(r => r.json())", manifest["url"])
    assert parsed["start_url"] == "/journal/new" and parsed["display"] == "standalone"
    page.goto(parsed["start_url"])
    expect(page.locator("textarea[name=body]")).to_be_visible()
    scope = page.evaluate("() => navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == page.url.split("/journal/")[0] + "/"


def test_the_worker_keeps_only_static_files_never_a_page(page, journal):
    entry_id, goal_id = journal
    log_in(page, EMAIL)
    controlled(page)
    # With the worker answering, every page that shows her words.
    for url in (
        "/",
        "/journal/",
        f"/journal/{entry_id}",
        f"/journal/{entry_id}/edit",
        f"/goals/{goal_id}",
        "/goals/",
        "/review/",
        "/journal/new",
    ):
        page.goto(url)
    expect(page.locator("textarea[name=body]")).to_be_visible()
    page.reload()
    contents = page.evaluate(CACHE_CONTENTS)
    assert len(contents) == 1, contents.keys()
    (kept,) = contents.values()
    assert {item["path"] for item in kept} == STATIC_PATHS
    for item in kept:
        assert ENTRY_TEXT not in item["body"] and GOAL_TITLE not in item["body"], item["path"]
        assert "Lone" not in item["body"], item["path"]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_offline_a_page_shows_the_offline_page_never_a_copy(page, context, journal, size):
    entry_id, _goal_id = journal
    page.set_viewport_size(PHONE if size == "phone" else DESKTOP)
    log_in(page, EMAIL)
    controlled(page)
    page.goto(f"/journal/{entry_id}")
    expect(page.get_by_text(ENTRY_TEXT)).to_be_visible()
    page.goto("/journal/")

    context.set_offline(True)
    for url in (f"/journal/{entry_id}", "/journal/", "/"):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text(OFFLINE_HEADING)
        expect(page.get_by_text("Nothing was lost.")).to_be_visible()
        assert ENTRY_TEXT not in page.content() and "Lone" not in page.content()
    # The stylesheet comes from the cache: the page looks like the journal.
    paper = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert paper == "rgb(247, 245, 240)"
    page.screenshot(path=artifacts_dir() / f"offline-{size}.png", full_page=True)

    context.set_offline(False)
    page.get_by_role("link", name="Prøv igen").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(OFFLINE_HEADING)
    page.goto(f"/journal/{entry_id}")
    expect(page.get_by_text(ENTRY_TEXT)).to_be_visible()
