"""Password hashing with argon2id (argon2-cffi), and the password rules.

The rules follow NIST SP 800-63B §5.1.1.2 and OWASP ASVS 4.0.3 V2.1: at least 12 characters, up to
128 (a longer one is refused, never cut short), any printable Unicode (spaces and emoji included), no
rules about kinds of character, no forced rotation, and not a password known from breaches.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 128
# Passwords of 12 characters or more found in breach corpora (see data/README.md for the source and
# licence). Shorter ones are already refused by the length rule, so only these need a list.
COMMON_PASSWORDS_FILE = Path(__file__).with_name("data") / "common-passwords.txt"


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


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip().casefold()
                     for line in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines() if line.strip())


def password_problems(password: str, email: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Password must be {MIN_LENGTH} characters or more")
    if len(password) > MAX_LENGTH:
        problems.append(f"Password must be {MAX_LENGTH} characters or fewer")
    if email and password.strip().lower() == email.strip().lower():
        problems.append("Password must not be your email address")
    if password.strip().casefold() in common_passwords():
        problems.append("This password is on a list of passwords known from data breaches: choose another")
    return problems
