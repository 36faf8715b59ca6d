"""The database models, one module per domain."""

from journal.models.entry import Entry, EntryTask
from journal.models.goal import CheckIn, EntryGoal, Goal, GoalStatusChange, GoalTask
from journal.models.identity import SignInIdentity
from journal.models.notification import Notification, NotificationSettings, OutgoingMail
from journal.models.review import Review
from journal.models.security import AuditEvent, LoginFailure
from journal.models.sharing import Comment, ManagerLink, Share, SharedNote, SharingEvent
from journal.models.unlock import SpentChallenge, UnlockFactor
from journal.models.user import LANGUAGES, User

__all__ = [
    "LANGUAGES",
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
    "Notification",
    "NotificationSettings",
    "OutgoingMail",
    "Review",
    "Share",
    "SharedNote",
    "SharingEvent",
    "SignInIdentity",
    "SpentChallenge",
    "UnlockFactor",
    "User",
]
