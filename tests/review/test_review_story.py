"""The review as a look back: questions for the period, each goal's whole story, and a goal
made from what the leader wants to practise next."""

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from journal.extensions import db as _db
from journal.goals import services as goals
from journal.i18n import today_for
from journal.models import Comment
from journal.models.goal import MAX_GOAL_TITLE
from journal.review import services
from journal.review.questions import GoalMovement, goal_questions, task_questions
from journal.sharing import services as sharing
from tests.test_query_counts import statements

pytestmark = pytest.mark.both_engines  # the database engine matters here


def questions_on(page: str) -> list[str]:
    """The questions the review page asks, as text."""
    section = page[page.index('id="questions-title"') :]
    section = section[: section.index("</ul>")]
    return [unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in section.split("<li>")[1:]]


# Questions for a look back ---------------------------------------------------------------


def test_task_questions_come_from_the_least_reflected_tasks_and_stay_all_day(app):
    framework = app.extensions["framework"]
    counts = {task.key: 5 for task in framework.tasks}
    counts.update(delegation=0, vision=1, **{"follow-up": 2})
    asked = task_questions(framework, counts, "7:2026-11-24", "da")
    assert [question.about for question in asked] == [
        "Uddelegering",
        "Visionsledelse",
        "Opfølgning",
    ]
    assert asked[0].text in [q.da for q in framework.task("delegation").review_questions]
    assert task_questions(framework, counts, "7:2026-11-24", "da") == asked
    # Over many days every question of a task comes up, never a daily prompt.
    seen = {task_questions(framework, counts, f"7:day{day}", "en")[0].text for day in range(60)}
    assert seen == {q.en for q in framework.task("delegation").review_questions}


def goal(title: str, status: str = "active") -> SimpleNamespace:
    """What the questions read of a goal: its (opened) title and its status."""
    return SimpleNamespace(title=title, status=status)


def test_a_question_about_the_goal_that_moved_least():
    asked = goal_questions(
        [
            GoalMovement(goal("lytte"), 1, 4),
            GoalMovement(goal("uddelegere"), 3, 3),
            GoalMovement(goal("give feedback"), 2, 4),
        ]
    )
    assert [q.text for q in asked] == [
        "Your goal “uddelegere” has moved the least. What has stood in the way, and what "
        "would it take?"
    ]


def test_a_goal_reached_let_go_or_at_the_top_is_not_asked_what_stood_in_its_way():
    """A goal rated 5 all along "moved least" only because it could not move further."""
    asked = goal_questions(
        [
            GoalMovement(goal("melde klart ud", "achieved"), 5, 5),
            GoalMovement(goal("uddelegere", "let_go"), 2, 2),
            GoalMovement(goal("vente"), 5, 5),
            GoalMovement(goal("lytte"), 2, 4),
            GoalMovement(goal("give feedback"), 3, 4),
        ]
    )
    assert [q.text for q in asked] == [
        "Your goal “give feedback” has moved the least. What has stood in the way, and what "
        "would it take?"
    ]
    assert goal_questions([GoalMovement(goal("vente"), 5, 5)]) == []


def test_a_single_goal_is_asked_about_only_if_it_did_not_move_and_an_idle_one_always():
    assert goal_questions([GoalMovement(goal("lytte"), 2, 4)]) == []
    (still,) = goal_questions([GoalMovement(goal("lytte"), 4, 3)])
    assert "has not moved in the period" in still.text
    idle = goal_questions(
        [GoalMovement(goal("vente", "achieved"), None, None), GoalMovement(goal("se"), None, None)]
    )
    assert [q.text for q in idle] == [
        "You have not checked in on your goal “se” in the period. Is it still what you want "
        "to practise, and what would help you get going?"
    ]


