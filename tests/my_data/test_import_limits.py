"""Import refuses a file that would exhaust memory, before parsing it.

A 190 KB ZIP of `[{},{},…]` unpacked to 200 MB and grew a worker by 5 GB: the file was
parsed whole before anything was checked. Each shape of such a file is refused here, and
the tests check what was not done: nothing parsed (`json.loads` is never called), nothing
unpacked beyond the first piece, nothing written.
"""

import io
import json
import struct
import types
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select

from journal.extensions import db as database
from journal.models import Entry
from journal.my_data import importer
from journal.my_data.export import export_data, export_zip
from journal.my_data.importer import ImportRefused, import_data

UNPACKED = 6 * 1024 * 1024  # a bomb's journal.json: small here, enough to show the limits


def zipped(content: bytes, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A ZIP holding `content` as journal.json."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        archive.writestr("journal.json", content)
    return buffer.getvalue()


def repeated(start: bytes, item: bytes, end: bytes, size: int = UNPACKED) -> bytes:
    """`start`, `item` as often as fits in `size` bytes, `end`."""
    return start + item * ((size - len(start) - len(end)) // len(item)) + end


def entry_count(user) -> int:
    return database.session.scalar(select(func.count()).where(Entry.owner_id == user.id))


@pytest.fixture
def never_parsed(monkeypatch):
    """Fail the test if the importer parses anything: the file must be refused before."""

    def loads(*args, **kwargs):
        raise AssertionError("json.loads was called: the file was parsed")

    monkeypatch.setattr(importer, "json", types.SimpleNamespace(loads=loads, dumps=json.dumps))


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


# The top level ------------------------------------------------------------------------------


def list_of_objects() -> bytes:
    return repeated(b"[", b"{},", b"{}]")


NOT_OBJECTS = {
    "ZIP of [{},{},…]": lambda: zipped(list_of_objects()),
    "[{},{},…]": list_of_objects,
    "BOM and white space, then a list": lambda: b"\xef\xbb\xbf \r\n\t[1, 2]",
    "string": lambda: b'"a journal"',
    "number": lambda: b"12",
    "null": lambda: b"null",
    "true": lambda: b"true",
}


@pytest.mark.parametrize("shape", list(NOT_OBJECTS))
def test_a_file_that_is_not_an_object_is_refused_from_its_first_bytes(
    app, make_user, never_parsed, unpacked, shape
):
    assert refusal(make_user(), NOT_OBJECTS[shape]()).reason == "foreign"
    assert sum(unpacked) <= importer._CHUNK  # the ZIP's first piece, not all of it


@pytest.mark.parametrize(
    "data",
    [b"", b"  \n ", b"\x00\x01 not json", b"<html>", b"not json at all", b"tekst, ikke JSON"],
)
def test_a_file_that_does_not_begin_as_json_is_not_json(app, make_user, never_parsed, data):
    assert refusal(make_user(), data).reason == "not_json"


# The ZIP ------------------------------------------------------------------------------------

# Each starts as a journal.json does, and shrinks some thousand times in a ZIP.
BOMBS = {
    "entries of empty objects": lambda: repeated(b'{"entries": [', b"{},", b"{}]}"),
    "deep nesting": lambda: repeated(b'{"entries": ', b"[", b""),
    "a huge string": lambda: repeated(b'{"a": "', b"x", b'"}'),
    "the same key again and again": lambda: repeated(b"{", b'"a": 0, ', b'"a": 0}'),
}


@pytest.mark.parametrize("shape", list(BOMBS))
def test_a_zip_that_unpacks_far_beyond_its_size_is_refused_unpacked_no_further(
    app, make_user, never_parsed, unpacked, shape
):
    content = BOMBS[shape]()
    archive = zipped(content)
    assert len(content) > 200 * len(archive)
    refused = refusal(make_user(), archive)
    assert refused.reason == "too_large"
    assert refused.message_key == importer.MESSAGES["too_large"]
    assert sum(unpacked) <= importer._CHUNK


def test_the_ratio_leaves_a_real_export_alone(app, make_user, make_entry, monkeypatch):
    """Without the allowance for small files, a small export is judged by the ratio alone:
    exports shrink a few times, far from the limit."""
    leader = make_user()
    for day in range(1, 29):
        make_entry(leader, entry_date=date(2026, 2, day), body="Samme skabelon.\n" * 10)
    monkeypatch.setattr(importer, "RATIO_ALLOWANCE", 0)
    fresh = make_user()
    assert import_data(fresh, export_zip(leader, app.extensions["framework"])).entries_added == 28


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


# Elements -----------------------------------------------------------------------------------

# Over half a million elements in a few MB, without a ZIP (so no ratio to stop them).
MANY = {
    "entries of empty objects": lambda: b'{"entries": [' + b"{}," * 500_000 + b"{}]}",
    "many keys": lambda: b"{" + b",".join(b'"k%d": 0' % i for i in range(500_001)) + b"}",
}


@pytest.mark.parametrize("shape", list(MANY))
def test_more_elements_than_a_journal_holds_are_refused_before_parsing(
    app, make_user, never_parsed, shape
):
    refused = refusal(make_user(), MANY[shape]())
    assert refused.reason == "too_large"
    assert refused.detail == "more than 500000 elements"


def test_commas_and_brackets_in_the_text_are_not_elements(app, make_user, make_entry, monkeypatch):
    """The count skips strings, escaped quotes included: a leader's text counts for nothing."""
    leader = make_user()
    body = 'Hun sagde: "ja, [nej], {måske}" \\ og så, "igen", ' * 200
    make_entry(leader, title='"Et, [svært] møde"', body=body)
    make_entry(leader, body="{[,,,]}" * 1000)
    archive = export_zip(leader, app.extensions["framework"])
    monkeypatch.setattr(importer, "MAX_ELEMENTS", 200)  # the file has fewer outside its text
    fresh = make_user()
    assert import_data(fresh, archive).entries_added == 2
    assert {e["body"] for e in export_data(fresh)["entries"]} == {body, "{[,,,]}" * 1000}


# Deep nesting -------------------------------------------------------------------------------


def test_deep_nesting_is_refused_not_a_crash(app, make_user):
    nested = b'{"entries": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert refusal(make_user(), nested).reason == "not_json"


# Through the page ---------------------------------------------------------------------------


def upload(client, content: bytes, name: str) -> str:
    response = client.post(
        "/account/my-data/import",
        data={
            "csrf_token": client.csrf_token("/account/my-data"),
            "file": (io.BytesIO(content), name),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    return response.get_data(as_text=True)


def test_the_page_says_why_a_bomb_is_refused(leader_client, leader):
    page = upload(leader_client, zipped(list_of_objects()), "export.zip")
    assert "Filen er ikke eksporteret fra Ledelsesjournal. Intet er importeret." in page
    page = upload(leader_client, zipped(BOMBS["entries of empty objects"]()), "export.zip")
    assert "Filen er for stor til at blive importeret. Intet er importeret." in page
    assert entry_count(leader) == 0
