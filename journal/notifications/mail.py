"""Composing a mail: who did what, and a link to the page. Nothing anyone wrote.

A mail passes through systems the leader does not control, so it says no more than
"Mads Chef har kommenteret et af de mål, du deler" with a link: never a goal's title, a
comment, an entry, or a count ("5 days"). The words are behind the log-in. One mail may
gather several notifications: one such line each. Plain text, in the recipient's language,
with one-click unsubscribe (RFC 8058) and the headers that keep auto-replies away.
"""

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import MapAdapter

from journal.notifications import kinds

# What a line says, with the one who did it and (an account erased, an administrator's
# action) without. Only names and the kind of event: nothing anyone wrote, no counts.
SENTENCES = {
    kinds.LINK_REQUESTED.name: (
        _l("%(actor)s has asked you to be their manager."),
        _l("A leader has asked you to be their manager."),
    ),
    kinds.GOAL_SHARED.name: (
        _l("%(actor)s has shared a goal with you."),
        _l("A goal has been shared with you."),
    ),
    kinds.REPLY.name: (
        _l("%(actor)s has replied on a goal that is shared with you."),
        _l("There is a reply on a goal that is shared with you."),
    ),
    kinds.LINK_ACCEPTED.name: (
        _l("%(actor)s has agreed to be your manager."),
        _l("Your request to your manager has been accepted."),
    ),
    kinds.LINK_DECLINED.name: (
        _l("%(actor)s has declined to be your manager."),
        _l("Your request to your manager has been declined."),
    ),
    kinds.LINK_ENDED.name: (
        _l("%(actor)s has ended the link between you."),
        _l("The link to your manager has been ended."),
    ),
    kinds.LINK_PROPOSED.name: (
        _l("%(actor)s, an administrator, has proposed a manager for you: confirm or decline."),
        _l("An administrator has proposed a manager for you: confirm or decline."),
    ),
    kinds.COMMENT.name: (
        _l("%(actor)s has commented on one of the goals you share."),
        _l("There is a new comment on one of the goals you share."),
    ),
    kinds.CHECK_IN_DUE.name: (
        _l("It is time for a check-in on one of your goals."),
        _l("It is time for a check-in on one of your goals."),
    ),
    kinds.REFLECTION.name: (
        _l("Time for a short reflection in your journal."),
        _l("Time for a short reflection in your journal."),
    ),
    kinds.APPRAISAL.name: (
        _l("Your appraisal is coming up in two weeks: time to prepare."),
        _l("Your appraisal is coming up in two weeks: time to prepare."),
    ),
}

# What an unsubscribe turns off, by setting, as the unsubscribe page names it.
SETTING_NAMES = {
    "comments": _l("your manager comments on a goal you share"),
    "links": _l("your manager accepts, declines or ends the link, or one is proposed to you"),
    "check_in_due": _l("a goal is due for a check-in"),
    "reflection": _l("it is time for a reflection"),
    "appraisal": _l("your appraisal is coming up"),
    "requests": _l("a leader asks you to be their manager"),
    "shares": _l("a leader shares a goal with you"),
    "replies": _l("a leader replies on a goal shared with you"),
}


# CRLF line ends, and headers kept whole up to RFC 5322's 998 characters: folding would
# encode the long unsubscribe address (RFC 2047), which mail clients do not read there. The
# body is encoded in lines of 76, as RFC 2045 asks of quoted-printable.
HEADERS_WHOLE = SMTP.clone(max_line_length=998)
BODY_LINES = SMTP.clone(max_line_length=76)


@dataclass(frozen=True)
class Event:
    """A notification as its mail names it: the kind, who did it (their name, or None),
    where to look (a goal id, the leader of the link), whether the recipient has already
    seen it in the app, and when its mail was due."""

    kind: str
    actor: str | None
    goal_id: int | None
    leader_id: int | None
    seen: bool
    due_at: datetime | None


