"""The review before an appraisal: the period, what it shows, saved notes."""

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from journal.goals import services as goals
from journal.i18n import today_for
from journal.journal_key import journal_key
from journal.models import Review
from journal.review import services
from tests.conftest import stored

pytestmark = pytest.mark.both_engines  # the database engine matters here


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert services.months_before(date(2026, 11, 24), 3) == date(2026, 8, 24)
    assert services.months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert services.months_before(date(2026, 1, 15), 12) == date(2025, 1, 15)


def test_periods(app, leader):
    today = date(2026, 11, 24)
    assert services.resolve_period(leader, "3", None, None, today).start == date(2026, 8, 24)
    assert services.resolve_period(leader, "12", None, None, today).start == date(2025, 11, 24)
    custom = services.resolve_period(leader, "custom", date(2026, 1, 1), date(2026, 2, 1), today)
    assert (custom.start, custom.end) == (date(2026, 1, 1), date(2026, 2, 1))
    backwards = services.resolve_period(leader, "custom", date(2026, 3, 1), date(2026, 2, 1), today)
    assert backwards.kind == "6"  # nonsense falls back to the last six months
    services.save_review(
        leader,
        services.Period(date(2026, 1, 1), date(2026, 6, 30), "custom"),
        proud="",
        next_practice="",
        need_from_manager="",
        snapshot={},
    )
    since = services.resolve_period(leader, "since", None, None, today)
    assert (since.start, since.end) == (date(2026, 7, 1), today)


def test_the_review_shows_the_period(leader_client, leader, make_entry, make_goal):
    today = today_for(leader)
    goal = make_goal(
        leader,
        title="give feedback der hjælper",
        task_keys=["feedback-and-facilitation"],
        start_date=today - timedelta(days=80),
    )
    goals.add_check_in(leader, goal, day=today - timedelta(days=70), rating=2, note="")
    goals.add_check_in(leader, goal, day=today - timedelta(days=10), rating=4, note="")
    make_entry(
        leader,
        title="Nøgle",
        body="Det vigtige",
        starred=True,
        task_keys=["vision"],
        entry_date=today - timedelta(days=5),
    )
    make_entry(
        leader,
        title="Gammel nøgle",
        starred=True,
        task_keys=["vision"],
        entry_date=today - timedelta(days=300),
    )
    page = leader_client.get("/review/?period=3").get_data(as_text=True)
    assert "Jeg øver mig på at give feedback der hjælper" in page
    assert "Første vurdering 2, seneste 4." in page and "2 opfølgninger." in page
    assert "Nøgle" in page and "Gammel nøgle" not in page
    assert re.search(
        r"Visionsledelse</th>\s*<td><svg class=\"count-bar\"[^>]*><rect width=\"100.0\"[^>]*/></svg> 1</td>",
        page,
    )
    untouched = page[page.index("Ingen refleksioner i perioden om:") :]
    assert "Uddelegering" in untouched.split("</p>")[0]
    assert "Spørgsmål til at forberede samtalen" in page
    assert page.count("<svg") >= 1


def test_save_the_review_as_a_snapshot(leader_client, leader, make_entry, db):
    make_entry(leader, task_keys=["vision"])
    page = leader_client.get("/review/?period=6").get_data(as_text=True)
    start = re.search(r'name="period_start" type="hidden" value="([^"]+)"', page).group(1)
    end = re.search(r'name="period_end" type="hidden" value="([^"]+)"', page).group(1)
    response = leader_client.submit(
        "/review/save",
        {
            "proud": "At jeg lytter",
            "next_practice": "Tydelighed",
            "need_from_manager": "Sparring",
            "period_start": start,
            "period_end": end,
        },
        page="/review/?period=6",
    )
    assert response.status_code == 302
    (review,) = stored(db, Review)
    assert (review.proud, review.period_start.isoformat()) == ("At jeg lytter", start)
    assert '"vision": 1' in review.snapshot
    view = leader_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "At jeg lytter" in view and "Sparring" in view and "Visionsledelse: 1" in view


def test_notes_written_when_the_session_expired_come_back(app, leader, db):
    browser = app.test_client()
    data = {
        "proud": "Lang tekst om hvad jeg er stolt af",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "csrf_token": "expired",
    }
    lost = browser.post("/review/save", data=data)
    assert lost.status_code == 200 and "Lang tekst om hvad jeg er stolt af" in lost.get_data(
        as_text=True
    )
    back = browser.post(
        "/rescue",
        data={
            **data,
            "rescue_for": "review.save",
            "csrf_token": browser.csrf_token("/no-such-page"),
            "email": leader.email,
            "password": "a calm walk by the harbour",
        },
    )
    assert back.status_code == 200 and "Lang tekst om hvad jeg er stolt af" in back.get_data(
        as_text=True
    )
    assert db.session.scalar(select(Review)) is None


