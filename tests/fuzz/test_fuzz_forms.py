"""Every POST route of `app.url_map`, every form field, hostile values: never a 500.

Each example starts from what the page itself would send (valid CSRF token included), or
from nothing, and replaces up to three of its fields and two stray ones (any name any form
or view reads) with hostile text: NUL bytes, emoji, right-to-left text, combining marks,
100,000-character lines, impossible dates, numbers too large for any column; then, in some
examples, poisons every value alike (a NUL in each, control characters, right-to-left
marks). The token itself is sometimes missing or forged, and the origin headers sometimes
say another site, so the CSRF and rescue paths are fuzzed too.
"""

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal.i18n import LANGUAGE_COOKIE
from tests.fuzz.conftest import Failures, relevant, world_path
from tests.fuzz.hostile import (
    all_field_names,
    fuzz_settings,
    hostile_fields,
    poisoned,
    poisons,
    query_names,
    routes,
    rule_arguments,
    value,
)

pytestmark = pytest.mark.both_engines  # the database engine matters here

EXAMPLES = {"leader": 14, "anonymous": 5, "manager": 10, "admin": 12}
TOKEN = ("valid", "valid", "valid", "valid", "missing", "forged")
ORIGIN = (None, None, "same-origin", "cross-site")


def posted(fields: dict, baseline: dict | None, token: str, csrf: str) -> dict:
    """The form to send: the page's own values, then the hostile ones on top."""
    data = {name: list(values) for name, values in (baseline or {}).items() if values}
    data.update(fields)
    data.pop("csrf_token", None)
    if token == "valid":
        data["csrf_token"] = csrf
    elif token == "forged":
        data["csrf_token"] = csrf[::-1]
    return data


def fuzz_post(client, rule, world, own: dict, csrf: str, examples: int):
    """A Hypothesis test posting hostile forms to `rule` (the world's ids, or other ones)."""
    path = world_path(rule, world["ids"])
    ids = [str(i) for i in world["ids"].values()]
    id_names = [name for name in rule_arguments(rule) if name.endswith("_id")]

    @given(
        other_ids=st.fixed_dictionaries({name: st.sampled_from(ids) for name in id_names}),
        use_own_ids=st.booleans(),
        baseline=st.booleans(),
        fields=hostile_fields(own, max_size=3),
        stray=hostile_fields(all_field_names(), max_size=2),
        query=hostile_fields(query_names(), max_size=2),
        token=st.sampled_from(TOKEN),
        origin=st.sampled_from(ORIGIN),
        language=st.sampled_from([None, "da", "en", "zz"]),
        upload=st.none() | value,
        poison=poisons,
    )
    @fuzz_settings(examples)
    def post_hostile_form(
        other_ids,
        use_own_ids,
        baseline,
        fields,
        stray,
        query,
        token,
        origin,
        language,
        upload,
        poison,
    ):
        target = path if use_own_ids else world_path(rule, world["ids"], other_ids)
        data = posted(stray | fields, own if baseline else None, token, csrf)
        data, query = poisoned(data, poison), poisoned(query, poison)
        if upload is not None:
            data["file"] = (io.BytesIO(upload.encode()), "journal.json")
        if language:
            client.set_cookie(LANGUAGE_COOKIE, language)
        headers = {"Sec-Fetch-Site": origin} if origin else {}
        response = client.post(target, data=data, query_string=query, headers=headers)
        response.close()
        assert response.status_code < 500, (target, response.status_code)

    return post_hostile_form


@pytest.mark.parametrize("actor", ["leader", "anonymous", "manager", "admin"])
def test_no_post_answers_500(app, world, actor_client, pages_forms, actor):
    forms = pages_forms("leader" if actor == "anonymous" else actor)
    failures = Failures()
    for rule, _method in routes(app, methods=("POST",)):
        if not relevant(actor, rule.endpoint):
            continue
        client = actor_client(actor)
        csrf = client.csrf_token("/login" if actor == "anonymous" else "/")
        own = forms.get(world_path(rule, world["ids"]), {})
        fuzz = fuzz_post(client, rule, world, own, csrf, EXAMPLES[actor])
        failures.run(f"POST {rule.rule} as {actor}", fuzz)
    failures.check()
