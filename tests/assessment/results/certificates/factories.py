"""A released sitting, built row by row (the release service belongs to another package): a paper,
a sitting, one attempt per candidate, a scoring run, an approved cut-score decision, a release and
its candidate results."""
from __future__ import annotations

import datetime as dt

RELEASED_AT = dt.datetime(2026, 12, 4, 15, 30, tzinfo=dt.timezone.utc)


def make_paper_and_sitting(db, owner):
    from assessment.delivery.models import Sitting, SittingPaper
    from item_bank.models import ExamPaper, ExamSpec

    start = RELEASED_AT - dt.timedelta(days=20)
    spec = ExamSpec(title="Certificate spec", total_marks=10, total_marks_tolerance=0, duration_min=60,
                    min_case_studies=1, max_case_studies=1, max_exposure=None, theme_marks={}, standard_marks={},
                    item_type_mix={}, enemy_sets=[], created_by_id=owner.id, created_at=start, updated_at=start)
    db.add(spec)
    db.flush()
    paper = ExamPaper(title="Certificate paper", exam_spec_id=spec.id, is_published=True, created_by_id=owner.id,
                      created_at=start, published_at=start)
    db.add(paper)
    db.flush()
    sitting = Sitting(title="Certificate sitting", is_practice=False, booking_opens_at=start - dt.timedelta(days=10),
                      booking_closes_at=start - dt.timedelta(hours=1), opens_at=start,
                      closes_at=start + dt.timedelta(hours=8), duration_s=3600, capacity=10,
                      requires_invigilation=False, created_at=start - dt.timedelta(days=11))
    db.add(sitting)
    db.flush()
    db.add(SittingPaper(sitting_id=sitting.id, exam_paper_id=paper.id))
    db.flush()
    return paper, sitting


def make_release(db, examiner, candidates, outcomes, *, sitting=None, paper=None, supersedes=None,
                 released_at=RELEASED_AT, reasons=""):
    """A release of ``sitting`` (made when None) with one result per candidate; returns the release."""
    from sqlalchemy import select

    from assessment.delivery.models import Attempt
    from assessment.results.models import CandidateResult, ResultRelease
    from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
    from scoring.runs.models import ScoringRun

    if sitting is None:
        paper, sitting = make_paper_and_sitting(db, examiner)
    run = ScoringRun(sitting_id=sitting.id, exam_paper_id=paper.id, is_provisional=False, code_version="test",
                     created_at=released_at - dt.timedelta(days=2), n_candidates=len(candidates), n_items=10,
                     max_score=10.0)
    db.add(run)
    db.flush()
    decision = CutScoreDecision(sitting_id=sitting.id, scoring_run_id=run.id, method="angoff", raw_cut=6.2,
                                policy={}, pass_mark=6.0, reasons="The panel's cut", decided_by_id=examiner.id,
                                decided_at=released_at - dt.timedelta(days=1))
    db.add(decision)
    db.flush()
    db.add(CutScoreApproval(decision_id=decision.id, approved_by_id=examiner.id, approved_at=released_at))
    release = ResultRelease(sitting_id=sitting.id, scoring_run_id=run.id, cut_score_decision_id=decision.id,
                            pass_mark=6.0, supersedes_id=supersedes.id if supersedes else None, reasons=reasons,
                            released_by_id=examiner.id, released_at=released_at)
    db.add(release)
    db.flush()
    for candidate, outcome in zip(candidates, outcomes):
        attempt = db.scalar(select(Attempt).where(Attempt.sitting_id == sitting.id,
                                                  Attempt.candidate_id == candidate.id))
        if attempt is None:
            attempt = Attempt(sitting_id=sitting.id, candidate_id=candidate.id, exam_paper_id=paper.id,
                              started_at=sitting.opens_at, duration_s=3600)
            db.add(attempt)
            db.flush()
        db.add(CandidateResult(release_id=release.id, attempt_id=attempt.id, candidate_id=candidate.id,
                               score=8.0 if outcome == "pass" else 3.0, max_score=10.0, pass_mark=6.0,
                               outcome=outcome, theme_feedback={}))
    db.flush()
    release.paper = paper  # for a test that releases again
    return release
