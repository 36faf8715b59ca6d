"""Every route, every actor: the expected answer. A new route without a row fails here.

Seven actors (issue 5): anonymous; the leader, who owns everything below; another leader;
the leader's accepted manager; a manager whose link to the leader has ended; a manager whose
request (from another leader) is still pending; an administrator. A refusal is a 404.
"""

import io
import shutil
import socket
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from journal import journal_key
from journal.auth import services
from journal.entries import services as entries
from journal.entries.sealing import open_entries
from journal.extensions import db
from journal.goals import services as goals
from journal.models import CheckIn, Comment, Entry, Goal, Share, User
from tests.conftest import (
    TEST_PASSWORD,
    configured_app,
    give_session,
    locked_session,
    signed_session,
)
from tests.world import MANAGER_ONLY, PRIVATE, SHARED, build_world

LOGIN = "login"  # a redirect to the login page
ACTORS = ("anonymous", "leader", "other", "manager", "ended_manager", "pending_manager", "admin")


def everyone(anonymous, leader, others=None, **specific):
    """Expected answers: `others` (default: the leader's) for every logged-in non-owner,
    unless named in `specific` (other=, manager=, ended_manager=, pending_manager=, admin=)."""
    others = leader if others is None else others
    answers = dict.fromkeys(ACTORS, others)
    answers.update(anonymous=anonymous, leader=leader, **specific)
    return answers


OWNER_ONLY = everyone(LOGIN, 200, 404)
FORGED_TOKEN = "Zm9yZ2VkLXRva2VuLW9mLXRoZS1yaWdodC1sZW5ndGg"  # 43 characters, as a real one

