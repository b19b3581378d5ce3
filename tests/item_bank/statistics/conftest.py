"""Item statistics fixtures: rows recorded through the real service, as a scoring run would."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

from core.roles import SYSTEM
from item_bank.statistics.services import ItemStatisticsRow, OptionStatistic, record_item_statistics

NOW = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.timezone.utc)
_runs = itertools.count(1000)

OPTIONS = (OptionStatistic("A", False, 0.10, -0.21, 0.02, 0.25), OptionStatistic("B", True, 0.62, 0.38, 0.91, 0.30),
           OptionStatistic("C", False, 0.20, -0.15, 0.05, 0.35), OptionStatistic("D", False, 0.08, float("nan"), 0.02, 0.10))


def statistics_row(item_version, **overrides) -> ItemStatisticsRow:
    values = dict(item_version_id=item_version.id, n_candidates=240, max_mark=item_version.max_mark, facility=0.62,
                  pbis=0.45, pbis_corrected=0.38, upper_lower=0.61, alpha_if_deleted=0.812, flags=(),
                  distractors=OPTIONS)
    values.update(overrides)
    return ItemStatisticsRow(**values)


@pytest.fixture
def record(db):
    """Record one run's statistics: ``record(item_versions, sitting_id=…, run=…, **row overrides)``
    or ``record({item_version: {overrides}, …})``; returns the rows."""

    def do(versions, *, sitting_id=1, sitting_title="December 2026 sitting", run=None, provisional=False,
           now=NOW, **overrides):
        if not isinstance(versions, dict):
            versions = {iv: overrides for iv in versions}
        return record_item_statistics(
            db, actor=SYSTEM, scoring_run_id=run or next(_runs), sitting_id=sitting_id, sitting_title=sitting_title,
            is_provisional=provisional, rows=[statistics_row(iv, **o) for iv, o in versions.items()], now=now)

    return do
