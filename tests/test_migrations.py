"""The migrations build exactly the schema the models describe, on both databases."""

import re
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from journal import MIGRATIONS, create_app, crypto
from journal.auth import keys
from journal.extensions import db
from journal.models import User
from tests.postgres import create_database, drop_database, other_database_url

pytestmark = pytest.mark.both_engines  # the database engine matters here


@pytest.fixture
def empty_database_url(backend, tmp_path, request):
    """A database with no tables at all."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    url = other_database_url(
        request.getfixturevalue("postgres_url"), f"migrations_{uuid.uuid4().hex[:8]}"
    )
    create_database(url)
    yield url
    drop_database(url)


def test_upgrade_to_head_matches_the_models_and_downgrades_cleanly(empty_database_url, tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "k" * 40,
            "INSTANCE_PATH": tmp_path,
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())

        downgrade(directory=str(MIGRATIONS), revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        db.engine.dispose()


BEFORE_ENCRYPTION = "c41d2e7f0a93"


def test_entries_written_before_encryption_come_through_the_upgrade(empty_database_url, tmp_path):
    """The plain text waits for the owner's next login: nothing is lost on the way.

    (SQLite's batch mode, which rebuilds a table, once deleted every entry here through
    the ON DELETE CASCADE of the users table it dropped.)
    """
    app = create_app(
        {
            "SECRET_KEY": "k" * 40,
            "INSTANCE_PATH": tmp_path,
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision=BEFORE_ENCRYPTION)
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, is_admin, is_active, "
                    "language, timezone, created_at) VALUES (1, 'a@esbjerg.example', 'A', 'x', "
                    "false, true, 'da', 'Europe/Copenhagen', '2026-01-01 00:00:00+00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO entries (id, owner_id, entry_date, title, body, starred, "
                    "version, created_at, updated_at) VALUES (1, 1, '2026-01-02', 'Før', "
                    "'Skrevet før kryptering', false, 1, '2026-01-02 00:00:00+00', "
                    "'2026-01-02 00:00:00+00')"
                )
            )
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as connection:
            row = connection.execute(text("SELECT title, body, sealed FROM entries")).one()
            assert tuple(row) == ("Før", "Skrevet før kryptering", None)
            assert not connection.scalar(text("SELECT must_change_password FROM users"))
            # keys are made at the next login
            assert connection.scalar(text("SELECT count(*) FROM unlock_factors")) == 0
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(  # the table's own checks still hold
                text(
                    "INSERT INTO entries (owner_id, entry_date, title, body, starred, version, "
                    "created_at, updated_at) VALUES (1, '2026-01-03', '', 'x', false, 0, "
                    "'2026-01-03', '2026-01-03')"
                )
            )

        with db.engine.begin() as connection:
            connection.execute(text("UPDATE entries SET sealed = :s"), {"s": b"\x01sealed"})
        with pytest.raises(SystemExit):  # Flask-Migrate logs the refusal and exits
            downgrade(directory=str(MIGRATIONS), revision=BEFORE_ENCRYPTION)
        assert "sealed" in {c["name"] for c in inspect(db.engine).get_columns("entries")}
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE entries SET sealed = NULL"))
        downgrade(directory=str(MIGRATIONS), revision=BEFORE_ENCRYPTION)
        with db.engine.connect() as connection:
            assert connection.scalar(text("SELECT body FROM entries")) == "Skrevet før kryptering"
        downgrade(directory=str(MIGRATIONS), revision="base")
        db.engine.dispose()


def test_the_migration_files_sort_in_chain_order():
    """A newcomer reads the folder top to bottom: its order is the revision chain, oldest
    first, one head, and each file's name ends with its revision id."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    (head,) = scripts.get_heads()
    chain = [script.revision for script in scripts.walk_revisions("base", head)][::-1]
    files = sorted(path.name for path in (MIGRATIONS / "versions").glob("*.py"))
    assert len(files) == len(chain)
    assert [name.removesuffix(".py").rsplit("_", 1)[1] for name in files] == chain
    for name in files:  # date and time first: YYYY_MM_DD_HHMM_
        assert re.fullmatch(r"\d{4}_\d{2}_\d{2}_\d{4}_[a-z_]+_[0-9a-f]{12}\.py", name), name


BEFORE_REQUESTS_BY_ADDRESS = "5d2c8e1a7b90"


