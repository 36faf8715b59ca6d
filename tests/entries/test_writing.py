"""Writing, reading, editing, starring: the owner's journal, and nobody else's."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from journal.entries import services
from journal.i18n import today_for
from journal.models import Entry
from tests.conftest import stored_entries, stored_entry

pytestmark = pytest.mark.both_engines  # the database engine matters here


def entry_data(**changes):
    return {
        "entry_date": "2026-03-02",
        "title": "Svær samtale",
        "body": "I dag gav jeg **feedback** til en medarbejder.",
        "tasks": ["feedback-and-facilitation"],
        "action": "save",
        **changes,
    }


def only_entry(db) -> Entry:
    (entry,) = stored_entries(db)
    return entry


def test_write_and_read_an_entry(leader_client, leader, db):
    response = leader_client.submit("/journal/new", entry_data(starred="y"))
    assert response.status_code == 302
    entry = only_entry(db)
    assert (entry.owner_id, entry.title, entry.starred) == (leader.id, "Svær samtale", True)
    assert entry.task_keys == ["feedback-and-facilitation"]
    assert entry.version == 1
    page = leader_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>feedback</strong>" in page
    assert "Feedback og facilitering" in page


def test_the_date_defaults_to_today_where_the_leader_is(leader_client, leader):
    page = leader_client.get("/journal/new").get_data(as_text=True)
    assert f'value="{today_for(leader).isoformat()}"' in page


def test_a_future_date_is_refused_and_the_text_kept(leader_client, leader, db):
    tomorrow = today_for(leader) + timedelta(days=1)
    response = leader_client.submit(
        "/journal/new", entry_data(entry_date=tomorrow.isoformat(), body="Mine tanker")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "fremtiden" in page and "Mine tanker" in page
    assert db.session.scalar(select(Entry)) is None


@pytest.mark.parametrize("date", ["", "2026-13-45", "i går", "2026-02-30"])
def test_a_malformed_date_gets_a_message_not_an_error(leader_client, db, date):
    response = leader_client.submit("/journal/new", entry_data(entry_date=date))
    assert response.status_code == 200
    assert 'id="entry_date-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Entry)) is None


def test_an_entry_without_tasks_is_saved_with_a_gentle_nudge(leader_client, db):
    response = leader_client.submit("/journal/new", entry_data(tasks=[]), follow_redirects=True)
    assert "Tip:" in response.get_data(as_text=True)
    assert only_entry(db).task_keys == []


def test_an_unknown_task_key_is_refused(leader_client, db):
    response = leader_client.submit("/journal/new", entry_data(tasks=["no-such-task"]))
    assert response.status_code == 200
    assert db.session.scalar(select(Entry)) is None


def test_an_empty_entry_is_refused(leader_client, db):
    response = leader_client.submit("/journal/new", entry_data(title=" ", body="  \n "))
    assert 'id="body-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Entry)) is None


def test_a_body_of_100000_characters_is_accepted(leader_client, db):
    body = "æ" * 100_000
    assert leader_client.submit("/journal/new", entry_data(body=body)).status_code == 302
    assert len(only_entry(db).body) == 100_000


def test_a_longer_body_gets_a_clear_message_with_the_text_still_in_the_form(leader_client, db):
    body = "Mit lange notat " + "ø" * 100_000
    response = leader_client.submit("/journal/new", entry_data(body=body))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "100.016" in page and "100.000" in page  # counted, in Danish number format
    assert body in page
    assert db.session.scalar(select(Entry)) is None


def test_edit_saves_and_counts_versions(leader_client, leader, make_entry, db):
    entry = make_entry(leader, title="Før", task_keys=["vision"])
    page = leader_client.get(f"/journal/{entry.id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in page
    response = leader_client.submit(
        f"/journal/{entry.id}/edit", entry_data(title="Efter", version="1", tasks=["delegation"])
    )
    assert response.status_code == 302
    entry = only_entry(db)
    assert (entry.title, entry.version, entry.task_keys) == ("Efter", 2, ["delegation"])


def test_saving_over_a_newer_version_is_refused_with_both_versions_shown(
    leader_client, leader, make_entry, db
):
    entry = make_entry(leader, title="Original", body="Første udgave")
    # Another tab saves first …
    leader_client.submit(
        f"/journal/{entry.id}/edit",
        entry_data(title="Fra fane A", body="Tekst fra fane A", version="1"),
    )
    # … then this tab saves its edit of version 1.
    response = leader_client.submit(
        f"/journal/{entry.id}/edit",
        entry_data(title="Fra fane B", body="Tekst fra fane B", version="1"),
        page=f"/journal/{entry.id}",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tekst fra fane A" in page and "Tekst fra fane B" in page
    assert only_entry(db).body == "Tekst fra fane A"
    assert 'name="version" type="hidden" value="2"' in page
    # Saving again from the conflict page is a deliberate choice, and it wins.
    leader_client.submit(
        f"/journal/{entry.id}/edit",
        entry_data(title="Fra fane B", body="Tekst fra fane B", version="2"),
        page=f"/journal/{entry.id}",
    )
    assert only_entry(db).body == "Tekst fra fane B"


def test_two_saves_of_the_same_version_cannot_both_win(app, leader, make_entry):
    entry = make_entry(leader)
    values = {"entry_date": entry.entry_date, "title": "", "task_keys": [], "starred": False}
    services.update_entry(leader, entry, version=1, body="A", **values)
    with pytest.raises(services.VersionConflict) as conflict:
        services.update_entry(leader, entry, version=1, body="B", **values)
    assert conflict.value.current.body == "A"


def test_star_and_unstar(leader_client, leader, make_entry, db):
    entry = make_entry(leader)
    leader_client.submit(f"/journal/{entry.id}/star", {"starred": "1"}, page=f"/journal/{entry.id}")
    assert only_entry(db).starred
    leader_client.submit(f"/journal/{entry.id}/star", {"starred": "0"}, page=f"/journal/{entry.id}")
    assert not only_entry(db).starred


ENTRY_ROUTES = [
    ("GET", "/journal/{id}"),
    ("GET", "/journal/{id}/edit"),
    ("POST", "/journal/{id}/edit"),
    ("POST", "/journal/{id}/star"),
    ("POST", "/journal/{id}/delete"),
]


@pytest.mark.parametrize(("method", "path"), ENTRY_ROUTES)
def test_another_leaders_entry_answers_404(app, make_user, make_entry, login, db, method, path):
    owner, other = make_user(), make_user()
    entry = make_entry(owner, body="Hemmelig tekst")
    client = app.test_client()
    login(client, other)
    url = path.format(id=entry.id)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.submit(url, entry_data(version="1", starred="1"), page="/")
    assert response.status_code == 404
    assert "Hemmelig tekst" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert stored_entry(db, entry.id).body == "Hemmelig tekst"
    assert db.session.get(Entry, entry.id).deleted_at is None


@pytest.mark.parametrize(("method", "path"), ENTRY_ROUTES)
def test_an_anonymous_visitor_gets_nothing(client, leader, make_entry, db, method, path):
    entry = make_entry(leader, body="Hemmelig tekst")
    url = path.format(id=entry.id)
    response = client.get(url) if method == "GET" else client.post(url, data={"body": "x"})
    assert "Hemmelig tekst" not in response.get_data(as_text=True)
    assert response.status_code in (302, 200, 400)
    db.session.expire_all()
    assert stored_entry(db, entry.id).body == "Hemmelig tekst"


@pytest.mark.parametrize(
    "url",
    [
        "/journal/99999999999999999999",
        "/journal/99999999999999999999/edit",
        "/journal/0",
        "/journal/?after=2026-01-01.99999999999999999999",
        "/journal/?before=9999-99-99.1&q=" + "ø" * 500,
    ],
)
def test_hostile_numbers_in_urls_are_not_errors(leader_client, url):
    assert leader_client.get(url).status_code in (200, 404)


def test_a_huge_version_or_entry_id_in_a_form_is_not_an_error(leader_client, leader, make_entry):
    entry = make_entry(leader)
    response = leader_client.submit(
        f"/journal/{entry.id}/edit", entry_data(version="9" * 30), page=f"/journal/{entry.id}"
    )
    assert response.status_code == 200
    response = leader_client.submit(
        "/rescue",
        {
            "rescue_for": "entries.edit",
            "entry_id": "9" * 30,
            "email": leader.email,
            "password": "x",
        },
        page="/",
    )
    assert response.status_code == 200


def test_line_breaks_count_once_as_the_page_counts_them(leader_client, db):
    body = ("a" * 99 + "\r\n") * 1000  # 100,000 characters with \n, 101,000 with \r\n
    assert leader_client.submit("/journal/new", entry_data(body=body)).status_code == 302
    assert "\r" not in only_entry(db).body and len(only_entry(db).body) == 100_000


@pytest.mark.parametrize(("zone", "offset"), [("Pacific/Kiritimati", 14), ("Pacific/Niue", -11)])
def test_today_is_the_leaders_own_date(app, make_user, login, zone, offset):
    from datetime import UTC, datetime, timedelta

    user = make_user(timezone=zone)
    client = app.test_client()
    login(client, user)
    local_today = (datetime.now(UTC) + timedelta(hours=offset)).date()
    page = client.get("/journal/new").get_data(as_text=True)
    assert f'value="{local_today.isoformat()}"' in page
    tomorrow = (local_today + timedelta(days=1)).isoformat()
    refused = client.submit("/journal/new", entry_data(entry_date=tomorrow))
    assert refused.status_code == 200
    assert (
        client.submit("/journal/new", entry_data(entry_date=local_today.isoformat())).status_code
        == 302
    )
