"""A throwaway PostgreSQL cluster that the fault scenarios can restart under load."""

import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from tests.postgres import PostgresUnavailable, _runner, create_database, find_bin, free_port

DATABASE = "journal_reliability"


class Cluster:
    """A running cluster: its URL, and `restart()` as an operator would do it."""

    def __init__(self, pg_ctl: str, runner: list[str], root: Path, port: int):
        self.pg_ctl, self.runner, self.root, self.port = pg_ctl, runner, root, port
        self.data = root / "data"
        self.url = f"postgresql://journal@127.0.0.1:{port}/{DATABASE}"

    def ctl(self, *args: str) -> None:
        """Run pg_ctl on this cluster (as `postgres` when we are root)."""
        # Commits are acknowledged only once in the WAL (synchronous_commit stays on), so a
        # restart cannot lose them; fsync is off: the machine itself does not crash here.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c max_connections=100"
        )
        log = str(self.root / "log")
        subprocess.run(
            [
                *self.runner,
                self.pg_ctl,
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                log,
                "-w",
                *args,
            ],
            check=True,
            capture_output=True,
        )

    def restart(self) -> float:
        """`pg_ctl restart -m fast`: sessions are cut off, the server is back when it returns.
        Returns how long the database was unavailable, in seconds."""
        started = time.monotonic()
        self.ctl("-m", "fast", "restart")
        return time.monotonic() - started


@contextmanager
def throwaway_cluster():
    """Yield a running Cluster with an empty database; remove it all afterwards."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise PostgresUnavailable("initdb/pg_ctl not found (install Debian's postgresql)")
    runner = _runner()
    root = Path(tempfile.mkdtemp(prefix="journal-reliability-pg-"))
    if runner:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(pg_ctl, runner, root, free_port())
    try:
        subprocess.run(
            [*runner, initdb, "-D", str(cluster.data), "-A", "trust", "-U", "journal", "--no-sync"],
            check=True,
            capture_output=True,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
        cluster.ctl("start")
        create_database(cluster.url.replace("postgresql://", "postgresql+psycopg://"))
        yield cluster
    finally:
        subprocess.run(
            [*runner, pg_ctl, "-D", str(cluster.data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)
