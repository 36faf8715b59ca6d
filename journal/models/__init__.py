"""The database models, one module per domain."""

from journal.models.agenda import AgendaPoint, AgendaShare, Meeting, MeetingNote
from journal.models.entry import Entry, EntryTask
from journal.models.goal import CheckIn, EntryGoal, Goal, GoalStatusChange, GoalTask
from journal.models.identity import SignInIdentity
from journal.models.notification import Notification, NotificationSettings, OutgoingMail
from journal.models.review import Review
from journal.models.search import SearchDelta, SearchGone, SearchMeta, SearchShard
from journal.models.security import AuditEvent, LoginFailure
from journal.models.sharing import Comment, ManagerLink, Share, SharedNote, SharingEvent
from journal.models.unlock import SpentChallenge, UnlockFactor
from journal.models.user import LANGUAGES, User

__all__ = [
    "LANGUAGES",
    "AgendaPoint",
    "AgendaShare",
    "AuditEvent",
    "CheckIn",
    "Comment",
    "Entry",
    "EntryGoal",
    "EntryTask",
    "Goal",
    "GoalStatusChange",
    "GoalTask",
    "LoginFailure",
    "ManagerLink",
    "Meeting",
    "MeetingNote",
    "Notification",
    "NotificationSettings",
    "OutgoingMail",
    "Review",
    "SearchDelta",
    "SearchGone",
    "SearchMeta",
    "SearchShard",
    "Share",
    "SharedNote",
    "SharingEvent",
    "SignInIdentity",
    "SpentChallenge",
    "UnlockFactor",
    "User",
]
