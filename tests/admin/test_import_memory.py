"""Reading an imported file stays within bounded memory, whatever shape its megabyte has (an
adversarial review measured 150 MB for one of blank lines)."""

import tracemalloc
from contextlib import suppress

import pytest

from journal.admin import onboarding

BOUND = 40 * 1024 * 1024  # forty times the file: ample for 2,000 rows


@pytest.mark.parametrize(
    "body",
    [
        "\n" * (onboarding.MAX_FILE_BYTES - 64),  # blank records
        ";\n" * ((onboarding.MAX_FILE_BYTES - 64) // 2),  # records of empty cells
        "a;b\n" * ((onboarding.MAX_FILE_BYTES - 64) // 4),  # far too many rows
    ],
)
def test_a_one_megabyte_file_is_read_in_bounded_memory(app, body):
    data = ("navn;e-mail\n" + body).encode()
    assert len(data) <= onboarding.MAX_FILE_BYTES
    tracemalloc.start()
    with suppress(onboarding.ImportRefused):
        onboarding.read_file(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < BOUND, f"{peak // 2**20} MB for a file of {len(data) // 2**10} kB"
