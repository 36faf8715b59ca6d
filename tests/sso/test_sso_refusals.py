"""Every way a sign-in can go wrong ends on one clear page ("Prøv igen"), never a 500, and
logs why with nothing but the issuer. The ID token checks are the library's own: the stub
provider hands out tokens spoiled in one way each, signed with real keys."""

import logging
import time

import pytest
import requests
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from journal.models import SignInIdentity, User
from tests.conftest import configured_app
from tests.sso.conftest import back_from, entra_claims, to_provider
from tests.sso.test_sso_sign_in import signed_in_user_id

STUB = {"OIDC_ISSUER": "stub"}


def through_stub(client):
    """Sign in at the stub provider (which says yes at once): the callback's answer."""
    started = to_provider(client)
    assert started.status_code == 302
    return back_from(
        client, requests.get(started.headers["Location"], allow_redirects=False, timeout=10)
    )


def assert_refused(answer, status: int, client, db) -> str:
    """The refused page with `status`, nobody signed in, no binding made: the page."""
    page = answer.get_data(as_text=True)
    assert answer.status_code == status
    assert "Du er ikke logget ind" in page and "Prøv igen" in page
    assert signed_in_user_id(client) is None
    assert db.session.scalar(select(func.count()).select_from(SignInIdentity)) == 0
    return page


def journal_log(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("journal"))


@pytest.mark.parametrize("sso_settings", [STUB], indirect=True)
def test_the_stub_provider_signs_in_when_nothing_is_spoiled(client, db, make_user, stub):
    make_user()
    answer = through_stub(client)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert db.session.scalar(select(User).where(User.email == "stub@esbjerg.example"))


@pytest.mark.parametrize("sso_settings", [STUB], indirect=True)
@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param({"signing_key": "another"}, id="tampered signature"),
        pytest.param({"claims": {"iss": "https://login.evil.example/v2.0"}}, id="wrong issuer"),
        pytest.param({"claims": {"aud": "another-app"}}, id="wrong audience"),
        # The authorised party names us, the audience does not: still not for us.
        pytest.param(
            {"claims": {"aud": "another-app", "azp": "ledelsesjournal-test"}},
            id="wrong audience with our azp",
        ),
        pytest.param(
            {"claims": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}},
            id="expired",
        ),
        pytest.param({"nonce": "a-nonce-from-another-sign-in"}, id="foreign nonce"),
        pytest.param({"claims": {"nonce": None}}, id="no nonce"),
    ],
)
def test_a_spoiled_id_token_is_refused(client, db, make_user, stub, spoil, caplog):
    make_user()
    caplog.set_level(logging.INFO, logger="journal.sso")
    if spoil.get("signing_key"):
        # Another key under the published key's id: the signature cannot verify.
        stub.signing_key = RSAKey.generate_key(2048, parameters={"kid": stub.key.kid})
    stub.claims = spoil.get("claims", {})
    stub.nonce = spoil.get("nonce")
    assert_refused(through_stub(client), 400, client, db)
    logged = journal_log(caplog)
    assert "single sign-on refused: token" in logged and stub.url in logged
    assert "oid-stub" not in logged and "stub@esbjerg.example" not in logged


@pytest.mark.parametrize("sso_settings", [STUB], indirect=True)
def test_a_token_answer_without_an_id_token_is_refused(client, db, make_user, stub):
    make_user()
    stub.without_id_token = True
    assert_refused(through_stub(client), 400, client, db)


@pytest.mark.parametrize("sso_settings", [{"OIDC_ISSUER": "stub/"}], indirect=True)
def test_a_provider_that_names_another_issuer_is_refused(client, db, make_user, stub, caplog):
    make_user()
    caplog.set_level(logging.INFO, logger="journal.sso")
    assert_refused(to_provider(client), 502, client, db)
    assert "single sign-on refused: metadata" in journal_log(caplog)


