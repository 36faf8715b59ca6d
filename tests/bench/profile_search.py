"""Where a search's time goes: `GET /journal/?q=…` for one leader, repeated in one process.

Not part of `make test`. Run from the project root:

    nice .venv/bin/python -m tests.bench.profile_search --entries 5000       # µs, then a profile
    nice .venv/bin/python -m tests.bench.profile_search --entries 20000 --no-profile

As `profile_floor`, whose timing it uses: a fresh SQLite file with one leader whose entries
are the demo's Danish reflections (`journal.demo.texts`), saved as the services save them
(sealed, with the search index's delta), the index built by a first search. Prints the CPU
µs per request of the floor (`/privacy`), of a search for a common and for a rare word, and
their ratio to the floor; then profiles the common word.
"""

import argparse
import contextvars
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, update

from journal.demo import texts
from journal.extensions import db
from journal.framework import current_framework
from journal.journal_key import use_for_request
from journal.models import Entry
from tests.bench.profile_floor import calls_per_request, fetch, per_request_us
from tests.conftest import configured_app, give_session, new_account, signed_session

SEARCHES = {"common word": "tillid", "rare word": "vagtplanen"}


def leader_with_entries(workdir: Path, count: int):
    """The app on a fresh database, a client logged in as a leader with `count` entries."""
    path = workdir / "journal.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    db.metadata.create_all(engine)
    engine.dispose()
    app = configured_app(f"sqlite:///{path}", workdir / "instance")
    rng = random.Random(22)
    with app.test_request_context():
        user, key, _ = new_account("leder@esbjerg.example", "Lone Leder")
        use_for_request(key)
        tasks = [task.key for task in current_framework().tasks]
        written = [
            (date.today() - timedelta(days=n // 3), *texts.reflection(rng, [rng.choice(tasks)], ""))
            for n in range(count)
        ]
        ids = db.session.scalars(
            insert(Entry).returning(Entry.id),
            [{"owner_id": user.id, "entry_date": day, "sealed": b""} for day, _, _ in written],
        ).all()
        db.session.execute(
            update(Entry),
            [
                {"id": i, "sealed": key.seal_entry(i, title, body)}
                for i, (_, title, body) in zip(ids, written, strict=True)
            ],
        )
        db.session.commit()
        cookie = signed_session(app, user, key)[0]
        db.session.remove()
    client = app.test_client()
    give_session(app, client, cookie)
    return app, client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        _app, client = leader_with_entries(Path(workdir), args.entries)
        for text in SEARCHES.values():
            fetch(client, f"/journal/?q={text}")  # the first search builds the index
        for _ in range(100):
            fetch(client, "/privacy")
        floor = per_request_us(client, "/privacy", args.requests * 4)
        print(f"{args.entries} entries; floor: {floor:7.1f} µs")
        for name, text in SEARCHES.items():
            page = contextvars.Context().run(client.get, f"/journal/?q={text}").get_data(True)
            hits = page.count('class="entry-item')
            spent = per_request_us(client, f"/journal/?q={text}", args.requests)
            print(
                f"search, {name} ({text}, {hits} on the page): {spent:7.1f} µs = {spent / floor:4.1f}× floor"
            )
        if not args.no_profile:
            _, stats = calls_per_request(client, f"/journal/?q={SEARCHES['common word']}", 200)
            stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
