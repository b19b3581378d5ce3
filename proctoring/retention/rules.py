"""When an invigilation's media may be deleted (pure).

Evidence (check-in photos, ID photos, room scans, snapshots, recorded chunks) is kept while it may
still be needed: until the results of its sitting are released, then through the appeal window and a
further period (``INVIGILATION_RETENTION_DAYS_AFTER_APPEALS``), and for as long after that as an
appeal or an incident is open. The log rows are never deleted: they hold metadata and SHA-256s only.

An incident is open when the invigilation's standing outcome awaits an examiner (result withheld
pending an examiner's decision, or referred for misconduct) and no examiner has decided on the
attempt's result since that outcome, or when a flag stands confirmed and no outcome has been
recorded since it was confirmed.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from proctoring.rules import Outcome


@dataclass(frozen=True)
class RetentionSettings:
    appeal_window_days: int
    days_after_appeals: int

    def __post_init__(self):
        for name in ("appeal_window_days", "days_after_appeals"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number of days, 0 or more, not {value!r}")

    @property
    def period(self) -> dt.timedelta:
        """How long after a release the evidence is kept when nothing holds it."""
        return dt.timedelta(days=self.appeal_window_days + self.days_after_appeals)


@dataclass(frozen=True)
class RetentionFacts:
    """What decides one invigilation's retention. ``released_at``: the latest release of its
    sitting's results that covers the candidate (None: not released yet). ``appeal_open``: an appeal
    against the attempt is open. ``outcome``/``outcome_at``: the reviewer's standing outcome, if any.
    ``examiner_decided_at``: the latest examiner decision on the attempt's result, if any.
    ``confirmed_flag_at``: the latest time a flag was confirmed whose confirmation still stands."""

    released_at: dt.datetime | None
    appeal_open: bool = False
    outcome: Outcome | None = None
    outcome_at: dt.datetime | None = None
    examiner_decided_at: dt.datetime | None = None
    confirmed_flag_at: dt.datetime | None = None


class Reason(enum.StrEnum):
    DUE = "due"
    NOT_RELEASED = "not_released"
    IN_PERIOD = "in_period"
    APPEAL_OPEN = "appeal_open"
    INCIDENT_OPEN = "incident_open"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {
    Reason.DUE: "The retention period after the release has passed and nothing holds the evidence.",
    Reason.NOT_RELEASED: "The sitting's results have not been released.",
    Reason.IN_PERIOD: "The retention period after the release (appeal window and the days after it) has not passed.",
    Reason.APPEAL_OPEN: "An appeal against the result is open.",
    Reason.INCIDENT_OPEN: "An incident is open: an outcome awaits an examiner's decision, or a confirmed flag "
                          "awaits an outcome.",
}


@dataclass(frozen=True)
class RetentionDecision:
    due: bool
    reason: Reason
    keep_until: dt.datetime | None  # the end of the period after the release (None: not released)

    @property
    def explanation(self) -> str:
        return self.reason.label


def incident_open(facts: RetentionFacts) -> bool:
    """An outcome awaiting an examiner with no examiner decision since, or a standing confirmed
    flag with no outcome recorded since its confirmation."""
    if facts.outcome is not None and Outcome(facts.outcome).awaits_examiner:
        if facts.examiner_decided_at is None or (facts.outcome_at is not None
                                                 and facts.examiner_decided_at < facts.outcome_at):
            return True
    if facts.confirmed_flag_at is not None:
        if facts.outcome_at is None or facts.outcome_at < facts.confirmed_flag_at:
            return True
    return False


def retention_decision(facts: RetentionFacts, settings: RetentionSettings, now: dt.datetime) -> RetentionDecision:
    """Whether the invigilation's media are due for deletion at ``now``, and why (the first reason
    that keeps them, in the order: not released, appeal open, incident open, period running)."""
    if now.tzinfo is None or (facts.released_at is not None and facts.released_at.tzinfo is None):
        raise ValueError("retention needs aware datetimes")
    if facts.released_at is None:
        return RetentionDecision(False, Reason.NOT_RELEASED, None)
    keep_until = facts.released_at + settings.period
    if facts.appeal_open:
        return RetentionDecision(False, Reason.APPEAL_OPEN, keep_until)
    if incident_open(facts):
        return RetentionDecision(False, Reason.INCIDENT_OPEN, keep_until)
    if now < keep_until:
        return RetentionDecision(False, Reason.IN_PERIOD, keep_until)
    return RetentionDecision(True, Reason.DUE, keep_until)
