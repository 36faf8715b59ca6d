"""A saved review keeps its charts and key reflections as they were the day it was saved:
editing or deleting an entry later changes nothing in it. What it keeps is bounded, and a
review saved before it kept them still shows what it has."""

import json
import re
from datetime import date, timedelta

from journal.entries import services as entries
from journal.goals import services as goals
from journal.i18n import today_for
from journal.models import Review
from journal.review import routes, services
from tests.conftest import stored


def save(leader_client, period: str = "12") -> str:
    """Save the review of the last `period` months as the page does; its page's address."""
    page = leader_client.get(f"/review/?period={period}").get_data(as_text=True)
    start = re.search(r'name="period_start" type="hidden" value="([^"]+)"', page).group(1)
    end = re.search(r'name="period_end" type="hidden" value="([^"]+)"', page).group(1)
    response = leader_client.submit(
        "/review/save",
        {
            "proud": "",
            "next_practice": "",
            "need_from_manager": "",
            "period_start": start,
            "period_end": end,
        },
        page=f"/review/?period={period}",
    )
    assert response.status_code == 302
    return response.headers["Location"]


def test_the_saved_review_keeps_the_charts_and_key_reflections_as_they_were(
    leader_client, leader, make_entry, make_goal, db
):
    today = today_for(leader)
    goal = make_goal(leader, title="give feedback der hjælper", start_date=today - timedelta(100))
    goals.add_check_in(leader, goal, day=today - timedelta(days=70), rating=2, note="")
    goals.add_check_in(leader, goal, day=today - timedelta(days=10), rating=4, note="")
    key = make_entry(
        leader,
        title="Samtalen med Per",
        body="Jeg lod ham tale *færdig*, og han fandt selv løsningen.",
        starred=True,
        entry_date=today - timedelta(days=20),
        goal_ids=[goal.id],
    )
    untitled = make_entry(leader, body="Uden titel. " * 60, starred=True, entry_date=today)

    address = save(leader_client)
    (review,) = stored(db, Review)
    kept = json.loads(review.snapshot)
    assert kept["goals"][0]["ratings"] == [
        [(today - timedelta(days=70)).isoformat(), 2],
        [(today - timedelta(days=10)).isoformat(), 4],
    ]
    assert kept["goals"][0]["evidence"] == [(today - timedelta(days=20)).isoformat()]
    assert kept["key_excerpts"][0] == {
        "title": "Samtalen med Per",
        "entry_date": (today - timedelta(days=20)).isoformat(),
        "excerpt": "Jeg lod ham tale færdig, og han fandt selv løsningen.",
    }
    assert len(kept["key_excerpts"][1]["excerpt"]) <= 300  # bounded, however long the entry

    # Later the leader rewrites one key reflection and deletes the other, and the goal moves on.
    entries.update_entry(
        leader,
        key,
        title="Noget helt andet",
        body="Ny tekst.",
        entry_date=key.entry_date,
        task_keys=[],
        goal_ids=[],
        starred=False,
        version=key.version,
    )
    entries.trash_entry(leader, untitled)
    entries.delete_forever(leader, untitled)
    goals.add_check_in(leader, goal, day=today, rating=1, note="")

    page = leader_client.get(address).get_data(as_text=True)
    assert "Samtalen med Per" in page and "han fandt selv løsningen" in page
    assert "Noget helt andet" not in page and "Ny tekst." not in page
    assert "Uden titel. Uden titel." in page
    chart = page[page.index('<div class="chart-frame">') :]
    assert "<svg" in chart.split("</div>")[0]
    assert "Første vurdering 2, seneste 4." in chart.split("</div>")[0]  # the chart's summary


def test_what_the_saved_review_keeps_is_bounded(
    leader_client, leader, make_entry, make_goal, db, monkeypatch
):
    monkeypatch.setattr(routes, "MAX_CHART_POINTS", 2)
    monkeypatch.setattr(routes, "MAX_KEY_EXCERPTS", 1)
    today = today_for(leader)
    goal = make_goal(leader, start_date=today - timedelta(days=30))
    for days_ago, rating in ((20, 1), (10, 2), (5, 3)):
        goals.add_check_in(
            leader, goal, day=today - timedelta(days=days_ago), rating=rating, note=""
        )
    for days_ago in (3, 2, 1):
        make_entry(
            leader,
            title=f"Nøgle {days_ago}",
            starred=True,
            entry_date=today - timedelta(days=days_ago),
        )

    address = save(leader_client, "3")
    kept = json.loads(stored(db, Review)[0].snapshot)
    assert [rating for _day, rating in kept["goals"][0]["ratings"]] == [2, 3]  # the latest
    assert [item["title"] for item in kept["key_excerpts"]] == ["Nøgle 3"]
    assert len(kept["key_reflections"]) == 3
    page = leader_client.get(address).get_data(as_text=True)
    assert "Nøgle 3" in page and "Og 2 vigtige refleksioner mere" in page


def test_a_review_saved_before_charts_and_excerpts_were_kept_still_shows(leader_client, leader):
    review = services.save_review(
        leader,
        services.Period(date(2026, 1, 1), date(2026, 6, 30), "custom"),
        proud="At jeg lyttede",
        next_practice="",
        need_from_manager="",
        snapshot={
            "goals": [
                {
                    "title": "give feedback der hjælper",
                    "status": "active",
                    "first": 2,
                    "latest": 4,
                    "check_ins": 3,
                    "linked": 1,
                }
            ],
            "tasks": {"vision": 4},
            "entries": 4,
            "key_reflections": [11, 12],
        },
    )
    response = leader_client.get(f"/review/{review.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "At jeg lyttede" in page and "Jeg øver mig på at give feedback der hjælper" in page
    assert "Første vurdering 2, seneste 4." in page and "chart-frame" not in page
    assert "2 vigtige refleksioner. Forberedelsen er gemt, før appen gemte teksten med." in page
    assert "kunne ikke læses" not in page
