"""Fixtures of the fuzz tests: the access matrix's world, and a fuzz run over many routes."""

import traceback

import pytest

from tests.fuzz.hostile import build_path, harvest, harvest_page, routes, rule_arguments
from tests.world import build_world

# Which of the world's ids an argument of a route names; the rest are tried too.
ID_FOR_ARGUMENT = {
    "entry_id": "entry",
    "goal_id": "goal",
    "check_in_id": "check_in",
    "comment_id": "comment",
    "link_id": "link",
    "review_id": "review",
    "leader_id": "leader",
    "user_id": "leader",
    "factor_id": "passkey",
    "point_id": "point",
    "meeting_id": "meeting",
}
ACTOR_BLUEPRINTS = {
    # The leader and a visitor meet every route; the others where they have pages of their own.
    "leader": None,
    "anonymous": None,
    "manager": ("sharing.", "goals.view", "dashboard.", "agenda."),
    "admin": ("admin.", "dashboard."),
}


@pytest.fixture
def world(app):
    """The access matrix's world (tests/world.py), on this test's database."""
    people, _keys, ids = build_world()
    return {**people, "ids": ids, "hidden": ids["hidden"]}


def world_path(rule, ids: dict, overrides: dict | None = None) -> str | None:
    """The rule's path with the world's own ids (or `overrides` for some arguments),
    or None if an argument has no value to use."""
    arguments = dict(overrides or {})
    for name in rule_arguments(rule):
        if name in arguments:
            continue
        if name == "answer":
            arguments[name] = "accept"
        elif name == "filename":
            arguments[name] = "style.css"
        elif name == "token":
            arguments[name] = "A" * 43  # an unsubscribe token of the right shape, forged
        elif name in ID_FOR_ARGUMENT:
            arguments[name] = str(ids[ID_FOR_ARGUMENT[name]])
        else:
            return None
    return build_path(rule, arguments)


@pytest.fixture
def actor_client(app, log_in_as, request):
    """A fresh client for `actor`, logged in unless anonymous.

    Fuzzing the rescue forms types many wrong passwords; the log-in pause that follows is
    for visitors only here, or the actor could not log in for the next route.
    """
    people = request.getfixturevalue("world")

    def make(actor: str):
        if actor != "anonymous":
            app.config["LOGIN_FAILURES_PER_ACCOUNT"] = 10**6
            app.config["LOGIN_FAILURES_PER_ADDRESS"] = 10**6
        client = app.test_client()
        if actor != "anonymous":
            log_in_as(client, people[actor])
        return client

    return make


@pytest.fixture
def pages_forms(app, actor_client, request):
    """The forms every GET page renders for `actor`, by the path they post to."""
    people = request.getfixturevalue("world")

    def collect(actor: str) -> dict:
        client = actor_client(actor)
        pages = [
            path
            for rule, _method in routes(app, methods=("GET",))
            if rule.endpoint != "static" and (path := world_path(rule, people["ids"]))
        ]
        trashed = people["ids"]["trashed"]
        pages.append(f"/journal/trash/{trashed}/delete")
        forms = harvest(client, pages)
        # The forms only an answer shows: each form posted by a visitor whose session has
        # gone, which brings the rescue pages (and their log-in forms) out.
        visitor = app.test_client()
        for action, fields in list(forms.items()):
            answer = visitor.post(action, data={**fields, "csrf_token": "expired"})
            for found, more in harvest_page(answer).items():
                forms.setdefault(found, more)
        return forms

    return collect


def relevant(actor: str, endpoint: str) -> bool:
    """Whether `actor` has pages of their own behind `endpoint`."""
    prefixes = ACTOR_BLUEPRINTS[actor]
    return prefixes is None or endpoint.startswith(prefixes)


class Failures:
    """Failures of several routes' fuzz runs, reported together at the end."""

    def __init__(self):
        self.found: list[str] = []

    def run(self, label: str, fuzz) -> None:
        """Run one route's fuzz; keep its failure (with Hypothesis' example) and go on."""
        try:
            fuzz()
        except Exception as error:
            self.found.append(f"{label}:\n{''.join(traceback.format_exception(error))}")

    def check(self) -> None:
        """Fail with every route's failure, if any."""
        assert not self.found, "\n\n".join(self.found)
