"""Export everything a leader owns: `journal.json` for machines, Markdown for people.

GDPR art. 15 and 20: the export holds all the leader's own data and nothing of anyone else's
beyond what the leader already sees (the names of the manager and of comment authors). The
format of `journal.json` is `journal_json.py`'s, shared with the importer.

Every function takes the acting user explicitly and queries by that user's id only, so it
works the same from a view, a CLI command or a test.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from journal.agenda.export import agenda_data, agenda_markdown, has_agenda
from journal.entries.sealing import open_entries
from journal.extensions import db
from journal.framework import Framework
from journal.goals.forms import RATING_NAMES, STATUS_NAMES
from journal.goals.sealing import open_check_ins, open_goals
from journal.journal_key import journal_key
from journal.models import (
    CheckIn,
    Comment,
    Entry,
    Goal,
    ManagerLink,
    Review,
    Share,
    SharingEvent,
    User,
)
from journal.models.sharing import OPEN_STATUSES
from journal.models.user import LANGUAGES, utcnow
from journal.my_data.journal_json import (
    FORMAT,
    JSON_NAME,
    REVIEWS_SUPPORTED,
    SCHEMA_VERSION,
    iso_date,
    iso_datetime,
    to_bytes,
)

SLUG_LENGTH = 50


def labels() -> dict[str, str]:
    """The Markdown files' labels, in the active language: they are for a person to read,
    so `export_zip` makes them under `force_locale` with the leader's language."""
    return {
        "status": _("Status"),
        "start_date": _("Start date"),
        "review_date": _("Review date"),
        "tasks": _("Leadership tasks"),
        "why": _("Why it matters"),
        "how_i_know": _("How I will know"),
        "history": _("History"),
        "check_ins": _("Check-ins"),
        "no_check_ins": _("No check-ins yet."),
        "date": _("Date"),
        "rating": _("Rating"),
        "note": _("Note"),
        "comments": _("Comments"),
        "me": _("me"),
        "practising": _("I'm practising"),
        "review": _("Appraisal review"),
        "period": _("Period"),
        "proud": _("What I'm proud of"),
        "next_practice": _("What I want to practise next"),
        "need_from_manager": _("What I need from my manager"),
        "shared": _("Shared with my manager"),
    }


README = """\
# Ledelsesjournal – eksport / export

## Dansk

Dette arkiv indeholder alt, hvad du ejer i Ledelsesjournal, eksporteret {exported_at}.

- `journal.json` – alle dine data til maskiner og til import i en anden installation:
  refleksioner (også dem i papirkurven), mål med historik og opfølgninger, kommentarer
  på dine mål, gemte udviklingssamtaler, delingsloggen og din forbindelse til din leder.
  Formatet hedder `ledelsesjournal`, skemaversion {schema_version}.
- `entries/` – én Markdown-fil pr. refleksion (`ÅÅÅÅ-MM-DD-id-titel.md`) med dato, titel,
  ledelsesopgaver, markering og mål øverst (front matter), derefter teksten.
  Refleksioner i papirkurven findes kun i `journal.json`.
- `goals/` – én Markdown-fil pr. mål med hvorfor, tegn på fremskridt, status, historik,
  en tabel over opfølgninger og kommentarer.
- `reviews/` – én Markdown-fil pr. gemt udviklingssamtale.
- `agenda.json` og `agenda.md` – din dagsorden til samtalen med din leder: punkterne, de
  holdte samtaler og dine egne noter efter dem (kun hvis du har nogen). De importeres ikke.

Importér `journal.json` (eller hele dette arkiv) under din konto i Ledelsesjournal.
Det er sikkert at importere den samme fil flere gange: intet bliver dobbelt.
Kommentarer og delingsloggen importeres ikke: de hører til forbindelsen til din leder
i den installation, de kommer fra.

## English

This archive holds everything you own in Ledelsesjournal, exported {exported_at}.

- `journal.json` – all your data, for machines and for importing into another installation:
  reflections (including those in the trash), goals with their history and check-ins,
  comments on your goals, saved reviews, the sharing log and your link to your manager.
  The format is called `ledelsesjournal`, schema version {schema_version}.
- `entries/` – one Markdown file per reflection (`YYYY-MM-DD-id-title.md`) with the date,
  title, leadership tasks, star and goals at the top (front matter), then the text.
  Reflections in the trash are in `journal.json` only.
- `goals/` – one Markdown file per goal with why, signs of progress, status, history,
  a table of check-ins, and comments.
- `reviews/` – one Markdown file per saved review.
- `agenda.json` and `agenda.md` – your agenda for the conversation with your manager: the
  points, the conversations held and your own notes after them (only if you have any).
  They are not imported.

Import `journal.json` (or this whole archive) from your account in Ledelsesjournal.
Importing the same file more than once is safe: nothing is duplicated.
Comments and the sharing log are not imported: they belong to the link with your manager
on the installation they come from.
"""


