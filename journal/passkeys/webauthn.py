"""The WebAuthn ceremonies, with py_webauthn: options for the browser, and the checks of what
it sends back (challenge, origin, relying party, user verification, signature, sign count).

py_webauthn does not know the PRF extension: its input (each passkey's salt) is added to the
options here, and its output is read by the browser (`static/passkeys.js`) and sent beside the
credential. It is not signed by the authenticator, so it proves nothing by itself; it is
trusted only as far as it opens the wrapped data key.

One ceremony at a time per session: its challenge lives in the session for five minutes and
is taken out when an answer arrives, whether the answer holds or not.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, request, session
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.options_to_json_dict import options_to_json_dict
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from journal.database import atomic
from journal.extensions import db
from journal.models.unlock import MAX_CREDENTIAL_ID, MAX_PUBLIC_KEY, SpentChallenge
from journal.models.user import utcnow

CEREMONY = "passkey_ceremony"  # the session key: the one ceremony under way
CEREMONY_SECONDS = 5 * 60
TIMEOUT_MS = 2 * 60 * 1000  # how long the browser waits for the authenticator
PRF_SALT_BYTES = 32
PRF_OUTPUT_BYTES = 32  # what hmac-secret gives for one salt
RP_NAME = "Ledelsesjournal"
TRANSPORTS = {transport.value for transport in AuthenticatorTransport}


class CeremonyFailed(Exception):
    """What the browser sent does not prove what it should (or the ceremony has run out)."""


@dataclass(frozen=True)
class Registered:
    """A new passkey as the authenticator made it, checked."""

    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: str  # comma-separated, as the browser reported them
    prf_salt: bytes


def b64url(data: bytes) -> str:
    """`data` as unpadded base64url, WebAuthn's encoding of binary values in JSON."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def from_b64url(text: object, *, most: int) -> bytes:
    """The bytes of base64url `text` of at most `most` bytes; CeremonyFailed otherwise."""
    if not isinstance(text, str) or len(text) > (most * 4 + 2) // 3 + 3:
        raise CeremonyFailed("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise CeremonyFailed("not base64url") from error


def relying_party() -> tuple[str, str]:
    """(relying party id, origin): configured, else this request's host name and address."""
    config = current_app.config
    rp_id = config.get("WEBAUTHN_RP_ID") or urlsplit(request.host_url).hostname or ""
    origin = config.get("WEBAUTHN_ORIGIN") or request.host_url.rstrip("/")
    return rp_id, origin


def user_handle(user_id: int) -> bytes:
    """The account's WebAuthn user handle: stable, so that an authenticator keeps one passkey
    per account, and meaningless to anyone without the server's secret (no id, no email)."""
    secret = current_app.secret_key.encode()
    return hmac.new(secret, f"passkey-user-handle:{user_id}".encode(), hashlib.sha256).digest()


# --- The ceremony under way, in the session -------------------------------------------------


def _begin(purpose: str, user_id: int, challenge: bytes, **more: str) -> None:
    session[CEREMONY] = {
        "purpose": purpose,
        "user": user_id,
        "challenge": b64url(challenge),
        "at": int(time.time()),
        **more,
    }


def _take(purpose: str, user_id: int) -> dict:
    """The ceremony `purpose` begun by `user_id` in this session, taken out so that it is used
    once; CeremonyFailed if there is none, it is another's, or it has run out."""
    kept = session.pop(CEREMONY, None)
    if (
        not isinstance(kept, dict)
        or kept.get("purpose") != purpose
        or kept.get("user") != user_id
        or not isinstance(kept.get("at"), int)
        or not 0 <= time.time() - kept["at"] <= CEREMONY_SECONDS
    ):
        raise CeremonyFailed("no such ceremony under way")
    _spend(kept.get("challenge"))
    return kept


def _spend(challenge: object) -> None:
    """Mark the ceremony's challenge as answered, for every server; CeremonyFailed if it was
    answered before (a copy of an earlier session cookie, replayed). Committed at once: a
    failed answer spends it too. Challenges older than a ceremony go as new ones come."""
    if not isinstance(challenge, str):
        raise CeremonyFailed("no challenge")
    digest = hashlib.sha256(challenge.encode()).hexdigest()
    cutoff = utcnow() - timedelta(seconds=CEREMONY_SECONDS)
    try:
        with atomic():
            db.session.execute(delete(SpentChallenge).where(SpentChallenge.spent_at < cutoff))
            db.session.add(SpentChallenge(challenge_hash=digest))
            db.session.flush()
    except IntegrityError as error:
        raise CeremonyFailed("challenge answered before") from error


# --- Registration -----------------------------------------------------------------------------


def registration_options(purpose: str, user, existing: list) -> dict:
    """`publicKey` options for `navigator.credentials.create()`: a resident key if the
    authenticator can, user verification always (the PRF output differs without it), none
    of the account's passkeys again, and the PRF extension evaluated on a new salt."""
    rp_id, _origin = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_id=user_handle(user.id),
        user_name=user.email,
        user_display_name=user.name,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[_descriptor(factor) for factor in existing],
    )
    salt = secrets.token_bytes(PRF_SALT_BYTES)
    _begin(purpose, user.id, options.challenge, prf_salt=b64url(salt))
    public_key = options_to_json_dict(options)
    public_key["extensions"] = {"prf": {"eval": {"first": b64url(salt)}}}
    return public_key


