"""Every route, every actor: the expected answer. A new route without a row fails here.

Seven actors (issue 5): anonymous; the leader, who owns everything below; another leader;
the leader's accepted manager; a manager whose link to the leader has ended; a manager whose
request (from another leader) is still pending; an administrator. A refusal is a 404.
"""

import io
import zipfile

import pytest
from sqlalchemy import select

from journal.auth import services
from journal.entries import services as entries
from journal.goals import services as goals
from journal.models import CheckIn, Comment, Entry, Goal, Share
from journal.review import services as reviews
from journal.sharing import services as sharing
from tests.conftest import TEST_PASSWORD

LOGIN = "login"  # a redirect to the login page
ACTORS = ("anonymous", "leader", "other", "manager", "ended_manager", "pending_manager", "admin")
# Text that only the leader may ever see, and text only the leader and the manager may see.
PRIVATE = ("ENTRYSECRET", "HIDDENGOAL", "NOTESECRET")
SHARED = "SHAREDGOAL"


def everyone(anonymous, leader, others=None, **specific):
    """Expected answers: `others` (default: the leader's) for every logged-in non-owner,
    unless named in `specific` (other=, manager=, ended_manager=, pending_manager=, admin=)."""
    others = leader if others is None else others
    answers = dict.fromkeys(ACTORS, others)
    answers.update(anonymous=anonymous, leader=leader, **specific)
    return answers


OWNER_ONLY = everyone(LOGIN, 200, 404)

