"""The inverted index finds what the scan of the text finds: the same entries, with the same
scores, in the same order, and as many — on generated Danish journals, after saves, edits and
deletions folded in or not, and after its blocks went through bytes."""

import contextlib
import zlib
from datetime import date
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from journal.entries import search_postings
from journal.entries.search import parse_query
from journal.entries.search_postings import Index, Source
from tests.bench.bench_search import ADJECTIVES, NOUNS, SMALL, VERBS
from tests.entries.scan import Document, search

# Words that make the analyzer's edge cases: "aa" and "å" spellings, accents, letters beyond
# a–z, characters beyond Latin-1, compounds, one- and two-letter words.
SPECIAL = [
    "ledelsesgrundlag",
    "ledelsesgrundlaget",
    "grundlag",
    "tillidsbaseret",
    "håndbog",
    "haandbog",
    "aabenhed",
    "Åbenhed",
    "Aarhus",
    "århus",
    "paa",
    "på",
    "å",
    "aa",
    "ø",
    "i",
    "ud",
    "udvikling",
    "café",
    "cafe",
    "idé",
    "naïv",
    "Ærø",
    "straße",
    "ÿr",
    "x²",
    "🙂",
    "–",
    "“citat”",
    "»mål«",
    "2026",
    "k8s",
]
VOCABULARY = NOUNS + VERBS + ADJECTIVES + SMALL + SPECIAL
FIRST_DAY = date(2026, 1, 5).toordinal()
# Few shards, so that a shard holds many buckets; one that holds them all; about one per bucket.
SHARDINGS = [lambda bucket: zlib.crc32(bucket) % 7, lambda bucket: 0, zlib.crc32]


def _spelt(word: str, aa: bool, case: int) -> str:
    if aa:
        word = word.replace("å", "aa").replace("Å", "Aa")
    return (word, word.capitalize(), word.upper())[case]


def _prefix(word: str, cut: int) -> str:
    return word[: max(1, len(word) - cut)]


# Words that share a beginning, so that a query finds some of them and not others.
FAMILIES = [
    ["ledelse", "ledelsen", "ledelsesgrundlag", "leder", "ledere", "grundlag"],
    ["tillid", "tilliden", "tillidsbaseret", "til", "tid", "tiden"],
    ["håndbog", "haandbog", "hånd", "haand", "håb", "håbet", "h"],
    ["åben", "aaben", "Åbenhed", "aabenhed", "åbent", "å", "aa"],
    ["medarbejder", "medarbejderne", "med", "mede", "ud", "udvikling", "udviklingen"],
    ["café", "cafe", "cafeen", "idé", "ide", "ideen", "naïv", "naiv"],
]


@st.composite
def languages(draw) -> tuple[st.SearchStrategy, st.SearchStrategy]:
    """Strategies for an entry and a query over one small vocabulary, so that queries find."""
    vocabulary = draw(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=8, unique=True))
    vocabulary += draw(st.sampled_from(FAMILIES))
    word = st.sampled_from(vocabulary)
    words = st.builds(_spelt, word, st.booleans(), st.sampled_from([0, 0, 1, 2]))
    decorated = st.one_of(
        words,
        words,
        words,
        words.map(lambda word: f"**{word}**"),
        words.map(lambda word: f"_{word}_"),
        words.map(lambda word: f"{word}."),
        st.tuples(words, words).map(lambda pair: f"[{pair[0]}](https://intranet.dk/{pair[1]})"),
        words.map(lambda word: f"[{word}](https://intranet.dk/{word}"),  # never closed
        words.map(lambda word: f"{word})"),
        words.map(lambda word: f"# {word}"),
    )
    texts = st.lists(
        st.tuples(decorated, st.sampled_from([" ", " ", " ", "\n", "\n\n"])), max_size=20
    ).map(lambda pairs: "".join(word + space for word, space in pairs).strip())
    titles = st.one_of(st.just(""), texts.map(lambda text: text[:60]))
    days = st.integers(0, 6).map(FIRST_DAY.__add__)
    entries = st.tuples(titles, texts, days)
    query_words = st.one_of(
        word,
        st.builds(_prefix, word, st.integers(0, 8)),
        st.builds(_spelt, word, st.booleans(), st.sampled_from([0, 1, 2])),
        st.sampled_from(VOCABULARY),
    )
    return entries, st.lists(query_words, min_size=1, max_size=3).map(" ".join)


@st.composite
def worlds(draw, changes: int = 0) -> tuple[list, list[str], list[tuple]]:
    """A journal's entries, 1–3 queries, and up to `changes` changes to the journal."""
    entries, queries = draw(languages())
    # One change: save an entry (new or existing, new text and day), delete one for good, or
    # fold the changes so far into the shards.
    change = st.one_of(
        st.tuples(st.just("save"), st.integers(1, 16), entries),
        st.tuples(st.just("delete"), st.integers(1, 16)),
        st.tuples(st.just("compact")),
    )
    return (
        draw(st.lists(entries, max_size=14)),
        draw(st.lists(queries, min_size=1, max_size=3)),
        draw(st.lists(change, max_size=changes)),
    )


