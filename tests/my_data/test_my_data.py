"""The My data page: one click to a ZIP, import with a clear answer, all or nothing."""

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from journal.models import Entry

pytestmark = pytest.mark.both_engines  # the database engine matters here


def test_one_click_gives_a_zip_of_my_data(leader_client, leader, make_entry):
    make_entry(leader, title="Min refleksion", body="Tekst")
    response = leader_client.submit("/account/my-data/export", page="/account/my-data")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        data = json.loads(archive.read("journal.json"))
        assert any(
            name.startswith("entries/") and name.endswith(".md") for name in archive.namelist()
        )
    assert data["format"] == "ledelsesjournal" and data["schema_version"] == 1
    assert [entry["title"] for entry in data["entries"]] == ["Min refleksion"]


def test_my_data_where_it_used_to_be_still_answers(leader_client, leader, make_entry):
    """Bookmarks and pages left open from when My data was under the review: a 308 each, so
    a form's post arrives at the new address as it was sent."""
    make_entry(leader, title="Min refleksion", body="Tekst")
    page = leader_client.get("/review/my-data")
    assert (page.status_code, page.headers["Location"]) == (308, "/account/my-data")
    token = leader_client.csrf_token("/account/my-data")
    moved = leader_client.post("/review/my-data/export", data={"csrf_token": token})
    assert (moved.status_code, moved.headers["Location"]) == (308, "/account/my-data/export")
    export = leader_client.post(moved.headers["Location"], data={"csrf_token": token})
    assert export.status_code == 200 and export.mimetype == "application/zip"


def upload(client, content: bytes, name="journal.json"):
    return client.post(
        "/account/my-data/import",
        data={
            "csrf_token": client.csrf_token("/account/my-data"),
            "file": (io.BytesIO(content), name),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_import_through_the_page_and_twice_without_duplicates(
    app, leader_client, leader, make_user, make_entry, login, db
):
    make_entry(leader, title="Flyttes med", body="Tekst")
    archive = leader_client.submit("/account/my-data/export", page="/account/my-data").get_data()
    newcomer = app.test_client()
    login(newcomer, make_user())
    first = upload(newcomer, archive, "export.zip").get_data(as_text=True)
    assert "Importeret: 1 refleksioner" in first
    upload(newcomer, archive, "export.zip")
    assert (
        db.session.scalar(select(func.count()).select_from(Entry)) == 2
    )  # the original + one copy


def test_a_foreign_file_is_refused_with_a_message(leader_client, db):
    page = upload(leader_client, b'{"hello": "world"}').get_data(as_text=True)
    assert "Filen er ikke eksporteret fra Ledelsesjournal. Intet er importeret." in page
    page = upload(leader_client, b"\x00\x01 not json").get_data(as_text=True)
    assert "Filen kunne ikke læses" in page
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0
