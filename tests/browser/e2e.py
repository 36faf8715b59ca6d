"""Helpers for the end-to-end tests: a watched tab, the account menu, and a PDF's text."""

import re
import unicodedata
import zlib

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import watch

# What Chromium logs when a page answers 404: expected only where a test asks for one.
NOT_FOUND_IN_CONSOLE = "Failed to load resource: the server responded with a status of 404"


class Tab:
    """A page of `context` that records JavaScript errors and console errors, as the
    `page` fixture does, for a second tab or a second person's browser."""

    def __init__(self, context: BrowserContext):
        self.page = context.new_page()
        self.problems = watch(self.page)

    def expect_not_found(self, path: str) -> None:
        """Open `path` and see the 404 page; the console's 404 line is the expected one."""
        with self.page.expect_console_message(
            lambda message: NOT_FOUND_IN_CONSOLE in message.text
        ) as logged:
            response = self.page.goto(path)
        assert response is not None and response.status == 404
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Siden blev ikke fundet")
        self.problems.remove(f"console error: {logged.value.text}")

    def check(self) -> None:
        """Fail on anything the tab has logged as an error."""
        assert not self.problems, "\n".join(self.problems)


def open_account_menu(page: Page, name: str, label: str = "Kontomenu") -> None:
    """Open the header's account menu (a disclosure labelled with the person's name)."""
    page.get_by_text(f"{label}: {name}").click()


def wait_for_drafts(page: Page) -> None:
    """Wait until the writing page's script runs (it fills in the character count): only
    what is typed from then on is kept as a draft in the browser."""
    expect(page.get_by_text(re.compile(r"^0 / 100[.,]000$"))).to_be_visible()


LOG_IN_LABELS = {"da": ("E-mail", "Adgangskode", "Log ind"), "en": ("Email", "Password", "Log in")}


def log_in_with_labels(page: Page, email: str, password: str, language: str = "da") -> None:
    """Fill the log-in fields by their labels and press the button, as a person would."""
    email_label, password_label, button = LOG_IN_LABELS[language]
    page.get_by_label(email_label, exact=True).fill(email)
    page.get_by_label(password_label, exact=True).fill(password)
    page.get_by_role("button", name=button, exact=True).click()


# --- A PDF's text, enough for Chromium's own PDFs (no PDF library among the test tools) ---

OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
REFERENCE = rb"(\d+) 0 R"


def _objects(data: bytes) -> dict[bytes, bytes]:
    return dict(OBJECT.findall(data))


def _stream(body: bytes) -> bytes:
    raw = body.split(b"stream", 1)[1].lstrip(b"\r\n").rsplit(b"endstream", 1)[0]
    return zlib.decompress(raw) if b"/FlateDecode" in body.split(b"stream", 1)[0] else raw


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """Glyph code → text, from a ToUnicode CMap's bfchar and bfrange sections."""
    table: dict[int, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section):
            table[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        ranges = re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section)
        for first, last, text in ranges:
            start = int(text, 16)
            for offset in range(int(last, 16) - int(first, 16) + 1):
                table[int(first, 16) + offset] = chr(start + offset)
    return table


def pdf_pages(data: bytes) -> list[tuple[list[float], str]]:
    """Each page's MediaBox and its text (one line per text object, ligatures undone)."""
    objects = _objects(data)
    pages = []
    for body in objects.values():
        if not re.search(rb"/Type\s*/Page\b", body):
            continue
        box = [float(n) for n in re.search(rb"/MediaBox\s*\[([^\]]*)\]", body)[1].split()]
        fonts = {}
        font_map = re.search(rb"/Font\s*<<(.*?)>>", body, re.S)
        for name, number in re.findall(rb"/(\w+)\s+" + REFERENCE, font_map[1] if font_map else b""):
            cmap_ref = re.search(rb"/ToUnicode\s+" + REFERENCE, objects[number])
            fonts[name] = _to_unicode(_stream(objects[cmap_ref[1]])) if cmap_ref else {}
        content = _stream(objects[re.search(rb"/Contents\s+" + REFERENCE, body)[1]])
        lines, line, table = [], [], {}
        for font, glyphs, end in re.findall(
            rb"/(\w+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>\s*Tj|(ET)", content
        ):
            if font:
                table = fonts.get(font, {})
            elif end:
                lines.append("".join(line))
                line = []
            else:
                codes = glyphs.decode()
                line.extend(
                    table.get(int(codes[i : i + 4], 16), "") for i in range(0, len(codes), 4)
                )
        pages.append((box, unicodedata.normalize("NFKC", "\n".join(lines))))
    return pages


def words(text: str) -> str:
    """`text` with every run of white space made one space, to find phrases across lines."""
    return " ".join(text.split())
