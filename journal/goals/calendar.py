"""A goal's check-ins as a recurring event for the leader's own calendar (an .ics file).

A calendar is often synced to Exchange or Google, where others (a secretary, a delegate,
the provider) may see it: the event is called "Check-in on my goal" and holds no text of
the goal unless the leader ticks the box for its title. It is marked private and free, so
that colleagues who see the leader's calendar see neither it nor a busy block.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from journal.goals.services import check_in_rows
from journal.ics import calendar_text, escape_text, local_stamp, utc_stamp, vtimezone
from journal.models import Goal, User
from journal.models.goal import DUE_AFTER_DAYS, due_on

EVENT_TIME = time(9, 0)
EVENT_LENGTH = "PT15M"
PRODUCT = "-//Ledelsesjournal//Check-ins//EN"


@dataclass(frozen=True)
class CheckInEvent:
    """What the file says: its words (in the leader's language, title only if asked for),
    where and from when it recurs, and the link back to the goal."""

    uid: str
    summary: str
    description: str
    url: str
    first_day: date
    zone: str


def event_uid(goal_id: int, secret: str) -> str:
    """The same for a goal whenever it is downloaded, different on another installation,
    and telling nothing (not the goal's id): a calendar that imports the file again
    updates the event rather than adding a second."""
    digest = hmac.new(secret.encode(), f"check-ins:{goal_id}".encode(), hashlib.sha256)
    return f"{digest.hexdigest()[:32]}@ledelsesjournal"


def first_check_in_day(start_date: date, last_check_in: date | None, today: date) -> date:
    """The next day a check-in is due by the goal pages' rule (today, if overdue)."""
    return max(due_on(start_date, last_check_in), today)


def check_in_calendar(event: CheckInEvent, stamp: datetime) -> str:
    """The .ics text: one event every DUE_AFTER_DAYS days at 09:00 where the leader is."""
    start = datetime.combine(event.first_day, EVENT_TIME, tzinfo=ZoneInfo(event.zone))
    weeks = DUE_AFTER_DAYS // 7
    summary = escape_text(event.summary)
    return calendar_text(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODUCT}",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            *vtimezone(event.zone, event.first_day.year),
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{utc_stamp(stamp)}",
            f"DTSTART;TZID={event.zone}:{local_stamp(start)}",
            f"DURATION:{EVENT_LENGTH}",
            f"RRULE:FREQ=WEEKLY;INTERVAL={weeks}",
            f"SUMMARY:{summary}",
            f"DESCRIPTION:{escape_text(event.description)}",
            f"URL:{event.url}",
            "CLASS:PRIVATE",
            "TRANSP:TRANSPARENT",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{summary}",
            "TRIGGER:PT0M",
            "END:VALARM",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    )


def calendar_for(
    user: User, goal: Goal, *, with_title: bool, url: str, secret: str, today: date, now: datetime
) -> str:
    """The .ics of the owner's own (opened) goal, in their language and time zone; the
    goal's title is in it only if `with_title`."""
    check_ins = check_in_rows([goal.id])[goal.id]
    summary = _("Check-in on my goal")
    if with_title:
        summary = _("Check-in on my goal: %(title)s", title=goal.title)
    event = CheckInEvent(
        uid=event_uid(goal.id, secret),
        summary=summary,
        description=_("Check in on your goal in Ledelsesjournal: %(url)s", url=url),
        url=url,
        first_day=first_check_in_day(
            goal.start_date, check_ins[-1].day if check_ins else None, today
        ),
        zone=user.timezone,
    )
    return check_in_calendar(event, now)
