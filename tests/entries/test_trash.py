"""Delete to the trash, restore within 30 days, purge after, delete forever on purpose."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from journal.entries import services
from journal.models import Entry, EntryTask
from journal.models.user import utcnow

pytestmark = pytest.mark.both_engines  # the database engine matters here


def test_delete_restore_and_delete_forever(leader_client, leader, make_entry, db):
    entry = make_entry(leader, title="Til papirkurven", task_keys=["vision"])
    entry_id = entry.id
    leader_client.submit(f"/journal/{entry.id}/delete", page=f"/journal/{entry.id}")
    assert "Til papirkurven" not in leader_client.get("/journal/").get_data(as_text=True)
    assert leader_client.get(f"/journal/{entry.id}").status_code == 404
    assert "Til papirkurven" in leader_client.get("/journal/trash").get_data(as_text=True)

    leader_client.submit(f"/journal/trash/{entry.id}/restore", page="/journal/trash")
    assert leader_client.get(f"/journal/{entry.id}").status_code == 200

    leader_client.submit(f"/journal/{entry.id}/delete", page=f"/journal/{entry.id}")
    confirm = leader_client.get(f"/journal/trash/{entry.id}/delete")
    assert confirm.status_code == 200 and "Til papirkurven" in confirm.get_data(as_text=True)
    db.session.expire_all()
    assert (
        db.session.scalar(select(Entry).where(Entry.id == entry_id)) is not None
    )  # asking is not deleting
    leader_client.submit(f"/journal/trash/{entry.id}/delete")
    db.session.expire_all()
    assert db.session.scalar(select(Entry).where(Entry.id == entry_id)) is None
    assert db.session.scalar(select(EntryTask)) is None


def test_only_the_owner_reaches_the_trash(app, make_user, make_entry, login):
    owner, other = make_user(), make_user()
    entry = make_entry(owner, title="Hemmelig")
    services.trash_entry(owner, entry)
    client = app.test_client()
    login(client, other)
    assert "Hemmelig" not in client.get("/journal/trash").get_data(as_text=True)
    assert client.get(f"/journal/trash/{entry.id}/delete").status_code == 404
    for url in (f"/journal/trash/{entry.id}/restore", f"/journal/trash/{entry.id}/delete"):
        assert client.submit(url, page="/").status_code == 404


def test_entries_older_than_30_days_in_the_trash_are_purged(app, leader, make_entry, db):
    old, recent, kept = make_entry(leader), make_entry(leader), make_entry(leader)
    services.trash_entry(leader, old)
    services.trash_entry(leader, recent)
    old.deleted_at = utcnow() - timedelta(days=31)
    recent.deleted_at = utcnow() - timedelta(days=29)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["trash", "purge"])
    assert result.exit_code == 0 and "Deleted 1 " in result.output
    db.session.expire_all()
    assert {e.id for e in db.session.scalars(select(Entry))} == {recent.id, kept.id}


def test_the_trash_page_purges_lazily(leader_client, leader, make_entry, db):
    entry = make_entry(leader)
    entry_id = entry.id
    services.trash_entry(leader, entry)
    entry.deleted_at = utcnow() - timedelta(days=40)
    db.session.commit()
    leader_client.get("/journal/trash")
    db.session.expire_all()
    assert db.session.scalar(select(Entry).where(Entry.id == entry_id)) is None


def test_deleting_a_key_reflection_forever_says_a_saved_review_keeps_its_opening_lines(
    leader_client, leader, make_entry
):
    """A saved review keeps its key reflections' opening lines (sealed): the confirmation
    says so for a starred entry, and only for one."""
    starred = make_entry(leader, title="Vigtig", starred=True)
    plain = make_entry(leader, title="Almindelig")
    for entry in (starred, plain):
        services.trash_entry(leader, entry)
    said = "beholder forberedelsen dens titel og første linjer"
    assert said in leader_client.get(f"/journal/trash/{starred.id}/delete").get_data(as_text=True)
    assert said not in leader_client.get(f"/journal/trash/{plain.id}/delete").get_data(as_text=True)
