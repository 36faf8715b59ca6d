"""The cryptography of the journal: AES-256-GCM sealing and the keys that open it.

Every leader has a random 256-bit data key that seals their entries. The data key itself is
stored only wrapped (sealed) by keys the server cannot produce on its own: one derived from
the leader's password with scrypt, one derived from a recovery key the leader keeps on paper.
See docs/encryption.md for the whole design.
"""

import base64
import hashlib
import secrets
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
SEALED_FORMAT = b"\x01"  # the first byte of every sealed entry: the format, for later change
DEFAULT_KDF = "scrypt:131072:8:1"  # as the password hash: an attacker gains nothing by choice

# Crockford's base-32: no I, L, O or U, so nothing is read as another character.
RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_GROUPS, RECOVERY_GROUP_SIZE = 8, 4  # 32 characters: 160 bits
RECOVERY_MISREAD = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})

# Drafts sealed in the browser (journal.js, `draftSealer`): ECDH on P-256 with a fresh key
# pair per save, HKDF-SHA256 (salt: that save's public key) to an AES-256-GCM key.
DRAFT_CURVE = ec.SECP256R1()
DRAFT_KDF_INFO = b"ledelsesjournal draft v1"


class CannotOpen(Exception):
    """A key did not open a sealed value: wrong key, or the value was altered or moved."""


def new_key() -> bytes:
    """A random 256-bit key."""
    return secrets.token_bytes(KEY_BYTES)


def seal(key: bytes | AESGCM, plaintext: bytes, context: bytes) -> bytes:
    """`plaintext` encrypted and authenticated under `key`, bound to `context`.

    A fresh random nonce per call; the result is nonce + ciphertext + tag. The context is
    associated data: the value opens only where it was sealed (the same entry, the same user).
    `key` may be an AESGCM object already made from the key (cheaper for many values).
    """
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + aead.encrypt(nonce, plaintext, context)


def open_sealed(key: bytes | AESGCM, sealed: bytes, context: bytes) -> bytes:
    """The plaintext of `seal(key, plaintext, context)`; CannotOpen for anything else."""
    aead = key if isinstance(key, AESGCM) else AESGCM(key)
    try:
        return aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
    except (InvalidTag, ValueError) as error:
        raise CannotOpen() from error


def derive_key(secret: bytes, purpose: str, salt: bytes | None = None) -> bytes:
    """A 256-bit key for one `purpose` from a secret that is already random (HKDF-SHA256)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=purpose.encode()
    ).derive(secret)


# --- Keys from a password -------------------------------------------------------------


def password_key(password: str, salt: bytes, kdf: str) -> bytes:
    """A 256-bit key from `password` with scrypt, parameters as "scrypt:N:r:p"."""
    name, n, r, p = kdf.split(":")
    if name != "scrypt":
        raise ValueError(f"unknown key derivation {name!r}")
    n, r, p = int(n), int(r), int(p)
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=KEY_BYTES
    )


# --- Wrapped data keys -----------------------------------------------------------------
# A wrapped key is stored as text: "<kdf>$<salt>$<sealed key>", base64 where binary, so
# the parameters that made it travel with it and can change for later wraps.


def b64(data: bytes) -> str:
    """`data` as URL-safe base64 text."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """The bytes of `b64` text; ValueError if it is not."""
    return base64.urlsafe_b64decode(text.encode("ascii"))


def wrap_with_password(data_key: bytes, password: str, context: bytes, kdf: str) -> str:
    """`data_key` sealed under a key derived from `password` (fresh salt)."""
    salt = secrets.token_bytes(SALT_BYTES)
    return wrap_with_password_key(data_key, password_key(password, salt, kdf), salt, context, kdf)


def wrap_with_password_key(
    data_key: bytes, key: bytes, salt: bytes, context: bytes, kdf: str
) -> str:
    """`data_key` sealed under `key`, already derived as `password_key(password, salt, kdf)`."""
    return f"{kdf}${b64(salt)}${b64(seal(key, data_key, context))}"


def wrap_with_recovery_key(data_key: bytes, recovery: bytes, context: bytes) -> str:
    """`data_key` sealed under a key derived from a recovery key's 160 random bits."""
    salt = secrets.token_bytes(SALT_BYTES)
    sealed = seal(derive_key(recovery, "recovery-key", salt), data_key, context)
    return f"hkdf-sha256${b64(salt)}${b64(sealed)}"


def wrap_with_prf(data_key: bytes, prf_output: bytes, context: bytes) -> str:
    """`data_key` sealed under a key derived from a passkey's PRF output (WebAuthn's `prf`
    extension: 32 bytes only that authenticator can make for that credential and input)."""
    salt = secrets.token_bytes(SALT_BYTES)
    sealed = seal(key_from_prf(prf_output, salt), data_key, context)
    return f"prf-hkdf-sha256${b64(salt)}${b64(sealed)}"


