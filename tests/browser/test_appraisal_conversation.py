"""Preparing the appraisal conversation, in Chromium, as the leader and her manager do it in
two browsers: from the saved review to a point on the agenda, shared after the preview; the
manager sees it (and nothing private), adds a point of his own; in the meeting one point is
ticked off and the conversation recorded as held; the open points are carried over to the
next; and the leader prints the review to bring along.
"""

import logging
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from journal.extensions import db
from journal.goals import services as goals
from journal.i18n import today_for
from journal.models import User
from journal.review import services as reviews
from journal.sharing import services as sharing
from tests.browser.conftest import DESKTOP, LiveServer, log_in, watch
from tests.browser.e2e import pdf_pages, words

pytestmark = pytest.mark.browser

LEADER, MANAGER = "lone@esbjerg.example", "mads@esbjerg.example"
NEED = "Sparring om den nye organisering, før den præsenteres."
PRIVATE = "Hvordan jeg siger fra over for flere opgaver."
HIS = "Sygefraværet i dit team."


@pytest.fixture
def server(tmp_path):
    """Lone, linked to her manager Mads, with a goal and a saved review."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with LiveServer(tmp_path) as server:
        leader_id, leader_key = server.make_user("Lone Leder", LEADER)
        manager_id, _ = server.make_user("Mads Chef", MANAGER)

        def seed():
            leader = db.session.get(User, leader_id)
            manager = db.session.get(User, manager_id)
            today = today_for(leader)
            goal = goals.create_goal(
                leader,
                title="lytte færdigt, før jeg svarer",
                why="",
                how_i_know="",
                task_keys=["clear-and-present-leadership"],
                start_date=today - timedelta(days=120),
                review_date=None,
            )
            for week, rating in enumerate((2, 3, 3, 4)):
                day = today - timedelta(days=100 - 20 * week)
                goals.add_check_in(leader, goal, day=day, rating=rating, note="")
            link = sharing.request_link(leader, manager.email)
            sharing.respond(manager, link, accept=True)
            review = reviews.save_review(
                leader,
                reviews.Period(today - timedelta(days=180), today, "6"),
                proud="Teamet tager flere beslutninger selv.",
                next_practice="At give feedback tidligere.",
                need_from_manager=NEED,
                snapshot={},
            )
            return review.id

        server.review_id = server.seed(seed, leader_key)
        yield server


def tab(browser, server, email):
    """A browser of its own for one person, logged in; with the errors its pages log."""
    context = browser.new_context(base_url=server.url, viewport=DESKTOP, locale="da-DK")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = watch(page)
    log_in(page, email)
    return page


def click(page, name: str, role: str = "button", within=None) -> None:
    """Press a button (or follow a link) and wait for the page it leads to."""
    with page.expect_navigation():
        (within or page).get_by_role(role, name=name, exact=True).click()


def point(page, text: str):
    """The point on the agenda with this text."""
    return page.locator(".agenda-point", has_text=text)


def test_the_whole_preparation_from_review_to_the_next_conversation(browser, server):
    lone = tab(browser, server, LEADER)
    mads = tab(browser, server, MANAGER)

    # Lone brings what she needs from Mads from her saved review: a private point.
    lone.goto(f"/review/{server.review_id}")
    click(lone, "Tag med til samtalen")
    expect(lone).to_have_url(f"{server.url}/agenda/")
    expect(point(lone, NEED)).to_contain_text("Privat")
    lone.get_by_label("Samtalepunkt").fill(PRIVATE)
    click(lone, "Tilføj punktet")
    expect(point(lone, PRIVATE)).to_contain_text("Privat")

    # She shares the first after seeing exactly what Mads will see.
    click(lone, "Del med min leder …", "link", point(lone, NEED))
    expect(lone.locator(".preview-frame")).to_contain_text(NEED)
    expect(lone.locator(".lead")).to_contain_text("Præcis dette vil Mads Chef se")
    click(lone, "Del punktet")
    expect(point(lone, NEED)).to_contain_text("Delt med din leder")

    # Mads sees the shared point, not the private one, and adds one of his own.
    mads.goto("/team/")
    click(mads, "Til samtalen med Lone Leder", "link")
    expect(point(mads, NEED)).to_contain_text("Delt af Lone Leder")
    expect(mads.locator("main")).not_to_contain_text(PRIVATE)
    mads.get_by_label("Samtalepunkt").fill(HIS)
    click(mads, "Tilføj punktet")
    expect(point(mads, HIS)).to_contain_text("Dit punkt")
    lone.reload()
    expect(point(lone, HIS)).to_contain_text("Fra Mads Chef")

    # In the meeting: the shared point is ticked off, and the conversation recorded.
    click(mads, "Kryds af", within=point(mads, NEED))
    expect(point(mads, NEED).get_by_role("button", name="Krydset af")).to_have_attribute(
        "aria-pressed", "true"
    )
    click(mads, "Samtalen er holdt")
    expect(mads.get_by_role("heading", level=1)).to_contain_text("Samtalen den")
    expect(mads.locator(".agenda-history")).to_contain_text(NEED)

    # The open points are carried over to the next conversation; the ticked one is filed.
    lone.reload()
    for carried in (PRIVATE, HIS):
        expect(point(lone, carried)).to_contain_text("Videreført fra en tidligere samtale")
    expect(point(lone, NEED)).to_have_count(0)
    with lone.expect_navigation():
        lone.get_by_role("link", name="Samtalen den").first.click()
    expect(lone.locator(".agenda-history")).to_contain_text(NEED)
    # The log shows the share and each time Mads opened the agenda.
    lone.goto("/sharing/")
    expect(lone.locator("main")).to_contain_text("Du delte samtalepunktet")
    expect(lone.locator("main")).to_contain_text("Mads Chef åbnede din dagsorden til samtalen.")

    # Lone prints the review to bring along.
    lone.goto("/review/")
    lone.emulate_media(media="print")
    pdf = lone.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF-")
    printed = pdf_pages(pdf)
    assert printed, "the PDF has no pages"
    assert "lytte færdigt" in words("\n".join(text for _, text in printed))
    assert lone.problems == [] and mads.problems == []
