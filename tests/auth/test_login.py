"""Logging in and out: sessions, failures that reveal nothing, safe redirects, CSRF."""

import pytest

from tests.conftest import CSRF_INPUT, TEST_PASSWORD


def test_login_opens_the_dashboard(client, leader, login):
    response = login(client, leader)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Lone Leder" in client.get("/").get_data(as_text=True)


def test_email_is_matched_regardless_of_case(client, leader):
    response = client.submit("/login", {"email": leader.email.upper(), "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_a_failed_login_never_says_whether_the_email_exists(client, leader):
    def attempt(email):
        response = client.submit("/login", {"email": email, "password": "wrong password here"})
        body = response.get_data(as_text=True)
        # CSRF tokens carry a timestamp; blank them out before comparing pages.
        return response.status_code, CSRF_INPUT.sub('name="csrf_token" value=""', body)

    wrong_password = attempt(leader.email)
    unknown_email = attempt("nobody@esbjerg.example")
    assert wrong_password[0] == unknown_email[0] == 200
    # The pages differ only in the echoed email address.
    assert wrong_password[1].replace(leader.email, "") == unknown_email[1].replace(
        "nobody@esbjerg.example", ""
    )
    assert client.get("/").status_code == 302


def test_a_deactivated_account_cannot_log_in_or_stay_logged_in(client, db, leader, login):
    login(client, leader)
    leader.is_active = False
    db.session.commit()
    assert client.get("/").headers["Location"].startswith("/login")
    assert login(client, leader).status_code == 200


def test_login_starts_a_new_session(client, leader, login):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client, leader)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == str(leader.id)


def test_logout_is_a_post_and_ends_the_session(client, leader, login):
    login(client, leader)
    assert client.get("/logout").status_code == 405
    response = client.submit("/logout", page="/")
    assert response.status_code == 302
    assert client.get("/").headers["Location"].startswith("/login")


def test_anonymous_visitors_are_sent_to_login_and_back(client, leader, login):
    response = client.get("/framework/?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/framework/?x%3D1"
    response = login(client, leader, next_url="/framework/?x=1")
    assert response.headers["Location"] == "/framework/?x=1"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\x00/evil.example",
    ],
)
def test_next_only_leads_to_this_site(client, leader, login, target):
    response = login(client, leader, next_url=target)
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("url", "data"),
    [("/login", {"email": "x@esbjerg.example", "password": "y"}), ("/logout", {})],
)
def test_posts_without_a_csrf_token_are_refused(client, leader, login, url, data):
    login(client, leader)
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still logged in: the logout was refused


def test_logout_forgets_everything_in_the_session(client, leader, login):
    login(client, leader)
    client.get("/")  # puts a CSRF token in the session
    client.submit("/logout", page="/")
    with client.session_transaction() as session:
        assert set(session) <= {"_flashes"}


def test_an_unknown_email_costs_as_much_hashing_as_a_wrong_password(client, leader, monkeypatch):
    from journal.auth import services

    spent = []
    monkeypatch.setattr(services, "spend_hash_time", spent.append)
    client.submit("/login", {"email": "nobody@esbjerg.example", "password": "some guess here"})
    assert spent == ["some guess here"]


@pytest.mark.both_engines  # PostgreSQL cannot compare text that holds a NUL
@pytest.mark.parametrize("email", ["a\x00b@esbjerg.example", "\x00", "x" * 5000])
def test_hostile_emails_get_an_answer_not_an_error(client, leader, email):
    response = client.submit("/login", {"email": email, "password": "anything at all"})
    assert response.status_code == 200
