"""Micro-benchmark of the search core: the scan of the text against the inverted index.

Run from the project root (not part of `make test`: pytest collects test_*.py only):

    .venv/bin/python -m tests.bench.bench_postings

One leader's generated Danish entries (tests/bench/bench_search.py's generator) at 5,000 and
20,000 entries; per query the CPU time in ms (median of RUNS), and its growth from 5,000 to
20,000. No database and no Flask: what is left of a search request when the rows are read.

- scan: `Corpus.search` + `rank` on a corpus kept in memory (today's search with its index
  kept, leaving out the per-query work on the rows and the opening of the sealed corpus);
- index: `search_postings.search_page` for a page of 30 and the count, its meta and shards
  decoded already (one word: bit planes; several: combinations of weights on bit planes);
- sealed index: as the storage layer will do it: open (AES-GCM) the meta and the shards the
  query needs, decode them, search.

Both must give the same count and the same first page, or the run stops.
"""

import gc
import hashlib
import hmac
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from journal.entries import search_postings
from journal.entries.search import parse_query
from journal.entries.search_postings import Meta, Shard, Source, search_page, shards_for
from tests.bench.bench_search import RARE, entry
from tests.entries.scan import Corpus, Document, rank

SIZES = (5_000, 20_000)
RUNS = 15
PAGE = 30
SHARDS = 256
PER_DAY = 3
FIRST_DAY = date(2012, 1, 2)
QUERIES = [("common word", "tillid"), ("rare word", RARE), ("two words", "medarbejder feedback")]
NAMES_KEY = os.urandom(32)


def shard_of(bucket: bytes) -> int:
    """As the storage layer numbers shards: a keyed hash of the bucket."""
    return int.from_bytes(hmac.digest(NAMES_KEY, bucket, hashlib.sha256)[:4], "big") % SHARDS


def cpu_ms(run, *args) -> tuple[object, float]:
    """The result of `run(*args)` and the median CPU time of RUNS runs, in ms."""
    result = run(*args)
    gc.collect()
    times = []
    for _ in range(RUNS):
        began = time.process_time_ns()
        result = run(*args)
        times.append((time.process_time_ns() - began) / 1e6)
    return result, statistics.median(times)


def scan(corpus: Corpus, keys: dict, text: str):
    """Today's core: the corpus kept, every hit made and ranked; the page and the count."""
    hits = rank(corpus.search(parse_query(text), keys))
    return len(hits), [(hit.id, hit.score) for hit in hits[:PAGE]]


def indexed(meta: Meta, shards: dict[int, Shard], text: str):
    query = parse_query(text)
    wanted = {n: shards[n] for n in shards_for(query, shard_of) if n in shards}
    results = search_page(query, meta, wanted, [], shard_of, offset=0, limit=PAGE)
    return results.total, [(hit.id, hit.score) for hit in results.hits]


def sealed(aead: AESGCM, meta: bytes, shards: dict[int, bytes], text: str):
    """As a request will: open the meta and the query's shards, decode them, search."""
    query = parse_query(text)
    opened = {
        n: Shard.decode(aead.decrypt(shards[n][:12], shards[n][12:], b"shard"))
        for n in shards_for(query, shard_of)
        if n in shards
    }
    meta_ = Meta.decode(aead.decrypt(meta[:12], meta[12:], b"meta"))
    results = search_page(query, meta_, opened, [], shard_of, offset=0, limit=PAGE)
    return results.total, [(hit.id, hit.score) for hit in results.hits]


def seal(aead: AESGCM, data: bytes, part: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + aead.encrypt(nonce, data, part)


def measure(texts: list[tuple[str, str]]) -> dict:
    """The figures of one journal size: per query (hits, scan, index, sealed index)."""
    n = len(texts)
    days = [FIRST_DAY + timedelta(days=i // PER_DAY) for i in range(n)]
    documents = [
        Document(i + 1, title, body, key=(days[i], i + 1)) for i, (title, body) in enumerate(texts)
    ]
    corpus = Corpus.of(documents)
    keys = {i: doc.key for i, doc in enumerate(documents)}
    began = time.process_time()
    meta, shards = search_postings.build(
        (Source(doc.id, doc.key[0].toordinal(), doc.title, doc.body) for doc in documents),
        shard_of,
    )
    built = time.process_time() - began
    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    sealed_meta = seal(aead, meta.encode(), b"meta")
    sealed_shards = {n: seal(aead, shard.encode(), b"shard") for n, shard in shards.items()}
    sizes = sorted(len(data) for data in sealed_shards.values())
    figures = {
        "build_s": built,
        "index_bytes": len(sealed_meta) + sum(sizes),
        "meta_bytes": len(sealed_meta),
        "largest_shard": sizes[-1],
        "queries": {},
    }
    gc.collect()
    gc.freeze()
    for label, text in QUERIES:
        old, old_ms = cpu_ms(scan, corpus, keys, text)
        new, new_ms = cpu_ms(indexed, meta, shards, text)
        opened, sealed_ms = cpu_ms(sealed, aead, sealed_meta, sealed_shards, text)
        if not old == new == opened:
            raise SystemExit(f"{text!r} at {n}: the engines disagree")
        figures["queries"][label] = (text, old[0], old_ms, new_ms, sealed_ms)
    gc.unfreeze()
    return figures


def main() -> None:
    rng = random.Random(42)
    texts = [entry(rng, index) for index in range(max(SIZES))]
    results = {size: measure(texts[:size]) for size in SIZES}
    small, large = SIZES
    print(f"CPU ms per query, median of {RUNS} (Python {sys.version.split()[0]}, one process)")
    print(f"{'query':34}" + "".join(f"{f'hits {s:,}':>12}" for s in SIZES), end="")
    for column in ("scan", "index", "sealed index"):
        print("".join(f"{f'{column} {s // 1000}k':>17}" for s in SIZES) + f"{'growth':>8}", end="")
    print()
    for label, _text in QUERIES:
        a, b = results[small]["queries"][label], results[large]["queries"][label]
        row = f"{f'{a[0]!r} ({label})':34}{a[1]:>12,}{b[1]:>12,}"
        for column in (2, 3, 4):
            row += f"{a[column]:>17.3f}{b[column]:>17.3f}{b[column] / a[column]:>7.2f}×"
        print(row)
    for size in SIZES:
        figures = results[size]
        print(
            f"{size:,} entries: index built in {figures['build_s'] * 1000:.0f} ms CPU, "
            f"{figures['index_bytes'] / 1e6:.1f} MB sealed ({SHARDS} shards, largest "
            f"{figures['largest_shard'] / 1e3:.0f} KB; meta {figures['meta_bytes'] / 1e3:.0f} KB)"
        )


if __name__ == "__main__":
    main()
