"""Talking to the SMTP server with the standard library's `smtplib`: TLS or STARTTLS with the
server's certificate checked, a log-in only over TLS, one connection per run, and every
failure sorted into "this mail was refused" or "no server to talk to"."""

import smtplib
import ssl
from contextlib import suppress
from email.message import EmailMessage

from journal.models.notification import MAX_MAIL_ERROR

# Seconds for each step of the conversation with the server (connecting, each command).
SMTP_TIMEOUT = 30


class Refused(Exception):
    """The server refused this mail (its sender, recipient or data); it goes on taking
    others. The message is the server's code and answer."""


class Unreachable(Exception):
    """No SMTP server to talk to (down, TLS failed, log-in refused, connection lost)."""


def answer(code: int, text: bytes | str) -> str:
    """An SMTP answer on one line: the code and the server's words (never the mail's)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"[:MAX_MAIL_ERROR]


def described(error: Exception) -> str:
    """What went wrong, for `last_error` and the log."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        return answer(*next(iter(error.recipients.values())))
    if isinstance(error, smtplib.SMTPResponseException):
        return answer(error.smtp_code, error.smtp_error)
    return f"{type(error).__name__}: {error}"[:MAX_MAIL_ERROR]


def tls_context() -> ssl.SSLContext:
    """The server's certificate is checked against the system's authorities and its name."""
    return ssl.create_default_context()


class Smtp:
    """A run's connection to the SMTP server, opened at its first mail and kept for the
    rest (one log-in per run, not per mail)."""

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def connect(self) -> smtplib.SMTP:
        """Connect as configured: TLS from the start, STARTTLS (refusing a server that does
        not offer it), or plain for a relay on a trusted network; then log in if asked."""
        host, port = self.config["MAIL_HOST"], self.config["MAIL_PORT"]
        security = self.config["MAIL_SECURITY"]
        if security == "tls":
            connection = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=tls_context())
        else:
            connection = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        try:
            if security == "starttls":
                connection.starttls(context=tls_context())
            if self.config.get("MAIL_USERNAME"):
                connection.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"])
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage, to: str, envelope_from: str) -> None:
        """Hand one mail to the server: Unreachable if there is no server to talk to (then
        no other mail of the run is tried), Refused if it would not take this one."""
        if self.connection is None:
            try:
                self.connection = self.connect()
            except (smtplib.SMTPException, OSError) as error:
                raise Unreachable(described(error)) from error
        try:
            self.connection.send_message(message, from_addr=envelope_from, to_addrs=[to])
        except (
            smtplib.SMTPRecipientsRefused,
            smtplib.SMTPSenderRefused,
            smtplib.SMTPDataError,
        ) as error:
            raise Refused(described(error)) from error  # smtplib has reset the exchange
        except smtplib.SMTPServerDisconnected as error:
            self.close()
            raise Unreachable(described(error)) from error
        except smtplib.SMTPException as error:
            # Anything else about this one mail (an address the server cannot take): the
            # next mail starts on a fresh connection.
            self.close()
            raise Refused(described(error)) from error
        except OSError as error:  # (SMTPException is one too: hence last)
            self.close()
            raise Unreachable(described(error)) from error

    def close(self) -> None:
        """Say goodbye if the server is still there."""
        if self.connection is not None:
            with suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            with suppress(OSError):
                self.connection.close()
            self.connection = None
