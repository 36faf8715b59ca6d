"""Where the floor's time goes: a logged-in `GET /privacy`, repeated in one process.

Not part of `make test`. Run from the project root:

    nice .venv/bin/python -m tests.bench.profile_floor            # µs per request, then a profile
    nice .venv/bin/python -m tests.bench.profile_floor --no-profile   # the figures only

The app is made as the tests make it (a fresh SQLite file, one leader with an open journal,
the session a log-in leaves), and the page is served through Flask's test client, each
request in a fresh context as a server would. The timing (CPU time, the best of 20 rounds,
without the profiler) is the application's own cost per request: no HTTP server, no socket.
The hello-world app of the page benchmark (`tests/bench/hello.py`) is timed the same way, for
comparison. The number of Python function calls per request does not depend on how busy
the machine is.
"""

import argparse
import contextvars
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine

from journal.extensions import db
from tests.bench import hello
from tests.conftest import configured_app, give_session, new_account, signed_session

ROUNDS = 20  # many short rounds: the best of them is the one least disturbed


def logged_in_client(workdir: Path):
    """The app on a fresh database, and a test client logged in as a leader."""
    path = workdir / "journal.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    db.metadata.create_all(engine)
    engine.dispose()
    app = configured_app(f"sqlite:///{path}", workdir / "instance")
    with app.app_context():
        user, key, _ = new_account("leder@esbjerg.example", "Lone Leder")
        cookie = signed_session(app, user, key)[0]
        db.session.remove()
    client = app.test_client()
    give_session(app, client, cookie)
    return app, client


def fetch(client, path: str) -> None:
    """One request in a context of its own, as a server serves it."""
    response = contextvars.Context().run(client.get, path)
    assert response.status_code == 200, response.status_code
    response.close()


def calls_per_request(client, path: str, requests: int) -> tuple[float, pstats.Stats]:
    """Python function calls per request, and the profile: the same on a busy machine."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        fetch(client, path)
    profile.disable()
    stats = pstats.Stats(profile)
    return stats.total_calls / requests, stats


def per_request_us(client, path: str, requests: int) -> float:
    """The best of ROUNDS rounds of `requests` requests, in µs of this process's CPU time per
    request (a shared machine disturbs it less than the time on the clock)."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.process_time()
        for _ in range(requests // ROUNDS):
            fetch(client, path)
        best = min(best, time.process_time() - start)
    return best / (requests // ROUNDS) * 1e6


def main() -> None:
    """Time the floor and the hello-world app, then profile the floor."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        _app, client = logged_in_client(Path(workdir))
        page = contextvars.Context().run(client.get, "/privacy").get_data(as_text=True)
        assert "Lone Leder" in page, "not logged in"
        for _ in range(200):  # warm up: templates compiled, translations loaded
            fetch(client, "/privacy")
        floor = per_request_us(client, "/privacy", args.requests)
        ceiling = per_request_us(hello.app.test_client(), "/", args.requests)
        print(f"floor (GET /privacy, logged in): {floor:7.1f} µs per request")
        print(f"ceiling (hello world):           {ceiling:7.1f} µs per request")
        print(f"floor / ceiling:                 {floor / ceiling:7.1f}×")
        calls, stats = calls_per_request(
            client, "/privacy", 200 if args.no_profile else args.requests
        )
        print(f"function calls per request:      {calls:7.0f}")
        if args.no_profile:
            return
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top * 2)


if __name__ == "__main__":
    main()