def key_from_prf(prf_output: bytes, salt: bytes) -> bytes:
    """The wrapping key made from a passkey's PRF output (HKDF-SHA256, info "passkey-prf")."""
    if len(prf_output) < KEY_BYTES:
        raise CannotOpen()
    return derive_key(prf_output, "passkey-prf", salt)


def unwrap(wrapped: str, secret: str | bytes, context: bytes) -> bytes:
    """The data key inside `wrapped`, opened with a password or passphrase (str), recovery
    bits or a passkey's PRF output (bytes)."""
    try:
        kdf, salt, sealed = wrapped.rsplit("$", 2)
        salt, sealed = unb64(salt), unb64(sealed)
    except ValueError as error:
        raise CannotOpen() from error
    if kdf == "hkdf-sha256" and isinstance(secret, bytes):
        key = derive_key(secret, "recovery-key", salt)
    elif kdf == "prf-hkdf-sha256" and isinstance(secret, bytes):
        key = key_from_prf(secret, salt)
    elif kdf.startswith("scrypt:") and isinstance(secret, str):
        key = password_key(secret, salt, kdf)
    else:
        raise CannotOpen()
    return open_sealed(key, sealed, context)


# --- Recovery keys ---------------------------------------------------------------------


def new_recovery_key() -> bytes:
    """160 random bits for a recovery key."""
    return secrets.token_bytes(RECOVERY_GROUPS * RECOVERY_GROUP_SIZE * 5 // 8)


def format_recovery_key(recovery: bytes) -> str:
    """The recovery key as people read it: eight groups of four characters."""
    number = int.from_bytes(recovery, "big")
    length = RECOVERY_GROUPS * RECOVERY_GROUP_SIZE
    chars = [RECOVERY_ALPHABET[(number >> (5 * (length - 1 - i))) & 31] for i in range(length)]
    groups = (
        "".join(chars[i : i + RECOVERY_GROUP_SIZE]) for i in range(0, length, RECOVERY_GROUP_SIZE)
    )
    return "-".join(groups)


def parse_recovery_key(text: str) -> bytes | None:
    """The bits of a typed recovery key, forgiving case, spaces, dashes and look-alikes."""
    chars = "".join(ch for ch in text.upper() if ch.isalnum()).translate(RECOVERY_MISREAD)
    if len(chars) != RECOVERY_GROUPS * RECOVERY_GROUP_SIZE or not chars.isascii():
        return None
    if any(ch not in RECOVERY_ALPHABET for ch in chars):
        return None
    number = 0
    for ch in chars:
        number = number * 32 + RECOVERY_ALPHABET.index(ch)
    return number.to_bytes(len(chars) * 5 // 8, "big")


# --- Entry text ------------------------------------------------------------------------


def pack_text(title: str, body: str) -> bytes:
    """Title and body as one plaintext: the title's length first, so neither hides the other."""
    encoded = title.encode()
    return struct.pack(">I", len(encoded)) + encoded + body.encode()


def unpack_text(plaintext: bytes) -> tuple[str, str]:
    """The (title, body) of `pack_text`."""
    (length,) = struct.unpack(">I", plaintext[:4])
    return plaintext[4 : 4 + length].decode(), plaintext[4 + length :].decode()


# --- Drafts sealed in the browser ------------------------------------------------------


def new_draft_key_pair() -> tuple[bytes, bytes]:
    """A P-256 key pair for a leader's drafts: (private scalar, 32 bytes; public key as an
    uncompressed point, 65 bytes, the "raw" form WebCrypto imports)."""
    private = ec.generate_private_key(DRAFT_CURVE)
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return private.private_numbers().private_value.to_bytes(32, "big"), public


def draft_public_key(private_scalar: bytes) -> bytes:
    """The public key (uncompressed point) that goes with a draft key's private scalar."""
    private = ec.derive_private_key(int.from_bytes(private_scalar, "big"), DRAFT_CURVE)
    return private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def draft_cipher(shared_secret: bytes, ephemeral_public: bytes) -> AESGCM:
    """The AES-GCM key of one sealed draft, from its ECDH secret and its ephemeral key."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=ephemeral_public, info=DRAFT_KDF_INFO
    ).derive(shared_secret)
    return AESGCM(key)


def open_draft(
    private_scalar: bytes, ephemeral_public: bytes, iv: bytes, ciphertext: bytes, context: bytes
) -> bytes:
    """The plaintext of a draft the browser sealed to this private key's public key, bound
    to `context` (where the browser kept it); CannotOpen for anything else."""
    if len(iv) != NONCE_BYTES:
        raise CannotOpen()
    try:
        private = ec.derive_private_key(int.from_bytes(private_scalar, "big"), DRAFT_CURVE)
        peer = ec.EllipticCurvePublicKey.from_encoded_point(DRAFT_CURVE, ephemeral_public)
        shared = private.exchange(ec.ECDH(), peer)
        return draft_cipher(shared, ephemeral_public).decrypt(iv, ciphertext, context)
    except (InvalidTag, ValueError) as error:
        raise CannotOpen() from error
