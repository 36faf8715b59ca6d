"""Import refuses a file that would exhaust memory, before parsing it.

A 190 KB ZIP of `[{},{},…]` unpacked to 200 MB and grew a worker by 5 GB: the file was
parsed whole before anything was checked. Each shape of such a file is refused here, and
the tests check what was not done: nothing parsed (`json.loads` is never called), nothing
unpacked beyond the first piece, nothing written.
"""

import io
import json
import struct
import zipfile

import pytest
from sqlalchemy import func, select

from journal.extensions import db as database
from journal.models import Entry
from journal.my_data.export import export_data
from journal.my_data.importer import ImportRefused, import_data


def zipped(content: bytes, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP holding `content` as journal.json."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        archive.writestr("journal.json", content)
    return buffer.getvalue()


def entry_count(user) -> int:
    return database.session.scalar(select(func.count()).where(Entry.owner_id == user.id))


@pytest.fixture
def unpacked(monkeypatch) -> list[int]:
    """The sizes of the pieces read from ZIP members while the test runs."""
    sizes: list[int] = []
    read = zipfile.ZipExtFile.read

    def counted(self, n=-1):
        data = read(self, n)
        sizes.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counted)
    return sizes


def refusal(user, data: bytes) -> ImportRefused:
    """The refusal of importing `data`; nothing of it may have been written."""
    with pytest.raises(ImportRefused) as refused:
        import_data(user, data)
    assert entry_count(user) == 0
    return refused.value


# The ZIP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "LZMA"])
def test_a_zip_packed_other_than_deflate_is_refused_unpacked(
    app, make_user, make_entry, unpacked, method
):
    """zipfile unpacks bzip2 and LZMA without a limit on one read: a few KB can unpack to
    GBs before any check, whatever the header says. Not even a real export is unpacked."""
    leader = make_user()
    make_entry(leader, body="En refleksion.")
    archive = zipped(json.dumps(export_data(leader)).encode(), method)
    refused = refusal(make_user(), archive)
    assert refused.reason == "unreadable_zip"
    assert unpacked == []


def test_a_zip_with_a_password_is_refused_not_a_server_error(app, make_user, make_entry):
    leader = make_user()
    make_entry(leader, body="En refleksion.")
    archive = bytearray(zipped(json.dumps(export_data(leader)).encode()))
    # Mark journal.json as encrypted, in its local header and in the central directory.
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = archive.index(signature) + flags_at
        struct.pack_into("<H", archive, at, struct.unpack_from("<H", archive, at)[0] | 0x1)
    assert refusal(make_user(), bytes(archive)).reason == "unreadable_zip"
