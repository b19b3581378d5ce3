import datetime as dt

import pytest

from core import audit
from core.append_only import AppendOnlyViolation
from core.roles import SYSTEM

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def test_evidence_rows_cannot_be_changed(db):
    entry = audit.record(db, actor=SYSTEM, action="x", target_type="t", now=NOW)
    entry.action = "rewritten"
    with pytest.raises(AppendOnlyViolation, match="cannot be changed"):
        db.flush()
    db.rollback()


def test_evidence_rows_cannot_be_deleted(db):
    entry = audit.record(db, actor=SYSTEM, action="x", target_type="t", now=NOW)
    db.delete(entry)
    with pytest.raises(AppendOnlyViolation, match="cannot be deleted"):
        db.flush()
    db.rollback()


def test_ordinary_rows_may_change(db, make_user):
    user = make_user()
    user.full_name = "Renamed"
    db.flush()
    assert user.full_name == "Renamed"