def test_links_shares_and_comments_come_through_a_rebuild_of_their_table(
    empty_database_url, tmp_path
):
    """Letting a request wait for its account rebuilds `manager_links` on SQLite: with
    foreign keys on, dropping the old table would have deleted every share and comment that
    points at it. They all come through, and each link gets its manager's address."""
    app = create_app(
        {
            "SECRET_KEY": "k" * 40,
            "INSTANCE_PATH": tmp_path,
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )
    moment = "'2026-01-01 00:00:00+00'"
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision=BEFORE_REQUESTS_BY_ADDRESS)
        with db.engine.begin() as connection:
            for user_id, email in ((1, "lone@esbjerg.example"), (2, "mads@esbjerg.example")):
                connection.execute(
                    text(
                        "INSERT INTO users (id, email, name, password_hash, is_admin, is_active, "
                        f"language, timezone, created_at, session_token) VALUES ({user_id}, "
                        f"'{email}', 'X', 'x', false, true, 'da', 'Europe/Copenhagen', {moment}, "
                        f"'{'t' * 43}')"
                    )
                )
            for statement in (
                "INSERT INTO goals (id, owner_id, title, why, how_i_know, start_date, status, "
                f"position, created_at, updated_at) VALUES (1, 1, 'lytte', '', '', '2026-01-01', "
                f"'active', 1, {moment}, {moment})",
                "INSERT INTO manager_links (id, leader_id, manager_id, status, requested_at) "
                f"VALUES (1, 1, 2, 'accepted', {moment})",
                f"INSERT INTO shares (goal_id, link_id, include_notes, shared_at) VALUES (1, 1, false, {moment})",
                f"INSERT INTO comments (goal_id, author_id, body, created_at) VALUES (1, 2, 'Godt', {moment})",
                "INSERT INTO sharing_events (leader_id, kind, goal_id, manager_id, at) VALUES "
                f"(1, 'shared', 1, 2, {moment})",
            ):
                connection.execute(text(statement))
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as connection:
            link = connection.execute(
                text("SELECT manager_id, manager_email, status FROM manager_links")
            ).one()
            assert tuple(link) == (2, "mads@esbjerg.example", "accepted")
            assert connection.scalar(text("SELECT count(*) FROM shares")) == 1
            assert connection.scalar(text("SELECT count(*) FROM comments")) == 1
            assert connection.scalar(text("SELECT count(*) FROM sharing_events")) == 1
        downgrade(directory=str(MIGRATIONS), revision=BEFORE_REQUESTS_BY_ADDRESS)
        with db.engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM shares")) == 1
        downgrade(directory=str(MIGRATIONS), revision="base")
        db.engine.dispose()


BEFORE_SEALING = "8e4b1f7c2a63"


