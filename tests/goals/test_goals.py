"""Goals: create, edit, status history, order, check-ins, evidence and privacy."""

import re
from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from journal.entries import services as entries
from journal.goals import services
from journal.i18n import today_for
from journal.models import CheckIn, Entry, Goal
from tests.conftest import opened, stored

pytestmark = pytest.mark.both_engines  # the database engine matters here


def goal_data(**changes):
    return {
        "title": "give feedback that helps people learn",
        "why": "Mine medarbejdere vokser af det.",
        "how_i_know": "De spørger mig oftere.",
        "tasks": ["feedback-and-facilitation"],
        "start_date": "2026-01-05",
        "review_date": "",
        **changes,
    }


def make_goal(user, **changes):
    values = {
        "title": "lytte før jeg svarer",
        "why": "",
        "how_i_know": "",
        "task_keys": ["clear-and-present-leadership"],
        "start_date": date(2026, 1, 5),
        "review_date": None,
        **changes,
    }
    return services.create_goal(user, **values)


def fresh(db, model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def test_create_a_goal_and_see_it(leader_client, leader, db):
    response = leader_client.submit("/goals/new", goal_data(title="Jeg øver mig på at lytte mere"))
    assert response.status_code == 302
    (goal,) = stored(db, Goal)
    assert (goal.owner_id, goal.title, goal.status) == (leader.id, "lytte mere", "active")
    assert goal.task_keys == ["feedback-and-facilitation"]
    assert [c.status for c in goal.status_changes] == ["active"]
    page = leader_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Jeg øver mig på at lytte mere" in page and "Mine medarbejdere vokser af det." in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "Jeg øver mig på at"}, "title"),
        ({"tasks": []}, "tasks"),
        ({"tasks": ["no-such-task"]}, "tasks"),
        ({"start_date": "i morgen"}, "start_date"),
        ({"review_date": "2025-12-31"}, "review_date"),
        ({"title": "x" * 301}, "title"),
    ],
)
def test_bad_goal_input_gets_a_danish_message_and_keeps_the_text(leader_client, db, changes, field):
    response = leader_client.submit("/goals/new", goal_data(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ret de markerede felter nedenfor." in page
    assert "Mine medarbejdere vokser af det." in page
    assert db.session.scalar(select(Goal)) is None


def test_edit_a_goal(leader_client, leader, db):
    goal = make_goal(leader)
    response = leader_client.submit(
        f"/goals/{goal.id}/edit", goal_data(title="stille flere spørgsmål", tasks=["vision"])
    )
    assert response.status_code == 302
    goal = opened(fresh(db, Goal, goal.id))
    assert (goal.title, goal.task_keys) == ("stille flere spørgsmål", ["vision"])


def test_status_changes_are_kept_as_history(leader_client, leader, db):
    goal = make_goal(leader)
    for status in ("paused", "active", "achieved"):
        leader_client.submit(
            f"/goals/{goal.id}/status", {"status": status}, page=f"/goals/{goal.id}"
        )
    goal = fresh(db, Goal, goal.id)
    assert goal.status == "achieved"
    assert [c.status for c in goal.status_changes] == ["active", "paused", "active", "achieved"]
    times = [c.changed_at for c in goal.status_changes]
    assert times == sorted(times) and all(t.tzinfo for t in times)
    page = leader_client.get("/goals/").get_data(as_text=True)
    assert "Nået" in page


def test_the_leader_orders_active_goals(leader_client, leader, db):
    first, _second, third = (make_goal(leader, title=t) for t in ("en", "to", "tre"))
    leader_client.submit(f"/goals/{third.id}/move", {"direction": "up"}, page="/goals/")
    leader_client.submit(f"/goals/{first.id}/move", {"direction": "down"}, page="/goals/")
    db.session.expire_all()
    assert [g.title for g in services.goals_of(leader, ("active",))] == ["tre", "en", "to"]
    page = leader_client.get("/goals/").get_data(as_text=True)
    assert page.index("at tre") < page.index("at en") < page.index("at to")


def check_in(client, goal, **data):
    return client.submit(f"/goals/{goal.id}/check-ins", data, page=f"/goals/{goal.id}")


def test_check_in_from_the_goal_page(leader_client, leader, db):
    goal = make_goal(leader)
    today = today_for(leader)
    response = check_in(leader_client, goal, day=today.isoformat(), rating="4", note="Godt møde")
    assert response.status_code == 302
    (saved,) = stored(db, CheckIn)
    assert (saved.goal_id, saved.day, saved.rating, saved.note) == (goal.id, today, 4, "Godt møde")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rating": "0"}, "Ugyldigt valg."),
        ({"rating": "6"}, "Ugyldigt valg."),
        ({"rating": "fem"}, ""),
        ({}, "Vælg en vurdering fra 1 til 5."),
        ({"rating": "3", "day": "2099-01-01"}, "Datoen kan ikke ligge i fremtiden."),
        ({"rating": "3", "day": "31-31-2026"}, ""),
        ({"rating": "3", "note": "x" * 1001}, "Brug højst 1000 tegn."),
    ],
)
def test_bad_check_ins_get_a_form_error_never_a_500(leader_client, leader, db, data, message):
    goal = make_goal(leader)
    data = {"day": today_for(leader).isoformat(), **data}
    response = check_in(leader_client, goal, **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ret de markerede felter nedenfor." in page
    assert message in page
    assert db.session.scalar(select(CheckIn)) is None


def test_edit_and_delete_a_check_in(leader_client, leader, db):
    goal = make_goal(leader)
    saved = services.add_check_in(leader, goal, day=date(2026, 2, 1), rating=2, note="")
    response = leader_client.submit(
        f"/goals/check-ins/{saved.id}/edit", {"day": "2026-02-02", "rating": "5", "note": "Bedre"}
    )
    assert response.status_code == 302
    edited = opened(fresh(db, CheckIn, saved.id))
    assert (edited.day, edited.rating, edited.note) == (date(2026, 2, 2), 5, "Bedre")
    leader_client.submit(f"/goals/check-ins/{saved.id}/delete", page=f"/goals/{goal.id}")
    db.session.expire_all()
    assert db.session.scalar(select(CheckIn)) is None


def test_the_goal_page_links_each_check_in_to_its_edit_and_delete_routes(
    app, leader_client, leader
):
    goal = make_goal(leader)
    saved = services.add_check_in(leader, goal, day=date(2026, 2, 1), rating=2, note="")
    page = leader_client.get(f"/goals/{goal.id}").get_data(as_text=True)
    with app.test_request_context():
        edit = url_for("goals.edit_check_in", check_in_id=saved.id)
        delete = url_for("goals.delete_check_in", check_in_id=saved.id)
    assert f'href="{edit}"' in page
    assert f'action="{delete}"' in page


def test_one_click_check_in_from_the_dashboard(leader_client, leader, db):
    goal = make_goal(leader)
    page = leader_client.get("/").get_data(as_text=True)
    assert f'action="/goals/{goal.id}/check-ins"' in page
    response = leader_client.submit(
        f"/goals/{goal.id}/check-ins",
        {"day": today_for(leader).isoformat(), "rating": "3", "next": "/"},
        page="/",
    )
    assert response.headers["Location"] == "/"
    assert db.session.scalars(select(CheckIn.rating)).all() == [3]


def test_a_goal_is_due_after_14_days_without_a_check_in(app, leader):
    today = date(2026, 3, 31)
    goal = make_goal(leader, start_date=today - timedelta(days=20))
    assert services.is_due(goal, [], today)
    services.add_check_in(leader, goal, day=today - timedelta(days=13), rating=3, note="")
    (progress,) = services.progress_of(leader, [goal], today)
    assert not progress.due
    (progress,) = services.progress_of(leader, [goal], today + timedelta(days=1))
    assert progress.due
    services.set_status(leader, goal, "paused")
    (progress,) = services.progress_of(leader, [goal], today + timedelta(days=30))
    assert not progress.due


def test_due_goals_are_marked_on_dashboard_and_list(leader_client, leader):
    make_goal(leader, title="gammelt mål", start_date=today_for(leader) - timedelta(days=30))
    for url in ("/", "/goals/"):
        assert "Tid til opfølgning" in leader_client.get(url).get_data(as_text=True)


def test_write_a_reflection_on_a_goal_links_it(leader_client, leader, db):
    goal = make_goal(leader, task_keys=["vision", "delegation"])
    page = leader_client.get(f"/journal/new?goal={goal.id}").get_data(as_text=True)
    assert re.search(rf'name="goals" value="{goal.id}" checked', page)
    assert re.search(r'value="vision" checked', page) and re.search(
        r'value="delegation" checked', page
    )
    leader_client.submit(
        "/journal/new",
        {
            "entry_date": "2026-03-02",
            "body": "Øvede mig i dag",
            "goals": [str(goal.id)],
            "action": "save",
        },
    )
    entry = db.session.scalars(select(Entry)).one()
    assert entry.goal_ids == [goal.id]
    goal_page = leader_client.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert "Øvede mig i dag" in goal_page
    listed = leader_client.get(f"/journal/?goal={goal.id}").get_data(as_text=True)
    assert "Øvede mig i dag" in listed


def test_an_entry_cannot_link_to_someone_elses_goal(app, leader_client, leader, make_user, db):
    foreign = make_goal(make_user())
    response = leader_client.submit(
        "/journal/new",
        {
            "entry_date": "2026-03-02",
            "body": "Forsøg",
            "goals": [str(foreign.id)],
            "action": "save",
        },
    )
    assert response.status_code == 200  # refused by the form: not one of the offered goals
    entry = entries.create_entry(
        leader,
        entry_date=date(2026, 3, 2),
        title="",
        body="Direkte",
        task_keys=[],
        goal_ids=[foreign.id],
    )
    assert entry.goal_ids == []  # and dropped by the service, whatever the caller sends


def test_another_leaders_goal_answers_404_everywhere(app, leader, make_user, login, db):
    goal = make_goal(leader, title="XYZZY hemmeligt mål")
    saved = services.add_check_in(leader, goal, day=date(2026, 2, 1), rating=2, note="XYZZY")
    other = app.test_client()
    login(other, make_user())
    for url in (
        f"/goals/{goal.id}",
        f"/goals/{goal.id}/edit",
        f"/goals/{goal.id}/delete",
        f"/goals/check-ins/{saved.id}/edit",
    ):
        response = other.get(url)
        assert response.status_code == 404 and "XYZZY" not in response.get_data(as_text=True)
    assert "XYZZY" not in other.get("/goals/").get_data(as_text=True)
    assert "XYZZY" not in other.get("/").get_data(as_text=True)
    assert fresh(db, Goal, goal.id).status == "active"


def test_deleting_a_goal_keeps_its_reflections(leader_client, leader, make_entry, db):
    goal = make_goal(leader)
    entry = entries.create_entry(
        leader,
        entry_date=date(2026, 3, 2),
        title="",
        body="Bevis",
        task_keys=[],
        goal_ids=[goal.id],
    )
    assert leader_client.get(f"/goals/{goal.id}/delete").status_code == 200
    leader_client.submit(f"/goals/{goal.id}/delete")
    db.session.expire_all()
    assert db.session.scalar(select(Goal)) is None
    assert fresh(db, Entry, entry.id).goal_ids == []


def test_a_second_check_in_the_same_day_replaces_the_first(leader_client, leader, db):
    goal = make_goal(leader)
    today = today_for(leader).isoformat()
    check_in(leader_client, goal, day=today, rating="2", next="/")
    response = check_in(leader_client, goal, day=today, rating="4", next="/")
    assert db.session.scalars(select(CheckIn.rating)).all() == [4]
    page = leader_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Opfølgning gemt: 4 – For det meste." in page


def test_dates_outside_a_sensible_window_are_refused(leader_client, leader, db):
    response = leader_client.submit("/goals/new", goal_data(start_date="0026-01-05"))
    assert "mellem år 2000 og ti år frem" in response.get_data(as_text=True)
    goal = make_goal(leader, start_date=date(2026, 1, 5))
    response = check_in(leader_client, goal, day="2025-12-31", rating="3")
    assert "før målets start" in response.get_data(as_text=True)
    assert db.session.scalar(select(CheckIn)) is None


def test_tags_of_tasks_no_longer_in_the_framework_survive_an_edit(leader_client, leader, db):
    goal = make_goal(leader, task_keys=["vision", "an-old-task"])
    leader_client.submit(f"/goals/{goal.id}/edit", goal_data(tasks=["delegation"]))
    assert fresh(db, Goal, goal.id).task_keys == ["an-old-task", "delegation"]


def test_a_goal_typed_when_the_session_expired_comes_back(app, leader, db):
    browser = app.test_client()
    lost = browser.post("/goals/new", data=goal_data(csrf_token="expired"))
    assert lost.status_code == 200 and "Mine medarbejdere vokser af det." in lost.get_data(
        as_text=True
    )
    back = browser.post(
        "/rescue",
        data=goal_data(
            rescue_for="goals.new",
            csrf_token=browser.csrf_token("/no-such-page"),
            email=leader.email,
            password="a calm walk by the harbour",
        ),
    )
    page = back.get_data(as_text=True)
    assert back.status_code == 200 and "Mine medarbejdere vokser af det." in page
    assert db.session.scalar(select(Goal)) is None  # saved only when the leader says so
    token = re.search(
        r'action="/goals/new">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', page
    )
    saved = browser.post("/goals/new", data=goal_data(csrf_token=token.group(1)))
    assert saved.status_code == 302
    assert [goal.why for goal in stored(db, Goal)] == ["Mine medarbejdere vokser af det."]


def test_a_reflection_can_be_written_on_a_paused_goal(leader_client, leader, db):
    goal = make_goal(leader)
    services.set_status(leader, goal, "paused")
    page = leader_client.get(f"/journal/new?goal={goal.id}").get_data(as_text=True)
    assert re.search(rf'name="goals" value="{goal.id}" checked', page)


def test_errors_speak_english_to_an_english_leader(app, make_user, login, db):
    user = make_user(language="en")
    client = app.test_client()
    login(client, user)
    goal = make_goal(user)
    response = client.submit(
        f"/goals/{goal.id}/check-ins", {"day": "2099-01-01"}, page=f"/goals/{goal.id}"
    )
    page = response.get_data(as_text=True)
    assert "Choose a rating from 1 to 5." in page and "The date cannot be in the future." in page
