"""While the database is down (restarting, unreachable), a 503 page to try again, not a 500."""

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from journal.entries import services as entries
from journal.extensions import login_manager

pytestmark = pytest.mark.both_engines  # the database engine matters here


def outage(*_args, **_kwargs):
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def test_a_database_outage_shows_a_page_to_try_again(leader_client, monkeypatch):
    monkeypatch.setattr(login_manager, "_user_callback", outage)  # the first query fails
    response = leader_client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "Wait a moment" in page or "Vent et øjeblik" in page  # Danish once translated
    assert "Traceback" not in page and "SELECT" not in page


def test_after_a_failed_statement_the_page_still_renders_and_the_login_stays(
    leader_client, make_entry, leader, monkeypatch
):
    entry = make_entry(leader)
    monkeypatch.setattr(entries, "get_entry_for", outage)
    assert leader_client.get(f"/journal/{entry.id}").status_code == 503
    monkeypatch.undo()
    assert leader_client.get(f"/journal/{entry.id}").status_code == 200


def test_a_connection_dropped_before_the_request_ends_does_not_fail_it(client, monkeypatch):
    """PostgreSQL restarting between the page and the end of the request: the rollback that
    ends the session fails, but the response stands and the next request works."""
    close = Session.close
    failures = []

    def close_once(session):
        if not failures:
            failures.append(session)
            raise OperationalError("ROLLBACK", {}, ConnectionResetError("server closed"))
        return close(session)

    monkeypatch.setattr(Session, "close", close_once)
    assert client.get("/login").status_code in (200, 302)
    assert failures
    assert client.get("/login").status_code in (200, 302)