def test_comments_get_their_link_and_shares_their_copy_through_the_sealing_upgrade(
    empty_database_url, tmp_path
):
    """Issue 17: a comment belongs to the link accepted when it was written (if its author is
    that link's manager or the leader), else to none; a shared goal's copy is made from its
    plain text; the plain title may then be emptied; nothing sealed is lost to a downgrade."""
    app = create_app(
        {
            "SECRET_KEY": "k" * 40,
            "INSTANCE_PATH": tmp_path,
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )

    def at(day: int) -> str:
        return f"2026-01-{day:02d} 12:00:00+00"

    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision=BEFORE_SEALING)
        with db.engine.begin() as connection:
            for user_id, name in ((1, "leder"), (2, "tidligere"), (3, "chef"), (4, "anden")):
                connection.execute(
                    text(
                        "INSERT INTO users (id, email, name, password_hash, is_admin, "
                        "is_active, language, timezone, created_at) VALUES (:id, :email, "
                        ":name, 'x', false, true, 'da', 'Europe/Copenhagen', :at)"
                    ),
                    {"id": user_id, "email": f"{name}@esbjerg.example", "name": name, "at": at(1)},
                )
            connection.execute(
                text(
                    "INSERT INTO goals (id, owner_id, title, why, how_i_know, start_date, "
                    "status, position, created_at, updated_at) VALUES (1, 1, 'lytte', "
                    "'fordi', 'de taler', '2026-01-01', 'active', 1, :at, :at)"
                ),
                {"at": at(1)},
            )
            links = [  # the earlier manager's link (days 5 to 10), then the current one
                (1, 2, "ended", at(4), at(5), at(10)),
                (2, 3, "accepted", at(11), at(12), None),
            ]
            for link_id, manager_id, status, asked, answered, ended in links:
                connection.execute(
                    text(
                        "INSERT INTO manager_links (id, leader_id, manager_id, status, "
                        "requested_at, responded_at, ended_at) VALUES (:id, 1, :manager, "
                        ":status, :asked, :answered, :ended)"
                    ),
                    {
                        "id": link_id,
                        "manager": manager_id,
                        "status": status,
                        "asked": asked,
                        "answered": answered,
                        "ended": ended,
                    },
                )
            connection.execute(
                text(
                    "INSERT INTO shares (goal_id, link_id, include_notes, shared_at) "
                    "VALUES (1, 2, true, :at)"
                ),
                {"at": at(12)},
            )
            for check_in_id, day, note in ((1, 2, "gik godt"), (2, 3, "")):
                connection.execute(
                    text(
                        "INSERT INTO check_ins (id, goal_id, day, rating, note, created_at, "
                        "updated_at) VALUES (:id, 1, :day, 3, :note, :at, :at)"
                    ),
                    {"id": check_in_id, "day": f"2026-01-0{day}", "note": note, "at": at(day)},
                )
            comments = [  # (id, author, day): which link each belongs to is asserted below
                (1, 1, 3),  # the leader, before any link: none
                (2, 2, 6),  # the earlier manager, in their link: 1
                (3, 1, 7),  # the leader's reply then: 1
                (4, 4, 8),  # someone else: none
                (5, 1, 11),  # between the links: none
                (6, 3, 13),  # the current manager: 2
                (7, 1, 14),  # the leader's reply: 2
            ]
            for comment_id, author_id, day in comments:
                connection.execute(
                    text(
                        "INSERT INTO comments (id, goal_id, author_id, body, created_at) "
                        "VALUES (:id, 1, :author, 'kommentar', :at)"
                    ),
                    {"id": comment_id, "author": author_id, "at": at(day)},
                )

        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as connection:
            links = connection.execute(text("SELECT id, link_id FROM comments ORDER BY id"))
            assert dict(links.all()) == {1: None, 2: 1, 3: 1, 4: None, 5: None, 6: 2, 7: 2}
            copy = connection.execute(text("SELECT title, why, how_i_know FROM shares")).one()
            assert tuple(copy) == ("lytte", "fordi", "de taler")
            notes = connection.execute(text("SELECT check_in_id, goal_id, note FROM shared_notes"))
            assert notes.all() == [(1, 1, "gik godt")]
        with db.engine.begin() as connection:  # a sealed goal's plain title is empty
            connection.execute(text("UPDATE goals SET title = '', sealed = :s"), {"s": b"\x01s"})
        with pytest.raises(SystemExit):  # Flask-Migrate logs the refusal and exits
            downgrade(directory=str(MIGRATIONS), revision=BEFORE_SEALING)
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE goals SET title = 'lytte', sealed = NULL"))
        downgrade(directory=str(MIGRATIONS), revision=BEFORE_SEALING)
        assert "link_id" not in {c["name"] for c in inspect(db.engine).get_columns("comments")}
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(text("UPDATE goals SET title = ''"))  # the check is back
        downgrade(directory=str(MIGRATIONS), revision="base")
        db.engine.dispose()


BEFORE_COMMENTS_IN_THE_LOG = "bcca8d264735"


