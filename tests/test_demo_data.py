"""Demo data: `flask --app wsgi demo-data` makes leaders the app can log in and read."""

import html
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from journal import journal_key
from journal.auth import keys
from journal.demo import generate as demo
from journal.framework import current_framework
from journal.models import (
    CheckIn,
    Comment,
    Entry,
    EntryGoal,
    EntryTask,
    Goal,
    GoalTask,
    ManagerLink,
    Share,
    SharingEvent,
    User,
)

pytestmark = pytest.mark.both_engines  # the database engine matters here


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def demo_users(db) -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.id)))


def test_the_command_makes_what_it_says_and_prints_the_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["demo-data", "--leaders", "10", "--entries-per-leader", "12", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert demo.DEMO_PASSWORD in result.output
    users = demo_users(db)
    assert len(users) == 10 and all(demo.is_demo_email(user.email) for user in users)
    assert count(db, Entry) == 120
    assert all(
        db.session.scalar(select(func.count()).where(Entry.owner_id == user.id)) == 12
        for user in users
    )
    assert count(db, Goal) == 30 and count(db, CheckIn) > 30
    # A tree of teams: everyone but the director has exactly one accepted link upwards.
    assert count(db, ManagerLink) == 9 and count(db, Share) == 9
    assert count(db, Comment) >= 9
    assert [user.is_admin for user in users].count(True) == 1


def test_every_entry_opens_with_the_key_from_the_demo_password(app, db):
    demo.make_demo(3, 15, seed=1)
    for user in demo_users(db):
        key = keys.open_with_password(user, demo.DEMO_PASSWORD)
        entries = db.session.scalars(select(Entry).where(Entry.owner_id == user.id)).all()
        texts = [key.open_entry(entry.id, entry.sealed) for entry in entries]
        assert all(body for _title, body in texts)
        assert all(entry.plain_title == entry.plain_body == "" for entry in entries)
        assert len({body for _title, body in texts}) > 1  # not one text over and over
        # Goals and check-in notes are sealed with the same key, as the app seals them.
        goals = db.session.scalars(select(Goal).where(Goal.owner_id == user.id)).all()
        for goal in goals:
            goal.open_with(key)
            assert goal.title and goal.why and not goal.unreadable
            assert goal.plain_title == goal.plain_why == goal.plain_how_i_know == ""
            for check_in in goal.check_ins:
                check_in.open_with(key)
                assert check_in.sealed and not check_in.unreadable and check_in.plain_note == ""
        assert any(check_in.note for goal in goals for check_in in goal.check_ins)


def test_a_demo_leader_logs_in_and_reads_the_journal(app, db, client, login):
    demo.make_demo(2, 20, seed=2)
    user = demo_users(db)[1]
    assert login(client, user, demo.DEMO_PASSWORD).status_code == 302
    key = keys.open_with_password(user, demo.DEMO_PASSWORD)
    entries = db.session.scalars(
        select(Entry).where(Entry.owner_id == user.id, Entry.deleted_at.is_(None)).limit(5)
    ).all()
    for entry in entries:
        _title, body = key.open_entry(entry.id, entry.sealed)
        page = client.get(f"/journal/{entry.id}")
        assert page.status_code == 200
        assert body.split("\n")[0][:40] in html.unescape(page.get_data(as_text=True))
    for path in ("/", "/journal/", "/journal/?q=medarbejder", "/goals/", "/review/?period=12"):
        assert client.get(path).status_code == 200, path


def test_tags_are_the_frameworks_tasks(app, db):
    demo.make_demo(2, 40, seed=4)
    task_keys = current_framework().task_keys
    tags = set(db.session.scalars(select(EntryTask.task_key)))
    assert tags and tags <= task_keys
    assert set(db.session.scalars(select(GoalTask.task_key))) <= task_keys
    untagged = select(func.count()).where(~Entry.task_links.any())
    assert db.session.scalar(untagged) == 0


def test_links_shares_and_comments_hang_together(app, db, client, login):
    demo.make_demo(10, 5, seed=5)
    ids = {user.id for user in demo_users(db)}
    for link in db.session.scalars(select(ManagerLink)):
        assert link.status == "accepted" and {link.leader_id, link.manager_id} <= ids
        assert link.leader_id != link.manager_id
    for share in db.session.scalars(select(Share)):
        link = db.session.get(ManagerLink, share.link_id)
        assert share.goal.owner_id == link.leader_id
        comments = db.session.scalars(select(Comment).where(Comment.goal_id == share.goal_id))
        authors = set()
        for comment in comments:
            assert comment.link_id == link.id  # made within the link
            authors.add(comment.author_id)
        assert authors and authors <= {link.leader_id, link.manager_id}
        # The share's readable copy is what the leader's key opens.
        share.goal.open_with(keys.open_with_password(share.goal.owner, demo.DEMO_PASSWORD))
        assert (share.title, share.why, share.how_i_know) == (
            share.goal.title,
            share.goal.why,
            share.goal.how_i_know,
        )
    # Entries link only to their owner's goals.
    mismatched = (
        select(func.count())
        .select_from(EntryGoal)
        .join(Entry, Entry.id == EntryGoal.entry_id)
        .join(Goal, Goal.id == EntryGoal.goal_id)
        .where(Entry.owner_id != Goal.owner_id)
    )
    assert db.session.scalar(mismatched) == 0
    # The manager sees the shared goal, and nothing else of the leader's.
    share = db.session.scalars(select(Share)).first()
    link = db.session.get(ManagerLink, share.link_id)
    manager = db.session.get(User, link.manager_id)
    other = db.session.scalars(
        select(Goal).where(Goal.owner_id == link.leader_id, Goal.id != share.goal_id)
    ).first()
    login(client, manager, demo.DEMO_PASSWORD)
    page = client.get(f"/team/{link.leader_id}/goals/{share.goal_id}")
    assert page.status_code == 200 and html.escape(share.title) in page.get_data(as_text=True)
    assert client.get(f"/team/{link.leader_id}/goals/{other.id}").status_code == 404
    assert client.get("/team/").status_code == 200


def test_the_app_goes_on_numbering_after_demo_data(app, db, make_entry):
    demo.make_demo(1, 3, seed=6)
    user = demo_users(db)[0]
    journal_key.use_for_request(keys.open_with_password(user, demo.DEMO_PASSWORD))
    entry = make_entry(user, body="Skrevet i appen efter demo-data.")
    assert entry.id > max(db.session.scalars(select(Entry.id).where(Entry.id != entry.id)))


def test_a_second_run_adds_more_demo_leaders(app, db):
    demo.make_demo(2, 3, seed=7)
    demo.make_demo(2, 3, seed=7)
    assert count(db, User) == 4 and count(db, Entry) == 12


def test_refuses_a_database_with_real_accounts(app, db, make_user):
    make_user(email="mette@esbjerg.example")
    result = app.test_cli_runner().invoke(args=["demo-data", "--leaders", "2"])
    assert result.exit_code != 0
    assert "not demo accounts" in result.output
    assert count(db, User) == 1 and count(db, Entry) == 0
    alongside = ["--entries-per-leader", "3", "--alongside-real-accounts"]
    result = app.test_cli_runner().invoke(args=["demo-data", "--leaders", "2", *alongside])
    assert result.exit_code == 0, result.output
    assert count(db, User) == 3


def test_no_goal_is_shared_before_it_started(app, db):
    demo.make_demo(30, 2, seed=8)
    shares = db.session.scalars(select(Share)).all()
    assert len(shares) == 29
    for share in shares:
        assert share.shared_at.date() >= share.goal.start_date
        shared = db.session.scalars(
            select(SharingEvent).where(
                SharingEvent.goal_id == share.goal_id, SharingEvent.kind == "shared"
            )
        ).one()
        assert shared.at.date() >= share.goal.start_date


def test_the_demo_goals_read_well_and_vary(app, db, client, login):
    demo.make_demo(12, 2, seed=9)
    titles, whys, notes = [], set(), set()
    for user in demo_users(db):
        key = keys.open_with_password(user, demo.DEMO_PASSWORD)
        goals = db.session.scalars(select(Goal).where(Goal.owner_id == user.id)).all()
        for goal in goals:
            goal.open_with(key)
            for check_in in goal.check_ins:
                check_in.open_with(key)
                notes.add(check_in.note)
        own = [goal.title for goal in goals]
        assert len(set(own)) == len(own)  # nobody practises the same thing twice
        titles += own
        whys |= {goal.why for goal in goals}
    # The page says "Jeg øver mig på at": a title never says it again.
    assert not [title for title in titles if title.lower().startswith(("jeg øver", "øve"))]
    assert len(set(titles)) >= 10 and len(whys) >= 10 and len(notes) >= 6
    user = demo_users(db)[1]
    login(client, user, demo.DEMO_PASSWORD)
    for path in ("/", "/goals/"):
        page = client.get(path).get_data(as_text=True)
        assert "Jeg øver mig på at" in page
        assert "Jeg øver mig på at Jeg øver" not in page


def test_the_command_run_again_with_once_only_says_how_to_log_in(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(
        args=["demo-data", "--once", "--leaders", "2", "--entries-per-leader", "2"]
    )
    assert first.exit_code == 0, first.output
    again = runner.invoke(
        args=["demo-data", "--once", "--leaders", "2", "--entries-per-leader", "2"]
    )
    assert again.exit_code == 0 and "already" in again.output
    assert demo.DEMO_PASSWORD in again.output
    assert count(db, User) == 2


def test_make_demo_serves_demo_data_from_an_instance_of_its_own():
    """`make demo` makes instance-demo/ (its own key, database and session cookie), fills it
    once and serves it on port 5001: never instance/, whatever DATABASE_URL says."""
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        ["make", "-n", "demo", "VENV=/nonexistent", f"DEMO_INSTANCE={root}/instance-demo"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DATABASE_URL": "postgresql://real/journal"},
    )
    lines = [line for line in result.stdout.replace("\\\n", " ").splitlines() if line.strip()]
    demo_env = f'INSTANCE_PATH="{root}/instance-demo" DATABASE_URL="sqlite:///{root}/instance-demo/journal.sqlite3"'
    steps = ["journal.keygen", "SESSION_COOKIE_NAME", "db upgrade", "demo-data --once", "gunicorn"]
    found = [next(i for i, line in enumerate(lines) if step in line) for step in steps]
    assert found == sorted(found)
    for step in ("journal.keygen", "db upgrade", "demo-data --once", "gunicorn"):
        line = next(line for line in lines if step in line)
        assert demo_env in line and "env -u SECRET_KEY" in line
    assert "--bind 127.0.0.1:5001" in next(line for line in lines if "gunicorn" in line)
    assert "instance/" not in result.stdout


def test_a_leaders_reflections_vary(app, db):
    demo.make_demo(1, 60, seed=10)
    (user,) = demo_users(db)
    key = keys.open_with_password(user, demo.DEMO_PASSWORD)
    texts = [key.open_entry(entry.id, entry.sealed) for entry in db.session.scalars(select(Entry))]
    assert len({title for title, _body in texts if title}) >= 10
    assert len({body.split(".")[0] for _title, body in texts}) >= 10
    assert len({body for _title, body in texts}) == len(texts)