# Values -----------------------------------------------------------------------------------


_TRANSLITERATE = str.maketrans(
    {"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa", "ß": "ss"}
)


def slugify(text: str, fallback: str) -> str:
    """An ASCII file-name part: "Et svært møde" → "et-svaert-moede"; `fallback` if empty."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_TRANSLITERATE))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > SLUG_LENGTH:
        # Cut at a word boundary so names do not end mid-word.
        slug = slug[:SLUG_LENGTH].rsplit("-", 1)[0] or slug[:SLUG_LENGTH]
    return slug or fallback


def _framework_key(framework: Framework | None) -> str | None:
    if framework is None and has_app_context():
        framework = current_app.extensions.get("framework")
    return framework.key if framework is not None else None


def _snapshot(text: str) -> dict:
    # Snapshots are written with json.dumps; should one ever be unreadable, keep its text
    # rather than drop it or fail the whole export.
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {"unreadable_snapshot": text}
    return value if isinstance(value, dict) else {"unreadable_snapshot": text}


# journal.json ----------------------------------------------------------------------------


def _entries(user: User, own_goal_ids: set[int]) -> list[dict]:
    rows = open_entries(
        user,
        db.session.scalars(
            select(Entry)
            .where(Entry.owner_id == user.id)
            .order_by(Entry.id)
            .options(selectinload(Entry.task_links), selectinload(Entry.goal_links))
        ),
    )
    return [
        {
            "id": entry.id,
            "entry_date": iso_date(entry.entry_date),
            "title": entry.title,
            "body": entry.body,
            "starred": bool(entry.starred),
            "version": entry.version,
            "created_at": iso_datetime(entry.created_at),
            "updated_at": iso_datetime(entry.updated_at),
            "deleted_at": iso_datetime(entry.deleted_at),
            "task_keys": entry.task_keys,
            # Links only ever point at the owner's goals; filtering again costs nothing.
            "goal_ids": sorted(g for g in entry.goal_ids if g in own_goal_ids),
        }
        for entry in rows
    ]


def _goals(user: User) -> list[dict]:
    goals = open_goals(
        user,
        db.session.scalars(
            select(Goal)
            .where(Goal.owner_id == user.id)
            .order_by(Goal.id)
            .options(
                selectinload(Goal.task_links),
                selectinload(Goal.status_changes),
                selectinload(Goal.check_ins),
            )
        ),
    )
    open_check_ins(user, (check_in for goal in goals for check_in in goal.check_ins))
    shares = {
        share.goal_id: share
        for share in db.session.scalars(
            select(Share).where(Share.goal_id.in_([goal.id for goal in goals]))
        )
    }
    return [_goal(goal, shares.get(goal.id)) for goal in goals]


def _goal(goal: Goal, share: Share | None) -> dict:
    history = sorted(goal.status_changes, key=lambda change: (change.changed_at, change.id))
    check_ins: list[CheckIn] = goal.check_ins  # ordered by (day, id) by the relationship
    return {
        "id": goal.id,
        "title": goal.title,
        "why": goal.why,
        "how_i_know": goal.how_i_know,
        "task_keys": goal.task_keys,
        "start_date": iso_date(goal.start_date),
        "review_date": iso_date(goal.review_date),
        "status": goal.status,
        "position": goal.position,
        "created_at": iso_datetime(goal.created_at),
        "updated_at": iso_datetime(goal.updated_at),
        "status_history": [
            {"status": change.status, "changed_at": iso_datetime(change.changed_at)}
            for change in history
        ],
        "check_ins": [
            {
                "day": iso_date(check_in.day),
                "rating": check_in.rating,
                "note": check_in.note,
                "created_at": iso_datetime(check_in.created_at),
                "updated_at": iso_datetime(check_in.updated_at),
            }
            for check_in in check_ins
        ],
        "shared": (
            {"shared_at": iso_datetime(share.shared_at), "include_notes": bool(share.include_notes)}
            if share is not None
            else None
        ),
    }


def _comments(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(Comment)
        .join(Goal, Goal.id == Comment.goal_id)
        .where(Goal.owner_id == user.id)
        .order_by(Comment.created_at, Comment.id)
        .options(selectinload(Comment.author))
    )
    return [
        {
            "id": comment.id,
            "goal_id": comment.goal_id,
            "author_name": comment.author.name,
            "by_me": comment.author_id == user.id,
            "body": comment.body,
            "created_at": iso_datetime(comment.created_at),
        }
        for comment in rows
    ]


def _reviews(user: User) -> list[dict]:
    key = journal_key(user)
    rows = list(
        db.session.scalars(
            select(Review).where(Review.owner_id == user.id).order_by(Review.created_at, Review.id)
        )
    )
    for review in rows:
        review.open_with(key)
    return [
        {
            "id": review.id,
            "period_start": iso_date(review.period_start),
            "period_end": iso_date(review.period_end),
            "proud": review.proud,
            "next_practice": review.next_practice,
            "need_from_manager": review.need_from_manager,
            "snapshot": _snapshot(review.snapshot),
            "created_at": iso_datetime(review.created_at),
        }
        for review in rows
    ]


def _sharing_log(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(SharingEvent)
        .where(SharingEvent.leader_id == user.id)
        .order_by(SharingEvent.at, SharingEvent.id)
        .options(selectinload(SharingEvent.manager))
    )
    return [
        {
            "kind": event.kind,
            "at": iso_datetime(event.at),
            "goal_id": event.goal_id,
            # A request names the address typed, never who has it (see ManagerLink).
            "manager_name": (
                event.manager.name
                if event.manager is not None and event.kind != "link_requested"
                else None
            ),
        }
        for event in rows
    ]


def _manager(user: User) -> dict | None:
    link = db.session.scalar(
        select(ManagerLink)
        .where(ManagerLink.leader_id == user.id, ManagerLink.status.in_(OPEN_STATUSES))
        .options(selectinload(ManagerLink.manager))
    )
    if link is None:
        return None
    return {
        # Until the request is answered, only the address the leader typed.
        "name": link.manager.name if link.status == "accepted" else None,
        "email": link.manager.email if link.status == "accepted" else link.manager_email,
        "status": link.status,
        "requested_at": iso_datetime(link.requested_at),
        "responded_at": iso_datetime(link.responded_at),
    }


def export_data(user: User, framework: Framework | None = None) -> dict:
    """Everything `user` owns as one JSON-ready dict (the content of `journal.json`).

    `framework` names the framework the task keys refer to; without it the app's framework
    is used when there is an app context. The password hash is never included.
    """
    goals = _goals(user)
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": iso_datetime(utcnow()),
        "framework": _framework_key(framework),
        "account": {
            "name": user.name,
            "unit": user.unit,
            "email": user.email,
            "language": user.language,
            "timezone": user.timezone,
            "created_at": iso_datetime(user.created_at),
        },
        "entries": _entries(user, {goal["id"] for goal in goals}),
        "goals": goals,
        "reviews": _reviews(user) if REVIEWS_SUPPORTED else [],
        "comments": _comments(user),
        "sharing_log": _sharing_log(user),
        "manager": _manager(user),
    }


# Markdown ---------------------------------------------------------------------------------

# Characters YAML does not allow raw in a double-quoted scalar (or reads as line breaks);
# json.dumps leaves them raw, so they are escaped by hand.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff]")


def yaml_string(text: str) -> str:
    """`text` as a YAML double-quoted scalar (JSON strings are valid YAML)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", quoted)


