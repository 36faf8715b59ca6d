"""A throwaway PostgreSQL cluster for the test session, or TEST_DATABASE_URL when set."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
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


class Cluster:
    """A running throwaway cluster: `url` to its empty database, and `restart()`."""

    def __init__(self, pg_ctl: str, runner: list[str], root: Path, options: str):
        self.pg_ctl, self.runner, self.root, self.options = pg_ctl, runner, root, options
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://journal@127.0.0.1:{self.port}/{DATABASE}"

    def ctl(self, *args: str) -> None:
        """Run pg_ctl on this cluster (as `postgres` when we are root)."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {self.options}"
        subprocess.run(
            [
                *self.runner,
                self.pg_ctl,
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "log"),
                "-w",
                *args,
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )

    def restart(self) -> float:
        """`pg_ctl restart -m fast`, as an operator would: sessions are cut off, the server is
        back when it returns. How long the database was unavailable, in seconds."""
        started = time.monotonic()
        self.ctl("-m", "fast", "restart")
        return time.monotonic() - started


# Fast and fragile: the test suite's data need not survive the machine crashing.
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
# Commits acknowledged only once in the WAL, so a restart of the server cannot lose them
# (fsync stays off: the machine itself does not crash in the fault tests).
DURABLE = "-c fsync=off -c full_page_writes=off -c max_connections=100"


@contextmanager
def throwaway_cluster(options: str = FAST):
    """Yield a running Cluster with an empty database; remove it all afterwards."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise PostgresUnavailable("initdb/pg_ctl not found (install Debian's postgresql)")
    runner = _runner()
    root = Path(tempfile.mkdtemp(prefix="journal-pg-"))
    if runner:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(pg_ctl, runner, root, options)
    try:
        subprocess.run(
            [
                *runner,
                initdb,
                "-D",
                str(cluster.data),
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
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
        cluster.ctl("start")
    except subprocess.CalledProcessError as error:
        shutil.rmtree(root, ignore_errors=True)
        output = (error.stderr or error.stdout or b"").decode(errors="replace").strip()
        raise PostgresUnavailable(
            f"{Path(error.cmd[len(runner)]).name} failed: {output}"
        ) from error
    try:
        create_database(cluster.url)
        yield cluster
    finally:
        subprocess.run(
            [*runner, pg_ctl, "-D", str(cluster.data), "-m", "immediate", "-w", "stop"],
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
