"""What a dump of the database shows of the agenda: a manager's points (readable, like a
comment) and a shared point's copy while it is shared; never a private point, nor a note
after a conversation, nor an old copy once it changed or went (SQLite's files included)."""

import pytest
from sqlalchemy import text

from journal.sharing import services as sharing
from tests.test_what_a_dump_shows import assert_nowhere, marker, where

pytestmark = pytest.mark.both_engines  # the database engine matters here


def test_a_dump_shows_of_the_agenda_only_what_is_shared_or_the_managers(
    app, db, make_user, log_in_as
):
    m = {
        name: marker(name)
        for name in (
            "point-private",
            "point-shared",
            "point-edited",
            "manager-point",
            "leader-note",
            "manager-note",
        )
    }
    leader_user, manager_user = make_user(name="Lone"), make_user(name="Mads")
    leader = log_in_as(app.test_client(), leader_user)
    manager = log_in_as(app.test_client(), manager_user)
    link = sharing.request_link(leader_user, manager_user.email)
    sharing.respond(manager_user, link, accept=True)
    team = f"/team/{leader_user.id}/agenda"

    def ok(response):
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return response

    for name in ("point-private", "point-shared"):
        ok(leader.submit("/agenda/points", {"body": m[name]}, page="/agenda/"))
    shared_id = db.session.scalars(text("SELECT id FROM agenda_points ORDER BY id")).all()[1]
    ok(leader.submit(f"/agenda/points/{shared_id}/share"))
    ok(manager.submit(f"{team}/points", {"body": m["manager-point"]}, page=team))
    ok(manager.submit(f"{team}/held", {"held_on": "2026-12-01"}, page=team))
    meeting = f"/agenda/meetings/{db.session.scalar(text('SELECT id FROM agenda_meetings'))}"
    ok(leader.submit(meeting, {"body": m["leader-note"]}))
    ok(manager.submit(f"/team/{leader_user.id}{meeting}", {"body": m["manager-note"]}))

    places = where(db, m)
    assert places["point-shared"] == {"agenda_shares.body"}
    assert places["manager-point"] == {"agenda_points.manager_body"}
    assert_nowhere(db, {name: m[name] for name in ("point-private", "leader-note", "manager-note")})

    # Edited while shared: the copy follows, and the old words are nowhere.
    ok(leader.submit(f"/agenda/points/{shared_id}/edit", {"body": m["point-edited"]}))
    assert where(db, {"point-edited": m["point-edited"]}) == {
        "point-edited": {"agenda_shares.body"}
    }
    assert_nowhere(db, {"point-shared": m["point-shared"]})
    # Unshared: the copy is gone, from the files too.
    ok(leader.submit(f"/agenda/points/{shared_id}/unshare", page="/agenda/"))
    assert_nowhere(db, {"point-edited": m["point-edited"]})
    # Shared again, then the link ends: the copy goes with it.
    ok(leader.submit(f"/agenda/points/{shared_id}/share"))
    ok(manager.submit(f"/team/links/{link.id}/end", page="/team/"))
    assert_nowhere(db, {"point-edited": m["point-edited"]})
