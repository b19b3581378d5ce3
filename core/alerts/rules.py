"""What counts as an attack worth an alert, and when an alert is sent again (pure).

The settings come from configuration (``ALERT_*`` in ``assessment/config.py``); this module turns
them into one frozen value, refusing nonsense, and holds every decision that needs no database:
which audit actions raise which alert, whether a count has crossed its threshold, which counting
window an instant falls in, and whether an alert of one kind about one subject is a repeat that
must not be sent again so soon.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

LOG_PREFIX = "Security alert:"


class AlertKind(StrEnum):
    ACCOUNT_LOCKED = "account_locked"
    PASSWORD_SPRAYING = "password_spraying"
    SIGN_IN_THROTTLED = "sign_in_throttled"
    PASSWORD_RESET_THROTTLED = "password_reset_throttled"
    SIGN_UP_THROTTLED = "sign_up_throttled"
    REFUSAL_BURST = "refusal_burst"
    RECOVERY_CODE_USED = "recovery_code_used"
    SECOND_FACTOR_RESET = "second_factor_reset"
    TEST = "test"

    @property
    def title(self) -> str:
        return TITLES[self]


TITLES = {
    AlertKind.ACCOUNT_LOCKED: "Account locked after failed sign-ins",
    AlertKind.PASSWORD_SPRAYING: "Failed sign-ins to many accounts from one address",
    AlertKind.SIGN_IN_THROTTLED: "Sign-in throttling refused a try",
    AlertKind.PASSWORD_RESET_THROTTLED: "Password reset requests refused by the rate limit",
    AlertKind.SIGN_UP_THROTTLED: "Account requests refused by the rate limit",
    AlertKind.REFUSAL_BURST: "A burst of refused requests",
    AlertKind.RECOVERY_CODE_USED: "A recovery code was used to sign in",
    AlertKind.SECOND_FACTOR_RESET: "Two-factor sign-in was reset by an administrator",
    AlertKind.TEST: "Test alert",
}

# Audit actions that are alerts in themselves. Everything else the audit log records is not
# looked at again, so that an ordinary write pays nothing for alerting.
AUDIT_ACTIONS = {
    "account.locked": AlertKind.ACCOUNT_LOCKED,
    "login.refused_throttled": AlertKind.SIGN_IN_THROTTLED,
    "password.reset_refused_rate_limited": AlertKind.PASSWORD_RESET_THROTTLED,
    "account.sign_up_refused_rate_limited": AlertKind.SIGN_UP_THROTTLED,
    "two_factor.recovery_code_used": AlertKind.RECOVERY_CODE_USED,
    "two_factor.reset": AlertKind.SECOND_FACTOR_RESET,
}


@dataclass(frozen=True)
class AlertSettings:
    emails: tuple[str, ...] = ()
    webhook_url: str | None = None
    webhook_timeout_s: float = 5.0
    repeat_after: dt.timedelta = dt.timedelta(minutes=15)
    max_sent_per_hour: int = 30
    spray_accounts: int = 10
    spray_window: dt.timedelta = dt.timedelta(minutes=15)
    refusals: int = 30
    refusals_window: dt.timedelta = dt.timedelta(minutes=5)
    silenced: frozenset[AlertKind] = frozenset()

    @classmethod
    def from_config(cls, config) -> AlertSettings:
        """The settings from a configuration mapping; ``ValueError`` names the first bad one."""
        emails = tuple(part.strip() for part in str(config.get("ALERT_EMAILS") or "").split(",") if part.strip())
        for address in emails:
            if "@" not in address or address.startswith("@") or address.endswith("@") \
                    or any(c in address for c in " \r\n;<>"):
                raise ValueError(f"ALERT_EMAILS must be e-mail addresses separated by commas; {address!r} is not one")
        url = (config.get("ALERT_WEBHOOK_URL") or "").strip() or None
        if url is not None and not url.startswith(("https://", "http://")):
            raise ValueError(f"ALERT_WEBHOOK_URL must start with https:// (or http://), not {url!r}")
        silenced = set()
        for name in str(config.get("ALERT_SILENCED") or "").split(","):
            if name.strip():
                try:
                    silenced.add(AlertKind(name.strip()))
                except ValueError:
                    known = ", ".join(k.value for k in AlertKind if k != AlertKind.TEST)
                    raise ValueError(f"ALERT_SILENCED names an unknown alert {name.strip()!r}; known: {known}") \
                        from None
        numbers = {}
        for key, least in (("ALERT_WEBHOOK_TIMEOUT_S", 1), ("ALERT_REPEAT_MINUTES", 1), ("ALERT_MAX_PER_HOUR", 1),
                           ("ALERT_SPRAY_ACCOUNTS", 2), ("ALERT_SPRAY_WINDOW_MINUTES", 1), ("ALERT_REFUSALS", 2),
                           ("ALERT_REFUSALS_WINDOW_MINUTES", 1)):
            value = config.get(key, DEFAULT_NUMBERS[key])
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{key} must be a whole number, {least} or more, not {value!r}")
            numbers[key] = value
        return cls(emails=emails, webhook_url=url, webhook_timeout_s=float(numbers["ALERT_WEBHOOK_TIMEOUT_S"]),
                   repeat_after=dt.timedelta(minutes=numbers["ALERT_REPEAT_MINUTES"]),
                   max_sent_per_hour=numbers["ALERT_MAX_PER_HOUR"], spray_accounts=numbers["ALERT_SPRAY_ACCOUNTS"],
                   spray_window=dt.timedelta(minutes=numbers["ALERT_SPRAY_WINDOW_MINUTES"]),
                   refusals=numbers["ALERT_REFUSALS"],
                   refusals_window=dt.timedelta(minutes=numbers["ALERT_REFUSALS_WINDOW_MINUTES"]),
                   silenced=frozenset(silenced))


DEFAULT_NUMBERS = {"ALERT_WEBHOOK_TIMEOUT_S": 5, "ALERT_REPEAT_MINUTES": 15, "ALERT_MAX_PER_HOUR": 30,
                   "ALERT_SPRAY_ACCOUNTS": 10, "ALERT_SPRAY_WINDOW_MINUTES": 15, "ALERT_REFUSALS": 30,
                   "ALERT_REFUSALS_WINDOW_MINUTES": 5}


def is_spraying(distinct_accounts: int, settings: AlertSettings) -> bool:
    """Failed sign-ins to this many different accounts from one address inside the window."""
    return distinct_accounts >= settings.spray_accounts


def window_start(now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    """The start of the fixed counting window ``now`` falls in (windows start at the epoch, so
    every process puts one instant in the same window). A burst that straddles two windows counts
    in both halves; the threshold is reached at most one window late."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    seconds = int(window.total_seconds())
    elapsed = int((now - epoch).total_seconds())
    return epoch + dt.timedelta(seconds=elapsed - elapsed % seconds)


