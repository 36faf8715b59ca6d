"""An inverted index of one leader's entries that answers exactly as the scan did.

The scan (the search before issue 22, kept as the reference in `tests/entries/scan.py`)
matched every entry's text for every query; here a query costs what its answer costs. Each entry's folded tokens (`search.document_tokens`) are posted under the entry's
*slot*; a term's roots (`search.term_roots`) each select one sorted range of tokens, whose
postings are summed in C. This module has no Flask, no database and no keys: the storage layer
seals the bytes that `encode` gives and decides which shard a bucket goes to (`shard_of`).

The pieces, and why they are shaped so:

* Bucket: a token's first three letters, with "å" spelt "aa" (`bucket_of`). Every spelling of
  a root, and every token that matches it, has the root's bucket, so a query reads one bucket
  per root, never the journal. (The first three bytes alone would not do: "hå", a spelling of
  "haa", is a prefix of tokens in many buckets.)
* Shard: the buckets that `shard_of(bucket)` sends to one number, kept as one sorted token list
  with one array of slots. Tokens that start with a root are one contiguous range of it (found
  by `bisect`), so their postings are one slice, and `Counter.update` of that slice sums the
  weights: a posting is its slot repeated weight times (3 × title + body occurrences).
* Slot: one saved version of one entry. Saving an entry again gives it a new slot and makes
  the old one dead, so postings are only ever appended (`compact`). `Meta` maps slots to entry
  ids and days, and ids to live slots.
* Delta: one entry saved since the last compaction, its tokens and weights; a query reads them
  beside the shards, and `compact` folds them in.
* Planes: a token found in many slots also keeps its weights bit-sliced into big integers
  (bit s of plane b = bit b of its weight in slot s). A term's weights are then summed, the
  hits counted (`int.bit_count`) and the page's weights singled out plane by plane, each step
  one C operation over the whole journal's bits: the cost barely follows the number of hits.
  Several-word queries rank the few combinations of the terms' weights, each score summed as
  `Corpus.search` sums it, so the floats, and so the order, are the same to the last bit.
* Ties go to the newest (day, id). Slots mostly come in that order; the meta lists those that
  do not (`Meta.ooo`: an old entry saved again, an entry dated back), which are looked at one
  by one when tied, as are the deltas' slots.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import math
import sys
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import NamedTuple

from journal.entries.search import Query, Term, document_tokens, term_roots

__all__ = [
    "Delta",
    "Index",
    "Meta",
    "PageHit",
    "Results",
    "Shard",
    "Source",
    "bucket_of",
    "build",
    "compact",
    "search_page",
    "shards_for",
    "touched_shards",
]

ShardOf = Callable[[bytes], int]

_SHARD_MAGIC = b"LJS\x01"
_META_MAGIC = b"LJM\x01"
_DELTA_MAGIC = b"LJD\x01"
_EMPTY = array("I")
_BIG_ENDIAN = sys.byteorder == "big"

assert array("I").itemsize == 4 and array("i").itemsize == 4 and array("q").itemsize == 8


class Source(NamedTuple):
    """One entry as the index is built from it: its id, day (date ordinal) and text."""

    entry_id: int
    day: int
    title: str
    body: str


class PageHit(NamedTuple):
    """One entry on the page asked for: its id, the old engine's score and its day."""

    id: int
    score: float
    day: int


class Results(NamedTuple):
    """How many entries match, and those of the page asked for, best first."""

    total: int
    hits: list[PageHit]


def bucket_of(token: bytes) -> bytes:
    """The bucket of a folded token or root: its first three letters, "å" spelt "aa"."""
    return token[:3].replace(b"\xe5", b"aa")[:3]


# --- Bytes -----------------------------------------------------------------------------------


def _pack(*arrays: array) -> bytes:
    """The arrays' items, little-endian, one after the other."""
    if not _BIG_ENDIAN:
        return b"".join(part.tobytes() for part in arrays)
    swapped = []
    for part in arrays:
        part = array(part.typecode, part)
        part.byteswap()
        swapped.append(part.tobytes())
    return b"".join(swapped)


class _Reader:
    """Reads arrays and byte strings off a block in turn; a short block raises ValueError."""

    def __init__(self, data: bytes, magic: bytes):
        if data[: len(magic)] != magic:
            raise ValueError("not a search index block of this format")
        self.view = memoryview(data)
        self.at = len(magic)

    def take(self, count: int) -> memoryview:
        end = self.at + count
        if count < 0 or end > len(self.view):
            raise ValueError("a search index block is cut short")
        part = self.view[self.at : end]
        self.at = end
        return part

    def array(self, typecode: str, count: int) -> array:
        items = array(typecode)
        items.frombytes(self.take(count * items.itemsize))
        if _BIG_ENDIAN:
            items.byteswap()
        return items


