"""Benchmark of importing: a worker's peak memory for ZIP bombs and for a real export.

Run from the project root (`make bench` runs it):

    .venv/bin/python -m tests.bench.bench_import                  # every case
    .venv/bin/python -m tests.bench.bench_import --only list,real # some of them
    .venv/bin/python -m tests.bench.bench_import --before 5c6663e --memory-limit 8

Not a test (pytest collects test_*.py only). The files are made first, in a temporary
folder. Then each case runs in a process of its own, started for it: the app on a new SQLite
database, a leader logged in through the log-in form, a small import first (the leader's own
empty export: the page and the code warmed), then the one measured: the file posted to the
import page as a browser posts it. The table gives what the import did (refused, and why, or
what it added), the growth of the process's peak memory during the request (VmHWM, reset
just before it, over VmRSS then) and its seconds. A process may take at most --memory-limit
GB of address space (RLIMIT_AS, default 3): a case that needs more ends in MemoryError and the
table says so, rather than the machine running out of memory.

The cases:
- `list`: 190 KB of `[{},{},…]`, 200 MB unpacked: the ZIP that grew a worker by 5 GB;
- `entries`, `nested`, `string`, `keys`: ZIPs of the same size that begin as a journal.json
  does: a list of empty objects, arrays nested in arrays, one huge string, distinct keys;
- `limits`: a file just within every limit: MAX_ELEMENTS elements (objects of one member
  each, the costliest shape), in a ZIP that shrank exactly as much as MAX_RATIO allows;
- `real`: a real export: the demo leader who has a manager (`flask demo-data`: its texts,
  goals, check-ins, a shared goal and comments) with 5,000 entries, exported as the My data
  page does, imported into a new account.

`--before REV` measures with the importer's `load` (how a file is read and parsed) as it was
at git revision REV, everything else as it is now: the figures from before a change.
"""

import argparse
import base64
import gc
import io
import itertools
import json
import logging
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import types
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from journal import create_app, journal_key
from journal.auth import keys
from journal.auth.services import create_user
from journal.demo import generate as demo
from journal.extensions import db
from journal.framework import current_framework
from journal.models import Entry, User
from journal.models.user import utcnow
from journal.my_data import importer
from journal.my_data.export import export_zip

ROOT = Path(__file__).resolve().parents[2]
# Cheap password hashing, as the tests use: only the import is measured here.
FAST_HASH = "scrypt:1024:8:1"
PASSWORD = "en rolig tur langs havnen"
EMAIL = "leder@example.dk"
BOMB_BYTES = 190 * 1024  # the size of the ZIP in the issue
PIECE = 1024 * 1024
REAL_ENTRIES = 5_000
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --- The files ----------------------------------------------------------------------------


def bomb(path: Path, start: bytes, pieces: Iterator[bytes], end: bytes) -> None:
    """A ZIP of about BOMB_BYTES at `path`: journal.json is `start`, as many `pieces` as
    fit, `end` (written as they come: the 200 MB unpacked are never in memory)."""
    with (
        path.open("wb") as file,
        zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("journal.json", "w") as member,
    ):
        member.write(start)
        for piece in pieces:
            if file.tell() >= BOMB_BYTES:
                break
            member.write(piece)
        member.write(end)


def distinct_keys() -> Iterator[bytes]:
    """`"k0": 0, "k1": 0, …`, a piece at a time."""
    numbers = itertools.count()
    while True:
        yield b"".join(b'"k%d": 0, ' % next(numbers) for _ in range(5_000))


def within_the_limits(path: Path) -> None:
    """MAX_ELEMENTS elements, objects of one member each, after a random text just long
    enough that the ZIP shrank no more than MAX_RATIO allows."""
    count = (importer.MAX_ELEMENTS - 2) // 2  # each object and its comma; the root, "[", ","
    objects = b"[" + b'{"a": 0}, ' * (count - 1) + b'{"a": 0}]'
    filler = 0
    while True:
        text = base64.b64encode(random.Random(filler).randbytes(filler))
        content = b'{"filler": "' + text + b'", "entries": ' + objects + b"}"
        archive = zipped(content)
        info = zipfile.ZipFile(io.BytesIO(archive)).getinfo("journal.json")
        if info.file_size <= importer.MAX_RATIO * info.compress_size + importer.RATIO_ALLOWANCE:
            path.write_bytes(archive)
            return
        filler += 8 * 1024


