"""Log-in forms with hostile input: refused like a wrong password, never a 500."""

import pytest

from journal.auth import services

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
