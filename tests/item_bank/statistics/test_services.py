"""Recording item statistics: validated, all-or-nothing, append-only, audited."""
from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from core.append_only import AppendOnlyViolation
from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import SYSTEM, Role
from item_bank.statistics.models import ItemStatistic
from item_bank.statistics.services import ItemStatisticsRow, OptionStatistic, record_item_statistics
from item_bank.workflow import Status
from tests.item_bank.statistics.conftest import NOW, statistics_row


def _count(db) -> int:
    return db.scalar(select(func.count()).select_from(ItemStatistic))


def test_a_run_records_one_row_per_item_version_with_the_sitting_and_run(db, make_case_study, record):
    version = make_case_study(Status.APPROVED)
    rows = record(version.item_versions, sitting_id=7, sitting_title="Winter sitting", run=42, provisional=True)
    assert [r.item_id for r in rows] == [iv.item_id for iv in version.item_versions]
    first = rows[0]
    assert (first.sitting_id, first.sitting_title, first.scoring_run_id, first.is_provisional) == (7, "Winter sitting", 42, True)
    assert first.facility == pytest.approx(0.62) and first.alpha_if_deleted == pytest.approx(0.812)
    assert first.distractors[1] == {"option": "B", "is_key": True, "proportion": 0.62, "pbis_rest": 0.38,
                                    "upper_proportion": 0.91, "lower_proportion": 0.30}
    # NaN (an option nobody's choice could correlate) is stored as "not defined".
    assert first.distractors[3]["pbis_rest"] is None
    assert first.flags == [] and first.is_flagged is False
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "item_statistics.recorded")).one()
    assert entry.target_type == "scoring_run" and entry.target_id == "42"


def test_flags_are_kept_and_mark_the_row_flagged(db, make_case_study, record):
    version = make_case_study(Status.APPROVED)
    [row] = record(version.item_versions[:1], flags=("possible_miskey", "low_discrimination"), pbis_corrected=float("nan"))
    assert row.flags == ["possible_miskey", "low_discrimination"] and row.is_flagged
    assert row.pbis_corrected is None


@pytest.mark.parametrize(("overrides", "field"), [
    ({"facility": 1.2}, "rows[0].facility"),
    ({"facility": -0.1}, "rows[0].facility"),
    ({"facility": None}, "rows[0].facility"),
    ({"pbis": 1.5}, "rows[0].pbis"),
    ({"pbis_corrected": -1.01}, "rows[0].pbis_corrected"),
    ({"upper_lower": 2.0}, "rows[0].upper_lower"),
    ({"alpha_if_deleted": 1.3}, "rows[0].alpha_if_deleted"),
    ({"alpha_if_deleted": math.inf}, "rows[0].alpha_if_deleted"),
    ({"n_candidates": 0}, "rows[0].n_candidates"),
    ({"max_mark": 0}, "rows[0].max_mark"),
    ({"flags": ("Possible Miskey",)}, "rows[0].flags"),
    ({"flags": ("too_hard", "too_hard")}, "rows[0].flags"),
    ({"distractors": (OptionStatistic("A", True, 1.4),)}, "rows[0].distractors[0].proportion"),
    ({"distractors": (OptionStatistic("A", True, 0.5), OptionStatistic("A", False, 0.5))}, "rows[0].distractors[1].option"),
    ({"distractors": ({"option": "A", "colour": "red"},)}, "rows[0].distractors[0]"),
])
def test_bad_numbers_are_refused_and_nothing_is_written(db, make_case_study, record, overrides, field):
    version = make_case_study(Status.APPROVED)
    before = _count(db)
    good, bad = version.item_versions[:2]
    with pytest.raises(ValidationFailed) as error:
        record({good: {}, bad: overrides})
    # The bad row is the second one: the first row, though valid, is not written either.
    assert [p.field for p in error.value.problems] == [field.replace("rows[0]", "rows[1]")]
    assert _count(db) == before


