"""Benchmark of journal search: one leader's Danish entries of ~600 characters, in the
application, at 5,000 and 20,000 entries.

Run from the project root:

    .venv/bin/python -m tests.bench.bench_search
    BENCH_SEARCH_SIZES=5000 .venv/bin/python -m tests.bench.bench_search   # one size

Not a test (pytest collects test_*.py only): it prints, per size, a table of median and
95th-percentile times per query, side by side:

- scan: what the search before issue 22 did with the entries' text already in memory:
  `parse_query` plus `search` and `rank` of `tests/entries/scan.py` (every entry's text
  matched);
- index: what a search request pays now, as the journal page calls it: `parse_query` plus
  `search_index.search_entries` (the first page of 30 and the number of hits) over the same
  texts sealed in a SQLite file made by the app, the index current (its blocks read from the
  database and opened, no entry read);
- 32 saved: as index, with 32 entries saved since the last compaction (their sealed deltas
  read and searched beside the shards);
- compaction: the search that finds 33 deltas and folds them into the shards they touch;
- first search: no index yet (a leader's very first search, once): every entry selected and
  opened, the index built, sealed and written.

No snippet is read. Each query runs once untimed first; every way must find the same hits
(the first page, in order, with their scores) and the same number of them.
"""

import gc
import os
import random
import statistics
import tempfile
import time
from datetime import date, timedelta

from sqlalchemy import func, insert, select, update

from journal import create_app, journal_key
from journal.auth import keys
from journal.auth.services import create_user
from journal.entries import search_index
from journal.entries.listing import EntryFilter
from journal.entries.search import parse_query
from journal.extensions import db
from journal.models import Entry, SearchDelta, SearchShard
from journal.models.user import utcnow
from tests.entries.scan import Document, rank, search

BODY_CHARS = 600
RUNS = 20
SLOW_RUNS = 3
PAGE = 30
COMPACT = search_index.COMPACT_AFTER
PER_DAY = 3  # entries per day: 5,000 entries span about four and a half years
FIRST_DAY = date(2021, 1, 4)
PASSWORD = "en rolig tur langs havnen"
# Cheap password hashing, as the tests use: only the search is measured here.
FAST_HASH = "scrypt:1024:8:1"

# Leadership vocabulary, with the word forms a leader actually writes.
NOUNS = [
    "medarbejder",
    "medarbejderen",
    "medarbejdere",
    "medarbejderne",
    "medarbejderens",
    "medarbejdernes",
    "leder",
    "lederen",
    "ledere",
    "lederne",
    "ledelse",
    "ledelsen",
    "ledelsens",
    "ledergruppe",
    "ledergruppen",
    "tillid",
    "tilliden",
    "tillidsbaseret",
    "feedback",
    "feedbacken",
    "borger",
    "borgeren",
    "borgere",
    "borgerne",
    "møde",
    "mødet",
    "møder",
    "møderne",
    "samtale",
    "samtalen",
    "samtaler",
    "dialog",
    "dialogen",
    "relation",
    "relationen",
    "relationer",
    "retning",
    "rammer",
    "rammerne",
    "vision",
    "visionen",
    "mål",
    "målet",
    "målene",
    "opgave",
    "opgaven",
    "opgaver",
    "opgaverne",
    "opfølgning",
    "opfølgningen",
    "uddelegering",
    "ansvar",
    "ansvaret",
    "beslutning",
    "beslutningen",
    "beslutninger",
    "forandring",
    "forandringen",
    "udvikling",
    "udviklingen",
    "læring",
    "læringen",
    "kultur",
    "kulturen",
    "team",
    "teamet",
    "teams",
    "afdeling",
    "afdelingen",
    "kollega",
    "kollegaen",
    "kolleger",
    "trivsel",
    "trivslen",
    "arbejdsmiljø",
    "arbejdsmiljøet",
    "sygefravær",
    "fravær",
    "budget",
    "budgettet",
    "prioritering",
    "prioriteringen",
    "proces",
    "processen",
    "projekt",
    "projektet",
    "strategi",
    "strategien",
    "værdier",
    "værdierne",
    "rolle",
    "rollen",
    "forventning",
    "forventninger",
    "forventningerne",
    "tid",
    "tiden",
    "dag",
    "dagen",
    "uge",
    "ugen",
    "måned",
    "måneden",
    "kommune",
    "kommunen",
    "direktør",
    "direktøren",
    "chef",
    "chefen",
    "personale",
    "personalet",
    "faglighed",
    "fagligheden",
    "kvalitet",
    "kvaliteten",
    "kerneopgave",
    "kerneopgaven",
    "nærvær",
    "nærværet",
    "autenticitet",
    "transparens",
    "refleksion",
    "refleksionen",
    "praksis",
    "praksissen",
    "erfaring",
    "erfaringen",
    "konflikt",
    "konflikten",
    "løsning",
    "løsningen",
    "udfordring",
    "udfordringen",
    "udfordringer",
    "succes",
    "mening",
    "meningen",
    "motivation",
    "motivationen",
    "engagement",
    "energi",
    "energien",
    "sparring",
    "sparringen",
    "coaching",
    "facilitering",
    "anerkendelse",
    "anerkendelsen",
    "tydelighed",
    "tydeligheden",
    "åbenhed",
    "åbenheden",
    "mod",
    "modet",
]
VERBS = [
    "talte",
    "lyttede",
    "spurgte",
    "forklarede",
    "besluttede",
    "delegerede",
    "fulgte",
    "oplevede",
    "mærkede",
    "gav",
    "fik",
    "øvede",
    "prøvede",
    "lærte",
    "reflekterede",
    "samlede",
    "drøftede",
    "aftalte",
    "udfordrede",
    "støttede",
    "roste",
    "inviterede",
    "præsenterede",
    "planlagde",
    "evaluerede",
    "justerede",
    "holdt",
]
ADJECTIVES = [
    "god",
    "godt",
    "gode",
    "svær",
    "svært",
    "svære",
    "tydelig",
    "tydeligt",
    "nærværende",
    "åben",
    "åbent",
    "ærlig",
    "ærligt",
    "vigtig",
    "vigtigt",
    "travl",
    "travlt",
    "rolig",
    "roligt",
    "konstruktiv",
    "konstruktivt",
    "faglig",
    "fagligt",
    "tryg",
    "trygt",
    "usikker",
    "usikkert",
    "stærk",
    "stærkt",
    "ny",
    "nyt",
    "nye",
    "lang",
    "langt",
    "kort",
]
SMALL = [
    "jeg",
    "vi",
    "de",
    "og",
    "i",
    "på",
    "med",
    "om",
    "til",
    "for",
    "af",
    "at",
    "det",
    "en",
    "et",
    "som",
    "har",
    "var",
    "men",
    "ikke",
    "så",
    "også",
    "der",
]
RARE = "tværfaglighed"  # in about one entry in 200


