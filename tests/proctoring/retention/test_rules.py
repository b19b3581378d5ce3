"""When an invigilation's media are due for deletion: every rule, with the default period (28 days of
appeal window + 30 days after it = 58 days after the release)."""
from __future__ import annotations

import datetime as dt

import pytest

from proctoring.retention.rules import Reason, RetentionFacts, RetentionSettings, incident_open, retention_decision
from proctoring.rules import Outcome

RELEASED = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)
SETTINGS = RetentionSettings(appeal_window_days=28, days_after_appeals=30)
DAY = dt.timedelta(days=1)


def decide(now=RELEASED + 60 * DAY, **facts):
    return retention_decision(RetentionFacts(**{"released_at": RELEASED, **facts}), SETTINGS, now)


def test_the_period_is_the_appeal_window_and_the_days_after_it():
    assert SETTINGS.period == 58 * DAY
    assert decide().keep_until == RELEASED + 58 * DAY


def test_not_due_before_the_period_ends_and_due_from_its_end():
    before = decide(now=RELEASED + 58 * DAY - dt.timedelta(seconds=1))
    assert (before.due, before.reason) == (False, Reason.IN_PERIOD)
    at_end = decide(now=RELEASED + 58 * DAY)
    assert (at_end.due, at_end.reason) == (True, Reason.DUE)
    assert decide(now=RELEASED + 400 * DAY).due


def test_nothing_is_due_before_a_release():
    decision = decide(released_at=None, now=RELEASED + 1000 * DAY)
    assert (decision.due, decision.reason, decision.keep_until) == (False, Reason.NOT_RELEASED, None)


def test_an_open_appeal_holds_the_evidence_past_the_period():
    decision = decide(appeal_open=True, now=RELEASED + 400 * DAY)
    assert (decision.due, decision.reason) == (False, Reason.APPEAL_OPEN)


@pytest.mark.parametrize("outcome", [Outcome.WITHHELD_PENDING_EXAMINER, Outcome.REFER_FOR_MISCONDUCT])
def test_an_outcome_awaiting_an_examiner_holds_until_an_examiner_decides(outcome):
    at = RELEASED - 2 * DAY
    held = decide(outcome=outcome, outcome_at=at)
    assert (held.due, held.reason) == (False, Reason.INCIDENT_OPEN)
    # An examiner's decision from before the outcome does not close it; one after it does.
    assert decide(outcome=outcome, outcome_at=at, examiner_decided_at=at - DAY).reason == Reason.INCIDENT_OPEN
    closed = decide(outcome=outcome, outcome_at=at, examiner_decided_at=at + DAY)
    assert (closed.due, closed.reason) == (True, Reason.DUE)


@pytest.mark.parametrize("outcome", [Outcome.NO_CONCERN, Outcome.CONCERN_NOTED])
def test_outcomes_that_need_no_examiner_hold_nothing(outcome):
    assert decide(outcome=outcome, outcome_at=RELEASED - DAY).due


def test_a_confirmed_flag_holds_until_an_outcome_is_recorded_after_it():
    confirmed = RELEASED - 3 * DAY
    held = decide(confirmed_flag_at=confirmed)
    assert (held.due, held.reason) == (False, Reason.INCIDENT_OPEN)
    # An outcome recorded before the confirmation does not close it; one after it does.
    assert not decide(confirmed_flag_at=confirmed, outcome=Outcome.NO_CONCERN, outcome_at=confirmed - DAY).due
    assert decide(confirmed_flag_at=confirmed, outcome=Outcome.CONCERN_NOTED, outcome_at=confirmed + DAY).due
    # ... unless that outcome itself awaits an examiner.
    assert not decide(confirmed_flag_at=confirmed, outcome=Outcome.REFER_FOR_MISCONDUCT,
                      outcome_at=confirmed + DAY).due


def test_a_hold_is_reported_before_a_running_period_and_a_closed_one_lets_the_period_decide():
    early = RELEASED + 10 * DAY
    assert decide(appeal_open=True, now=early).reason == Reason.APPEAL_OPEN
    closed_early = decide(outcome=Outcome.WITHHELD_PENDING_EXAMINER, outcome_at=RELEASED,
                          examiner_decided_at=RELEASED + DAY, now=early)
    assert (closed_early.due, closed_early.reason) == (False, Reason.IN_PERIOD)


def test_incident_open_alone():
    assert not incident_open(RetentionFacts(released_at=None))
    assert incident_open(RetentionFacts(released_at=None, outcome=Outcome.REFER_FOR_MISCONDUCT, outcome_at=RELEASED))


def test_settings_and_times_are_checked():
    with pytest.raises(ValueError):
        RetentionSettings(appeal_window_days=-1, days_after_appeals=30)
    with pytest.raises(ValueError):
        RetentionSettings(appeal_window_days=28, days_after_appeals=True)
    with pytest.raises(ValueError):
        retention_decision(RetentionFacts(released_at=RELEASED), SETTINGS, dt.datetime(2027, 1, 1))
    assert Reason.APPEAL_OPEN.label == "An appeal against the result is open."
