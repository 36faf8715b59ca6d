"""Every main page asks the database the same number of questions, however much data there is.

Each test renders a page over a little data, adds much more of what that page shows (entries,
tags, goals, check-ins, shares, comments), renders it again and compares the SQL statements.
Pages with a test elsewhere: the journal's first page (tests/entries/test_journal_list.py),
search (tests/entries/test_search_index.py), the dashboard and a goal
(tests/dashboard/test_dashboard.py), the manager's team page (tests/sharing/test_sharing.py).
"""

from datetime import timedelta

import pytest

from journal.goals import services as goals
from journal.i18n import today_for
from journal.sharing import services as sharing
from tests.entries.test_journal_list import add_entries, counting_queries, next_url

pytestmark = pytest.mark.both_engines  # the database engine matters here

TASKS = ("vision", "delegation", "feedback-and-facilitation")


def statements(client, db, url: str, *, shows: str = "", times: int = 1) -> list[str]:
    """The SQL statements serving `url`, which must answer 200 and show `shows` `times` times."""
    with counting_queries(db.engine) as executed:
        response = client.get(url)
    assert response.status_code == 200, url
    assert response.get_data(as_text=True).count(shows) >= times, f"{shows!r} missing on {url}"
    return executed


@pytest.fixture
def add_goals(make_goal):
    """`add_goals(user, count, check_ins)`: goals, each with daily check-ins ending today."""

    def add(user, count: int, check_ins: int, *, first: int = 0) -> list:
        today = today_for(user)
        made = []
        for number in range(first, first + count):
            goal = make_goal(
                user, title=f"øvelse {number}", task_keys=list(TASKS[: 1 + number % 3])
            )
            for day in range(check_ins):
                goals.add_check_in(
                    user,
                    goal,
                    day=today - timedelta(days=day),
                    rating=1 + day % 5,
                    note=f"note {day}",
                )
            made.append(goal)
        return made

    return add


def test_a_deep_journal_page(leader_client, leader, db):
    add_entries(db, leader, 120, tasks=TASKS[:1])
    page = leader_client.get("/journal/").get_data(as_text=True)
    deep = next_url(leader_client.get(next_url(page, "next")).get_data(as_text=True), "next")
    few = statements(leader_client, db, deep)
    add_entries(db, leader, 900, tasks=TASKS)
    many = statements(leader_client, db, deep)
    assert len(many) == len(few)


def test_an_entry(leader_client, leader, db, make_entry):
    entry = make_entry(leader, title="Personalemøde", task_keys=["vision"])
    few = statements(leader_client, db, f"/journal/{entry.id}")
    add_entries(db, leader, 500, tasks=TASKS)
    many_tags = make_entry(leader, title="Mange opgaver", task_keys=list(TASKS))
    many = statements(leader_client, db, f"/journal/{many_tags.id}", shows="Mange opgaver")
    assert len(many) == len(few)


def test_the_goals_list(leader_client, leader, db, add_goals):
    add_goals(leader, 1, check_ins=1)
    few = statements(leader_client, db, "/goals/")
    add_goals(leader, 8, check_ins=12, first=1)
    many = statements(leader_client, db, "/goals/", shows="øvelse", times=9)
    assert len(many) == len(few)


def test_the_review(leader_client, leader, db, add_goals):
    today = today_for(leader)
    add_entries(db, leader, 6, start=today - timedelta(days=30), tasks=TASKS[:1])
    add_goals(leader, 1, check_ins=2)
    few = statements(leader_client, db, "/review/?period=12")
    add_entries(db, leader, 1000, start=today - timedelta(days=360), tasks=TASKS)
    add_goals(leader, 6, check_ins=20, first=1)
    many = statements(leader_client, db, "/review/?period=12")
    assert len(many) == len(few)


def shared_with_a_manager(app, leader, make_user, login, add_goals, logged_in: str):
    """A manager linked to `leader`, one goal shared; a client logged in as `logged_in`."""
    manager = make_user(name="Mads Chef")
    sharing.respond(manager, sharing.request_link(leader, manager.email), accept=True)
    (goal,) = add_goals(leader, 1, check_ins=1)
    sharing.share(leader, goal, include_notes=True)
    client = app.test_client()
    login(client, {"leader": leader, "manager": manager}[logged_in])
    return manager, goal, client


def test_the_sharing_page(app, leader, make_user, login, db, add_goals):
    manager, _, client = shared_with_a_manager(app, leader, make_user, login, add_goals, "leader")
    few = statements(client, db, "/sharing/")
    for goal in add_goals(leader, 6, check_ins=3, first=1):
        sharing.share(leader, goal, include_notes=True)
        sharing.add_comment(manager, goal, "Godt set.")
    many = statements(client, db, "/sharing/", shows="øvelse", times=7)
    assert len(many) == len(few)


def test_a_shared_goal_as_the_manager_sees_it(app, leader, make_user, login, db, add_goals):
    manager, goal, client = shared_with_a_manager(
        app, leader, make_user, login, add_goals, "manager"
    )
    url = f"/team/{leader.id}/goals/{goal.id}"
    few = statements(client, db, url)
    today = today_for(leader)
    for day in range(1, 40):
        goals.add_check_in(leader, goal, day=today - timedelta(days=day), rating=3, note="ok")
    for number in range(10):
        sharing.add_comment(manager if number % 2 else leader, goal, f"Kommentar {number}")
    many = statements(client, db, url, shows="Kommentar", times=10)
    assert len(many) == len(few)


def test_the_dashboard_with_news(app, leader, make_user, login, db, add_goals):
    """New since last time, the goals' badges and the check-ins due: the same questions
    with one comment as with thirty on seven goals, twenty of them listed."""
    manager, goal, client = shared_with_a_manager(
        app, leader, make_user, login, add_goals, "leader"
    )
    sharing.add_comment(manager, goal, "Godt set.")
    few = statements(client, db, "/", shows="Mads Chef har kommenteret")
    for more in add_goals(leader, 6, check_ins=0, first=1):
        sharing.share(leader, more, include_notes=False)
        for _ in range(5):
            sharing.add_comment(manager, more, "Godt set.")
    many = statements(client, db, "/", shows='<span class="badge new">', times=7)
    assert "ældre vises ikke her" in client.get("/").get_data(as_text=True)
    assert len(many) == len(few)


def test_the_team_page_with_news(app, leader, make_user, login, db, add_goals):
    """A manager's team page and its header: marks on the goals with news, and on the menu."""
    _, goal, client = shared_with_a_manager(app, leader, make_user, login, add_goals, "manager")
    sharing.add_comment(leader, goal, "Et svar.")
    few = statements(client, db, "/team/", shows='class="news-dot"')
    for more in add_goals(leader, 6, check_ins=2, first=1):
        sharing.share(leader, more, include_notes=False)
        sharing.add_comment(leader, more, "Et svar.")
    many = statements(client, db, "/team/", shows='<span class="badge new">', times=7)
    assert len(many) == len(few)
