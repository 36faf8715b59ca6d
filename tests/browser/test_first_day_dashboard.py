"""A first day that invites, and finding things, in Chromium.

A new leader's dashboard shows "Kom i gang": three steps, none ticked, each a link, and not
one "blind plet"; writing a reflection ticks the first off; from the tenth reflection the
blind spots and the streak appear. On a phone, the journal list shows the search box and
"Søg" at once, the other filters folded, each entry with two lines of its text. Screenshots
go to the artifacts (`screenshots/first-day/`).
"""

from datetime import timedelta

from playwright.sync_api import Page, expect

from journal.entries import services as entries
from journal.extensions import db
from journal.i18n import today_for
from journal.models import User
from tests.browser.conftest import PHONE, artifacts_dir, log_in, watch

LEADER, LEADER_EMAIL = "Lone Leder", "lone@esbjerg.example"
LAPTOP = {"width": 1366, "height": 900}
REFLECTION = "I dag lod jeg teamet finde løsningen selv, og den var bedre end min."
LONG = (
    "Vi talte om rammerne for projektet og om, hvem der bestemmer hvad. "
    "Medarbejderne ville gerne have mere ansvar, og jeg lovede at vende tilbage "
    "med et forslag til, hvordan vi deler opgaverne, inden næste personalemøde. "
) * 3


def person(browser, live_server, viewport: dict) -> Page:
    """The leader's logged-in tab in Danish; JavaScript errors fail the test."""
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="da-DK")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.problems = watch(tab)
    log_in(tab, LEADER_EMAIL)
    return tab


def photograph(tab: Page, name: str) -> None:
    """A screenshot of the page as it is, kept as an artifact."""
    folder = artifacts_dir() / "screenshots" / "first-day"
    folder.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=folder / f"{name}.png", full_page=True, animations="disabled")


def write(live_server, user_id: int, key, count: int, body: str = LONG, title: str = "") -> None:
    """`count` reflections, one a day back from today."""

    def add() -> None:
        user = db.session.get(User, user_id)
        for day in range(count):
            entries.create_entry(
                user,
                entry_date=today_for(user) - timedelta(days=day + 1),
                title=title or f"Refleksion {day + 1}",
                body=body,
                task_keys=["vision"],
            )

    live_server.seed(add, key)


def test_a_new_leader_gets_started_and_sees_blind_spots_only_later(browser, live_server):
    user_id, key = live_server.make_user(LEADER, LEADER_EMAIL)
    tab = person(browser, live_server, LAPTOP)

    started = tab.get_by_role("region", name="Kom i gang")
    expect(started).to_be_visible()
    steps = started.get_by_role("listitem")
    expect(steps).to_have_count(3)
    expect(started.locator("li.done")).to_have_count(0)
    for name, url in (
        ("Skriv", "/journal/new"),
        ("Nyt mål", "/goals/new"),
        ("Angiv din leder", "/sharing/"),
    ):
        expect(started.get_by_role("link", name=name, exact=True)).to_have_attribute("href", url)
    expect(tab.get_by_text("blind plet")).to_have_count(0)
    expect(tab.get_by_text("i træk")).to_have_count(0)
    photograph(tab, "new-leader-laptop")
    tab.set_viewport_size(PHONE)
    photograph(tab, "new-leader-phone")
    tab.set_viewport_size(LAPTOP)

    # The first step, done from its own link: it is ticked, and its link is gone.
    started.get_by_role("link", name="Skriv", exact=True).click()
    tab.locator("textarea[name=body]").fill(REFLECTION)
    tab.get_by_role("button", name="Gem", exact=True).click()
    tab.get_by_role("link", name="Ledelsesjournal").click()
    first = started.get_by_role("listitem").first
    expect(first).to_contain_text("Skriv din første refleksion (gjort)")
    expect(first.get_by_role("link")).to_have_count(0)
    expect(started.locator("li.done")).to_have_count(1)
    expect(tab.get_by_text("blind plet")).to_have_count(0)

    # Ten reflections: now there is something to compare.
    write(live_server, user_id, key, 9)
    tab.reload()
    expect(tab.get_by_text("blind plet").first).to_be_visible()
    expect(tab.get_by_text("arbejdsdage i træk")).to_be_visible()
    expect(tab.get_by_role("region", name="Kom i gang")).to_be_visible()  # two steps left
    photograph(tab, "ten-reflections-laptop")

    assert not tab.problems, "\n".join(tab.problems)
    tab.context.close()


def test_the_journal_list_on_a_phone_searches_at_once(browser, live_server):
    user_id, key = live_server.make_user(LEADER, LEADER_EMAIL)
    write(live_server, user_id, key, 4, title="Personalemøde")
    tab = person(browser, live_server, PHONE)
    tab.goto("/journal/")

    search = tab.get_by_role("searchbox", name="Søg")
    expect(search).to_be_in_viewport()
    button = tab.get_by_role("button", name="Søg", exact=True)
    expect(button).to_be_in_viewport()
    assert button.bounding_box()["y"] + button.bounding_box()["height"] <= PHONE["height"]
    expect(tab.get_by_text("Flere filtre")).to_be_visible()
    expect(tab.get_by_label("Tema")).to_be_hidden()  # folded until asked for

    excerpt = tab.locator("p.excerpt").first
    expect(excerpt).to_be_visible()
    lines = excerpt.evaluate(
        "el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)"
    )
    assert round(lines) == 2, lines
    assert excerpt.evaluate("el => el.scrollHeight > el.clientHeight")  # clamped, text goes on
    photograph(tab, "journal-phone")

    search.fill("medarbejderne")
    button.click()
    expect(tab.get_by_role("status")).to_have_text("4 refleksioner fundet.")
    expect(tab.get_by_label("Tema")).to_be_hidden()  # a search opens no other filters
    tab.get_by_text("Flere filtre").click()
    tab.get_by_label("Tema").select_option(label="Retning & Rammer")
    tab.get_by_role("button", name="Vis", exact=True).click()
    expect(tab.get_by_label("Tema")).to_be_visible()  # a filter is set: they stay open

    assert not tab.problems, "\n".join(tab.problems)
    tab.context.close()
