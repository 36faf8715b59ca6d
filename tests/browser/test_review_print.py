"""The printed review: a demo leader's twelve months, printed by Chromium to A4, fit on at
most three pages, and the first page starts with who, which unit and which period (no page
left nearly empty by a section that would not fit). The PDF, and screenshots of the print
and of the saved review, go to the artifacts (`screenshots/review-print/`).
"""

import re

from playwright.sync_api import Page
from sqlalchemy import select

from journal.demo import generate as demo
from journal.extensions import db
from journal.models import User
from tests.browser.conftest import PHONE, artifacts_dir, log_in

UNIT = "Dagtilbud Nord"
LAPTOP = {"width": 1366, "height": 900}
# One page object per printed page; "/Type /Pages" is the tree that holds them.
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-z])")


def demo_leader(live_server) -> tuple[str, str]:
    """A demo leader with well over a year of reflections, goals and check-ins, and a unit;
    returns the address to log in with and the name."""

    def make() -> tuple[str, str]:
        demo.make_demo(1, 300, seed=21)
        leader = db.session.scalars(select(User)).one()
        leader.unit = UNIT
        return leader.email, leader.name

    return live_server.seed(make)


def printed_pages(page: Page, name: str) -> int:
    """Print the page as Chromium does to A4, keep the PDF, and count its pages."""
    pdf = page.pdf(format="A4", print_background=True)
    folder = artifacts_dir() / "screenshots" / "review-print"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.pdf").write_bytes(pdf)
    return len(PAGE_OBJECT.findall(pdf))


def test_twelve_months_print_on_at_most_three_pages_with_the_header_first(page, live_server):
    email, name = demo_leader(live_server)
    log_in(page, email, demo.DEMO_PASSWORD)
    page.goto("/review/?period=12")

    page.emulate_media(media="print")
    header = page.locator(".print-header")
    assert header.is_visible()
    text = header.inner_text()
    assert name in text and UNIT in text
    period = page.locator(".print-header .print-period").inner_text()
    assert re.search(r"\d{4} – \d+\. \w+ \d{4}", period), period  # e.g. "3. december 2025 – …"
    # The header is the first thing printed: at the top of page one.
    box = header.bounding_box()
    assert box is not None and box["y"] < 100
    # Neither the menus, the period form nor any button is printed.
    for hidden in (".site-header", ".period-form", "button"):
        assert not page.locator(hidden).first.is_visible(), hidden
    # No section asks for a page of its own: the goals start on the first page, right under
    # the header, and each section follows the one before it.
    breaks = page.evaluate(
        """[...document.querySelectorAll('.review-section')].map(section => {
            const style = getComputedStyle(section);
            return [style.breakBefore, style.breakInside];
        })"""
    )
    assert all(before in ("auto", "") and inside == "auto" for before, inside in breaks), breaks
    folder = artifacts_dir() / "screenshots" / "review-print"
    folder.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(folder / "review-print-media.png"), full_page=True)

    pages = printed_pages(page, "review-12-months")
    assert 1 < pages <= 3, f"{pages} pages"


def test_the_saved_review_prints_with_its_charts_and_key_reflections(page, live_server):
    email, name = demo_leader(live_server)
    log_in(page, email, demo.DEMO_PASSWORD)
    page.goto("/review/?period=12")
    key_titles = page.locator(".key-reflection h3").all_inner_texts()
    page.fill("textarea[name=proud]", "At teamet selv fandt løsningen på vagtplanen.")
    page.fill("textarea[name=next_practice]", "At sige højt, når jeg er i tvivl.")
    page.fill("textarea[name=need_from_manager]", "Sparring en gang om måneden.")
    with page.expect_navigation():
        page.get_by_role("button", name="Gem forberedelsen").click()

    assert page.locator(".review-goal .chart-frame svg").count() == 3
    assert page.locator(".key-reflection h3").all_inner_texts() == key_titles
    folder = artifacts_dir() / "screenshots" / "review-print"
    folder.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("desktop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(folder / f"saved-review-{size}.png"), full_page=True)
        page.locator("#goals-title").scroll_into_view_if_needed()
        page.screenshot(path=str(folder / f"saved-review-{size}-goals.png"))

    page.emulate_media(media="print")
    header = page.locator(".print-header").inner_text()
    assert name in header and UNIT in header and "2026" in header
    pages = printed_pages(page, "saved-review-12-months")
    assert 1 < pages <= 3, f"{pages} pages"
