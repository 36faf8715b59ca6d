"""The framework page shows the three themes and nine tasks in the chosen language."""

import pytest
from markupsafe import escape


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_page_shows_every_theme_task_and_bullet(app, leader_client, language):
    leader_client.submit("/language", {"language": language}, page="/")
    page = leader_client.get("/framework/").get_data(as_text=True)
    framework = app.extensions["framework"]
    for theme in framework.themes:
        assert escape(theme.name.get(language)) in page
        for task in theme.tasks:
            assert escape(task.name.get(language)) in page
            for bullet in task.bullets:
                assert escape(bullet.get(language)) in page


def test_the_danish_page_has_the_repaired_task_name(leader_client):
    page = leader_client.get("/framework/").get_data(as_text=True)
    assert "Reflekterende ledelse" in page and "Refekterende" not in page
