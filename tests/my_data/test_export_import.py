"""Export everything I own, and import it again: round trip, idempotence, refusals, privacy."""

import copy
import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from journal.entries import services as entries
from journal.goals import services as goals
from journal.models import Entry, Goal
from journal.my_data import importer
from journal.my_data.export import (
    REVIEWS_SUPPORTED,
    SCHEMA_VERSION,
    export_data,
    export_zip,
    slugify,
)
from journal.my_data.importer import ImportRefused, import_data
from journal.my_data.journal_json import ENTRY_FIELDS, GOAL_FIELDS, REVIEW_FIELDS
from journal.review import services as reviews
from journal.sharing import services as sharing
from tests.conftest import opened

pytestmark = pytest.mark.both_engines  # the database engine matters here


def make_goal(user, title, **changes):
    values = {
        "title": title,
        "why": "Fordi mine medarbejdere vokser af det.",
        "how_i_know": "De spørger mig oftere.",
        "task_keys": ["feedback-and-facilitation", "vision"],
        "start_date": date(2026, 1, 5),
        "review_date": date(2026, 6, 1),
        **changes,
    }
    return goals.create_goal(user, **values)


# As the review page saves it (journal/review/snapshot.py).
REVIEW_SNAPSHOT = {
    "goals": [
        {
            "title": "lytte før jeg svarer",
            "status": "active",
            "first": 2,
            "latest": 4,
            "check_ins": 2,
            "linked": 1,
            "ratings": [["2026-01-05", 2], ["2026-02-02", 4]],
            "evidence": ["2026-01-20"],
        }
    ],
    "tasks": {"vision": 2, "clear-and-present-leadership": 1},
    "entries": 3,
    "key_reflections": [1],
    "key_excerpts": [{"title": "", "entry_date": "2026-01-20", "excerpt": "Jeg lyttede."}],
}


def build_journal(user, make_entry, manager=None) -> dict:
    """A journal with every kind of thing a leader owns; returns the objects by name."""
    listen = make_goal(user, "lytte før jeg svarer")
    delegate = make_goal(user, "give ansvar fra mig", review_date=None, task_keys=[])
    paused = make_goal(user, "sige nej | med omtanke", why="", how_i_know="")
    goals.set_status(user, paused, "paused")
    goals.set_status(user, paused, "active")
    goals.set_status(user, delegate, "achieved")
    goals.move(user, paused, -1)
    goals.add_check_in(user, listen, day=date(2026, 1, 12), rating=2, note="Afbrød to gange.")
    goals.add_check_in(user, listen, day=date(2026, 2, 9), rating=4, note="Bedre.\nMeget | bedre.")
    goals.add_check_in(user, delegate, day=date(2026, 1, 20), rating=5, note="")

    first = make_entry(
        user,
        entry_date=date(2026, 1, 12),
        title="Et svært møde på gården",
        body="Jeg lyttede **ikke** godt nok.\n\nI morgen: spørg først.",
        task_keys=["clear-and-present-leadership", "vision"],
        starred=True,
        goal_ids=[listen.id, paused.id],
    )
    entries.update_entry(
        user,
        first,
        version=first.version,
        entry_date=first.entry_date,
        title=first.title,
        body=first.body + "\n\nTilføjet senere.",
        task_keys=first.task_keys,
        starred=True,
        goal_ids=[listen.id, paused.id],
    )
    plain = make_entry(user, entry_date=date(2026, 1, 13), body="Kort dag. Ingen titel.")
    trashed = make_entry(user, entry_date=date(2026, 1, 14), title="Skrald", body="Væk med det.")
    entries.trash_entry(user, trashed)
    review = None
    if REVIEWS_SUPPORTED:
        review = reviews.save_review(
            user,
            reviews.Period(date(2025, 7, 1), date(2026, 1, 31), "custom"),
            proud="At jeg lyttede mere.",
            next_practice="At give ansvar fra mig.",
            need_from_manager="Tid til sparring.",
            snapshot=REVIEW_SNAPSHOT,
        )
    if manager is not None:
        link = sharing.request_link(user, manager.email)
        sharing.respond(manager, link, True)
        sharing.share(user, listen, include_notes=True)
        sharing.add_comment(manager, listen, "Godt set – hvad hjalp?")
        sharing.add_comment(user, listen, "At tælle til tre.")
        sharing.record_view(manager, listen)
    return {
        "goals": [listen, delegate, paused],
        "entries": [first, plain, trashed],
        "review": review,
    }


