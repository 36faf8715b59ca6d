"""The agenda for the appraisal conversation: private points, shared one by one after a
preview, the manager's own points, and the 404 rule for everything not shared."""

import re

import pytest
from sqlalchemy import select, text

from journal.agenda import services
from journal.extensions import db as _db
from journal.models import AgendaPoint, AgendaShare, SharingEvent
from journal.sharing import services as sharing

pytestmark = pytest.mark.both_engines  # the database engine matters here


@pytest.fixture
def people(make_user):
    return {
        "leader": make_user(name="Lone Leder"),
        "manager": make_user(name="Mads Chef"),
        "other": make_user(name="Ole Anden"),
    }


def browser(app, log_in_as, user):
    return log_in_as(app.test_client(), user)


def linked(people, manager="manager"):
    link = sharing.request_link(people["leader"], people[manager].email)
    sharing.respond(people[manager], link, accept=True)
    return link


def kinds(leader) -> list[str]:
    return list(
        _db.session.scalars(
            select(SharingEvent.kind)
            .where(SharingEvent.leader_id == leader.id)
            .order_by(SharingEvent.id)
        )
    )


def test_a_point_is_sealed_and_private_until_shared_after_a_preview(app, log_in_as, people, db):
    link = linked(people)
    leader = browser(app, log_in_as, people["leader"])
    manager = browser(app, log_in_as, people["manager"])
    leader.submit("/agenda/points", {"body": "Mere tid til sparring PRIVATPUNKT"}, page="/agenda/")
    point = db.session.scalars(select(AgendaPoint)).one()
    stored = db.session.execute(text("SELECT * FROM agenda_points")).mappings().one()
    assert b"PRIVATPUNKT" not in stored["sealed"] and stored["manager_body"] is None
    assert "PRIVATPUNKT" in leader.get("/agenda/").get_data(as_text=True)

    team = f"/team/{people['leader'].id}/agenda"
    assert "PRIVATPUNKT" not in manager.get(team).get_data(as_text=True)
    assert manager.submit(f"{team}/points/{point.id}/tick", page=team).status_code == 404

    # The preview shows exactly the words, and names who will see them; nothing is shared yet.
    preview = leader.get(f"/agenda/points/{point.id}/share").get_data(as_text=True)
    assert "PRIVATPUNKT" in preview and "Mads Chef" in preview
    assert db.session.get(AgendaShare, point.id) is None
    leader.submit(f"/agenda/points/{point.id}/share")
    db.session.expire_all()
    assert db.session.get(AgendaShare, point.id).body == "Mere tid til sparring PRIVATPUNKT"
    assert db.session.get(AgendaShare, point.id).link_id == link.id
    page = manager.get(team).get_data(as_text=True)
    assert "PRIVATPUNKT" in page and "Delt af Lone Leder" in page

    # An edit reaches the copy; unsharing removes it, and the manager's next look is empty.
    leader.submit(f"/agenda/points/{point.id}/edit", {"body": "Sparring hver måned"})
    assert "Sparring hver måned" in manager.get(team).get_data(as_text=True)
    leader.submit(f"/agenda/points/{point.id}/unshare", page="/agenda/")
    db.session.expire_all()
    assert db.session.get(AgendaShare, point.id) is None
    assert "Sparring" not in manager.get(team).get_data(as_text=True)
    logged = kinds(people["leader"])
    assert [kind for kind in logged if kind.startswith("point_")] == [
        "point_shared",
        "point_unshared",
    ]
    assert "agenda_viewed" in logged  # each time the manager opened it
    log = leader.get("/sharing/").get_data(as_text=True)
    assert "Du delte samtalepunktet »Sparring hver måned« med Mads Chef." in log
    assert "Du holdt op med at dele samtalepunktet »Sparring hver måned«." in log
    assert "Mads Chef åbnede din dagsorden til samtalen." in log


def test_the_manager_never_sees_an_unshared_point_nor_how_many(app, log_in_as, people, db):
    linked(people)
    leader = people["leader"]
    manager = browser(app, log_in_as, people["manager"])
    team = f"/team/{leader.id}/agenda"
    empty = manager.get(team).get_data(as_text=True)
    for number in range(3):
        services.add_point(leader, f"HEMMELIGT {number}")
    shared = services.add_point(leader, "DELT PUNKT")
    services.share_point(leader, shared)
    services.add_point(leader, "HEMMELIGT 4")
    response = manager.get(team)
    page = response.get_data(as_text=True)
    assert "HEMMELIGT" not in page and "DELT PUNKT" in page
    # Nothing on the page counts them: the page is the empty one plus the shared point.
    assert page.count("agenda-point card") == 1
    assert not re.search(r"\b[45]\b", re.sub(r"<[^>]+>|/\d+/|\d{4}|\d+\.", " ", page))
    assert len(page) - len(empty) < 2000
    hidden = db.session.scalars(select(AgendaPoint.id).where(AgendaPoint.id != shared.id)).all()
    for point_id in hidden:
        for path in (f"{team}/points/{point_id}/tick", f"{team}/points/{point_id}/delete"):
            assert manager.submit(path, page=team).status_code == 404
        assert manager.get(f"{team}/points/{point_id}/edit").status_code == 404


