"""The account commands: `flask --app wsgi users …`."""

import pytest
from sqlalchemy import select

from journal.auth import services
from journal.models import User
from tests.conftest import TEST_PASSWORD


def run(app, *args, password_input=""):
    return app.test_cli_runner().invoke(args=["users", *args], input=password_input)


def test_create_prompts_for_a_password_and_makes_an_administrator(app, db):
    result = run(
        app,
        "create",
        "Boss@Esbjerg.example",
        "--name",
        "Bo Boss",
        "--admin",
        password_input=f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.name, user.is_admin) == ("boss@esbjerg.example", "Bo Boss", True)
    assert TEST_PASSWORD not in result.output


def test_create_repeats_the_prompt_until_the_policy_is_met(app, db):
    result = run(
        app,
        "create",
        "a@esbjerg.example",
        "--name",
        "A",
        password_input=f"short\nshort\n{TEST_PASSWORD}\n{TEST_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Use at least 12 characters." in result.output
    assert not db.session.scalar(select(User)).is_admin


def test_create_refuses_an_email_in_use(app, make_user):
    make_user(email="a@esbjerg.example")
    result = run(
        app,
        "create",
        "a@esbjerg.example",
        "--name",
        "A",
        password_input=f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n",
    )
    assert result.exit_code == 1
    assert "exists already" in result.output


def test_list_and_set_password(app, db, make_user):
    user = make_user(email="a@esbjerg.example", name="Anne")
    assert "a@esbjerg.example\tAnne\tuser\tactive" in run(app, "list").output
    new = "another calm harbour walk"
    result = run(app, "set-password", "a@esbjerg.example", password_input=f"{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert services.authenticate(user.email, new) is not None
    assert run(app, "set-password", "nobody@esbjerg.example").exit_code == 1


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["not an email", "--name", "A"], "EMAIL"),
        (["a@esbjerg.example", "--name", "  "], "--name"),
        (["a@esbjerg.example", "--name", "x" * 121], "--name"),
    ],
)
def test_create_checks_its_arguments_before_asking_for_a_password(app, db, arguments, complaint):
    result = run(app, "create", *arguments)
    assert result.exit_code == 2 and complaint in result.output
    assert "Password" not in result.output
    assert db.session.scalar(select(User)) is None


def test_create_sets_the_language(app, db):
    result = run(
        app,
        "create",
        "a@esbjerg.example",
        "--name",
        "A",
        "--language",
        "en",
        password_input=f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User)).language == "en"
