"""A certificate's status, folded from its events. Pure: no Flask, no SQLAlchemy.

A certificate is *valid* when issued. An examiner may *revoke* it, with reasons; a new release of the
sitting's results *supersedes* it (the candidate who still passes gets a new certificate). Both are
events appended to the certificate, never edits; revocation wins over supersession when both
happened. Either one sets the credential's bit in the revocation status list: neither a revoked nor
a superseded certificate may be relied on, and the public page says which and why.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable

MAX_REASON = 2000


class EventKind(enum.StrEnum):
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class Status(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return {"valid": "Valid", "revoked": "Revoked", "superseded": "Superseded"}[self.value]


def status_of(kinds: Iterable[str]) -> Status:
    kinds = set(kinds)
    if EventKind.REVOKED in kinds:
        return Status.REVOKED
    if EventKind.SUPERSEDED in kinds:
        return Status.SUPERSEDED
    return Status.VALID


def reason_problem(reason: str | None) -> str | None:
    """What is wrong with a revocation reason, or None."""
    text = (reason or "").strip()
    if not text:
        return "Enter the reason for revoking the certificate"
    if len(text) > MAX_REASON:
        return f"The reason must be {MAX_REASON} characters or fewer"
    return None