def test_the_sharing_log_takes_comments_and_keeps_its_lines_through_the_rebuild(
    empty_database_url, tmp_path
):
    """Issue 18: the log's CHECK gains `commented` and `replied` (on SQLite by rebuilding
    the table): the lines already there come through, other kinds are still refused, and a
    downgrade drops only the comment lines."""
    app = create_app(
        {
            "SECRET_KEY": "k" * 40,
            "INSTANCE_PATH": tmp_path,
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )
    moment = "'2026-01-01 00:00:00+00'"

    def log_line(connection, kind: str) -> None:
        connection.execute(
            text(
                "INSERT INTO sharing_events (leader_id, kind, goal_id, manager_id, at) "
                f"VALUES (1, '{kind}', 1, 2, {moment})"
            )
        )

    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision=BEFORE_COMMENTS_IN_THE_LOG)
        with db.engine.begin() as connection:
            for user_id in (1, 2):
                connection.execute(
                    text(
                        "INSERT INTO users (id, email, name, password_hash, is_admin, is_active, "
                        f"language, timezone, created_at, session_token) VALUES ({user_id}, "
                        f"'u{user_id}@esbjerg.example', 'X', 'x', false, true, 'da', "
                        f"'Europe/Copenhagen', {moment}, '{'t' * 43}')"
                    )
                )
            connection.execute(
                text(
                    "INSERT INTO goals (id, owner_id, title, why, how_i_know, start_date, "
                    f"status, position, created_at, updated_at) VALUES (1, 1, 'lytte', '', '', "
                    f"'2026-01-01', 'active', 1, {moment}, {moment})"
                )
            )
            log_line(connection, "viewed")
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            log_line(connection, "commented")  # not yet

        upgrade(directory=str(MIGRATIONS))
        with db.engine.begin() as connection:
            log_line(connection, "commented")
            log_line(connection, "replied")
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            log_line(connection, "edited")
        with db.engine.connect() as connection:
            kinds = connection.scalars(text("SELECT kind FROM sharing_events ORDER BY id"))
            assert kinds.all() == ["viewed", "commented", "replied"]
            assert connection.scalar(text("SELECT goal_id FROM sharing_events LIMIT 1")) == 1

        downgrade(directory=str(MIGRATIONS), revision=BEFORE_COMMENTS_IN_THE_LOG)
        with db.engine.connect() as connection:
            assert connection.scalars(text("SELECT kind FROM sharing_events")).all() == ["viewed"]
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            log_line(connection, "commented")
        downgrade(directory=str(MIGRATIONS), revision="base")
        db.engine.dispose()


BEFORE_UNLOCK_FACTORS = "18aabda09ed9"


def test_every_journal_opens_as_before_once_its_wraps_move_to_unlock_factors(
    empty_database_url, tmp_path
):
    """The two wraps each account has are copied to unlock_factors unchanged: the password
    and the recovery key open the same journal after the upgrade, and after a downgrade.
    A downgrade that would lock out a leader whose journal opens with a passkey is refused."""
    app = create_app(
        {
            "SECRET_KEY": "k" * 40,
            "INSTANCE_PATH": tmp_path,
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
        }
    )
    data_key, recovery = crypto.new_key(), crypto.new_recovery_key()
    kdf = app.config["KEY_DERIVATION"]
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision=BEFORE_UNLOCK_FACTORS)
        by_password = crypto.wrap_with_password(
            data_key, "mit gamle kodeord", b"data-key:user:1:password", kdf
        )
        by_recovery = crypto.wrap_with_recovery_key(data_key, recovery, b"data-key:user:1:recovery")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, is_admin, is_active, "
                    "language, timezone, created_at, key_by_password, key_by_recovery, "
                    "key_version, must_change_password, session_version, session_token) "
                    "VALUES (1, 'a@b.dk', 'A', 'x', false, true, 'da', 'Europe/Copenhagen', "
                    "'2026-01-01 00:00:00+00', :p, :r, 1, false, 0, :t)"
                ),
                {"p": by_password, "r": by_recovery, "t": "t" * 43},
            )
        upgrade(directory=str(MIGRATIONS))
        with app.test_request_context():
            user = db.session.get(User, 1)
            assert keys.open_with_password(user, "mit gamle kodeord")._key == data_key
            typed = crypto.format_recovery_key(recovery)
            assert keys.open_with_recovery_key(user, typed)._key == data_key
            db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO unlock_factors (user_id, kind, wrapped, name, credential_id, "
                    "public_key, sign_count, transports, prf_salt, created_at) VALUES (1, "
                    "'passkey', 'w', '', :c, :c, 0, '', :c, '2026-01-01 00:00:00+00')"
                ),
                {"c": b"x" * 16},
            )
        with pytest.raises(SystemExit):  # Flask-Migrate logs the refusal and exits
            downgrade(directory=str(MIGRATIONS), revision=BEFORE_UNLOCK_FACTORS)
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM unlock_factors WHERE kind = 'passkey'"))
        downgrade(directory=str(MIGRATIONS), revision=BEFORE_UNLOCK_FACTORS)
        with db.engine.connect() as connection:
            row = connection.execute(
                text("SELECT key_by_password, key_by_recovery FROM users")
            ).one()
        assert tuple(row) == (by_password, by_recovery)
        downgrade(directory=str(MIGRATIONS), revision="base")
        db.engine.dispose()