def zipped(content: bytes) -> bytes:
    """A ZIP holding `content` as journal.json."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("journal.json", content)
    return buffer.getvalue()


def real_export(path: Path, entries: int) -> None:
    """The export of a demo leader with a manager and `entries` entries."""
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        app = make_app(folder)
        with app.test_request_context():
            db.create_all()
            demo.make_demo(2, entries, seed=1)  # the first is the second's manager
            leader = db.session.scalars(select(User).order_by(User.id.desc())).first()
            journal_key.use_for_request(keys.open_with_password(leader, demo.DEMO_PASSWORD))
            path.write_bytes(export_zip(leader, current_framework()))
            db.session.remove()
            db.engine.dispose()


@dataclass
class Case:
    """A file to import: its name for --only, its label in the table, and how it is made."""

    name: str
    label: str
    make: Callable[[Path], None]


def all_cases(entries: int) -> list[Case]:
    """Every case; the real export with `entries` entries."""
    return [
        Case(
            "list",
            "190 KB ZIP of [{},{},…]",
            lambda path: bomb(path, b"[", itertools.repeat(b"{}," * (PIECE // 3)), b"{}]"),
        ),
        Case(
            "entries",
            '190 KB ZIP of {"entries": [{},{},…]}',
            lambda path: bomb(
                path, b'{"entries": [', itertools.repeat(b"{}," * (PIECE // 3)), b"{}]}"
            ),
        ),
        Case(
            "nested",
            '190 KB ZIP of {"entries": [[[[…',
            lambda path: bomb(path, b'{"entries": ', itertools.repeat(b"[" * PIECE), b""),
        ),
        Case(
            "string",
            '190 KB ZIP of {"a": "xxxx…"}',
            lambda path: bomb(path, b'{"a": "', itertools.repeat(b"x" * PIECE), b'"}'),
        ),
        Case(
            "keys",
            '190 KB ZIP of {"k0": 0, "k1": 0, …}',
            lambda path: bomb(path, b"{", distinct_keys(), b'"end": 0}'),
        ),
        Case("limits", "just within every limit", within_the_limits),
        Case(
            "real", f"a real export, {entries:,} entries", lambda path: real_export(path, entries)
        ),
    ]


# --- One case, in a process of its own -----------------------------------------------------


def make_app(folder: str) -> Flask:
    """The app on a new SQLite database in `folder`, with cheap password hashing."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-" + "x" * 32,
            "INSTANCE_PATH": folder,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "KEY_DERIVATION": FAST_HASH,
        }
    )


