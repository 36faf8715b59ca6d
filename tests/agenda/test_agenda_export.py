"""The agenda in "My data": one's points, the conversations held and one's own notes; and
starting over empties it."""

import io
import json
import zipfile
from datetime import date

from sqlalchemy import func, select

from journal.agenda import services
from journal.extensions import db as _db
from journal.framework import current_framework
from journal.models import AgendaPoint, MeetingNote
from journal.my_data import services as my_data
from journal.my_data.export import export_zip
from journal.sharing import services as sharing
from tests.conftest import TEST_PASSWORD


def test_the_export_holds_the_agenda_and_only_ones_own_notes(app, make_user):
    leader, manager = make_user(name="Lone Leder"), make_user(name="Mads Chef")
    link = sharing.request_link(leader, manager.email)
    sharing.respond(manager, link, accept=True)
    talked = services.add_point(leader, "Talt om")
    services.add_point(leader, "Venter")
    services.add_manager_point(manager, link, "Fra chefen")
    services.tick(leader, talked, True)
    meeting = services.hold_meeting(leader, leader.id, link, date(2026, 12, 1))
    services.save_note(leader, meeting, "LEDERNOTE")
    services.save_note(manager, meeting, "CHEFNOTE")

    archive = zipfile.ZipFile(io.BytesIO(export_zip(leader, current_framework())))
    data = json.loads(archive.read("agenda.json"))
    assert [p["text"] for p in data["points"]] == ["Talt om", "Venter", "Fra chefen"]
    assert data["points"][0]["held_on"] == "2026-12-01"
    assert data["points"][2]["by"] == "Mads Chef"
    assert data["notes"] == [{"held_on": "2026-12-01", "leader": None, "note": "LEDERNOTE"}]
    markdown = archive.read("agenda.md").decode()
    assert "- [ ] Venter" in markdown and "- [x] Talt om" in markdown
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"CHEFNOTE" not in everything

    # The manager's own export holds the manager's note, naming whose conversation it was.
    theirs = zipfile.ZipFile(io.BytesIO(export_zip(manager, current_framework())))
    notes = json.loads(theirs.read("agenda.json"))["notes"]
    assert notes == [{"held_on": "2026-12-01", "leader": "Lone Leder", "note": "CHEFNOTE"}]


def test_starting_over_empties_the_agenda(app, make_user):
    leader = make_user(name="Lone Leder")
    point = services.add_point(leader, "Forseglet med den gamle nøgle")
    meeting = services.hold_meeting(leader, leader.id, None, date(2026, 12, 1))
    services.save_note(leader, meeting, "Noter")
    assert point.id
    my_data.start_over(leader, TEST_PASSWORD)
    assert _db.session.scalar(select(func.count()).select_from(AgendaPoint)) == 0
    assert _db.session.scalar(select(func.count()).select_from(MeetingNote)) == 0
