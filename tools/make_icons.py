"""Make the home-screen icons (journal/static/icons/*.png) from journal/static/favicon.svg.

Run from the checkout: `.venv/bin/python tools/make_icons.py`. It needs only what the test
tools already bring: Playwright driving Debian's Chromium (CHROMIUM_PATH, default
/usr/bin/chromium), which draws the SVG at each size and photographs it. The same SVG gives
the same PNGs, so run it again after changing the favicon and commit what it writes.

- icon-192.png, icon-512.png: the favicon as it is (rounded corners, transparent outside);
- icon-maskable-512.png: full-bleed, the page drawn smaller, inside the safe zone (the
  middle circle of 80 % of the width) that Android keeps whatever shape it cuts;
- apple-touch-icon.png (180 px): full-bleed, as iOS rounds the corners itself and would
  fill transparent ones with black.
"""

import os
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parents[1] / "journal" / "static"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def full_bleed(svg: str, glyph_scale: float = 1.0) -> str:
    """The favicon as a square without rounded corners, its page scaled about the centre."""
    square = re.sub(r'\brx="[^"]*"', 'rx="0"', svg, count=1)
    if glyph_scale == 1.0:
        return square
    start = square.index("/>", square.index("<rect")) + 2
    end = square.rindex("</svg>")
    shift = 16 * (1 - glyph_scale)  # the viewBox is 32 wide: keep the page centred
    transform = f'transform="translate({shift} {shift}) scale({glyph_scale})"'
    return f"{square[:start]}<g {transform}>{square[start:end]}</g>{square[end:]}"


def icons(svg: str) -> dict[str, tuple[str, int]]:
    """File name: (SVG, size in pixels)."""
    return {
        "icon-192.png": (svg, 192),
        "icon-512.png": (svg, 512),
        "icon-maskable-512.png": (full_bleed(svg, glyph_scale=0.8), 512),
        "apple-touch-icon.png": (full_bleed(svg), 180),
    }


def main() -> None:
    """Write every icon into journal/static/icons/."""
    svg = (STATIC / "favicon.svg").read_text()
    target = STATIC / "icons"
    target.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        for name, (drawing, size) in icons(svg).items():
            page = browser.new_page(viewport={"width": size, "height": size})
            sized = drawing.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
            page.set_content(
                f"<!doctype html><style>html,body{{margin:0;background:transparent}}"
                f"svg{{display:block}}</style>{sized}"
            )
            page.screenshot(path=target / name, omit_background=True)
            page.close()
            print(f"{target / name} ({size}×{size})")
        browser.close()


if __name__ == "__main__":
    main()
