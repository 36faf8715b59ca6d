"""What a mail says, to whom, in which language, and when: through a real SMTP server.

A mail names who did what and links to the page; nothing anyone wrote (a goal's title, a
comment), and no counts, is anywhere in it.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from journal.models import Notification, NotificationSettings, OutgoingMail
from journal.models.user import utcnow
from journal.notifications import delivery, kinds
from journal.notifications.services import notify
from journal.sharing import services as sharing
from tests.conftest import TEST_PASSWORD
from tests.notifications.conftest import PUBLIC_URL, use_mail

SECRET_TITLE = "HEMMELIGTMÅL om at lytte"
SECRET_COMMENT = "HEMMELIGKOMMENTAR om mødet"

# Each kind's line, with "Mads Chef" as the one who did it, in Danish and in English.
LINES = {
    "link_requested": (
        "Mads Chef har bedt om at få dig som leder.",
        "Mads Chef has asked you to be their manager.",
    ),
    "goal_shared": ("Mads Chef har delt et mål med dig.", "Mads Chef has shared a goal with you."),
    "reply": (
        "Mads Chef har svaret på et mål, der er delt med dig.",
        "Mads Chef has replied on a goal that is shared with you.",
    ),
    "link_accepted": (
        "Mads Chef har sagt ja til at være din leder.",
        "Mads Chef has agreed to be your manager.",
    ),
    "link_declined": (
        "Mads Chef har sagt nej til at være din leder.",
        "Mads Chef has declined to be your manager.",
    ),
    "link_ended": (
        "Mads Chef har afsluttet forbindelsen mellem jer.",
        "Mads Chef has ended the link between you.",
    ),
    "link_proposed": (
        "Mads Chef, der er administrator, har foreslået en leder til dig: Bekræft, eller sig nej.",
        "Mads Chef, an administrator, has proposed a manager for you: confirm or decline.",
    ),
    "comment": (
        "Mads Chef har kommenteret et af de mål, du deler.",
        "Mads Chef has commented on one of the goals you share.",
    ),
    "check_in_due": (
        "Det er tid til en opfølgning på et af dine mål.",
        "It is time for a check-in on one of your goals.",
    ),
    "reflection": (
        "Tid til en kort refleksion i din journal.",
        "Time for a short reflection in your journal.",
    ),
    "appraisal": (
        "Din udviklingssamtale er om to uger: tid til at forberede dig.",
        "Your appraisal is coming up in two weeks: time to prepare.",
    ),
}


def words_of(mail) -> list[str]:
    """The mail's text without its links."""
    return [re.sub(r"https://\S+", "", line) for line in mail.text.splitlines()]


def assert_says_nothing_written(mail, *secrets):
    """Neither the raw mail nor its decoded text holds anything written, or a count."""
    raw = mail.raw.decode("ascii", "replace")
    for secret in (SECRET_TITLE, SECRET_COMMENT, *secrets):
        for part in (secret, secret.split()[0]):
            assert part not in raw and part not in mail.text, part
    # Digits only in links (ids) and headers, never in what the mail says.
    for line in words_of(mail):
        assert not re.search(r"\d", line), line
    assert not re.search(r"\d", mail.message["Subject"])


@pytest.fixture
def people(make_user):
    return {
        "leader": make_user(name="Lone Leder", email="lone@esbjerg.example"),
        "manager": make_user(name="Mads Chef", email="mads@esbjerg.example"),
    }


