"""The conversation held: ticked points filed under it, open ones carried over, and the
notes each side writes afterwards, which only their author ever reads."""

from datetime import date

import pytest
from sqlalchemy import func, select, text

from journal.agenda import services
from journal.models import AgendaPoint, Meeting, MeetingNote, SharingEvent
from journal.review import services as reviews
from journal.sharing import services as sharing

pytestmark = pytest.mark.both_engines  # the database engine matters here


@pytest.fixture
def people(make_user):
    return {
        "leader": make_user(name="Lone Leder"),
        "manager": make_user(name="Mads Chef"),
    }


@pytest.fixture
def link(people):
    link = sharing.request_link(people["leader"], people["manager"].email)
    sharing.respond(people["manager"], link, accept=True)
    return link


def browser(app, log_in_as, user):
    return log_in_as(app.test_client(), user)


def test_the_held_conversation_files_ticked_points_and_carries_the_rest_over(
    app, log_in_as, people, link, db
):
    leader = people["leader"]
    talked = services.add_point(leader, "Talt om")
    waiting = services.add_point(leader, "Nåede vi ikke")
    services.share_point(leader, talked)
    services.share_point(leader, waiting)
    theirs = services.add_manager_point(people["manager"], link, "Lederens punkt")
    manager = browser(app, log_in_as, people["manager"])
    team = f"/team/{leader.id}/agenda"
    manager.submit(f"{team}/points/{talked.id}/tick", {"done": "1"}, page=team)
    manager.submit(f"{team}/points/{theirs.id}/tick", {"done": "1"}, page=team)
    response = manager.submit(f"{team}/held", {"held_on": "2026-12-01"}, page=team)
    meeting = db.session.scalars(select(Meeting)).one()
    assert response.headers["Location"] == f"{team}/meetings/{meeting.id}"
    assert meeting.held_on == date(2026, 12, 1) and meeting.link_id == link.id
    db.session.expire_all()
    assert db.session.get(AgendaPoint, talked.id).meeting_id == meeting.id
    assert db.session.get(AgendaPoint, waiting.id).meeting_id is None
    assert db.session.get(AgendaPoint, waiting.id).carried_over == 1

    # The leader's agenda keeps only the open point, marked as carried over; the
    # conversation lists what was ticked off.
    own = browser(app, log_in_as, leader)
    page = own.get("/agenda/").get_data(as_text=True)
    assert "Nåede vi ikke" in page and "Videreført fra en tidligere samtale" in page
    assert "Talt om" not in page and "Samtalen den 1. december 2026" in page
    history = own.get(f"/agenda/meetings/{meeting.id}").get_data(as_text=True)
    assert "Talt om" in history and "Lederens punkt" in history
    # Once filed, a point is not ticked again.
    own.submit(f"/agenda/points/{talked.id}/tick", {"done": "0"}, page="/agenda/")
    db.session.expire_all()
    assert db.session.get(AgendaPoint, talked.id).done_at is not None


def test_the_manager_sees_in_a_past_conversation_only_what_was_shared(
    app, log_in_as, people, link, db
):
    leader = people["leader"]
    shared = services.add_point(leader, "Delt og talt om")
    private = services.add_point(leader, "PRIVAT og krydset af")
    services.share_point(leader, shared)
    services.tick(leader, shared, True)
    services.tick(leader, private, True)
    meeting = services.hold_meeting(leader, leader.id, link, date(2026, 12, 2))
    manager = browser(app, log_in_as, people["manager"])
    page = manager.get(f"/team/{leader.id}/agenda/meetings/{meeting.id}").get_data(as_text=True)
    assert "Delt og talt om" in page and "PRIVAT" not in page
    assert page.count("<li><p") == 1
    # The leader's log records the look, as it does for the agenda.
    viewed = db.session.scalars(
        select(SharingEvent.kind).where(SharingEvent.leader_id == leader.id)
    ).all()
    assert viewed.count("agenda_viewed") == 1


