"""Administration says whether mail is set up, where it goes (never the password), and how
the queue stands."""

from datetime import timedelta

from journal.models.user import utcnow
from journal.notifications import delivery, kinds
from journal.notifications.services import notify
from tests.notifications.conftest import use_mail


def admin_page(app, make_user, log_in_as) -> str:
    admin = make_user(name="Admin Anne", is_admin=True)
    return log_in_as(app.test_client(), admin).get("/admin/users").get_data(as_text=True)


def test_without_mail_administration_says_nothing_is_sent(app, make_user, log_in_as):
    page = admin_page(app, make_user, log_in_as)
    assert "Mail er ikke sat op: Ledelsesjournal sender ingen mails." in page


def test_administration_shows_where_mail_goes_and_what_waits_never_the_password(
    app, db, smtp_server, make_user, log_in_as
):
    inbox, port = smtp_server
    use_mail(app, port)
    leader, manager = make_user(name="Lone Leder"), make_user(name="Mads Chef")
    notify(leader, kinds.COMMENT, actor=manager)
    db.session.commit()
    inbox.refuse = "550 5.1.1 Recipient unknown"
    delivery.run_once(utcnow() + timedelta(minutes=16))
    # As a server that asks for a log-in would be set up (the page reads the settings only).
    app.config.update(MAIL_USERNAME="journal", MAIL_PASSWORD="HEMMELIGT-KODEORD")

    page = admin_page(app, make_user, log_in_as)
    assert f"127.0.0.1:{port}" in page and "uden TLS" in page
    assert "logger ind med et brugernavn" in page
    assert "ledelsesjournal@esbjerg.example" in page
    assert "1 efter et mislykket forsøg" in page and "550 5.1.1 Recipient unknown" in page
    assert "ingen endnu" in page  # nothing sent yet
    assert "HEMMELIGT-KODEORD" not in page and "Mail er ikke sat op" not in page