def _front_matter(fields: list[tuple[str, object]]) -> str:
    lines = ["---"]
    for key, value in fields:
        if isinstance(value, list):
            lines.append(f"{key}: []" if not value else f"{key}:")
            lines.extend(f"  - {_yaml_scalar(item)}" for item in value)
        else:
            lines.append(f"{key}: {_yaml_scalar(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _yaml_scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | date):  # dates unquoted: YAML reads them as dates
        return str(value) if isinstance(value, int) else value.isoformat()
    return yaml_string(str(value))


def _task_name(framework: Framework, key: str) -> str:
    # A tag whose task is no longer in the framework keeps its key, rather than vanishing.
    try:
        return framework.task(key).name.da
    except KeyError:
        return key


def _table_cell(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "\n").replace("\n", "<br>")
    )


def _local_day(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).date().isoformat()


def _zone(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def entry_markdown(entry: dict, framework: Framework, goal_titles: dict[int, str]) -> str:
    """One entry (as in journal.json) as Markdown: YAML front matter, then the body."""
    front = _front_matter(
        [
            ("id", entry["id"]),
            ("date", date.fromisoformat(entry["entry_date"])),
            ("title", entry["title"]),
            ("tasks", [_task_name(framework, key) for key in entry["task_keys"]]),
            ("task_keys", entry["task_keys"]),
            ("starred", entry["starred"]),
            ("goals", [goal_titles[goal_id] for goal_id in entry["goal_ids"]]),
            ("goal_ids", entry["goal_ids"]),
        ]
    )
    body = entry["body"].replace("\r\n", "\n")
    return f"{front}\n{body.rstrip()}\n"


def goal_markdown(goal: dict, framework: Framework, comments: list[dict], zone: ZoneInfo) -> str:
    """One goal (as in journal.json) as Markdown: front matter, texts, history, check-ins;
    labels in the active language."""
    words = labels()
    statuses = {status: str(name) for status, name in STATUS_NAMES.items()}
    ratings = {value: str(name) for value, name in RATING_NAMES.items()}
    front = _front_matter(
        [
            ("id", goal["id"]),
            ("title", goal["title"]),
            ("status", goal["status"]),
            ("start_date", date.fromisoformat(goal["start_date"])),
            ("review_date", goal["review_date"] and date.fromisoformat(goal["review_date"])),
            ("tasks", [_task_name(framework, key) for key in goal["task_keys"]]),
            ("task_keys", goal["task_keys"]),
        ]
    )
    parts = [front, f"# {words['practising']} {goal['title']}\n"]
    facts = [
        f"- **{words['status']}:** {statuses.get(goal['status'], goal['status'])}",
        f"- **{words['start_date']}:** {goal['start_date']}",
    ]
    if goal["review_date"]:
        facts.append(f"- **{words['review_date']}:** {goal['review_date']}")
    if goal["task_keys"]:
        names = ", ".join(_task_name(framework, key) for key in goal["task_keys"])
        facts.append(f"- **{words['tasks']}:** {names}")
    if goal["shared"]:
        since = _local_day(datetime.fromisoformat(goal["shared"]["shared_at"]), zone)
        facts.append(f"- **{words['shared']}:** {since}")
    parts.append("\n".join(facts) + "\n")
    for key in ("why", "how_i_know"):
        if goal[key].strip():
            parts.append(f"## {words[key]}\n\n{goal[key].strip()}\n")
    history = [
        f"- {_local_day(datetime.fromisoformat(change['changed_at']), zone)}: "
        f"{statuses.get(change['status'], change['status'])}"
        for change in goal["status_history"]
    ]
    if history:
        parts.append(f"## {words['history']}\n\n" + "\n".join(history) + "\n")
    parts.append(f"## {words['check_ins']}\n")
    if goal["check_ins"]:
        rows = [
            f"| {words['date']} | {words['rating']} | {words['note']} |",
            "|---|---|---|",
            *(
                f"| {c['day']} | {c['rating']} – {ratings[c['rating']]} | "
                f"{_table_cell(c['note'])} |"
                for c in goal["check_ins"]
            ),
        ]
        parts.append("\n".join(rows) + "\n")
    else:
        parts.append(f"{words['no_check_ins']}\n")
    if comments:
        lines = [f"## {words['comments']}\n"]
        for comment in comments:
            author = words["me"] if comment["by_me"] else comment["author_name"]
            day = _local_day(datetime.fromisoformat(comment["created_at"]), zone)
            quoted = "\n".join(f"> {line}" if line else ">" for line in comment["body"].split("\n"))
            lines.append(f"**{author}**, {day}:\n\n{quoted}\n")
        parts.append("\n".join(lines))
    return "\n".join(parts)


def review_markdown(review: dict) -> str:
    """One saved review (as in journal.json) as Markdown: front matter and the three notes;
    labels in the active language."""
    words = labels()
    front = _front_matter(
        [
            ("period_start", date.fromisoformat(review["period_start"])),
            ("period_end", date.fromisoformat(review["period_end"])),
            ("created_at", review["created_at"]),
        ]
    )
    parts = [
        front,
        f"# {words['review']}: {review['period_start']} – {review['period_end']}\n",
    ]
    for key in ("proud", "next_practice", "need_from_manager"):
        if review[key].strip():
            parts.append(f"## {words[key]}\n\n{review[key].strip()}\n")
    return "\n".join(parts)


def entry_filename(entry: dict) -> str:
    """entries/<YYYY-MM-DD>-<id>-<slug>.md; the id keeps names unique."""
    first_words = " ".join(entry["body"].split()[:8])
    slug = slugify(entry["title"] or first_words, "refleksion")
    return f"entries/{entry['entry_date']}-{entry['id']}-{slug}.md"


def goal_filename(goal: dict) -> str:
    """goals/<id>-<slug>.md."""
    return f"goals/{goal['id']}-{slugify(goal['title'], 'maal')}.md"


def review_filename(review: dict) -> str:
    """reviews/<start>--<end>-<id>.md."""
    return f"reviews/{review['period_start']}--{review['period_end']}-{review['id']}.md"


def archive_name(user: User, when: datetime | None = None) -> str:
    """A download name for the ZIP, e.g. "ledelsesjournal-2026-11-24.zip" (the user's day)."""
    day = (when or utcnow()).astimezone(_zone(user)).date()
    return f"ledelsesjournal-{day.isoformat()}.zip"


def export_zip(user: User, framework: Framework) -> bytes:
    """Everything `user` owns as a ZIP: journal.json, README.md, and Markdown files per
    (non-trashed) entry, per goal and per saved review; the agenda, if any (agenda.json,
    agenda.md)."""
    data = export_data(user, framework)
    language = user.language if user.language in LANGUAGES else "da"
    zone = _zone(user)
    exported_at = datetime.fromisoformat(data["exported_at"])
    goal_titles = {goal["id"]: goal["title"] for goal in data["goals"]}
    comments_by_goal: dict[int, list[dict]] = {}
    for comment in data["comments"]:
        comments_by_goal.setdefault(comment["goal_id"], []).append(comment)

    files: list[tuple[str, str | bytes]] = [
        (JSON_NAME, to_bytes(data)),
        (
            "README.md",
            README.format(
                exported_at=exported_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"),
                schema_version=SCHEMA_VERSION,
            ),
        ),
    ]
    files.extend(
        (entry_filename(entry), entry_markdown(entry, framework, goal_titles))
        for entry in data["entries"]
        if entry["deleted_at"] is None  # the trash is in journal.json only
    )
    with force_locale(language):  # the Markdown is for the leader to read
        files.extend(
            (
                goal_filename(goal),
                goal_markdown(goal, framework, comments_by_goal.get(goal["id"], []), zone),
            )
            for goal in data["goals"]
        )
        files.extend(
            (review_filename(review), review_markdown(review)) for review in data["reviews"]
        )
        agenda = agenda_data(user)
        if has_agenda(agenda):
            files += [("agenda.json", to_bytes(agenda)), ("agenda.md", agenda_markdown(agenda))]

    # ZIP stores local wall-clock times; the leader's own clock is the least surprising.
    stamp = exported_at.astimezone(zone).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content if isinstance(content, bytes) else content.encode())
    return buffer.getvalue()
