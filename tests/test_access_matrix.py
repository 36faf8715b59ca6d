"""Every route, every actor: the expected answer. A new route without a row fails here."""

import pytest

from tests.conftest import TEST_PASSWORD

LOGIN = "login"  # a redirect to the login page
ACTORS = ("anonymous", "leader", "admin")

# (endpoint, method): (path, {actor: expected status or LOGIN})
MATRIX = {
    ("dashboard.index", "GET"): ("/", {"anonymous": LOGIN, "leader": 200, "admin": 200}),
    ("auth.setup", "GET"): ("/setup", {"anonymous": 404, "leader": 404, "admin": 404}),
    ("auth.setup", "POST"): ("/setup", {"anonymous": 404, "leader": 404, "admin": 404}),
    ("auth.login", "GET"): ("/login", {"anonymous": 200, "leader": 302, "admin": 302}),
    ("auth.login", "POST"): ("/login", {"anonymous": 200, "leader": 302, "admin": 302}),
    ("auth.logout", "POST"): ("/logout", {"anonymous": LOGIN, "leader": 302, "admin": 302}),
    ("auth.account", "GET"): ("/account", {"anonymous": LOGIN, "leader": 200, "admin": 200}),
    # An empty form keeps the saved settings (WTForms falls back to the object's values).
    ("auth.account", "POST"): ("/account", {"anonymous": LOGIN, "leader": 302, "admin": 302}),
    ("auth.change_password", "GET"): (
        "/account/password",
        {"anonymous": LOGIN, "leader": 200, "admin": 200},
    ),
    ("auth.change_password", "POST"): (
        "/account/password",
        {"anonymous": LOGIN, "leader": 200, "admin": 200},
    ),
    ("auth.switch_language", "POST"): (
        "/language",
        {"anonymous": 400, "leader": 400, "admin": 400},
    ),
    ("entries.index", "GET"): ("/journal/", {"anonymous": LOGIN, "leader": 200, "admin": 200}),
    ("goals.index", "GET"): ("/goals/", {"anonymous": LOGIN, "leader": 200, "admin": 200}),
    ("review.index", "GET"): ("/review/", {"anonymous": LOGIN, "leader": 200, "admin": 200}),
    ("framework.index", "GET"): (
        "/framework/",
        {"anonymous": LOGIN, "leader": 200, "admin": 200},
    ),
    ("admin.users", "GET"): ("/admin/users", {"anonymous": LOGIN, "leader": 404, "admin": 200}),
    ("admin.new_user", "GET"): (
        "/admin/users/new",
        {"anonymous": LOGIN, "leader": 404, "admin": 200},
    ),
    ("admin.new_user", "POST"): (
        "/admin/users/new",
        {"anonymous": LOGIN, "leader": 404, "admin": 200},
    ),
    ("static", "GET"): ("/static/style.css", {"anonymous": 200, "leader": 200, "admin": 200}),
}


def test_every_route_has_a_row(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - MATRIX.keys() == set(), "routes without a row in the access matrix"
    assert MATRIX.keys() - routes == set(), "rows for routes that no longer exist"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[1]} {r[0]}")
def test_each_actor_gets_the_expected_answer(app, make_user, login, actor, route):
    path, expected = MATRIX[route][0], MATRIX[route][1][actor]
    admin = make_user(name="Admin Anne", is_admin=True)
    leader = make_user(name="Lone Leder")
    client = app.test_client()
    if actor != "anonymous":
        login(client, admin if actor == "admin" else leader)
    if route[1] == "GET":
        response = client.get(path)
    else:
        # A valid token, an empty form: access is decided before the form is read.
        data = {"csrf_token": client.csrf_token("/login" if actor == "anonymous" else "/")}
        if route[0] == "auth.login":
            data |= {"email": leader.email, "password": "wrong" + TEST_PASSWORD}
        response = client.post(path, data=data)
    response.close()
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == expected


POSTS = sorted(route for route in MATRIX if route[1] == "POST")


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", POSTS, ids=lambda r: r[0])
def test_every_post_without_a_csrf_token_is_refused(app, make_user, login, actor, route):
    admin = make_user(name="Admin Anne", is_admin=True)
    leader = make_user(name="Lone Leder")
    client = app.test_client()
    if actor != "anonymous":
        login(client, admin if actor == "admin" else leader)
    response = client.post(MATRIX[route][0], data={"language": "en", "name": "X"})
    assert response.status_code == 400