def row_counts(db) -> dict[str, int]:
    """Rows per table: what "nothing written" is checked against."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def comparable(data: dict) -> dict:
    """The imported part of an export, with ids replaced by positions in the file."""
    goal_index = {goal["id"]: i for i, goal in enumerate(data["goals"])}
    return {
        "entries": [
            {
                **{key: value for key, value in entry.items() if key != "id"},
                "goal_ids": sorted(goal_index[g] for g in entry["goal_ids"]),
            }
            for entry in data["entries"]
        ],
        # `shared` belongs to the manager link, which is not imported.
        "goals": [
            {key: value for key, value in goal.items() if key not in ("id", "shared")}
            for goal in data["goals"]
        ],
        "reviews": [
            {key: value for key, value in review.items() if key != "id"}
            for review in data["reviews"]
        ],
    }


@pytest.fixture
def leader_with_journal(make_user, make_entry):
    manager = make_user(name="Mads Chef")
    leader = make_user(name="Lone Leder")
    objects = build_journal(leader, make_entry, manager)
    return leader, manager, objects


def framework_of(app):
    return app.extensions["framework"]


# Round trip ---------------------------------------------------------------------------------


def test_round_trip_into_a_fresh_account_preserves_every_field(
    app, db, make_user, leader_with_journal
):
    leader, _, _ = leader_with_journal
    original = export_data(leader)
    fresh = make_user(name="Ny Konto")

    result = import_data(fresh, json.dumps(original).encode("utf-8"))

    assert (result.entries_added, result.entries_skipped) == (3, 0)
    assert (result.goals_added, result.goals_skipped) == (3, 0)
    assert result.check_ins_added == 3
    assert result.reviews_added == (1 if REVIEWS_SUPPORTED else 0)
    # The log's comment lines (kinds added after the format was first written) read as any.
    assert result.not_imported == {"comments": 2, "sharing_log": 6, "manager": 1}

    db.session.expire_all()
    copied = export_data(fresh)
    before, after = comparable(original), comparable(copied)
    assert len(after["entries"]) == len(before["entries"]) == 3
    for old, new in zip(before["entries"], after["entries"], strict=True):
        for name in ENTRY_FIELDS:
            if name != "id":
                assert new[name] == old[name], f"entry field {name}"
    assert len(after["goals"]) == len(before["goals"]) == 3
    for old, new in zip(before["goals"], after["goals"], strict=True):
        for name in GOAL_FIELDS:
            if name not in ("id", "shared"):
                assert new[name] == old[name], f"goal field {name}"
    for old, new in zip(before["reviews"], after["reviews"], strict=True):
        for name in REVIEW_FIELDS:
            if name != "id":
                assert new[name] == old[name], f"review field {name}"
    assert len(after["reviews"]) == len(before["reviews"])
    assert after == before  # and nothing beyond the fields listed above differs

    # Relationships to the other installation stay behind; the account keeps its own name.
    assert copied["comments"] == [] and copied["sharing_log"] == []
    assert copied["manager"] is None
    assert copied["account"]["name"] == "Ny Konto"


def test_round_trip_keeps_state_and_order_in_the_app(app, db, make_user, leader_with_journal):
    leader, _, objects = leader_with_journal
    fresh = make_user()
    import_data(fresh, export_data(leader))
    db.session.expire_all()

    # The leader's order of goals, their status histories and check-ins, oldest first.
    old_goals, new_goals = goals.goals_of(leader), goals.goals_of(fresh)
    assert [g.title for g in new_goals] == [g.title for g in old_goals]
    assert [g.position for g in new_goals] == [g.position for g in old_goals]
    for old, new in zip(old_goals, new_goals, strict=True):
        assert new.id != old.id and new.owner_id == fresh.id
        assert [(c.status, c.changed_at) for c in new.status_changes] == [
            (c.status, c.changed_at) for c in old.status_changes
        ]
        assert [(c.day, c.rating, opened(c).note) for c in new.check_ins] == [
            (c.day, c.rating, opened(c).note) for c in old.check_ins
        ]
    paused = next(g for g in new_goals if g.title.startswith("sige nej"))
    assert [c.status for c in paused.status_changes] == ["active", "paused", "active"]

    # The trash is still the trash, the starred entry still starred, edits still counted.
    assert [e.title for e in entries.trashed_entries(fresh)] == ["Skrald"]
    first = db.session.scalars(
        select(Entry).where(Entry.owner_id == fresh.id).order_by(Entry.id)
    ).first()
    assert first.starred and first.version == 2
    assert first.task_keys == ["clear-and-present-leadership", "vision"]
    # Goal links point at the new goals, which belong to the new account only.
    linked = {goals.find_goal_for(fresh, goal_id).title for goal_id in first.goal_ids}
    assert linked == {"lytte før jeg svarer", "sige nej | med omtanke"}
    assert set(first.goal_ids).isdisjoint(g.id for g in objects["goals"])


def test_the_whole_zip_imports_too(app, db, make_user, leader_with_journal):
    leader, _, _ = leader_with_journal
    fresh = make_user()
    result = import_data(fresh, export_zip(leader, framework_of(app)))
    assert (result.entries_added, result.goals_added) == (3, 3)
    assert comparable(export_data(fresh)) == comparable(export_data(leader))


def test_a_zip_of_the_export_folder_imports(app, db, make_user, leader_with_journal):
    """A leader who unpacked the export and zipped the folder again can still import it."""
    leader, _, _ = leader_with_journal
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ledelsesjournal-2026-02-01/journal.json", json.dumps(export_data(leader)))
    fresh = make_user()
    assert import_data(fresh, buffer.getvalue()).entries_added == 3


# Idempotence --------------------------------------------------------------------------------


def test_importing_the_same_file_twice_creates_no_duplicates(
    app, db, make_user, leader_with_journal
):
    leader, _, _ = leader_with_journal
    data = export_data(leader)
    fresh = make_user()
    import_data(fresh, data)
    counts = row_counts(db)

    again = import_data(fresh, export_zip(leader, framework_of(app)))  # same data, as a ZIP

    assert (again.entries_added, again.entries_skipped) == (0, 3)
    assert (again.goals_added, again.goals_skipped) == (0, 3)
    assert again.check_ins_added == 0 and again.reviews_added == 0
    assert again.reviews_skipped == (1 if REVIEWS_SUPPORTED else 0)
    assert row_counts(db) == counts


def test_importing_my_own_export_back_changes_nothing(app, db, leader_with_journal):
    leader, _, _ = leader_with_journal
    counts = row_counts(db)
    result = import_data(leader, export_data(leader))
    assert result.entries_added == result.goals_added == result.check_ins_added == 0
    assert row_counts(db) == counts


def test_a_later_export_adds_only_what_is_new(app, db, make_user, make_entry, leader_with_journal):
    leader, _, objects = leader_with_journal
    fresh = make_user()
    import_data(fresh, export_data(leader))
    listen = objects["goals"][0]
    goals.add_check_in(leader, listen, day=date(2026, 3, 2), rating=5, note="Det sidder nu.")
    make_entry(leader, entry_date=date(2026, 3, 2), body="Ny refleksion.")

    result = import_data(fresh, export_data(leader))

    assert (result.entries_added, result.entries_skipped) == (1, 3)
    assert (result.goals_added, result.goals_skipped) == (0, 3)
    assert result.check_ins_added == 1  # added to the goal the account already had
    db.session.expire_all()
    copy_of_listen = next(g for g in goals.goals_of(fresh) if g.title == listen.title)
    assert [c.rating for c in copy_of_listen.check_ins] == [2, 4, 5]


def test_imported_goals_come_after_the_goals_already_there(app, db, make_user, make_entry):
    source, target = make_user(), make_user()
    make_goal(source, "først")
    make_goal(source, "dernæst")
    make_goal(target, "min egen")
    import_data(target, export_data(source))
    assert [g.title for g in goals.goals_of(target)] == ["min egen", "først", "dernæst"]


# The ZIP ------------------------------------------------------------------------------------


def front_matter(text: str) -> dict[str, str]:
    """The top-level `key: value` lines of a Markdown file's YAML front matter."""
    assert text.startswith("---\n")
    block = text[4 : text.index("\n---\n", 4)]
    return {
        line.split(":", 1)[0]: line.split(":", 1)[1].strip()
        for line in block.splitlines()
        if not line.startswith(" ")
    }