def memory_mb(field: str) -> float:
    """VmRSS or VmHWM of this process, in MB (10^6 bytes)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024 / 1e6
    raise LookupError(field)


def reset_peak() -> None:
    """Let VmHWM start again from VmRSS (Linux: clear_refs 5)."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def use_load_from(revision: str) -> None:
    """Read and parse uploads with the importer's `load` as it was at `revision`."""
    where = f"{revision}:journal/my_data/importer.py"
    source = subprocess.run(
        ["git", "show", where], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    then = types.ModuleType("journal.my_data.importer_then")
    sys.modules[then.__name__] = then  # dataclasses look their module up
    exec(compile(source, where, "exec"), then.__dict__)  # noqa: S102 (our own code, from git)
    then.ImportRefused = importer.ImportRefused  # the refusals the page catches
    importer.load = then.load


class Refusals(logging.Handler):
    """Keeps the refusals the import page logs."""

    def __init__(self):
        super().__init__()
        self.seen: list[importer.ImportRefused] = []

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith("Import refused"):
            self.seen.append(record.args[1])


def log_in(client) -> str:
    """Log in through the form; the CSRF token of the My data page."""
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    return CSRF.search(client.get("/account/my-data").get_data(as_text=True)).group(1)


def post(client, token: str, content: bytes, name: str):
    """Post `content` to the import page, as the page's form sends a chosen file."""
    return client.post(
        "/account/my-data/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def measure(upload: Path, before: str | None, memory_limit_gb: float) -> dict:
    """Import `upload` as a logged-in leader; what it did, its peak memory and seconds."""
    limit = int(memory_limit_gb * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if before:
        use_load_from(before)
    refusals = Refusals()
    logging.getLogger("journal").addHandler(refusals)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        app = make_app(folder)
        with app.app_context():
            db.create_all()
            user = create_user(EMAIL, "Bente Leder", PASSWORD, must_change_password=False)
            keys.set_up_keys(user, PASSWORD)
            user.recovery_key_confirmed_at = utcnow()
            db.session.commit()
            user_id = user.id
        client = app.test_client()
        token = log_in(client)
        own = client.post("/account/my-data/export", data={"csrf_token": token}).get_data()
        post(client, token, own, "own.zip")  # warm: nothing to add
        content = upload.read_bytes()  # the request's body, as it arrives
        gc.collect()
        reset_peak()
        before_mb = memory_mb("VmRSS")
        started = time.perf_counter()
        try:
            post(client, token, content, upload.name)
            failure = None
        except MemoryError:
            failure = f"MemoryError (over {memory_limit_gb:g} GB)"
        seconds = time.perf_counter() - started
        peak_mb = memory_mb("VmHWM")
        with app.app_context():
            entries = db.session.scalar(select(func.count()).where(Entry.owner_id == user_id))
            db.engine.dispose()
    if failure:
        result = failure
    elif refusals.seen:
        result = f"refused: {refusals.seen[-1].reason}"
    else:
        result = f"imported: {entries:,} entries"
    return {"result": result, "extra_mb": peak_mb - before_mb, "seconds": seconds}


# --- All of them ---------------------------------------------------------------------------


def run_case(upload: Path, args) -> dict:
    """Measure the import of `upload` in a new process."""
    command = [sys.executable, "-m", "tests.bench.bench_import", "--measure", str(upload)]
    command += ["--memory-limit", str(args.memory_limit)]
    if args.before:
        command += ["--before", args.before]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        return {"result": f"failed: {tail[0][:60]}", "extra_mb": None, "seconds": None}
    return json.loads(done.stdout.strip().splitlines()[-1])


def unpacked_size(upload: Path) -> int:
    """The size of the upload's journal.json, unpacked."""
    with zipfile.ZipFile(upload) as archive:
        return archive.getinfo("journal.json").file_size


def mb(size: float) -> str:
    """`size` bytes in MB, for the table."""
    return f"{size / 1e6:,.2f} MB" if size < 1e7 else f"{size / 1e6:,.0f} MB"


def main() -> None:
    """Make the files and measure each case in a process of its own; or, with --measure,
    be that process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [case.name for case in all_cases(REAL_ENTRIES)]
    parser.add_argument("--only", help="cases, by name: " + ", ".join(names))
    parser.add_argument("--before", metavar="REV", help="the importer's load as at REV")
    parser.add_argument("--memory-limit", type=float, default=3, metavar="GB")
    parser.add_argument("--entries", type=int, default=REAL_ENTRIES, help="of the real export")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # in the new process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.before, args.memory_limit)))
        return
    chosen = [name.strip() for name in args.only.split(",")] if args.only else names
    if unknown := set(chosen) - set(names):
        sys.exit(f"Unknown case(s) {', '.join(sorted(unknown))}")
    cases = [case for case in all_cases(args.entries) if case.name in chosen]
    if args.before:
        print(f"Importing through the page, each case in a new process; load as at {args.before}.")
    else:
        print(
            "Importing through the page, each case in a new process. Limits: journal.json "
            f"{importer.MAX_JSON_BYTES / 2**20:g} MiB, unpacked at most {importer.MAX_RATIO} "
            f"times packed (+ {importer.RATIO_ALLOWANCE / 2**20:g} MiB), "
            f"{importer.MAX_ELEMENTS:,} elements."
        )
    print(
        f"Memory limit {args.memory_limit:g} GB; nproc {os.cpu_count()}, "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print(f"{'case':40} {'upload':>10} {'unpacked':>10}  {'result':34} {'peak +MB':>9} {'s':>6}")
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        for case in cases:
            upload = Path(folder) / f"{case.name}.zip"
            case.make(upload)
            row = run_case(upload, args)
            extra = "–" if row["extra_mb"] is None else f"{row['extra_mb']:.1f}"
            seconds = "–" if row["seconds"] is None else f"{row['seconds']:.2f}"
            print(
                f"{case.label:40} {mb(upload.stat().st_size):>10} "
                f"{mb(unpacked_size(upload)):>10}  {row['result']:34} {extra:>9} {seconds:>6}",
                flush=True,
            )


if __name__ == "__main__":
    main()
