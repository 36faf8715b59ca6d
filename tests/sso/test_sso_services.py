"""The rules of single sign-on's accounts, without HTTP, on both database engines: the
database's constraints back every rule a race could slip past."""

import pytest
from sqlalchemy.exc import IntegrityError

from journal.auth import keys
from journal.models import SignInIdentity
from journal.sso import services
from journal.sso.services import NotAllowed, SignIn

pytestmark = pytest.mark.both_engines  # unique constraints and their errors

ISSUER = "https://login.microsoftonline.com/tenant/v2.0"


def sign_in(subject: str, email: str | None, name: str = "Birgit Berg") -> SignIn:
    return SignIn(ISSUER, subject, email, name)


def test_a_first_sign_in_makes_binds_and_later_finds_the_account(app, db, make_user):
    made = services.account_for(sign_in("t:o1", "birgit@esbjerg.example"))
    assert not made.needs_link and not keys.has_keys(made.user)
    assert made.user.password_hash == services.NO_PASSWORD
    found = services.account_for(sign_in("t:o1", "another@address.example"))
    assert found.user.id == made.user.id


def test_a_second_subject_with_the_same_address_is_refused(app, db):
    services.account_for(sign_in("t:o1", "birgit@esbjerg.example"))
    with pytest.raises(NotAllowed) as refused:
        services.account_for(sign_in("t:o2", "birgit@esbjerg.example"))
    assert refused.value.reason == "taken"


def test_an_account_with_a_journal_needs_a_link_and_links_once(app, db, make_user):
    leader = make_user(email="lone@esbjerg.example")
    outcome = services.account_for(sign_in("t:lone", "lone@esbjerg.example"))
    assert outcome.needs_link and outcome.user.id == leader.id
    services.link(leader, sign_in("t:lone", "lone@esbjerg.example"))
    with pytest.raises(NotAllowed):
        services.link(leader, sign_in("t:someone-else", "lone@esbjerg.example"))


def test_the_database_refuses_a_subject_twice_and_an_account_twice_per_issuer(app, db, make_user):
    first, second = make_user(), make_user()
    db.session.add(SignInIdentity(user_id=first.id, issuer=ISSUER, subject="t:o1"))
    db.session.commit()
    for user_id, subject in ((second.id, "t:o1"), (first.id, "t:o2")):
        db.session.add(SignInIdentity(user_id=user_id, issuer=ISSUER, subject=subject))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize(
    ("claims", "subject"),
    [
        ({"tid": "t", "oid": "o"}, "t:o"),
        ({"tid": "t"}, None),
        ({"tid": "t", "oid": ""}, None),
        ({"tid": "t", "oid": 7}, None),
        ({"tid": "t:x", "oid": "o"}, None),  # a ":" would blur where one claim ends
        ({"tid": "t", "oid": "o" * 300}, None),
    ],
)
def test_the_subject_is_the_configured_claims_joined(claims, subject):
    if subject is None:
        with pytest.raises(NotAllowed):
            services.subject_of(claims, ["tid", "oid"])
    else:
        assert services.subject_of(claims, ["tid", "oid"]) == subject


@pytest.mark.parametrize(
    ("claims", "email"),
    [
        ({"email": "Birgit@Esbjerg.DK"}, "birgit@esbjerg.dk"),
        ({"email": "b@esbjerg.dk", "email_verified": False}, None),
        ({"email": "b@esbjerg.dk", "email_verified": "false"}, None),
        ({"preferred_username": "B@esbjerg.dk"}, "b@esbjerg.dk"),
        ({"preferred_username": "BIRBER"}, None),  # an on-premises user name, no address
        ({"email": "not an address"}, None),
        ({"email": "a@" + "b" * 2000 + ".dk"}, None),
    ],
)
def test_the_address_is_email_else_an_address_like_preferred_username(app, claims, email):
    """Where the provider manages its people's addresses (Entra ID)."""
    assert services.email_of(claims, provider_manages_email=True) == email


@pytest.mark.parametrize(
    ("claims", "email"),
    [
        ({"email": "Birgit@Esbjerg.DK", "email_verified": True}, "birgit@esbjerg.dk"),
        ({"email": "b@esbjerg.dk", "email_verified": "true"}, "b@esbjerg.dk"),
        ({"email": "b@esbjerg.dk"}, None),  # not said to be verified
        ({"preferred_username": "b@esbjerg.dk", "email_verified": True}, None),  # chosen
    ],
)
def test_elsewhere_only_a_verified_email_is_the_address(app, claims, email):
    assert services.email_of(claims, provider_manages_email=False) == email
