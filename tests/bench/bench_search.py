"""Benchmark of journal search: 5,000 Danish entries of ~600 characters, in the application.

Run from the project root:

    .venv/bin/python -m tests.bench.bench_search

Not a test (pytest collects test_*.py only): it prints a table of median and 95th-percentile
times per query, for the target "5,000 entries well under 100 ms". A time is parse_query plus
search, reading no snippet; each query runs once untimed first (regexes compiled, cached).
"""

import gc
import random
import statistics
import time

from journal.entries.search import Document, parse_query, search

DOCUMENTS = 5_000
BODY_CHARS = 600
RUNS = 20

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


def entry(rng: random.Random, index: int) -> Document:
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
    return Document(id=index + 1, title=title.capitalize(), body=body, key=(index, index + 1))


QUERIES = [
    ("one word", "tillid"),
    ("one word, broad stem", "ledelse"),
    ("two words", "medarbejder feedback"),
    ("word form", "medarbejderne"),
    ("three words", "borgeren møde tydelig"),
    ("rare word", RARE),
    ("no match", "zebra"),
]


def main() -> None:
    rng = random.Random(42)
    documents = [entry(rng, index) for index in range(DOCUMENTS)]
    characters = sum(len(doc.title) + len(doc.body) for doc in documents)
    print(f"{len(documents)} documents, {characters:,} characters", end=", ")
    print(f"{characters / len(documents):.0f} per entry (title + body); {RUNS} runs per query\n")
    print(f"{'query':38} {'hits':>6} {'median ms':>10} {'p95 ms':>8}")
    for label, text in QUERIES:
        hits = search(documents, parse_query(text))  # warm-up: compiles the query's regexes
        gc.collect()
        times = []
        for _ in range(RUNS):
            began = time.perf_counter()
            hits = search(documents, parse_query(text))
            times.append((time.perf_counter() - began) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        name = f"{text!r} ({label})"
        print(f"{name:38} {len(hits):>6} {statistics.median(times):>10.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
