"""Every route of `app.url_map` with hostile URLs: ids and query parameters. Never a 500.

Ids: 0, negative, 2^63 and beyond, non-numeric, Arabic-Indic and full-width digits, the
world's own ids (someone else's, too) and text of any kind; query parameters: every name a
view or a GET form reads, with hostile values, sometimes not even valid UTF-8.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import Failures, relevant, world_path
from tests.fuzz.hostile import (
    build_path,
    fuzz_settings,
    hostile_fields,
    poisoned,
    poisons,
    query_names,
    routes,
    rule_arguments,
    text,
)

pytestmark = pytest.mark.both_engines  # the database engine matters here

EXAMPLES = {"leader": 10, "anonymous": 4, "manager": 8, "admin": 8}
IDS = [
    "0",
    "-1",
    "1",
    "2",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "9" * 40,
    "1.0",
    "1e3",
    "0x10",
    "abc",
    "١",
    "١٢",
    "１",
    "²",
    " 1",
    "1\x00",
    "%00",
    "🙂",
    "..",
    "accept",
    "decline",
    "style.css",
    "../journal.js",
    "..%2f..%2fetc%2fpasswd",
]
# Query strings as sent, percent escapes and all: not valid UTF-8, NUL, repeated and empty keys.
RAW_QUERIES = [
    "q=%ff%fe%00&date_from=%c3%28",
    "page=%00&after=9999-12-31.1&before=0001-01-01.0",
    "after=2026-01-01.99999999999999999999&q=" + "%c3%b8" * 600,
    "period=custom&date_from=9999-12-31&date_to=0001-01-01",
    "period=custom&date_from=0001-01-01&date_to=9999-12-31",
    "goal=%ef%bc%91&task=%00&theme=%e2%80%ae",
    "next=%2F%2Fevil.example&notes=1&prompt=%00",
    "&&&==&=&a=1&a=2&a",
]


def fuzz_url(client, rule, method: str, world, csrf: str, examples: int):
    """A Hypothesis test opening `rule` with hostile path arguments and query strings."""
    ids = [*IDS, *(str(i) for i in world["ids"].values())]

    @given(
        path_values=st.fixed_dictionaries(
            {name: st.sampled_from(ids) | text for name in rule_arguments(rule)}
        ),
        own_path=st.booleans(),
        query=hostile_fields(query_names(), max_size=4),
        raw_query=st.none() | st.sampled_from(RAW_QUERIES),
        poison=poisons,
    )
    @fuzz_settings(examples)
    def open_hostile_url(path_values, own_path, query, raw_query, poison):
        path = world_path(rule, world["ids"]) if own_path else None
        path = path or build_path(rule, path_values)
        query_string = raw_query if raw_query is not None else poisoned(query, poison)
        if method == "GET":
            response = client.get(path, query_string=query_string)
        else:
            data = {"csrf_token": csrf}
            response = client.post(path, data=data, query_string=query_string)
        response.close()
        assert response.status_code < 500, (method, path, response.status_code)

    return open_hostile_url


@pytest.mark.parametrize("actor", ["leader", "anonymous", "manager", "admin"])
def test_no_url_answers_500(app, world, actor_client, actor):
    failures = Failures()
    for rule, method in routes(app):
        if not relevant(actor, rule.endpoint):
            continue
        client = actor_client(actor)
        csrf = client.csrf_token("/login" if actor == "anonymous" else "/")
        fuzz = fuzz_url(client, rule, method, world, csrf, EXAMPLES[actor])
        failures.run(f"{method} {rule.rule} as {actor}", fuzz)
    failures.check()
