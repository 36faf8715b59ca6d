"""The shipped leadership framework file and the strict loader behind it."""

import re

import pytest

from journal.framework import (
    DEFAULT_FRAMEWORK_FILE,
    Framework,
    FrameworkError,
    Text,
    load_framework,
)

THEME_KEYS = ["direction-and-frames", "relations", "personal-leadership"]
TASK_KEYS = {
    "direction-and-frames": ["vision", "delegation", "follow-up"],
    "relations": [
        "citizen-at-the-centre",
        "clear-and-present-leadership",
        "feedback-and-facilitation",
    ],
    "personal-leadership": [
        "authenticity-and-transparency",
        "fill-the-role",
        "reflective-leadership",
    ],
}
DANISH_TASK_NAMES = [
    "Visionsledelse",
    "Uddelegering",
    "Opfølgning",
    "Borgeren i centrum",
    "Tydelig og nærværende ledelse",
    "Feedback og facilitering",
    "Autenticitet og transparens",
    "Fyld rollen ud efter behov",
    "Reflekterende ledelse",
]


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(DEFAULT_FRAMEWORK_FILE)


def all_texts(framework: Framework) -> list[Text]:
    texts = [framework.name]
    for theme in framework.themes:
        texts += [theme.name, theme.description]
        for task in theme.tasks:
            texts += [task.name, task.lead, *task.bullets, *task.prompts]
    return texts


def test_shipped_framework_has_three_themes_of_three_tasks_in_seed_order(framework):
    assert framework.key == "esbjerg"
    assert framework.path == str(DEFAULT_FRAMEWORK_FILE)
    assert [theme.key for theme in framework.themes] == THEME_KEYS
    for theme in framework.themes:
        assert [task.key for task in theme.tasks] == TASK_KEYS[theme.key]
        assert {task.theme_key for task in theme.tasks} == {theme.key}
    all_keys = [key for keys in TASK_KEYS.values() for key in keys]
    assert [task.key for task in framework.tasks] == all_keys
    assert framework.task_keys == frozenset(all_keys)
    assert [task.name.da for task in framework.tasks] == DANISH_TASK_NAMES


def test_lookups_by_key(framework):
    assert framework.task("fill-the-role").name.da == "Fyld rollen ud efter behov"
    assert framework.theme("relations").name.en == "Relations"
    with pytest.raises(KeyError):
        framework.task("relations")
    with pytest.raises(KeyError):
        framework.theme("vision")


def test_every_text_is_filled_in_both_languages(framework):
    for text in all_texts(framework):
        assert text.da.strip() and text.en.strip(), text
        assert text.da != text.en or text.da == "Feedback og facilitering", text
    for task in framework.tasks:
        assert len(task.bullets) in (2, 3), task.key
        assert task.lead.da == f"{task.name.da} handler om, at:"
        assert task.lead.en.endswith(" is about:")


def test_pdf_extraction_artefacts_are_repaired(framework):
    danish = [text.da for text in all_texts(framework)]
    joined = "\n".join(danish)
    # Lost "fi"/"fl" ligatures in the seed text.
    assert "fnder" not in joined
    assert not re.search(r"\bfere\b", joined)
    assert "Refekterende" not in joined
    # Line-break hyphenation ("organisa-\ntion") must be joined up.
    assert not any("\n" in text for text in danish)
    assert not re.search(r"\w- \w", joined)
    for word in ("organisationen", "læringsperspektiv", "beslutninger", "udfylde"):
        assert word in joined


def test_every_bullet_has_a_reflection_question(framework):
    for task in framework.tasks:
        assert len(task.prompts) == len(task.bullets), task.key
        for prompt in task.prompts:
            assert prompt.da.endswith("?") and prompt.en.endswith("?"), prompt
    prompt = framework.task("vision").prompts[0]
    assert "oversat en vision eller strategi" in prompt.da
    assert "translate a vision or strategy" in prompt.en


def test_stray_word_belongs_to_reflective_leadership(framework):
    reflective = framework.task("reflective-leadership").bullets[-1]
    assert reflective.da.endswith("arbejde aktivt med dem i ledelsesarbejdet")
    for bullet in framework.task("authenticity-and-transparency").bullets:
        assert "ledelsesarbejdet" not in bullet.da


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("da", "hej"),
        ("en", "hi"),
        ("en_GB", "hi"),
        ("en-US", "hi"),
        ("EN", "hi"),
        ("da_DK", "hej"),
        ("de", "hej"),
        ("", "hej"),
    ],
)
def test_text_get_picks_language_and_falls_back_to_danish(locale, expected):
    assert Text(da="hej", en="hi").get(locale) == expected


def test_text_str_is_danish():
    assert str(Text(da="hej", en="hi")) == "hej"


VALID = """\
key = "test"
name = { da = "Test", en = "Test" }
version = 1

[[themes]]
key = "theme-one"
name = { da = "Tema", en = "Theme" }
description = { da = "Beskrivelse", en = "Description" }

[[themes.tasks]]
key = "task-one"
name = { da = "Opgave", en = "Task" }
lead = { da = "Opgave handler om, at:", en = "Task is about:" }
bullets = [{ da = "gøre noget", en = "doing something" }]
prompts = [{ da = "Hvad gjorde du?", en = "What did you do?" }]

[[themes]]
key = "theme-two"
name = { da = "Tema to", en = "Theme two" }
description = { da = "Beskrivelse", en = "Description" }

[[themes.tasks]]
key = "task-two"
name = { da = "Opgave to", en = "Task two" }
lead = { da = "Opgave to handler om, at:", en = "Task two is about:" }
bullets = [{ da = "gøre mere", en = "doing more" }]
"""