@pytest.mark.parametrize("sso_settings", [STUB], indirect=True)
def test_a_replayed_nonce_is_refused(client, app, db, make_user, stub):
    make_user()
    through_stub(client)  # a sign-in the attacker has seen
    earlier_nonce = stub.nonces[-1]
    db.session.execute(SignInIdentity.__table__.delete())
    db.session.commit()
    attacker = app.test_client()
    stub.nonce = earlier_nonce  # its ID token, replayed into a new sign-in
    assert_refused(through_stub(attacker), 400, attacker, db)


@pytest.mark.parametrize("sso_settings", [{"OIDC_ISSUER": "closed"}], indirect=True)
def test_an_unreachable_provider_gets_a_clear_page(client, db, make_user, caplog):
    make_user()
    caplog.set_level(logging.INFO, logger="journal.sso")
    page = assert_refused(to_provider(client), 502, client, db)
    assert "svarede ikke" in page
    assert "unreachable" in journal_log(caplog)


def test_a_provider_refusal_is_shown_as_such(client, db, make_user, sign_in):
    make_user()
    answer = sign_in(client, "someone", entra_claims("oid-s", "s@esbjerg.example"), deny=True)
    page = assert_refused(answer, 400, client, db)
    assert "afbrudt eller afvist" in page


def test_a_replayed_callback_is_refused(client, db, make_user, sign_in):
    make_user()
    answer = sign_in.at_provider(client, "eva", entra_claims("oid-eva", "eva@andenkommune.example"))
    assert back_from(client, answer).status_code == 403  # a genuine sign-in, no access
    page = assert_refused(back_from(client, answer), 400, client, db)
    assert "allerede brugt" in page


def test_a_callback_from_another_browser_is_refused(client, app, db, make_user, sign_in):
    make_user()
    answer = sign_in.at_provider(client, "eva", entra_claims("oid-eva", "eva@esbjerg.example"))
    stranger = app.test_client()  # the victim's browser, handed the attacker's code
    assert_refused(back_from(stranger, answer), 400, stranger, db)


@pytest.mark.parametrize(
    "query",
    ["", "?code=abc", "?state=abc", "?code=abc&state=never-started"],
    ids=["nothing", "no state", "no code", "unknown state"],
)
def test_a_callback_without_a_state_of_ours_is_refused(client, db, make_user, query):
    make_user()
    assert_refused(client.get(f"/login/sso/callback{query}"), 400, client, db)


def test_a_sign_in_left_too_long_is_refused(client, db, make_user, sign_in):
    make_user()
    answer = sign_in.at_provider(client, "eva", entra_claims("oid-eva", "eva@esbjerg.example"))
    with client.session_transaction() as session:
        session["sso_flow"] = {**session["sso_flow"], "at": int(time.time()) - 3600}
    page = assert_refused(back_from(client, answer), 400, client, db)
    assert "for lang tid" in page


@pytest.mark.parametrize(
    "query",
    ["?code=" + "c" * 5000 + "&state=s", "?code=c&state=" + "s" * 500, "?x=" + "y" * 9000],
    ids=["code", "state", "query"],
)
def test_oversized_parameters_are_refused_before_anything_else(client, db, make_user, query):
    make_user()
    assert_refused(client.get(f"/login/sso/callback{query}"), 400, client, db)


def test_a_missing_subject_claim_is_refused(client, db, make_user, sign_in, caplog):
    make_user()
    caplog.set_level(logging.INFO, logger="journal.sso")
    claims = entra_claims("oid-x", "x@esbjerg.example")
    del claims["oid"]
    page = assert_refused(sign_in(client, "x", claims), 400, client, db)
    assert "ikke, hvem du er" in page
    assert "single sign-on refused: subject" in journal_log(caplog)


def test_without_single_sign_on_its_routes_are_not_found(tmp_path, database_url):
    plain = configured_app(database_url, tmp_path / "plain")
    client = plain.test_client()
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?state=x&code=y").status_code == 404
    assert "kommunekonto" not in client.get("/login").get_data(as_text=True)
