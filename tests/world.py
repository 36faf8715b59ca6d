"""The world the access matrix and the fuzz tests walk: seven actors around one leader.

The leader owns everything: an entry, one in the trash, a goal shared with her manager and
one not, check-ins with notes, a saved review. Her manager comments on the shared goal; an
earlier manager's link has ended; another leader's request waits for a third manager; and
there are another leader (whose manager an administrator proposed) and an administrator. The
leader's journal opens with a passkey too.
"""

import secrets
from datetime import date

from journal import journal_key
from journal.agenda import services as agenda
from journal.auth import keys as factors
from journal.entries import services as entries
from journal.goals import services as goals
from journal.i18n import today_for
from journal.review import services as reviews
from journal.sharing import services as sharing
from tests.conftest import new_account

# Text that only the leader may ever see, and text only the leader and the manager may see;
# the manager's own notes after a conversation, which only the manager may see.
PRIVATE = ("ENTRYSECRET", "HIDDENGOAL", "NOTESECRET", "POINTSECRET")
SHARED = "SHAREDGOAL"
MANAGER_ONLY = "MANAGERNOTE"


def build_world() -> tuple[dict, dict, dict]:
    """Every actor, and the leader's entries, goals, links, shares and comments: the people
    (by actor), their journal keys (by id), and the ids the routes' paths need."""
    people, keys = {}, {}
    for actor, name in (
        ("admin", "Admin Anne"),
        ("leader", "Lone Leder"),
        ("other", "Ole Anden"),
        ("manager", "Mads Chef"),
        ("ended_manager", "Erik Tidligere"),
        ("pending_manager", "Pia Afventer"),
        ("requester", "Rita Anmoder"),
    ):
        email = f"{actor.replace('_', '.')}@esbjerg.example"
        user, key, _ = new_account(email, name, is_admin=actor == "admin")
        people[actor], keys[user.id] = user, key
        journal_key.use_for_request(key)
    leader = people["leader"]
    today = today_for(leader)
    entry = entries.create_entry(
        leader, entry_date=today, title="", body="ENTRYSECRET i min journal", task_keys=[]
    )
    trashed = entries.create_entry(
        leader, entry_date=today, title="", body="ENTRYSECRET i papirkurven", task_keys=[]
    )
    entries.trash_entry(leader, trashed)

    def goal(title):
        return goals.create_goal(
            leader,
            title=title,
            why="",
            how_i_know="",
            task_keys=["vision"],
            start_date=today,
            review_date=None,
        )

    shared, hidden = goal(f"{SHARED} at lytte"), goal("HIDDENGOAL at vente")
    check_in = goals.add_check_in(leader, shared, day=today, rating=3, note="NOTESECRET")
    goals.add_check_in(leader, hidden, day=today, rating=2, note="NOTESECRET")

    # An earlier manager: linked, shared with, then ended.
    earlier = sharing.request_link(leader, people["ended_manager"].email)
    sharing.respond(people["ended_manager"], earlier, accept=True)
    sharing.share(leader, shared, include_notes=False)
    sharing.end_link(earlier)
    # The current manager: linked and shared with (without the check-ins' notes).
    link = sharing.request_link(leader, people["manager"].email)
    sharing.respond(people["manager"], link, accept=True)
    sharing.share(leader, shared, include_notes=False)
    comment = sharing.add_comment(people["manager"], shared, "Godt arbejde")
    # Another leader's request to a manager who has not answered yet.
    pending = sharing.request_link(people["requester"], people["pending_manager"].email)
    # The other leader's manager, proposed by an administrator's import: only she answers it,
    # and the manager knows nothing of it.
    proposed = sharing.propose_link(people["other"], people["manager"].email, people["admin"])

    # The agenda for the conversation: a private point, a shared one, the manager's own, and
    # a conversation held within the link, with each side's notes.
    private_point = agenda.add_point(leader, "POINTSECRET at tale om")
    shared_point = agenda.add_point(leader, f"{SHARED} punkt")
    agenda.share_point(leader, shared_point)
    manager_point = agenda.add_manager_point(people["manager"], link, f"{SHARED} fra lederen")
    meeting = agenda.hold_meeting(leader, leader.id, link, date(2026, 11, 30))
    agenda.save_note(leader, meeting, "POINTSECRET noter")
    agenda.save_note(people["manager"], meeting, "MANAGERNOTE noter")

    review = reviews.save_review(
        leader,
        reviews.Period(today, today, "custom"),
        proud="NOTESECRET stolt",
        next_practice="NOTESECRET øvelse",
        need_from_manager="",
        snapshot={},
    )
    passkey = factors.add_passkey(
        leader,
        keys[leader.id],
        factors.NewPasskey(
            name="PASSKEYNAME",
            credential_id=secrets.token_bytes(32),
            public_key=b"not checked here",
            sign_count=0,
            transports="internal",
            prf_salt=secrets.token_bytes(32),
            prf_output=secrets.token_bytes(32),
        ),
    )
    ids = {
        "passkey": passkey.id,
        "review": review.id,
        "entry": entry.id,
        "trashed": trashed.id,
        "goal": shared.id,
        "hidden": hidden.id,
        "check_in": check_in.id,
        "comment": comment.id,
        "link": link.id,
        "pending_link": pending.id,
        "proposed_link": proposed.id,
        "leader": leader.id,
        "point": private_point.id,
        "shared_point": shared_point.id,
        "manager_point": manager_point.id,
        "meeting": meeting.id,
    }
    return people, keys, ids