def test_minimal_valid_file_loads(tmp_path):
    # The malformed cases below are each one edit away from this file.
    path = tmp_path / "framework.toml"
    path.write_text(VALID, encoding="utf-8")
    framework = load_framework(path)
    assert [task.key for task in framework.tasks] == ["task-one", "task-two"]
    assert framework.task("task-two").theme_key == "theme-two"
    assert framework.path == str(path)
    # Prompts are optional as a whole; when given, there is one per bullet.
    assert framework.task("task-one").prompts == (
        Text(da="Hvad gjorde du?", en="What did you do?"),
    )
    assert framework.task("task-two").prompts == ()


@pytest.mark.parametrize(
    ("old", "new", "phrase"),
    [
        pytest.param(
            'name = { da = "Test", en = "Test" }',
            'name = { da = "Test", en = }',
            "is not valid TOML",
            id="bad-toml",
        ),
        pytest.param(
            'name = { da = "Opgave", en = "Task" }',
            'name = { da = "Opgave" }',
            "themes[0].tasks[0] has no English 'name' (name.en)",
            id="missing-en-name",
        ),
        pytest.param(
            'name = { da = "Tema", en = "Theme" }',
            'name = { da = " ", en = "Theme" }',
            "themes[0] has no Danish 'name' (name.da)",
            id="blank-da-name",
        ),
        pytest.param(
            'key = "task-two"',
            'key = "task-one"',
            "themes[1].tasks[0] has a duplicate task key 'task-one'",
            id="duplicate-task-key",
        ),
        pytest.param(
            'key = "theme-two"',
            'key = "theme-one"',
            "themes[1] has a duplicate theme key 'theme-one'",
            id="duplicate-theme-key",
        ),
        pytest.param(
            'key = "task-one"',
            'key = "Task_One"',
            "themes[0].tasks[0] has an invalid key 'Task_One'",
            id="bad-key-format",
        ),
        pytest.param(
            'key = "task-one"\n',
            "",
            "themes[0].tasks[0] has no 'key'",
            id="missing-key",
        ),
        pytest.param(
            'bullets = [{ da = "gøre noget", en = "doing something" }]',
            "bullets = []",
            "themes[0].tasks[0] has no bullets",
            id="empty-bullets",
        ),
        pytest.param(
            'en = "doing something"',
            'en = ""',
            "themes[0].tasks[0] has no English 'bullets[0]'",
            id="empty-bullet-text",
        ),
        pytest.param(
            "bullets = [",
            "bulets = [",
            "themes[0].tasks[0] has unknown field(s) 'bulets'",
            id="unknown-task-field",
        ),
        pytest.param(
            'prompts = [{ da = "Hvad gjorde du?", en = "What did you do?" }]',
            'prompts = [{ da = "Hvad?", en = "What?" }, { da = "Hvorfor?", en = "Why?" }]',
            "themes[0].tasks[0] has 1 bullets but 2 prompts",
            id="prompt-count-mismatch",
        ),
        pytest.param(
            'prompts = [{ da = "Hvad gjorde du?", en = "What did you do?" }]',
            "prompts = []",
            "themes[0].tasks[0] has no prompts",
            id="empty-prompts",
        ),
        pytest.param(
            'en = "What did you do?"',
            'en = " "',
            "themes[0].tasks[0] has no English 'prompts[0]'",
            id="empty-prompt-text",
        ),
        pytest.param(
            '{ da = "Tema", en = "Theme" }',
            '{ da = "Tema", en = "Theme", de = "Thema" }',
            "unknown field(s) 'de'",
            id="unknown-language",
        ),
    ],
)
def test_malformed_file_raises_naming_file_and_problem(tmp_path, old, new, phrase):
    assert old in VALID
    path = tmp_path / "broken.toml"
    path.write_text(VALID.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(FrameworkError) as error:
        load_framework(path)
    assert str(path) in str(error.value)
    assert phrase in str(error.value)


def test_toml_syntax_error_reports_line_and_column(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('key = "test"\nname = {\n', encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"line 2, column \d+"):
        load_framework(path)


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (None, "cannot be read"),
        ('key = "test"\nname = { da = "Test", en = "Test" }\n', "the top level has no themes"),
        (
            VALID.replace('[[themes.tasks]]\nkey = "task-one"', '[[notused]]\nkey = "task-one"'),
            "unknown field(s) 'notused'",
        ),
        (VALID.split("[[themes.tasks]]")[0], "themes[0] has no tasks"),
    ],
    ids=["missing-file", "no-themes", "unknown-top-level-table", "theme-without-tasks"],
)
def test_structurally_broken_file_raises(tmp_path, content, phrase):
    path = tmp_path / "framework.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(FrameworkError) as error:
        load_framework(path)
    assert str(path) in str(error.value)
    assert phrase in str(error.value)