# (endpoint, method): (path, {actor: expected status or LOGIN})
MATRIX = {
    ("dashboard.index", "GET"): ("/", everyone(LOGIN, 200)),
    ("auth.setup", "GET"): ("/setup", everyone(404, 404)),
    ("auth.setup", "POST"): ("/setup", everyone(404, 404)),
    ("auth.login", "GET"): ("/login", everyone(200, 302)),
    ("auth.login", "POST"): ("/login", everyone(200, 302)),
    ("auth.logout", "POST"): ("/logout", everyone(LOGIN, 302)),
    ("auth.account", "GET"): ("/account", everyone(LOGIN, 200)),
    # An empty form keeps the saved settings (WTForms falls back to the object's values).
    ("auth.account", "POST"): ("/account", everyone(LOGIN, 302)),
    ("auth.change_password", "GET"): ("/account/password", everyone(LOGIN, 200)),
    ("auth.change_password", "POST"): ("/account/password", everyone(LOGIN, 200)),
    ("auth.switch_language", "POST"): ("/language", everyone(400, 400)),
    ("auth.erase", "GET"): ("/account/erase", everyone(LOGIN, 200)),
    # Only for an account whose password an administrator set; anyone else goes home.
    ("auth.choose_password", "GET"): ("/account/choose-password", everyone(LOGIN, 302)),
    ("auth.choose_password", "POST"): ("/account/choose-password", everyone(LOGIN, 302)),
    ("auth.recovery_key", "GET"): ("/account/recovery-key", everyone(LOGIN, 200)),
    # Without the password: the page again, with a message.
    ("auth.new_recovery_key", "POST"): ("/account/recovery-key/new", everyone(LOGIN, 200)),
    # Without the tick (and with no new key shown) the page answers again.
    ("auth.confirm_recovery_key", "POST"): (
        "/account/recovery-key/confirm",
        everyone(LOGIN, 200),
    ),
    ("auth.privacy", "GET"): ("/privacy", everyone(200, 200)),
    ("auth.erase", "POST"): ("/account/erase", everyone(LOGIN, 200)),
    ("entries.index", "GET"): ("/journal/", everyone(LOGIN, 200)),
    ("entries.new", "GET"): ("/journal/new", everyone(LOGIN, 200)),
    # A post without a session keeps the text: the rescue page answers (200), not a redirect.
    ("entries.new", "POST"): ("/journal/new", everyone(200, 200)),
    ("entries.view", "GET"): ("/journal/{entry}", OWNER_ONLY),
    ("entries.edit", "GET"): ("/journal/{entry}/edit", OWNER_ONLY),
    ("entries.edit", "POST"): ("/journal/{entry}/edit", everyone(200, 200, 404)),
    ("entries.star", "POST"): ("/journal/{entry}/star", everyone(LOGIN, 302, 404)),
    ("entries.delete", "POST"): ("/journal/{entry}/delete", everyone(LOGIN, 302, 404)),
    ("entries.trash", "GET"): ("/journal/trash", everyone(LOGIN, 200)),
    ("entries.restore", "POST"): ("/journal/trash/{trashed}/restore", everyone(LOGIN, 302, 404)),
    ("entries.delete_forever", "GET"): ("/journal/trash/{trashed}/delete", OWNER_ONLY),
    ("entries.delete_forever", "POST"): (
        "/journal/trash/{trashed}/delete",
        everyone(LOGIN, 302, 404),
    ),
    # Without credentials or form data the rescue page shows itself again.
    ("entries.rescue", "POST"): ("/journal/rescue", everyone(200, 200)),
    ("goals.index", "GET"): ("/goals/", everyone(LOGIN, 200)),
    ("goals.new", "GET"): ("/goals/new", everyone(LOGIN, 200)),
    ("goals.new", "POST"): ("/goals/new", everyone(200, 200)),
    ("goals.view", "GET"): ("/goals/{goal}", OWNER_ONLY),
    ("goals.edit", "GET"): ("/goals/{goal}/edit", OWNER_ONLY),
    ("goals.edit", "POST"): ("/goals/{goal}/edit", everyone(200, 200, 404)),
    # An empty status is not a status: a message for the owner, 404 for everyone else.
    ("goals.status", "POST"): ("/goals/{goal}/status", everyone(LOGIN, 302, 404)),
    ("goals.rescue", "POST"): ("/goals/rescue", everyone(200, 200)),
    ("goals.move", "POST"): ("/goals/{goal}/move", everyone(LOGIN, 302, 404)),
    ("goals.delete", "GET"): ("/goals/{goal}/delete", OWNER_ONLY),
    ("goals.delete", "POST"): ("/goals/{goal}/delete", everyone(LOGIN, 302, 404)),
    ("goals.check_in", "POST"): ("/goals/{goal}/check-ins", OWNER_ONLY),
    ("goals.edit_check_in", "GET"): ("/goals/check-ins/{check_in}/edit", OWNER_ONLY),
    ("goals.edit_check_in", "POST"): ("/goals/check-ins/{check_in}/edit", OWNER_ONLY),
    ("goals.delete_check_in", "POST"): (
        "/goals/check-ins/{check_in}/delete",
        everyone(LOGIN, 302, 404),
    ),
    ("review.index", "GET"): ("/review/", everyone(LOGIN, 200)),
    # Without a period in the form: 400 for anyone logged in; a rescue page for visitors.
    ("review.save", "POST"): ("/review/save", everyone(200, 400)),
    ("review.rescue", "POST"): ("/review/rescue", everyone(200, 200)),
    ("review.view", "GET"): ("/review/{review}", OWNER_ONLY),
    ("review.my_data", "GET"): ("/review/my-data", everyone(LOGIN, 200)),
    ("review.export", "POST"): ("/review/my-data/export", everyone(LOGIN, 200)),
    # No file chosen: a message and back to the page.
    ("review.import_file", "POST"): ("/review/my-data/import", everyone(LOGIN, 302)),
    ("review.delete", "POST"): ("/review/{review}/delete", everyone(LOGIN, 302, 404)),
    ("framework.index", "GET"): ("/framework/", everyone(LOGIN, 200)),
    ("sharing.index", "GET"): ("/sharing/", everyone(LOGIN, 200)),
    ("sharing.request_link", "POST"): ("/sharing/request", everyone(LOGIN, 200)),
    ("sharing.end_as_leader", "POST"): ("/sharing/links/{link}/end", everyone(LOGIN, 302, 404)),
    ("sharing.share", "GET"): ("/goals/{goal}/share", OWNER_ONLY),
    ("sharing.share", "POST"): ("/goals/{goal}/share", everyone(LOGIN, 302, 404)),
    ("sharing.unshare", "POST"): ("/goals/{goal}/unshare", everyone(LOGIN, 302, 404)),
    ("sharing.reply", "POST"): ("/goals/{goal}/comments", everyone(LOGIN, 302, 404)),
    ("sharing.delete_comment", "POST"): (
        "/comments/{comment}/delete",
        everyone(LOGIN, 404, 404, manager=302),
    ),
    ("sharing.team", "GET"): ("/team/", everyone(LOGIN, 200)),
    ("sharing.answer", "POST"): (
        "/team/requests/{pending_link}/accept",
        everyone(LOGIN, 404, 404, pending_manager=302),
    ),
    ("sharing.end_as_manager", "POST"): (
        "/team/links/{link}/end",
        everyone(LOGIN, 404, 404, manager=302),
    ),
    ("sharing.shared_goal", "GET"): (
        "/team/{leader}/goals/{goal}",
        everyone(LOGIN, 404, 404, manager=200),
    ),
    ("sharing.comment", "POST"): (
        "/team/{leader}/goals/{goal}/comments",
        everyone(LOGIN, 404, 404, manager=200),
    ),
    ("admin.users", "GET"): ("/admin/users", everyone(LOGIN, 404, admin=200)),
    ("admin.new_user", "GET"): ("/admin/users/new", everyone(LOGIN, 404, admin=200)),
    ("admin.new_user", "POST"): ("/admin/users/new", everyone(LOGIN, 404, admin=200)),
    ("admin.links", "GET"): ("/admin/links", everyone(LOGIN, 404, admin=200)),
    ("admin.set_link", "POST"): ("/admin/links", everyone(LOGIN, 404, admin=200)),
    ("admin.end_link", "POST"): ("/admin/links/{link}/end", everyone(LOGIN, 404, admin=302)),
    ("admin.user", "GET"): ("/admin/users/{leader}", everyone(LOGIN, 404, admin=200)),
    ("admin.deactivate", "GET"): (
        "/admin/users/{leader}/deactivate",
        everyone(LOGIN, 404, admin=200),
    ),
    ("admin.deactivate", "POST"): (
        "/admin/users/{leader}/deactivate",
        everyone(LOGIN, 404, admin=302),
    ),
    ("admin.reactivate", "POST"): (
        "/admin/users/{leader}/reactivate",
        everyone(LOGIN, 404, admin=302),
    ),
    # Without `role=give` or `role=take` in the form: 400.
    ("admin.set_administrator", "POST"): (
        "/admin/users/{leader}/administrator",
        everyone(LOGIN, 404, admin=400),
    ),
    ("admin.reset_password", "GET"): (
        "/admin/users/{leader}/reset-password",
        everyone(LOGIN, 404, admin=200),
    ),
    # Resets and shows the new password once, in this response.
    ("admin.reset_password", "POST"): (
        "/admin/users/{leader}/reset-password",
        everyone(LOGIN, 404, admin=200),
    ),
    ("admin.audit_log", "GET"): ("/admin/audit", everyone(LOGIN, 404, admin=200)),
    ("static", "GET"): ("/static/style.css", everyone(200, 200)),
}