def test_the_review_asks_look_back_questions_about_goals_and_neglected_tasks(
    leader_client, leader, make_goal, make_entry, app
):
    today = today_for(leader)
    framework = app.extensions["framework"]
    for task in framework.tasks:
        if task.key != "delegation":
            make_entry(leader, task_keys=[task.key], entry_date=today - timedelta(days=3))
    stuck = make_goal(leader, title="sige nej", start_date=today - timedelta(days=90))
    moving = make_goal(leader, title="lytte", start_date=today - timedelta(days=90))
    for day, stuck_rating, moving_rating in ((60, 2, 1), (5, 2, 4)):
        goals.add_check_in(
            leader, stuck, day=today - timedelta(days=day), rating=stuck_rating, note=""
        )
        goals.add_check_in(
            leader, moving, day=today - timedelta(days=day), rating=moving_rating, note=""
        )

    page = leader_client.get("/review/?period=6").get_data(as_text=True)
    asked = questions_on(page)
    assert asked[0] == (
        "Dit mål »sige nej« har flyttet sig mindst. Hvad har stået i vejen, og hvad skal der til?"
    )
    delegation = [q.da for q in framework.task("delegation").review_questions]
    assert any(question.startswith(tuple(delegation)) for question in asked[1:])
    assert asked[1].endswith("(Uddelegering)")
    assert not any("i dag" in q or "i denne uge" in q for q in asked)
    # A reload the same day asks the same.
    assert questions_on(leader_client.get("/review/?period=6").get_data(as_text=True)) == asked


# A goal's whole story -----------------------------------------------------------------------


@pytest.fixture
def shared_goal(leader, make_user, make_goal):
    """A goal of the leader's, shared with an accepted manager, started 200 days ago."""
    manager = make_user(name="Mads Chef")
    sharing.respond(manager, sharing.request_link(leader, manager.email), accept=True)
    made = make_goal(
        leader, title="give feedback der hjælper", start_date=today_for(leader) - timedelta(200)
    )
    sharing.share(leader, made, include_notes=False)
    return made, manager


def test_the_review_tells_a_goals_story_notes_comments_and_replies(
    leader_client, leader, shared_goal, db
):
    made, manager = shared_goal
    today = today_for(leader)
    goals.add_check_in(leader, made, day=today - timedelta(150), rating=2, note="GAMMEL NOTE")
    goals.add_check_in(leader, made, day=today - timedelta(40), rating=3, note="Svært i mødet")
    goals.add_check_in(leader, made, day=today - timedelta(10), rating=4, note="")
    old = sharing.add_comment(manager, made, "GAMMEL KOMMENTAR")
    old.created_at = datetime.now(UTC) - timedelta(days=150)
    db.session.commit()
    sharing.add_comment(manager, made, "Hvad gjorde forskellen?")
    sharing.add_comment(leader, made, "At jeg spurgte først")

    page = leader_client.get("/review/?period=3").get_data(as_text=True)

    story = page[page.index("give feedback der hjælper") : page.index('id="tasks-title"')]
    assert "Første vurdering 3, seneste 4." in story
    notes = re.search(r"<details[^>]*>(.*?)</details>", story, re.S).group(1)
    assert "1 note fra dine opfølgninger" in notes and "Svært i mødet" in notes
    assert "GAMMEL NOTE" not in page
    comments = story[story.index("Kommentarer og svar i perioden") :]
    assert comments.index("Mads Chef") < comments.index("Hvad gjorde forskellen?")
    assert comments.index("Hvad gjorde forskellen?") < comments.index("At jeg spurgte først")
    assert "GAMMEL KOMMENTAR" not in page


def test_a_period_from_the_calendars_first_day_still_shows_the_comments(
    leader_client, leader, shared_goal, db
):
    """Dates a browser lets through: the first day there is, where the leader's midnight
    lies before anything UTC can say."""
    made, manager = shared_goal
    leader.timezone = "Europe/Copenhagen"  # ahead of UTC, also in the year 1
    db.session.commit()
    sharing.add_comment(manager, made, "Hvad gjorde forskellen?")
    response = leader_client.get("/review/?period=custom&date_from=0001-01-01&date_to=9999-12-31")
    assert response.status_code == 200
    assert "Hvad gjorde forskellen?" in response.get_data(as_text=True)