# (endpoint, method): (path, {actor: expected status or LOGIN})
MATRIX = {
    ("dashboard.index", "GET"): ("/", everyone(LOGIN, 200)),
    # Reads only the viewer's own news (tests/dashboard/test_news.py).
    ("dashboard.mark_news_read", "POST"): ("/news/read", everyone(LOGIN, 302)),
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
    # Single sign-on, set up here with a provider that does not answer (`closed_port`): a
    # visitor is refused with the clear page (502); anyone logged in goes home instead.
    ("sso.start", "GET"): ("/login/sso", everyone(502, 302)),
    # Without a state this browser began: the refused page, 400, whoever asks.
    ("sso.callback", "GET"): ("/login/sso/callback", everyone(400, 400)),
    # No sign-in waiting to be linked: the refused page ("start again"), 400.
    ("sso.link", "GET"): ("/login/sso/link", everyone(400, 400)),
    ("sso.link", "POST"): ("/login/sso/link", everyone(400, 400)),
    # Every actor's journal is open already: the unlock and set-up pages send them on.
    ("unlock.unlock", "GET"): ("/unlock", everyone(LOGIN, 302)),
    ("unlock.unlock", "POST"): ("/unlock", everyone(LOGIN, 302)),
    ("unlock.set_up", "GET"): ("/account/set-up", everyone(LOGIN, 302)),
    ("unlock.set_up", "POST"): ("/account/set-up", everyone(LOGIN, 302)),
    ("unlock.factors", "GET"): ("/account/unlock-factors", everyone(LOGIN, 200)),
    # An empty form: the page again with its message, each person's own ways in.
    ("unlock.set_passphrase", "POST"): (
        "/account/unlock-factors/passphrase",
        everyone(LOGIN, 200),
    ),
    # Nobody here has a passphrase: nothing to remove, back to the page.
    ("unlock.remove_passphrase", "POST"): (
        "/account/unlock-factors/passphrase/remove",
        everyone(LOGIN, 302),
    ),
    # Passkeys (tests/passkeys): each person starts adding their own; an empty body is
    # refused with a message (400); nobody here lacks a journal (409 to setting one up);
    # only the leader has a passkey to unlock with.
    ("passkeys.add_options", "POST"): ("/account/passkeys/options", everyone(LOGIN, 200)),
    ("passkeys.add", "POST"): ("/account/passkeys", everyone(LOGIN, 400)),
    ("passkeys.set_up_options", "POST"): (
        "/account/set-up/passkey/options",
        everyone(LOGIN, 409),
    ),
    ("passkeys.set_up", "POST"): ("/account/set-up/passkey", everyone(LOGIN, 409)),
    ("passkeys.unlock_options", "POST"): ("/unlock/passkey/options", everyone(LOGIN, 200, 409)),
    ("passkeys.unlock", "POST"): ("/unlock/passkey", everyone(LOGIN, 400)),
    ("passkeys.rename", "POST"): (
        "/account/passkeys/{passkey}/rename",
        everyone(LOGIN, 302, 404),
    ),
    ("passkeys.remove", "POST"): (
        "/account/passkeys/{passkey}/remove",
        everyone(LOGIN, 302, 404),
    ),
    ("notifications.settings", "GET"): ("/account/notifications", everyone(LOGIN, 200)),
    # An empty form switches every mail off and is saved: each person's own settings.
    ("notifications.settings", "POST"): ("/account/notifications", everyone(LOGIN, 302)),
    ("entries.index", "GET"): ("/journal/", everyone(LOGIN, 200)),
    ("entries.new", "GET"): ("/journal/new", everyone(LOGIN, 200)),
    # A post without a session keeps the text: the rescue page answers (200), not a redirect.
    ("entries.new", "POST"): ("/journal/new", everyone(200, 200)),
    # Without a draft in the form there is nothing to open, for anyone: a draft opens only
    # for the leader it was sealed to (tests/entries/test_sealed_drafts.py).
    ("entries.open_draft", "POST"): ("/journal/drafts/open", everyone(LOGIN, 404)),
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
    ("goals.index", "GET"): ("/goals/", everyone(LOGIN, 200)),
    ("goals.new", "GET"): ("/goals/new", everyone(LOGIN, 200)),
    ("goals.new", "POST"): ("/goals/new", everyone(200, 200)),
    ("goals.view", "GET"): ("/goals/{goal}", OWNER_ONLY),
    ("goals.calendar", "GET"): ("/goals/{goal}/calendar.ics", OWNER_ONLY),
    ("goals.edit", "GET"): ("/goals/{goal}/edit", OWNER_ONLY),
    ("goals.edit", "POST"): ("/goals/{goal}/edit", everyone(200, 200, 404)),
    # An empty status is not a status: a message for the owner, 404 for everyone else.
    ("goals.status", "POST"): ("/goals/{goal}/status", everyone(LOGIN, 302, 404)),
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
    ("review.view", "GET"): ("/review/{review}", OWNER_ONLY),
    # The new-goal form with the review's "practise next" as its title: no text in the URL.
    ("review.new_goal", "GET"): ("/review/{review}/new-goal", OWNER_ONLY),
    ("my_data.index", "GET"): ("/account/my-data", everyone(LOGIN, 200)),
    # The address My data had before: a bookmark still finds it.
    ("my_data.old_address", "GET"): ("/review/my-data", everyone(LOGIN, 308)),
    ("my_data.old_address", "POST"): ("/review/my-data/export", everyone(LOGIN, 308)),
    ("my_data.export", "POST"): ("/account/my-data/export", everyone(LOGIN, 200)),
    # No file chosen: a message and back to the page.
    ("my_data.import_file", "POST"): ("/account/my-data/import", everyone(LOGIN, 302)),
    ("my_data.erase", "GET"): ("/account/erase", everyone(LOGIN, 200)),
    ("my_data.erase", "POST"): ("/account/erase", everyone(LOGIN, 200)),
    # The rescue page's log-in: a post that names no form to bring back is not found.
    ("rescue.log_in_again", "POST"): ("/rescue", everyone(404, 404)),
    # Where an earlier release's rescue pages posted: without credentials, the page again.
    ("rescue.earlier_address", "POST"): ("/goals/rescue", everyone(200, 200)),
    ("review.delete", "POST"): ("/review/{review}/delete", everyone(LOGIN, 302, 404)),
    ("framework.index", "GET"): ("/framework/", everyone(LOGIN, 200)),
    ("sharing.index", "GET"): ("/sharing/", everyone(LOGIN, 200)),
    ("sharing.request_link", "POST"): ("/sharing/request", everyone(LOGIN, 200)),
    ("sharing.end_as_leader", "POST"): ("/sharing/links/{link}/end", everyone(LOGIN, 302, 404)),
    # Only the leader whose manager was proposed answers; the manager named does not know.
    ("sharing.answer_proposal", "POST"): (
        "/sharing/links/{proposed_link}/confirm",
        everyone(LOGIN, 404, 404, other=302),
    ),
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
    # The agenda for the conversation (tests/agenda): the leader's own, one's own for
    # everyone (an empty agenda); the manager's view only within the accepted link.
    ("agenda.index", "GET"): ("/agenda/", everyone(LOGIN, 200)),
    # An empty point: the form again with its message; a visitor's post is kept.
    ("agenda.add", "POST"): ("/agenda/points", everyone(200, 200)),
    # The review's "what I need" is empty in the world: the form with its message.
    ("agenda.from_review", "POST"): (
        "/agenda/from-review/{review}",
        everyone(LOGIN, 200, 404),
    ),
    ("agenda.edit", "GET"): ("/agenda/points/{point}/edit", OWNER_ONLY),
    # A form without the field keeps the saved text (WTForms falls back to the data given).
    ("agenda.edit", "POST"): ("/agenda/points/{point}/edit", everyone(LOGIN, 302, 404)),
    ("agenda.delete", "POST"): ("/agenda/points/{point}/delete", everyone(LOGIN, 302, 404)),
    ("agenda.share", "GET"): ("/agenda/points/{point}/share", OWNER_ONLY),
    ("agenda.share", "POST"): ("/agenda/points/{point}/share", everyone(LOGIN, 302, 404)),
    ("agenda.unshare", "POST"): (
        "/agenda/points/{shared_point}/unshare",
        everyone(LOGIN, 302, 404),
    ),
    ("agenda.tick", "POST"): ("/agenda/points/{point}/tick", everyone(LOGIN, 302, 404)),
    # Without a day: a message, back to one's own agenda.
    ("agenda.held", "POST"): ("/agenda/held", everyone(LOGIN, 302)),
    ("agenda.meeting", "GET"): ("/agenda/meetings/{meeting}", OWNER_ONLY),
    ("agenda.meeting", "POST"): ("/agenda/meetings/{meeting}", everyone(LOGIN, 302, 404)),
    ("agenda.team_agenda", "GET"): (
        "/team/{leader}/agenda",
        everyone(LOGIN, 404, 404, manager=200),
    ),
    ("agenda.team_add", "POST"): (
        "/team/{leader}/agenda/points",
        everyone(200, 404, 404, manager=200),
    ),
    ("agenda.team_edit", "GET"): (
        "/team/{leader}/agenda/points/{manager_point}/edit",
        everyone(LOGIN, 404, 404, manager=200),
    ),
    ("agenda.team_edit", "POST"): (
        "/team/{leader}/agenda/points/{manager_point}/edit",
        everyone(LOGIN, 404, 404, manager=302),
    ),
    ("agenda.team_delete", "POST"): (
        "/team/{leader}/agenda/points/{manager_point}/delete",
        everyone(LOGIN, 404, 404, manager=302),
    ),
    ("agenda.team_tick", "POST"): (
        "/team/{leader}/agenda/points/{shared_point}/tick",
        everyone(LOGIN, 404, 404, manager=302),
    ),
    ("agenda.team_held", "POST"): (
        "/team/{leader}/agenda/held",
        everyone(LOGIN, 404, 404, manager=302),
    ),
    ("agenda.team_meeting", "GET"): (
        "/team/{leader}/agenda/meetings/{meeting}",
        everyone(LOGIN, 404, 404, manager=200),
    ),
    ("agenda.team_meeting", "POST"): (
        "/team/{leader}/agenda/meetings/{meeting}",
        everyone(LOGIN, 404, 404, manager=302),
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
    ("admin.import_accounts", "GET"): ("/admin/import", everyone(LOGIN, 404, admin=200)),
    # No file chosen: the form again, with a message.
    ("admin.import_accounts", "POST"): ("/admin/import", everyone(LOGIN, 404, admin=200)),
    # Nothing signed to confirm: the form again, with a message.
    ("admin.confirm_import", "POST"): ("/admin/import/confirm", everyone(LOGIN, 404, admin=200)),
    # A mail's unsubscribe link: its token is the authority, for anyone who holds it; a
    # forged one is not found, for everyone (a used one too: tests/notifications).
    ("notifications.unsubscribe", "GET"): (f"/unsubscribe/{FORGED_TOKEN}", everyone(404, 404)),
    ("notifications.unsubscribe", "POST"): (f"/unsubscribe/{FORGED_TOKEN}", everyone(404, 404)),
    ("static", "GET"): ("/static/style.css", everyone(200, 200)),
    # The service worker's script: public, the same for everyone (tests/installable).
    ("installable.service_worker", "GET"): ("/service-worker.js", everyone(200, 200)),
}


def test_every_route_has_a_row(built):
    routes = {
        (rule.endpoint, method)
        for rule in built.app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - MATRIX.keys() == set(), "routes without a row in the access matrix"
    assert MATRIX.keys() - routes == set(), "rows for routes that no longer exist"


def closed_port() -> str:
    """An address on this machine where nothing listens: a provider that never answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@dataclass
class Built:
    """The module's app, its world as a database file to start each test from, and a
    logged-in session cookie (with its CSRF token) for each actor."""

    app: Flask
    database: Path
    saved: Path
    people: dict[str, int]
    keys: dict
    ids: dict
    sessions: dict[str, tuple[str, str]]


@pytest.fixture(scope="module")
def built(tmp_path_factory, sqlite_template) -> Built:
    """The world, built once for the module (the rules are Python: SQLite is enough)."""
    folder = tmp_path_factory.mktemp("matrix")
    database, saved = folder / "journal.sqlite3", folder / "world.sqlite3"
    shutil.copyfile(sqlite_template, database)
    app = configured_app(
        f"sqlite:///{database}",
        folder / "instance",
        OIDC_ISSUER=closed_port(),
        OIDC_CLIENT_ID="ledelsesjournal",
    )
    with app.app_context():
        people, keys, ids = build_world()
        sessions = {"anonymous": signed_session(app)} | {
            actor: signed_session(app, user, keys[user.id]) for actor, user in people.items()
        }
        people = {actor: user.id for actor, user in people.items()}
        db.session.remove()
        db.engine.dispose()
    shutil.copyfile(database, saved)
    return Built(app, database, saved, people, keys, ids, sessions)


@pytest.fixture
def world(built):
    """The world as it was built, whatever the test before did to it, in an app context."""
    with built.app.app_context():
        db.engine.dispose()
        for leftover in ("-wal", "-shm"):  # of the test before: never replayed onto the copy
            Path(f"{built.database}{leftover}").unlink(missing_ok=True)
        shutil.copyfile(built.saved, built.database)
        users = {user.id: user for user in db.session.scalars(select(User))}
        for key in built.keys.values():
            journal_key.use_for_request(key)
        yield {actor: users[user_id] for actor, user_id in built.people.items()} | {
            "ids": built.ids,
            "hidden": built.ids["hidden"],
        }
        db.session.remove()
        db.engine.dispose()


def readable(response) -> str:
    """The response as text; for a ZIP (the export), the text of every file inside."""
    if response.mimetype != "application/zip":
        return response.get_data(as_text=True)
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        return "\n".join(archive.read(name).decode() for name in archive.namelist())


def client_for(built, actor):
    """A browser of `actor` (logged in, unless anonymous), and its form token."""
    client = built.app.test_client()
    cookie, token = built.sessions[actor]
    give_session(built.app, client, cookie)
    return client, token


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[1]} {r[0]}")
def test_each_actor_gets_the_expected_answer(built, world, actor, route):
    leader = world["leader"]
    path = MATRIX[route][0].format(**world["ids"])
    expected = MATRIX[route][1][actor]
    client, token = client_for(built, actor)
    if route[1] == "GET":
        response = client.get(path)
    else:
        # A valid token, an empty form: access is decided before the form is read.
        data = {"csrf_token": token}
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
    if actor != "manager":
        assert MANAGER_ONLY not in body, f"the manager's own notes shown to {actor}"


# Routes a leader may use while the journal is locked (after an administrator's reset).
OPEN_WHILE_LOCKED = {
    "auth.choose_password",
    "auth.logout",
    "auth.switch_language",
    "auth.privacy",
    "auth.login",
    "auth.setup",
    "notifications.unsubscribe",
    "static",
    "installable.service_worker",
}


def test_a_locked_journal_leads_every_route_to_choosing_a_password(built, world, login):
    """Logged in with a password an administrator set: nothing but the way to open it."""
    services.reset_password(world["leader"], "a temporary password from it")
    client = built.app.test_client()
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
        for secret in (*PRIVATE, SHARED, MANAGER_ONLY):
            assert secret not in body
    db.session.expire_all()
    assert entries.find_entry_for(world["leader"], world["ids"]["entry"]) is not None  # untouched
    assert goals.find_goal_for(world["leader"], world["ids"]["goal"]).status == "active"


@pytest.mark.parametrize("actor", ["leader", "manager", "admin"])
def test_signing_in_as_someone_opens_nothing_sealed(built, world, actor):
    """The identity provider's administrator signs in as a leader (the same subject), or as
    the leader's manager, or as an administrator of the app: signed in, journal locked.
    Every route either leads to unlocking (or setting up) the journal, or answers a page
    that holds no sealed text; no post changes anything a leader wrote."""
    client = built.app.test_client()
    cookie, token = locked_session(built.app, world[actor])
    give_session(built.app, client, cookie)
    reached = set()
    for (endpoint, method), (path, _answers) in sorted(MATRIX.items()):
        if endpoint == "auth.logout":
            continue
        path = path.format(**world["ids"])
        response = (
            client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token})
        )
        body = readable(response)
        response.close()
        if response.status_code == 200:
            reached.add(endpoint)
        for secret in (*PRIVATE, SHARED, MANAGER_ONLY):
            assert secret not in body, (actor, method, path)
    # What works while locked holds nothing sealed: settings, privacy, the administration.
    assert {"auth.account", "notifications.settings", "unlock.unlock"} <= reached
    assert not {"entries.index", "goals.view", "review.index", "my_data.index"} & reached
    assert ("admin.users" in reached) == (actor == "admin")
    db.session.expire_all()
    stored = open_entries(world["leader"], db.session.scalars(select(Entry)))
    assert {e.body for e in stored} == {"ENTRYSECRET i min journal", "ENTRYSECRET i papirkurven"}
    if actor != "admin":  # an administrator may end links, and the shares with them
        assert db.session.get(Share, world["ids"]["goal"]) is not None


def test_the_manager_sees_the_shared_goal_and_nothing_else(built, world):
    client, _token = client_for(built, "manager")
    ids = world["ids"]
    page = client.get(f"/team/{ids['leader']}/goals/{ids['goal']}").get_data(as_text=True)
    assert SHARED in page and "Godt arbejde" in page
    team = client.get("/team/").get_data(as_text=True)
    assert SHARED in team and "HIDDENGOAL" not in team
    assert client.get(f"/team/{ids['leader']}/goals/{world['hidden']}").status_code == 404


def test_the_manager_sees_the_shared_point_and_their_own_and_nothing_else(built, world):
    """The agenda: the shared point and the manager's own; the private point is not found
    by any door, and nothing counts it."""
    client, token = client_for(built, "manager")
    ids = world["ids"]
    team = f"/team/{ids['leader']}/agenda"
    page = client.get(team).get_data(as_text=True)
    assert f"{SHARED} punkt" in page and f"{SHARED} fra lederen" in page
    assert "POINTSECRET" not in page and page.count("agenda-point card") == 2
    for path in (f"{team}/points/{ids['point']}/tick", f"{team}/points/{ids['point']}/delete"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404
    assert client.get(f"{team}/points/{ids['point']}/edit").status_code == 404
    assert client.get(f"{team}/points/{ids['shared_point']}/edit").status_code == 404
    notes = client.get(f"{team}/meetings/{ids['meeting']}").get_data(as_text=True)
    assert "MANAGERNOTE" in notes and "POINTSECRET" not in notes


POSTS = sorted(route for route in MATRIX if route[1] == "POST")
# Exempt from CSRF on purpose: a mail client's one-click unsubscribe (RFC 8058) carries no
# session and no form token; the token in the address is the authority.
CSRF_EXEMPT = {"notifications.unsubscribe"}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", POSTS, ids=lambda r: r[0])
def test_every_post_without_a_csrf_token_is_refused(built, world, actor, route):
    client, _token = client_for(built, actor)
    path = MATRIX[route][0].format(**world["ids"])
    response = client.post(
        path,
        data={"language": "en", "name": "X", "body": "Ny tekst", "rating": "5", "status": "paused"},
    )
    if rescue_for_route(built.app, route):
        # Writing is never thrown away: the text comes back (or 404 if not theirs).
        assert response.status_code in (200, 404)
    elif route[0] in CSRF_EXEMPT:
        assert response.status_code == 404  # no token needed, and this one is forged
    else:
        assert response.status_code == 400
    db.session.expire_all()
    ids = world["ids"]
    stored = open_entries(world["leader"], db.session.scalars(select(Entry)))
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
    """Whether the route keeps the text of a post it cannot accept: a form with a rescue,
    or an address an earlier release's rescue page posts to (it names the form)."""
    return hasattr(app.view_functions[route[0]], "rescue") or route[0] == "rescue.earlier_address"
