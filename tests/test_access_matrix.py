"""Every route, every actor: the expected answer. A new route without a row fails here."""

import pytest
from sqlalchemy import select

from journal.entries import services as entries
from journal.goals import services as goals
from journal.models import Entry, Goal
from tests.conftest import TEST_PASSWORD

LOGIN = "login"  # a redirect to the login page
# The leader owns {entry} and {trashed}; "other" is another leader; admin manages accounts.
ACTORS = ("anonymous", "leader", "other", "admin")


def everyone(anonymous, leader, other=None, admin=None):
    """Expected answers; `other` and `admin` default to the leader's."""
    return {
        "anonymous": anonymous,
        "leader": leader,
        "other": leader if other is None else other,
        "admin": leader if admin is None else admin,
    }


OWNER_ONLY = everyone(LOGIN, 200, 404, 404)

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
    ("auth.change_password", "GET"): (
        "/account/password",
        everyone(LOGIN, 200),
    ),
    ("auth.change_password", "POST"): (
        "/account/password",
        everyone(LOGIN, 200),
    ),
    ("auth.switch_language", "POST"): (
        "/language",
        everyone(400, 400),
    ),
    ("review.index", "GET"): ("/review/", everyone(LOGIN, 200)),
    ("framework.index", "GET"): (
        "/framework/",
        everyone(LOGIN, 200),
    ),
    ("admin.users", "GET"): ("/admin/users", everyone(LOGIN, 404, admin=200)),
    ("admin.new_user", "GET"): (
        "/admin/users/new",
        everyone(LOGIN, 404, admin=200),
    ),
    ("admin.new_user", "POST"): (
        "/admin/users/new",
        everyone(LOGIN, 404, admin=200),
    ),
    ("entries.index", "GET"): ("/journal/", everyone(LOGIN, 200)),
    ("entries.new", "GET"): ("/journal/new", everyone(LOGIN, 200)),
    # A post without a session keeps the text: the rescue page answers (200), not a redirect.
    ("entries.new", "POST"): ("/journal/new", everyone(200, 200)),
    ("entries.view", "GET"): ("/journal/{entry}", OWNER_ONLY),
    ("entries.edit", "GET"): ("/journal/{entry}/edit", OWNER_ONLY),
    ("entries.edit", "POST"): ("/journal/{entry}/edit", everyone(200, 200, 404, 404)),
    ("entries.star", "POST"): ("/journal/{entry}/star", everyone(LOGIN, 302, 404, 404)),
    ("entries.delete", "POST"): ("/journal/{entry}/delete", everyone(LOGIN, 302, 404, 404)),
    ("entries.trash", "GET"): ("/journal/trash", everyone(LOGIN, 200)),
    ("entries.restore", "POST"): (
        "/journal/trash/{trashed}/restore",
        everyone(LOGIN, 302, 404, 404),
    ),
    ("entries.delete_forever", "GET"): ("/journal/trash/{trashed}/delete", OWNER_ONLY),
    ("entries.delete_forever", "POST"): (
        "/journal/trash/{trashed}/delete",
        everyone(LOGIN, 302, 404, 404),
    ),
    # Without credentials or form data the rescue page shows itself again.
    ("entries.rescue", "POST"): ("/journal/rescue", everyone(200, 200)),
    ("goals.index", "GET"): ("/goals/", everyone(LOGIN, 200)),
    ("goals.new", "GET"): ("/goals/new", everyone(LOGIN, 200)),
    ("goals.view", "GET"): ("/goals/{goal}", OWNER_ONLY),
    ("goals.edit", "GET"): ("/goals/{goal}/edit", OWNER_ONLY),
    ("goals.edit", "POST"): ("/goals/{goal}/edit", everyone(200, 200, 404, 404)),
    # An empty status is not a status: a message for the owner, 404 for everyone else.
    ("goals.status", "POST"): ("/goals/{goal}/status", everyone(LOGIN, 302, 404, 404)),
    # Without credentials the goal's rescue page shows itself again.
    ("goals.rescue", "POST"): ("/goals/rescue", everyone(200, 200)),
    ("goals.new", "POST"): ("/goals/new", everyone(200, 200)),
    ("goals.move", "POST"): ("/goals/{goal}/move", everyone(LOGIN, 302, 404, 404)),
    ("goals.delete", "GET"): ("/goals/{goal}/delete", OWNER_ONLY),
    ("goals.delete", "POST"): ("/goals/{goal}/delete", everyone(LOGIN, 302, 404, 404)),
    ("goals.check_in", "POST"): ("/goals/{goal}/check-ins", OWNER_ONLY),
    ("goals.edit_check_in", "GET"): ("/goals/check-ins/{check_in}/edit", OWNER_ONLY),
    ("goals.edit_check_in", "POST"): ("/goals/check-ins/{check_in}/edit", OWNER_ONLY),
    ("goals.delete_check_in", "POST"): (
        "/goals/check-ins/{check_in}/delete",
        everyone(LOGIN, 302, 404, 404),
    ),
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
def world(app, make_user, make_entry):
    """Three accounts; the leader owns an entry, a trashed entry, a goal and a check-in."""
    admin = make_user(name="Admin Anne", is_admin=True)
    leader = make_user(name="Lone Leder")
    other = make_user(name="Ole Anden")
    entry = make_entry(leader, body="Privat XYZZY-refleksion")
    trashed = make_entry(leader, body="Slettet XYZZY-refleksion")
    entries.trash_entry(leader, trashed)
    goal = goals.create_goal(
        leader,
        title="XYZZY-mål",
        why="",
        how_i_know="",
        task_keys=["vision"],
        start_date=entry.entry_date,
        review_date=None,
    )
    check_in = goals.add_check_in(leader, goal, day=entry.entry_date, rating=3, note="XYZZY")
    ids = {"entry": entry.id, "trashed": trashed.id, "goal": goal.id, "check_in": check_in.id}
    return {"admin": admin, "leader": leader, "other": other, "ids": ids}


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
    body = response.get_data(as_text=True)
    response.close()
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == expected
    if actor != "leader":
        assert "XYZZY" not in body


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
    assert {e.body for e in db.session.scalars(select(Entry))} == {
        "Privat XYZZY-refleksion",
        "Slettet XYZZY-refleksion",
    }
    assert db.session.get(Entry, ids["trashed"]).deleted_at is not None
    assert db.session.get(Entry, ids["entry"]).deleted_at is None
    goal = db.session.get(Goal, ids["goal"])
    assert goal.status == "active" and [c.rating for c in goal.check_ins] == [3]


def rescue_for_route(app, route) -> bool:
    return hasattr(app.view_functions[route[0]], "rescue")
