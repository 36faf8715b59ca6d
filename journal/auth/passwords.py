"""Password hashing and the common-password list."""

import secrets
import unicodedata
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    """The ~10,000 most common passwords, lower-cased."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common(password: str) -> bool:
    """Whether `password` is on the list, ignoring case and surrounding spaces."""
    return password.strip().lower() in common_passwords()


MAX_PASSWORD_LENGTH = 1024


def password_problem(password: str):
    """Why `password` may not be used (a message in the user's language), or None.

    At least PASSWORD_MIN_LENGTH characters and not among the most common passwords; no
    composition rules, which make passwords harder to remember, not to guess.
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    # Spaces at either end count towards nothing: twelve spaces are not a password.
    if len(normalize(password).strip()) < minimum:
        return _l("Use at least %(n)d characters.", n=minimum)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    if is_common(password):
        return _l(
            "This password is one of the most common ones. Choose one that is harder to guess."
        )
    return None


def normalize(password: str) -> str:
    """NFC, so that "æ" typed on a phone and on a PC is the same password."""
    return unicodedata.normalize("NFC", password)


def hash_password(password: str) -> str:
    """Hash with the configured method (scrypt at N=2^17, r=8, p=1 by default)."""
    return generate_password_hash(
        normalize(password), method=current_app.config["PASSWORD_HASH_METHOD"]
    )


# The stored "hash" of an account that has no password (its people sign in with the
# organisation's account): no hash method's output starts with it, so nothing verifies.
UNUSABLE_PREFIX = "!"
# A temporary password is 16 random characters from `admin.services.temporary_password`
# (about 78 bits): no list of guesses reaches it, so a slow hash buys nothing, and an
# import of 2,000 accounts must not take 2,000 scrypt runs. It is hashed again with the
# configured method at the first log-in (`needs_rehash`), where its owner replaces it.
TEMPORARY_HASH_METHOD = "pbkdf2:sha256:10000"


def unusable_password_hash() -> str:
    """A password hash that no password matches: for an account that signs in with the
    organisation's account only. Random, so no two accounts' rows are alike."""
    return UNUSABLE_PREFIX + secrets.token_urlsafe(24)


def has_usable_password(password_hash: str) -> bool:
    """Whether any password could match this stored hash."""
    return not password_hash.startswith(UNUSABLE_PREFIX)


def hash_temporary_password(password: str) -> str:
    """Hash a random temporary password (`TEMPORARY_HASH_METHOD` says why it may be fast)."""
    return generate_password_hash(normalize(password), method=TEMPORARY_HASH_METHOD)


def verify_password(password_hash: str, password: str) -> bool:
    """Check `password` against a stored hash of any supported method; never true for an
    account without a password (it still takes a hash's time, as a wrong password does)."""
    if not has_usable_password(password_hash):
        spend_hash_time(password)
        return False
    return check_password_hash(password_hash, normalize(password))


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than the configured ones."""
    return not password_hash.startswith(current_app.config["PASSWORD_HASH_METHOD"] + "$")


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not a real password", method=method)


def spend_hash_time(password: str) -> None:
    """Verify against a dummy hash so an unknown email takes as long as a wrong password."""
    verify_password(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
