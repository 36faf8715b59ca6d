"""The framework's questions for the review: a look back on months, per task, optional."""

import pytest

from journal.framework import DEFAULT_FRAMEWORK_FILE, FrameworkError, Text, load_framework
from tests.framework.test_loader import VALID

# Words that tie a question to a day or a week: the daily prompts' words, not a review's.
DAILY = ("i dag", "i denne uge", "today", "this week")


def test_every_shipped_task_has_two_or_three_look_back_questions():
    framework = load_framework(DEFAULT_FRAMEWORK_FILE)
    for task in framework.tasks:
        assert len(task.review_questions) in (2, 3), task.key
        for question in task.review_questions:
            assert question.da.endswith(("?", ".")) and question.en.endswith(("?", "."))
            assert not any(word in question.da.lower() for word in DAILY), question.da
            assert not any(word in question.en.lower() for word in DAILY), question.en
            assert question not in task.prompts
    assert "fortalt din chef" in framework.task("fill-the-role").review_questions[0].da


QUESTIONS = (
    'review_questions = [{ da = "Hvad har du lært i perioden?", '
    'en = "What have you learnt during the period?" }]'
)
PROMPTS = 'prompts = [{ da = "Hvad gjorde du?", en = "What did you do?" }]'
WITH_QUESTIONS = VALID.replace(PROMPTS, f"{PROMPTS}\n{QUESTIONS}")


def test_review_questions_are_read_and_may_be_left_out(tmp_path):
    path = tmp_path / "framework.toml"
    path.write_text(WITH_QUESTIONS, encoding="utf-8")
    framework = load_framework(path)
    assert framework.task("task-one").review_questions == (
        Text(da="Hvad har du lært i perioden?", en="What have you learnt during the period?"),
    )
    # A framework can go live before its review questions are written.
    assert framework.task("task-two").review_questions == ()


@pytest.mark.parametrize(
    ("questions", "phrase"),
    [
        ("review_questions = []", "themes[0].tasks[0] has no review_questions"),
        (
            'review_questions = [{ da = "Hvad har du lært?" }]',
            "themes[0].tasks[0] has no English 'review_questions[0]'",
        ),
        (
            "review_questions = [" + '{ da = "Hvad?", en = "What?" }, ' * 6 + "]",
            "themes[0].tasks[0] has 6 review_questions (at most 5)",
        ),
        ('review_questions = "Hvad?"', "themes[0].tasks[0] has no review_questions"),
    ],
    ids=["empty", "no-english", "too-many", "not-a-list"],
)
def test_malformed_review_questions_stop_the_loading(tmp_path, questions, phrase):
    path = tmp_path / "broken.toml"
    path.write_text(WITH_QUESTIONS.replace(QUESTIONS, questions, 1), encoding="utf-8")
    with pytest.raises(FrameworkError) as error:
        load_framework(path)
    assert str(path) in str(error.value) and phrase in str(error.value)
