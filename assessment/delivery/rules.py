"""Delivery rules, pure: when a sitting can be booked or started, and how adjustments change time."""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from dataclasses import dataclass


class AdjustmentStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class EventKind(enum.StrEnum):
    """What can happen to an attempt (``attempt_events.kind``); the fold in replay.py reads these.
    A new kind needs a migration: the column's CHECK lists them."""

    STARTED = "started"
    DEVICE_CLAIMED = "device_claimed"
    PAUSED = "paused"
    RESUMED = "resumed"
    TIME_EXTENDED = "time_extended"
    BREAK_STARTED = "break_started"
    BREAK_ENDED = "break_ended"
    STALE_SAVE_REJECTED = "stale_save_rejected"
    LATE_RESPONSE_REJECTED = "late_response_rejected"
    SUBMITTED = "submitted"
    AUTO_SUBMITTED = "auto_submitted"
    VOIDED = "voided"


# The events after which an attempt takes nothing more: a submission (by the candidate, or by staff
# ending it), the clock running out, a void.
ENDING_KINDS = (EventKind.SUBMITTED, EventKind.AUTO_SUBMITTED, EventKind.VOIDED)


@dataclass(frozen=True)
class Window:
    booking_opens_at: dt.datetime
    booking_closes_at: dt.datetime
    opens_at: dt.datetime
    closes_at: dt.datetime


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def can_book(window: Window, now: dt.datetime, *, booked: int, capacity: int, already_booked: bool,
             is_practice: bool = False) -> Decision:
    if is_practice:
        return Decision(False, "The practice exam needs no booking: start it whenever you like.")
    if already_booked:
        return Decision(False, "You have already booked this sitting.")
    if now < window.booking_opens_at:
        return Decision(False, "Booking for this sitting has not opened yet.")
    if now >= window.booking_closes_at:
        return Decision(False, "Booking for this sitting has closed.")
    if booked >= capacity:
        return Decision(False, "This sitting is full.")
    return Decision(True)


def can_cancel(window: Window, now: dt.datetime) -> Decision:
    if now >= window.booking_closes_at:
        return Decision(False, "The booking deadline has passed, so the booking can no longer be cancelled here. "
                               "Contact the register if something has gone wrong.")
    return Decision(True)


def can_start(window: Window, now: dt.datetime, *, is_booked: bool, is_practice: bool) -> Decision:
    if not is_practice and not is_booked:
        return Decision(False, "You have not booked this sitting.")
    if now < window.opens_at:
        return Decision(False, "This sitting has not opened yet.")
    if now >= window.closes_at:
        return Decision(False, "This sitting has closed.")
    return Decision(True)


def allowed_duration_s(duration_s: int, extra_time_pct: int) -> int:
    """The exam's length with extra time, rounded up to the whole second (never shorter)."""
    return duration_s + -(-duration_s * extra_time_pct // 100)


def receipt_code(attempt_id: int, final_answers: dict[int, object]) -> str:
    """A short code derived from the final responses: quoting it in an appeal proves what was submitted."""
    canonical = json.dumps({"attempt": attempt_id, "answers": {str(k): v for k, v in sorted(final_answers.items())}},
                           sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest().upper()
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
    value = int(digest, 16)
    chars = []
    for _ in range(12):
        value, index = divmod(value, len(alphabet))
        chars.append(alphabet[index])
    code = "".join(chars)
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def format_duration(seconds: float) -> str:
    """A duration in words, exactly (never rounded up, so it agrees with the exam's clock):
    "1 hour and 15 minutes", "1 minute and 15 seconds", "2 hours, 2 minutes and 2 seconds"."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}{'' if n == 1 else 's'}"
             for n, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")) if n]
    if not parts:
        return "0 minutes"
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