def test_the_manager_adds_points_the_leader_sees_and_ticks_shared_ones(app, log_in_as, people, db):
    linked(people)
    leader = browser(app, log_in_as, people["leader"])
    manager = browser(app, log_in_as, people["manager"])
    team = f"/team/{people['leader'].id}/agenda"
    manager.submit(f"{team}/points", {"body": "Budgettet for 2027"}, page=team)
    mine = db.session.scalars(select(AgendaPoint)).one()
    assert mine.manager_body == "Budgettet for 2027" and mine.sealed is None
    page = leader.get("/agenda/").get_data(as_text=True)
    assert "Budgettet for 2027" in page and "Fra Mads Chef" in page
    assert "point_added" in kinds(people["leader"])
    # The leader cannot change or share the manager's point; the manager can.
    assert leader.get(f"/agenda/points/{mine.id}/edit").status_code == 404
    assert leader.get(f"/agenda/points/{mine.id}/share").status_code == 404
    manager.submit(f"{team}/points/{mine.id}/edit", {"body": "Budget 2027"})
    db.session.expire_all()
    assert db.session.get(AgendaPoint, mine.id).manager_body == "Budget 2027"

    own = services.add_point(people["leader"], "Min egen")
    services.share_point(people["leader"], own)
    manager.submit(f"{team}/points/{own.id}/tick", {"done": "1"}, page=team)
    db.session.expire_all()
    assert db.session.get(AgendaPoint, own.id).done_by_id == people["manager"].id
    # Another leader's agenda, and a point of hers, are not found.
    other = services.add_point(people["other"], "Andens punkt")
    assert manager.get(f"/team/{people['other'].id}/agenda").status_code == 404
    assert manager.submit(f"{team}/points/{other.id}/tick", page=team).status_code == 404
    mine_id = mine.id
    manager.submit(f"{team}/points/{mine_id}/delete", page=team)
    db.session.expire_all()
    assert db.session.get(AgendaPoint, mine_id) is None


def test_an_ended_link_closes_the_agenda_and_takes_the_copies(app, log_in_as, people, db):
    link = linked(people)
    point = services.add_point(people["leader"], "Delt før")
    services.share_point(people["leader"], point)
    ended_manager = browser(app, log_in_as, people["manager"])
    ended_point = services.add_manager_point(people["manager"], link, "Fra den gamle leder")
    sharing.end_link(link, people["leader"])
    assert db.session.get(AgendaShare, point.id) is None
    assert ended_manager.get(f"/team/{people['leader'].id}/agenda").status_code == 404
    # A new manager sees nothing of the earlier link: not its shares, not its points.
    linked(people, "other")
    newcomer = browser(app, log_in_as, people["other"])
    page = newcomer.get(f"/team/{people['leader'].id}/agenda").get_data(as_text=True)
    assert "Delt før" not in page and "Fra den gamle leder" not in page
    # The leader keeps both.
    own = browser(app, log_in_as, people["leader"]).get("/agenda/").get_data(as_text=True)
    assert "Delt før" in own and "Fra den gamle leder" in own
    assert ended_point.id


def test_too_long_or_empty_is_refused_in_danish_and_the_text_kept(app, log_in_as, people, db):
    leader = browser(app, log_in_as, people["leader"])
    long = "Noget at tale om. " * 40
    response = leader.submit("/agenda/points", {"body": long}, page="/agenda/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "må højst fylde 500 tegn" in page and long.strip() in page
    # No maxlength: a browser would cut a longer paste without a word; the message says it.
    assert "maxlength" not in page
    response = leader.submit("/agenda/points", {"body": "   "}, page="/agenda/")
    assert response.status_code == 200 and "Skriv punktet først." in response.get_data(as_text=True)
    assert db.session.scalars(select(AgendaPoint)).all() == []


def test_a_point_posted_after_the_session_ended_is_kept(app, client, people):
    response = client.post("/agenda/points", data={"body": "Ord der ikke må gå tabt"})
    assert response.status_code == 200
    assert "Ord der ikke må gå tabt" in response.get_data(as_text=True)


def test_sharing_needs_an_accepted_manager(app, log_in_as, people, db):
    leader = browser(app, log_in_as, people["leader"])
    point = services.add_point(people["leader"], "Ingen at dele med")
    assert "Du har endnu ingen leder at dele med." in leader.get(
        f"/agenda/points/{point.id}/share"
    ).get_data(as_text=True)
    leader.submit(f"/agenda/points/{point.id}/share")
    assert db.session.get(AgendaShare, point.id) is None


def test_a_point_posted_with_an_expired_form_comes_back_to_save_again(app, log_in_as, people, db):
    linked(people)
    leader = browser(app, log_in_as, people["leader"])
    manager = browser(app, log_in_as, people["manager"])
    team = f"/team/{people['leader'].id}/agenda"
    for client, path in ((leader, "/agenda/points"), (manager, f"{team}/points")):
        response = client.post(path, data={"body": "Kom tilbage", "csrf_token": "udløbet"})
        page = response.get_data(as_text=True)
        assert "Kom tilbage" in page and "Tryk på Gem igen" in page
    assert db.session.scalars(select(AgendaPoint)).all() == []
