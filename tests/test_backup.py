"""`flask --app wsgi backup PATH`: an online SQLite backup that restores, and pg_dump advice."""

import os
import shutil
import sqlite3
import threading

import pytest
from sqlalchemy import select

from journal import create_app, journal_key
from journal.auth import keys, services
from journal.entries import services as entries
from journal.extensions import db as _db
from journal.i18n import today_for
from journal.models import Entry, User
from tests.conftest import FAST_HASH, TEST_PASSWORD


def backup(app, path):
    return app.test_cli_runner().invoke(args=["backup", str(path)])


class Writer(threading.Thread):
    """Writes entries for one leader, through the services, until stopped."""

    def __init__(self, app, user, key):
        super().__init__(daemon=True)
        self.app, self.user_id, self.key = app, user.id, key
        self.written: dict[int, str] = {}
        self.stop = threading.Event()

    def run(self):
        with self.app.app_context():
            journal_key.use_for_request(self.key)
            user = _db.session.get(User, self.user_id)
            while not self.stop.is_set():
                body = f"Skrevet under backup nr. {len(self.written)}"
                entry = entries.create_entry(
                    user, entry_date=today_for(user), title="", body=body, task_keys=[]
                )
                self.written[entry.id] = body
            _db.session.remove()


@pytest.mark.sqlite_only
def test_a_backup_taken_while_writing_restores_and_opens(app, db, make_user, tmp_path):
    leader = make_user()
    writer = Writer(app, leader, journal_key.journal_key(leader))
    writer.start()
    while len(writer.written) < 20:  # the backup starts in the middle of writing
        writer.stop.wait(0.01)
    saved_before = dict(writer.written)
    result = backup(app, tmp_path / "backup.sqlite3")
    writer.stop.set()
    writer.join(10)
    assert result.exit_code == 0, result.output
    assert "integrity check: ok" in result.output

    # Restore: the file becomes the database of a new installation.
    instance = tmp_path / "restored"
    instance.mkdir()
    shutil.copy(tmp_path / "backup.sqlite3", instance / "journal.sqlite3")
    with sqlite3.connect(instance / "journal.sqlite3") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    restored = create_app(
        {
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "restored-" + "x" * 40,
            "KEY_DERIVATION": FAST_HASH,
        }
    )
    with restored.app_context():
        user = services.find_user_by_email(leader.email)
        key = keys.open_with_password(user, TEST_PASSWORD)
        rows = _db.session.scalars(select(Entry)).all()
        texts = {row.id: key.open_entry(row.id, row.sealed)[1] for row in rows}
        _db.engine.dispose()
    # Everything saved before the backup began is in it; nothing in it is half written.
    assert saved_before.items() <= texts.items()
    assert texts.items() <= writer.written.items()
    assert (instance / "journal.sqlite3").stat().st_mode & 0o077 == 0


@pytest.mark.sqlite_only
def test_a_backup_never_overwrites_a_file(app, db, tmp_path):
    (tmp_path / "taken.sqlite3").write_text("an older backup")
    result = backup(app, tmp_path / "taken.sqlite3")
    assert result.exit_code != 0
    assert "exists already" in result.output
    assert (tmp_path / "taken.sqlite3").read_text() == "an older backup"


@pytest.mark.sqlite_only
def test_a_backup_into_a_folder_gets_a_dated_name(app, db, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    result = backup(app, folder)
    assert result.exit_code == 0, result.output
    (made,) = folder.iterdir()
    assert made.name.startswith("journal-") and made.suffix == ".sqlite3"
    assert [p.name for p in folder.iterdir()] == [made.name]  # no partial file left behind


def test_postgresql_gets_the_pg_dump_command_without_the_password(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": tmp_path,
            "SECRET_KEY": "pg-" + "x" * 40,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://journal:s3cret@db.internal:5433/journal",
        }
    )
    result = backup(app, "/backups/journal.dump")
    assert result.exit_code == 2  # no backup was made
    assert (
        "pg_dump --format=custom --file=/backups/journal.dump "
        "--dbname=postgresql://journal@db.internal:5433/journal"
    ) in result.output
    assert "pg_restore --no-owner" in result.output
    assert "s3cret" not in result.output


def test_a_password_in_the_urls_query_is_left_out_too(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": tmp_path,
            "SECRET_KEY": "pg-" + "x" * 40,
            "SQLALCHEMY_DATABASE_URI": (
                "postgresql+psycopg://journal@db/journal?password=hunter3&sslmode=require"
            ),
        }
    )
    result = backup(app, "/backups/journal.dump")
    assert result.exit_code == 2
    assert "hunter3" not in result.output and "sslmode=require" in result.output


@pytest.mark.sqlite_only
def test_the_finished_copy_never_replaces_a_file_made_meanwhile(app, db, tmp_path, monkeypatch):
    """The target is checked first, but another process may create it during the copy."""
    target = tmp_path / "race.sqlite3"
    real_link = os.link

    def someone_else_first(source, destination):
        target.write_text("made meanwhile")
        return real_link(source, destination)

    monkeypatch.setattr(os, "link", someone_else_first)
    result = backup(app, target)
    assert result.exit_code != 0 and "exists already" in result.output
    assert target.read_text() == "made meanwhile"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".race")] == []