@dataclass
class Addressee:
    """Whom a mail goes to, and the settings they have mailed."""

    id: int
    email: str
    language: str
    is_active: bool
    wants: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Sender:
    """Where links point and who the mail is from, as configured."""

    address: str  # MAIL_FROM as written, maybe with a display name
    public_url: str
    urls: MapAdapter

    @classmethod
    def from_app(cls, app: Flask) -> "Sender":
        """The configured sender; links are built from PUBLIC_URL, not from any request."""
        public = urlsplit(app.config["PUBLIC_URL"])
        urls = app.url_map.bind(
            public.netloc, script_name=public.path or "/", url_scheme=public.scheme
        )
        return cls(app.config["MAIL_FROM"], app.config["PUBLIC_URL"], urls)

    @property
    def envelope(self) -> str:
        """The bare address MAIL_FROM names (for SMTP's MAIL FROM)."""
        return parseaddr(self.address)[1]

    def url(self, endpoint: str, **values) -> str:
        """An absolute link into the app."""
        return self.urls.build(endpoint, values, force_external=True)


def settings_of(events: list[Event]) -> list[str]:
    """The settings of the kinds of these events, each once, in the Settings page's order."""
    wanted = {kinds.KINDS[event.kind].setting for event in events}
    return [setting for setting in kinds.SETTINGS if setting in wanted]


def one_line(name: str) -> str:
    """A name as one line of plain words (a header cannot hold a line break)."""
    return " ".join(name.split())


def sentence(event: Event) -> str:
    """What happened, in the active language: who did what, nothing more."""
    with_actor, without = SENTENCES[event.kind]
    if event.actor is None:
        return str(without)
    return str(with_actor) % {"actor": one_line(event.actor)}


def page_of(event: Event, sender: Sender) -> str:
    """The page where the recipient sees what happened (after logging in)."""
    kind, goal_id = event.kind, event.goal_id
    if kind in (kinds.GOAL_SHARED.name, kinds.REPLY.name) and goal_id and event.leader_id:
        return sender.url("sharing.shared_goal", leader_id=event.leader_id, goal_id=goal_id)
    if kind in (kinds.LINK_REQUESTED.name, kinds.GOAL_SHARED.name, kinds.REPLY.name):
        return sender.url("sharing.team")
    if kind in (kinds.COMMENT.name, kinds.CHECK_IN_DUE.name) and goal_id:
        return sender.url("goals.view", goal_id=goal_id)
    if kind == kinds.CHECK_IN_DUE.name:
        return sender.url("goals.index")
    if kind == kinds.REFLECTION.name:
        return sender.url("entries.new")
    if kind == kinds.APPRAISAL.name:
        return sender.url("review.index")
    return sender.url("sharing.index")  # a link accepted, declined or ended


def compose(
    recipient: Addressee,
    events: list[Event],
    *,
    sender: Sender,
    unsubscribe_url: str,
    now: datetime,
) -> EmailMessage:
    """The mail to `recipient` about `events` (oldest first), in their language."""
    with force_locale(recipient.language):
        lines = [(sentence(event), page_of(event, sender)) for event in events]
        subject = lines[0][0].rstrip(".") if len(lines) == 1 else _("New in Ledelsesjournal")
        paragraphs = [f"{text}\n{url}" for text, url in lines]
        footer = "\n".join(
            (
                _(
                    "For your privacy a mail never says more than this: the rest is in "
                    "Ledelsesjournal when you log in."
                ),
                _(
                    "Choose which mails you get under Settings: %(url)s",
                    url=sender.url("notifications.settings"),
                ),
                _("Stop mails like this one: %(url)s", url=unsubscribe_url),
            )
        )
    message = EmailMessage(policy=BODY_LINES)
    message["Subject"] = subject
    message["From"] = sender.address
    message["To"] = recipient.email
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.envelope.rpartition("@")[2])
    # RFC 3834: no out-of-office answers to a machine; Exchange honours its own header.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    # RFC 2369 and RFC 8058: the mail client's "unsubscribe" posts to this address.
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    body = "\n\n".join(paragraphs) + "\n\n-- \n" + footer + "\n"
    message.set_content(body, cte="quoted-printable")
    message.policy = HEADERS_WHOLE
    return message