def test_zip_holds_json_readme_and_markdown_per_entry_and_goal(app, db, leader_with_journal):
    leader, _, objects = leader_with_journal
    archive = zipfile.ZipFile(io.BytesIO(export_zip(leader, framework_of(app))))
    names = archive.namelist()

    assert "journal.json" in names and "README.md" in names
    data = json.loads(archive.read("journal.json").decode("utf-8"))
    assert data["format"] == "ledelsesjournal" and data["schema_version"] == SCHEMA_VERSION
    assert "lytte før jeg svarer" in archive.read("journal.json").decode("utf-8")  # not \u00f8
    readme = archive.read("README.md").decode("utf-8")
    assert (
        f"skemaversion {SCHEMA_VERSION}" in readme and f"schema version {SCHEMA_VERSION}" in readme
    )

    entry_files = sorted(n for n in names if n.startswith("entries/"))
    goal_files = sorted(n for n in names if n.startswith("goals/"))
    first, plain, _trashed = objects["entries"]
    assert entry_files == sorted(  # one per entry, not for the one in the trash
        [
            f"entries/2026-01-12-{first.id}-et-svaert-moede-paa-gaarden.md",
            f"entries/2026-01-13-{plain.id}-kort-dag-ingen-titel.md",
        ]
    )
    assert len(goal_files) == 3
    assert f"goals/{objects['goals'][2].id}-sige-nej-med-omtanke.md" in goal_files
    if REVIEWS_SUPPORTED:
        assert len([n for n in names if n.startswith("reviews/")]) == 1
    assert all(n.isascii() and ".." not in n and not n.startswith("/") for n in names)

    text = archive.read(entry_files[0]).decode("utf-8")
    fields = front_matter(text)
    assert fields["date"] == "2026-01-12"
    assert json.loads(fields["title"]) == "Et svært møde på gården"
    assert fields["starred"] == "true"
    assert '  - "Tydelig og nærværende ledelse"' in text and '  - "Visionsledelse"' in text
    assert "  - clear-and-present-leadership" in text.replace('"', "")
    assert '  - "lytte før jeg svarer"' in text
    assert {"tasks", "task_keys", "goals", "goal_ids"} <= set(fields)
    assert text.rstrip().endswith("Tilføjet senere.")

    goal_text = archive.read(f"goals/{objects['goals'][0].id}-lytte-foer-jeg-svarer.md").decode()
    goal_fields = front_matter(goal_text)
    assert goal_fields["status"] == '"active"' and goal_fields["start_date"] == "2026-01-05"
    assert "## Hvorfor det er vigtigt" in goal_text and "## Historik" in goal_text
    assert "| Dato | Vurdering | Note |" in goal_text
    assert "| 2026-01-12 | 2 – Lidt | Afbrød to gange. |" in goal_text
    assert "| 2026-02-09 | 4 – For det meste | Bedre.<br>Meget \\| bedre. |" in goal_text
    assert "Godt set – hvad hjalp?" in goal_text  # the manager's comment, for the reader


