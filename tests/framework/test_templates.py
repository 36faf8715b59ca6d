"""Guided reflections in the framework file: optional, and tied to the file's own tasks."""

import pytest

from journal.framework import DEFAULT_FRAMEWORK_FILE, FrameworkError, load_framework
from tests.framework.test_loader import VALID

TEMPLATE = """
[[templates]]
key = "after-a-meeting"
name = { da = "Efter et møde", en = "After a meeting" }
tasks = ["task-one", "task-two"]
questions = [{ da = "Hvad skete der?", en = "What happened?" }]
"""


def load(tmp_path, text: str):
    path = tmp_path / "framework.toml"
    path.write_text(text, encoding="utf-8")
    return load_framework(path)


def test_the_shipped_file_has_four_guided_reflections_in_both_languages():
    framework = load_framework(DEFAULT_FRAMEWORK_FILE)
    assert [t.name.da for t in framework.templates] == [
        "Efter et møde",
        "En svær samtale",
        "Ugens refleksion",
        "Noget der lykkedes",
    ]
    for template in framework.templates:
        assert set(template.task_keys) <= framework.task_keys and template.task_keys
        assert all(q.da.endswith("?") and q.en.endswith("?") for q in template.questions)


def test_a_template_refers_to_tasks_by_key(tmp_path):
    framework = load(tmp_path, VALID + TEMPLATE)
    template = framework.template("after-a-meeting")
    assert template.task_keys == ("task-one", "task-two")
    assert template.questions[0].get("en") == "What happened?"
    assert load(tmp_path, VALID).templates == ()  # optional


@pytest.mark.parametrize(
    ("old", "new", "phrase"),
    [
        ('"task-two"]', '"task-three"]', "templates[0] refers to an unknown task 'task-three'"),
        ('tasks = ["task-one", "task-two"]', "tasks = []", "templates[0] has no tasks"),
        ('tasks = ["task-one", "task-two"]', "tasks = [1]", "refers to an unknown task 1"),
        ("questions = [", "questons = [", "templates[0] has unknown field(s) 'questons'"),
        ('en = "What happened?"', 'en = ""', "templates[0] has no English 'questions[0]'"),
    ],
)
def test_a_bad_template_is_refused_with_a_clear_message(tmp_path, old, new, phrase):
    assert old in TEMPLATE
    with pytest.raises(FrameworkError, match=r"framework\.toml") as error:
        load(tmp_path, VALID + TEMPLATE.replace(old, new))
    assert phrase in str(error.value)


def test_a_duplicate_template_key_is_refused(tmp_path):
    with pytest.raises(FrameworkError, match="templates\\[1\\] has a duplicate template key"):
        load(tmp_path, VALID + TEMPLATE + TEMPLATE)
