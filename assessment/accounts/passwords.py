"""Password hashing with argon2id (argon2-cffi), and the password rules."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 256


@cache
def hasher(profile: str) -> PasswordHasher:
    if profile == "fast":  # tests only: the same algorithm, far cheaper parameters
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()  # argon2id with the library's RFC 9106 low-memory defaults


def hash_password(password: str, profile: str = "standard") -> str:
    return hasher(profile).hash(password)


def verify_password(stored_hash: str, password: str, profile: str = "standard") -> bool:
    try:
        return hasher(profile).verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A fixed hash to verify against when the email is unknown, so both answers take as long.
@cache
def dummy_hash(profile: str) -> str:
    return hash_password("not-a-real-password-for-timing", profile)


def password_problems(password: str, email: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Password must be {MIN_LENGTH} characters or more")
    if len(password) > MAX_LENGTH:
        problems.append(f"Password must be {MAX_LENGTH} characters or fewer")
    if email and password.strip().lower() == email.strip().lower():
        problems.append("Password must not be your email address")
    return problems
