"""The database: SQLite pragmas, one transaction per action (`atomic`), and requests that
end cleanly even when the database dropped their connection."""

import os
import sqlite3
from collections.abc import Callable
from contextlib import ContextDecorator, suppress
from pathlib import Path

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from journal.config import private_folder
from journal.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 5000
_DEPTH = "atomic_depth"
_AFTER_COMMIT = "after_commit"


class atomic(ContextDecorator):
    """One action, one transaction: the outermost `atomic` commits, or rolls back if anything
    inside raised; an `atomic` inside another joins it and decides nothing.

    Every service that changes state is decorated with it, so a view's call to a service is
    one transaction, and a service that calls others (an administrator's "link to a new
    manager" ends the old link, opens the new one and writes the audit line) succeeds or
    fails as a whole. Nothing in a service calls `commit()` itself.
    """

    def __enter__(self):
        session = db.session()
        session.info[_DEPTH] = session.info.get(_DEPTH, 0) + 1
        return session

    def __exit__(self, kind, error, traceback) -> bool:
        session = db.session()
        depth = session.info[_DEPTH] - 1
        session.info[_DEPTH] = depth
        if depth:
            return False
        callbacks = session.info.pop(_AFTER_COMMIT, [])
        if kind is not None:
            session.rollback()
            return False
        try:
            session.commit()
        except BaseException:
            session.rollback()
            raise
        for callback in callbacks:
            callback()
        return False


def in_transaction() -> bool:
    """Whether an `atomic` block is open (and will commit what is done now)."""
    return db.session().info.get(_DEPTH, 0) > 0


def on_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the outermost `atomic` has committed (never if it rolls back):
    for what may happen only after the change is durable. Outside an `atomic` block there
    is no commit to wait for, and that is a bug: RuntimeError."""
    if not in_transaction():
        raise RuntimeError("on_commit() outside an atomic() block")
    db.session().info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL for concurrent readers, enforced foreign keys, waiting instead of failing, and
    deleted content overwritten with zeros (an entry deleted for good, or the plain text
    of an entry sealed at last, leaves nothing behind in free pages)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def leave_no_old_copies() -> None:
    """After plain text was overwritten: on SQLite, move the write-ahead log into the
    database and empty it, so no earlier copy of a page lingers there (best effort: readers
    may hold it a moment longer). PostgreSQL keeps old row versions until VACUUM, which the
    README's upgrade notes ask for."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def init_app(app: Flask) -> None:
    """Bind SQLAlchemy; create a new SQLite file readable by its owner only."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        create_private_file(Path(url.removeprefix("sqlite:///")))
    db.init_app(app)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first (they run reversed).
    app.teardown_appcontext(release_session)


def release_session(_error: BaseException | None = None) -> None:
    """End the request's session. If the database dropped the connection meanwhile (say
    PostgreSQL restarted after the page was made), the rollback that ends the session fails:
    let the pool discard that connection rather than turn a finished response into a 500."""
    try:
        db.session.remove()
    except SQLAlchemyError:
        db.session().invalidate()  # no rollback on a dead connection; the pool replaces it
        db.session.remove()


def create_private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 (its folder 0700) unless it exists.

    SQLite accepts an empty file as a new database and gives its -wal and -shm files the
    same mode, so nobody else on the machine can read the journal.
    """
    private_folder(path.parent)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
