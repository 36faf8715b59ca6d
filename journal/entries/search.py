"""Full-text search over one leader's own journal entries: the words of an entry and of a
query, and the snippets of the hits. This module has no Flask and no database imports.

Entry text is encrypted at rest, so the database cannot search it. The inverted index
(`search_postings.py`, kept sealed by `search_index.py`) answers from the tokens this module
makes; until issue 22 the journal was scanned instead, and that scan is kept in
`tests/entries/scan.py` as the reference the index must agree with.

* Text is encoded as Latin-1 (one byte per character, characters beyond Latin-1 become "?")
  and folded with one `bytes.translate`: lower case, accents off (é→e, ü→u, ö→o), but æ, ø
  and å kept as letters of their own. Positions stay aligned one to one with the original
  text.
* Only the query words are stemmed (Danish Snowball, cached). A query word matches any word
  that begins with its stem, so "medarbejderne" (stem "medarbejd") finds "medarbejder" and
  "medarbejderens", and "ledelsen" finds "ledelse". Stems shorter than three letters match
  whole words only (`term_roots`).
* A snippet is made from a small window of the original Markdown around the best match, for
  the entries a results page shows only.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import markupsafe
import snowballstemmer

__all__ = [
    "MAX_TERMS",
    "Query",
    "Term",
    "document_tokens",
    "marked_title",
    "parse_query",
    "snippet_of",
    "term_roots",
]

# At most this many distinct words of a query are used; the rest are ignored.
MAX_TERMS = 16
# Stems shorter than this match whole words only.
MIN_PREFIX_STEM = 3
# About this many characters of plain text in a snippet.
SNIPPET_CHARS = 200
TITLE_WEIGHT = 3

ELLIPSIS = "…"


@dataclass(frozen=True)
class Term:
    """One query word, folded (lower case, accents off), and its Danish stem."""

    word: str
    stem: str


@dataclass(frozen=True)
class Query:
    """The normalised terms of a query; false when the query had no word."""

    terms: tuple[Term, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(term.word for term in self.terms)

    @property
    def stems(self) -> tuple[str, ...]:
        return tuple(term.stem for term in self.terms)


# --- Folding ---------------------------------------------------------------------------------

# The Danish letters are letters of their own, not accented a and o.
_OWN_LETTERS = frozenset("æøå")


def _fold_byte(code: int) -> int:
    """What one Latin-1 character becomes: lower case, accent off, or a space."""
    char = chr(code)
    if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or char in "_\xa0\xad":
        return 0x20  # control characters, "_" (Markdown emphasis), no-break and soft hyphen
    lower = char.lower()
    if len(lower) != 1 or ord(lower) > 0xFF:
        return code
    if lower in _OWN_LETTERS:
        return ord(lower)
    base = unicodedata.normalize("NFD", lower)[0]
    return ord(base) if base.isascii() and base.isalpha() else ord(lower)


_FOLD_TABLE = bytes(_fold_byte(code) for code in range(256))
# Word characters after folding: digits, letters, and "?" is NOT one (it stands for any
# character beyond Latin-1, mostly typographic quotes and dashes).
_WORD_CHARS = "0-9a-z\xaa\xb5\xba\xdf-\xf6\xf8-\xff"
_WORD_BYTES = _WORD_CHARS.encode("latin-1")
_QUERY_WORD = re.compile(f"[{_WORD_CHARS}]+")
_WORD_CLASS = b"[" + _WORD_BYTES + b"]"
# Link and image targets, "](https://…)", are not text: blank them for matching. A target
# ends at the end of its line or its title or body (the "\x00" between them in a corpus), so
# that an unclosed "](" never blanks the next entry's words.
_LINK_TARGET = re.compile(rb"\]\([^)\n\x00]*\)")


def _fold(text: str) -> bytes:
    """Text as one byte per character, lower case and without accents (æ, ø, å kept)."""
    return text.encode("latin-1", "replace").translate(_FOLD_TABLE)


_TOKEN = re.compile(_WORD_CLASS + b"+")


def _blank(match: re.Match[bytes]) -> bytes:
    return b" " * len(match.group())


def _fold_for_matching(text: str) -> bytes:
    """`_fold(text)` with link targets blanked, position for position.

    Blanked before folding, which turns the "\x00" between a corpus's segments into a space:
    the target pattern must still see where a segment ends.
    """
    encoded = text.encode("latin-1", "replace")
    if b"](" in encoded:
        encoded = _LINK_TARGET.sub(_blank, encoded)
    return encoded.translate(_FOLD_TABLE)


# --- Query -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    # A stemmer object keeps state between calls, so each (cached) call gets its own.
    return snowballstemmer.stemmer("danish").stemWord(word)


def parse_query(text: str) -> Query:
    """The words of a search box, folded and stemmed; empty if it has no word."""
    folded = _fold(unicodedata.normalize("NFC", text or "")).decode("latin-1")
    terms: list[Term] = []
    seen: set[str] = set()
    for word in _QUERY_WORD.findall(folded):
        stem = _stem(word) or word
        key = stem if len(stem) >= MIN_PREFIX_STEM else f"={word}"
        if key in seen:
            continue
        seen.add(key)
        terms.append(Term(word=word, stem=stem))
        if len(terms) == MAX_TERMS:
            break
    return Query(terms=tuple(terms))


def _spellings(text: str) -> list[str]:
    """The text with "aa" and "å" each also spelt the other way (at most 8 spellings)."""
    spellings = [""]
    for part in re.split("(aa|å)", text):
        options = ("aa", "å") if part in ("aa", "å") else (part,)
        spellings = [done + option for done in spellings for option in options][:8]
    return spellings


@functools.lru_cache(maxsize=1024)
def term_roots(term: Term) -> tuple[tuple[bytes, bool], ...]:
    """What one term matches: (folded literal, whole) pairs, one per root spelling.

    A token (a maximal run of word characters in folded text) matches a pair if it starts with
    the literal, or, when `whole`, equals it. The roots are the stem, plus the word if it does
    not start with its stem; a stem shorter than MIN_PREFIX_STEM matches whole words only, and
    then the word and the stem are the roots. Each root comes in its "aa"/"å" spellings. A
    pair may repeat: each one counts its matches, as each pattern of the term does.
    """
    whole = len(term.stem) < MIN_PREFIX_STEM
    roots = [term.stem] if term.word.startswith(term.stem) else [term.stem, term.word]
    if whole:
        roots = list(dict.fromkeys([term.word, term.stem]))
    return tuple(
        (spelling.encode("latin-1", "replace"), whole)
        for root in roots
        for spelling in _spellings(root)
    )


def _alternatives(term: Term) -> list[bytes]:
    """Regex alternatives (without suffix) for one term: a literal, then a word-start check.

    The check is a look-behind placed after the literal, so that the pattern still starts with
    a literal and the regex engine can use its fast literal search.
    """
    alternatives = []
    for literal, whole in term_roots(term):
        start = re.escape(literal) + b"(?<!" + _WORD_CLASS + b".{%d})" % len(literal)
        alternatives.append(start + (b"(?!" + _WORD_CLASS + b")" if whole else b""))
    return alternatives


@functools.lru_cache(maxsize=256)
def _highlight_pattern(terms: tuple[Term, ...]) -> re.Pattern[bytes]:
    """All terms in one pattern, a group per term, each match running to the end of its word."""
    groups = [
        b"(" + b"|".join(alt + _WORD_CLASS + b"*" for alt in _alternatives(term)) + b")"
        for term in terms
    ]
    return re.compile(b"(?s)" + b"|".join(groups))


# --- Search ----------------------------------------------------------------------------------


def document_tokens(title: str, body: str) -> dict[bytes, int]:
    """Each folded token of one entry and its weight: TITLE_WEIGHT × title occurrences + body
    occurrences.

    A term's count in the scan's `Corpus.search` is the sum of these weights over the tokens its roots
    match (see `term_roots`), so an index of tokens answers exactly as a scan of the text.
    """
    tokens = Counter(_TOKEN.findall(_fold_for_matching(body)))
    for token in _TOKEN.findall(_fold_for_matching(title)):
        tokens[token] += TITLE_WEIGHT
    return dict(tokens)


# --- Snippets --------------------------------------------------------------------------------

# Markdown syntax that has no place in plain text: block quote and list markers, headings and
# rules at the start of a line; link targets; emphasis, code and bracket characters anywhere.
_MARKDOWN = re.compile(
    r"^[ \t]*(?:>[> \t]*|[-+*][ \t]+|[-=*_]{3,}[ \t]*$)"
    r"|\]\([^)\n]*\)"
    r"|!(?=\[)"
    r"|[#*_`~\[\]]",
    re.MULTILINE,
)
_SPACES = re.compile(r"\s+")
_SPACE = re.compile(r"\s")
# The snippet goes where the most distinct query words occur within this many characters.
_NEIGHBOURHOOD = 160
_BEFORE = 60


def snippet_of(body: str, query: Query) -> markupsafe.Markup:
    """About 200 characters of the body's plain text around the best match of the query,
    HTML-escaped, matches in <mark>…</mark>, "…" where cut (what `Hit.snippet` shows)."""
    return _snippet(body, _highlight_pattern(query.terms))


def marked_title(title: str, query: Query) -> markupsafe.Markup:
    """The title HTML-escaped, the query's matches in <mark>…</mark>; empty if there is no
    title (what `Hit.title` shows)."""
    return _mark(title, _highlight_pattern(query.terms))


def _plain(markdown: str) -> str:
    """Markdown as one line of plain text: syntax characters dropped, white space collapsed."""
    return _SPACES.sub(" ", _MARKDOWN.sub("", markdown))


def _best_match(body: str, highlight: re.Pattern[bytes]) -> int | None:
    """Where in the body the most distinct terms meet (the first such place), or None."""
    matches = [(m.start(), m.lastindex) for m in highlight.finditer(_fold_for_matching(body))]
    matches = matches[:64]
    if not matches:
        return None
    best, best_terms = matches[0][0], 0
    for i, (start, _term) in enumerate(matches):
        terms = {term for other, term in matches[i:] if other < start + _NEIGHBOURHOOD}
        if len(terms) > best_terms:
            best, best_terms = start, len(terms)
    return best


def _snippet(body: str, highlight: re.Pattern[bytes]) -> markupsafe.Markup:
    """About 200 characters of plain text around the best match, matches marked."""
    anchor = _best_match(body, highlight) or 0
    # A raw window around the match, larger than the snippet: Markdown cleaning shrinks it.
    window_start = max(0, anchor - 2 * _BEFORE)
    if window_start:
        space = _SPACE.search(body, window_start, anchor)
        if space:
            window_start = space.end()
    window_end = min(len(body), anchor + 2 * SNIPPET_CHARS)
    before = _plain(body[window_start:anchor]).lstrip()
    after = _plain(body[anchor:window_end])
    if before.endswith(" ") and after.startswith(" "):
        after = after[1:]
    plain = before + after
    anchor = len(before)

    start = max(0, anchor - _BEFORE)
    if start:
        space = plain.find(" ", start, anchor)
        if space >= 0:
            start = space + 1
    end = start + SNIPPET_CHARS
    if end < len(plain):
        space = plain.rfind(" ", anchor + 1, end)
        if space >= 0:
            end = space
    cut_before = start > 0 or window_start > 0
    cut_after = end < len(plain) or (window_end < len(body) and not body[window_end:].isspace())
    text = plain[start:end].strip()
    if not text:
        return markupsafe.Markup("")
    # Markup + str escapes the str.
    return (
        (ELLIPSIS if cut_before else "") + _mark(text, highlight) + (ELLIPSIS if cut_after else "")
    )


def _mark(text: str, highlight: re.Pattern[bytes]) -> markupsafe.Markup:
    """The text HTML-escaped, every match wrapped in <mark>…</mark>."""
    if not text:
        return markupsafe.Markup("")
    pieces = []
    last = 0
    for match in highlight.finditer(_fold(text)):
        start, end = match.span()
        pieces += (_escape(text[last:start]), "<mark>", _escape(text[start:end]), "</mark>")
        last = end
    pieces.append(_escape(text[last:]))
    return markupsafe.Markup("".join(pieces))  # noqa: S704 (every piece escaped above)


def _escape(text: str) -> str:
    """`markupsafe.escape`'s output as a plain string: 30 snippets of a search page escape
    a thousand pieces, and a Markup object for each costs more than the escaping."""
    if not _TO_ESCAPE.search(text):
        return text
    return (
        text.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


_TO_ESCAPE = re.compile("[&<>'\"]")
