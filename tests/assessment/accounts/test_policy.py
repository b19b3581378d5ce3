import datetime as dt

from assessment.accounts import policy
from assessment.accounts.policy import Attempt

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def failures(n, start=T0, gap_s=1):
    return [Attempt(start + dt.timedelta(seconds=i * gap_s), False) for i in range(n)]


def test_a_few_failures_are_allowed():
    assert policy.account_decision(failures(policy.SLOW_AFTER - 1), T0 + dt.timedelta(seconds=5)).allowed


def test_after_three_failures_each_try_waits_longer():
    attempts = failures(3)
    last = attempts[-1].at
    decision = policy.account_decision(attempts, last + dt.timedelta(seconds=1))
    assert not decision.allowed and not decision.locked
    assert decision.retry_after_s == policy.FIRST_DELAY_S - 1  # 5 s after the third failure, 1 s gone
    assert policy.account_decision(attempts, last + dt.timedelta(seconds=policy.FIRST_DELAY_S)).allowed
    attempts = failures(4)
    decision = policy.account_decision(attempts, attempts[-1].at)
    assert decision.retry_after_s == policy.FIRST_DELAY_S * 2  # doubles


def test_lockout_after_eight_failures_for_fifteen_minutes():
    attempts = failures(policy.LOCK_AFTER, gap_s=60)
    locked_at = attempts[-1].at
    decision = policy.account_decision(attempts, locked_at + dt.timedelta(minutes=1))
    assert decision.locked and not decision.allowed
    assert "paused for 14 minutes" in decision.message
    # Lifted once the lock period has passed (and the earliest failures have left the window).
    assert policy.account_decision(attempts, locked_at + policy.LOCK_FOR).allowed


def test_a_success_clears_the_account_but_not_the_address():
    attempts = failures(5) + [Attempt(T0 + dt.timedelta(seconds=10), True)]
    now = T0 + dt.timedelta(seconds=11)
    assert policy.account_decision(attempts, now).allowed
    many = failures(policy.ADDRESS_SLOW_AFTER) + [Attempt(T0 + dt.timedelta(seconds=20), True)]
    assert not policy.address_decision(many, T0 + dt.timedelta(seconds=21)).allowed


def test_old_failures_fall_out_of_the_window():
    attempts = failures(5)
    assert policy.account_decision(attempts, T0 + policy.WINDOW + dt.timedelta(minutes=1)).allowed


def test_combined_reports_the_strictest():
    slow = policy.ThrottleDecision(False, 10)
    locked = policy.ThrottleDecision(False, 5, locked=True)
    assert policy.combined(policy.ThrottleDecision(True), slow, locked) is locked
    assert policy.combined(policy.ThrottleDecision(True)).allowed


def test_a_password_reset_clears_the_failures_before_it():
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
    failures = [policy.Attempt(start + dt.timedelta(seconds=10 * n), False) for n in range(policy.LOCK_AFTER)]
    now = start + dt.timedelta(minutes=3)
    assert policy.account_decision(failures, now).locked
    assert policy.account_decision(failures, now, cleared_at=start + dt.timedelta(minutes=2)).allowed


def test_session_limits_and_an_exam_keeping_a_session():
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
    times = policy.SessionTimes(signed_in_at=start, last_seen_at=start + dt.timedelta(hours=11, minutes=50))
    assert not policy.session_lapsed(times, start + dt.timedelta(hours=11, minutes=59))
    assert policy.session_lapsed(times, start + dt.timedelta(hours=12, minutes=1))
    idle = policy.SessionTimes(signed_in_at=start, last_seen_at=start)
    assert not policy.session_lapsed(idle, start + policy.IDLE_LIMIT)
    assert policy.session_lapsed(idle, start + policy.IDLE_LIMIT + dt.timedelta(seconds=1))
    deadline = start + dt.timedelta(hours=14)
    assert policy.exam_keeps_session([deadline], deadline + dt.timedelta(minutes=59))
    assert not policy.exam_keeps_session([deadline], deadline + policy.EXAM_GRACE)
    assert not policy.exam_keeps_session([], start)


def test_request_limits_count_the_last_hour_only():
    now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
    per_email, per_address = policy.REQUEST_LIMITS["password_reset"]
    recent = [now - dt.timedelta(minutes=n) for n in range(per_email)]
    old = [now - dt.timedelta(hours=2)] * 50
    assert not policy.request_allowed("password_reset", recent, [], now)
    assert policy.request_allowed("password_reset", recent[:-1] + old, old, now)
    assert not policy.request_allowed("password_reset", [], [now] * per_address, now)