def sentence(rng: random.Random) -> str:
    words = []
    for _ in range(rng.randint(7, 15)):
        pool = rng.choices((NOUNS, VERBS, ADJECTIVES, SMALL), weights=(4, 2, 2, 5))[0]
        words.append(rng.choice(pool))
    if rng.random() < 0.15:
        words[rng.randrange(len(words))] = f"**{rng.choice(NOUNS)}**"
    if rng.random() < 0.1:
        words.insert(rng.randrange(len(words)), "–")
    if rng.random() < 0.1:
        words.append(f"“{rng.choice(NOUNS)}”")
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".....?!")


def entry(rng: random.Random, index: int) -> tuple[str, str]:
    """The (title, body) of the `index`th generated entry."""
    paragraphs: list[str] = []
    length = 0
    target = rng.randint(BODY_CHARS - 250, BODY_CHARS - 50)
    while length < target:
        text = " ".join(sentence(rng) for _ in range(rng.randint(2, 4)))
        if rng.random() < 0.1:
            text = f"- {text}"
        elif rng.random() < 0.05:
            text = f"> {text}"
        paragraphs.append(text)
        length += len(text) + 2
    if rng.random() < 0.1:
        paragraphs.insert(0, f"## {rng.choice(NOUNS).capitalize()}")
    if index % 200 == 7:
        paragraphs.append(f"Vi talte om {RARE} i teamet.")
    if rng.random() < 0.05:
        paragraphs.append("Se [oplægget](https://intranet.esbjerg.dk/ledelse/oplaeg).")
    body = "\n\n".join(paragraphs)
    title = "" if rng.random() < 0.3 else " ".join(rng.choice(NOUNS) for _ in range(3))
    return title.capitalize(), body


QUERIES = [
    ("one word", "tillid"),
    ("one word, broad stem", "ledelse"),
    ("two words", "medarbejder feedback"),
    ("word form", "medarbejderne"),
    ("three words", "borgeren møde tydelig"),
    ("rare word", RARE),
    ("no match", "zebra"),
]


