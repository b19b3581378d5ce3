import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core import audit
from core.clock import Clock, london
from core.roles import SYSTEM


def test_times_are_stored_in_utc_and_come_back_aware(db):
    summer_london = dt.datetime(2026, 7, 1, 14, 30, tzinfo=ZoneInfo("Europe/London"))
    entry = audit.record(db, actor=SYSTEM, action="x", target_type="t", now=summer_london)
    db.expire_all()
    stored = db.scalar(select(audit.AuditEntry.occurred_at).where(audit.AuditEntry.id == entry.id))
    assert stored.tzinfo is not None
    assert stored == dt.datetime(2026, 7, 1, 13, 30, tzinfo=dt.timezone.utc)


def test_naive_times_are_refused(db):
    with pytest.raises(Exception, match="naive datetime"):
        audit.record(db, actor=SYSTEM, action="x", target_type="t", now=dt.datetime(2026, 1, 1, 9, 0))
    db.rollback()


def test_shown_in_london_time_across_daylight_saving():
    assert london(dt.datetime(2026, 7, 1, 13, 30, tzinfo=dt.timezone.utc)) == "1 July 2026, 14:30"
    assert london(dt.datetime(2026, 12, 1, 13, 30, tzinfo=dt.timezone.utc)) == "1 December 2026, 13:30"
    assert london(None) == ""


def test_clock_can_be_set_and_advanced():
    clock = Clock()
    clock.set(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    clock.advance(minutes=90)
    assert clock.now() == dt.datetime(2026, 1, 1, 1, 30, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError):
        clock.set(dt.datetime(2026, 1, 1))
