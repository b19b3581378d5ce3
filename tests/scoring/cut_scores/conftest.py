"""Stored scoring runs with chosen scores: a run is written as the scoring service writes it (the
run, its items, one score row per candidate), so decisions and equating can be tested on numbers
we choose. Items are real bank items, so two runs can share anchor items by label."""
import datetime as dt

import numpy as np
import pytest

from core.roles import Role
from tests.assessment.delivery.conftest import T0, booked_candidate, make_published_paper, make_sitting  # noqa: F401

NOW = T0 + dt.timedelta(days=20)


@pytest.fixture
def bank_items(db, make_case_study):
    """``make(n)`` → n approved item versions (3 per case study)."""
    from item_bank.workflow import Status

    def make(n):
        versions = []
        while len(versions) < n:
            versions.extend(make_case_study(Status.APPROVED, title=f"Case study {len(versions)}").item_versions)
        return versions[:n]

    return make


@pytest.fixture
def stored_run(db, make_sitting, make_user):
    """``make(matrix, versions, provisional=False, sitting=None, sem=..., max_marks=None, item_types=None)``
    → a ScoringRun whose candidates × items scores are ``matrix``, on the given item versions (labels
    I<item id>); ``item_types`` (one per item) default to single best answer."""
    from scoring.psychometrics import item_analysis
    from scoring.runs.models import ScoringRun, ScoringRunItem, ScoringRunScore

    def make(matrix, versions, *, provisional=False, sitting=None, sem="engine", max_marks=None, item_types=None):
        x = np.asarray(matrix, dtype=float)
        sitting = sitting or make_sitting()
        tops = max_marks or [1.0] * x.shape[1]
        labels = [f"I{v.item_id}" for v in versions]
        summary = item_analysis(x, items=labels, max_scores=tops).summary
        run = ScoringRun(sitting_id=sitting.id, exam_paper_id=_paper_of(db, sitting),
                         previous_run_id=None, is_provisional=provisional, outstanding_scripts=1 if provisional else 0,
                         reason="", settings={}, code_version="test", created_by_id=None, created_at=NOW,
                         n_candidates=x.shape[0], n_items=x.shape[1], max_score=float(sum(tops)),
                         alpha=float(summary.alpha), kr20=None, kr21=None,
                         sem=float(summary.sem) if sem == "engine" else sem, mean=float(x.sum(1).mean()),
                         sd=None, min_score=None, max_observed=None, percentiles=[], histogram=[], notes=[])
        db.add(run)
        db.flush()
        kinds = item_types or ["sba"] * x.shape[1]
        for position, (version, label, top, kind) in enumerate(zip(versions, labels, tops, kinds), start=1):
            db.add(ScoringRunItem(run_id=run.id, position=position, label=label, item_id=version.item_id,
                                  item_version_id=version.id, item_type=kind, rule=kind,
                                  key="B" if kind == "sba" else None, max_mark=top,
                                  is_excluded=False, flags=[], notes=[], options=[], accepted_keys=[]))
        candidates = [make_user(Role.CANDIDATE) for _ in range(x.shape[0])]
        from assessment.delivery.models import Attempt
        for candidate, row in zip(candidates, x):
            attempt = Attempt(sitting_id=sitting.id, candidate_id=candidate.id, exam_paper_id=run.exam_paper_id,
                              started_at=T0, duration_s=3600, extra_time_pct=0)
            db.add(attempt)
            db.flush()
            db.add(ScoringRunScore(run_id=run.id, attempt_id=attempt.id, candidate_id=candidate.id,
                                   marks=[float(v) for v in row], constructed_marks={}, total=float(row.sum())))
        db.flush()
        return run

    return make


def _paper_of(db, sitting):
    from sqlalchemy import select

    from assessment.delivery.models import SittingPaper

    return db.scalar(select(SittingPaper.exam_paper_id).where(SittingPaper.sitting_id == sitting.id))


@pytest.fixture
def examiners(make_user):
    return make_user(Role.EXAMINER, name="Dee Decider"), make_user(Role.EXAMINER, name="Abe Approver")
