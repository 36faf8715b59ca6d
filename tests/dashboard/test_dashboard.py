"""The dashboard: goals at a glance, coverage of the tasks, constant cost."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from journal.dashboard.services import coverage
from journal.entries import counts
from journal.goals import services as goals
from journal.i18n import today_for
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
