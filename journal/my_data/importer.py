"""Import a `journal.json` (or a whole export ZIP) into a leader's account.

The file is read and checked completely before anything is written, and everything is then
written in one transaction: a malformed or foreign file raises `ImportRefused` and leaves the
database exactly as it was. Before anything is parsed, what parsing can cost is bounded
(`load`, and the limits below): a file that is not a JSON object, or is larger than they
allow, is refused before it can exhaust a worker's memory, however small its ZIP.

Importing the same file twice creates no duplicates. Each imported object has an identity
made of values that survive the move between installations (the ids do not):

- an entry: (entry_date, created_at, title, SHA-256 of the body);
- a goal: (title, start_date, created_at);
- a check-in within its goal: (day, created_at, rating, note);
- a saved review: (period_start, period_end, created_at).

An object whose identity the account already has is skipped. Content is part of the
identity of entries and check-ins on purpose: if the leader edited one on either side since
the export, both versions are kept, because losing words is worse than a duplicate the
leader can delete. A goal that already exists is not changed, but check-ins in the file that
it lacks are added to it (practice recorded elsewhere since the last import).

Goal ids in the file are remapped to the new ids, and the entries' goal links follow.
Imported goals keep their order and come after the account's existing goals.

Not imported, and reported in `ImportResult.not_imported`: comments (by the manager or by
the leader) and the sharing log, which belong to a manager link on the installation the file
comes from, and the link itself; the account's name, e-mail, language and time zone stay as
they are in the receiving account.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NoReturn

from flask import request
from sqlalchemy import func, select

from journal.database import atomic
from journal.entries import search_index
from journal.entries.sealing import open_entries
from journal.extensions import db
from journal.goals import shared_copy
from journal.goals.sealing import goal_title_of, note_rows, seal_goal, seal_note
from journal.journal_key import journal_key
from journal.models import (
    CheckIn,
    Entry,
    EntryGoal,
    EntryTask,
    Goal,
    GoalStatusChange,
    GoalTask,
    Review,
    User,
)
from journal.models.entry import MAX_BODY_LENGTH, MAX_TITLE_LENGTH, TASK_KEY_LENGTH
from journal.models.goal import MAX_GOAL_TEXT, MAX_GOAL_TITLE, MAX_NOTE, RATINGS, STATUSES
from journal.models.review import MAX_REVIEW_TEXT
from journal.my_data.journal_json import (
    CHECK_IN_FIELDS,
    ENTRY_FIELDS,
    FORMAT,
    GOAL_FIELDS,
    HISTORY_FIELDS,
    JSON_NAME,
    REVIEW_FIELDS,
    REVIEWS_SUPPORTED,
    SCHEMA_VERSION,
    TOP_FIELDS,
)
from journal.review import snapshot

# Set aside for an import's upload; every other request keeps MAX_CONTENT_LENGTH (4 MiB).
IMPORT_LIMIT = 64 * 1024 * 1024
# What parsing a file may cost is bounded before anything is parsed (`load`), by three limits.
# journal.json may be no larger unpacked from a ZIP than as a plain upload: the demo leader's
# 5,000 entries export as 3.3 MB, so this holds some 100,000 entries, far beyond a lifetime.
MAX_JSON_BYTES = IMPORT_LIMIT
# A ZIP's journal.json may unpack to at most MAX_RATIO times its packed size (plus a little:
# tiny files barely shrink). Exports shrink about 5 times with varied prose, and 25 times
# at most in what was measured (the demo leader's repetitive sentences: 22; 5,000 empty
# entries: 16-25), so this leaves a margin of four; a ZIP bomb shrinks 1,000 times (a
# 190 KB ZIP of `[{},{},…]` unpacked to 200 MB, and 5 GB of Python objects).
MAX_RATIO = 100
RATIO_ALLOWANCE = 1024 * 1024
# Elements (array items and object members): an export has about 14 per entry (72,000 for
# the demo leader's 5,000), so this allows some 35,000 entries, 140 years of one a working
# day. The parser builds at most about 90 bytes per element (an array of one-member
# objects): whatever their shape, the elements of a file within the limits cost about 50 MB.
MAX_ELEMENTS = 500_000
MAX_SNAPSHOT_CHARS = 1_000_000
MAX_INT = 2**31 - 1  # INTEGER columns (version, position) are 32-bit on PostgreSQL
MAX_ID = 2**63 - 1
_TASK_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


def _(message: str) -> str:
    """Mark a message for the gettext catalogue (pybabel extracts `_`); it stays English here
    and the view translates it in the leader's language."""
    return message