def mail_everything(db, user) -> None:
    """Turn on every mail for `user` (reminders are off until chosen)."""
    db.session.add(NotificationSettings(user_id=user.id, **dict.fromkeys(kinds.SETTINGS, True)))
    db.session.commit()


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("kind", sorted(kinds.KINDS))
def test_every_kind_is_mailed_once_to_its_recipient_in_their_language(
    app, db, inbox, make_user, make_goal, kind, language
):
    recipient = make_user(name="Lone Leder", email="lone@esbjerg.example", language=language)
    actor = make_user(name="Mads Chef", email="mads@esbjerg.example")
    bystander = make_user(name="Ole Anden", email="ole@esbjerg.example")
    mail_everything(db, recipient)
    goal = make_goal(recipient, title=SECRET_TITLE)
    notify(recipient, kinds.KINDS[kind], actor=actor, goal_id=goal.id)
    db.session.commit()

    outcome = delivery.run_once(utcnow() + timedelta(minutes=16))
    assert (outcome.sent, outcome.failed, outcome.dropped) == (1, 0, 0)
    (mail,) = inbox.mails
    assert mail.recipients == [recipient.email] and not inbox.to(bystander.email)
    line = LINES[kind][language == "en"]
    assert line in mail.text and mail.message["Subject"] == line.rstrip(".")
    assert_says_nothing_written(mail)
    # Sent once: a second run finds nothing to send.
    assert delivery.run_once(utcnow() + timedelta(minutes=30)).sent == 0
    assert len(inbox.mails) == 1


def test_a_comment_reaches_the_leader_and_a_reply_the_manager_with_nothing_written(
    app, db, inbox, people, make_goal
):
    leader, manager = people["leader"], people["manager"]
    link = sharing.request_link(leader, manager.email)
    sharing.respond(manager, link, accept=True)
    goal = make_goal(leader, title=SECRET_TITLE)
    sharing.share(leader, goal, include_notes=False)
    sharing.add_comment(manager, goal, SECRET_COMMENT)
    delivery.run_once(utcnow() + timedelta(minutes=16))

    (to_manager,) = inbox.to(manager.email)
    (to_leader,) = inbox.to(leader.email)
    # The manager was asked and said yes within the quarter of an hour: the request is
    # answered, no longer news; the goal shared with him is.
    assert "bedt om at få dig som leder" not in to_manager.text
    assert "Lone Leder har delt et mål med dig." in to_manager.text
    assert f"{PUBLIC_URL}/team/{leader.id}/goals/{goal.id}\n" in to_manager.text
    assert to_manager.message["Subject"] == "Lone Leder har delt et mål med dig"
    # The leader: her manager said yes, and commented.
    assert "Mads Chef har sagt ja til at være din leder." in to_leader.text
    assert "Mads Chef har kommenteret et af de mål, du deler." in to_leader.text
    assert f"{PUBLIC_URL}/goals/{goal.id}\n" in to_leader.text
    for mail in (to_manager, to_leader):
        assert_says_nothing_written(mail)

    sharing.add_comment(leader, goal, "HEMMELIGTSVAR fra lederen")
    delivery.run_once(utcnow() + timedelta(minutes=32))
    (reply,) = inbox.to(manager.email)[1:]
    assert reply.message["Subject"] == "Lone Leder har svaret på et mål, der er delt med dig"
    assert_says_nothing_written(reply, "HEMMELIGTSVAR")
    assert len(inbox.to(leader.email)) == 1  # her own reply tells her nothing


def test_the_headers_make_it_an_automatic_mail_with_one_click_unsubscribe(app, db, inbox, people):
    notify(people["leader"], kinds.COMMENT, actor=people["manager"])
    db.session.commit()
    delivery.run_once(utcnow() + timedelta(minutes=16))
    (mail,) = inbox.mails
    message = mail.message
    assert message["From"] == "Ledelsesjournal <ledelsesjournal@esbjerg.example>"
    assert mail.sender == "ledelsesjournal@esbjerg.example"
    assert message["To"] == "lone@esbjerg.example"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # As it stands in the mail: the address itself, not folded or encoded (RFC 2369).
    assert re.search(
        rf"^List-Unsubscribe: <{PUBLIC_URL}/unsubscribe/[A-Za-z0-9_-]{{43}}>\r$",
        mail.raw.decode("ascii"),
        re.MULTILINE,
    )
    assert re.fullmatch(r"<[^@>]+@esbjerg\.example>", message["Message-ID"])
    assert message["Date"].datetime is not None
    # Lines as RFC 5322 and RFC 2045 allow: the text's quoted-printable in lines of 76.
    head, _, body = mail.raw.partition(b"\r\n\r\n")
    assert max(len(line) for line in head.split(b"\r\n")) < 998
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    # The token is in the mail only: the database keeps its SHA-256.
    token = message["List-Unsubscribe"].rsplit("/", 1)[1].rstrip(">")
    stored = db.session.scalars(select(OutgoingMail)).one()
    assert stored.unsubscribe_hash != token and len(stored.unsubscribe_hash) == 64
    assert token in mail.text  # and in the text, for a reader who wants the page


