"""What an adversarial review of single sign-on found, each test failing before its fix: an
address the provider does not vouch for, or a look-alike of another, must not bind an
account; a malformed ID token is a clear refusal."""

import pytest
from sqlalchemy import func, select

from journal.admin import onboarding
from journal.auth import services as accounts
from journal.models import SignInIdentity
from tests.sso.test_sso_refusals import STUB, through_stub
from tests.sso.test_sso_sign_in import signed_in_user_id


def imported(db, make_user, email: str):
    """An account the administrator imported with single sign-on: no password, no keys."""
    admin = make_user(is_admin=True)
    rows = onboarding.read_file(f"navn;e-mail\r\nKarin Kok;{email}\r\n".encode())
    onboarding.run_import(admin, rows)
    return accounts.find_user_by_email(email)


def bindings(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SignInIdentity))


@pytest.mark.parametrize("sso_settings", [STUB], indirect=True)
@pytest.mark.parametrize(
    "claims",
    [
        # A generic provider's self-chosen user name that looks like the victim's address,
        # with no (verified) email claim at all.
        {"email": None, "preferred_username": "karin@esbjerg.example"},
        # Another address at the provider (KELVIN SIGN, not K) that normalises to hers.
        {"email": "\u212aarin@esbjerg.example"},
        # Full-width letters in the domain: another domain at the provider, hers here.
        {"email": "karin@\uff45sbjerg.example"},
    ],
)
def test_an_unverified_or_look_alike_address_does_not_take_an_imported_account(
    client, db, make_user, stub, claims
):
    victim = imported(db, make_user, "karin@esbjerg.example")
    # A generic provider, where people may choose their user name: only a verified email.
    client.application.config["OIDC_PROVIDER_MANAGES_EMAIL"] = "preferred_username" not in claims
    stub.claims = claims
    through_stub(client)
    assert signed_in_user_id(client) != str(victim.id)
    assert bindings(db) == 0


@pytest.mark.parametrize("sso_settings", [STUB], indirect=True)
@pytest.mark.parametrize("token", ["a.b.c", "not-a-token", "", "eyJhbGciOiJub25lIn0.e30."])
def test_a_malformed_id_token_gets_the_refused_page_not_a_500(
    client, db, make_user, stub, monkeypatch, token
):
    make_user(is_admin=True)
    monkeypatch.setattr(stub, "id_token", lambda: token)
    answer = through_stub(client)
    assert answer.status_code == 400
    assert signed_in_user_id(client) is None