def crosses_threshold(count: int, threshold: int) -> bool:
    """Exactly at the threshold: a count that goes on climbing in the same window raises nothing
    more (and costs no further query), the next window starts again."""
    return count == threshold


def is_repeat(last_sent_at: dt.datetime | None, now: dt.datetime, settings: AlertSettings) -> bool:
    """One alert of a kind about one subject per ``repeat_after``: an attack is one message, not a flood."""
    return last_sent_at is not None and now - last_sent_at < settings.repeat_after


def over_hourly_limit(sent_in_last_hour: int, settings: AlertSettings) -> bool:
    """Across every kind and subject (an attack on many accounts at once): past the limit an alert is
    still recorded and logged, but not mailed or posted."""
    return sent_in_last_hour >= settings.max_sent_per_hour


def channels(settings: AlertSettings, *, limited: bool) -> tuple[str, ...]:
    """Where an alert goes. The log line is always written, so log shipping can alert on it too."""
    if limited:
        return ("log",)
    return ("log",) + (("email",) if settings.emails else ()) + (("webhook",) if settings.webhook_url else ())


def message_lines(kind: AlertKind, subject: str, details: dict, when_text: str) -> list[str]:
    """The body of an alert, in words: what, about whom or what, when, and the numbers. No more
    personal data than the details carry (an account's id or address, an IP address, counts)."""
    return [f"{kind.title}.", f"Subject: {subject}", f"When: {when_text} (UK time)"] + detail_lines(details)


def detail_lines(details: dict) -> list[str]:
    """``{"locked_for_s": 900}`` as a person reads it: ``Locked for (seconds): 900``; a unit at the end
    of a key (``_s``, ``_minutes``) is spelt out in brackets rather than left as a stray word."""
    lines = []
    for key, value in sorted(details.items()):
        words, unit = key, ""
        for suffix, name in (("_s", "seconds"), ("_minutes", "minutes")):
            if key.endswith(suffix):
                words, unit = key[:-len(suffix)], f" ({name})"
        lines.append(f"{words.replace('_', ' ').capitalize()}{unit}: {value}")
    return lines
