"""One transaction per action: the outermost `atomic` commits, nested ones join it."""

import pytest
from sqlalchemy import func, select

from journal.database import atomic, in_transaction, on_commit
from journal.models import User
from journal.models.user import utcnow

pytestmark = pytest.mark.both_engines  # the database engine matters here


def add_user(db, email: str) -> None:
    db.session.add(User(email=email, name="X", password_hash="x", created_at=utcnow()))
    db.session.flush()


def emails(db) -> set[str]:
    db.session.rollback()  # read what is committed, nothing pending
    return set(db.session.scalars(select(User.email)))


def test_the_outermost_commits_and_a_nested_one_joins_it(app, db):
    with atomic():
        add_user(db, "a@esbjerg.example")
        with atomic():
            add_user(db, "b@esbjerg.example")
        assert in_transaction()
        # Another connection sees nothing yet: the inner block did not commit.
        with db.engine.connect() as other:
            assert other.scalar(select(func.count()).select_from(User)) == 0
    assert not in_transaction()
    assert emails(db) == {"a@esbjerg.example", "b@esbjerg.example"}


def test_an_error_anywhere_inside_rolls_the_whole_action_back(app, db):
    with pytest.raises(ValueError), atomic():
        add_user(db, "a@esbjerg.example")
        with atomic():
            add_user(db, "b@esbjerg.example")
            raise ValueError("the second step failed")
    assert emails(db) == set()
    assert not in_transaction()


def test_as_a_decorator_it_is_the_same(app, db):
    @atomic()
    def step(email):
        add_user(db, email)

    @atomic()
    def action():
        step("a@esbjerg.example")
        step("b@esbjerg.example")
        raise ValueError("then it failed")

    with pytest.raises(ValueError):
        action()
    assert emails(db) == set()
    step("c@esbjerg.example")
    assert emails(db) == {"c@esbjerg.example"}


def test_what_waits_for_the_commit_runs_after_it_and_never_after_a_rollback(app, db):
    seen = []
    with atomic():
        add_user(db, "a@esbjerg.example")
        on_commit(lambda: seen.append(sorted(emails(db))))
        with atomic():
            on_commit(lambda: seen.append("second"))
        assert seen == []
    assert seen == [["a@esbjerg.example"], "second"]

    with pytest.raises(ValueError), atomic():
        on_commit(lambda: seen.append("rolled back"))
        raise ValueError
    assert "rolled back" not in seen
    with pytest.raises(RuntimeError):  # no action open: no commit to wait for
        on_commit(lambda: seen.append("outside"))
    assert "outside" not in seen