def test_events_within_a_quarter_of_an_hour_go_as_one_mail_and_later_ones_in_another(
    app, db, inbox, people, make_goal
):
    leader, manager = people["leader"], people["manager"]
    start = utcnow()
    goal = make_goal(leader, title=SECRET_TITLE)
    for minutes in (0, 5, 14):
        notify(
            leader,
            kinds.COMMENT,
            actor=manager,
            goal_id=goal.id,
            at=start + timedelta(minutes=minutes),
        )
    db.session.commit()

    delivery.run_once(start + timedelta(minutes=10))
    assert inbox.mails == []  # the first waits its quarter of an hour for others
    delivery.run_once(start + timedelta(minutes=15))
    (first,) = inbox.mails
    assert first.text.count("Mads Chef har kommenteret et af de mål, du deler.") == 3

    notify(leader, kinds.COMMENT, actor=manager, goal_id=goal.id, at=start + timedelta(minutes=20))
    db.session.commit()
    delivery.run_once(start + timedelta(minutes=30))
    assert len(inbox.mails) == 1
    delivery.run_once(start + timedelta(minutes=35))
    assert len(inbox.mails) == 2
    assert inbox.mails[1].text.count("har kommenteret") == 1
    assert db.session.scalar(select(Notification).where(Notification.mail_id.is_(None))) is None


def test_what_was_read_in_the_app_before_its_mail_is_not_mailed(app, db, inbox, people):
    leader, manager = people["leader"], people["manager"]
    now = utcnow()
    read = notify(leader, kinds.COMMENT, actor=manager, at=now)
    notify(leader, kinds.LINK_ACCEPTED, actor=manager, at=now)
    db.session.commit()
    read.read_at = now + timedelta(minutes=3)
    db.session.commit()
    delivery.run_once(now + timedelta(minutes=16))
    (mail,) = inbox.mails
    assert "har sagt ja til at være din leder" in mail.text and "kommenteret" not in mail.text

    # Everything in it read: no mail at all.
    alone = notify(leader, kinds.COMMENT, actor=manager, at=now + timedelta(minutes=20))
    db.session.commit()
    alone.read_at = now + timedelta(minutes=21)
    db.session.commit()
    outcome = delivery.run_once(now + timedelta(minutes=40))
    assert (outcome.sent, outcome.dropped) == (0, 1)
    assert len(inbox.mails) == 1
    dropped = db.session.scalars(
        select(OutgoingMail).where(OutgoingMail.dropped_at.is_not(None))
    ).one()
    assert dropped.dropped_because == "read" and dropped.sent_at is None


def test_a_reminder_the_app_does_not_show_is_mailed_though_never_new(app, db, inbox, people):
    leader = people["leader"]
    mail_everything(db, leader)
    notify(leader, kinds.REFLECTION)
    db.session.commit()
    delivery.run_once(utcnow() + timedelta(minutes=1))
    (mail,) = inbox.mails
    assert "Tid til en kort refleksion i din journal." in mail.text


def test_notifications_weeks_old_do_not_flood_in_when_mail_is_set_up(app, db, smtp_server, people):
    leader, manager = people["leader"], people["manager"]
    weeks_ago = utcnow() - timedelta(days=21)
    for day in range(14):
        notify(leader, kinds.COMMENT, actor=manager, at=weeks_ago + timedelta(days=day))
    notify(leader, kinds.LINK_ACCEPTED, actor=manager, at=utcnow() - timedelta(days=2))
    db.session.commit()
    assert delivery.run_once().configured is False  # mail not set up: nothing, no error

    inbox, port = smtp_server
    use_mail(app, port)
    delivery.run_once()
    (mail,) = inbox.mails  # one mail, with only what is less than a week late
    assert "har sagt ja til at være din leder" in mail.text and "kommenteret" not in mail.text


