"""Two-factor sign-in rules, pure: TOTP codes, recovery codes, the secret's encryption and the
time limits of a half-finished sign-in and of a re-authentication. No Flask, no database.

TOTP follows RFC 6238 as authenticator apps expect it: a 160-bit base32 secret, 30-second steps,
6 digits, HMAC-SHA-1. A code from the step before or after the current one is accepted (phones'
clocks drift), but only for a step later than the last one used: a code seen over someone's
shoulder, or replayed from a captured request, is refused.

The secret is kept encrypted (Fernet: AES-128-CBC with HMAC-SHA-256) under a key derived from the
app's ``SECRET_KEY`` with HKDF-SHA-256 and a fixed purpose label. A copy of the database alone
therefore yields no secret; whoever also holds ``SECRET_KEY`` could decrypt them, and rotating
``SECRET_KEY`` makes every enrolled person enrol again (an administrator resets them). The secret is
shown only while enrolling; after the first code confirms it, no page shows it again.

Recovery codes are ten random codes of 50 bits each, shown once; only their SHA-256 digests are
kept (the codes are random, not chosen by people, so a fast digest cannot be worked back).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

STEP_S = 30
DIGITS = 6
VALID_WINDOW = 1  # steps either side of now
ISSUER = "Certificate of Proficiency"

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed from paper
_RECOVERY_GROUPS = (5, 5)

# How long the state between "password accepted" and "second factor accepted" lasts.
PENDING_SIGN_IN_FOR = dt.timedelta(minutes=5)
# How recent a re-authentication must be for a sensitive action.
REAUTH_FRESH_FOR = dt.timedelta(minutes=10)

_HKDF_INFO = b"cop.accounts.two-factor-secret.v1"


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted (``SECRET_KEY`` changed, or the row was altered)."""


def new_secret() -> str:
    return pyotp.random_base32(32)  # 32 base32 characters: 160 bits, as RFC 4226 recommends


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S)


def time_step(now: dt.datetime) -> int:
    return int(now.timestamp()) // STEP_S


def code_at(secret: str, step: int) -> str:
    """The code for one time step (tests and the demo's helpers use it)."""
    return _totp(secret).at(step * STEP_S)


def normalise_code(text: str | None) -> str:
    """What the person typed, without spaces, hyphens and case: '123 456' → '123456'."""
    return "".join(c for c in (text or "").lower() if c.isalnum())


def looks_like_totp(code: str) -> bool:
    return len(code) == DIGITS and code.isdigit()


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a TOTP code: ``step`` is the matched time step when accepted."""
    accepted: bool
    step: int | None = None
    replayed: bool = False


def check_totp(secret: str, code: str, now: dt.datetime, last_used_step: int | None) -> CodeCheck:
    """Accept ``code`` if it is the code of the current step or one either side, and that step is
    later than ``last_used_step`` (so no code works twice)."""
    code = normalise_code(code)
    if not looks_like_totp(code):
        return CodeCheck(False)
    current = time_step(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(code_at(secret, step), code):
            if last_used_step is not None and step <= last_used_step:
                return CodeCheck(False, step, replayed=True)
            return CodeCheck(True, step)
    return CodeCheck(False)


def provisioning_uri(secret: str, account_name: str, issuer: str = ISSUER) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return _totp(secret).provisioning_uri(name=account_name, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG data: URI, for an <img> (no script, no inline style: the
    strict Content-Security-Policy allows images from data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#0b0c0c", light="#ffffff")


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# --- recovery codes ---------------------------------------------------------------------------------

def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    def one() -> str:
        return "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(n)) for n in _RECOVERY_GROUPS)

    codes: set[str] = set()
    while len(codes) < count:
        codes.add(one())
    return sorted(codes)


def recovery_code_digest(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "ignore")).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    normal = normalise_code(code)
    return len(normal) == sum(_RECOVERY_GROUPS) and all(c in _RECOVERY_ALPHABET for c in normal)


# --- the secret at rest -----------------------------------------------------------------------------

def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(secret.encode("ascii")).decode("ascii")


def decrypt_secret(token: str, secret_key: str) -> str:
    try:
        return _fernet(secret_key).decrypt(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError, UnicodeError):
        raise SecretUnreadable("The two-factor secret cannot be read with this SECRET_KEY.") from None


# --- time limits ------------------------------------------------------------------------------------

def pending_sign_in_current(started_at: dt.datetime, now: dt.datetime) -> bool:
    """A half-finished sign-in (password accepted, second factor not yet) lasts ``PENDING_SIGN_IN_FOR``."""
    return started_at <= now < started_at + PENDING_SIGN_IN_FOR


def reauthentication_fresh(confirmed_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a re-authentication at ``confirmed_at`` still covers a sensitive action at ``now``:
    less than ``REAUTH_FRESH_FOR`` ago. A time after ``now`` counts as fresh: only the server writes
    it (in the signed session), so it can only come from a clock set back — or from the tests."""
    return confirmed_at is not None and now - REAUTH_FRESH_FOR < confirmed_at
