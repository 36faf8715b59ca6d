"""The search before issue 22, kept as the reference the index must agree with.

Until then the journal page scanned every entry's opened text for every query: the entries
joined into one folded text, each query word one regex per spelling. The inverted index
(`journal/entries/search_postings.py`, `search_index.py`) replaced it in the app; this is
its specification. `tests/entries/test_search.py` pins what it finds and how it ranks, and
the equivalence tests and the benchmarks compare the index with it: the same ids, order,
scores to the last bit, and number of hits.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import markupsafe

from journal.entries.search import (
    TITLE_WEIGHT,
    Query,
    Term,
    _alternatives,
    _fold_for_matching,
    marked_title,
    snippet_of,
)

__all__ = ["Corpus", "Document", "Hit", "rank", "search"]


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


@functools.lru_cache(maxsize=1024)
def _term_patterns(term: Term) -> tuple[re.Pattern[bytes], ...]:
    """One pattern per spelling: each has its own literal prefix, which keeps scans fast."""
    return tuple(re.compile(b"(?s)" + alt) for alt in _alternatives(term))


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