# How many postings make a token dense (bit planes beside its slots): every token, some, none;
# and how many combinations of weights a query of several words may rank on bitmaps.
densities = st.sampled_from([(1, 4096), (4, 4096), (10_000, 4096), (1, 0), (4, 2)])


@contextlib.contextmanager
def density(postings: int, combinations: int = 4096):
    with (
        mock.patch.object(search_postings, "_DENSE_POSTINGS", postings),
        mock.patch.object(search_postings, "_MAX_COMBINATIONS", combinations),
    ):
        yield


EQUIVALENCE = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=[HealthCheck.too_slow],
)


def documents_of(journal: dict[int, tuple[str, str, int]]) -> list[Document]:
    return [
        Document(entry_id, title, body, key=(date.fromordinal(day), entry_id))
        for entry_id, (title, body, day) in journal.items()
    ]


def sources_of(journal: dict[int, tuple[str, str, int]]) -> list[Source]:
    return [Source(entry_id, day, title, body) for entry_id, (title, body, day) in journal.items()]


def assert_same(index: Index, journal, text: str, hidden=frozenset(), allowed=None) -> None:
    """The index finds exactly what the old engine finds among the visible entries."""
    query = parse_query(text)
    visible = {
        entry_id: entry
        for entry_id, entry in journal.items()
        if entry_id not in hidden and (allowed is None or entry_id in allowed)
    }
    expected = [(hit.id, hit.score) for hit in search(documents_of(visible), query)]
    results = index.search(query, hidden=hidden, allowed=allowed, offset=0, limit=1000)
    assert [(hit.id, hit.score) for hit in results.hits] == expected, text
    assert results.total == len(expected), text
    # A page is the same slice of the same order, with the same count.
    page = index.search(query, hidden=hidden, allowed=allowed, offset=2, limit=3)
    assert [(hit.id, hit.score) for hit in page.hits] == expected[2:5], text
    assert page.total == len(expected), text


@EQUIVALENCE
@given(worlds(), st.sampled_from(SHARDINGS), densities)
def test_the_index_finds_what_the_scan_finds(world, shard_of, dense):
    entries, texts, _changes = world
    journal = dict(enumerate(entries, start=1))
    with density(*dense):
        index = Index.build(sources_of(journal), shard_of)
    for text in texts:
        assert_same(index, journal, text)


@EQUIVALENCE
@given(worlds(), st.sets(st.integers(1, 14)), st.sets(st.integers(1, 14)), densities)
def test_the_index_leaves_out_hidden_entries_and_keeps_to_a_filter(world, hidden, allowed, dense):
    entries, texts, _changes = world
    journal = dict(enumerate(entries, start=1))
    with density(*dense):
        index = Index.build(sources_of(journal), SHARDINGS[0])
    for text in texts:
        assert_same(index, journal, text, hidden=hidden)
        assert_same(index, journal, text, hidden=hidden, allowed=allowed)


def apply(index: Index, journal: dict, change: tuple) -> None:
    if change[0] == "save":
        _, entry_id, (title, body, day) = change
        journal[entry_id] = (title, body, day)
        index.save(entry_id, day, title, body)
    elif change[0] == "delete":
        journal.pop(change[1], None)
        index.remove(change[1])
    else:
        index.compact()


@EQUIVALENCE
@given(
    worlds(changes=12),
    st.sets(st.integers(1, 16), max_size=3),
    st.sampled_from(SHARDINGS),
    densities,
)
def test_the_index_finds_what_the_scan_finds_after_changes(world, trashed, shard_of, dense):
    entries, texts, changes = world
    journal = dict(enumerate(entries, start=1))
    with density(*dense):
        index = Index.build(sources_of(journal), shard_of)
        for change in changes:
            apply(index, journal, change)
            assert_same(index, journal, texts[0], hidden=trashed)
        for text in texts:
            assert_same(index, journal, text, hidden=trashed)
        index.compact()
        for text in texts:
            assert_same(index, journal, text, hidden=trashed)


@EQUIVALENCE
@given(worlds(changes=8), densities)
def test_the_index_finds_the_same_after_going_through_bytes(world, dense):
    entries, texts, changes = world
    journal = dict(enumerate(entries, start=1))
    shard_of = SHARDINGS[0]
    with density(*dense):
        index = Index.build(sources_of(journal), shard_of)
        for change in changes:
            apply(index, journal, change)
        meta, shards, deltas = index.encoded()
        # The storage pads what it seals: bytes after a block are not part of it.
        shards = {number: data + b"\0" * 100 for number, data in shards.items()}
        again = Index.decoded(meta, shards, deltas, index.gone, shard_of)
        for text in texts:
            assert_same(again, journal, text)
        again.compact()
        again = Index.decoded(*again.encoded()[:2], [], (), shard_of)
        for text in texts:
            assert_same(again, journal, text)