def _tokens_of(blob: bytes, count: int) -> list[bytes]:
    tokens = blob.split(b"\0") if count else []
    if len(tokens) != count:
        raise ValueError("a search index block's tokens do not add up")
    return tokens


# --- Bitmaps ---------------------------------------------------------------------------------

# A token in at least this many postings, and in at least 1/_DENSE_SHARE of the slots, gets
# bit planes beside its slots (a plane costs size/8 bytes).
_DENSE_POSTINGS = 64
_DENSE_SHARE = 16
_BIT_CHARS = b"01" + bytes(254)


def _bitmap(slots: Iterable[int]) -> int:
    """The integer with bit s set for each slot s, made in C (no Python step per slot)."""
    slots = slots if isinstance(slots, (list, array, set)) else list(slots)
    if not slots:
        return 0
    flags = bytearray(max(slots) + 1)
    collections.deque(map(flags.__setitem__, slots, itertools.repeat(1)), maxlen=0)
    return int(flags.translate(_BIT_CHARS)[::-1], 2)


def _planes(weights: Mapping[int, int]) -> list[int]:
    """slot → weight as bit planes: bit s of plane b is bit b of slot s's weight."""
    slots, values = weights.keys(), weights.values()
    depth = max(values, default=0).bit_length()
    return [_bitmap(itertools.compress(slots, map((1 << b).__and__, values))) for b in range(depth)]


def _add(first: list[int], second: list[int]) -> list[int]:
    """The sum of two bit-sliced weights, plane by plane with a carry."""
    total, carry = [], 0
    for b in range(max(len(first), len(second))):
        x = first[b] if b < len(first) else 0
        y = second[b] if b < len(second) else 0
        total.append(x ^ y ^ carry)
        carry = (x & y) | (carry & (x ^ y))
    if carry:
        total.append(carry)
    return total


def _highest(bits: int, count: int) -> list[int]:
    """The positions of the `count` highest set bits (fewer if there are not so many)."""
    found = []
    while bits and len(found) < count:
        top = bits.bit_length() - 1
        found.append(top)
        bits ^= 1 << top
    return found


def _weight_at(planes: list[int], slot: int) -> int:
    return sum(((plane >> slot) & 1) << b for b, plane in enumerate(planes))


# --- Shards ----------------------------------------------------------------------------------


def _prefix_end(literal: bytes) -> bytes | None:
    """The least byte string above every string that starts with `literal` (None: none is)."""
    stripped = literal.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes((stripped[-1] + 1,))


