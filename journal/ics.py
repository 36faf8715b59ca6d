"""Writing iCalendar files (RFC 5545) with the standard library: escaped text, lines folded
at 75 octets and ended by CRLF, and a VTIMEZONE for any IANA time zone.

A recurring event at 09:00 in Copenhagen must stay at 09:00 through summer time: its
DTSTART names the zone (TZID), and RFC 5545 asks for that zone's rules in the file. They
are worked out here from the zone's data (`zoneinfo`): as a yearly rule when the changes
follow one (all of Europe and North America), else as the dates of each change.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

CRLF = "\r\n"
MAX_LINE_OCTETS = 75
# Control characters but tab have no place in a TEXT value (RFC 5545 3.3.11).
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ZONE_YEARS = 12


def escape_text(value: str) -> str:
    """A TEXT value: backslashes, semicolons and commas escaped, line breaks as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return CONTROL.sub("", value)


def fold(line: str) -> str:
    """Fold a content line into lines of at most 75 octets, never inside a UTF-8 character;
    each continuation begins with a space (RFC 5545 3.1)."""
    parts, current, size, limit = [], [], 0, MAX_LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1
        current.append(char)
        size += octets
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def calendar_text(lines: list[str]) -> str:
    """The file: every content line folded and ended by CRLF."""
    return "".join(fold(line) + CRLF for line in lines)


def utc_stamp(moment: datetime) -> str:
    """A moment as a UTC DATE-TIME ("20261202T143000Z")."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def local_stamp(moment: datetime) -> str:
    """A local DATE-TIME, read in the zone its TZID names ("20261216T090000")."""
    return moment.strftime("%Y%m%dT%H%M%S")


@dataclass(frozen=True)
class Change:
    """A change of the zone's offset: when (local time before it), from, to, and after it
    whether it is summer time and its abbreviation."""

    onset: datetime
    offset_from: timedelta
    offset_to: timedelta
    summer: bool
    name: str


def _state(zone: ZoneInfo, timestamp: int) -> tuple[timedelta, timedelta, str]:
    local = datetime.fromtimestamp(timestamp, zone)
    return local.utcoffset(), local.dst(), local.tzname()


def changes(zone: ZoneInfo, first_year: int, last_year: int) -> list[Change]:
    """The zone's changes of offset in these years: found a day at a time, then to the
    second (a zone changes at most once a day)."""
    start = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())
    day = 24 * 3600
    found, before = [], _state(zone, start)
    for moment in range(start, end, day):
        after = _state(zone, moment + day)
        if after != before:
            low, high = moment, moment + day  # state `before` at low, `after` at high
            while high - low > 1:
                middle = (low + high) // 2
                if _state(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            onset = datetime.fromtimestamp(high, UTC).replace(tzinfo=None) + before[0]
            found.append(Change(onset, before[0], after[0], bool(after[1]), after[2]))
        before = after
    return found


def _offset(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _yearly_rule(onsets: list[datetime]) -> str | None:
    """The RRULE these onsets all follow ("the last Sunday of March at 02:00"), if one."""
    rules = set()
    for onset in onsets:
        days_in_month = calendar.monthrange(onset.year, onset.month)[1]
        nth = -1 if onset.day + 7 > days_in_month else (onset.day - 1) // 7 + 1
        rules.add((onset.month, nth, onset.weekday(), onset.time()))
    if len(rules) != 1:
        return None
    month, nth, weekday, _time = rules.pop()
    return f"RRULE:FREQ=YEARLY;BYMONTH={month};BYDAY={nth}{WEEKDAY_CODES[weekday]}"


def vtimezone(zone_name: str, year: int) -> list[str]:
    """The VTIMEZONE for `zone_name`, valid from the year before `year` on."""
    zone = ZoneInfo(zone_name)
    found = changes(zone, year - 1, year + ZONE_YEARS)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone_name}"]
    # One part per kind of change (to summer time, to standard time), with its onsets.
    groups: dict[tuple[bool, timedelta, timedelta, str], list[datetime]] = {}
    for change in found:
        key = (change.summer, change.offset_from, change.offset_to, change.name)
        groups.setdefault(key, []).append(change.onset)
    if not groups:  # a zone without summer time
        offset, summer, name = _state(zone, int(datetime(year, 1, 1, tzinfo=UTC).timestamp()))
        groups[(bool(summer), offset, offset, name)] = [datetime(1970, 1, 1)]
    for (summer, offset_from, offset_to, name), onsets in groups.items():
        part = "DAYLIGHT" if summer else "STANDARD"
        rule = _yearly_rule(onsets) if len(onsets) > 1 else None
        lines += [
            f"BEGIN:{part}",
            f"DTSTART:{local_stamp(onsets[0])}",
            f"TZOFFSETFROM:{_offset(offset_from)}",
            f"TZOFFSETTO:{_offset(offset_to)}",
        ]
        if rule:
            lines.append(rule)
        elif len(onsets) > 1:
            lines.append("RDATE:" + ",".join(local_stamp(onset) for onset in onsets[1:]))
        lines += [f"TZNAME:{escape_text(name)}", f"END:{part}"]
    lines.append("END:VTIMEZONE")
    return lines
