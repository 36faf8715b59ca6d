"""The write page: today's question taken in one click, and guided reflections."""

import re

from tests.entries.test_prompts import current_prompt


def checked(page: str) -> set[str]:
    return set(re.findall(r'name="tasks" value="([^"]+)" checked', page))


def test_the_question_is_the_same_all_day_and_another_comes_on_request(leader_client):
    page = leader_client.get("/").get_data(as_text=True)
    question = re.search(r'href="/journal/new\?prompt=([^"]+)"', page).group(1)
    again = leader_client.get("/").get_data(as_text=True)
    assert f"/journal/new?prompt={question}" in again
    assert current_prompt(leader_client.get("/journal/new").get_data(as_text=True)) == question
    other = leader_client.get("/?another=1").get_data(as_text=True)
    assert f"/journal/new?prompt={question}" not in other
    assert 'href="/?another=2#prompt-title"' in other
    assert leader_client.get("/?another=-5").status_code == 200
    assert leader_client.get("/?another=x").status_code == 200


def test_write_about_this_takes_the_question_in_one_click(leader_client, app):
    prompt = app.extensions["framework"].task("delegation").prompts[0].da
    page = leader_client.get("/journal/new?prompt=delegation:0").get_data(as_text=True)
    assert checked(page) == {"delegation"}
    assert f'name="title" type="text" value="{prompt}"' in page
    assert 'value="use_prompt"' not in page  # no second "Skriv om det"
    assert "autofocus" in page


def test_the_write_page_offers_the_guided_reflections(leader_client):
    page = leader_client.get("/journal/new").get_data(as_text=True)
    for name in ("Efter et møde", "En svær samtale", "Ugens refleksion", "Noget der lykkedes"):
        assert name in page


def test_a_guided_reflection_adds_its_questions_and_tags_keeping_the_text(leader_client):
    response = leader_client.submit(
        "/journal/new",
        {
            "action": "template:after-a-meeting",
            "body": "Mit eget første afsnit",
            "tasks": ["vision"],
            "entry_date": "",
        },
    )
    page = response.get_data(as_text=True)
    body = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1)
    assert body.strip().startswith("Mit eget første afsnit")
    assert "Hvad var mødets formål, og blev det nået?" in body
    assert checked(page) == {"vision", "clear-and-present-leadership", "feedback-and-facilitation"}
    assert 'value="Efter et møde"' in page  # the title, as nothing was typed there
    # A stale page's template the framework no longer has: nothing changes, nothing breaks.
    response = leader_client.submit(
        "/journal/new", {"action": "template:nope", "body": "Min tekst", "entry_date": ""}
    )
    assert response.status_code == 200 and "Min tekst" in response.get_data(as_text=True)
