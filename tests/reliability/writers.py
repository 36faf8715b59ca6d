"""Concurrent writers: leaders creating and editing entries through the app's own forms.

Each writer is a browser of its own (a cookie jar, urllib, no redirects followed) logged in
as one leader. A save counts as acknowledged when the app answers with its redirect to the
entry; that text must be in the database afterwards.
"""

import http.client
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')
ENTRY_DATE = re.compile(r'name="entry_date"[^>]*value="([0-9-]+)"')
TASK = re.compile(r'name="tasks"[^>]*value="([a-z_-]+)"')
SAVED = re.compile(r"/journal/(\d+)$")
WORDS = [
    "tillid",
    "medarbejderne",
    "borgeren",
    "feedback",
    "retning",
    "rammer",
    "opfølgning",
    "møde",
    "dialog",
    "ansvar",
    "uddelegering",
    "nærvær",
    "refleksion",
    "kollegerne",
    "teamet",
    "prioritering",
    "samarbejde",
    "mod",
    "ro",
    "tid",
]
NETWORK_ERROR = 0  # the status recorded when no HTTP answer came (refused, reset, timeout)


@dataclass
class Request:
    """One HTTP request as a writer saw it."""

    started: float  # time.monotonic()
    seconds: float
    method: str
    path: str
    status: int

    @property
    def is_save(self) -> bool:
        """A create or an edit of an entry (not a log-in, not a form page)."""
        return self.method == "POST" and self.path.startswith("/journal/")


@dataclass
class Writer:
    """What one writer did: its requests, and per entry the texts saved and attempted."""

    number: int
    email: str
    requests: list[Request] = field(default_factory=list)
    # entry id -> the text of the last acknowledged save
    acknowledged: dict[int, str] = field(default_factory=dict)
    # entry id -> texts sent after that without an acknowledgement (may or may not be saved)
    unacknowledged: dict[int, list[str]] = field(default_factory=dict)
    creates_unacknowledged: int = 0
    error_pages: list[tuple[int, str]] = field(default_factory=list)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep redirects as answers: the redirect after a save is the acknowledgement."""

    def redirect_request(self, *_args, **_kwargs):
        return None


class Browser:
    """A cookie jar and a way to send requests, recording each one."""

    def __init__(self, base: str, writer: Writer):
        self.base, self.writer = base, writer
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect()
        )

    def send(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        """(status, body, Location) of one request; status 0 when no answer came."""
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if data else None
        request = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310
        started = time.monotonic()
        try:
            try:
                response = self.opener.open(request, timeout=30)
            except urllib.error.HTTPError as error:
                response = error
            with response:
                status, text = response.status, response.read().decode("utf-8", "replace")
                location = response.headers.get("Location", "")
        except (urllib.error.URLError, http.client.HTTPException, OSError):
            status, text, location = NETWORK_ERROR, "", ""
        self.writer.requests.append(
            Request(started, time.monotonic() - started, method, path, status)
        )
        if status >= 500 and len(self.writer.error_pages) < 3:
            self.writer.error_pages.append((status, text))
        return status, text, location


def reflection(writer: Writer, count: int) -> str:
    """A unique Danish-looking reflection of about 600 characters."""
    words = " ".join(random.choices(WORDS, k=80))
    return f"Skriver {writer.number} gem {count} {time.time():.6f}: {words}."


class Work:
    """One writer's loop: log in, then create and edit its own entries until told to stop."""

    def __init__(self, base: str, writer: Writer, password: str, stop: threading.Event):
        self.browser = Browser(base, writer)
        self.writer, self.password, self.stop = writer, password, stop
        self.saves = 0

    def run(self) -> None:
        """Log in (again after any failure) and write until stopped."""
        logged_in = False
        while not self.stop.is_set():
            if not logged_in:
                logged_in = self.log_in()
            elif len(self.writer.acknowledged) < 3 or random.random() < 0.4:
                logged_in = self.create()
            else:
                logged_in = self.edit(random.choice(list(self.writer.acknowledged)))

    def pause_after(self, status: int) -> bool:
        """After a failure, wait a moment as a person would before trying again."""
        if status == NETWORK_ERROR or status >= 500:
            time.sleep(0.2)
        return status != NETWORK_ERROR

    def form(self, path: str) -> dict | None:
        """The fields of the writing form at `path`, or None if it did not come."""
        status, text, _location = self.browser.send("GET", path)
        if status != 200 or not (token := CSRF.search(text)):
            self.pause_after(status)
            return None
        fields = {"csrf_token": token.group(1), "action": "save"}
        if day := ENTRY_DATE.search(text):
            fields["entry_date"] = day.group(1)
        if version := VERSION.search(text):
            fields["version"] = version.group(1) or version.group(2)
        if tasks := TASK.findall(text):
            fields["tasks"] = [random.choice(tasks)]
        return fields

    def log_in(self) -> bool:
        """Log in through the login form."""
        status, text, _location = self.browser.send("GET", "/login")
        if status != 200 or not (token := CSRF.search(text)):
            self.pause_after(status)
            return False
        fields = {"csrf_token": token.group(1), "email": self.writer.email}
        status, _text, location = self.browser.send(
            "POST", "/login", {**fields, "password": self.password}
        )
        if status != 302 or "/login" in location:
            self.pause_after(status)
            return False
        return True

    def create(self) -> bool:
        """Write a new entry; its id comes from the redirect that acknowledges it."""
        fields = self.form("/journal/new")
        if fields is None:
            return True
        self.saves += 1
        body = reflection(self.writer, self.saves)
        status, _text, location = self.browser.send(
            "POST", "/journal/new", {**fields, "title": "", "body": body}
        )
        if status == 302 and (saved := SAVED.search(urllib.parse.urlsplit(location).path)):
            self.writer.acknowledged[int(saved.group(1))] = body
            return True
        self.writer.creates_unacknowledged += 1
        return self.pause_after(status)

    def edit(self, entry_id: int) -> bool:
        """Edit one of this writer's entries with a new text."""
        fields = self.form(f"/journal/{entry_id}/edit")
        if fields is None:
            return True
        self.saves += 1
        body = reflection(self.writer, self.saves)
        status, _text, location = self.browser.send(
            "POST", f"/journal/{entry_id}/edit", {**fields, "title": "", "body": body}
        )
        if status == 302 and location.endswith(f"/journal/{entry_id}"):
            self.writer.acknowledged[entry_id] = body
            self.writer.unacknowledged.pop(entry_id, None)
            return True
        self.writer.unacknowledged.setdefault(entry_id, []).append(body)
        return self.pause_after(status)


def start_writers(base: str, writers: list[Writer], password: str) -> tuple:
    """Start one thread per writer; returns (stop event, threads)."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=Work(base, w, password, stop).run, daemon=True) for w in writers
    ]
    for thread in threads:
        thread.start()
    return stop, threads


def stop_writers(stop: threading.Event, threads: list[threading.Thread]) -> None:
    """Let every writer finish its current request, then return."""
    stop.set()
    for thread in threads:
        thread.join(60)
