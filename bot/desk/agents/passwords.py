"""Password and session-token hashing for agents (never stored in clear).

Passwords are hashed with argon2id by ``argon2-cffi`` at its current recommended parameters. Hashes from
before (``scrypt$n$r$p$salt$hash``) still verify, and ``needs_rehash`` says so, so the directory replaces
them with argon2id at the agent's next successful log-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_LEGACY_SCRYPT = "scrypt$"

_hasher = PasswordHasher()  # argon2id, RFC 9106's low-memory profile; no I/O


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password: str, stored: str) -> bool:
    if stored.startswith(_LEGACY_SCRYPT):
        return _scrypt_matches(password, stored)
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for an old scrypt hash, or an argon2 hash made with weaker parameters than today's."""
    if stored.startswith(_LEGACY_SCRYPT):
        return True
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to check a password against when the username is unknown, so that costs the same."""
    return hash_password("not a real password")


def _scrypt_matches(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
