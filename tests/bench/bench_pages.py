"""Benchmark of the main pages over HTTP: gunicorn (2 sync workers) on 127.0.0.1, loaded with wrk.

Run from the project root (`make bench` runs it after the search benchmark):

    .venv/bin/python -m tests.bench.bench_pages                 # 10,000 and 1,000,000 entries
    BENCH_SIZES=10k .venv/bin/python -m tests.bench.bench_pages   # the small size only

Each size is a SQLite database of demo leaders with 1,000 entries each (`flask demo-data`),
made once and kept under BENCH_CACHE (default /tmp/ledelsesjournal-bench), keyed by size;
`flask db upgrade` runs on it every time, so new migrations (indexes) apply. Four leaders log
in over HTTP; every page is loaded by wrk with 16 connections, rotating among their sessions
(the manager's pages: the director's, who has eight leaders at every size), for BENCH_SECONDS
(default 10) after a warm-up of 3 seconds. The ceiling is a one-route Flask app under the same
server and settings, measured before and after the pages (the mean counts); the floor is the
cheapest logged-in page (the privacy text), what every page costs before its own work. The
table gives req/s, p50 and p99 per page, req/s as a fraction of the ceiling, the server's CPU
time per request (from /proc: a busy machine disturbs it far less than req/s) and the
ceiling's share by that measure, the slowdown from the small to the large size, and the peak memory (VmHWM)
of the server processes. wrk runs on the same machine (2 threads) and takes some of the CPU
the server would otherwise have; the ceiling pays the same.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from journal.demo.generate import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SIZES = {"10k": (10, 1000), "1m": (1000, 1000)}
DATA_VERSION = 4  # raise when journal/demo changes what it makes
CONNECTIONS = 16
THREADS = 2
WARM_UP_SECONDS = 3
LOGGED_IN = 4  # the first four leaders; the first, the director, manages 8 at every size
# Targets at the large size: fraction of the ceiling's req/s, p99 and growth.
TARGETS = {"list": 0.20, "entry": 0.20, "goal": 0.20}
OTHER_TARGET = 0.08
P99_TARGET_MS = 50
GROWTH_TARGET = 1.3
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Result:
    """One wrk run, and the CPU time the server spent on it per request."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    cpu_ms: float = 0.0  # per request, all server processes: robust to a busy machine


def main() -> None:
    """Measure each size and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "10k,1m"))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed for the page benchmark: apt-get install wrk")
    sizes = [size.strip().lower() for size in args.sizes.split(",") if size.strip()]
    unknown = [size for size in sizes if size not in SIZES]
    if unknown:
        sys.exit(f"Unknown size(s) {', '.join(unknown)}: choose from {', '.join(SIZES)}")
    results, memory = {}, {}
    for size in sizes:
        instance = prepare(size)
        results[size], memory[size] = measure(instance, args.seconds)
    print_table(sizes, results, memory, args.seconds)


# --- The databases ------------------------------------------------------------------------


def prepare(size: str) -> Path:
    """The instance folder of `size` (secret key and database), made on first use."""
    leaders, per_leader = SIZES[size]
    cache = Path(os.environ.get("BENCH_CACHE", "/tmp/ledelsesjournal-bench"))  # noqa: S108
    instance = cache / f"{leaders}x{per_leader}-v{DATA_VERSION}"
    done = instance / "made"
    env = app_env(instance)
    if not done.exists():
        shutil.rmtree(instance, ignore_errors=True)
        instance.mkdir(parents=True)
        print(f"Making the {size} database in {instance} (once) …", file=sys.stderr)
        run([BIN / "python", "-m", "journal.keygen"], env)
    run([BIN / "flask", "--app", "wsgi", "db", "upgrade"], env)
    if not done.exists():
        started = time.perf_counter()
        sizes = ["--leaders", str(leaders), "--entries-per-leader", str(per_leader)]
        run([BIN / "flask", "--app", "wsgi", "demo-data", *sizes, "--seed", "1"], env)
        print(f"  made in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        done.touch()
    return instance


def app_env(instance: Path) -> dict:
    """The environment the app runs in for this instance folder."""
    return {
        **os.environ,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'journal.sqlite3'}",
        "SESSION_COOKIE_SECURE": "0",
    }


def run(command: list, env: dict) -> None:
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


# --- Serving and loading ------------------------------------------------------------------


class Server:
    """gunicorn serving `app` with 2 sync workers on a free port of 127.0.0.1."""

    def __init__(self, app: str, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [BIN / "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"]
        self.process = subprocess.Popen([*command, app], env=env, cwd=ROOT)
        deadline = time.monotonic() + 30
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start for {app}")
            time.sleep(0.1)

    def peak_memory_mb(self) -> list[float]:
        """VmHWM of the master and each worker, in MB."""
        return [vm_hwm_kb(pid) / 1024 for pid in self.pids()]

    def cpu_seconds(self) -> float:
        """User and system CPU time of the master and its workers so far."""
        total = 0
        for pid in self.pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [self.process.pid] + [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def vm_hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


# Sent by the log-in, the checks and wrk alike, as one browser sends one User-Agent: the
# session remembers a hash of it and the address (Flask-Login's session protection), and a
# request without it marks the session "not fresh" and so signs the cookie again, on every
# request of the run (wrk never keeps a new cookie): 0.3 ms of the floor that no browser pays.
USER_AGENT = "ledelsesjournal-bench"


def log_in(base: str, email: str) -> str:
    """Log in over HTTP as a browser does; the Cookie header of the new session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/login").read().decode()
    form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": CSRF.search(page)[1]}
    opener.open(f"{base}/login", data=urllib.parse.urlencode(form).encode()).read()
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_page(base: str, path: str, cookie: str) -> None:
    """The page answers 200 for this session (not a redirect to the log-in)."""
    opener = urllib.request.build_opener(NoRedirect)
    opener.addheaders = [("User-Agent", USER_AGENT)]
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310
    status = opener.open(request).status
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")


