"""The agenda under attack (issue 21's review): every door a manager could use to read the
leader's points leaves its line in the leader's log, and the like."""

from datetime import date

import pytest
from sqlalchemy import func, select

from journal.agenda import services
from journal.extensions import db as _db
from journal.models import AgendaPoint, Meeting, SharingEvent
from journal.sharing import services as sharing

pytestmark = pytest.mark.both_engines  # locking and cascades depend on the engine


@pytest.fixture
def people(make_user):
    return {"leader": make_user(name="Lone Leder"), "manager": make_user(name="Mads Chef")}


@pytest.fixture
def link(people):
    link = sharing.request_link(people["leader"], people["manager"].email)
    sharing.respond(people["manager"], link, accept=True)
    return link


def looks(leader) -> int:
    """How many times the leader's log says the manager opened the agenda."""
    return _db.session.scalar(
        select(func.count())
        .select_from(SharingEvent)
        .where(SharingEvent.leader_id == leader.id, SharingEvent.kind == "agenda_viewed")
    )


def test_every_page_that_shows_the_manager_shared_points_is_in_the_leaders_log(
    app, log_in_as, people, link
):
    """A post the page answers with itself (an empty point, a note too long) shows the
    shared points as a look does: the log must say so, or a manager could read unlogged."""
    leader = people["leader"]
    point = services.add_point(leader, "DELT TIL SAMTALEN")
    services.share_point(leader, point)
    manager = log_in_as(app.test_client(), people["manager"])
    team = f"/team/{leader.id}/agenda"

    before = looks(leader)
    response = manager.submit(f"{team}/points", {"body": ""}, page=team)
    assert response.status_code == 200 and "DELT TIL SAMTALEN" in response.get_data(as_text=True)
    assert looks(leader) == before + 2  # the page the form came from, and the answer

    services.tick(leader, point, True)
    meeting = services.hold_meeting(leader, leader.id, link, date(2026, 11, 30))
    path = f"{team}/meetings/{meeting.id}"
    before = looks(leader)
    response = manager.submit(path, {"body": "x" * 5001}, page=path)
    assert response.status_code == 200 and "DELT TIL SAMTALEN" in response.get_data(as_text=True)
    assert looks(leader) == before + 2


def test_the_preview_shows_the_carried_over_mark_the_manager_will_see(
    app, log_in_as, people, link, db
):
    """A point kept private through a conversation reaches the manager marked as carried
    over from an earlier one: the preview, "exactly what the manager will see", says so."""
    leader = people["leader"]
    point = services.add_point(leader, "Holdt for mig selv")
    services.hold_meeting(leader, leader.id, link, date(2026, 11, 2))
    preview = log_in_as(app.test_client(), leader).get(f"/agenda/points/{point.id}/share")
    mark = "Videreført fra en tidligere samtale"
    assert mark in preview.get_data(as_text=True)
    services.share_point(leader, db.session.get(type(point), point.id))
    team = log_in_as(app.test_client(), people["manager"]).get(f"/team/{leader.id}/agenda")
    assert mark in team.get_data(as_text=True)


def test_a_conversation_recorded_twice_is_one_conversation(app, log_in_as, people, link, db):
    """A double click on "held", or both sides recording it: one conversation that day, and
    the open points carried over once."""
    leader = people["leader"]
    waiting = services.add_point(leader, "Venter stadig")
    talked = services.add_point(leader, "Talt om")
    services.tick(leader, talked, True)
    team = f"/team/{leader.id}/agenda"
    manager = log_in_as(app.test_client(), people["manager"])
    own = log_in_as(app.test_client(), leader)
    own.submit("/agenda/held", {"held_on": "2026-12-01"}, page="/agenda/")
    own.submit("/agenda/held", {"held_on": "2026-12-01"}, page="/agenda/")
    manager.submit(f"{team}/held", {"held_on": "2026-12-01"}, page=team)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1
    assert db.session.get(AgendaPoint, waiting.id).carried_over == 1
    assert db.session.get(AgendaPoint, talked.id).meeting_id is not None
