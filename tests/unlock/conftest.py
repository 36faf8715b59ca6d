"""What the unlock tests share: an account made for single sign-on, a stand-in passkey, and
a browser signed in by the municipality's account with the journal locked."""

import secrets

import pytest

from journal.auth import keys, services
from tests.conftest import give_session, locked_session

PHRASE = "en sætning kun jeg kender til journalen"


def signed_in_locked(app, client, user):
    """`client` signed in as `user` by the municipality's account: the journal locked."""
    give_session(app, client, locked_session(app, user)[0])
    return client


@pytest.fixture
def keyless(app):
    """An account made for single sign-on, never used: no password that works, no keys."""
    return services.create_user(
        "ny.leder@esbjerg.example", "Nina Ny", secrets.token_urlsafe(24), must_change_password=False
    )


def fake_passkey(name: str = "Min telefon") -> keys.NewPasskey:
    """A passkey as registration gives it, with the PRF output its authenticator made."""
    return keys.NewPasskey(
        name=name,
        credential_id=secrets.token_bytes(32),
        public_key=b"\xa5" + secrets.token_bytes(64),
        sign_count=0,
        transports="internal",
        prf_salt=secrets.token_bytes(32),
        prf_output=secrets.token_bytes(32),
    )
