"""Password hashing with argon2id (argon2-cffi), and the rules a new password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 256


class WeakPassword(ValueError):
    pass


class Passwords:
    """argon2id with the library's defaults (RFC 9106's second recommended profile)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        # Verified against when the username is unknown, so a wrong name takes as long
        # as a wrong password and names cannot be discovered by timing.
        self._decoy = self._hasher.hash("decoy password, never matches")

    def hash(self, password: str) -> str:
        check_strength(password)
        return self._hasher.hash(password)

    def verify(self, hashed: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(hashed or self._decoy, password) and hashed is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        return self._hasher.check_needs_rehash(hashed)


def check_strength(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise WeakPassword(f"a password is {MIN_LENGTH} to {MAX_LENGTH} characters")
    if len(set(password)) < 5:
        raise WeakPassword("a password needs more than a few different characters")
