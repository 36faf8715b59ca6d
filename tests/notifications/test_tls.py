"""STARTTLS, as the default and as Exchange Online's relay asks: the server's certificate
checked, the password sent only inside TLS, and nothing sent in clear to a server that does
not offer TLS or whose certificate is not trusted."""

import ssl
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from journal.models import OutgoingMail
from journal.models.user import utcnow
from journal.notifications import kinds, smtp
from journal.notifications.delivery import run_once
from journal.notifications.services import notify
from tests.nginx import self_signed
from tests.notifications.conftest import Inbox, use_mail
from tests.postgres import free_port


@pytest.fixture
def tls_server(tmp_path):
    """An SMTP server that offers STARTTLS with a certificate of the test's own, requires it,
    and takes a log-in only inside TLS: (inbox, port, certificate, log-ins seen)."""
    certificate, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    inbox, logins = Inbox(), []

    def check(_server, _session, _envelope, _mechanism, data):
        logins.append((data.login, data.password))
        return AuthResult(success=(data.login, data.password) == (b"journal", b"pass word"))

    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=check,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield inbox, controller.port, certificate, logins
    finally:
        controller.stop()


@pytest.fixture
def queued(app, db, make_user):
    """A comment waiting to be mailed to a leader."""
    leader, manager = make_user(name="Lone Leder"), make_user(name="Mads Chef")
    notify(leader, kinds.COMMENT, actor=manager)
    db.session.commit()
    return leader


def test_starttls_with_a_login_delivers(app, queued, tls_server, monkeypatch):
    inbox, port, certificate, logins = tls_server
    monkeypatch.setattr(smtp, "tls_context", lambda: ssl.create_default_context(cafile=certificate))
    use_mail(
        app,
        port,
        MAIL_SECURITY="starttls",
        MAIL_USERNAME="journal",
        MAIL_PASSWORD="pass word",
    )
    assert run_once(utcnow() + timedelta(minutes=16)).sent == 1
    assert logins == [(b"journal", b"pass word")]
    assert inbox.mails[0].recipients == [queued.email]


def test_a_certificate_that_is_not_trusted_gets_nothing(app, db, queued, tls_server):
    inbox, port, _certificate, logins = tls_server
    use_mail(app, port, MAIL_SECURITY="starttls", MAIL_USERNAME="journal", MAIL_PASSWORD="x")
    assert run_once(utcnow() + timedelta(minutes=16)).failed == 1
    assert inbox.mails == [] and logins == []  # the password never left
    mail = db.session.scalars(select(OutgoingMail)).one()
    assert "SSLCertVerificationError" in mail.last_error and mail.attempts == 1


def test_a_server_that_offers_no_starttls_gets_nothing_in_clear(app, db, queued, smtp_server):
    inbox, port = smtp_server
    use_mail(app, port, MAIL_SECURITY="starttls")
    assert run_once(utcnow() + timedelta(minutes=16)).failed == 1
    assert inbox.mails == []
    mail = db.session.scalars(select(OutgoingMail)).one()
    assert "STARTTLS extension not supported" in mail.last_error