def test_distractors_may_be_given_as_dicts(db, make_case_study, record):
    version = make_case_study(Status.APPROVED)
    [row] = record(version.item_versions[:1], distractors=({"option": "A", "is_key": True, "proportion": 1.0},))
    assert row.distractors == [{"option": "A", "is_key": True, "proportion": 1.0, "pbis_rest": None,
                                "upper_proportion": None, "lower_proportion": None}]


def test_unknown_item_versions_and_mismatched_items_are_refused(db, make_case_study):
    version = make_case_study(Status.APPROVED)
    with pytest.raises(NotFound, match="999999"):
        record_item_statistics(db, actor=SYSTEM, scoring_run_id=1, sitting_id=1, sitting_title="S", is_provisional=False,
                               rows=[ItemStatisticsRow(item_version_id=999999, n_candidates=5, max_mark=1, facility=0.5)],
                               now=NOW)
    first, second = version.item_versions[:2]
    with pytest.raises(ValidationFailed) as error:
        record_item_statistics(db, actor=SYSTEM, scoring_run_id=1, sitting_id=1, sitting_title="S", is_provisional=False,
                               rows=[statistics_row(first, item_id=second.item_id)], now=NOW)
    assert error.value.problems[0].field == "rows[0].item_id"


@pytest.mark.parametrize(("arguments", "field"), [
    ({"scoring_run_id": 0}, "scoring_run_id"),
    ({"sitting_id": -3}, "sitting_id"),
    ({"sitting_title": "  "}, "sitting_title"),
    ({"sitting_title": "x" * 201}, "sitting_title"),
])
def test_bad_run_details_are_refused(db, make_case_study, arguments, field):
    version = make_case_study(Status.APPROVED)
    call = dict(actor=SYSTEM, scoring_run_id=1, sitting_id=1, sitting_title="S", is_provisional=False,
                rows=[statistics_row(version.item_versions[0])], now=NOW)
    with pytest.raises(ValidationFailed) as error:
        record_item_statistics(db, **{**call, **arguments})
    assert [p.field for p in error.value.problems] == [field]


def test_a_run_with_no_items_records_nothing(db):
    before = _count(db)
    assert record_item_statistics(db, actor=SYSTEM, scoring_run_id=3, sitting_id=1, sitting_title="S",
                                  is_provisional=False, rows=[], now=NOW) == []
    assert _count(db) == before


def test_a_run_records_each_item_version_once(db, make_case_study, record):
    version = make_case_study(Status.APPROVED)
    record(version.item_versions[:1], run=5)
    with pytest.raises(Conflict, match="already recorded"):
        record(version.item_versions[:1], run=5)
    with pytest.raises(ValidationFailed):
        record_item_statistics(db, actor=SYSTEM, scoring_run_id=6, sitting_id=1, sitting_title="S", is_provisional=False,
                               rows=[statistics_row(version.item_versions[0])] * 2, now=NOW)


def test_only_examiners_and_the_system_record(db, make_case_study, make_user):
    version = make_case_study(Status.APPROVED)
    with pytest.raises(Forbidden):
        record_item_statistics(db, actor=make_user(Role.ITEM_WRITER).actor, scoring_run_id=1, sitting_id=1,
                               sitting_title="S", is_provisional=False, rows=[statistics_row(version.item_versions[0])],
                               now=NOW)
    rows = record_item_statistics(db, actor=make_user(Role.EXAMINER).actor, scoring_run_id=1, sitting_id=1,
                                  sitting_title="S", is_provisional=False,
                                  rows=[statistics_row(version.item_versions[0])], now=NOW)
    assert rows[0].recorded_by_id is not None


def test_recorded_statistics_cannot_be_changed_or_deleted(db, make_case_study, record):
    version = make_case_study(Status.APPROVED)
    [row] = record(version.item_versions[:1])
    row.facility = 0.1
    with pytest.raises(AppendOnlyViolation):
        db.flush()
    db.rollback()


def test_the_database_refuses_a_raw_update(db, make_case_study, record):
    version = make_case_study(Status.APPROVED)
    [row] = record(version.item_versions[:1])
    with pytest.raises(IntegrityError, match="append-only"):
        with db.begin_nested():
            db.execute(text("UPDATE item_statistics SET facility = 0.1 WHERE id = :id"), {"id": row.id})
