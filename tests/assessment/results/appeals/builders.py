"""A released result to appeal, with one person in each part that conflicts: the marker of a written
answer, the invigilator who paused the attempt, the lead of the standard-setting exercise, the
examiners who decided and approved the pass mark, the examiner who released the results. The
release rows are inserted directly (their services belong to results release)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.roles import Role
from tests import uploads_data

RELEASED_AT = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)


@dataclass
class Released:
    sitting: object
    attempt: object
    run: object
    decision: object
    release: object
    result: object
    candidate: object
    marker: object
    invigilator: object
    setter: object
    decider: object
    approver: object
    releaser: object
    admin: object
    managers: list  # three registered case managers with no part in the attempt
    lay: object  # one more person with no part, not a registered case manager
    judge: object = None  # a judge of the sitting's standard-setting exercise
    withholder: object = None  # an examiner who withheld the result, then reinstated it


def released_result(db, make_user, *, released_at: dt.datetime = RELEASED_AT, outcome: str = "fail",
                    candidate=None) -> Released:
    from assessment.delivery.models import Attempt, AttemptEvent, Sitting, SittingPaper
    from assessment.results.models import CandidateResult, ExaminerResultDecision, ResultRelease
    from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
    from scoring.marking.models import Mark, Script
    from scoring.runs.models import ScoringRun
    from scoring.standard_setting.models import StandardSettingExercise, StandardSettingJudge
    from tests.routes.sittings import published_paper

    day = dt.timedelta(days=1)
    start = released_at - 20 * day
    paper = published_paper(db, make_user, start)
    sitting = Sitting(title="Appeals sitting", is_practice=False, booking_opens_at=start - 9 * day,
                      booking_closes_at=start - 8 * day, opens_at=start, closes_at=start + day, duration_s=3600,
                      capacity=10, requires_invigilation=True, created_at=start - 10 * day)
    db.add(sitting)
    db.flush()
    db.add(SittingPaper(sitting_id=sitting.id, exam_paper_id=paper.id))
    candidate = candidate or make_user(Role.CANDIDATE, name="Cass Candidate")
    marker, invigilator = make_user(Role.EXAMINER, name="Mo Marker"), make_user(Role.INVIGILATOR, name="Ivy Invigilator")
    setter, decider = make_user(Role.EXAMINER, name="Sol Setter"), make_user(Role.EXAMINER, name="Dee Decider")
    approver, releaser = make_user(Role.EXAMINER, name="Abe Approver"), make_user(Role.EXAMINER, name="Rae Releaser")
    admin = make_user(Role.ADMIN, name="Ada Admin")
    managers = [make_user(name=f"Manager {n}") for n in ("One", "Two", "Three")]
    for manager in managers:
        manager.is_registered_case_manager = True
    lay = make_user(name="Lee Lay")
    attempt = Attempt(sitting_id=sitting.id, candidate_id=candidate.id, exam_paper_id=paper.id, started_at=start,
                      duration_s=3600)
    db.add(attempt)
    db.flush()
    version_id = paper.entries[0].case_study_version.item_versions[0].id
    script = Script(sitting_id=sitting.id, attempt_id=attempt.id, slot=1, item_version_id=version_id,
                    candidate_number="271828", answer={"text": "An answer"}, max_mark=4, created_at=start)
    db.add(script)
    db.flush()
    db.add_all([
        Mark(script_id=script.id, marker_id=marker.id, round="first", mark=2, justification="Two points",
             created_at=start + day),
        AttemptEvent(attempt_id=attempt.id, kind="started", actor_id=candidate.id, payload={}, occurred_at=start),
        AttemptEvent(attempt_id=attempt.id, kind="paused", actor_id=invigilator.id, reason="Second face seen",
                     payload={}, occurred_at=start + dt.timedelta(minutes=5)),
    ])
    exercise = StandardSettingExercise(title="Angoff", exam_paper_id=paper.id, sitting_id=sitting.id, lead_id=setter.id,
                                       created_at=start)
    db.add(exercise)
    db.flush()
    judge, withholder = make_user(name="Jo Judge"), make_user(Role.EXAMINER, name="Wes Withholder")
    db.add(StandardSettingJudge(exercise_id=exercise.id, user_id=judge.id, added_by_id=setter.id, added_at=start))
    run = ScoringRun(sitting_id=sitting.id, exam_paper_id=paper.id, is_provisional=False, code_version="test",
                     created_at=start + 2 * day, n_candidates=1, n_items=3, max_score=3.0)
    db.add(run)
    db.flush()
    decision = CutScoreDecision(sitting_id=sitting.id, scoring_run_id=run.id, method="angoff", raw_cut=1.6,
                                policy={}, pass_mark=2.0, reasons="The panel's cut", decided_by_id=decider.id,
                                decided_at=start + 3 * day)
    db.add(decision)
    db.flush()
    release = ResultRelease(sitting_id=sitting.id, scoring_run_id=run.id, cut_score_decision_id=decision.id,
                            pass_mark=2.0, released_by_id=releaser.id, released_at=released_at)
    db.add_all([CutScoreApproval(decision_id=decision.id, approved_by_id=approver.id,
                                 approved_at=start + 4 * day), release])
    db.flush()
    result = CandidateResult(release_id=release.id, attempt_id=attempt.id, candidate_id=candidate.id, score=1.0,
                             max_score=3.0, pass_mark=2.0, outcome=outcome, theme_feedback={"A": "below"})
    db.add(result)
    db.flush()
    db.add_all([ExaminerResultDecision(sitting_id=sitting.id, attempt_id=attempt.id, action=action,
                                       reasons="Checking an invigilation note", decided_by_id=withholder.id,
                                       decided_at=released_at + dt.timedelta(hours=n))
                for n, action in enumerate(["withhold", "reinstate"], start=1)])
    db.flush()
    return Released(sitting, attempt, run, decision, release, result, candidate, marker, invigilator, setter, decider,
                    approver, releaser, admin, managers, lay, judge, withholder)


PDF = uploads_data.pdf("A letter from the invigilation provider")
PNG = uploads_data.png()