def test_every_route_has_a_row(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - MATRIX.keys() == set(), "routes without a row in the access matrix"
    assert MATRIX.keys() - routes == set(), "rows for routes that no longer exist"


@pytest.fixture
def world(app, make_user, make_entry, make_goal):
    """Every actor, and the leader's entries, goals, links, shares and comments."""
    people = {
        "admin": make_user(name="Admin Anne", is_admin=True),
        "leader": make_user(name="Lone Leder"),
        "other": make_user(name="Ole Anden"),
        "manager": make_user(name="Mads Chef"),
        "ended_manager": make_user(name="Erik Tidligere"),
        "pending_manager": make_user(name="Pia Afventer"),
    }
    leader = people["leader"]
    entry = make_entry(leader, body="ENTRYSECRET i min journal")
    trashed = make_entry(leader, body="ENTRYSECRET i papirkurven")
    entries.trash_entry(leader, trashed)

    def goal(title):
        return make_goal(leader, title=title, start_date=entry.entry_date)

    shared, hidden = goal(f"{SHARED} at lytte"), goal("HIDDENGOAL at vente")
    check_in = goals.add_check_in(leader, shared, day=entry.entry_date, rating=3, note="NOTESECRET")
    goals.add_check_in(leader, hidden, day=entry.entry_date, rating=2, note="NOTESECRET")

    # An earlier manager: linked, shared with, then ended.
    earlier = sharing.request_link(leader, people["ended_manager"])
    sharing.respond(people["ended_manager"], earlier, accept=True)
    sharing.share(leader, shared, include_notes=False)
    sharing.end_link(earlier)
    # The current manager: linked and shared with (without the check-ins' notes).
    link = sharing.request_link(leader, people["manager"])
    sharing.respond(people["manager"], link, accept=True)
    sharing.share(leader, shared, include_notes=False)
    comment = sharing.add_comment(people["manager"], shared, "Godt arbejde")
    # Another leader's request to a manager who has not answered yet.
    requester = make_user(name="Rita Anmoder")
    pending = sharing.request_link(requester, people["pending_manager"])

    review = reviews.save_review(
        leader,
        reviews.Period(entry.entry_date, entry.entry_date, "custom"),
        proud="NOTESECRET stolt",
        next_practice="",
        need_from_manager="",
        snapshot={},
    )
    ids = {
        "review": review.id,
        "entry": entry.id,
        "trashed": trashed.id,
        "goal": shared.id,
        "check_in": check_in.id,
        "comment": comment.id,
        "link": link.id,
        "pending_link": pending.id,
        "leader": leader.id,
    }
    return {**people, "ids": ids, "hidden": hidden.id}


def readable(response) -> str:
    """The response as text; for a ZIP (the export), the text of every file inside."""
    if response.mimetype != "application/zip":
        return response.get_data(as_text=True)
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        return "\n".join(archive.read(name).decode() for name in archive.namelist())


def client_for(app, world, login, actor):
    client = app.test_client()
    if actor != "anonymous":
        login(client, world[actor])
    return client


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[1]} {r[0]}")
def test_each_actor_gets_the_expected_answer(app, world, login, actor, route):
    leader = world["leader"]
    path = MATRIX[route][0].format(**world["ids"])
    expected = MATRIX[route][1][actor]
    client = client_for(app, world, login, actor)
    if route[1] == "GET":
        response = client.get(path)
    else:
        # A valid token, an empty form: access is decided before the form is read.
        data = {"csrf_token": client.csrf_token("/login" if actor == "anonymous" else "/")}
        if route[0] == "auth.login":
            data |= {"email": leader.email, "password": "wrong" + TEST_PASSWORD}
        response = client.post(path, data=data)
    body = readable(response)
    response.close()
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == expected
    if actor != "leader":
        for secret in PRIVATE:
            assert secret not in body, f"{secret} shown to {actor}"
    if actor not in ("leader", "manager"):
        assert SHARED not in body, f"the shared goal shown to {actor}"


