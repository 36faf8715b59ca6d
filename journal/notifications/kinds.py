"""The kinds of notification: who gets each, the setting that turns its mail on or off, and
whether it waits to be mailed with others.

The rule for every kind: **a notification carries no content and no counts.** Not a title,
not a comment, not "you have not written for 5 days": mail passes through systems the
leader does not control. It names who did what to which goal (by its id); the words are
behind the log-in.
"""

from dataclasses import dataclass
from datetime import timedelta

# Events within this long of the first go out as one mail.
GATHER = timedelta(minutes=15)


@dataclass(frozen=True)
class Kind:
    """A kind of notification.

    `setting` is the column of `NotificationSettings` that says whether it is mailed;
    `gathers` whether its mail waits `GATHER` for others (events) or goes at once (a
    reminder at the time the leader chose); `in_app` whether the dashboard shows it as new.
    """

    name: str
    setting: str
    gathers: bool = True
    in_app: bool = True


# To the manager.
LINK_REQUESTED = Kind("link_requested", "requests")
GOAL_SHARED = Kind("goal_shared", "shares")
REPLY = Kind("reply", "replies")
# To the leader.
LINK_ACCEPTED = Kind("link_accepted", "links")
LINK_DECLINED = Kind("link_declined", "links")
LINK_ENDED = Kind("link_ended", "links")
# An administrator's import proposed a manager: the leader confirms or declines it.
LINK_PROPOSED = Kind("link_proposed", "links")
COMMENT = Kind("comment", "comments")
# Reminders to the leader, made by the `notifications send` run.
CHECK_IN_DUE = Kind("check_in_due", "check_in_due", gathers=False)
REFLECTION = Kind("reflection", "reflection", gathers=False, in_app=False)
APPRAISAL = Kind("appraisal", "appraisal", gathers=False)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        LINK_REQUESTED,
        GOAL_SHARED,
        REPLY,
        LINK_ACCEPTED,
        LINK_DECLINED,
        LINK_ENDED,
        LINK_PROPOSED,
        COMMENT,
        CHECK_IN_DUE,
        REFLECTION,
        APPRAISAL,
    )
}

# The settings, in the order the Settings page lists them: a leader's, then a manager's.
LEADER_SETTINGS = ("comments", "links", "check_in_due", "reflection", "appraisal")
MANAGER_SETTINGS = ("requests", "shares", "replies")
SETTINGS = LEADER_SETTINGS + MANAGER_SETTINGS