def test_notes_without_a_period_that_makes_sense_come_back_to_copy(leader_client, db):
    """A form whose period was lost (or tampered with) must not file the notes under a period
    the leader did not choose: the text comes back to copy instead."""
    response = leader_client.post(
        "/review/save",
        data={"proud": "Lang tekst om hvad jeg er stolt af", "period_start": "nonsense"},
    )
    page = response.get_data(as_text=True)
    assert "Lang tekst om hvad jeg er stolt af" in page and "kept-text" in page
    assert db.session.scalars(select(Review)).all() == []


def test_another_leaders_review_is_404(app, leader, make_user, login):
    review = services.save_review(
        leader,
        services.Period(date(2026, 1, 1), date(2026, 2, 1), "custom"),
        proud="Privat",
        next_practice="",
        need_from_manager="",
        snapshot={},
    )
    other = app.test_client()
    login(other, make_user())
    assert other.get(f"/review/{review.id}").status_code == 404


GOAL_FIGURES = {
    "title": "give feedback der hjælper",
    "status": "active",
    "first": 2,
    "latest": 4,
    "check_ins": 3,
    "linked": 1,
}
# Stored snapshots not of the shape the review page writes: imported before the importer
# checked them, or edited in the database.
MALFORMED_SNAPSHOTS = {
    "goals as text": '{"goals": "x"}',
    "tasks as a list": '{"tasks": [1, 2]}',
    "a goal as a number": '{"goals": [1]}',
    "a count as text": json.dumps({"goals": [{**GOAL_FIGURES, "check_ins": "tre"}]}),
    "a first rating without a latest": json.dumps({"goals": [{**GOAL_FIGURES, "latest": None}]}),
    "a rating as text": json.dumps({"goals": [{**GOAL_FIGURES, "first": "to"}]}),
    "a status as a list": json.dumps({"goals": [{**GOAL_FIGURES, "status": ["active"]}]}),
    "a task count as text": '{"tasks": {"vision": "mange"}}',
    "not JSON": "{not json",
    "a list": "[1, 2]",
    "nested past what json reads": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("stored", sorted(MALFORMED_SNAPSHOTS))
def test_a_saved_review_with_a_malformed_snapshot_still_shows_its_notes(
    leader_client, leader, db, stored
):
    """The notes, what can be read of the figures, a word on what cannot, and the delete
    button: never an error page."""
    review = services.save_review(
        leader,
        services.Period(date(2026, 1, 1), date(2026, 2, 1), "custom"),
        proud="At jeg lyttede",
        next_practice="Tydelighed",
        need_from_manager="Sparring",
        snapshot={},
    )
    # Sealed as an import before the importer checked snapshots could have kept it.
    review.seal_text(
        journal_key(leader),
        proud="At jeg lyttede",
        next_practice="Tydelighed",
        need_from_manager="Sparring",
        snapshot=MALFORMED_SNAPSHOTS[stored],
    )
    db.session.commit()

    page = leader_client.get(f"/review/{review.id}")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "At jeg lyttede" in text and "Tydelighed" in text and "Sparring" in text
    assert "Nogle af de tal, der blev gemt med denne forberedelse, kunne ikke læses" in text
    assert "Slet denne gemte forberedelse" in text
    deleted = leader_client.submit(f"/review/{review.id}/delete", page=f"/review/{review.id}")
    assert deleted.status_code == 302
    assert db.session.scalars(select(Review)).all() == []


def test_the_readable_part_of_a_malformed_snapshot_is_shown(leader_client, leader, db):
    review = services.save_review(
        leader,
        services.Period(date(2026, 1, 1), date(2026, 2, 1), "custom"),
        proud="",
        next_practice="",
        need_from_manager="",
        snapshot={
            "goals": [GOAL_FIGURES, {**GOAL_FIGURES, "title": "noget andet", "linked": "x"}],
            "tasks": {"vision": 4, "delegation": "x"},
        },
    )
    text = leader_client.get(f"/review/{review.id}").get_data(as_text=True)
    assert "Jeg øver mig på at give feedback der hjælper" in text
    assert "Første vurdering 2, seneste 4." in text and "3 opfølgninger." in text
    assert "noget andet" not in text
    assert "Visionsledelse: 4" in text and "Uddelegering: 0" in text
    assert "kunne ikke læses" in text


def test_a_whole_snapshot_shows_no_word_of_missing_figures(leader_client, leader):
    review = services.save_review(
        leader,
        services.Period(date(2026, 1, 1), date(2026, 2, 1), "custom"),
        proud="",
        next_practice="",
        need_from_manager="",
        snapshot={"goals": [GOAL_FIGURES], "tasks": {"vision": 4}, "entries": 4},
    )
    text = leader_client.get(f"/review/{review.id}").get_data(as_text=True)
    assert "Jeg øver mig på at give feedback der hjælper" in text
    assert "kunne ikke læses" not in text
