"""Markdown for journal entries: safe HTML for the entry page, plain text for lists.

Entries are written by the signed-in leader, but they are still untrusted input: an entry
may be pasted from anywhere, and a journal that an administrator can ever look at must not
be able to run script in someone else's session. So rendering is two independent layers:

1. markdown-it-py (CommonMark preset plus tables and strikethrough) with raw HTML *off*:
   whatever HTML a user types is shown as text, escaped. Link destinations are checked
   before a link is made (``_url_is_safe``); a link to anything but http, https, mailto
   or a relative address stays plain text.
2. nh3 (ammonia) cleans the result against an explicit allow-list of tags, attributes and
   URL schemes, so that a bug or a new feature in the Markdown layer still cannot put
   script, event handlers, styles or foreign URLs on the page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import unquote

import markupsafe
import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

__all__ = ["plain_text", "render_markdown", "sanitise_html"]

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
# No "style", "class", "align" or "on*" anywhere; rel is added by nh3 itself (link_rel).
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
# Dropped together with their content should one ever reach the sanitiser.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "iframe", "object", "embed", "noscript", "svg", "math"}
)

# `#` is h3: h1 and h2 belong to the page around the entry.
HEADING_SHIFT = 2

# Characters browsers skip or strip inside a URL: ASCII controls, space, C1 controls and
# any other white space. "java\tscript:" is javascript: to a browser.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
_URL_SECTION_END = re.compile(r"[/?#\\]")
_WHITESPACE = re.compile(r"\s+")
# Anything Markdown could read as syntax: markers and entities anywhere, or block markers
# (lists, quotes, headings, rules, underlines) at the start of a line. Text without any is
# its own plain text, which the journal list needs for every untitled entry.
_MARKUP = re.compile(r"[\\`*_\[\]<>!&|~]|^\s*(?:[-+#>=]|\d+[.)])", re.MULTILINE)
_ELLIPSIS = "…"


def _url_is_safe(url: str) -> bool:
    """Whether ``url`` is relative or uses an allowed scheme, however it is disguised.

    The check decodes percent-escapes and HTML entities (repeatedly, for double
    encoding) and removes the characters a browser ignores, then looks for a scheme:
    a colon before the first ``/``, ``?``, ``#`` or ``\\``. This errs on the strict side.
    """
    decoded = url
    for _ in range(3):
        decoded = html.unescape(unquote(decoded))
    compact = _URL_IGNORED.sub("", decoded).lower()
    first_section = _URL_SECTION_END.split(compact, maxsplit=1)[0]
    if ":" not in first_section:
        return True  # relative: a path, ?query, #fragment or //host (same scheme as the page)
    scheme = first_section.split(":", 1)[0]
    return scheme in ALLOWED_URL_SCHEMES


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3's last word on every attribute that passed the allow-list."""
    if attribute == "href":
        return value if _url_is_safe(value) else None
    if tag == "ol" and attribute == "start":
        return value if value.isdigit() else None
    return value


def _shift_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1:])
            token.tag = f"h{min(level + HEADING_SHIFT, 6)}"


def _render_image_as_alt_text(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    """An image is shown as its alt text (or nothing): entries do not load remote images.

    A remote image would tell its host when and from where an entry was read, and an
    image URL is one more place for a hostile address; the alt text keeps what the
    writer meant to say.
    """
    token = tokens[idx]
    return escapeHtml(self.renderInlineAsText(token.children or [], options, env))


def _make_parser() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark",
        {"html": False, "breaks": True, "linkify": False, "typographer": False},
    )
    md.enable(["table", "strikethrough"])
    md.validateLink = _url_is_safe  # type: ignore[method-assign]
    md.core.ruler.push("shift_headings", _shift_headings)
    md.add_render_rule("image", _render_image_as_alt_text)
    return md


_md = _make_parser()


def render_markdown(source: str) -> markupsafe.Markup:
    """Render an entry's Markdown to sanitised HTML, safe to put on a page as it is.

    - CommonMark, plus GitHub-style tables and ``~~strikethrough~~``. Raw HTML is not
      interpreted: ``<b>`` shows as the text ``<b>``. URLs in plain text are not linked.
    - A single line break is a line break (``<br>``): entries are often typed on a phone
      in short lines.
    - Headings are shifted down two levels: ``#`` is ``<h3>``, ``##`` is ``<h4>``, and
      everything from ``####`` on is ``<h6>``. An entry is part of a page whose ``<h1>``
      and ``<h2>`` are the page's own.
    - Images are not shown: ``![alt](url)`` renders as its alt text, escaped (nothing if
      the alt text is empty). No remote image is ever loaded by reading an entry.
    - Links keep only ``href`` (http, https, mailto or relative) and ``title`` and get
      ``rel="noopener noreferrer nofollow"``. A link to any other scheme stays text.
    - Table alignment is dropped (no ``style`` attributes); so are code block languages.
    """
    return markupsafe.Markup(sanitise_html(_md.render(source)))  # noqa: S704 - sanitised


def sanitise_html(fragment: str) -> str:
    """Clean an HTML fragment down to what an entry may contain; the second layer.

    ``render_markdown`` already emits only safe HTML; this enforces it independently:
    tags outside ``ALLOWED_TAGS`` are removed (their text kept, except for
    ``DROPPED_WITH_CONTENT``), attributes outside ``ALLOWED_ATTRIBUTES`` are removed,
    hrefs must pass both nh3's scheme list and ``_url_is_safe``, comments are dropped
    and every link gets ``rel="noopener noreferrer nofollow"``.
    """
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(ALLOWED_URL_SCHEMES),
    )


def _inline_text(children: Sequence[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
    return "".join(parts)


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]  # room for the ellipsis
    if text[limit - 1] != " ":  # the cut falls inside a word: go back to its start
        space = cut.rfind(" ")
        if space >= limit // 2:  # unless that word is most of the excerpt (a long URL)
            cut = cut[:space]
    return cut.rstrip(" ,.;:-–—") + _ELLIPSIS


def plain_text(source: str, limit: int | None = None) -> str:
    """An entry's text without Markdown syntax, on one line, for excerpts and titles.

    Emphasis, link and heading markers go, link texts and image alt texts stay, code
    keeps its content; entities are decoded and all white space is collapsed to single
    spaces. With ``limit``, text longer than ``limit`` characters is cut at a word
    boundary (hard, if one word fills most of it) and ends in "…"; the result is never
    longer than ``limit``.

    The result is plain text, not HTML: it must be escaped where it is shown (as Jinja
    does by default).
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    if _MARKUP.search(source) is None:  # prose only: parsing would change nothing
        text = _WHITESPACE.sub(" ", source).strip()
        return text if limit is None else _truncate(text, limit)
    parts: list[str] = []
    for token in _md.parse(source):
        if token.type == "inline":
            parts.append(_inline_text(token.children or []))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
    text = _WHITESPACE.sub(" ", " ".join(parts)).strip()
    if limit is None:
        return text
    return _truncate(text, limit)
