"""The commands: `flask --app wsgi users …` and `flask --app wsgi encryption status`."""

from datetime import date

import pytest
from sqlalchemy import insert, select

from journal.auth import keys, services
from journal.models import AuditEvent, Entry, User
from tests.conftest import TEST_PASSWORD


def run(app, *args, password_input=""):
    return run_group(app, "users", *args, password_input=password_input)


def run_group(app, group, *args, password_input=""):
    return app.test_cli_runner().invoke(args=[group, *args], input=password_input)


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
    # The administrator knows this password, so the leader replaces it before a key exists.
    assert user.must_change_password and keys.factor_of(user, "password") is None


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
    # The reset says plainly what it does to the journal, and asks first.
    refused = run(app, "set-password", "a@esbjerg.example", password_input="n\n")
    assert refused.exit_code == 1 and "recovery key" in refused.output
    result = run(app, "set-password", "a@esbjerg.example", password_input=f"y\n{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert services.authenticate(user.email, new) is not None
    assert user.must_change_password and keys.factor_of(user, "password") is None
    assert run(app, "set-password", "nobody@esbjerg.example", "--yes").exit_code == 1


def test_encryption_status_lists_entries_still_in_plain_text(app, db, make_user, make_entry):
    user = make_user(email="a@esbjerg.example")
    make_entry(user, body="Krypteret")
    output = run_group(app, "encryption", "status").output
    assert "Everything leaders wrote is encrypted." in output
    db.session.execute(
        insert(Entry).values(owner_id=user.id, entry_date=date(2024, 1, 1), body="Gammel")
    )
    db.session.commit()
    output = run_group(app, "encryption", "status").output
    assert "1 entries, goals, check-ins or reviews of 1 accounts" in output
    assert "a@esbjerg.example\t1" in output


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


def test_account_commands_are_in_the_audit_log_as_the_command_line(app, db, make_user):
    run(
        app,
        "create",
        "a@esbjerg.example",
        "--name",
        "Anne",
        "--admin",
        password_input=f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n",
    )
    new = "another calm harbour walk"
    run(app, "set-password", "a@esbjerg.example", "--yes", password_input=f"{new}\n{new}\n")
    make_user(email="b@esbjerg.example", name="Bo")
    assert run(app, "deactivate", "b@esbjerg.example").exit_code == 0
    assert "b@esbjerg.example\tBo\tuser\tdeactivated" in run(app, "list").output
    assert run(app, "reactivate", "b@esbjerg.example").exit_code == 0
    db.session.expire_all()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    anne = services.find_user_by_email("a@esbjerg.example")
    assert [(e.action, e.subject_name, e.actor_name, e.actor_id) for e in events] == [
        ("account_created", "Anne", "command line", None),
        ("password_reset", "Anne", "command line", None),
        ("account_deactivated", "Bo", "command line", None),
        ("account_reactivated", "Bo", "command line", None),
    ]
    assert events[0].subject_id == anne.id and events[0].detail == "administrator"
    assert all(TEST_PASSWORD not in e.detail and new not in e.detail for e in events)


def test_the_command_line_keeps_the_last_administrator(app, db, make_user):
    make_user(email="a@esbjerg.example", is_admin=True)
    result = run(app, "deactivate", "a@esbjerg.example")
    assert result.exit_code == 1 and "At least one active administrator" in result.output
    assert run(app, "deactivate", "nobody@esbjerg.example").exit_code == 1
    db.session.expire_all()
    assert services.find_user_by_email("a@esbjerg.example").is_active