def entry_date(index: int) -> date:
    return FIRST_DAY + timedelta(days=index // PER_DAY)


def seal_into_database(texts: list[tuple[str, str]]):
    """A leader with `texts` as sealed entries in the app's database; returns (user, ids).

    Call inside an app context. Rows are inserted with an empty seal and sealed by id, as
    entries.services.create_entry does, in two bulk statements.
    """
    db.create_all()
    user = create_user("leder@example.dk", "Bente Leder", PASSWORD, must_change_password=False)
    key, _ = keys.set_up_keys(user, PASSWORD)
    db.session.commit()
    journal_key.use_for_request(key)
    now = utcnow()
    rows = [
        {
            "owner_id": user.id,
            "entry_date": entry_date(index),
            "sealed": b"",
            "created_at": now,
            "updated_at": now,
        }
        for index in range(len(texts))
    ]
    ids = db.session.scalars(insert(Entry).returning(Entry.id), rows).all()
    db.session.execute(
        update(Entry),
        [
            {"id": entry_id, "sealed": key.seal_entry(entry_id, title, body)}
            for entry_id, (title, body) in zip(ids, texts, strict=True)
        ],
    )
    db.session.commit()
    return user, ids


def search_scan(documents: list[Document], text: str) -> tuple[int, list]:
    hits = rank(search(documents, parse_query(text)))
    return len(hits), [(hit.id, hit.score) for hit in hits[:PAGE]]


def search_indexed(user, text: str) -> tuple[int, list]:
    """As listing.find does it, up to the hits (the page of entries shown is not loaded)."""
    results = search_index.search_entries(user, EntryFilter(), parse_query(text), limit=PAGE)
    return results.total, [(hit.id, hit.score) for hit in results.hits]


def save_again(user, ids: list[int], texts: list[tuple[str, str]], count: int) -> None:
    """`count` entries saved again with the same text: a sealed delta each, as saving writes."""
    next_request(user)
    key = journal_key.journal_key(user)
    for i in range(count):
        search_index.note_saved(key, ids[i], entry_date(i), *texts[i])
    db.session.commit()


def forget_index(user) -> None:
    next_request(user)
    search_index.forget(user)
    db.session.commit()


def next_request(user) -> None:
    """End the transaction and load the user again, as one request ends and the next begins."""
    db.session.rollback()
    db.session.refresh(user)


def timed(run, *args, between=None, runs=RUNS) -> tuple[object, float, float]:
    """The result of `run(*args)`, and its median and p95 time in ms over `runs` runs.

    `between()`, if given, runs untimed before each run.
    """
    if between is not None:
        between()
    result = run(*args)  # warm-up: compiles the query's regexes
    gc.collect()
    times = []
    for _ in range(runs):
        if between is not None:
            between()
        began = time.perf_counter()
        result = run(*args)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return result, statistics.median(times), p95


def main() -> None:
    sizes = [int(size) for size in os.environ.get("BENCH_SEARCH_SIZES", "5000,20000").split(",")]
    for size in sizes:
        measure(size)


def measure(size: int) -> None:
    rng = random.Random(42)
    texts = [entry(rng, index) for index in range(size)]
    characters = sum(len(title) + len(body) for title, body in texts)
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmpdir:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-secret-key-" + "x" * 32,
                "INSTANCE_PATH": tmpdir,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmpdir}/bench.sqlite3",
                "PASSWORD_HASH_METHOD": FAST_HASH,
                "KEY_DERIVATION": FAST_HASH,
            }
        )
        with app.app_context():
            user, ids = seal_into_database(texts)
            documents = [
                Document(id=entry_id, title=title, body=body, key=(entry_date(index), entry_id))
                for index, (entry_id, (title, body)) in enumerate(zip(ids, texts, strict=True))
            ]
            gc.collect()
            gc.freeze()  # as wsgi.py does after start-up: long-lived objects skip full passes
            report(user, ids, texts, documents, characters)
            db.session.remove()
            db.engine.dispose()
        gc.unfreeze()


def report(user, ids, texts, documents: list[Document], characters: int) -> None:
    print(f"{len(documents):,} entries of one leader, {characters:,} characters", end=", ")
    print(f"{characters / len(documents):.0f} per entry (title + body); {RUNS} runs per query")
    print(f"({SLOW_RUNS} for the first search)")
    columns = ("scan", "index", f"{COMPACT} saved", "compaction", "first search")
    print(f"{'':38} {'':>6}" + "".join(f" {name:>17}" for name in columns))
    header = f"{'query':38} {'hits':>6}" + f" {'median':>8} {'p95':>8}" * len(columns)
    print(header + "  (ms)")
    for label, text in QUERIES:
        expected, *times = timed(search_scan, documents, text)
        results = []
        forget_index(user)
        for between, runs in (
            (lambda: next_request(user), RUNS),
            (
                lambda: (
                    save_again(user, ids, texts, COMPACT)
                    if not _deltas(user)
                    else next_request(user)
                ),
                RUNS,
            ),
            (lambda: save_again(user, ids, texts, COMPACT + 1), RUNS),
            (lambda: forget_index(user), SLOW_RUNS),
        ):
            found, median, p95 = timed(search_indexed, user, text, between=between, runs=runs)
            results.append(found)
            times += [median, p95]
        for found in results:
            if found != expected:
                raise SystemExit(f"{text!r}: the index found other hits than the scan")
        name = f"{text!r} ({label})"
        print(f"{name:38} {expected[0]:>6}" + "".join(f" {value:>8.1f}" for value in times))
    size = db.session.scalar(
        select(func.sum(func.length(SearchShard.sealed))).where(SearchShard.owner_id == user.id)
    )
    print(f"\nthe index: {size / 1e6:.1f} MB in {search_index.SHARDS} shards\n")


def _deltas(user) -> int:
    return db.session.scalar(select(func.count()).where(SearchDelta.owner_id == user.id))


if __name__ == "__main__":
    main()