# The human message key of each refusal: the English msgid the view passes to gettext.
MESSAGES = {
    "not_json": _(
        "The file could not be read: it is not a journal.json file. Nothing was imported."
    ),
    "foreign": _("This file is not an export from Ledelsesjournal. Nothing was imported."),
    "newer_version": _(
        "This file comes from a newer version of Ledelsesjournal. Update this installation "
        "and import it again. Nothing was imported."
    ),
    "invalid": _(
        "The file is damaged or has been changed by hand, so it cannot be imported safely. "
        "Nothing was imported."
    ),
    "bad_zip": _("The ZIP file is damaged. Nothing was imported."),
    "unreadable_zip": _(
        "The ZIP file is packed in a way that cannot be read here (with a password, or with "
        "an unusual compression). Unpack it and import journal.json, or pack it again "
        "without a password. Nothing was imported."
    ),
    "no_journal_json": _("The ZIP file contains no journal.json. Nothing was imported."),
    "too_large": _("The file is too large to import. Nothing was imported."),
}


class ImportRefused(Exception):
    """The file was refused and nothing was written.

    `reason` is a stable code (a key of MESSAGES), `message_key` the English message to
    translate for the leader, and `detail` says where the problem is, e.g.
    "entries[3].body: longer than 100000 characters" (for logs and support, in English).
    """

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.message_key = MESSAGES[reason]
        self.detail = detail


@dataclass
class ImportResult:
    """What an import did. `not_imported` counts what the file held but was left out on
    purpose (see the module docstring): e.g. {"comments": 3, "sharing_log": 12}."""

    entries_added: int = 0
    entries_skipped: int = 0
    goals_added: int = 0
    goals_skipped: int = 0
    check_ins_added: int = 0
    reviews_added: int = 0
    reviews_skipped: int = 0
    schema_version: int = SCHEMA_VERSION
    not_imported: dict[str, int] = field(default_factory=dict)


# Reading the file -------------------------------------------------------------------------


def _refuse_constant(name: str) -> NoReturn:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told otherwise.
    raise ValueError(f"{name} is not JSON")


# Read in pieces, so that a file is judged by its first piece and a ZIP stops unpacking at
# its limit.
_CHUNK = 1024 * 1024
# Python's zipfile unpacks bzip2 and LZMA without a limit on what one read produces (a few KB
# of bzip2 unpack to GBs at once); exports are deflated, like every ZIP tool's by default.
_READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# How a JSON text begins, after an optional byte order mark and white space: an object, or
# a value of another kind.
_START = re.compile(rb'(?:\xef\xbb\xbf)?[ \t\n\r]*+(?:(\{)|(\[|"|-|[0-9]|true|false|null))?')
# One element: a comma or an opening bracket, and everything up to the next one outside a
# string (strings, escapes included, are taken whole, so their commas do not count).
# Possessive, so that the regex engine keeps no state to backtrack into.
_ELEMENT = re.compile(rb'[,\[{](?:"[^"\\]*+(?:\\.[^"\\]*+)*+"?|[^",\[{]++)*+', re.DOTALL)