def test_the_markdown_speaks_the_leaders_language(app, db, leader_with_journal):
    """The labels come from the app's catalogue, in the leader's language, as on the pages."""
    leader, _, objects = leader_with_journal

    def files(language):
        leader.language = language
        archive = zipfile.ZipFile(io.BytesIO(export_zip(leader, framework_of(app))))
        goal = f"goals/{objects['goals'][0].id}-lytte-foer-jeg-svarer.md"
        (review,) = [n for n in archive.namelist() if n.startswith("reviews/")] or [None]
        return archive.read(goal).decode(), archive.read(review).decode() if review else ""

    goal_da, review_da = files("da")
    assert "# Jeg øver mig på at lytte før jeg svarer" in goal_da
    assert "- **Status:** Aktivt" in goal_da and "| 2026-01-12 | 2 – Lidt |" in goal_da
    goal_en, review_en = files("en")
    assert "# I'm practising lytte før jeg svarer" in goal_en
    assert "## Why it matters" in goal_en and "## History" in goal_en
    assert "- **Status:** Active" in goal_en and "| 2026-01-12 | 2 – A little |" in goal_en
    assert "| Date | Rating | Note |" in goal_en and "Hvorfor" not in goal_en
    if REVIEWS_SUPPORTED:
        assert review_da.startswith("---") and "# Udviklingssamtale:" in review_da
        assert "# Appraisal review:" in review_en


