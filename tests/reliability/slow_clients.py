"""Slow clients: connections that trickle their headers (a few a body), one byte a second,
while normal requests (GET /login, 4 a second, 5 s to answer) are timed.

- slow-clients-nginx: nginx (deploy/nginx.conf, plain HTTP) in front of gunicorn as
  deploy/ledelsesjournal.service runs it: 200 + 5 slow connections, every normal request
  answered, quickly;
- slow-clients-gunicorn: the same 200 + 5 against gunicorn's sync workers alone (the README's
  production command before deploy/): normal requests stop being answered, the finding;
- slow-clients-make-run: `make run`'s gunicorn (gthread) and a handful (4 + 1): answered;
- slow-clients-make-run-200: `make run`'s gunicorn and 200 + 5: normal requests fail, all
  or (where one worker took nearly all the slow ones) part of them, which is why an
  organisation puts nginx in front.

A slow connection that the server closes (nginx's client_header_timeout) is opened again,
as an attacker's would be.
"""

import http.client
import socket
import statistics
import threading
import time
from dataclasses import dataclass, field
from itertools import cycle

from tests.nginx import Nginx, NginxUnavailable
from tests.reliability.server import ROOT, Server

NETWORK_ERROR = 0  # the status recorded when no HTTP answer came (refused, reset, timeout)
TRICKLE = 1.0  # seconds between two bytes of a slow connection
PROBE_EVERY = 0.25  # seconds between two normal requests
PROBE_TIMEOUT = 5.0  # a normal request not answered within this counts as failed
SETTLE = 2.0  # seconds for the slow connections to take hold before normal requests start
PROBE_SECONDS = 20.0  # longer than nginx's client_header_timeout: its closing shows
FAST_ENOUGH_MS = 1000  # p99 of the normal requests where they must keep being answered
# What a set-up must show: every normal request answered (within FAST_ENOUGH_MS at p99);
# normal requests stopped (at most a tenth answered: the finding); or some of them failing.
ANSWERED, STOPPED, SOME_FAIL = "answered", "stopped", "some fail"
CONFIG = ("--config", str(ROOT / "deploy" / "gunicorn.conf.py"))
HEADERS_OPENING = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
HEADERS_TRICKLE = b"X-Slow: a\r\n"
BODY_OPENING = (
    b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n\r\n"
)
BODY_TRICKLE = b"a"


@dataclass(frozen=True)
class SetUp:
    """What serves the app, how many slow connections it gets, and what must happen."""

    label: str
    workers: int
    options: tuple[str, ...]
    nginx: bool
    slow_headers: int
    slow_bodies: int
    expected: str  # ANSWERED, STOPPED or SOME_FAIL


# As deploy/ledelsesjournal.service and the Makefile's `run` start gunicorn.
PRODUCTION = {"workers": 4, "options": CONFIG}
MAKE_RUN = {"workers": 2, "options": (*CONFIG, "--worker-class", "gthread", "--threads", "8")}
SET_UPS = {
    "slow-clients-nginx": SetUp(
        "nginx → gunicorn, 4 sync workers (deploy/)", **PRODUCTION, nginx=True,
        slow_headers=200, slow_bodies=5, expected=ANSWERED,
    ),
    "slow-clients-gunicorn": SetUp(
        "gunicorn alone, 4 sync workers", **PRODUCTION, nginx=False,
        slow_headers=200, slow_bodies=5, expected=STOPPED,
    ),
    "slow-clients-make-run": SetUp(
        "make run: gunicorn alone, 2 gthread workers × 8 threads", **MAKE_RUN, nginx=False,
        slow_headers=4, slow_bodies=1, expected=ANSWERED,
    ),
    "slow-clients-make-run-200": SetUp(
        "make run: gunicorn alone, 2 gthread workers × 8 threads", **MAKE_RUN, nginx=False,
        slow_headers=200, slow_bodies=5, expected=SOME_FAIL,
    ),
}  # fmt: skip


@dataclass
class SlowResult:
    """What one slow-client scenario measured, and the checks it failed."""

    name: str
    set_up: SetUp
    probes: list[tuple[float, int]] = field(default_factory=list)  # (seconds, status)
    closed_by_server: int = 0
    failed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def answered(self) -> list[float]:
        return [seconds for seconds, status in self.probes if status == 200]

    def check(self, ok: bool, problem: str) -> None:
        if not ok:
            self.failed.append(problem)


