"""The goal page leads with its action: the check-in first, charts only once they show
something, a long history folded, the manager's newest comments near the top; and a
reflection on a goal leads back to it."""

import re
from datetime import timedelta

from journal.goals import services as goals
from journal.i18n import today_for
from journal.sharing import services as sharing

CURVE_TO_COME = "Kurven kommer, når du har fulgt op to gange."


def page_of(client, goal) -> str:
    return client.get(f"/goals/{goal.id}").get_data(as_text=True)


def check_ins(leader, goal, ratings) -> None:
    today = today_for(leader)
    for days_ago, rating in enumerate(ratings):
        goals.add_check_in(
            leader, goal, day=today - timedelta(days=days_ago), rating=rating, note=""
        )


def test_the_check_in_form_comes_right_under_the_title(leader_client, leader, make_goal):
    goal = make_goal(
        leader, why="Teamet skal vokse.", start_date=today_for(leader) - timedelta(days=30)
    )
    page = page_of(leader_client, goal)
    form = page.index('id="check-in-title"')
    assert page.index("<h1>") < form < page.index('id="progress-title"')
    assert form < page.index("Teamet skal vokse.") < page.index('id="evidence-title"')


def test_no_empty_chart_before_two_check_ins(leader_client, leader, make_goal):
    goal = make_goal(leader, start_date=today_for(leader) - timedelta(days=30))
    for ratings in ([], [3]):
        check_ins(leader, goal, ratings)
        page = page_of(leader_client, goal)
        assert CURVE_TO_COME in page and "<svg" not in page
    goals.add_check_in(leader, goal, day=today_for(leader) - timedelta(days=7), rating=2, note="")
    page = page_of(leader_client, goal)
    assert CURVE_TO_COME not in page and "<svg" in page


def test_a_long_check_in_history_is_folded(leader_client, leader, make_goal):
    goal = make_goal(leader, start_date=today_for(leader) - timedelta(days=30))
    check_ins(leader, goal, [3, 4, 2])
    assert '<details class="data-table check-in-history" open>' in page_of(leader_client, goal)
    check_ins(leader, goal, [3, 4, 2, 5])
    page = page_of(leader_client, goal)
    assert '<details class="data-table check-in-history">' in page
    assert "Alle 4 opfølgninger" in page


def test_the_managers_newest_comment_comes_first_above_the_history(
    leader_client, leader, make_user, make_goal
):
    manager = make_user(name="Mads Chef")
    link = sharing.request_link(leader, manager.email)
    sharing.respond(manager, link, accept=True)
    goal = make_goal(leader, start_date=today_for(leader) - timedelta(days=30))
    check_ins(leader, goal, [3, 4])
    sharing.share(leader, goal, include_notes=False)
    sharing.add_comment(manager, goal, "Den første kommentar.")
    sharing.add_comment(manager, goal, "Den nyeste kommentar.")
    page = page_of(leader_client, goal)
    newest, first = page.index("Den nyeste kommentar."), page.index("Den første kommentar.")
    assert page.index('id="check-in-title"') < newest < first < page.index('id="progress-title"')
    assert page.index('name="body"') < newest  # the reply form above what it answers


def test_a_reflection_on_a_goal_links_back_to_it(leader_client, leader, make_goal, make_entry, db):
    goal = make_goal(leader, title="lytte før jeg svarer")
    other = make_goal(leader, title="sige højt, når jeg er i tvivl")
    entry = make_entry(leader, body="Jeg lyttede.", goal_ids=[goal.id])
    page = leader_client.get(f"/journal/{entry.id}").get_data(as_text=True)
    assert "Knyttet til målet:" in page
    assert f'href="/goals/{goal.id}">Jeg øver mig på at lytte før jeg svarer</a>' in page
    assert other.title not in page
    alone = make_entry(leader, body="Uden mål.")
    assert "Knyttet til målet" not in leader_client.get(f"/journal/{alone.id}").get_data(
        as_text=True
    )


def test_the_weekly_chart_shows_once_a_reflection_is_linked(
    leader_client, leader, make_goal, make_entry
):
    goal = make_goal(leader)  # started today
    assert "Tilknyttede refleksioner pr. uge" not in page_of(leader_client, goal)
    make_entry(leader, body="Øvede mig.", goal_ids=[goal.id])
    page = page_of(leader_client, goal)
    assert "Tilknyttede refleksioner pr. uge" in page
    # Its text alternative, for a goal started this week: "1 uge", not "1 uger".
    descriptions = re.findall(r"<desc[^>]*>([^<]*)</desc>", page)
    assert any(re.search(r"over 1 uge\.$", text) for text in descriptions), descriptions
