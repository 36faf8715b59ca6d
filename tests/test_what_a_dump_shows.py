"""What a dump of the database shows: exactly the fields the Privacy page lists as readable.

A distinct marker goes into every text field a leader, a manager and an administrator can
fill through the app's pages (and an import), then the whole database is read: every value
of every column of every table, and on SQLite the database file and its write-ahead log
byte by byte. Each marker must be found only where the Privacy page says (and README's
"Encryption at rest"): names and email addresses, comments, and a shared goal's copy while
it is shared; everything else a leader writes nowhere.
"""

import re
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from journal.my_data.export import export_data
from journal.my_data.importer import import_data
from journal.sharing import services as sharing

pytestmark = pytest.mark.both_engines  # the database engine matters here

NAMES = {"users.name", "audit_events.actor_name", "audit_events.subject_name"}
AUDIT = {"audit_events.detail"}


def marker(name: str) -> str:
    """A sentence found nowhere else: no marker is part of another."""
    return f"zq-{name}-qz æblegrød"


def everything(db) -> list[tuple[str, str]]:
    """("table.column", value as text) of every value in the database."""
    db.session.commit()
    found = []
    inspector = inspect(db.engine)
    with db.engine.connect() as connection:
        for table in inspector.get_table_names():
            for column in inspector.get_columns(table):
                query = text(f'SELECT "{column["name"]}" FROM "{table}"')
                for (value,) in connection.execute(query):
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    found.append((f"{table}.{column['name']}", str(value)))
    return found


def database_files(db) -> list[bytes]:
    """On SQLite, the database file and its write-ahead log, byte by byte."""
    if db.engine.dialect.name != "sqlite":
        return []
    path = Path(db.engine.url.database)
    return [p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()]


def where(db, markers: dict[str, str]) -> dict[str, set[str]]:
    """For each marker, the columns it is found in."""
    values = everything(db)
    return {
        name: {place for place, value in values if sentence in value}
        for name, sentence in markers.items()
    }


def assert_nowhere(db, markers: dict[str, str]) -> None:
    """Not in any column, nor (SQLite) anywhere in the files."""
    assert where(db, markers) == {name: set() for name in markers}
    for content in database_files(db):
        for name, sentence in markers.items():
            assert sentence.encode() not in content, f"{name} is in the database's files"


def form_value(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)


