"""Erasing an account leaves no row that refers to the leader, on either database."""

from datetime import date

import pytest
from sqlalchemy import inspect, text

from journal.agenda import services as agenda
from journal.extensions import db as _db
from journal.goals import services as goals
from journal.models import User
from journal.review import services as reviews
from journal.sharing import services as sharing
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.both_engines  # the database engine matters here


def rows_referring_to(db, user_id: int) -> dict[str, int]:
    """For every column that refers to users.id, how many rows hold this id."""
    found = {}
    inspector = inspect(db.engine)
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] != "users":
                continue
            column = fk["constrained_columns"][0]
            count = db.session.execute(
                text(f"SELECT count(*) FROM {table} WHERE {column} = :id"), {"id": user_id}
            ).scalar()
            if count:
                found[f"{table}.{column}"] = count
    return found


def test_erase_removes_everything_the_leader_owns(
    app, leader_client, leader, make_user, make_entry, make_goal, db
):
    manager, report = make_user(name="Mads Chef"), make_user(name="Rikke Rapport")
    entry = make_entry(leader, task_keys=["vision"])
    goal = make_goal(leader, title="lytte", start_date=date(2026, 1, 5))
    goals.add_check_in(leader, goal, day=date(2026, 2, 1), rating=3, note="note")
    link = sharing.request_link(leader, manager.email)
    sharing.respond(manager, link, accept=True)
    sharing.share(leader, goal, include_notes=True)
    sharing.add_comment(manager, goal, "Godt")
    sharing.add_comment(leader, goal, "Tak")
    reviews.save_review(
        leader,
        reviews.Period(date(2026, 1, 1), date(2026, 3, 1), "custom"),
        proud="x",
        next_practice="",
        need_from_manager="",
        snapshot={},
    )
    # The agenda: the leader's shared point, the manager's, a conversation and both notes.
    point = agenda.add_point(leader, "Et punkt")
    agenda.share_point(leader, point)
    agenda.add_manager_point(manager, link, "Lederens punkt")
    meeting = agenda.hold_meeting(leader, leader.id, link, date(2026, 3, 1))
    agenda.save_note(leader, meeting, "Mine noter")
    agenda.save_note(manager, meeting, "Chefens noter")
    # The leader is also someone else's manager, and appears in that person's log.
    other_link = sharing.request_link(report, leader.email)
    sharing.respond(leader, other_link, accept=True)
    leader_id, entry_id = leader.id, entry.id
    assert rows_referring_to(db, leader_id)

    refused = leader_client.submit("/account/erase", {"password": "wrong one", "understood": "y"})
    assert refused.status_code == 200 and _db.session.get(User, leader_id) is not None
    unticked = leader_client.submit("/account/erase", {"password": TEST_PASSWORD})
    assert unticked.status_code == 200

    response = leader_client.submit(
        "/account/erase", {"password": TEST_PASSWORD, "understood": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, leader_id) is None
    assert rows_referring_to(db, leader_id) == {}
    assert (
        db.session.execute(
            text("SELECT count(*) FROM entries WHERE id = :id"), {"id": entry_id}
        ).scalar()
        == 0
    )
    for table in (
        "goals",
        "check_ins",
        "shares",
        "comments",
        "reviews",
        "entry_tasks",
        "goal_tasks",
        "agenda_points",
        "agenda_shares",
        "agenda_meetings",
        "agenda_notes",
    ):
        remaining = db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
        assert remaining == 0, table
    # The other people are untouched; the report's log keeps its line, without the leader.
    assert db.session.get(User, manager.id) and db.session.get(User, report.id)
    assert leader_client.get("/").status_code == 302


def test_the_erase_page_offers_the_export_first(leader_client):
    page = leader_client.get("/account/erase").get_data(as_text=True)
    assert "ZIP" in page
