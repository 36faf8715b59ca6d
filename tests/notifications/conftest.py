"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the mail tests, and the app set up to use it.

The server keeps every mail it accepts; a test can make it refuse recipients (`refuse`) or
hold a mail until it lets go (`hold`).
"""

import asyncio
import email
import email.policy
import threading
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from journal.config import check_mail_settings
from journal.notifications import delivery
from tests.postgres import free_port

PUBLIC_URL = "https://ledelsesjournal.esbjerg.example"
SENDER = "Ledelsesjournal <ledelsesjournal@esbjerg.example>"


@dataclass
class Received:
    """A mail as the server took it: the envelope and the raw bytes."""

    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def text(self) -> str:
        """The body, decoded, with plain line ends."""
        return self.message.get_content().replace("\r\n", "\n")


class Inbox:
    """aiosmtpd's handler: takes mails, or refuses them with `refuse` (an SMTP answer; or
    `refuse_for[address]`), and waits in DATA while `hold` is a callable that has not
    returned."""

    def __init__(self):
        self.mails: list[Received] = []
        self.refuse: str | None = None
        self.refuse_for: dict[str, str] = {}  # an answer for one address only
        self.hold = None
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse or address in self.refuse_for:
            return self.refuse or self.refuse_for[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hold is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.hold)
        with self.lock:
            self.mails.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        """The mails to one address."""
        return [mail for mail in self.mails if address in mail.recipients]


@pytest.fixture
def smtp_server():
    """An SMTP server on a free port of 127.0.0.1: (inbox, port)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def use_mail(app, port: int, **settings) -> None:
    """Point the app's mail at 127.0.0.1:`port`, without TLS (a relay on a trusted network)."""
    config = {
        "MAIL_HOST": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_SECURITY": "none",
        "MAIL_FROM": SENDER,
        "PUBLIC_URL": PUBLIC_URL,
        **settings,
    }
    check_mail_settings(config)
    app.config.update(config)


@pytest.fixture
def inbox(app, smtp_server) -> Inbox:
    """The app sends its mail to a real SMTP server, whose inbox this is: the mails of the
    notifications each test makes, without the run's reminders step (the reminders are
    tested in test_reminders.py, and with the run in test_delivery.py)."""
    inbox, port = smtp_server
    use_mail(app, port)
    app.extensions[delivery.STEPS] = []
    return inbox