class Trickler:
    """Slow connections kept open on `port`: each sends one byte every TRICKLE seconds, of
    headers that never end or of a body far from its Content-Length, and is opened again
    when the server closes it (or answers, which ends it too)."""

    def __init__(self, port: int, headers: int, bodies: int):
        self.port = port
        self.kinds = [(HEADERS_OPENING, HEADERS_TRICKLE)] * headers
        self.kinds += [(BODY_OPENING, BODY_TRICKLE)] * bodies
        self.closed_by_server = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open(self, opening: bytes, trickle: bytes):
        """A connection that has sent its opening; the bytes it will trickle."""
        connection = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        connection.sendall(opening)
        connection.setblocking(False)
        return connection, cycle(trickle)

    def run(self) -> None:
        slow = [self.open(*kind) for kind in self.kinds]
        while not self.stop.wait(TRICKLE):
            for number, (connection, trickle) in enumerate(slow):
                if not self.trickle(connection, trickle):
                    connection.close()
                    self.closed_by_server += 1
                    slow[number] = self.open(*self.kinds[number])
        for connection, _trickle in slow:
            connection.close()

    @staticmethod
    def trickle(connection: socket.socket, trickle) -> bool:
        """Send the next byte; False if the server has closed the connection or answered."""
        try:
            connection.recv(4096)  # anything, even nothing (closed), ends it
        except BlockingIOError:
            try:
                connection.send(bytes([next(trickle)]))
            except OSError:
                return False
            return True
        except OSError:
            pass
        return False


def probe(port: int, into: list) -> None:
    """One normal request, GET /login as a browser would send it; (seconds, status) into
    `into`, the status NETWORK_ERROR when nothing came within PROBE_TIMEOUT."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
    try:
        connection.request("GET", "/login")
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = NETWORK_ERROR
    finally:
        connection.close()
    into.append((time.monotonic() - started, status))


def measure(port: int, result: SlowResult) -> None:
    """Slow connections on `port`, then normal requests for PROBE_SECONDS beside them."""
    set_up = result.set_up
    for _ in range(10):  # every worker has served a page before the slow ones come
        probe(port, [])
    trickler = Trickler(port, set_up.slow_headers, set_up.slow_bodies)
    trickler.thread.start()
    time.sleep(SETTLE)
    end = time.monotonic() + PROBE_SECONDS
    while time.monotonic() < end:
        threading.Thread(target=probe, args=(port, result.probes), daemon=True).start()
        time.sleep(PROBE_EVERY)
    time.sleep(PROBE_TIMEOUT + 0.5)  # the last ones answer or time out
    trickler.stop.set()
    trickler.thread.join(10)
    result.closed_by_server = trickler.closed_by_server


def percentile_ms(values: list[float], p: int) -> str:
    """The p-th percentile of `values` (seconds) in milliseconds, or – without any."""
    if not values:
        return "–"
    if len(values) < 2:
        return f"{values[0] * 1000:.0f}"
    return f"{statistics.quantiles(values, n=100, method='inclusive')[p - 1] * 1000:.0f}"


def scenario(installation, name: str) -> SlowResult:
    """Serve the app as `name`'s set-up says, with its slow connections; check the outcome."""
    set_up = SET_UPS[name]
    result = SlowResult(name, set_up)
    installation.make_leaders()  # an installation in use: /login is the log-in page
    server = Server(
        installation.env, installation.folder / "gunicorn.log", set_up.workers, set_up.options
    )
    nginx = None
    if set_up.nginx:
        try:
            nginx = Nginx(installation.folder / "nginx", server.port, tls=False)
        except NginxUnavailable as error:
            result.failed.append(f"nginx cannot run: {error}")
            return result
    server.start()
    try:
        if nginx is not None:
            nginx.start()
        measure(nginx.port if nginx else server.port, result)
    finally:
        if nginx is not None:
            nginx.stop()
        server.stop()
    answered, total = len(result.answered), len(result.probes)
    result.notes.append(
        f"{set_up.slow_headers} + {set_up.slow_bodies} slow connections "
        f"({result.closed_by_server} closed by the server and opened again); "
        f"{answered} of {total} normal requests answered, p50 / p99 "
        f"{percentile_ms(result.answered, 50)} / {percentile_ms(result.answered, 99)} ms"
    )
    if set_up.expected == ANSWERED:
        result.check(answered == total, f"{total - answered} normal requests not answered")
        p99 = percentile_ms(result.answered, 99)
        result.check(
            answered > 0 and float(p99) <= FAST_ENOUGH_MS,
            f"p99 of normal requests {p99} ms, over {FAST_ENOUGH_MS} ms",
        )
    elif set_up.expected == STOPPED:
        result.check(
            answered <= total / 10,
            f"{answered} of {total} normal requests answered: the slow connections did not "
            "stop this server (the finding no longer holds)",
        )
    else:
        result.check(answered < total, "every normal request answered (the limit moved)")
    return result


def table(results: list[SlowResult]) -> str:
    """The summary, as a Markdown table for the README."""
    lines = [
        "| scenario | set-up | slow connections (headers + body) | normal requests "
        "| answered | p50 / p99 ms | slow ones closed by the server | expected | result |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        s = r.set_up
        lines.append(
            f"| {r.name} | {s.label} | {s.slow_headers} + {s.slow_bodies} | {len(r.probes)} "
            f"| {len(r.answered)} | {percentile_ms(r.answered, 50)} / "
            f"{percentile_ms(r.answered, 99)} | {r.closed_by_server} "
            f"| {s.expected} | {'FAILED' if r.failed else 'ok'} |"
        )
    return "\n".join(lines)
