"""Where the app's log lines go: standard error (gunicorn passes it on to the journal of
systemd, or to the terminal), one line each with the time, level and logger.

What is logged: log-ins, failed log-ins and pauses (`journal.auth`), refused imports, and
administrators' actions (`journal.admin`): ids, addresses and kinds of action, never a
password, a typed email that matches no account, or anything a leader wrote.
"""

import logging
import sys

from flask import Flask

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class StandardError(logging.StreamHandler):
    """A handler that writes to whatever standard error is when a line is written (not the
    one it was made with: a test runner or a server may have replaced it since)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def init_app(app: Flask) -> None:
    """Send the `journal` loggers' lines (the app's own included) to standard error, at
    LOG_LEVEL; set up once per process, however many apps are made."""
    logger = logging.getLogger("journal")
    if not any(isinstance(handler, StandardError) for handler in logger.handlers):
        handler = StandardError()
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
    logger.setLevel(app.config["LOG_LEVEL"])
