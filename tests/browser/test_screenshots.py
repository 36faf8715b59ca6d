"""Screenshots of every main page at desktop and phone width, kept as test artifacts.

They land in `<artifacts>/screenshots/<desktop|phone>/<page>.png` (full page, Danish),
for a person to look through after a change to the templates or the stylesheet.
"""

import logging
import struct

import pytest

from tests.browser import pages
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, artifacts_dir

SIZES = {"desktop": DESKTOP, "phone": PHONE}
# One error state, to see how errors look; the others look alike.
ERROR_STATES = {"new-entry-errors"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app with one realistic journal, shared by the tests of this module."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with LiveServer(tmp_path_factory.mktemp("screenshots")) as server:
        server.data = pages.seed_dataset(server)
        pages.set_language(server, "da")
        yield server


@pytest.fixture(scope="module")
def empty_site(tmp_path_factory):
    """An installation without accounts, which shows the set-up page."""
    with LiveServer(tmp_path_factory.mktemp("screenshots-empty")) as server:
        yield server


def png_size(path) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.mark.parametrize("size", SIZES)
def test_screenshot_of_every_main_page(browser, site, empty_site, size):
    """Each page is photographed whole, and each picture is a real, page-wide image."""
    folder = artifacts_dir() / "screenshots" / size
    folder.mkdir(parents=True, exist_ok=True)
    viewport = SIZES[size]
    walks = [
        (site, pages.main_pages(site.data)),
        (site, pages.first_login_pages(pages.first_login_account(site))[:1]),
        (empty_site, pages.SETUP_PAGES[:1]),
    ]
    written = []
    for server, specs in walks:
        with pages.profiles(browser, server, viewport, "da") as open_as:
            for spec in specs:
                if spec.name.endswith("-errors") and spec.name not in ERROR_STATES:
                    continue
                path = folder / f"{spec.name}.png"
                path.unlink(missing_ok=True)
                tab = pages.visit(open_as, spec)
                tab.screenshot(path=path, full_page=True, animations="disabled", caret="initial")
                problems = [p for p in tab.problems if spec.status == 200 or "404" not in p]
                assert not problems, f"{spec.name}: {problems}"
                tab.problems.clear()
                written.append(path)
    assert len(written) >= 40
    wrong = []
    for path in written:
        width, height = png_size(path)
        # Wider than the viewport: the page scrolls sideways (on a phone, text overflows).
        if width != viewport["width"]:
            wrong.append(f"{path.name} is {width}px wide, the window {viewport['width']}px")
        if height < viewport["height"] or path.stat().st_size < 10_000:
            wrong.append(f"{path.name} is nearly empty ({height}px, {path.stat().st_size} bytes)")
    assert not wrong, "\n".join(wrong)
