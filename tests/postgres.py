"""A throwaway PostgreSQL cluster for the test session, or TEST_DATABASE_URL when set."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

DATABASE = "journal_test"


class PostgresUnavailable(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def find_bin(name: str) -> str | None:
    """A PostgreSQL server program on PATH or in Debian's versioned folders."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _runner() -> list[str]:
    """PostgreSQL refuses to run as root; as root, run it as the `postgres` user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError as error:
        raise PostgresUnavailable("running as root and no 'postgres' user exists") from error
    return ["runuser", "-u", "postgres", "--"]


@contextmanager
def throwaway_cluster():
    """Yield a URL to an empty database in a new cluster; remove it all afterwards."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise PostgresUnavailable("initdb/pg_ctl not found (install Debian's postgresql)")
    runner = _runner()
    root = Path(tempfile.mkdtemp(prefix="journal-pg-"))
    data = root / "data"
    if runner:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    try:
        subprocess.run(
            [
                *runner,
                initdb,
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "journal",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        subprocess.run(
            [
                *runner,
                pg_ctl,
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(root, ignore_errors=True)
        output = (error.stderr or error.stdout or b"").decode(errors="replace").strip()
        raise PostgresUnavailable(
            f"{Path(error.cmd[len(runner)]).name} failed: {output}"
        ) from error
    try:
        url = f"postgresql+psycopg://journal@127.0.0.1:{port}/{DATABASE}"
        create_database(url)
        yield url
    finally:
        subprocess.run(
            [*runner, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


def other_database_url(url: str, name: str) -> str:
    """The same server and credentials, another database name."""
    return url.rsplit("/", 1)[0] + "/" + name


def _admin_connection(url: str) -> psycopg.Connection:
    """An autocommit connection to the server's `postgres` database."""
    conninfo = other_database_url(url, "postgres").replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(conninfo, autocommit=True)


def create_database(url: str) -> None:
    """Create the (empty) database that `url` names."""
    name = url.rsplit("/", 1)[1]
    with _admin_connection(url) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    """Drop the database that `url` names."""
    name = url.rsplit("/", 1)[1]
    with _admin_connection(url) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