LUA = """
local requests = {%s}
local n = 0
request = function()
  n = n %% #requests + 1
  return wrk.format("GET", requests[n][1], {["Cookie"] = requests[n][2], ["User-Agent"] = "%s"})
end
"""


def wrk(server: Server, requests: list[tuple[str, str]], seconds: int) -> Result:
    """Load `requests` (path, cookie), round robin, with wrk; the figures it reports."""
    base = server.url
    items = ", ".join(f'{{"{path}", "{cookie}"}}' for path, cookie in requests)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(LUA % (items, USER_AGENT))
        script.flush()
        command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", "--latency", "-s", script.name]
        subprocess.run([*command, f"-d{WARM_UP_SECONDS}s", base], check=True, capture_output=True)
        cpu = server.cpu_seconds()
        output = subprocess.run(
            [*command, f"-d{seconds}s", base], check=True, capture_output=True, text=True
        ).stdout
        cpu = server.cpu_seconds() - cpu
    result = parse_wrk(output)
    result.cpu_ms = cpu * 1000 / max(result.requests, 1)
    return result


def parse_wrk(output: str) -> Result:
    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: .*", output)
    if socket_errors:
        print(f"  wrk: {socket_errors[0]}", file=sys.stderr)
    return Result(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        p50_ms=ms("50%"),
        p99_ms=ms("99%"),
        errors=int(errors[1]) if errors else 0,
        requests=int(re.search(r"(\d+) requests in", output)[1]),
    )


# --- The pages ----------------------------------------------------------------------------