def test_slugs_are_ascii_and_safe():
    assert slugify("Ærlig snak på værkstedet", "x") == "aerlig-snak-paa-vaerkstedet"
    assert slugify("Øv dig – igen!", "x") == "oev-dig-igen"
    assert slugify("../../etc/passwd", "x") == "etc-passwd"
    assert slugify("   ", "refleksion") == "refleksion"
    assert slugify("Café naïve", "x") == "cafe-naive"
    assert len(slugify("ord " * 100, "x")) <= 50


# Refusals -----------------------------------------------------------------------------------


def _valid(leader) -> dict:
    return export_data(leader)


def _first_check_in(data):
    return next(g for g in data["goals"] if g["check_ins"])["check_ins"][0]


def _zip_without_json(_data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.md", "# hej")
        archive.writestr("entries/2026-01-01-1-x.md", "---\n---\nhej")
    return buffer.getvalue()


def _set(path, value):
    """A mutation setting data[path...] = value on a copy of a valid export."""

    def mutate(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return data

    return mutate


def _delete(path):
    def mutate(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return data

    return mutate


def _rating(value):
    def mutate(data):
        _first_check_in(data)["rating"] = value
        return data

    return mutate


MALFORMED = {
    "not json": (lambda data: b"{ this is not json", "not_json"),
    "not utf-8": (lambda data: b'{"format": "\xff"}', "not_json"),
    "NaN": (lambda data: b'{"format": NaN}', "not_json"),
    "foreign json": (lambda data: {"hello": "world", "items": [1, 2]}, "foreign"),
    "a json list": (lambda data: b"[1, 2, 3]", "foreign"),
    "wrong format name": (_set(["format"], "ledelsesjournal-pro"), "foreign"),
    "schema_version 99": (_set(["schema_version"], 99), "newer_version"),
    "schema_version as text": (_set(["schema_version"], "1"), "invalid"),
    "schema_version 0": (_set(["schema_version"], 0), "invalid"),
    "rating 7": (_rating(7), "invalid"),
    "rating 0": (_rating(0), "invalid"),
    "rating true": (_rating(True), "invalid"),
    "body of 100,001 chars": (_set(["entries", 1, "body"], "x" * 100_001), "invalid"),
    "title of 201 chars": (_set(["entries", 1, "title"], "x" * 201), "invalid"),
    "NUL in a body": (_set(["entries", 1, "body"], "a\x00b"), "invalid"),
    "date 2026-13-01": (_set(["entries", 1, "entry_date"], "2026-13-01"), "invalid"),
    "date without dashes": (_set(["entries", 1, "entry_date"], "20260101"), "invalid"),
    "datetime without offset": (
        _set(["entries", 1, "created_at"], "2026-01-01T10:00:00"),
        "invalid",
    ),
    "unknown status": (_set(["goals", 0, "status"], "done"), "invalid"),
    "empty goal title": (_set(["goals", 0, "title"], "  "), "invalid"),
    "bad task key": (_set(["goals", 0, "task_keys"], ["Not A Key"]), "invalid"),
    "starred as text": (_set(["entries", 0, "starred"], "yes"), "invalid"),
    "link to a goal not in the file": (_set(["entries", 0, "goal_ids"], [999_999]), "invalid"),
    "missing entry field": (_delete(["entries", 0, "starred"]), "invalid"),
    "missing check-in field": (_delete(["goals", 0, "check_ins", 0, "note"]), "invalid"),
    "missing goals": (_delete(["goals"]), "invalid"),
    "missing format": (_delete(["format"]), "foreign"),
    "unknown field": (_set(["entries", 0, "mood"], "glad"), "invalid"),
    "entries not a list": (_set(["entries"], {"0": {}}), "invalid"),
    "zip without journal.json": (_zip_without_json, "no_journal_json"),
    "damaged zip": (lambda data: b"PK\x03\x04 this is not really a zip", "bad_zip"),
}
if REVIEWS_SUPPORTED:
    MALFORMED["review period backwards"] = (
        _set(["reviews", 0, "period_end"], "2025-01-01"),
        "invalid",
    )
    MALFORMED["review note too long"] = (_set(["reviews", 0, "proud"], "x" * 10_001), "invalid")
    # A snapshot not of the shape the review page writes (journal/review/snapshot.py).
    for name, figures in {
        "goals as text": {"goals": "x"},
        "tasks as a list": {"tasks": [1, 2]},
        "a goal as a number": {"goals": [1]},
        "a goal without a field": {"goals": [{"title": "x", "status": "active"}]},
        "a goal's count as text": {
            "goals": [{**REVIEW_SNAPSHOT["goals"][0], "check_ins": "two"}],
        },
        "a goal's rating 9": {"goals": [{**REVIEW_SNAPSHOT["goals"][0], "latest": 9}]},
        "a first rating without a latest": {
            "goals": [{**REVIEW_SNAPSHOT["goals"][0], "latest": None}],
        },
        "a goal's status unknown": {"goals": [{**REVIEW_SNAPSHOT["goals"][0], "status": "x"}]},
        "a task count as text": {"tasks": {"vision": "many"}},
        "a task key not a key": {"tasks": {"Vision!": 1}},
        "entries as a list": {"entries": [3]},
        "key reflections as text": {"key_reflections": "1, 2"},
        "an unknown field": {**REVIEW_SNAPSHOT, "mood": "glad"},
        "a chart point's rating 9": {
            "goals": [{**REVIEW_SNAPSHOT["goals"][0], "ratings": [["2026-01-05", 9]]}],
        },
        "a chart point not a date": {
            "goals": [{**REVIEW_SNAPSHOT["goals"][0], "evidence": ["i går"]}],
        },
        "a chart of too many points": {
            "goals": [{**REVIEW_SNAPSHOT["goals"][0], "evidence": ["2026-01-05"] * 201}],
        },
        "a key reflection's excerpt too long": {
            "key_excerpts": [{"title": "", "entry_date": "2026-01-20", "excerpt": "x" * 301}],
        },
        "a key reflection kept without its date": {
            "key_excerpts": [{"title": "", "excerpt": "Jeg lyttede."}],
        },
        "too many key reflections kept": {
            "key_excerpts": REVIEW_SNAPSHOT["key_excerpts"] * 31,
        },
    }.items():
        MALFORMED[f"review snapshot: {name}"] = (
            _set(["reviews", 0, "snapshot"], figures),
            "invalid",
        )


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_or_foreign_files_are_refused_and_nothing_is_written(
    app, db, make_user, leader_with_journal, case
):
    leader, _, _ = leader_with_journal
    mutate, reason = MALFORMED[case]
    bad = mutate(copy.deepcopy(_valid(leader)))
    fresh = make_user()
    counts = row_counts(db)

    for target in (fresh, leader):  # into an empty account and into one with data
        with pytest.raises(ImportRefused) as refused:
            import_data(target, bad)
        assert refused.value.reason == reason
        assert refused.value.message_key == importer.MESSAGES[reason]
        assert row_counts(db) == counts


@pytest.mark.skipif(not REVIEWS_SUPPORTED, reason="reviews are not exported")
@pytest.mark.parametrize(
    "figures",
    [{}, {"unreadable_snapshot": "{not json"}, {"tasks": {}, "goals": []}],
    ids=["empty", "unreadable as the export keeps it", "nothing in the period"],
)
def test_snapshots_the_app_writes_import(app, db, make_user, leader_with_journal, figures):
    """A review saved before there was anything to count, and the export's way of keeping a
    stored snapshot it could not read, are shapes the app writes: they import."""
    leader, _, _ = leader_with_journal
    data = export_data(leader)
    data["reviews"][0]["snapshot"] = figures
    fresh = make_user()
    assert import_data(fresh, data).reviews_added == 1
    assert export_data(fresh)["reviews"][0]["snapshot"] == figures


def test_refusal_says_where_the_problem_is(app, db, leader_with_journal):
    leader, _, _ = leader_with_journal
    data = export_data(leader)
    data["entries"][1]["body"] = "x" * 100_001
    with pytest.raises(ImportRefused) as refused:
        import_data(leader, data)
    assert refused.value.detail == "entries[1].body: longer than 100000 characters"
    if REVIEWS_SUPPORTED:
        data = export_data(leader)
        data["reviews"][0]["snapshot"] = {"goals": "x"}
        with pytest.raises(ImportRefused) as refused:
            import_data(leader, data)
        assert refused.value.detail == "reviews[0].snapshot: goals: must be an array"


def test_a_failure_halfway_through_the_writes_leaves_nothing_behind(
    app, db, make_user, leader_with_journal, monkeypatch
):
    """Goals are flushed before the entries are written: a failure then must undo them too."""
    leader, _, _ = leader_with_journal
    fresh = make_user()
    counts = row_counts(db)

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(importer, "_write_entries", fail)
    with pytest.raises(RuntimeError):
        import_data(fresh, export_data(leader))
    assert row_counts(db) == counts
    assert db.session.scalar(select(func.count()).where(Goal.owner_id == fresh.id)) == 0


# Privacy ------------------------------------------------------------------------------------


def test_export_holds_nothing_of_anyone_else(app, db, make_user, make_entry):
    """Two leaders, one the other's manager: each export holds only its owner's data."""
    manager = make_user(name="Mads Chef")
    leader = make_user(name="Lone Leder")
    leader_objects = build_journal(leader, make_entry, manager)
    make_goal(manager, "MANAGER-GOAL lede opad")
    make_entry(manager, body="MANAGER-ENTRY hemmelig refleksion", starred=True)

    leader_text = json.dumps(export_data(leader), ensure_ascii=False)
    manager_data = export_data(manager)
    manager_text = json.dumps(manager_data, ensure_ascii=False)

    assert "MANAGER-GOAL" not in leader_text and "MANAGER-ENTRY" not in leader_text
    # The manager sees the leader's shared goal in the app, but it is not the manager's data.
    for goal in leader_objects["goals"]:
        assert goal.title not in manager_text
    for entry in leader_objects["entries"]:
        assert entry.body not in manager_text
    assert "Godt set" not in manager_text  # the manager's comment lives on the leader's goal
    assert manager_data["sharing_log"] == [] and manager_data["manager"] is None
    assert [e["body"] for e in manager_data["entries"]] == ["MANAGER-ENTRY hemmelig refleksion"]
    for user in (leader, manager):
        text = json.dumps(export_data(user))
        assert user.password_hash not in text and "password" not in text
    # The zip is built from the same data.
    zipped = export_zip(manager, framework_of(app))
    archive = zipfile.ZipFile(io.BytesIO(zipped))
    for name in archive.namelist():
        content = archive.read(name).decode("utf-8")
        assert "lytte før jeg svarer" not in content and "Et svært møde" not in content


def test_export_lists_comments_log_and_manager_for_the_leader(app, db, leader_with_journal):
    leader, manager, objects = leader_with_journal
    data = export_data(leader)
    listen = objects["goals"][0]
    assert [(c["author_name"], c["by_me"], c["goal_id"]) for c in data["comments"]] == [
        ("Mads Chef", False, listen.id),
        ("Lone Leder", True, listen.id),
    ]
    assert [e["kind"] for e in data["sharing_log"]] == [
        "link_requested",
        "link_accepted",
        "shared",
        "commented",
        "replied",
        "viewed",
    ]
    commented = data["sharing_log"][3]
    assert commented["goal_id"] == listen.id and set(commented) == {
        "kind",
        "at",
        "goal_id",
        "manager_name",
    }  # who and when: the words are in `comments`
    # A request names the address typed, never who has it; the rest name the manager.
    names = [(e["kind"], e["manager_name"]) for e in data["sharing_log"]]
    assert names[0] == ("link_requested", None)
    assert all(name == "Mads Chef" for _kind, name in names[1:])
    assert data["manager"]["email"] == manager.email and data["manager"]["status"] == "accepted"
    assert data["goals"][0]["shared"]["include_notes"] is True
    assert data["account"] == {
        "name": "Lone Leder",
        "unit": None,
        "email": leader.email,
        "language": "da",
        "timezone": "Europe/Copenhagen",
        "created_at": leader.created_at.astimezone(UTC).isoformat(),
    }
    trashed = next(e for e in data["entries"] if e["title"] == "Skrald")
    assert datetime.fromisoformat(trashed["deleted_at"]).utcoffset() is not None
    assert data["framework"] == "esbjerg"


def test_a_goal_twice_in_the_file_is_imported_once(app, db, make_user, leader_with_journal):
    leader, _, _ = leader_with_journal
    data = export_data(leader)
    twin = {**copy.deepcopy(data["goals"][0]), "id": 999_999}
    data["goals"].append(twin)
    data["entries"][0]["goal_ids"].append(twin["id"])
    fresh = make_user()

    result = import_data(fresh, data)

    assert (result.goals_added, result.goals_skipped) == (3, 1)
    assert result.check_ins_added == 3
    db.session.expire_all()
    first = db.session.scalars(
        select(Entry).where(Entry.owner_id == fresh.id).order_by(Entry.id)
    ).first()
    assert len(first.goal_ids) == 2


def test_a_file_too_large_is_refused(app, db, leader_with_journal, monkeypatch):
    leader, _, _ = leader_with_journal
    monkeypatch.setattr(importer, "MAX_JSON_BYTES", 1000)
    counts = row_counts(db)
    for raw in (json.dumps(export_data(leader)).encode(), export_zip(leader, framework_of(app))):
        with pytest.raises(ImportRefused) as refused:
            import_data(leader, raw)
        assert refused.value.reason == "too_large"
    assert row_counts(db) == counts
