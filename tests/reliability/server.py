"""A real gunicorn serving the app on 127.0.0.1, which can be started, killed and restarted."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


class Server:
    """gunicorn with `workers` sync workers, as the README's production set-up runs it, and
    any further `options` (a config file, another worker class)."""

    def __init__(self, env: dict, log: Path, workers: int, options: tuple[str, ...] = ()):
        self.env, self.log, self.workers, self.options = env, log, workers, options
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> float:
        """Start gunicorn and wait until it answers; returns the seconds that took."""
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    GUNICORN,
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    *self.options,
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: master and workers
            )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.process.returncode}: see {self.log}"
                )
            try:
                with urllib.request.urlopen(f"{self.base}/login", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s: see {self.log}")

    def kill9(self) -> None:
        """`kill -9` of the master and every worker at once, no chance to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """A normal shutdown (SIGTERM), forced after 20 seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
