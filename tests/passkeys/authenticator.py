"""A software authenticator for the server's tests: it answers WebAuthn options as a browser
and a platform authenticator with PRF would (ES256, "none" attestation, user verified), so
that every check of the ceremonies can be tried without a browser; and it can be made to lie.
"""

import hashlib
import hmac
import json
import secrets
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from journal.passkeys.webauthn import b64url, from_b64url

ORIGIN = "http://localhost"  # the test client's own origin
FLAGS_UP_UV = 0x01 | 0x04
FLAG_AT = 0x40


@dataclass
class Passkey:
    """One credential the authenticator holds."""

    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    prf_secret: bytes
    rp_id: str
    sign_count: int = 0

    def prf(self, salt: bytes) -> bytes:
        """The PRF output for `salt`: 32 bytes no one without this passkey can compute."""
        return hmac.new(self.prf_secret, b"WebAuthn PRF\x00" + salt, hashlib.sha256).digest()

    def cose_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )


@dataclass
class Authenticator:
    """Passkeys by credential id; `origin` is what the "browser" writes into clientDataJSON."""

    origin: str = ORIGIN
    counts: bool = True  # whether the signature counter moves on (many passkeys keep it at 0)
    passkeys: dict = field(default_factory=dict)

    def create(self, options: dict, credential_id: bytes | None = None) -> tuple[dict, bytes]:
        """(credential JSON as the browser's script sends it, PRF output for the options' salt);
        `credential_id` makes it claim an id of its choosing, as a hostile client could."""
        rp_id = options["rp"]["id"]
        passkey = Passkey(
            credential_id or secrets.token_bytes(32),
            ec.generate_private_key(ec.SECP256R1()),
            secrets.token_bytes(32),
            rp_id,
        )
        self.passkeys[passkey.credential_id] = passkey
        client_data = self._client_data("webauthn.create", options["challenge"])
        attested = (
            bytes(16)  # aaguid
            + struct.pack(">H", len(passkey.credential_id))
            + passkey.credential_id
            + passkey.cose_key()
        )
        auth_data = self._auth_data(passkey, FLAGS_UP_UV | FLAG_AT) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        credential = {
            "id": b64url(passkey.credential_id),
            "rawId": b64url(passkey.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        }
        salt = from_b64url(options["extensions"]["prf"]["eval"]["first"], most=64)
        return credential, passkey.prf(salt)

    def get(self, options: dict, challenge: str | None = None) -> tuple[dict, bytes]:
        """(assertion JSON, PRF output) with the first allowed passkey this authenticator has."""
        allowed = [from_b64url(c["id"], most=1023) for c in options["allowCredentials"]]
        passkey = next(self.passkeys[i] for i in allowed if i in self.passkeys)
        return self.assert_with(passkey, challenge or options["challenge"], options)

    def assert_with(self, passkey: Passkey, challenge: str, options: dict) -> tuple[dict, bytes]:
        """An assertion by `passkey` over `challenge`, and its PRF output for its salt."""
        if self.counts:
            passkey.sign_count += 1
        client_data = self._client_data("webauthn.get", challenge)
        auth_data = self._auth_data(passkey, FLAGS_UP_UV)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = passkey.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        key = b64url(passkey.credential_id)
        credential = {
            "id": key,
            "rawId": key,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
            },
            "clientExtensionResults": {},
        }
        salts = options["extensions"]["prf"]["evalByCredential"]
        salt = from_b64url(salts[key]["first"], most=64) if key in salts else b"no salt"
        return credential, passkey.prf(salt)

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}
        ).encode()

    def _auth_data(self, passkey: Passkey, flags: int) -> bytes:
        rp_hash = hashlib.sha256(passkey.rp_id.encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", passkey.sign_count)
