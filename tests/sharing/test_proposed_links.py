"""A manager proposed by an administrator's import: the leader confirms or declines it, and
only a confirmed proposal reaches the manager, as the leader's own request."""

import pytest
from sqlalchemy import select

from journal.admin import onboarding
from journal.models import ManagerLink, Notification, Share, SharingEvent
from journal.sharing import services

pytestmark = pytest.mark.both_engines  # the status set and its index live in the database


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user(name="Anne Admin", is_admin=True),
        "leader": make_user(name="Lone Leder", email="lone@esbjerg.example"),
        "manager": make_user(name="Mads Chef", email="mads@esbjerg.example"),
    }


def browser(app, login, user):
    client = app.test_client()
    login(client, user)
    return client


def proposed(people) -> ManagerLink:
    """Mads proposed as Lone's manager by an import, as the administration does it."""
    rows = onboarding.read_file(
        b"navn;e-mail;leders e-mail\r\nLone Leder;lone@esbjerg.example;mads@esbjerg.example\r\n"
    )
    onboarding.run_import(people["admin"], rows)
    return services.open_link_of(people["leader"])


def test_the_manager_sees_a_request_only_after_the_leader_confirms(app, login, people, db):
    link = proposed(people)
    assert link.status == "proposed"
    leader = browser(app, login, people["leader"])
    manager = browser(app, login, people["manager"])

    # Nothing reaches the manager: no Team menu, no request, no notification.
    assert "Mine ledere" not in manager.get("/").get_data(as_text=True)
    assert "Lone Leder" not in manager.get("/team/").get_data(as_text=True)
    assert manager.submit(f"/team/requests/{link.id}/accept", page="/team/").status_code == 404
    assert manager.submit(f"/team/links/{link.id}/end", page="/team/").status_code == 404
    assert services.links_as_manager(people["manager"], "pending", "accepted") == []
    told = db.session.scalars(select(Notification.recipient_id)).all()
    assert told == [people["leader"].id]

    # The leader sees the proposal (news on the dashboard, the sharing page) and confirms it.
    assert "En administrator har foreslået" in leader.get("/").get_data(as_text=True)
    page = leader.get("/sharing/").get_data(as_text=True)
    assert "En administrator har foreslået mads@esbjerg.example som din leder" in page
    confirmed = leader.submit(f"/sharing/links/{link.id}/confirm", page="/sharing/")
    assert confirmed.status_code == 302
    db.session.expire_all()
    assert db.session.get(ManagerLink, link.id).status == "pending"

    # Now, and only now, the manager has a request to accept, as from any leader.
    team = manager.get("/team/").get_data(as_text=True)
    assert "Lone Leder" in team and "har bedt om at få dig som leder" in team
    manager.submit(f"/team/requests/{link.id}/accept", page="/team/")
    db.session.expire_all()
    assert db.session.get(ManagerLink, link.id).status == "accepted"
    # Linking shares nothing: the leader shares goal by goal.
    assert db.session.scalars(select(Share)).all() == []
    kinds = db.session.scalars(
        select(SharingEvent.kind)
        .order_by(SharingEvent.id)
        .where(SharingEvent.leader_id == people["leader"].id)
    ).all()
    assert kinds == ["link_proposed", "link_requested", "link_accepted"]


def test_a_declined_proposal_never_reaches_the_manager(app, login, people, db):
    link = proposed(people)
    leader = browser(app, login, people["leader"])
    declined = leader.submit(f"/sharing/links/{link.id}/decline", page="/sharing/")
    assert declined.status_code == 302
    db.session.expire_all()
    assert db.session.get(ManagerLink, link.id).status == "declined"
    page = leader.get("/sharing/").get_data(as_text=True)
    assert "Du sagde nej til mads@esbjerg.example som din leder" in page
    assert 'action="/sharing/request"' in page  # free to name a manager of her own
    manager = browser(app, login, people["manager"])
    assert "Lone Leder" not in manager.get("/team/").get_data(as_text=True)
    assert [n.recipient_id for n in db.session.scalars(select(Notification))] == [
        people["leader"].id
    ]


def test_only_the_leader_answers_a_proposal_and_only_once(app, login, people, db):
    link = proposed(people)
    for someone in ("manager", "admin"):
        client = browser(app, login, people[someone])
        answer = client.submit(f"/sharing/links/{link.id}/confirm", page="/sharing/")
        assert answer.status_code == 404
    leader = browser(app, login, people["leader"])
    leader.submit(f"/sharing/links/{link.id}/confirm", page="/sharing/")
    again = leader.submit(f"/sharing/links/{link.id}/decline", page="/sharing/")
    assert again.status_code == 404
    db.session.expire_all()
    assert db.session.get(ManagerLink, link.id).status == "pending"


def test_a_proposal_is_the_leader_s_one_open_link(app, login, people, db):
    proposed(people)
    with pytest.raises(services.SharingError):
        services.request_link(people["leader"], "en.anden@esbjerg.example")
    leader = browser(app, login, people["leader"])
    page = leader.get("/sharing/").get_data(as_text=True)
    assert 'action="/sharing/request"' not in page


def test_the_administration_sees_a_proposal_as_waiting_for_the_leader(app, login, people):
    proposed(people)
    admin = browser(app, login, people["admin"])
    assert "foreslået, venter på bekræftelse" in admin.get("/admin/links").get_data(as_text=True)
    page = admin.get(f"/admin/users/{people['leader'].id}").get_data(as_text=True)
    assert "foreslået, venter på bekræftelse" in page
