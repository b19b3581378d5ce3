"""Sign-in throttling rules, pure: from recent attempts to a decision.

Per account: after ``SLOW_AFTER`` consecutive failures each further try must wait,
doubling from ``FIRST_DELAY_S``; at ``LOCK_AFTER`` failures the account is locked for
``LOCK_FOR``. Per client address the same, with higher counts (one office may share an
address). A success clears the account's count. Counting only failures inside ``WINDOW``
lets a forgotten password recover by itself.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from collections.abc import Sequence

WINDOW = dt.timedelta(minutes=15)
SLOW_AFTER = 3
FIRST_DELAY_S = 5
LOCK_AFTER = 8
LOCK_FOR = dt.timedelta(minutes=15)
ADDRESS_SLOW_AFTER = 20
ADDRESS_LOCK_AFTER = 50


@dataclass(frozen=True)
class Attempt:
    at: dt.datetime
    is_success: bool


@dataclass(frozen=True)
class ThrottleDecision:
    allowed: bool
    retry_after_s: int = 0
    locked: bool = False

    @property
    def message(self) -> str:
        if self.allowed:
            return ""
        minutes = max(1, -(-self.retry_after_s // 60))
        if self.locked:
            return (f"Too many unsuccessful sign-in attempts. Sign-in is paused for {minutes} "
                    f"minute{'s' if minutes != 1 else ''}, or reset your password.")
        return f"Too many unsuccessful sign-in attempts. Wait {self.retry_after_s} seconds and try again."


def _recent_failures(attempts: Sequence[Attempt], now: dt.datetime, clear_on_success: bool,
                     cleared_at: dt.datetime | None = None) -> list[dt.datetime]:
    failures: list[dt.datetime] = []
    for attempt in sorted(attempts, key=lambda a: a.at):
        if cleared_at is not None and attempt.at <= cleared_at:
            continue
        if attempt.is_success:
            if clear_on_success:
                failures.clear()
        elif now - attempt.at <= WINDOW:
            failures.append(attempt.at)
    return failures


def _decide(failures: list[dt.datetime], now: dt.datetime, slow_after: int, lock_after: int) -> ThrottleDecision:
    count = len(failures)
    if count >= lock_after:
        unlock_at = failures[lock_after - 1] + LOCK_FOR
        if now < unlock_at:
            return ThrottleDecision(False, math.ceil((unlock_at - now).total_seconds()), locked=True)
        return ThrottleDecision(True)
    if count >= slow_after:
        delay = FIRST_DELAY_S * 2 ** (count - slow_after)
        ready_at = failures[-1] + dt.timedelta(seconds=delay)
        if now < ready_at:
            return ThrottleDecision(False, math.ceil((ready_at - now).total_seconds()))
    return ThrottleDecision(True)


def account_decision(attempts: Sequence[Attempt], now: dt.datetime,
                     cleared_at: dt.datetime | None = None) -> ThrottleDecision:
    """``cleared_at``: when the password was last reset. A reset proves control of the mailbox, so
    it lifts the lock-out that failures before it built up."""
    return _decide(_recent_failures(attempts, now, clear_on_success=True, cleared_at=cleared_at), now,
                   SLOW_AFTER, LOCK_AFTER)


def address_decision(attempts: Sequence[Attempt], now: dt.datetime) -> ThrottleDecision:
    # One person's success must not unlock an address that is guessing at many accounts.
    return _decide(_recent_failures(attempts, now, clear_on_success=False), now, ADDRESS_SLOW_AFTER, ADDRESS_LOCK_AFTER)


def combined(*decisions: ThrottleDecision) -> ThrottleDecision:
    refused = [d for d in decisions if not d.allowed]
    if not refused:
        return ThrottleDecision(True)
    return max(refused, key=lambda d: (d.locked, d.retry_after_s))


def is_lockout_transition(failures_before: int, lock_after: int = LOCK_AFTER) -> bool:
    """True when the failure being recorded is the one that locks the account."""
    return failures_before + 1 == lock_after


# --- how long a signed-in session lasts --------------------------------------------------------------

IDLE_LIMIT = dt.timedelta(minutes=30)
ABSOLUTE_LIMIT = dt.timedelta(hours=12)
# A candidate in an exam is never signed out mid-exam: the session lasts until the attempt's
# deadline (its duration, extra time and any pause) and this much more, idle or not.
EXAM_GRACE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class SessionTimes:
    signed_in_at: dt.datetime
    last_seen_at: dt.datetime


def session_lapsed(times: SessionTimes, now: dt.datetime) -> bool:
    """True when the ordinary limits have passed: idle too long, or signed in too long."""
    return now - times.last_seen_at > IDLE_LIMIT or now - times.signed_in_at > ABSOLUTE_LIMIT


def exam_keeps_session(attempt_deadlines: Sequence[dt.datetime], now: dt.datetime) -> bool:
    """An attempt keeps its candidate signed in, idle or not, until its deadline (which moves with
    pauses and extra time) plus ``EXAM_GRACE``."""
    return any(now < deadline + EXAM_GRACE for deadline in attempt_deadlines)


# --- the list of sign-ins (accounts/sign_ins) ----------------------------------------------------------

# A sign-in's row records when it was last seen at most this often: 5,000 candidates autosaving every
# few seconds must not each write a row a minute. The list's "last active" is this coarse.
SIGN_IN_SEEN_EVERY = dt.timedelta(minutes=10)


def sign_in_listed(last_seen_at: dt.datetime, now: dt.datetime) -> bool:
    """Whether a sign-in not ended by anyone is still shown as active: one not seen for longer than
    the idle limit (plus the coarseness of its last-seen time) cannot be used any more, so the list
    would only mislead by showing it."""
    return now - last_seen_at <= IDLE_LIMIT + SIGN_IN_SEEN_EVERY


# Browser and system names matched in a User-Agent header, most specific first: Edge and Opera say
# "Chrome" too, and every Chromium browser says "Safari", so the order decides.
_BROWSERS = (("Edg/", "Edge"), ("EdgA/", "Edge"), ("EdgiOS/", "Edge"), ("OPR/", "Opera"), ("Opera", "Opera"),
             ("SamsungBrowser/", "Samsung Internet"), ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
             ("CriOS/", "Chrome"), ("Chromium/", "Chromium"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
            ("CrOS", "ChromeOS"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"))
UNKNOWN_DEVICE = "Unknown browser"


def device_description(user_agent: str | None) -> str:
    """A short, readable name for the browser a sign-in came from ("Chrome on Windows"), from its
    User-Agent header. The header is whatever the browser (or anyone) sends, so this is a hint for
    the person, never evidence: unknown or odd headers read "Unknown browser"."""
    text = (user_agent or "")[:1000]
    browser = next((name for marker, name in _BROWSERS if marker in text), None)
    system = next((name for marker, name in _SYSTEMS if marker in text), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    if system:
        return f"{UNKNOWN_DEVICE} on {system}"
    return UNKNOWN_DEVICE


# --- password-reset requests and sign-ups ------------------------------------------------------------
# Counted from append-only rows, whether or not the account exists, so the limits neither reveal
# accounts nor depend on which app instance answers.

REQUEST_WINDOW = dt.timedelta(hours=1)
REQUEST_LIMITS = {  # kind: (per email address, per client address) within REQUEST_WINDOW
    "password_reset": (3, 10),
    "sign_up": (3, 5),
}


def request_allowed(kind: str, for_email: Sequence[dt.datetime], for_address: Sequence[dt.datetime],
                    now: dt.datetime) -> bool:
    """Whether one more request of ``kind`` may go ahead, given the earlier ones' times."""
    per_email, per_address = REQUEST_LIMITS[kind]
    recent = lambda times: sum(1 for at in times if now - at < REQUEST_WINDOW)  # noqa: E731
    return recent(for_email) < per_email and recent(for_address) < per_address


# --- sign-up links -----------------------------------------------------------------------------------

SIGN_UP_LINK_TTL = dt.timedelta(hours=24)


def sign_up_link_in_date(requested_at: dt.datetime, now: dt.datetime) -> bool:
    """A sign-up link works for ``SIGN_UP_LINK_TTL`` after it was asked for (and not before)."""
    return requested_at <= now < requested_at + SIGN_UP_LINK_TTL
