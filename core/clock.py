"""The one place that reads the wall clock, so that tests can set the time."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LONDON = ZoneInfo("Europe/London")


class Clock:
    """Wall-clock UTC time; a test may ``set`` it to a fixed instant and ``advance`` it."""

    def __init__(self) -> None:
        self._fixed: dt.datetime | None = None

    def now(self) -> dt.datetime:
        if self._fixed is not None:
            return self._fixed
        return dt.datetime.now(dt.timezone.utc)

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._fixed = when.astimezone(dt.timezone.utc)

    def advance(self, **delta) -> None:
        self._fixed = self.now() + dt.timedelta(**delta)

    def release(self) -> None:
        self._fixed = None


def utcnow() -> dt.datetime:
    """Now in UTC, from the app's clock when there is an app."""
    if has_app_context():
        return current_app.extensions["cop.clock"].now()
    return dt.datetime.now(dt.timezone.utc)


def london(when: dt.datetime | None) -> str:
    """A UTC instant as a person in the UK reads it, e.g. ``23 November 2026, 18:40``."""
    if when is None:
        return ""
    local = when.astimezone(LONDON)
    return f"{local.day} {local:%B %Y, %H:%M}"
