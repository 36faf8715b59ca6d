"""One-click unsubscribe (RFC 8058): the link in a mail turns off that kind of mail, for its
recipient, without a log-in; a forged, used or malformed token is simply not found."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from journal.models import NotificationSettings, OutgoingMail
from journal.models.user import utcnow
from journal.notifications import delivery, kinds
from journal.notifications.services import notify
from tests.notifications.conftest import PUBLIC_URL


@pytest.fixture
def people(make_user):
    return {
        "leader": make_user(name="Lone Leder", email="lone@esbjerg.example"),
        "manager": make_user(name="Mads Chef", email="mads@esbjerg.example"),
    }


def send(db, at) -> None:
    db.session.commit()
    delivery.run_once(at)


def unsubscribe_path(mail) -> str:
    """The path of the mail's List-Unsubscribe address."""
    address = mail.message["List-Unsubscribe"].strip("<>")
    assert address.startswith(f"{PUBLIC_URL}/unsubscribe/")
    return address.removeprefix(PUBLIC_URL)


def test_one_click_stops_that_kind_of_mail_and_only_that(app, db, inbox, people):
    leader, manager = people["leader"], people["manager"]
    start = utcnow()
    notify(leader, kinds.COMMENT, actor=manager, at=start)
    send(db, start + timedelta(minutes=16))
    (mail,) = inbox.mails

    # What a mail client does (RFC 8058): a POST with this body, no cookie, no form token.
    client = app.test_client()
    answer = client.post(
        unsubscribe_path(mail),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200
    settings = db.session.get(NotificationSettings, leader.id)
    assert settings.comments is False
    assert (settings.links, settings.shares, settings.requests) == (True, True, True)
    assert db.session.scalars(select(OutgoingMail)).one().unsubscribed_at is not None

    # A new comment: in the app, not by mail. A link accepted: mailed as before.
    notify(leader, kinds.COMMENT, actor=manager, at=start + timedelta(minutes=30))
    send(db, start + timedelta(minutes=50))
    assert len(inbox.mails) == 1
    notify(leader, kinds.LINK_ACCEPTED, actor=manager, at=start + timedelta(minutes=60))
    send(db, start + timedelta(minutes=80))
    assert len(inbox.mails) == 2
    assert "har sagt ja til at være din leder" in inbox.mails[1].text

    # The same link again (replayed): not found.
    assert client.post(unsubscribe_path(mail), data="List-Unsubscribe=One-Click").status_code == 404
    assert client.get(unsubscribe_path(mail)).status_code == 404


def test_the_page_asks_first_names_no_address_and_confirms(app, db, inbox, people):
    leader, manager = people["leader"], people["manager"]
    notify(leader, kinds.COMMENT, actor=manager)
    notify(leader, kinds.LINK_ENDED, actor=manager)
    send(db, utcnow() + timedelta(minutes=16))
    path = unsubscribe_path(inbox.mails[0])
    browser = app.test_client()

    page = browser.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Stop disse mails?" in text
    assert "din leder kommenterer et mål, du deler" in text
    assert (
        "din leder siger ja eller nej til forbindelsen eller afslutter den, eller du får foreslået en leder"
        in text
    )
    assert leader.email not in text and "lone" not in text.lower()
    assert db.session.get(NotificationSettings, leader.id) is None  # asking changes nothing

    done = browser.post(path)  # the page's own button: no form token needed either
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "Mailene er stoppet" in text
    assert 'href="/account/notifications"' in text and leader.email not in text
    settings = db.session.get(NotificationSettings, leader.id)
    assert (settings.comments, settings.links, settings.replies) == (False, False, True)


def test_the_page_speaks_the_recipients_language(app, db, inbox, make_user, people):
    english = make_user(name="Emma English", language="en")
    notify(english, kinds.GOAL_SHARED, actor=people["manager"])
    send(db, utcnow() + timedelta(minutes=16))
    text = app.test_client().get(unsubscribe_path(inbox.mails[0])).get_data(as_text=True)
    assert "Stop these mails?" in text and "a leader shares a goal with you" in text
    assert '<html lang="en">' in text


def test_the_token_is_stored_only_as_its_hash(app, db, inbox, people):
    notify(people["leader"], kinds.COMMENT, actor=people["manager"])
    send(db, utcnow() + timedelta(minutes=16))
    token = unsubscribe_path(inbox.mails[0]).rsplit("/", 1)[1]
    stored = db.session.scalars(select(OutgoingMail)).one()
    assert token not in repr(
        {column.key: getattr(stored, column.key) for column in OutgoingMail.__table__.columns}
    )
    assert re.fullmatch(r"[0-9a-f]{64}", stored.unsubscribe_hash)


@pytest.mark.parametrize(
    "token",
    [
        "A" * 43,  # the right shape, forged
        "A" * 42,
        "A" * 44,
        "A" * 4000,
        "%00" * 43,
        "ÆØÅ" + "a" * 40,
        "a" * 42 + "=",
        "../../admin/users" + "a" * 26,
        "a" * 20 + "%2F" + "a" * 20,
    ],
)
def test_forged_or_malformed_tokens_are_not_found_never_an_error(app, db, people, token):
    for method in ("get", "post"):
        answer = getattr(app.test_client(), method)(f"/unsubscribe/{token}")
        assert answer.status_code == 404, (method, token)
    assert db.session.scalars(select(NotificationSettings)).all() == []
