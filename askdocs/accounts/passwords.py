"""Passwords hashed with Argon2id (argon2-cffi's defaults); a check costs the same for an unknown user."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_CHARS = 10


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@lru_cache(maxsize=1)
def _stand_in() -> str:
    """A hash checked for users that do not exist, so that answer takes as long as a wrong password."""
    return _hasher().hash("a password nobody has")


def hash_password(password: str) -> str:
    """The stored form of a password (salted Argon2id, its parameters inside)."""
    return _hasher().hash(password)


def password_matches(stored: str | None, given: str) -> bool:
    """Whether `given` is the password `stored` was made from; None (no such user) takes the same time."""
    try:
        return _hasher().verify(stored or _stand_in(), given) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
