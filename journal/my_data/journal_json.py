"""The format of `journal.json`, shared by both directions: what the export writes and the
importer reads. Documented for people in docs/journal-json.md.

`SCHEMA_VERSION` grows with every change to the format; the importer reads every version up
to its own. The field lists are the format's: the export writes exactly these keys (a test
checks it) and the importer refuses anything else.
"""

import json
from datetime import UTC, date, datetime

FORMAT = "ledelsesjournal"
SCHEMA_VERSION = 1
JSON_NAME = "journal.json"
# Saved reviews exist (journal/models/review.py), so they travel in the export and import.
REVIEWS_SUPPORTED = True

TOP_FIELDS = (
    "format",
    "schema_version",
    "exported_at",
    "framework",
    "account",
    "entries",
    "goals",
    "reviews",
    "comments",
    "sharing_log",
    "manager",
)
ENTRY_FIELDS = (
    "id",
    "entry_date",
    "title",
    "body",
    "starred",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
    "task_keys",
    "goal_ids",
)
GOAL_FIELDS = (
    "id",
    "title",
    "why",
    "how_i_know",
    "task_keys",
    "start_date",
    "review_date",
    "status",
    "position",
    "created_at",
    "updated_at",
    "status_history",
    "check_ins",
    "shared",
)
HISTORY_FIELDS = ("status", "changed_at")
CHECK_IN_FIELDS = ("day", "rating", "note", "created_at", "updated_at")
REVIEW_FIELDS = (
    "id",
    "period_start",
    "period_end",
    "proud",
    "next_practice",
    "need_from_manager",
    "snapshot",
    "created_at",
)


def iso_datetime(value: datetime | None) -> str | None:
    """A moment as ISO 8601 in UTC with its offset ("…+00:00"), microseconds kept."""
    if value is None:
        return None
    if value.tzinfo is None:  # the UTCDateTime column never hands these out; be safe anyway
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def iso_date(value: date | None) -> str | None:
    """A calendar day as ISO 8601 (YYYY-MM-DD)."""
    return value.isoformat() if value is not None else None


def to_bytes(data: dict) -> bytes:
    """`data` as the bytes of journal.json: UTF-8, indented, Danish letters as they are."""
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