# Routes a leader may use while the journal is locked (after an administrator's reset).
OPEN_WHILE_LOCKED = {
    "auth.choose_password",
    "auth.logout",
    "auth.switch_language",
    "auth.privacy",
    "auth.login",
    "auth.setup",
    "static",
}


def test_a_locked_journal_leads_every_route_to_choosing_a_password(app, world, login, db):
    """Logged in with a password an administrator set: nothing but the way to open it."""
    services.reset_password(world["leader"], "a temporary password from it")
    client = app.test_client()
    login(client, world["leader"], password="a temporary password from it")
    token = client.csrf_token("/account/choose-password")
    for (endpoint, method), (path, _answers) in sorted(MATRIX.items()):
        if endpoint in OPEN_WHILE_LOCKED:
            continue
        path = path.format(**world["ids"])
        response = (
            client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token})
        )
        body = readable(response)
        assert response.status_code == 302, (method, path, response.status_code)
        assert response.headers["Location"] == "/account/choose-password", (method, path)
        for secret in (*PRIVATE, SHARED):
            assert secret not in body
    db.session.expire_all()
    assert entries.find_entry_for(world["leader"], world["ids"]["entry"]) is not None  # untouched
    assert goals.find_goal_for(world["leader"], world["ids"]["goal"]).status == "active"


def test_the_manager_sees_the_shared_goal_and_nothing_else(app, world, login):
    client = client_for(app, world, login, "manager")
    ids = world["ids"]
    page = client.get(f"/team/{ids['leader']}/goals/{ids['goal']}").get_data(as_text=True)
    assert SHARED in page and "Godt arbejde" in page
    team = client.get("/team/").get_data(as_text=True)
    assert SHARED in team and "HIDDENGOAL" not in team
    assert client.get(f"/team/{ids['leader']}/goals/{world['hidden']}").status_code == 404


POSTS = sorted(route for route in MATRIX if route[1] == "POST")


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", POSTS, ids=lambda r: r[0])
def test_every_post_without_a_csrf_token_is_refused(app, world, login, db, actor, route):
    client = client_for(app, world, login, actor)
    path = MATRIX[route][0].format(**world["ids"])
    response = client.post(
        path,
        data={"language": "en", "name": "X", "body": "Ny tekst", "rating": "5", "status": "paused"},
    )
    if rescue_for_route(app, route):
        # Writing is never thrown away: the text comes back (or 404 if not theirs).
        assert response.status_code in (200, 404)
    else:
        assert response.status_code == 400
    db.session.expire_all()
    ids = world["ids"]
    stored = entries.open_entries(world["leader"], db.session.scalars(select(Entry)))
    assert {e.body for e in stored} == {
        "ENTRYSECRET i min journal",
        "ENTRYSECRET i papirkurven",
    }
    assert db.session.get(Entry, ids["trashed"]).deleted_at is not None
    assert db.session.get(Entry, ids["entry"]).deleted_at is None
    goal = db.session.get(Goal, ids["goal"])
    assert goal.status == "active" and db.session.get(CheckIn, ids["check_in"]).rating == 3
    assert db.session.get(Share, ids["goal"]) is not None
    assert db.session.get(Comment, ids["comment"]) is not None


def rescue_for_route(app, route) -> bool:
    return hasattr(app.view_functions[route[0]], "rescue")