def pages_of(instance: Path, sessions: dict[int, str]) -> dict[str, list[tuple[str, str]]]:
    """Per page, the (path, cookie) of each logged-in leader, read from the database."""
    database = sqlite3.connect(f"file:{instance / 'journal.sqlite3'}?mode=ro", uri=True)
    pages: dict[str, list] = {}

    def add(page: str, path: str, user_id: int) -> None:
        pages.setdefault(page, []).append((path, sessions[user_id]))

    for user_id in sessions:
        live = database.execute(
            "SELECT entry_date, id FROM entries WHERE owner_id = ? AND deleted_at IS NULL"
            " ORDER BY entry_date DESC, id DESC",
            (user_id,),
        ).fetchall()
        deep = live[len(live) * 9 // 10]
        goal = database.execute(
            "SELECT id FROM goals WHERE owner_id = ? AND status = 'active' ORDER BY position",
            (user_id,),
        ).fetchone()[0]
        add(FLOOR, "/privacy", user_id)
        add("dashboard", "/", user_id)
        add("list", "/journal/", user_id)
        add("list, deep page", f"/journal/?after={deep[0]}.{deep[1]}", user_id)
        add("entry", f"/journal/{live[len(live) // 2][1]}", user_id)
        add("search", "/journal/?q=medarbejderne+tillid", user_id)
        add("goal", f"/goals/{goal}", user_id)
        add("review, 12 months", "/review/?period=12", user_id)
        team = database.execute(
            "SELECT l.leader_id, s.goal_id FROM manager_links l JOIN shares s ON s.link_id = l.id"
            " WHERE l.manager_id = ? AND l.status = 'accepted'",
            (user_id,),
        ).fetchall()
        if team and user_id == min(sessions):  # the director: 8 leaders at every size
            add("manager: team", "/team/", user_id)
            for leader_id, goal_id in team:
                add("manager: shared goal", f"/team/{leader_id}/goals/{goal_id}", user_id)
    return pages


def measure(instance: Path, seconds: int) -> tuple[dict[str, Result], dict[str, list[float]]]:
    """Every page of one size, and the ceiling; peak memory of both servers."""
    print(f"  {instance.name}: {load_average()}", file=sys.stderr)
    memory: dict[str, list[float]] = {}
    results = {CEILING: ceiling(seconds, memory)}
    database = sqlite3.connect(f"file:{instance / 'journal.sqlite3'}?mode=ro", uri=True)
    first = database.execute("SELECT min(id) FROM users").fetchone()[0]
    emails = database.execute(
        "SELECT id, email FROM users WHERE id < ? ORDER BY id", (first + LOGGED_IN,)
    ).fetchall()
    server = Server("wsgi:app", app_env(instance))
    try:
        sessions = {user_id: log_in(server.url, email) for user_id, email in emails}
        for page, requests in pages_of(instance, sessions).items():
            for path, cookie in requests:
                check_page(server.url, path, cookie)
            results[page] = wrk(server, requests, seconds)
            print(f"  {instance.name} {page}: {results[page].rps:.0f} req/s", file=sys.stderr)
        memory["app"] = server.peak_memory_mb()
    finally:
        server.stop()
    # The ceiling again, after: the mean of both stands for the machine during the pages.
    before, after = results[CEILING], ceiling(seconds, {})
    results[CEILING] = Result(
        rps=(before.rps + after.rps) / 2,
        p50_ms=(before.p50_ms + after.p50_ms) / 2,
        p99_ms=(before.p99_ms + after.p99_ms) / 2,
        errors=before.errors + after.errors,
        requests=before.requests + after.requests,
        cpu_ms=(before.cpu_ms + after.cpu_ms) / 2,
    )
    print(f"  ceiling before {before.rps:.0f}, after {after.rps:.0f} req/s", file=sys.stderr)
    return results, memory


def ceiling(seconds: int, memory: dict) -> Result:
    """The one-route Flask app under the same server: what the server itself allows."""
    server = Server("tests.bench.hello:app", {**os.environ})
    try:
        result = wrk(server, [("/", "")], seconds)
        memory["ceiling"] = server.peak_memory_mb()
    finally:
        server.stop()
    return result


# --- The table ----------------------------------------------------------------------------


CEILING = "ceiling (hello world)"
# What every page of the app costs before its own work: a logged-in request (the user and
# the session's key loaded, access checked) rendering the layout around a static text.
FLOOR = "floor (privacy page, logged in)"


def target_of(page: str) -> float | None:
    if page in (CEILING, FLOOR):
        return None
    return TARGETS.get(page.split(",")[0], OTHER_TARGET)


def print_table(sizes: list[str], results: dict, memory: dict, seconds: int) -> None:
    """The Markdown table: each size side by side, the growth and the targets.

    "of ceiling" compares req/s, as measured; "CPU" compares the server's CPU time per
    request, which a busy machine disturbs much less (wrk's own share cancels out too).
    """
    header = ["page"]
    for size in sizes:
        header += [f"{size} {name}" for name in ("req/s", "p50 ms", "p99 ms", "of ceiling")]
        header += [f"{size} CPU ms/req", f"{size} of ceiling by CPU"]
    if len(sizes) > 1:
        header.append(f"{sizes[-1]} / {sizes[0]} time (CPU)")
    header.append("target")
    print(
        f"\nPages over HTTP: gunicorn, 2 sync workers; wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s"
    )
    print(f"({os.cpu_count()} CPUs, wrk on the same machine, SQLite; {load_average()})\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["--:"] * (len(header) - 1)) + "|")
    misses = []
    for page in results[sizes[0]]:
        row = [page]
        for size in sizes:
            result, ceiling = results[size].get(page), results[size][CEILING]
            if result is None:
                row += ["–"] * 6
                continue
            errors = f" ({result.errors} errors)" if result.errors else ""
            row += [
                f"{result.rps:,.0f}{errors}",
                f"{result.p50_ms:.1f}",
                f"{result.p99_ms:.1f}",
                f"{result.rps / ceiling.rps:.1%}",
                f"{result.cpu_ms:.2f}",
                f"{ceiling.cpu_ms / result.cpu_ms:.1%}",
            ]
        small, large = results[sizes[0]].get(page), results[sizes[-1]].get(page)
        growth = small.rps / large.rps if small and large else None
        if len(sizes) > 1:
            cpu_growth = large.cpu_ms / small.cpu_ms if small and large else None
            row.append(f"{growth:.2f}× ({cpu_growth:.2f}×)" if growth else "–")
        target = target_of(page)
        if target is None or large is None:
            row.append("")
        else:
            ceiling = results[sizes[-1]][CEILING]
            ok = large.rps / ceiling.rps >= target and large.p99_ms < P99_TARGET_MS
            ok = ok and (growth is None or len(sizes) == 1 or growth <= GROWTH_TARGET)
            row.append(f"≥ {target:.0%}: {'met' if ok else 'MISSED'}")
            if not ok:
                misses.append(page)
        print("| " + " | ".join(row) + " |")
    print("\nPeak memory of the servers (VmHWM), MB: master, then each worker")
    for size in sizes:
        for name, values in memory[size].items():
            print(f"- {size}, {name}: " + ", ".join(f"{value:.0f}" for value in values))
    print(
        f"\nTargets at {sizes[-1]}: share of the ceiling's req/s as shown, p99 < {P99_TARGET_MS} ms"
        + (f", at most {GROWTH_TARGET}× slower than {sizes[0]}" if len(sizes) > 1 else "")
        + (f". Missed: {', '.join(misses)}." if misses else ". All met.")
    )


def load_average() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