def test_a_root_spelt_with_å_finds_words_in_other_buckets():
    # "haa" is also spelt "hå", which starts tokens in buckets "håb" and "hån" alike.
    journal = {1: ("", "Håbet var stort.", FIRST_DAY), 2: ("", "Haabløst. Hånd.", FIRST_DAY)}
    index = Index.build(sources_of(journal), zlib.crc32)
    for text in ("haa", "haab", "håb", "hånd", "haandbog", "h"):
        assert_same(index, journal, text)


def test_an_entry_saved_then_deleted_stays_gone_when_folded_in():
    journal = {1: ("Tillid", "Om tillid.", FIRST_DAY), 2: ("", "Mere tillid.", FIRST_DAY)}
    index = Index.build(sources_of(journal), SHARDINGS[0])
    index.save(1, FIRST_DAY + 1, "", "Tillid igen.")
    index.save(3, FIRST_DAY + 1, "", "Ny tillid.")
    index.remove(1)
    index.remove(3)
    del journal[1]
    assert_same(index, journal, "tillid")
    index.compact()
    assert_same(index, journal, "tillid")


def test_an_old_entry_saved_again_keeps_its_place_among_equals():
    # Its new slot is the highest, its day among the oldest: it must not pass for the newest.
    journal = {n: ("", f"Tillid og mod, nummer {n}.", FIRST_DAY + n) for n in range(1, 9)}
    for dense in ((1, 4096), (10_000, 4096), (1, 0)):
        with density(*dense):
            index = Index.build(sources_of(journal), SHARDINGS[0])
            journal[2] = ("", "Tillid og mod, skrevet om.", FIRST_DAY + 2)
            index.save(2, FIRST_DAY + 2, "", "Tillid og mod, skrevet om.")
            for _ in range(2):
                for text in ("tillid", "tillid mod"):
                    page = index.search(parse_query(text), limit=3)
                    assert [hit.id for hit in page.hits] == [8, 7, 6]
                    assert_same(index, journal, text)
                index.compact()


def test_a_block_of_another_kind_or_cut_short_is_refused():
    journal = {1: ("Tillid", "Vi talte om tillid.", FIRST_DAY)}
    meta, shards, _deltas = Index.build(sources_of(journal), SHARDINGS[1]).encoded()
    for broken in (meta, shards[0][:-3], b"", b"LJS\x01"):
        try:
            Index.decoded(meta, {0: broken}, [], (), SHARDINGS[1])
        except ValueError:
            continue
        raise AssertionError(f"{broken[:8]!r} was read as a shard")


def test_the_blocks_bytes_stay_as_databases_keep_them():
    # Sealed blocks outlive a release: a new format needs a new magic, so that old blocks are
    # refused (ValueError) and rebuilt rather than misread.
    journal = [Source(7, 738000, "Tillid", "Om tillid og mål."), Source(9, 738001, "", "Mål")]
    with density(1):  # planes too
        index = Index.build(journal, SHARDINGS[1])
    index.save(9, 738002, "", "Nye mål")
    meta, shards, deltas = index.encoded()
    assert meta == bytes.fromhex(
        "4c4a4d010100000000000000020000000000000000000000000000000200000000000000000000000000"
        "000007000000000000000900000000000000d0420b00d1420b0007000000000000000900000000000000"
        "0000000001000000"
    )
    assert shards == {
        0: bytes.fromhex(
            "4c4a5301040000001000000008000000040000006de56c006f67006f6d0074696c6c6964000000000200"
            "000003000000040000000800000000000000010000000000000000000000000000000000000000000000"
            "000000000000000001000000020000000300000001000000010000000100000003000000010000000100"
            "00000100000000000000000000000100000003010101"
        )
    }
    assert deltas == [
        bytes.fromhex(
            "4c4a44010900000000000000d2420b0000000000020000000000000007000000000000006de56c006e79"
            "650100000001000000"
        )
    ]


def test_a_page_of_none_still_counts_and_a_page_before_the_first_is_refused():
    journal = {1: ("", "Tillid.", FIRST_DAY), 2: ("", "Mere tillid.", FIRST_DAY)}
    index = Index.build(sources_of(journal), SHARDINGS[0])
    assert index.search(parse_query("tillid"), limit=0) == (2, [])
    with pytest.raises(ValueError):
        index.search(parse_query("tillid"), offset=-1)