def test_notes_stay_with_their_author(app, log_in_as, people, link, db):
    leader_user = people["leader"]
    meeting = services.hold_meeting(leader_user, leader_user.id, link, date(2026, 12, 2))
    leader = browser(app, log_in_as, leader_user)
    manager = browser(app, log_in_as, people["manager"])
    mine = f"/agenda/meetings/{meeting.id}"
    theirs = f"/team/{leader_user.id}/agenda/meetings/{meeting.id}"
    leader.submit(mine, {"body": "LEDERENS NOTE"})
    manager.submit(theirs, {"body": "CHEFENS NOTE"})
    assert "LEDERENS NOTE" in leader.get(mine).get_data(as_text=True)
    assert "CHEFENS NOTE" not in leader.get(mine).get_data(as_text=True)
    assert "CHEFENS NOTE" in manager.get(theirs).get_data(as_text=True)
    assert "LEDERENS NOTE" not in manager.get(theirs).get_data(as_text=True)
    # Each sealed with the author's own key: nothing readable in the database.
    rows = db.session.execute(text("SELECT sealed FROM agenda_notes")).scalars().all()
    assert len(rows) == 2 and not any(b"NOTE" in bytes(row) for row in rows)
    notes = db.session.scalars(select(MeetingNote)).all()
    assert {note.author_id for note in notes} == {leader_user.id, people["manager"].id}
    # The leader's own conversation is not a door to it for anyone else.
    assert manager.get(mine).status_code == 404


def test_a_saved_reviews_need_becomes_a_private_point(app, log_in_as, leader, db):
    review = reviews.save_review(
        leader,
        reviews.Period(date(2026, 6, 1), date(2026, 11, 30), "custom"),
        proud="",
        next_practice="",
        need_from_manager="Mere sparring om prioritering",
        snapshot={},
    )
    client = browser(app, log_in_as, leader)
    page = client.get(f"/review/{review.id}").get_data(as_text=True)
    assert "Tag med til samtalen" in page
    client.submit(f"/agenda/from-review/{review.id}", page=f"/review/{review.id}")
    point = db.session.scalars(select(AgendaPoint)).one()
    assert point.manager_body is None and point.sealed is not None
    assert "Mere sparring om prioritering" in client.get("/agenda/").get_data(as_text=True)


def test_a_need_too_long_for_a_point_comes_to_the_form_to_shorten(app, log_in_as, leader, db):
    need = "Jeg har brug for mere sparring. " * 20
    review = reviews.save_review(
        leader,
        reviews.Period(date(2026, 6, 1), date(2026, 11, 30), "custom"),
        proud="",
        next_practice="",
        need_from_manager=need,
        snapshot={},
    )
    client = browser(app, log_in_as, leader)
    response = client.submit(f"/agenda/from-review/{review.id}", page=f"/review/{review.id}")
    page = response.get_data(as_text=True)
    assert "må højst fylde 500 tegn" in page and need.strip() in page
    assert db.session.scalars(select(AgendaPoint)).all() == []


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2999-01-01"])
def test_a_day_far_off_is_not_recorded_as_a_conversation(app, log_in_as, people, link, db, day):
    """The year 1 or 9999 is a slip of the keyboard: a message, and nothing recorded."""
    own = browser(app, log_in_as, people["leader"])
    services.add_point(people["leader"], "Stadig åben")
    page = own.submit("/agenda/held", {"held_on": day}, page="/agenda/", follow_redirects=True)
    assert "Vælg den dag, samtalen blev holdt: i dag eller tidligere." in page.get_data(
        as_text=True
    )
    assert db.session.scalar(select(Meeting)) is None


def test_each_side_lists_earlier_conversations_as_links_to_its_own_pages(
    app, log_in_as, people, link
):
    leader = people["leader"]
    meeting = services.hold_meeting(leader, leader.id, link, date(2026, 12, 2))
    own = browser(app, log_in_as, leader).get("/agenda/").get_data(as_text=True)
    assert f'href="/agenda/meetings/{meeting.id}"' in own
    manager = browser(app, log_in_as, people["manager"])
    theirs = manager.get(f"/team/{leader.id}/agenda").get_data(as_text=True)
    assert f'href="/team/{leader.id}/agenda/meetings/{meeting.id}"' in theirs


def test_each_author_has_room_for_a_bounded_number_of_waiting_points(
    app, log_in_as, people, link, db, monkeypatch
):
    """A full agenda says so and keeps the text; the bound counts the writer's own points
    only, so a manager learns nothing of how many private points the leader has."""
    monkeypatch.setattr(services, "MAX_OPEN_POINTS", 2)
    leader, manager = people["leader"], people["manager"]
    for text_ in ("Et", "To"):
        services.add_point(leader, text_)
    own = browser(app, log_in_as, leader)
    page = own.submit("/agenda/points", {"body": "Tre ord mere"}, page="/agenda/")
    assert "Du har 2 punkter, der venter på samtalen." in page.get_data(as_text=True)
    assert "Tre ord mere" in page.get_data(as_text=True)
    theirs = browser(app, log_in_as, manager)
    team = f"/team/{leader.id}/agenda"
    theirs.submit(f"{team}/points", {"body": "Fra lederen"}, page=team)
    assert db.session.scalar(select(func.count()).select_from(AgendaPoint)) == 3
