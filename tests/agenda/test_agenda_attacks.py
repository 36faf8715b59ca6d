"""The agenda under attack (issue 21's review): every door a manager could use to read the
leader's points leaves its line in the leader's log, and the like."""

from datetime import date

import pytest
from sqlalchemy import func, select

from journal.agenda import services
from journal.extensions import db as _db
from journal.models import SharingEvent
from journal.sharing import services as sharing


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
