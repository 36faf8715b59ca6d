"""Log-in forms with hostile input: refused like a wrong password, never a 500."""

import email_validator
import pytest
from sqlalchemy import func, select

from journal.auth import services
from journal.models import LoginFailure

pytestmark = pytest.mark.both_engines  # the database engine matters here

NUL_EMAILS = ["lone\x00@esbjerg.example", "\x00", "leader2@esbjerg.example\x00"]


@pytest.mark.parametrize("email", NUL_EMAILS)
def test_an_email_with_a_nul_matches_no_account(app, leader, email):
    # PostgreSQL cannot compare text holding a NUL: the lookup must not even ask it.
    assert services.find_user_by_email(email) is None


@pytest.mark.parametrize("form", ["entries.new", "goals.new", "review.save"])
def test_a_rescue_log_in_with_a_nul_in_the_email_keeps_the_text(client, leader, form):
    token = client.csrf_token("/login")
    response = client.post(
        "/rescue",
        data={
            "rescue_for": form,
            "csrf_token": token,
            "email": leader.email + "\x00",
            "password": "a calm walk\x00",
            "body": "Min tekst 🙂 שלום",
            "title": "Min tekst 🙂 שלום",
            "proud": "Min tekst 🙂 שלום",
        },
    )
    assert response.status_code == 200
    assert "Min tekst 🙂 שלום" in response.get_data(as_text=True)


@pytest.fixture
def address_checks(monkeypatch):
    """Every check of an address (email_validator's, which WTForms uses too), counted; and
    every password hash, which must not happen for an address no account can have."""
    calls = {"validate": 0, "hash": 0}
    validate = email_validator.validate_email

    def counted(*args, **kwargs):
        calls["validate"] += 1
        return validate(*args, **kwargs)

    def no_hashing(*_args, **_kwargs):
        calls["hash"] += 1
        return False

    monkeypatch.setattr(email_validator, "validate_email", counted)
    monkeypatch.setattr(services, "verify_password", no_hashing)
    monkeypatch.setattr(services, "spend_hash_time", no_hashing)
    return calls


LONG_EMAILS = ["x" * 300 + "@esbjerg.example", "a" * 3_000_000 + "@esbjerg.example"]


@pytest.mark.parametrize("email", LONG_EMAILS, ids=["300 characters", "3 MB"])
def test_a_long_email_at_log_in_is_refused_before_any_check(client, leader, address_checks, email):
    response = client.submit("/login", {"email": email, "password": "anything at all"})
    assert response.status_code == 200
    assert "En e-mailadresse har højst 254 tegn." in response.get_data(as_text=True)
    assert address_checks == {"validate": 0, "hash": 0}


@pytest.mark.parametrize("email", LONG_EMAILS, ids=["300 characters", "3 MB"])
def test_a_long_email_at_a_rescue_log_in_is_counted_and_never_checked(
    app, db, leader, address_checks, email
):
    browser = app.test_client()
    data = {"rescue_for": "entries.new", "body": "Min tekst", "email": email, "password": "x"}
    response = browser.post("/rescue", data={**data, "csrf_token": browser.csrf_token("/login")})
    assert response.status_code == 200 and "Min tekst" in response.get_data(as_text=True)
    assert address_checks == {"validate": 0, "hash": 0}
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) > 0  # throttled


def test_a_long_manager_or_admin_email_is_refused_before_any_check(
    app, leader, make_user, log_in_as, address_checks
):
    long = "x" * 300 + "@esbjerg.example"
    browser = log_in_as(app.test_client(), leader)
    admin = log_in_as(app.test_client(), make_user(name="Anne", is_admin=True))
    address_checks["validate"] = 0  # making the administrator's account checked hers
    answer = browser.submit("/sharing/request", {"email": long}, page="/sharing/")
    assert "En e-mailadresse har højst 254 tegn." in answer.get_data(as_text=True)
    form = {"leader_email": long, "manager_email": long}
    answer = admin.submit("/admin/links", form)
    assert answer.get_data(as_text=True).count("En e-mailadresse har højst 254 tegn.") == 2
    assert address_checks == {"validate": 0, "hash": 0}


def test_an_address_is_checked_once_per_log_in(client, leader, address_checks):
    """The log-in looks the address up and counts it against several limits: it is
    normalised once for all of them."""
    token = client.csrf_token("/login")
    client.post("/login", data={"csrf_token": token, "email": leader.email, "password": "wrong"})
    assert address_checks["validate"] == 1
