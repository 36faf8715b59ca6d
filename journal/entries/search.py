"""Full-text search over one leader's own journal entries, in the application.

Entry text is encrypted at rest, so the database cannot search it: the caller loads one
leader's entries, decrypts them and hands them in as `Document`s. This module has no Flask
and no database imports.

How it stays fast (5,000 entries of ~600 characters well under 100 ms) is by doing the heavy
lifting in C:

* All titles and bodies are joined into one string, encoded as Latin-1 (one byte per character,
  characters beyond Latin-1 become "?") and folded with one `bytes.translate`: lower case,
  accents off (é→e, ü→u, ö→o), but æ, ø and å kept as letters of their own. Positions stay
  aligned one to one with the original text.
* Only the query words are stemmed (Danish Snowball, cached). A query word matches any word
  that begins with its stem, so "medarbejderne" (stem "medarbejd") finds "medarbejder" and
  "medarbejderens", and "ledelsen" finds "ledelse". Stems shorter than three letters match
  whole words only.
* Each stem is one compiled bytes regex whose literal prefix lets the regex engine skip
  through the text; the word boundary is checked by a look-behind after the literal.
* A snippet is made from a small window of the original Markdown around the best match, and
  only when `Hit.snippet` is first read: a results page reads a few of possibly thousands.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import markupsafe
import snowballstemmer

__all__ = [
    "MAX_TERMS",
    "Corpus",
    "Document",
    "Hit",
    "Query",
    "Term",
    "document_tokens",
    "marked_title",
    "parse_query",
    "rank",
    "search",
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
class Document:
    """One entry as the caller passes it in, already decrypted."""

    id: int
    title: str  # may be ""
    body: str  # Markdown source
    key: tuple  # the caller's sort key for ties, e.g. (entry_date, id); larger = newer


@dataclass(frozen=True)
class Hit:
    """One matching entry: its score, a highlighted snippet and its highlighted title.

    `snippet` and `title` are made on first access and then kept: a broad query can match
    thousands of entries, of which a results page shows a few, and making every snippet would
    cost more than the search itself.
    """

    id: int
    score: float
    key: tuple  # the document's sort key
    query: Query = field(repr=False, compare=False)
    corpus: Corpus = field(repr=False, compare=False)
    index: int = field(repr=False, compare=False)  # the document's place in the corpus

    @functools.cached_property
    def document(self) -> Document:
        return self.corpus.document(self.index, self.key)

    @functools.cached_property
    def snippet(self) -> markupsafe.Markup:
        """About 200 characters of plain text around the best match, HTML-escaped, matches
        in <mark>…</mark>, "…" where cut."""
        return snippet_of(self.document.body, self.query)

    @functools.cached_property
    def title(self) -> markupsafe.Markup:
        """The title HTML-escaped, matches in <mark>…</mark>; empty if there is no title."""
        return marked_title(self.document.title, self.query)


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


@functools.lru_cache(maxsize=1024)
def _term_patterns(term: Term) -> tuple[re.Pattern[bytes], ...]:
    """One pattern per spelling: each has its own literal prefix, which keeps scans fast."""
    return tuple(re.compile(b"(?s)" + alt) for alt in _alternatives(term))


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

    A term's count in `Corpus.search` is the sum of these weights over the tokens its roots
    match (see `term_roots`), so an index of tokens answers exactly as a scan of the text.
    """
    tokens = Counter(_TOKEN.findall(_fold_for_matching(body)))
    for token in _TOKEN.findall(_fold_for_matching(title)):
        tokens[token] += TITLE_WEIGHT
    return dict(tokens)


class Corpus:
    """Documents joined into one text and folded once, ready to be searched many times.

    Segment 2i of the text is the title of document i, segment 2i + 1 its body, each followed
    by a "\x00"; `ends[k]` is the position of the "\x00" after segment k, so
    `bisect_right(ends, p)` is the segment of position p. `folded` is the whole text folded
    (link targets blanked), position for position. The original text is only needed for the
    hits' snippets and titles; `text` may be a function that returns it when first needed.
    """

    __slots__ = ("_text", "ends", "folded", "ids")

    def __init__(
        self, ids: Sequence[int], ends: Sequence[int], folded: bytes, text: str | Callable[[], str]
    ):
        self.ids = ids
        self.ends = ends
        self.folded = folded
        self._text = text

    @classmethod
    def of(cls, documents: Iterable[Document]) -> Corpus:
        """The corpus of `documents`, in their order."""
        documents = list(documents)
        parts = [part for doc in documents for part in (doc.title, doc.body)]
        ends = list(map(operator.add, itertools.accumulate(map(len, parts)), itertools.count()))
        text = "\x00".join(parts)
        return cls([doc.id for doc in documents], ends, _fold_for_matching(text), text)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def text(self) -> str:
        if not isinstance(self._text, str):
            self._text = self._text()
        return self._text

    def document(self, index: int, key: tuple) -> Document:
        """Document `index` with its original title and body."""
        ends, text = self.ends, self.text
        start = ends[2 * index - 1] + 1 if index else 0
        middle = ends[2 * index]
        return Document(
            self.ids[index], text[start:middle], text[middle + 1 : ends[2 * index + 1]], key
        )

    def search(self, query: Query, keys: Mapping[int, tuple]) -> list[Hit]:
        """The documents among `keys` (index → the caller's sort key) that match every query
        term, best first.

        Score: for each term, log(1 + 3 × title matches + body matches), summed over the
        terms; ties go to the larger (newer) key.
        """
        if not query or not keys:
            return []
        ends, text = self.ends, self.folded
        segment_of = functools.partial(bisect_right, ends)
        match_start = re.Match.start
        # Longer stems are usually rarer: scanning them first narrows the candidates sooner.
        terms = sorted(query.terms, key=lambda term: -len(term.stem))
        weights: list[dict[int, int]] = []  # per term: doc index → 3 × title + body matches
        candidates: Collection[int] = keys
        for term in terms:
            found: Counter[int] = Counter()
            for pattern in _term_patterns(term):
                if len(candidates) * 8 < len(self.ids):
                    # Few candidates: scan only their text.
                    for index in candidates:
                        begin = ends[2 * index - 1] + 1 if index else 0
                        matches = pattern.finditer(text, begin, ends[2 * index + 1])
                        found.update(map(segment_of, map(match_start, matches)))
                else:
                    found.update(map(segment_of, map(match_start, pattern.finditer(text))))
            weight: dict[int, int] = {}
            for segment, count in found.items():
                index = segment >> 1
                weight[index] = weight.get(index, 0) + (
                    count if segment & 1 else TITLE_WEIGHT * count
                )
            candidates = weight.keys() & candidates
            if not candidates:
                return []
            weights.append(weight)

        log1p = math.log1p
        ids = self.ids
        return [
            Hit(id=ids[index], score=score, key=keys[index], query=query, corpus=self, index=index)
            for index, score in (
                (index, sum(log1p(weight[index]) for weight in weights)) for index in candidates
            )
        ]


def rank(hits: Iterable[Hit]) -> list[Hit]:
    """`hits` best first: highest score, then the larger (newer) key."""
    return sorted(hits, key=operator.attrgetter("score", "key"), reverse=True)


def search(documents: Iterable[Document], query: Query) -> list[Hit]:
    """The documents that match every query term, best first (see `Corpus.search`)."""
    if not query:
        return []
    documents = list(documents)
    keys = {index: doc.key for index, doc in enumerate(documents)}
    return rank(Corpus.of(documents).search(query, keys))


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
