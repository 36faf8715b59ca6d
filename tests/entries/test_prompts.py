"""Reflection prompts: questions from the framework, favouring neglected tasks."""

import random
import re

from journal.entries.prompts import all_prompts, choose_prompt, find_prompt


def test_the_least_reflected_tasks_are_favoured(app):
    framework = app.extensions["framework"]
    counts = {task.key: 5 for task in framework.tasks}
    counts["delegation"] = 0
    for seed in range(20):
        prompt = choose_prompt(framework, counts, rng=random.Random(seed))
        assert prompt.task.key == "delegation"


def test_another_prompt_is_a_different_one(app):
    framework = app.extensions["framework"]
    for seed in range(20):
        first = choose_prompt(framework, {}, rng=random.Random(seed))
        second = choose_prompt(framework, {}, exclude=first.id, rng=random.Random(seed))
        assert second.id != first.id


def test_prompts_are_questions_in_both_languages(app):
    for prompt in all_prompts(app.extensions["framework"]):
        assert prompt.text("da").endswith("?") and prompt.text("en").endswith("?")
    assert find_prompt(app.extensions["framework"], "vision:0").task.key == "vision"
    for bad in ("", "vision", "vision:99", "nope:0", "vision:-1", "vision:x"):
        assert find_prompt(app.extensions["framework"], bad) is None


def current_prompt(page: str) -> str:
    return re.search(r'name="prompt" type="hidden" value="([^"]+)"', page).group(1)


def test_the_writing_page_asks_about_a_neglected_task(leader_client, leader, make_entry, app):
    framework = app.extensions["framework"]
    for task in framework.tasks:
        if task.key != "follow-up":
            make_entry(leader, task_keys=[task.key])
    page = leader_client.get("/journal/new").get_data(as_text=True)
    assert current_prompt(page).startswith("follow-up:")


def test_taking_a_prompt_preselects_its_task_and_keeps_the_text(leader_client):
    page = leader_client.get("/journal/new").get_data(as_text=True)
    prompt = current_prompt(page)
    response = leader_client.submit(
        "/journal/new",
        {"action": "use_prompt", "prompt": prompt, "body": "Mine første tanker", "entry_date": ""},
    )
    page = response.get_data(as_text=True)
    task_key = prompt.split(":")[0]
    assert re.search(rf'value="{task_key}" checked', page)
    assert "Mine første tanker" in page


def test_another_prompt_keeps_the_text(leader_client):
    first = current_prompt(leader_client.get("/journal/new").get_data(as_text=True))
    response = leader_client.submit(
        "/journal/new", {"action": "another_prompt", "prompt": first, "body": "Halvt skrevet"}
    )
    page = response.get_data(as_text=True)
    assert current_prompt(page) != first
    assert "Halvt skrevet" in page