def verify_registration(purpose: str, user, credential: dict) -> Registered:
    """The passkey `credential` (from `create()`, as JSON) makes, if it answers this session's
    ceremony for `user`; CeremonyFailed otherwise."""
    kept = _take(purpose, user.id)
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=from_b64url(kept.get("challenge"), most=64),
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, IndexError) as error:
        raise CeremonyFailed(type(error).__name__) from error
    if (
        len(verified.credential_id) > MAX_CREDENTIAL_ID
        or len(verified.credential_public_key) > MAX_PUBLIC_KEY
    ):  # WebAuthn's own bound: such an id could never be sent back to unlock
        raise CeremonyFailed("credential too large")
    return Registered(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=_transports(credential),
        prf_salt=from_b64url(kept.get("prf_salt"), most=PRF_SALT_BYTES),
    )


def _transports(credential: dict) -> str:
    reported = credential.get("response", {}).get("transports")
    if not isinstance(reported, list):
        return ""
    return ",".join(sorted({t for t in reported if isinstance(t, str) and t in TRANSPORTS}))


# --- Authentication ---------------------------------------------------------------------------


def authentication_options(purpose: str, user, passkeys: list) -> dict:
    """`publicKey` options for `navigator.credentials.get()`: one of the account's passkeys,
    user verification always, and each passkey's PRF evaluated on its own salt."""
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=TIMEOUT_MS,
        allow_credentials=[_descriptor(factor) for factor in passkeys],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    _begin(purpose, user.id, options.challenge)
    public_key = options_to_json_dict(options)
    public_key["extensions"] = {
        "prf": {
            "evalByCredential": {
                b64url(factor.credential_id): {"first": b64url(factor.prf_salt)}
                for factor in passkeys
            }
        }
    }
    return public_key


def verify_authentication(purpose: str, user, passkeys: list, credential: dict):
    """(the passkey used, its new sign count) if `credential` (from `get()`, as JSON) answers
    this session's ceremony with one of `user`'s `passkeys`; CeremonyFailed otherwise (another
    account's passkey, a wrong origin, a signature that fails, a sign count gone back)."""
    kept = _take(purpose, user.id)
    raw_id = from_b64url(credential.get("rawId"), most=1023)
    factor = next((f for f in passkeys if hmac.compare_digest(f.credential_id, raw_id)), None)
    if factor is None:
        raise CeremonyFailed("not a passkey of this account")
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=from_b64url(kept.get("challenge"), most=64),
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=factor.public_key,
            credential_current_sign_count=factor.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, IndexError) as error:
        raise CeremonyFailed(type(error).__name__) from error
    return factor, verified.new_sign_count


def _descriptor(factor) -> PublicKeyCredentialDescriptor:
    transports = [
        AuthenticatorTransport(t) for t in (factor.transports or "").split(",") if t in TRANSPORTS
    ]
    return PublicKeyCredentialDescriptor(id=factor.credential_id, transports=transports or None)