def _refuse_unless_object(head: bytes) -> None:
    """Refuse, from its first bytes, a file whose top level is not an object: a journal.json
    is one, and this is judged before anything is parsed or unpacked further."""
    start = _START.match(head)
    if start.group(1):
        return
    if other := start.group(2):
        raise ImportRefused("foreign", f"the top level is not an object: it starts with {other!r}")
    raise ImportRefused("not_json", "it does not begin as JSON")


def _count_elements(raw: bytes | bytearray, limit: int) -> int:
    """The number of elements in the JSON text `raw`, counting stops past `limit`: what the
    parser would build, counted in C without building it."""
    return sum(1 for _ in itertools.islice(_ELEMENT.finditer(raw), limit + 1))


def _journal_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The archive's journal.json: at the top, or inside one folder (a re-zipped export
    folder)."""
    candidates = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and info.filename.rsplit("/", 1)[-1] == JSON_NAME
        and not info.filename.startswith("__MACOSX/")
    ]
    if not candidates:
        raise ImportRefused("no_journal_json")
    depth = min(info.filename.count("/") for info in candidates)
    shallowest = [info for info in candidates if info.filename.count("/") == depth]
    if len(shallowest) > 1:
        raise ImportRefused("invalid", "the ZIP file contains more than one journal.json")
    info = shallowest[0]
    if info.compress_type not in _READABLE_METHODS:
        raise ImportRefused(
            "unreadable_zip", f"{info.filename}: compression method {info.compress_type}"
        )
    if info.flag_bits & 0x1:  # zipfile would ask for a password
        raise ImportRefused("unreadable_zip", f"{info.filename} is encrypted")
    return info


def _refuse_unless_small(info: zipfile.ZipInfo) -> int:
    """Refuse a journal.json whose header says it is too large or shrank like a ZIP bomb;
    return how many bytes it may unpack to."""
    if info.file_size > MAX_JSON_BYTES:
        raise ImportRefused("too_large", f"{info.filename}: {info.file_size} bytes")
    limit = min(MAX_JSON_BYTES, MAX_RATIO * info.compress_size + RATIO_ALLOWANCE)
    if info.file_size > limit:
        raise ImportRefused(
            "too_large",
            f"{info.filename}: {info.file_size} bytes packed into {info.compress_size}",
        )
    return limit


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytearray:
    """journal.json unpacked, judged by its first piece before the rest is unpacked."""
    content = bytearray()
    with archive.open(info) as member:
        content += member.read(_CHUNK)
        _refuse_unless_object(content)
        limit = _refuse_unless_small(info)
        while len(content) <= limit and (chunk := member.read(_CHUNK)):
            content += chunk
    # zipfile stops at the size in the header; should one ever lie, this stops it too.
    if len(content) > limit:
        raise ImportRefused("too_large", f"{info.filename} is larger than its header says")
    return content


def _journal_from_zip(raw: bytes) -> bytearray:
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError) as error:
        raise ImportRefused("bad_zip", str(error)) from None
    with archive:
        info = _journal_member(archive)
        try:
            return _unpack(archive, info)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
            raise ImportRefused("bad_zip", str(error)) from None


def load(data: dict | bytes | str) -> dict:
    """The parsed journal.json from a dict, the bytes (or text) of journal.json, or the
    bytes of an export ZIP; raise ImportRefused if it is none of these.

    What parsing may cost is bounded first (MAX_JSON_BYTES, MAX_RATIO, MAX_ELEMENTS): a file
    that is not a JSON object, or is larger than they allow, is refused before anything is
    built from it.
    """
    if isinstance(data, dict):
        return data
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImportRefused("not_json", f"cannot read a {type(data).__name__}")
    raw: bytes | bytearray = bytes(data)
    if raw[:2] == b"PK":  # every ZIP starts so; no JSON text does
        raw = _journal_from_zip(raw)
    else:
        _refuse_unless_object(raw[:_CHUNK])
        if len(raw) > MAX_JSON_BYTES:
            raise ImportRefused("too_large", f"{len(raw)} bytes")
    if _count_elements(raw, MAX_ELEMENTS) > MAX_ELEMENTS:
        raise ImportRefused("too_large", f"more than {MAX_ELEMENTS} elements")
    try:
        text = raw.decode("utf-8-sig")
        del raw  # only the text is needed while parsing (a ZIP's unpacked bytes can go)
        # The first character is "{": what parses is an object.
        return json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ImportRefused("not_json", str(error)[:200]) from None


# Checking the file ------------------------------------------------------------------------


@dataclass
class _CheckIn:
    day: date
    rating: int
    note: str
    created_at: datetime
    updated_at: datetime

    @property
    def identity(self) -> tuple:
        return (self.day, self.created_at, self.rating, self.note)


@dataclass
class _Goal:
    file_id: int
    title: str
    why: str
    how_i_know: str
    task_keys: list[str]
    start_date: date
    review_date: date | None
    status: str
    position: int
    created_at: datetime
    updated_at: datetime
    history: list[tuple[str, datetime]]
    check_ins: list[_CheckIn]

    @property
    def identity(self) -> tuple:
        return (self.title, self.start_date, self.created_at)


@dataclass
class _Entry:
    entry_date: date
    title: str
    body: str
    starred: bool
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    task_keys: list[str]
    goal_file_ids: list[int]

    @property
    def identity(self) -> tuple:
        return _entry_identity(self.entry_date, self.created_at, self.title, self.body)


@dataclass
class _Review:
    period_start: date
    period_end: date
    proud: str
    next_practice: str
    need_from_manager: str
    snapshot: dict
    created_at: datetime

    @property
    def identity(self) -> tuple:
        return (self.period_start, self.period_end, self.created_at)


@dataclass
class _Journal:
    entries: list[_Entry]
    goals: list[_Goal]
    reviews: list[_Review]
    not_imported: dict[str, int]


def _entry_identity(entry_date: date, created_at: datetime, title: str, body: str) -> tuple:
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return (entry_date, created_at.astimezone(UTC), title, digest)


class _Checker:
    """Reads each field with its type and limits; `where` names the place, e.g. "goals[2]"."""

    def fail(self, where: str, problem: str) -> NoReturn:
        raise ImportRefused("invalid", f"{where}: {problem}")

    def obj(self, value: Any, where: str, fields: tuple[str, ...]) -> dict:
        """An object with exactly these fields: schema changes bump the version, so an
        unknown field means the file was edited or is not ours."""
        if not isinstance(value, dict):
            self.fail(where, "must be an object")
        missing = [name for name in fields if name not in value]
        if missing:
            self.fail(where, f"missing field(s) {', '.join(missing)}")
        unknown = sorted(set(value) - set(fields))
        if unknown:
            self.fail(where, f"unknown field(s) {', '.join(map(str, unknown))}")
        return value

    def array(self, value: Any, where: str) -> list:
        if not isinstance(value, list):
            self.fail(where, "must be an array")
        return value

    def text(self, value: Any, where: str, max_length: int, *, required: bool = False) -> str:
        if not isinstance(value, str):
            self.fail(where, "must be a string")
        if len(value) > max_length:
            self.fail(where, f"longer than {max_length} characters")
        if required and not value.strip():
            self.fail(where, "must not be empty")
        # PostgreSQL refuses NUL in text and UTF-8 has no lone surrogates: refuse them here,
        # with a clear reason, rather than fail halfway through the writes.
        if "\x00" in value:
            self.fail(where, "contains a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail(where, "is not valid Unicode")
        return value

    def integer(self, value: Any, where: str, low: int, high: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(where, "must be a whole number")
        if not low <= value <= high:
            self.fail(where, f"must be between {low} and {high}")
        return value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            self.fail(where, "must be true or false")
        return value

    def day(self, value: Any, where: str, *, optional: bool = False) -> date | None:
        if value is None and optional:
            return None
        # fromisoformat alone would also take "20260101"; the file always has the dashes.
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            self.fail(where, "must be a date like 2026-01-31")
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(where, f"{value!r} is not a date")

    def moment(self, value: Any, where: str, *, optional: bool = False) -> datetime | None:
        if value is None and optional:
            return None
        if not isinstance(value, str) or not _DATETIME.fullmatch(value):
            self.fail(where, "must be a date and time with offset like 2026-01-31T09:00:00+00:00")
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except ValueError:
            self.fail(where, f"{value!r} is not a date and time")

    def task_keys(self, value: Any, where: str) -> list[str]:
        keys = []
        for i, key in enumerate(self.array(value, where)):
            # Keys are kept even if this installation's framework lacks them: the framework
            # can change, tags must not be lost (PRODUCT.md).
            self.text(key, f"{where}[{i}]", TASK_KEY_LENGTH)
            if not _TASK_KEY.fullmatch(key):
                self.fail(f"{where}[{i}]", f"{key!r} is not a task key")
            keys.append(key)
        return list(dict.fromkeys(keys))

    def journal(self, data: dict) -> _Journal:
        # The format first: a foreign file is told so, not listed field by field.
        if data.get("format") != FORMAT:
            raise ImportRefused("foreign", f"format is {data.get('format')!r}")
        version = data.get("schema_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.fail("schema_version", "must be a whole number from 1")
        if version > SCHEMA_VERSION:
            raise ImportRefused("newer_version", f"schema_version {version} > {SCHEMA_VERSION}")
        self.obj(data, "the top level", TOP_FIELDS)
        self.moment(data["exported_at"], "exported_at")
        if data["framework"] is not None:
            self.text(data["framework"], "framework", TASK_KEY_LENGTH)
        # Not imported (see the module docstring), but a file of ours has them in this shape.
        if not isinstance(data["account"], dict):
            self.fail("account", "must be an object")
        comments = self.array(data["comments"], "comments")
        sharing_log = self.array(data["sharing_log"], "sharing_log")
        if data["manager"] is not None and not isinstance(data["manager"], dict):
            self.fail("manager", "must be an object or null")

        goals = [
            self.goal(item, f"goals[{i}]")
            for i, item in enumerate(self.array(data["goals"], "goals"))
        ]
        goal_ids = [goal.file_id for goal in goals]
        if len(set(goal_ids)) != len(goal_ids):
            self.fail("goals", "two goals have the same id")
        entries = [
            self.entry(item, f"entries[{i}]", set(goal_ids))
            for i, item in enumerate(self.array(data["entries"], "entries"))
        ]
        reviews = [
            self.review(item, f"reviews[{i}]")
            for i, item in enumerate(self.array(data["reviews"], "reviews"))
        ]
        not_imported = {
            "comments": len(comments),
            "sharing_log": len(sharing_log),
            "manager": int(data["manager"] is not None),
        }
        if not REVIEWS_SUPPORTED:
            not_imported["reviews"], reviews = len(reviews), []
        return _Journal(entries, goals, reviews, {key: n for key, n in not_imported.items() if n})

    def entry(self, value: Any, where: str, goal_ids: set[int]) -> _Entry:
        item = self.obj(value, where, ENTRY_FIELDS)
        self.integer(item["id"], f"{where}.id", 1, MAX_ID)
        links = []
        for i, goal_id in enumerate(self.array(item["goal_ids"], f"{where}.goal_ids")):
            self.integer(goal_id, f"{where}.goal_ids[{i}]", 1, MAX_ID)
            if goal_id not in goal_ids:
                self.fail(f"{where}.goal_ids[{i}]", f"no goal with id {goal_id} in the file")
            links.append(goal_id)
        return _Entry(
            entry_date=self.day(item["entry_date"], f"{where}.entry_date"),
            title=self.text(item["title"], f"{where}.title", MAX_TITLE_LENGTH),
            body=self.text(item["body"], f"{where}.body", MAX_BODY_LENGTH),
            starred=self.boolean(item["starred"], f"{where}.starred"),
            version=self.integer(item["version"], f"{where}.version", 1, MAX_INT),
            created_at=self.moment(item["created_at"], f"{where}.created_at"),
            updated_at=self.moment(item["updated_at"], f"{where}.updated_at"),
            deleted_at=self.moment(item["deleted_at"], f"{where}.deleted_at", optional=True),
            task_keys=self.task_keys(item["task_keys"], f"{where}.task_keys"),
            goal_file_ids=list(dict.fromkeys(links)),
        )

    def goal(self, value: Any, where: str) -> _Goal:
        item = self.obj(value, where, GOAL_FIELDS)
        if item["shared"] is not None and not isinstance(item["shared"], dict):
            self.fail(f"{where}.shared", "must be an object or null")
        history = []
        for i, change in enumerate(self.array(item["status_history"], f"{where}.status_history")):
            place = f"{where}.status_history[{i}]"
            change = self.obj(change, place, HISTORY_FIELDS)
            history.append(
                (
                    self.status(change["status"], f"{place}.status"),
                    self.moment(change["changed_at"], f"{place}.changed_at"),
                )
            )
        check_ins = []
        for i, check_in in enumerate(self.array(item["check_ins"], f"{where}.check_ins")):
            place = f"{where}.check_ins[{i}]"
            check_in = self.obj(check_in, place, CHECK_IN_FIELDS)
            check_ins.append(
                _CheckIn(
                    day=self.day(check_in["day"], f"{place}.day"),
                    rating=self.integer(
                        check_in["rating"], f"{place}.rating", RATINGS[0], RATINGS[-1]
                    ),
                    note=self.text(check_in["note"], f"{place}.note", MAX_NOTE),
                    created_at=self.moment(check_in["created_at"], f"{place}.created_at"),
                    updated_at=self.moment(check_in["updated_at"], f"{place}.updated_at"),
                )
            )
        return _Goal(
            file_id=self.integer(item["id"], f"{where}.id", 1, MAX_ID),
            title=self.text(item["title"], f"{where}.title", MAX_GOAL_TITLE, required=True),
            why=self.text(item["why"], f"{where}.why", MAX_GOAL_TEXT),
            how_i_know=self.text(item["how_i_know"], f"{where}.how_i_know", MAX_GOAL_TEXT),
            task_keys=self.task_keys(item["task_keys"], f"{where}.task_keys"),
            start_date=self.day(item["start_date"], f"{where}.start_date"),
            review_date=self.day(item["review_date"], f"{where}.review_date", optional=True),
            status=self.status(item["status"], f"{where}.status"),
            # Half the range, so that placing the goals after existing ones cannot overflow.
            position=self.integer(item["position"], f"{where}.position", 0, MAX_INT // 2),
            created_at=self.moment(item["created_at"], f"{where}.created_at"),
            updated_at=self.moment(item["updated_at"], f"{where}.updated_at"),
            history=history,
            check_ins=check_ins,
        )

    def status(self, value: Any, where: str) -> str:
        if value not in STATUSES:
            self.fail(where, f"must be one of {', '.join(STATUSES)}")
        return value

    def review(self, value: Any, where: str) -> _Review:
        item = self.obj(value, where, REVIEW_FIELDS)
        self.integer(item["id"], f"{where}.id", 1, MAX_ID)
        start = self.day(item["period_start"], f"{where}.period_start")
        end = self.day(item["period_end"], f"{where}.period_end")
        if start > end:
            self.fail(where, "period_start is after period_end")
        figures = item["snapshot"]
        if not isinstance(figures, dict):
            self.fail(f"{where}.snapshot", "must be an object")
        self.text(json.dumps(figures, ensure_ascii=False), f"{where}.snapshot", MAX_SNAPSHOT_CHARS)
        # The saved review's page shows what has the shape the app writes; a file is ours
        # only if all of it has.
        if (problem := snapshot.problem(figures)) is not None:
            self.fail(f"{where}.snapshot", problem)
        return _Review(
            period_start=start,
            period_end=end,
            proud=self.text(item["proud"], f"{where}.proud", MAX_REVIEW_TEXT),
            next_practice=self.text(
                item["next_practice"], f"{where}.next_practice", MAX_REVIEW_TEXT
            ),
            need_from_manager=self.text(
                item["need_from_manager"], f"{where}.need_from_manager", MAX_REVIEW_TEXT
            ),
            snapshot=figures,
            created_at=self.moment(item["created_at"], f"{where}.created_at"),
        )


# Writing ----------------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _write_goals(user: User, goals: list[_Goal], result: ImportResult) -> dict[int, int]:
    """Add the goals the account lacks; return file goal id → database goal id. Their text
    and notes are sealed with the leader's key, as the app seals them."""
    existing = {
        (goal_title_of(user, goal_id, sealed, plain_title), start, _utc(created)): goal_id
        for goal_id, sealed, plain_title, start, created in db.session.execute(
            select(Goal.id, Goal.sealed, Goal.plain_title, Goal.start_date, Goal.created_at).where(
                Goal.owner_id == user.id
            )
        )
    }
    # Imported goals keep their order, after the goals the leader already has.
    offset = db.session.scalar(select(func.max(Goal.position)).where(Goal.owner_id == user.id)) or 0
    mapping: dict[int, int] = {}
    for item in goals:
        goal_id = existing.get(item.identity)
        if goal_id is not None:
            result.goals_skipped += 1
            result.check_ins_added += _merge_check_ins(user, goal_id, item.check_ins)
        else:
            check_ins = [(_check_in(c), c.note) for c in _unique(item.check_ins)]
            goal = Goal(
                owner_id=user.id,
                start_date=item.start_date,
                review_date=item.review_date,
                status=item.status,
                position=item.position + offset,
                created_at=item.created_at,
                updated_at=item.updated_at,
                task_links=[GoalTask(task_key=key) for key in item.task_keys],
                status_changes=[
                    GoalStatusChange(status=status, changed_at=changed_at)
                    for status, changed_at in item.history
                ],
                check_ins=[check_in for check_in, _note in check_ins],
            )
            db.session.add(goal)
            db.session.flush()  # the new ids, for the seals and the entries' links
            seal_goal(user, goal, title=item.title, why=item.why, how_i_know=item.how_i_know)
            for check_in, note in check_ins:
                seal_note(user, check_in, note)
            goal_id = existing[item.identity] = goal.id
            result.goals_added += 1
            result.check_ins_added += len(check_ins)
        mapping[item.file_id] = goal_id
    return mapping