def test_a_kind_turned_off_after_it_was_queued_is_not_mailed(app, db, inbox, people):
    leader, manager = people["leader"], people["manager"]
    notify(leader, kinds.COMMENT, actor=manager)
    db.session.commit()
    db.session.add(NotificationSettings(user_id=leader.id, comments=False))
    db.session.commit()
    outcome = delivery.run_once(utcnow() + timedelta(minutes=16))
    assert (outcome.sent, outcome.dropped) == (0, 1) and inbox.mails == []


def test_a_deactivated_account_gets_nothing(app, db, inbox, people):
    leader, manager = people["leader"], people["manager"]
    notify(leader, kinds.COMMENT, actor=manager)
    notify(manager, kinds.REPLY, actor=leader)
    db.session.commit()
    leader.is_active = False
    db.session.commit()
    delivery.run_once(utcnow() + timedelta(minutes=16))
    assert [mail.recipients for mail in inbox.mails] == [[manager.email]]
    waiting = db.session.scalars(
        select(Notification).where(Notification.recipient_id == leader.id)
    ).one()
    assert waiting.mail_after is None  # and not later, if the account comes back


def test_an_account_deactivated_after_its_mail_was_made_gets_nothing(app, db, inbox, people):
    leader, manager = people["leader"], people["manager"]
    notify(leader, kinds.COMMENT, actor=manager)
    db.session.commit()
    inbox.refuse = "451 4.3.0 Try again later"
    delivery.run_once(utcnow() + timedelta(minutes=16))  # the mail is made, then waits
    inbox.refuse = None
    leader.is_active = False
    db.session.commit()
    outcome = delivery.run_once(utcnow() + timedelta(hours=1))
    assert (outcome.sent, outcome.dropped) == (0, 1) and inbox.mails == []
    mail = db.session.scalars(select(OutgoingMail)).one()
    assert mail.dropped_because == "inactive" and mail.sent_at is None


def test_an_erased_account_gets_nothing(app, db, inbox, people, client, log_in_as):
    leader, manager = people["leader"], people["manager"]
    notify(leader, kinds.COMMENT, actor=manager)
    db.session.commit()
    log_in_as(client, leader)
    erased = client.submit("/account/erase", {"password": TEST_PASSWORD, "understood": "y"})
    assert erased.status_code == 302
    delivery.run_once(utcnow() + timedelta(minutes=16))
    assert inbox.mails == []
    assert db.session.scalars(select(Notification)).all() == []


@pytest.mark.parametrize("undone", ["unshared", "link ended", "request withdrawn"])
def test_what_is_undone_before_its_mail_goes_is_not_mailed(
    app, db, inbox, people, make_goal, undone
):
    """A mail waits a quarter of an hour for others; a goal shared by mistake and unshared,
    a link ended, a request withdrawn in that time are no longer the manager's to know: the
    app does not show them, and no mail tells them either."""
    leader, manager = people["leader"], people["manager"]
    link = sharing.request_link(leader, manager.email)
    if undone == "request withdrawn":
        sharing.end_link(link, by=leader)
    else:
        sharing.respond(manager, link, accept=True)
        delivery.run_once(utcnow() + timedelta(minutes=16))
        inbox.mails.clear()
        goal = make_goal(leader, title=SECRET_TITLE)
        sharing.share(leader, goal, include_notes=False)
        if undone == "unshared":
            sharing.unshare(leader, goal)
        else:
            sharing.end_link(link, by=leader)
    db.session.commit()
    delivery.run_once(utcnow() + timedelta(minutes=40))
    assert inbox.to(manager.email) == []
