"""Goals and check-ins hold any language's text, and malformed input never costs a word."""

import pytest
from sqlalchemy import select

from journal.models import CheckIn, Goal
from tests.conftest import stored

TEXTS = ["lytte 🙂👩🏽‍💼🇩🇰", "الاستماع قبل الرد", "להקשיב לפני שאני עונה", "lytte e\u0301\u0308"]


def goal_data(**changes):
    return {
        "title": "lytte før jeg svarer",
        "why": "",
        "how_i_know": "",
        "tasks": ["feedback-and-facilitation"],
        "start_date": "2026-01-05",
        "review_date": "",
        **changes,
    }


@pytest.mark.parametrize("text", TEXTS)
def test_unicode_goals_are_saved_and_shown_back(leader_client, db, text):
    response = leader_client.submit("/goals/new", goal_data(title=text, why=text * 3))
    assert response.status_code == 302
    (goal,) = stored(db, Goal)
    assert (goal.title, goal.why) == (text, text * 3)
    assert text * 3 in leader_client.get(response.headers["Location"]).get_data(as_text=True)


def test_nul_is_removed_from_a_goal_and_its_check_in(leader_client, db):
    response = leader_client.submit("/goals/new", goal_data(title="lyt\x00te", why="fordi\x00"))
    assert response.status_code == 302
    (goal,) = stored(db, Goal)
    assert (goal.title, goal.why) == ("lytte", "fordi")
    url = f"/goals/{goal.id}/check-ins"
    data = {"day": "2026-01-06", "rating": "4", "note": "go\x00dt 🙂"}
    assert leader_client.submit(url, data, page=f"/goals/{goal.id}").status_code == 302
    assert [check_in.note for check_in in stored(db, CheckIn)] == ["godt 🙂"]


@pytest.mark.parametrize(
    "changes",
    [
        {"start_date": "2026-02-30"},
        {"start_date": "0000-00-00"},
        {"start_date": "9999-99-99"},
        {"start_date": ""},
        {"review_date": "9999-12-31"},
        {"title": "\x00"},
        {"tasks": ["\x00", "🙂"]},
    ],
)
def test_malformed_goal_input_comes_back_with_the_text_kept(leader_client, db, changes):
    why = "Fordi tillid kræver det. שלום 🙂"
    response = leader_client.submit("/goals/new", goal_data(why=why, **changes))
    assert response.status_code == 200
    assert why in response.get_data(as_text=True)
    assert db.session.scalar(select(Goal)) is None


def test_an_oversized_goal_post_leads_back_to_the_goal_form(leader_client, db):
    response = leader_client.submit("/goals/new", goal_data(why="x" * (5 * 1024 * 1024)))
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert 'href="/goals/new"' in page
    assert "Restore it" not in page and "Hent den frem" not in page  # goals keep no draft
    assert db.session.scalar(select(Goal)) is None