def _unique(check_ins: list[_CheckIn], known: set | None = None) -> list[_CheckIn]:
    seen = set(known or ())
    kept = []
    for check_in in check_ins:
        if check_in.identity not in seen:
            seen.add(check_in.identity)
            kept.append(check_in)
    return kept


def _check_in(item: _CheckIn, goal_id: int | None = None) -> CheckIn:
    # The note is sealed once the check-in has its id.
    return CheckIn(
        goal_id=goal_id,
        day=item.day,
        rating=item.rating,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _merge_check_ins(user: User, goal_id: int, check_ins: list[_CheckIn]) -> int:
    """Add to an existing goal the check-ins it lacks (and to its shared copy, if the goal is
    shared with the notes); return how many."""
    rows = db.session.execute(
        select(
            CheckIn.goal_id,
            CheckIn.id,
            CheckIn.day,
            CheckIn.rating,
            CheckIn.sealed,
            CheckIn.plain_note,
            CheckIn.created_at,
        ).where(CheckIn.goal_id == goal_id)
    ).all()
    created = {row.id: row.created_at for row in rows}
    known = {
        (row.day, _utc(created[row.id]), row.rating, row.note)
        for row in note_rows(user, [row[:6] for row in rows])
    }
    new = [(_check_in(item, goal_id), item.note) for item in _unique(check_ins, known)]
    if new:
        db.session.add_all(check_in for check_in, _note in new)
        db.session.flush()  # their ids, for their seals
        for check_in, note in new:
            seal_note(user, check_in, note)
        shared_copy.refresh_notes(user, goal_id)
    return len(new)


def _write_entries(
    user: User, entries: list[_Entry], goal_ids: dict[int, int], result: ImportResult
) -> None:
    key = journal_key(user)
    existing = {
        _entry_identity(entry.entry_date, entry.created_at, entry.title, entry.body)
        for entry in open_entries(
            user, db.session.scalars(select(Entry).where(Entry.owner_id == user.id))
        )
    }
    added = []
    for item in entries:
        if item.identity in existing:
            result.entries_skipped += 1
            continue
        existing.add(item.identity)
        entry = Entry(
            owner_id=user.id,
            entry_date=item.entry_date,
            sealed=b"",
            starred=item.starred,
            version=item.version,
            created_at=item.created_at,
            updated_at=item.updated_at,
            deleted_at=item.deleted_at,
            task_links=[EntryTask(task_key=key) for key in item.task_keys],
            # Two goals of the file may be one goal here (same identity): link it once.
            goal_links=[
                EntryGoal(goal_id=goal_id)
                for goal_id in dict.fromkeys(goal_ids[g] for g in item.goal_file_ids)
            ],
        )
        db.session.add(entry)
        added.append((entry, item))
        result.entries_added += 1
    # Sealed text is bound to the entry's id, which the rows have once inserted.
    db.session.flush()
    for entry, item in added:
        entry.sealed = key.seal_entry(entry.id, item.title, item.body)
    if added:
        search_index.forget(user)  # built again, with these, at the next search


def _write_reviews(user: User, reviews: list[_Review], result: ImportResult) -> None:
    existing = {
        (start, end, _utc(created))
        for start, end, created in db.session.execute(
            select(Review.period_start, Review.period_end, Review.created_at).where(
                Review.owner_id == user.id
            )
        )
    }
    added: list[tuple[Review, _Review]] = []
    for item in reviews:
        if item.identity in existing:
            result.reviews_skipped += 1
            continue
        existing.add(item.identity)
        review = Review(
            owner_id=user.id,
            period_start=item.period_start,
            period_end=item.period_end,
            created_at=item.created_at,
        )
        added.append((review, item))
        result.reviews_added += 1
    db.session.add_all(review for review, _item in added)
    db.session.flush()  # their ids, for their seals
    key = journal_key(user)
    for review, item in added:
        # The snapshot is kept as it was that day; any entry ids in it are those of the
        # installation it was saved on, like the figures, a record rather than live links.
        review.seal_text(
            key,
            proud=item.proud,
            next_practice=item.next_practice,
            need_from_manager=item.need_from_manager,
            snapshot=json.dumps(item.snapshot, ensure_ascii=False),
        )


def import_data(user: User, data: dict | bytes) -> ImportResult:
    """Import a journal.json (parsed, or its bytes, or the bytes of an export ZIP) into
    `user`'s account, all or nothing; raise ImportRefused for a malformed or foreign file.

    See the module docstring for what counts as "already there" and what is not imported.
    """
    journal = _Checker().journal(load(data))
    result = ImportResult(not_imported=journal.not_imported)
    with atomic():
        # Lock the account row (PostgreSQL) so that two imports of the same file at once
        # (a double click) run one after the other and the second finds everything there.
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
        goal_ids = _write_goals(user, journal.goals, result)
        _write_entries(user, journal.entries, goal_ids, result)
        if REVIEWS_SUPPORTED:
            _write_reviews(user, journal.reviews, result)
    return result


def allow_large_imports() -> None:
    """Registered (by `create_app`) before the CSRF check reads the form: an import's upload
    may exceed the 4 MiB every other request is held to."""
    if request.endpoint == "my_data.import_file":
        request.max_content_length = IMPORT_LIMIT