def test_a_dump_shows_only_what_the_privacy_page_lists_as_readable(app, db, make_user, log_in_as):
    m = {
        name: marker(name)
        for name in (
            "admin-name",
            "leader-name",
            "manager-name",
            "new-name",
            "entry-title",
            "entry-body",
            "entry-edited",
            "shared-title",
            "shared-why",
            "shared-how",
            "shared-note",
            "shared-note-later",
            "private-title",
            "private-why",
            "private-how",
            "private-note",
            "private-note-edited",
            "review-proud",
            "review-next",
            "review-need",
            "comment",
            "reply",
        )
    }
    new_email = "zq-new-email-qz@esbjerg.example"
    admin = log_in_as(app.test_client(), make_user(name="Anne", is_admin=True))
    leader_user, manager_user = make_user(name="Lone"), make_user(name="Mads")
    leader = log_in_as(app.test_client(), leader_user)
    manager = log_in_as(app.test_client(), manager_user)

    def ok(response, code=302):
        assert response.status_code == code, response.get_data(as_text=True)[:300]
        return response

    # Names and an address, typed by the people themselves and by an administrator.
    for client, name in ((leader, "leader-name"), (manager, "manager-name"), (admin, "admin-name")):
        ok(client.submit("/account", {"name": m[name], "language": "da", "timezone": "UTC"}))
    password = "a long and private password"
    ok(
        admin.submit(
            "/admin/users/new",
            {
                "name": m["new-name"],
                "email": new_email,
                "password": password,
                "confirm": password,
                "language": "da",
            },
        )
    )

    # An entry, written and edited.
    new = ok(
        leader.submit(
            "/journal/new",
            {
                "entry_date": "2026-03-02",
                "title": m["entry-title"],
                "body": m["entry-body"],
                "action": "save",
            },
        )
    )
    entry = new.headers["Location"]
    ok(
        leader.submit(
            f"{entry}/edit",
            {
                "entry_date": "2026-03-02",
                "title": m["entry-title"],
                "body": m["entry-edited"],
                "version": "1",
            },
        )
    )

    # Two goals with check-ins: one to share, one private.
    def goal(kind: str) -> str:
        made = leader.submit(
            "/goals/new",
            {
                "title": m[f"{kind}-title"],
                "why": m[f"{kind}-why"],
                "how_i_know": m[f"{kind}-how"],
                "tasks": ["vision"],
                "start_date": "2026-01-05",
            },
        )
        return ok(made).headers["Location"]

    shared, private = goal("shared"), goal("private")

    def check_in(goal_url: str, day: str, note: str) -> None:
        data = {"day": day, "rating": "4", "note": note}
        ok(leader.submit(f"{goal_url}/check-ins", data, page=goal_url))

    check_in(shared, "2026-01-06", m["shared-note"])
    check_in(private, "2026-01-06", m["private-note"])
    private_page = leader.get(private).get_data(as_text=True)
    edit = re.search(r'href="(/goals/check-ins/\d+/edit)"', private_page).group(1)
    ok(leader.submit(edit, {"day": "2026-01-06", "rating": "3", "note": m["private-note-edited"]}))

    # Shared with the manager, notes included; a check-in after sharing; comments both ways.
    link = sharing.request_link(leader_user, manager_user.email)
    sharing.respond(manager_user, link, accept=True)
    ok(leader.submit(f"{shared}/share", {"include_notes": "y"}))
    check_in(shared, "2026-01-07", m["shared-note-later"])
    goal_id = shared.rsplit("/", 1)[1]
    team_goal = f"/team/{leader_user.id}/goals/{goal_id}"
    ok(manager.submit(f"{team_goal}/comments", {"body": m["comment"]}, page=team_goal))
    ok(leader.submit(f"{shared}/comments", {"body": m["reply"]}, page=shared))

    # A saved review, and the whole journal imported into another account.
    review = leader.get("/review/?period=12").get_data(as_text=True)
    ok(
        leader.submit(
            "/review/save",
            {
                "proud": m["review-proud"],
                "next_practice": m["review-next"],
                "need_from_manager": m["review-need"],
                "period_start": form_value(review, "period_start"),
                "period_end": form_value(review, "period_end"),
            },
            page="/review/?period=12",
        )
    )
    import_data(make_user(name="Ida"), export_data(leader_user))

    # The app reads it all back for the leader, and the manager sees the shared goal.
    assert m["entry-edited"] in leader.get(entry).get_data(as_text=True)
    assert m["private-note-edited"] in leader.get(private).get_data(as_text=True)
    seen = manager.get(team_goal).get_data(as_text=True)
    assert m["shared-why"] in seen and m["shared-note-later"] in seen

    places = where(db, {**m, "new-email": new_email})
    for name in ("admin-name", "leader-name", "manager-name", "new-name"):
        assert "users.name" in places[name] and places[name] <= NAMES | AUDIT, name
    assert "users.email" in places["new-email"] and places["new-email"] <= {"users.email"} | AUDIT
    assert places["comment"] == places["reply"] == {"comments.body"}
    assert places["shared-title"] == {"shares.title"}
    assert places["shared-why"] == {"shares.why"}
    assert places["shared-how"] == {"shares.how_i_know"}
    assert places["shared-note"] == places["shared-note-later"] == {"shared_notes.note"}
    private_markers = {
        name: sentence
        for name, sentence in m.items()
        if name.startswith(("entry-", "private-", "review-"))
    }
    assert_nowhere(db, private_markers)
    # The files are the real thing: they hold what is readable.
    files = b"".join(database_files(db))
    assert not files or (m["comment"].encode() in files and m["shared-why"].encode() in files)

    # Unshared: the copy is gone, from the files too; the comments stay with the leader.
    ok(leader.submit(f"{shared}/unshare", page=shared))
    shared_markers = {name: sentence for name, sentence in m.items() if name.startswith("shared-")}
    assert_nowhere(db, shared_markers)
    assert where(db, {"comment": m["comment"]})["comment"] == {"comments.body"}

    # Shared again without the notes, then the link ends: nothing of the goal is left.
    private_id = private.rsplit("/", 1)[1]
    ok(leader.submit(f"{private}/share", {}))
    places = where(db, {name: m[name] for name in ("private-title", "private-note-edited")})
    assert places == {"private-title": {"shares.title"}, "private-note-edited": set()}
    ok(manager.submit(f"/team/links/{link.id}/end", page="/team/"))
    assert manager.get(f"/team/{leader_user.id}/goals/{private_id}").status_code == 404
    assert_nowhere(db, {name: m[name] for name in ("private-title", "private-why", "private-how")})