def test_the_review_asks_the_same_number_of_queries_however_many_comments(
    leader_client, leader, shared_goal, make_goal, db
):
    made, manager = shared_goal
    goals.add_check_in(leader, made, day=today_for(leader), rating=3, note="en note")
    few = statements(leader_client, db, "/review/?period=12")
    for number in range(5):
        more = make_goal(leader, title=f"øvelse {number}")
        goals.add_check_in(leader, more, day=today_for(leader), rating=2, note="note")
        sharing.share(leader, more, include_notes=False)
        for _ in range(3):
            sharing.add_comment(manager, more, "En kommentar")
            sharing.add_comment(leader, more, "Et svar")
    many = statements(leader_client, db, "/review/?period=12", shows="Et svar", times=15)
    assert len(many) == len(few)


# From summary to practice -------------------------------------------------------------------


def saved_review(leader, next_practice: str):
    return services.save_review(
        leader,
        services.Period(date(2026, 1, 1), date(2026, 6, 30), "custom"),
        proud="",
        next_practice=next_practice,
        need_from_manager="",
        snapshot={},
    )


def test_make_it_a_goal_opens_the_new_goal_form_with_the_text(leader_client, leader, db):
    review = saved_review(leader, "Jeg øver mig på at sige tingene ligeud i personalemøder")
    view = leader_client.get(f"/review/{review.id}").get_data(as_text=True)
    link = re.search(r'<a class="button" href="([^"]+)">Gør til mål</a>', view).group(1)
    assert link == f"/review/{review.id}/new-goal"  # the review's id, none of its words

    form = leader_client.get(link).get_data(as_text=True)
    assert 'action="/goals/new"' in form
    assert 'value="sige tingene ligeud i personalemøder"' in form

    saved = leader_client.submit(
        "/goals/new",
        {
            "title": "sige tingene ligeud i personalemøder",
            "tasks": ["authenticity-and-transparency"],
            "start_date": today_for(leader).isoformat(),
        },
        page=link,
    )
    assert saved.status_code == 302
    (goal,) = goals.goals_of(leader)
    assert goal.title == "sige tingene ligeud i personalemøder"


def test_a_long_practice_fills_the_title_and_the_rest_goes_to_why(leader_client, leader):
    words = "tage de svære samtaler tidligt " * 20
    review = saved_review(leader, f"{words}\nOgså med mine koordinatorer.")
    title, why = services.goal_draft(review.next_practice)
    # Cut between words, nothing lost: the title's end and the why's start meet again.
    assert len(title) <= MAX_GOAL_TITLE and title.endswith("svære…")
    assert why.startswith("…samtaler tidligt") and why.endswith("Også med mine koordinatorer.")
    assert f"{title[:-1]} {why[1:]}".split() == review.next_practice.split()
    assert services.goal_draft("Lytte\n\nFør jeg svarer") == ("Lytte", "Før jeg svarer")
    # The form says "Jeg øver mig på at …": the sentence is finished, not begun again.
    assert services.goal_draft("At give feedback, mens den er frisk")[0] == (
        "give feedback, mens den er frisk"
    )

    form = leader_client.get(f"/review/{review.id}/new-goal").get_data(as_text=True)
    assert f'value="{title}"' in form and "Også med mine koordinatorer." in form


def test_no_button_without_a_practice_and_another_leaders_review_is_404(
    leader_client, leader, make_user, app, login
):
    empty = saved_review(leader, "")
    assert "Gør til mål" not in leader_client.get(f"/review/{empty.id}").get_data(as_text=True)
    other = app.test_client()
    login(other, make_user())
    private = saved_review(leader, "PRIVAT øvelse")
    assert other.get(f"/review/{private.id}/new-goal").status_code == 404
    assert _db.session.scalars(select(Comment)).all() == []
