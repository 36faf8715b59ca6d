"""Backups while the app runs: SQLite through its backup API, PostgreSQL through pg_dump."""

import os
import shlex
import sqlite3
import tempfile
from contextlib import closing, suppress
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from journal.database import SQLITE_BUSY_TIMEOUT_MS


class BackupFailed(Exception):
    """The backup could not be made; the message says why."""


def target_file(path: Path) -> Path:
    """Where the backup goes: `path`, or a dated file in it if it is a folder."""
    if path.is_dir():
        return path / f"journal-{datetime.now():%Y%m%d-%H%M%S}.sqlite3"
    return path


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy the SQLite database `source` to the new file `target`, consistently, while the
    app goes on writing.

    SQLite's backup API copies every page in one step, inside one read transaction: the
    copy is the database as of one moment, and in WAL mode writers are not held up. The copy
    is written beside the target, checked (`PRAGMA integrity_check`), made a single file
    (no -wal), readable by its owner only, and only then renamed into place.
    """
    if target.exists():
        raise BackupFailed(f"{target} exists already: choose a new name (or a folder).")
    if not source.is_file():
        raise BackupFailed(f"There is no database at {source}.")
    # A fresh private file of its own (mode 0600), so two backups at once never share one.
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    partial = Path(name)
    try:
        with (
            closing(sqlite3.connect(source)) as original,
            closing(sqlite3.connect(partial)) as copy,
        ):
            original.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            original.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupFailed(f"The copy failed its integrity check: {verdict}")
        try:
            os.link(partial, target)  # unlike a rename, never replaces a file made meanwhile
        except FileExistsError as error:
            raise BackupFailed(f"{target} exists already: choose a new name.") from error
        except OSError:  # a file system without hard links
            if target.exists():
                raise BackupFailed(f"{target} exists already: choose a new name.") from None
            os.replace(partial, target)
    except sqlite3.Error as error:
        raise BackupFailed(f"SQLite could not copy the database: {error}") from error
    finally:
        with suppress(FileNotFoundError):
            partial.unlink()


# Connection parameters that hold secrets: libpq reads them from the environment instead.
SECRET_PARAMETERS = frozenset({"password", "sslpassword"})


def pg_dump_commands(url: str, target: Path) -> tuple[str, str]:
    """The pg_dump command that backs up the database at `url` to `target`, and the
    pg_restore command that restores it; the password is left out of both."""
    given = make_url(url)
    dsn = URL.create(  # `set(password=None)` would keep the password: build it without
        "postgresql",
        username=given.username,
        host=given.host,
        port=given.port,
        database=given.database,
        query={k: v for k, v in given.query.items() if k not in SECRET_PARAMETERS},
    ).render_as_string(hide_password=False)
    dump = ["pg_dump", "--format=custom", f"--file={target}", f"--dbname={dsn}"]
    restore = ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={dsn}", str(target)]
    return shlex.join(dump), shlex.join(restore)
