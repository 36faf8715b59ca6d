"""The dashboard: goals at a glance, coverage of the tasks, constant cost."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from journal.dashboard.services import COMPARE_FROM, coverage, first_steps
from journal.entries import counts
from journal.entries import services as entries
from journal.goals import services as goals
from journal.i18n import today_for
from journal.sharing import services as sharing
from tests.entries.test_journal_list import add_entries, counting_queries

pytestmark = pytest.mark.both_engines  # the database engine matters here


def test_coverage_counts_reflections_and_goals_and_finds_blind_spots(
    app, leader, make_entry, make_goal
):
    today = today_for(leader)
    make_entry(leader, task_keys=["vision", "delegation"])
    make_entry(leader, task_keys=["vision"], entry_date=today - timedelta(days=10))
    make_entry(leader, task_keys=["follow-up"], entry_date=today - timedelta(days=91))  # too old
    make_goal(leader, task_keys=["feedback-and-facilitation", "vision"])
    paused = make_goal(leader, task_keys=["follow-up"])
    goals.set_status(leader, paused, "paused")  # only active goals count

    framework = app.extensions["framework"]
    reflections = counts.task_counts_since(leader, today - timedelta(days=90))
    table = coverage(framework, reflections, goals.goal_task_keys(leader))
    by_task = {
        item.task.key: (item.reflections, item.goals) for _, items in table for item in items
    }
    assert by_task["vision"] == (2, 1)
    assert by_task["delegation"] == (1, 0)
    assert by_task["feedback-and-facilitation"] == (0, 1)
    assert by_task["follow-up"] == (0, 0)
    blind = {item.task.key for _, items in table for item in items if item.blind_spot}
    assert blind == set(framework.task_keys) - {"vision", "delegation", "feedback-and-facilitation"}
    assert [theme.key for theme, _ in table] == [t.key for t in framework.themes]


def test_the_dashboard_answers_what_am_i_practising(leader_client, leader, make_entry, make_goal):
    goal = make_goal(leader, title="give feedback der hjælper")
    goals.add_check_in(leader, goal, day=today_for(leader), rating=4, note="")
    make_entry(leader, title="Dagens refleksion", task_keys=["vision"])
    for day in range(1, COMPARE_FROM):  # enough reflections for blind spots to mean something
        make_entry(leader, entry_date=today_for(leader) - timedelta(days=100 + day))
    page = leader_client.get("/").get_data(as_text=True)
    assert "Jeg øver mig på at give feedback der hjælper" in page
    assert "Seneste: 4 – For det meste" in page
    assert "Dagens refleksion" in page
    assert "blind plet" in page
    assert "1 arbejdsdag i træk" in page
    assert 'class="sparkline' in page
    assert "Et spørgsmål at reflektere over" in page


def test_the_dashboard_query_count_does_not_grow_with_the_data(
    leader_client, leader, db, make_entry, make_goal
):
    goal = make_goal(leader)
    goals.add_check_in(leader, goal, day=today_for(leader), rating=3, note="")
    add_entries(db, leader, 3, start=today_for(leader) - timedelta(days=5))
    with counting_queries(db.engine) as few:
        assert leader_client.get("/").status_code == 200
    for i in range(6):
        more = make_goal(leader, title=f"mål {i}", task_keys=["vision", "delegation"])
        for day in range(4):
            goals.add_check_in(
                leader, more, day=today_for(leader) - timedelta(days=day), rating=2, note=""
            )
    add_entries(db, leader, 400, start=today_for(leader) - timedelta(days=300))
    with counting_queries(db.engine) as many:
        assert leader_client.get("/").status_code == 200
    assert len(many) == len(few)


def steps_on(page: str) -> list[tuple[str, str]]:
    """The "Kom i gang" steps on a dashboard: (done or todo, their text)."""
    card = re.search(r'<section class="first-steps.*?</section>', page, re.S)
    if card is None:
        return []
    items = re.findall(r'<li class="(done|todo)">.*?<span class="step-text">([^<]+)', card[0], re.S)
    return [(state, text.strip()) for state, text in items]


def test_a_new_leader_is_invited_to_three_steps_not_shown_blind_spots(leader_client):
    page = leader_client.get("/").get_data(as_text=True)
    assert "Kom i gang" in page
    assert steps_on(page) == [
        ("todo", "Skriv din første refleksion"),
        ("todo", "Vælg én ting, du vil øve dig på"),
        ("todo", "Knyt dig til din leder"),
    ]
    card = re.search(r'<section class="first-steps.*?</section>', page, re.S)[0]
    for url in ('href="/journal/new"', 'href="/goals/new"', 'href="/sharing/"'):
        assert url in card
    assert "blind plet" not in page
    assert "i træk" not in page  # no streak of zero either


def test_the_steps_tick_themselves_off_and_the_card_goes(
    leader_client, leader, make_user, make_entry, make_goal
):
    trashed = make_entry(leader)
    entries.trash_entry(leader, trashed)  # a reflection in the trash is not one written
    assert [state for state, _ in steps_on(leader_client.get("/").get_data(as_text=True))] == [
        "todo", "todo", "todo",
    ]  # fmt: skip
    make_entry(leader)
    page = leader_client.get("/").get_data(as_text=True)
    assert steps_on(page)[0] == ("done", "Skriv din første refleksion")
    assert (
        'href="/journal/new">Skriv</a>' not in page.split("first-steps")[1].split("</section>")[0]
    )
    goal = make_goal(leader)
    goals.set_status(leader, goal, "paused")  # a goal is a goal, practised now or not
    assert [state for state, _ in steps_on(leader_client.get("/").get_data(as_text=True))] == [
        "done", "done", "todo",
    ]  # fmt: skip
    sharing.request_link(leader, make_user(name="Mads Chef").email)  # sent, not yet accepted
    page = leader_client.get("/").get_data(as_text=True)
    assert "Kom i gang" not in page and steps_on(page) == []


def test_a_declined_request_leaves_the_step_to_do(app, leader, make_user):
    manager = make_user(name="Mads Chef")
    sharing.respond(manager, sharing.request_link(leader, manager.email), accept=False)
    assert not first_steps(leader).has_manager
    sharing.respond(manager, sharing.request_link(leader, manager.email), accept=True)
    assert first_steps(leader).has_manager


def test_blind_spots_and_the_streak_appear_from_the_tenth_reflection(
    leader_client, leader, make_entry
):
    for day in range(COMPARE_FROM - 1):
        make_entry(leader, entry_date=today_for(leader) - timedelta(days=day))
    page = leader_client.get("/").get_data(as_text=True)
    assert "blind plet" not in page and "i træk" not in page
    assert "Når du har skrevet 10 refleksioner" in page
    make_entry(leader)
    page = leader_client.get("/").get_data(as_text=True)
    assert "blind plet" in page and "arbejdsdage i træk" in page


def test_the_first_steps_are_one_query(app, leader, db, make_entry, make_goal):
    """The dashboard asks one question more for them, however much there is."""
    add_entries(db, leader, 50)
    make_goal(leader)
    assert leader.id  # the account loaded, as on the dashboard
    with counting_queries(db.engine) as executed:
        steps = first_steps(leader)
    assert len(executed) == 1
    assert (steps.reflections, steps.has_goal, steps.has_manager) == (50, True, False)


def test_the_goal_page_query_count_does_not_grow_with_check_ins(
    leader_client, leader, db, make_goal
):
    goal = make_goal(leader)
    goals.add_check_in(leader, goal, day=today_for(leader), rating=3, note="")
    with counting_queries(db.engine) as few:
        leader_client.get(f"/goals/{goal.id}")
    for day in range(1, 60):
        goals.add_check_in(
            leader, goal, day=today_for(leader) - timedelta(days=day), rating=2, note=""
        )
    with counting_queries(db.engine) as many:
        leader_client.get(f"/goals/{goal.id}")
    assert len(many) == len(few)


def test_the_goal_chart_holds_the_check_ins(leader_client, leader, make_goal):
    start = today_for(leader) - timedelta(days=40)
    goal = make_goal(leader, start_date=start)
    for week, rating in enumerate([1, 2, 4, 5]):
        goals.add_check_in(leader, goal, day=start + timedelta(weeks=week), rating=rating, note="")
    page = leader_client.get(f"/goals/{goal.id}").get_data(as_text=True)
    svg = re.search(r'<svg[^>]*class="chart[^"]*progress[^"]*".*?</svg>', page, re.S)
    assert svg, "no progress chart on the goal page"
    root = ET.fromstring(svg.group(0))
    dots = [el for el in root.iter() if el.get("data-value")]
    assert [int(d.get("data-value")) for d in dots] == [1, 2, 4, 5]
    ys = [float(d.get("cy")) for d in dots]
    assert ys == sorted(ys, reverse=True)  # higher ratings are drawn higher
    assert "Tendensen er stigende." in page
    assert "Første vurdering: 1" in page and "seneste: 5" in page


def test_task_counts_for_two_windows_in_one_query_match_one_at_a_time(app, leader, make_entry):
    today = today_for(leader)
    for days_ago, tasks in ((1, ["vision"]), (40, ["vision", "delegation"]), (200, ["follow-up"])):
        make_entry(leader, entry_date=today - timedelta(days=days_ago), task_keys=tasks)
    windows = (today - timedelta(days=90), today - timedelta(days=30))
    assert counts.task_counts_since_each(leader, *windows) == [
        counts.task_counts_since(leader, since) for since in windows
    ]


def test_the_dashboard_greets_by_first_name(app, make_user, log_in_as):
    """A Dane greets a colleague "Hej Mette", not with the full name on the account."""
    mette = log_in_as(app.test_client(), make_user(name="Mette Marie Lund"))
    heading = re.search(r"<h1>(.*?)</h1>", mette.get("/").get_data(as_text=True)).group(1)
    assert heading == "Hej Mette"
    single = log_in_as(app.test_client(), make_user(name="Mads"))
    assert "<h1>Hej Mads</h1>" in single.get("/").get_data(as_text=True)
