"""New since last time, in the browser: the manager comments on a shared goal; the leader's
dashboard shows it as new with a badge on the goal; the leader opens it, and the news and
the badge are gone. The manager's menu item "Mine ledere" is marked the same way, without
the header growing on a phone. Screenshots of the section at a laptop's and a phone's size
go to the artifacts (`screenshots/news/`).
"""

from playwright.sync_api import Page, expect

from journal.extensions import db
from journal.goals import services as goals
from journal.i18n import today_for
from journal.models import User
from journal.notifications import in_app
from journal.sharing import services as sharing
from tests.browser.conftest import PHONE, artifacts_dir, log_in, watch

LEADER, LEADER_EMAIL = "Lone Leder", "lone@esbjerg.example"
MANAGER, MANAGER_EMAIL = "Mads Chef", "mads@esbjerg.example"
GOAL = "lytte færdigt, før jeg svarer"
COMMENT = "Det kan jeg mærke på ledermøderne. Hvad hjælper dig mest?"
LAPTOP = {"width": 1366, "height": 900}


def seed(live_server) -> int:
    """The leader linked to the manager, one goal shared; the link's own news read. Returns
    the goal's id."""
    leader_id, leader_key = live_server.make_user(LEADER, LEADER_EMAIL)
    manager_id, _ = live_server.make_user(MANAGER, MANAGER_EMAIL)

    def link_and_share() -> int:
        leader, manager = db.session.get(User, leader_id), db.session.get(User, manager_id)
        sharing.respond(manager, sharing.request_link(leader, manager.email), accept=True)
        in_app.mark_read(leader)
        in_app.mark_read(manager)
        goal = goals.create_goal(
            leader,
            title=GOAL,
            why="Mine medarbejdere skal opleve, at jeg hører hele deres pointe.",
            how_i_know="",
            task_keys=["clear-and-present-leadership"],
            start_date=today_for(leader),
            review_date=None,
        )
        sharing.share(leader, goal, include_notes=False)
        return goal.id

    return live_server.seed(link_and_share, leader_key)


def person(browser, live_server, viewport: dict, email: str) -> Page:
    """A logged-in tab of its own browser profile, in Danish; JavaScript errors fail the test."""
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="da-DK")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.problems = watch(tab)
    log_in(tab, email)
    return tab


def photograph(tab: Page, name: str) -> None:
    """A screenshot of the page as it is, kept as an artifact."""
    folder = artifacts_dir() / "screenshots" / "news"
    folder.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=folder / f"{name}.png", full_page=True, animations="disabled")


def header_height(tab: Page) -> float:
    return tab.locator(".site-header").bounding_box()["height"]


def test_a_comment_is_new_on_the_dashboard_until_the_leader_opens_it(browser, live_server):
    goal_id = seed(live_server)

    # The manager, on a phone: "Mine ledere" is marked (a goal was shared), and says so in
    # words to a screen reader; the header keeps its height.
    # On a phone the menu is folded into "Menu", which carries the mark until it is opened.
    manager = person(browser, live_server, PHONE, MANAGER_EMAIL)
    folded = manager.locator(".phone-menu > summary")
    expect(folded).to_have_text("Menu – nyt siden sidst")
    marked = header_height(manager)
    photograph(manager, "manager-dashboard-phone")
    folded.click()
    menu = manager.get_by_role("navigation", name="Hovedmenu")
    expect(menu.get_by_role("link", name="Mine ledere – nyt siden sidst")).to_be_visible()
    menu.get_by_role("link", name="Mine ledere").click()
    shared = manager.get_by_role("listitem").filter(has_text=f"Jeg øver mig på at {GOAL}")
    expect(shared.get_by_text("Nyt", exact=True)).to_be_visible()
    shared.get_by_role("link", name=f"Jeg øver mig på at {GOAL}").click()
    manager.get_by_label("Din feedback: Hvad ser du fra din stol?").fill(COMMENT)
    manager.get_by_role("button", name="Tilføj kommentar").click()
    expect(manager.get_by_role("status")).to_have_text("Din kommentar er gemt.")
    expect(folded).to_have_text("Menu")
    assert header_height(manager) == marked
    folded.click()
    expect(menu.get_by_role("link", name="Mine ledere", exact=True)).to_be_visible()

    # The leader, on a laptop: the comment is new, and the goal is marked.
    leader = person(browser, live_server, LAPTOP, LEADER_EMAIL)
    news = leader.get_by_role("region", name="Nyt siden sidst")
    line = news.get_by_role("link", name=f"{MANAGER} har kommenteret dit mål »{GOAL}«")
    expect(line).to_be_visible()
    expect(news).not_to_contain_text(COMMENT)  # the words are on the goal's page
    card = leader.locator(f"#goal-{goal_id}")
    expect(card.get_by_text("Nyt", exact=True)).to_be_visible()
    photograph(leader, "leader-dashboard-laptop")
    leader.set_viewport_size(PHONE)
    photograph(leader, "leader-dashboard-phone")
    leader.set_viewport_size(LAPTOP)

    line.click()
    expect(leader).to_have_url(f"{live_server.url}/goals/{goal_id}#comments")
    comments = leader.get_by_role("region", name="Kommentarer")
    expect(comments.get_by_role("listitem").filter(has_text=COMMENT)).to_contain_text(MANAGER)

    leader.get_by_role("link", name="Ledelsesjournal").click()
    expect(leader.get_by_role("heading", name=f"Hej {LEADER.split()[0]}")).to_be_visible()
    expect(leader.get_by_role("region", name="Nyt siden sidst")).to_have_count(0)
    expect(leader.locator(f"#goal-{goal_id}").get_by_text("Nyt", exact=True)).to_have_count(0)
    leader.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Mål").click()
    expect(leader.get_by_role("heading", name="Mål", level=1)).to_be_visible()
    expect(leader.get_by_text("Nyt", exact=True)).to_have_count(0)

    for tab in (manager, leader):
        assert not tab.problems, "\n".join(tab.problems)
        tab.context.close()