class Shard:
    """Sorted tokens and their postings: token i's slots are `slots[offsets[i]:offsets[i+1]]`,
    each slot repeated as many times as the token weighs in that slot's entry.

    A token in many entries also has `planes`: its weights bit-sliced into big integers
    (bit s of plane b is bit b of the token's weight in slot s), so that a one-word query
    sums, counts and ranks thousands of hits with a few operations on integers.
    """

    __slots__ = ("offsets", "planes", "slots", "tokens")

    def __init__(
        self, tokens: list[bytes], offsets: array, slots: array, planes: dict[bytes, list[int]]
    ):
        self.tokens = tokens
        self.offsets = offsets
        self.slots = slots
        self.planes = planes

    @classmethod
    def of(
        cls,
        postings: Mapping[bytes, Sequence[int]],
        size: int,
        planes: Mapping[bytes, list[int]] | None = None,
    ) -> Shard:
        """The shard of `postings` (token → its slots, repeated by weight) in an index of
        `size` slots; `planes` those already known, the others made for dense tokens."""
        tokens = sorted(postings)
        parts = [postings[token] for token in tokens]
        offsets = array("I", itertools.accumulate(map(len, parts), initial=0))
        slots = array("I")
        for part in parts:
            slots.extend(part)
        planes = dict(planes or {})
        dense = max(_DENSE_POSTINGS, size // _DENSE_SHARE)
        for token, part in zip(tokens, parts, strict=True):
            if token not in planes and len(part) >= dense:
                planes[token] = _planes(Counter(part))
        return cls(tokens, offsets, slots, planes)

    def span(self, literal: bytes, whole: bool) -> range:
        """The tokens (indices) that start with `literal` (`whole`: that equal it)."""
        tokens = self.tokens
        low = bisect_left(tokens, literal)
        if whole:
            return range(low, low + 1 if low < len(tokens) and tokens[low] == literal else low)
        end = _prefix_end(literal)
        return range(low, len(tokens) if end is None else bisect_left(tokens, end, low))

    def postings(self, literal: bytes, whole: bool) -> array:
        """The slots of the tokens that start with `literal` (`whole`: that equal it)."""
        span = self.span(literal, whole)
        if not span:
            return _EMPTY
        return self.slots[self.offsets[span.start] : self.offsets[span.stop]]

    def merged(self, postings: Mapping[bytes, Sequence[int]], size: int) -> Shard:
        """This shard with `postings` of new slots appended to its tokens' postings (new
        tokens added), in an index of `size` slots."""
        slots, offsets = self.slots, self.offsets
        combined: dict[bytes, Sequence[int]] = {
            token: slots[offsets[i] : offsets[i + 1]] for i, token in enumerate(self.tokens)
        }
        planes = dict(self.planes)
        for token, more in postings.items():
            combined[token] = array("I", combined.get(token, _EMPTY)) + array("I", more)
            if token in planes:
                planes[token] = _add(planes[token], _planes(Counter(more)))
        return Shard.of(combined, size, planes)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self) -> bytes:
        """The shard as bytes: magic, [tokens, blob bytes, slots, dense tokens] (uint32), the
        tokens joined by NUL, offsets (uint32, tokens + 1), slots (uint32); then per dense
        token its index and number of planes, the byte length of each plane (uint32), and the
        planes themselves (unsigned little-endian integers). All little-endian."""
        blob = b"\0".join(self.tokens)
        dense = [i for i, token in enumerate(self.tokens) if token in self.planes]
        planes = [self.planes[self.tokens[i]] for i in dense]
        counts = array("I", map(len, planes))
        data = [
            plane.to_bytes((plane.bit_length() + 7) // 8, "little") for p in planes for plane in p
        ]
        header = array("I", (len(self.tokens), len(blob), len(self.slots), len(dense)))
        return b"".join(
            (
                _SHARD_MAGIC,
                _pack(header),
                blob,
                _pack(self.offsets, self.slots, array("I", dense), counts),
                _pack(array("I", map(len, data))),
                *data,
            )
        )

    @classmethod
    def decode(cls, data: bytes) -> Shard:
        """The shard that `encode` gave `data` (bytes after it, such as padding, ignored)."""
        reader = _Reader(data, _SHARD_MAGIC)
        count, blob_size, slot_count, dense_count = reader.array("I", 4)
        tokens = _tokens_of(bytes(reader.take(blob_size)), count)
        offsets = reader.array("I", count + 1)
        slots = reader.array("I", slot_count)
        if offsets[-1] != slot_count or any(map(int.__gt__, offsets, offsets[1:])):
            raise ValueError("a search index shard's offsets do not add up")
        dense = reader.array("I", dense_count)
        counts = reader.array("I", dense_count)
        lengths = iter(reader.array("I", sum(counts)))
        planes = {}
        for index, planes_count in zip(dense, counts, strict=True):
            if index >= count:
                raise ValueError("a search index shard's planes do not add up")
            planes[tokens[index]] = [
                int.from_bytes(reader.take(next(lengths)), "little") for _ in range(planes_count)
            ]
        return cls(tokens, offsets, slots, planes)


def shards_for(query: Query, shard_of: ShardOf) -> set[int]:
    """The shards a query reads: those of its roots' buckets."""
    return {
        shard_of(bucket_of(literal)) for term in query.terms for literal, _whole in term_roots(term)
    }


# --- Meta and deltas -------------------------------------------------------------------------


class Meta:
    """Which entry each slot holds, its day, which slots are dead, and each entry's live slot.

    `live_ids` is sorted and `live_slots[i]` is the live slot of `live_ids[i]`, so that an id's
    slot is a `bisect`, not a dict built from every entry at each query. `ooo` are the slots
    out of order: whose (day, id) is not above every earlier slot's. The others go up in
    (day, id) with their slot, so that the newest of them are the highest bits of a bitmap.
    """

    __slots__ = (
        "_dead_set",
        "days",
        "dead",
        "generation",
        "ids",
        "live_ids",
        "live_slots",
        "ooo",
    )

    def __init__(
        self,
        generation: int,
        ids: array,
        days: array,
        dead: array,
        live_ids: array,
        live_slots: array,
        ooo: array,
    ):
        self.generation = generation
        self.ids = ids
        self.days = days
        self.dead = dead
        self.live_ids = live_ids
        self.live_slots = live_slots
        self.ooo = ooo
        self._dead_set: set[int] | None = None

    @classmethod
    def of(cls, generation: int, ids: array, days: array, dead: Iterable[int]) -> Meta:
        """The meta of slots holding `ids` on `days`, `dead` slots not live."""
        dead = array("I", sorted(set(dead)))
        gone = set(dead)
        live = sorted((entry_id, slot) for slot, entry_id in enumerate(ids) if slot not in gone)
        live_ids = array("q", [entry_id for entry_id, _slot in live])
        if any(map(int.__eq__, live_ids, live_ids[1:])):
            raise ValueError("an entry has more than one live slot")
        ooo = array("I")
        newest = None
        for slot, key in enumerate(zip(days, ids, strict=True)):
            if newest is not None and key <= newest:
                ooo.append(slot)
            else:
                newest = key
        live_slots = array("I", [slot for _entry_id, slot in live])
        return cls(generation, ids, days, dead, live_ids, live_slots, ooo)

    @property
    def dead_set(self) -> set[int]:
        if self._dead_set is None:
            self._dead_set = set(self.dead)
        return self._dead_set

    def slot_of(self, entry_id: int) -> int | None:
        """The live slot of an entry, or None if it has none."""
        i = bisect_left(self.live_ids, entry_id)
        if i < len(self.live_ids) and self.live_ids[i] == entry_id:
            return self.live_slots[i]
        return None

    def __len__(self) -> int:
        return len(self.ids)

    def encode(self) -> bytes:
        """Magic, [generation, slots, dead, live, out of order] (int64), ids (int64 per slot),
        days (int32 per slot), dead slots (uint32), live ids sorted (int64), their slots
        (uint32), slots out of order (uint32)."""
        header = array(
            "q",
            (self.generation, len(self.ids), len(self.dead), len(self.live_ids), len(self.ooo)),
        )
        return _META_MAGIC + _pack(
            header, self.ids, self.days, self.dead, self.live_ids, self.live_slots, self.ooo
        )

    @classmethod
    def decode(cls, data: bytes) -> Meta:
        """The meta that `encode` gave `data`."""
        reader = _Reader(data, _META_MAGIC)
        generation, slots, dead, live, ooo = reader.array("q", 5)
        return cls(
            generation,
            reader.array("q", slots),
            reader.array("i", slots),
            reader.array("I", dead),
            reader.array("q", live),
            reader.array("I", live),
            reader.array("I", ooo),
        )


_EMPTY_META = Meta(0, array("q"), array("i"), array("I"), array("q"), array("I"), array("I"))


class Delta:
    """One entry as saved since the last compaction: its tokens (sorted) and their weights.

    A delta without tokens says the entry is no longer to be found (nothing to index).
    """

    __slots__ = ("day", "entry_id", "tokens", "weights")

    def __init__(self, entry_id: int, day: int, tokens: list[bytes], weights: array):
        self.entry_id = entry_id
        self.day = day
        self.tokens = tokens
        self.weights = weights

    @classmethod
    def of(cls, entry_id: int, day: int, title: str, body: str) -> Delta:
        """The delta of an entry saved with this day and text."""
        weighted = document_tokens(title, body)
        tokens = sorted(weighted)
        return cls(entry_id, day, tokens, array("I", map(weighted.__getitem__, tokens)))

    def weight(self, literal: bytes, whole: bool) -> int:
        """The summed weight of the tokens that start with `literal` (`whole`: equal it)."""
        tokens = self.tokens
        low = bisect_left(tokens, literal)
        if whole:
            return self.weights[low] if low < len(tokens) and tokens[low] == literal else 0
        end = _prefix_end(literal)
        high = len(tokens) if end is None else bisect_left(tokens, end, low)
        return sum(self.weights[low:high])

    def encode(self) -> bytes:
        """Magic, [entry id, day, tokens, blob bytes] (int64), the tokens joined by NUL, their
        weights (uint32)."""
        blob = b"\0".join(self.tokens)
        header = array("q", (self.entry_id, self.day, len(self.tokens), len(blob)))
        return _DELTA_MAGIC + _pack(header) + blob + _pack(self.weights)

    @classmethod
    def decode(cls, data: bytes) -> Delta:
        """The delta that `encode` gave `data`."""
        reader = _Reader(data, _DELTA_MAGIC)
        entry_id, day, count, blob_size = reader.array("q", 4)
        tokens = _tokens_of(bytes(reader.take(blob_size)), count)
        return cls(entry_id, day, tokens, reader.array("I", count))


def touched_shards(deltas: Iterable[Delta], shard_of: ShardOf) -> set[int]:
    """The shards that `compact` changes for these deltas (to load before compacting)."""
    buckets = {bucket_of(token) for delta in deltas for token in delta.tokens}
    return {shard_of(bucket) for bucket in buckets}


# --- Building and compacting -----------------------------------------------------------------


def _postings_by_shard(
    weighted: Iterable[tuple[int, Mapping[bytes, int] | Delta]], shard_of: ShardOf
) -> dict[int, dict[bytes, array]]:
    """shard → token → slots repeated by weight, for (slot, tokens) pairs in slot order."""
    postings: dict[bytes, array] = {}
    for slot, tokens in weighted:
        pairs = (
            zip(tokens.tokens, tokens.weights, strict=True)
            if isinstance(tokens, Delta)
            else tokens.items()
        )
        for token, weight in pairs:
            slots = postings.get(token)
            if slots is None:
                postings[token] = slots = array("I")
            if weight == 1:
                slots.append(slot)
            else:
                slots.extend(itertools.repeat(slot, weight))
    shard_of_bucket: dict[bytes, int] = {}
    by_shard: dict[int, dict[bytes, array]] = {}
    for token, slots in postings.items():
        bucket = bucket_of(token)
        shard = shard_of_bucket.get(bucket)
        if shard is None:
            shard = shard_of_bucket[bucket] = shard_of(bucket)
        by_shard.setdefault(shard, {})[token] = slots
    return by_shard


def build(sources: Iterable[Source], shard_of: ShardOf) -> tuple[Meta, dict[int, Shard]]:
    """The index of these entries: its meta (generation 1) and its non-empty shards.

    Slots follow (day, id), oldest first. An entry without words gets a slot all the same.
    """
    ordered = sorted(sources, key=lambda source: (source.day, source.entry_id))
    weighted = (
        (slot, document_tokens(source.title, source.body)) for slot, source in enumerate(ordered)
    )
    shards = {
        number: Shard.of(postings, len(ordered))
        for number, postings in _postings_by_shard(weighted, shard_of).items()
    }
    ids = array("q", [source.entry_id for source in ordered])
    days = array("i", [source.day for source in ordered])
    return Meta.of(1, ids, days, ()), shards


def _latest(deltas: Sequence[Delta]) -> dict[int, int]:
    """entry id → the index of its last delta: a later save supersedes an earlier one."""
    return {delta.entry_id: index for index, delta in enumerate(deltas)}


def compact(
    meta: Meta | None,
    shards: Mapping[int, Shard],
    deltas: Sequence[Delta],
    gone: Collection[int],
    shard_of: ShardOf,
) -> tuple[Meta, dict[int, Shard]]:
    """The index with `deltas` folded in and `gone` entries dropped: a new meta (generation
    + 1) and every shard that changed (the others stay as they are).

    `shards` must hold every shard in `touched_shards(deltas)` that exists. Each delta's entry
    gets a new slot and its old slot is dead; postings are only appended. An entry in `gone`
    (deleted for good) wins over any delta of it: the storage forgets a gone id that is saved
    again.
    """
    meta = meta or _EMPTY_META
    latest = _latest(deltas)
    dead = set(meta.dead)
    for entry_id in itertools.chain(latest, gone):
        slot = meta.slot_of(entry_id)
        if slot is not None:
            dead.add(slot)
    ids, days = array("q", meta.ids), array("i", meta.days)
    weighted = []
    for index, delta in enumerate(deltas):
        if latest[delta.entry_id] != index or delta.entry_id in gone or not delta.tokens:
            continue
        weighted.append((len(ids), delta))
        ids.append(delta.entry_id)
        days.append(delta.day)
    changed = {}
    for number, postings in _postings_by_shard(weighted, shard_of).items():
        shard = shards.get(number)
        changed[number] = (
            shard.merged(postings, len(ids)) if shard is not None else Shard.of(postings, len(ids))
        )
    return Meta.of(meta.generation + 1, ids, days, dead), changed


# --- Searching -------------------------------------------------------------------------------


def search_page(
    query: Query,
    meta: Meta | None,
    shards: Mapping[int, Shard],
    deltas: Sequence[Delta],
    shard_of: ShardOf,
    *,
    hidden: Iterable[int] = (),
    allowed: Iterable[int] | None = None,
    offset: int = 0,
    limit: int = 30,
) -> Results:
    """The entries that match every query term, as the scan ranks them: the count and
    the page `offset:offset + limit`.

    `shards` must hold every shard in `shards_for(query)` that exists (a missing one has no
    tokens); `deltas` are the entries saved since the last compaction, in order; `hidden` are
    ids never to find (trashed, deleted); `allowed`, if given, the only ids to find (filters).
    """
    if offset < 0 or limit < 0:
        raise ValueError("a page starts at 0 or later and holds 0 hits or more")
    if not query:
        return Results(0, [])
    meta = meta or _EMPTY_META
    base = len(meta.ids)
    latest = _latest(deltas)
    live_deltas = [
        (base + index, delta)
        for index, delta in enumerate(deltas)
        if latest[delta.entry_id] == index and delta.tokens
    ]
    excluded = _excluded(meta, latest, hidden)
    ids, days = meta.ids, meta.days
    if live_deltas:
        ids = ids + array("q", [delta.entry_id for delta in deltas])
        days = days + array("i", [delta.day for delta in deltas])
    terms = sorted(query.terms, key=lambda term: -len(term.stem))  # as Corpus.search
    allowed_slots = None if allowed is None else _slots_of(meta, latest, base, allowed)
    planes = [_term_planes(term, shards, live_deltas, shard_of) for term in terms]
    found = _found(planes, excluded, allowed_slots)
    total = found.bit_count()
    if not total:
        return Results(0, [])
    page = _Page(meta, base, len(deltas), ids, days, offset, limit)
    if len(terms) == 1:
        return Results(total, page.of_one_term([plane & found for plane in planes[0]]))
    hits = page.of_terms(planes, found)
    if hits is not None:
        return Results(total, hits)

    # Too many combinations of weights: count per slot instead.
    weights: list[Counter[int]] = []
    for term in terms:
        counts: Counter[int] = Counter()
        roots = term_roots(term)
        for literal, whole in roots:
            shard = shards.get(shard_of(bucket_of(literal)))
            if shard is not None:
                counts.update(shard.postings(literal, whole))
        for slot, delta in live_deltas:
            weight = sum(delta.weight(literal, whole) for literal, whole in roots)
            if weight:
                counts[slot] = weight
        if not counts:
            return Results(0, [])
        weights.append(counts)

    # Work per hit stays in C: a common word has thousands.
    candidates = set(weights[0]).intersection(*weights[1:])
    candidates.difference_update(excluded)
    if allowed_slots is not None:
        candidates &= allowed_slots
    # Each score summed as Corpus.search sums it, term by term in its order, so that the
    # floats are the same to the last bit.
    slots = list(candidates)
    keys = list(
        map(sum, zip(*[map(math.log1p, map(w.__getitem__, slots)) for w in weights], strict=True))
    )
    wanted = offset + limit
    pairs: Iterable[tuple] = zip(keys, slots, strict=True)
    if len(slots) > wanted:
        # Only the keys at or above the page's lowest can be on it (ties included).
        pairs = itertools.compress(pairs, map(_kth_largest(keys, wanted).__le__, keys))
    top = heapq.nlargest(wanted, [(key, days[slot], ids[slot]) for key, slot in pairs])
    return Results(total, [PageHit(entry_id, score, day) for score, day, entry_id in top[offset:]])


def _term_planes(
    term: Term, shards: Mapping[int, Shard], live_deltas: list[tuple[int, Delta]], shard_of: ShardOf
) -> list[int]:
    """The term's weight in every slot, bit-sliced: dense tokens' planes summed, the other
    tokens' postings counted and sliced, the deltas' weights set in their slots."""
    planes: list[int] = []
    sparse: Counter[int] = Counter()
    roots = term_roots(term)
    for literal, whole in roots:
        shard = shards.get(shard_of(bucket_of(literal)))
        if shard is None:
            continue
        span = shard.span(literal, whole)
        dense = [i for i in span if shard.tokens[i] in shard.planes]
        if not dense:
            if span:
                sparse.update(shard.slots[shard.offsets[span.start] : shard.offsets[span.stop]])
            continue
        for i in span:
            token_planes = shard.planes.get(shard.tokens[i])
            if token_planes is not None:
                planes = _add(planes, token_planes)
            else:
                sparse.update(shard.slots[shard.offsets[i] : shard.offsets[i + 1]])
    if sparse:
        planes = _add(planes, _planes(sparse))
    for slot, delta in live_deltas:
        weight = sum(delta.weight(literal, whole) for literal, whole in roots)
        # A delta's slot is above every slot in the shards: its bits are still 0.
        planes.extend([0] * (weight.bit_length() - len(planes)))
        for b in range(weight.bit_length()):
            if weight >> b & 1:
                planes[b] |= 1 << slot
    return planes


def _found(planes: list[list[int]], excluded: set[int], allowed: set[int] | None) -> int:
    """The slots where every term weighs something, less the excluded, within the allowed."""
    found = -1  # every bit
    for term_planes in planes:
        term_found = 0
        for plane in term_planes:
            term_found |= plane
        found &= term_found
    if excluded:
        found &= ~_bitmap(excluded)
    if allowed is not None:
        found &= _bitmap(allowed)
    return found


# A query whose terms' weights combine in more ways than this is ranked slot by slot.
_MAX_COMBINATIONS = 4096


class _Page:
    """Picks a page of hits out of bitmaps, opening no slot but the page's."""

    def __init__(
        self, meta: Meta, base: int, deltas: int, ids: array, days: array, offset: int, limit: int
    ):
        self.ids, self.days = ids, days
        self.offset, self.wanted = offset, offset + limit
        # Delta slots are above the others whatever their day.
        self.out_of_order = _bitmap(meta.ooo) | (((1 << deltas) - 1) << base)

    def newest(self, tied: int, count: int) -> list[int]:
        """Slots among `tied` that hold the `count` newest (day, id), and maybe some more: the
        highest slots in order, and every slot out of order."""
        late = tied & self.out_of_order
        return _highest(tied & ~late, count) + _highest(late, late.bit_count())

    def of_one_term(self, planes: list[int]) -> list[PageHit]:
        """The page of a one-word query, from its bit-sliced weights (only found bits set)."""
        found = 0
        for plane in planes:
            found |= plane
        # From the highest plane down: `above` are surely on the page, `tied` equal so far.
        wanted = self.wanted
        above, tied = 0, found
        for plane in reversed(planes):
            higher = tied & plane
            if (above | higher).bit_count() >= wanted:
                tied = higher
            else:
                above |= higher
                tied &= ~plane
        chosen = _highest(above, wanted) + self.newest(tied, wanted - above.bit_count())
        ids, days = self.ids, self.days
        top = sorted(
            ((_weight_at(planes, slot), days[slot], ids[slot]) for slot in chosen), reverse=True
        )[self.offset : wanted]
        return [PageHit(entry_id, math.log1p(w), day) for w, day, entry_id in top]

    def of_terms(self, planes: list[list[int]], found: int) -> list[PageHit] | None:
        """The page of a query of several words (`planes` in Corpus.search's order of terms),
        from the combinations of their weights; None if there are too many of those."""
        combinations: list[tuple[tuple[int, ...], int]] = [((), found)]
        for term_planes in planes:
            weights = _weights(term_planes, found)
            combinations = [
                ((*values, weight), both)
                for values, slots in combinations
                for weight, mask in weights.items()
                if (both := slots & mask)
            ]
            if len(combinations) > _MAX_COMBINATIONS:
                return None
        log1p = math.log1p
        by_score: dict[float, int] = {}
        for values, slots in combinations:
            # Summed as Corpus.search sums a hit's score: the same float to the last bit.
            score = sum(log1p(weight) for weight in values)
            by_score[score] = by_score.get(score, 0) | slots
        chosen: list[tuple[float, int]] = []
        for score in sorted(by_score, reverse=True):
            slots = by_score[score]
            count = slots.bit_count()
            if len(chosen) + count >= self.wanted:
                chosen += [(score, slot) for slot in self.newest(slots, self.wanted - len(chosen))]
                break
            chosen += [(score, slot) for slot in _highest(slots, count)]
        ids, days = self.ids, self.days
        top = sorted(((score, days[slot], ids[slot]) for score, slot in chosen), reverse=True)
        return [
            PageHit(entry_id, score, day) for score, day, entry_id in top[self.offset : self.wanted]
        ]


def _weights(planes: list[int], within: int) -> dict[int, int]:
    """weight → the slots of `within` with that weight, from bit-sliced weights."""
    groups = {0: within}
    for b in reversed(range(len(planes))):
        plane, split = planes[b], {}
        for value, slots in groups.items():
            if ones := slots & plane:
                split[value | 1 << b] = ones
            if zeros := slots & ~plane:
                split[value] = zeros
        groups = split
    groups.pop(0, None)
    return groups


def _kth_largest(values: Iterable, k: int):
    """The k-th largest of `values` (1-based, counting repeats); there are at least k."""
    counts = Counter(values)
    seen = 0
    for value in sorted(counts, reverse=True):
        seen += counts[value]
        if seen >= k:
            return value
    raise ValueError("fewer values than k")


def _excluded(meta: Meta, latest: Mapping[int, int], hidden: Iterable[int]) -> set[int]:
    """Slots never to find: dead, superseded by a delta, or holding a hidden entry (a set not
    to change: it may be the meta's own)."""
    excluded: set[int] = set()
    base = len(meta.ids)
    for entry_id in latest:
        slot = meta.slot_of(entry_id)
        if slot is not None:
            excluded.add(slot)
    for entry_id in hidden:
        slot = meta.slot_of(entry_id)
        if slot is not None:
            excluded.add(slot)
        if entry_id in latest:
            excluded.add(base + latest[entry_id])
    return meta.dead_set | excluded if excluded else meta.dead_set


def _slots_of(meta: Meta, latest: Mapping[int, int], base: int, ids: Iterable[int]) -> set[int]:
    """The live slots (in the meta, or a delta's) of these entries."""
    slots = set()
    for entry_id in ids:
        if entry_id in latest:
            slots.add(base + latest[entry_id])
        slot = meta.slot_of(entry_id)
        if slot is not None:
            slots.add(slot)
    return slots


# --- In memory -------------------------------------------------------------------------------


class Index:
    """A whole index in memory, changed as the storage layer changes its rows: saves become
    deltas, deletions gone ids, and `compact` folds both in. For tests and benchmarks, and a
    model of what the storage layer does with the functions above."""

    def __init__(self, meta: Meta | None, shards: dict[int, Shard], shard_of: ShardOf):
        self.meta = meta
        self.shards = shards
        self.shard_of = shard_of
        self.deltas: list[Delta] = []
        self.gone: set[int] = set()

    @classmethod
    def build(cls, sources: Iterable[Source], shard_of: ShardOf) -> Index:
        """The index of these entries, with no delta."""
        return cls(*build(sources, shard_of), shard_of)

    def save(self, entry_id: int, day: int, title: str, body: str) -> None:
        """An entry was saved (new or changed)."""
        self.gone.discard(entry_id)
        self.deltas.append(Delta.of(entry_id, day, title, body))

    def remove(self, entry_id: int) -> None:
        """An entry was deleted for good."""
        self.gone.add(entry_id)

    def compact(self) -> None:
        """Fold the deltas and gone ids into the shards and the meta."""
        touched = touched_shards(self.deltas, self.shard_of)
        loaded = {number: self.shards[number] for number in touched if number in self.shards}
        self.meta, changed = compact(self.meta, loaded, self.deltas, self.gone, self.shard_of)
        self.shards.update(changed)
        self.deltas, self.gone = [], set()

    def search(
        self,
        query: Query,
        *,
        hidden: Iterable[int] = (),
        allowed: Iterable[int] | None = None,
        offset: int = 0,
        limit: int = 30,
    ) -> Results:
        """As `search_page`, reading only the shards the query needs."""
        wanted = shards_for(query, self.shard_of)
        shards = {number: self.shards[number] for number in wanted if number in self.shards}
        return search_page(
            query,
            self.meta,
            shards,
            self.deltas,
            self.shard_of,
            hidden=self.gone.union(hidden),
            allowed=allowed,
            offset=offset,
            limit=limit,
        )

    def encoded(self) -> tuple[bytes, dict[int, bytes], list[bytes]]:
        """The meta, every shard and every delta as bytes, as the storage keeps them."""
        meta = (self.meta or _EMPTY_META).encode()
        shards = {number: shard.encode() for number, shard in self.shards.items()}
        return meta, shards, [delta.encode() for delta in self.deltas]

    @classmethod
    def decoded(
        cls,
        meta: bytes,
        shards: Mapping[int, bytes],
        deltas: Sequence[bytes],
        gone: Iterable[int],
        shard_of: ShardOf,
    ) -> Index:
        """The index that `encoded` gave these bytes (and the gone ids kept beside them)."""
        index = cls(
            Meta.decode(meta),
            {number: Shard.decode(data) for number, data in shards.items()},
            shard_of,
        )
        index.deltas = [Delta.decode(data) for data in deltas]
        index.gone = set(gone)
        return index
