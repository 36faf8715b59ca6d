"""Password log-in switched off (PASSWORD_LOGIN=off): the log-in page offers only the
municipal account, and a password is refused wherever one could log in; the first
account's set-up still works while there is no account at all."""

import pytest
from sqlalchemy import select

from journal import create_app
from journal.models import User
from tests.conftest import TEST_PASSWORD
from tests.sso.test_sso_sign_in import signed_in_user_id

OFF = {"PASSWORD_LOGIN": False}


@pytest.mark.parametrize("sso_settings", [OFF], indirect=True)
def test_the_login_page_offers_only_the_municipal_account(client, make_user):
    make_user()
    page = client.get("/login").get_data(as_text=True)
    assert "Log ind med din kommunekonto" in page
    assert 'name="password"' not in page and 'name="email"' not in page


@pytest.mark.parametrize("sso_settings", [OFF], indirect=True)
def test_a_password_posted_anyway_is_refused(client, leader):
    token = client.csrf_token("/no-such-page")  # any page has the header's token
    answer = client.post(
        "/login", data={"email": leader.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 403
    assert "Log ind med adgangskode er slået fra her." in answer.get_data(as_text=True)
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("sso_settings", [OFF], indirect=True)
def test_the_rescue_page_takes_no_password_either(client, leader):
    token = client.csrf_token("/no-such-page")
    answer = client.post(
        "/rescue",
        data={
            "csrf_token": token,
            "email": leader.email,
            "password": TEST_PASSWORD,
            "rescue_for": "entries.new",
            "entry_date": "2026-03-02",
            "body": "Teksten er her stadig.",
        },
    )
    assert "Teksten er her stadig." in answer.get_data(as_text=True)
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("sso_settings", [OFF], indirect=True)
def test_the_first_account_is_still_set_up_with_a_password(client, db):
    first = {
        "name": "Mette Madsen",
        "email": "mette@esbjerg.example",
        "password": TEST_PASSWORD,
        "confirm": TEST_PASSWORD,
    }
    assert client.submit("/setup", first).status_code == 302
    assert db.session.scalar(select(User)).is_admin


def test_with_password_log_in_on_both_ways_are_offered(client, leader, login):
    page = client.get("/login").get_data(as_text=True)
    assert "Log ind med din kommunekonto" in page and 'name="password"' in page
    assert login(client, leader).status_code == 302


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"PASSWORD_LOGIN": "off"}, "PASSWORD_LOGIN is off but OIDC_ISSUER is not set"),
        (
            {"OIDC_ISSUER": "http://login.esbjerg.example", "OIDC_CLIENT_ID": "x"},
            "OIDC_ISSUER must be an https:// address",
        ),
        ({"OIDC_ISSUER": "https://login.esbjerg.example"}, "OIDC_CLIENT_ID must be"),
        (
            {
                "OIDC_ISSUER": "https://login.esbjerg.example",
                "OIDC_CLIENT_ID": "x",
                "OIDC_SUBJECT_CLAIMS": "tid,",
            },
            "OIDC_SUBJECT_CLAIMS must name claims",
        ),
    ],
)
def test_sign_in_settings_that_make_no_sense_stop_the_app(
    tmp_path, monkeypatch, settings, complaint
):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError) as raised:
        create_app({"INSTANCE_PATH": tmp_path})
    assert complaint in str(raised.value)


def test_the_sign_in_settings_are_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("OIDC_ISSUER", "https://login.microsoftonline.com/tenant-id/v2.0")
    monkeypatch.setenv("OIDC_CLIENT_ID", "client-id")
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "client-secret")
    monkeypatch.setenv("OIDC_SUBJECT_CLAIMS", "tid,oid")
    monkeypatch.setenv("OIDC_JIT_DOMAINS", "esbjerg.dk")
    monkeypatch.setenv("OIDC_BUTTON_LABEL", "Esbjerg Kommune")
    monkeypatch.setenv("PASSWORD_LOGIN", "off")
    config = create_app({"INSTANCE_PATH": tmp_path}).config
    assert config["OIDC_ISSUER"] == "https://login.microsoftonline.com/tenant-id/v2.0"
    assert (config["OIDC_SUBJECT_CLAIMS"], config["OIDC_JIT_DOMAINS"]) == ("tid,oid", "esbjerg.dk")
    assert config["PASSWORD_LOGIN"] is False
