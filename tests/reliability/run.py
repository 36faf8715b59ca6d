"""Load and fault tests against a real gunicorn server on 127.0.0.1: `make reliability`.

    .venv/bin/python -m tests.reliability.run [--seconds 30] [--only load-sqlite,...]

Not part of `make test` (pytest collects test_*.py only). Each scenario gets a fresh database,
10 leaders made with the app's services (cheap password hashing, so logging in is quick), and
a gunicorn with 4 sync workers; 50 writers (5 per leader) create and edit entries through the
app's forms. Afterwards every acknowledged save (a create or edit answered with the redirect
to the entry) is looked up in the database and opened with its leader's key. Scenarios:

- load-sqlite, load-postgresql: 30 seconds of writing: no 5xx, no request without an answer;
- kill9-sqlite, kill9-postgresql: `kill -9` of gunicorn's master and workers in the middle
  of writing, then a restart: integrity check (SQLite), counts (PostgreSQL), nothing lost;
- restart-postgresql: `pg_ctl restart -m fast` under load: failures only while the database
  is down, and then a 503 page, never a 500;
- slow-clients-nginx, slow-clients-gunicorn, slow-clients-make-run, slow-clients-make-run-200:
  200 connections that trickle their headers, against nginx in front of gunicorn (deploy/)
  and against gunicorn alone (see slow_clients.py; nginx: Debian's, apt-get install nginx).

Prints tables at the end; exits 1 if any check failed.
"""

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from tests.postgres import DURABLE, Cluster, PostgresUnavailable, create_database, throwaway_cluster
from tests.reliability import slow_clients
from tests.reliability.server import ROOT, Server
from tests.reliability.writers import NETWORK_ERROR, Writer, start_writers, stop_writers

LEADERS = 10
WRITERS_PER_LEADER = 5
WORKERS = int(os.environ.get("RELIABILITY_WORKERS", "4"))
PASSWORD = "en rolig tur langs havnen"
FAST_HASH = "scrypt:1024:8:1"
BEFORE_FAULT = 8  # seconds of writing before a fault
AFTER_FAULT = 8  # seconds of writing after the app or the database is back
GRACE = 1.0  # a request already on its way when the fault ended may still fail
SCENARIOS = (
    "load-sqlite",
    "load-postgresql",
    "kill9-sqlite",
    "kill9-postgresql",
    "restart-postgresql",
    *slow_clients.SET_UPS,
)


@dataclass
class Result:
    """What one scenario measured, and the checks it failed."""

    name: str
    writers: list[Writer] = field(default_factory=list)
    lost: int = 0
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failing: str = "–"  # from the fault to the end of the last failed request
    recovered: str = "–"  # from the fault to the first request answered after it

    @property
    def requests(self):
        return [r for w in self.writers for r in w.requests]

    def count(self, test) -> int:
        return sum(1 for r in self.requests if test(r))

    def check(self, ok: bool, problem: str) -> None:
        if not ok:
            self.failed.append(problem)


def percentile_ms(values: list[float], p: int) -> float:
    """The p-th percentile of `values` (seconds), in milliseconds."""
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000


class Installation:
    """A fresh database with migrations and leaders, the instance folder, the server's env."""

    def __init__(self, folder: Path, database_url: str | None):
        self.folder, self.database_url = folder, database_url
        self.instance = folder / "instance"
        self.instance.mkdir(parents=True)
        settings = {
            "SECRET_KEY": "reliability-" + "k" * 40,
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "KEY_DERIVATION": FAST_HASH,
            "SESSION_COOKIE_SECURE": False,
        }
        if database_url:
            settings["DATABASE_URL"] = database_url
        (self.instance / "config.py").write_text(
            "".join(f"{name} = {value!r}\n" for name, value in settings.items())
        )
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "SECRET_KEY", "SESSION_COOKIE_SECURE")
        }
        self.env["INSTANCE_PATH"] = str(self.instance)
        self.sqlite_file = None if database_url else self.instance / "journal.sqlite3"

    def migrate(self) -> None:
        """`flask --app wsgi db upgrade`, as the README says."""
        flask = Path(sys.executable).parent / "flask"
        subprocess.run(
            [str(flask), "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def app(self):
        """The app in this process, on the same database and settings as the server."""
        from journal import create_app

        return create_app({"INSTANCE_PATH": self.instance})

    def make_leaders(self) -> list[Writer]:
        """Leaders ready to write (as after their first login); five writers each."""
        from journal.auth import keys, services
        from journal.extensions import db
        from journal.models.user import utcnow

        app = self.app()
        writers = []
        with app.app_context():
            for number in range(1, LEADERS + 1):
                email = f"leder{number}@esbjerg.example"
                user = services.create_user(
                    email, f"Leder {number}", PASSWORD, must_change_password=False
                )
                keys.set_up_keys(user, PASSWORD)
                user.recovery_key_confirmed_at = utcnow()
                db.session.commit()
                for _ in range(WRITERS_PER_LEADER):
                    writers.append(Writer(len(writers) + 1, email))
            db.engine.dispose()
        return writers

    def server(self) -> Server:
        """A gunicorn for this installation (not started)."""
        return Server(self.env, self.folder / "gunicorn.log", WORKERS)


def verify(installation: Installation, result: Result) -> None:
    """Every acknowledged save is in the database with its text; the counts add up."""
    from journal.auth import keys, services
    from journal.extensions import db
    from journal.models import Entry

    app = installation.app()
    lost = 0
    with app.app_context():
        for email in sorted({w.email for w in result.writers}):
            user = services.find_user_by_email(email)
            key = keys.open_with_password(user, PASSWORD)
            rows = {
                e.id: e for e in db.session.scalars(select(Entry).where(Entry.owner_id == user.id))
            }
            for writer in (w for w in result.writers if w.email == email):
                for entry_id, text in writer.acknowledged.items():
                    row = rows.get(entry_id)
                    if row is None or row.deleted_at is not None:
                        lost += 1
                        continue
                    _title, body = key.open_entry(entry_id, row.sealed)
                    if body != text and body not in writer.unacknowledged.get(entry_id, []):
                        lost += 1
        stored = db.session.scalar(select(func.count()).select_from(Entry))
        db.engine.dispose()
    acknowledged = sum(len(w.acknowledged) for w in result.writers)
    maybe = sum(w.creates_unacknowledged for w in result.writers)
    result.lost = lost
    result.check(lost == 0, f"{lost} acknowledged saves lost")
    result.check(
        acknowledged <= stored <= acknowledged + maybe,
        f"{stored} entries stored, {acknowledged} acknowledged (+{maybe} unanswered)",
    )
    result.notes.append(
        f"{stored} entries in the database: {acknowledged} acknowledged creates"
        + (f" + {stored - acknowledged} of {maybe} unacknowledged creates" if maybe else "")
    )
    if installation.sqlite_file is not None:
        with sqlite3.connect(installation.sqlite_file) as connection:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        result.check(verdict == "ok", f"integrity_check: {verdict}")
        result.notes.append(f"PRAGMA integrity_check: {verdict}")


def write_for(server: Server, writers: list[Writer], seconds: float, fault=None) -> None:
    """Run the writers for `seconds`, or: BEFORE_FAULT seconds, `fault()`, AFTER_FAULT more."""
    stop, threads = start_writers(server.base, writers, PASSWORD)
    if fault is None:
        time.sleep(seconds)
    else:
        time.sleep(BEFORE_FAULT)
        fault()
        time.sleep(AFTER_FAULT)
    stop_writers(stop, threads)


def failures(result: Result) -> list:
    """Requests that got no answer or a 5xx."""
    return [r for r in result.requests if r.status == NETWORK_ERROR or r.status >= 500]


def check_fault_window(result: Result, fault: float, back: float) -> None:
    """Failures only between the fault and the moment the app (or database) was back."""
    failed = failures(result)
    early = [r for r in failed if r.started + r.seconds < fault]
    late = [r for r in failed if r.started > back + GRACE]
    result.check(not early, f"{len(early)} failures before the fault")
    result.check(not late, f"{len(late)} failures after recovery")
    if failed:
        end = max(r.started + r.seconds for r in failed)
        result.failing = f"{end - fault:.1f} s"
    answered_after = [
        r.started + r.seconds
        for r in result.requests
        if r.started > fault and NETWORK_ERROR < r.status < 400
    ]
    if answered_after:
        result.recovered = f"{min(answered_after) - fault:.1f} s"
    statuses = Counter("no answer" if r.status == NETWORK_ERROR else r.status for r in failed)
    summary = ", ".join(f"{count}× {status}" for status, count in statuses.items()) or "none"
    result.notes.append(
        f"failed requests: {summary}; the fault was over after {back - fault:.1f} s"
    )
    saving = [r for r in result.requests if r.is_save and r.started < fault]
    on_the_way = sum(1 for r in saving if r.started + r.seconds > fault)
    result.notes.append(f"{on_the_way} saves were on their way at the fault")
    answered = [r for r in result.requests if r.started > back + GRACE]
    result.check(
        any(NETWORK_ERROR < r.status < 400 for r in answered),
        "no successful request after recovery",
    )


def scenario_load(installation: Installation, name: str, seconds: float) -> Result:
    """50 writers for `seconds`: no 5xx, no unanswered request, nothing lost."""
    result = Result(name, installation.make_leaders())
    server = installation.server()
    server.start()
    try:
        write_for(server, result.writers, seconds)
    finally:
        server.stop()
    verify(installation, result)
    result.check(not failures(result), f"{len(failures(result))} failed requests")
    refused = result.count(lambda r: r.is_save and r.status == 200)
    result.check(refused == 0, f"{refused} saves answered with the form again")
    return result


def scenario_with_fault(installation: Installation, name: str, fault) -> Result:
    """Writers under way, then `fault(server)` (which returns a note on what it did) in the
    middle: nothing acknowledged is lost, and failures fall within the fault's window."""
    result = Result(name, installation.make_leaders())
    server = installation.server()
    server.start()
    times = {}

    def strike():
        times["fault"] = time.monotonic()
        note = fault(server)
        times["back"] = time.monotonic()
        result.notes.append(note)

    try:
        write_for(server, result.writers, 0, strike)
    finally:
        server.stop()
    verify(installation, result)
    check_fault_window(result, times["fault"], times["back"])
    return result


def scenario_kill9(installation: Installation, name: str) -> Result:
    """`kill -9` of gunicorn (master and workers) while writing; then start it again."""

    def kill_and_restart(server) -> str:
        server.kill9()
        time.sleep(1)
        boot = server.start()
        return f"gunicorn killed, down 1 s, restarted in {boot:.1f} s"

    return scenario_with_fault(installation, name, kill_and_restart)


def scenario_pg_restart(installation: Installation, cluster: Cluster, name: str) -> Result:
    """`pg_ctl restart -m fast` under load: the app recovers by itself."""
    result = scenario_with_fault(
        installation,
        name,
        lambda _server: f"pg_ctl restart -m fast took {cluster.restart():.1f} s",
    )
    pages = [(s, text) for w in result.writers for s, text in w.error_pages]
    result.check(all(s == 503 for s, _t in pages), "a 5xx other than 503 during the outage")
    result.check(not any("Traceback" in text for _s, text in pages), "a traceback was shown")
    return result


def keep_log(log: Path, name: str) -> None:
    """Keep the server's log of a failed scenario, and show its last error."""
    if not log.exists():
        return
    kept = Path(tempfile.gettempdir()) / f"journal-reliability-{name}.log"
    shutil.copy(log, kept)
    text = log.read_text(errors="replace")
    errors = [line for line in text.splitlines() if "[ERROR]" in line or "ERROR in" in line]
    print(f"   server log kept: {kept}" + (f"; last error: {errors[-1]}" if errors else ""))


def run(names: list[str], seconds: float, folder: Path) -> list:
    """Run the chosen scenarios in order; PostgreSQL ones share one throwaway cluster."""
    results = []
    with ExitStack() as stack:
        cluster = None
        for number, name in enumerate(names):
            print(f"== {name}", flush=True)
            url = None
            if name.endswith("postgresql"):
                if cluster is None:
                    try:
                        cluster = stack.enter_context(throwaway_cluster(DURABLE))
                    except PostgresUnavailable as error:
                        result = Result(name)
                        result.failed.append(f"PostgreSQL cannot run: {error}")
                        results.append(result)
                        continue
                url = f"{cluster.url}_{number}"
                create_database(url)
            installation = Installation(folder / name, url)
            installation.migrate()
            if name.startswith("slow-clients"):
                result = slow_clients.scenario(installation, name)
            elif name.startswith("load"):
                result = scenario_load(installation, name, seconds)
            elif name.startswith("kill9"):
                result = scenario_kill9(installation, name)
            else:
                result = scenario_pg_restart(installation, cluster, name)
            for note in result.notes:
                print(f"   {note}")
            if result.failed:
                keep_log(installation.folder / "gunicorn.log", name)
            print(f"   {'FAILED: ' + '; '.join(result.failed) if result.failed else 'ok'}")
            results.append(result)
    return results


def table(results: list[Result]) -> str:
    """The summary, as a Markdown table for the README."""
    lines = [
        "| scenario | requests | saves acknowledged | 5xx | no answer | lost writes "
        "| p50 / p99 ms | saves p50 / p99 ms | failing for | answering again after | result |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        seconds = [q.seconds for q in r.requests]
        saving = [q.seconds for q in r.requests if q.is_save and q.status == 302]
        saves = r.count(lambda q: q.is_save and q.status == 302)
        lines.append(
            f"| {r.name} | {len(seconds)} | {saves} | {r.count(lambda q: q.status >= 500)} "
            f"| {r.count(lambda q: q.status == NETWORK_ERROR)} | {r.lost} "
            f"| {percentile_ms(seconds, 50):.0f} / {percentile_ms(seconds, 99):.0f} "
            f"| {percentile_ms(saving, 50):.0f} / {percentile_ms(saving, 99):.0f} "
            f"| {r.failing} | {r.recovered} | {'FAILED' if r.failed else 'ok'} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of the load runs")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n]
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="journal-reliability-") as folder:
        results = run(names, args.seconds, Path(folder))
    print(f"\n{os.cpu_count()} CPUs, {time.monotonic() - started:.0f} s in all.")
    writing = [r for r in results if isinstance(r, Result)]
    if writing:
        print(
            f"\n{LEADERS} leaders × {WRITERS_PER_LEADER} writers, gunicorn with {WORKERS} sync "
            "workers on 127.0.0.1; latency over every request (form pages, saves, log-ins):\n"
        )
        print(table(writing))
    slow = [r for r in results if isinstance(r, slow_clients.SlowResult)]
    if slow:
        print(
            f"\nSlow connections sending a byte every {slow_clients.TRICKLE:.0f} s; normal "
            f"requests (GET /login) every {slow_clients.PROBE_EVERY} s for "
            f"{slow_clients.PROBE_SECONDS:.0f} s, each given {slow_clients.PROBE_TIMEOUT:.0f} s "
            "to answer; latency over the answered ones:\n"
        )
        print(slow_clients.table(slow))
    failed = [r for r in results if r.failed]
    for r in failed:
        print(f"\n{r.name} FAILED: {'; '.join(r.failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    threading.excepthook = lambda hook: print(f"writer crashed: {hook.exc_value!r}")
    sys.exit(main())
