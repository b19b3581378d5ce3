"""A sitting taken the whole way to a released result through the real services, for the re-mark after
an appeal: three candidates sat a paper of two single-best-answer items and one written item; first
and second markers marked every written answer; the released run excluded item 1 (a decision the
re-mark's run must keep); then one candidate appealed and a panel upheld the appeal for a re-mark."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.roles import Role
from tests.scoring.marking.conftest import T0
from tests.uploads_data import evidence_sealer

MARKED_AT = T0 + dt.timedelta(days=1)
SCORED_AT = T0 + dt.timedelta(days=2)
RELEASED_AT = T0 + dt.timedelta(days=5)
LODGED_AT = RELEASED_AT + dt.timedelta(days=1)
UPHELD_AT = RELEASED_AT + dt.timedelta(days=10)
FIRST_MARKS = {"appellant": 1, "steady": 3, "third": 2}  # the second marker gives the same


@dataclass
class Upheld:
    sitting: object
    team: dict
    attempts: dict  # name → attempt
    candidates: dict  # name → user
    run: object  # the run of the release appealed against
    decision: object
    release: object
    appeal: object
    scorer: object  # an examiner who makes runs and releases, with no part in marking
    fresh: object  # an examiner allocated to the sitting's marking who marked nothing
    managers: list


def upheld_appeal(db, make_user, sitting, sit, team, upload_folder: str, *, outcome: str = "upheld_remark") -> Upheld:
    from assessment.results import services as release
    from assessment.results.appeals import services as appeals
    from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
    from scoring.marking import services as marking
    from scoring.runs import services as runs
    from tests.assessment.results.conftest import issuer_for_tests

    candidates = {name: make_user(Role.CANDIDATE, name=f"{name.title()} Candidate") for name in FIRST_MARKS}
    attempts = {name: sit(sitting, f"The answer of the {name} candidate.", user=user)
                for name, user in candidates.items()}
    fresh = make_user(Role.EXAMINER, name="Fran Fresh")
    marking.allocate(db, team["lead"].actor, sitting.id, fresh.id, "first", T0)
    for marker in ("first", "second"):
        entries = marking.open_queue(db, team[marker].actor, sitting.id, MARKED_AT)
        for entry in entries:
            script = db.get(marking.Script, entry.script_id)
            name = next(n for n, a in attempts.items() if a.id == script.attempt_id)
            marking.give_mark(db, team[marker].actor, script.id, marker, FIRST_MARKS[name], "Meets some criteria",
                              MARKED_AT)
    scorer = make_user(Role.EXAMINER, name="Sam Scorer")
    first = runs.run_scoring(db, actor=scorer.actor, sitting_id=sitting.id, now=SCORED_AT)
    label = sorted(first.items, key=lambda i: i.position)[0].label
    run = runs.rerun(db, actor=scorer.actor, run_id=first.id, now=SCORED_AT, exclude=[label],
                     reason="Item 1 had two defensible answers")
    decision = CutScoreDecision(sitting_id=sitting.id, scoring_run_id=run.id, method="angoff", raw_cut=2.6,
                                standard_error=0.5, policy={"rounding": "up"}, pass_mark=3.0,
                                reasons="The panel's Angoff cut, rounded up", decided_by_id=scorer.id,
                                decided_at=SCORED_AT)
    db.add(decision)
    db.flush()
    db.add(CutScoreApproval(decision_id=decision.id, approved_by_id=make_user(Role.EXAMINER).id,
                            approved_at=SCORED_AT, comment="Agreed"))
    db.flush()
    released = release.release_results(db, actor=scorer.actor, sitting_id=sitting.id, run_id=run.id,
                                       decision_id=decision.id, now=RELEASED_AT, issuer=issuer_for_tests())
    result = release_result_of(db, released.id, attempts["appellant"].id)
    appeal = appeals.lodge_appeal(db, actor=candidates["appellant"].actor, candidate_result_id=result.id,
                                  grounds=["marking_error"], statement="My written answer deserved more.", files=[],
                                  upload_folder=upload_folder, sealer=evidence_sealer(), scan_command=None, window_days=28, now=LODGED_AT)
    managers = [make_user(name=f"Manager {n}") for n in ("One", "Two", "Three")]
    for manager in managers:
        manager.is_registered_case_manager = True
    db.flush()
    appeals.appoint_panel(db, actor=team["admin"].actor, appeal_id=appeal.id, member_ids=[m.id for m in managers],
                          reasons="", now=LODGED_AT)
    for member in managers:
        appeals.respond_to_appointment(db, actor=member.actor, appeal_id=appeal.id, has_conflict=False, statement="",
                                       now=LODGED_AT)
    if outcome:
        appeals.record_outcome(db, actor=managers[0].actor, appeal_id=appeal.id, outcome=outcome,
                               reasons="The written answer was marked against the wrong rubric.", now=UPHELD_AT)
    return Upheld(sitting, team, attempts, candidates, run, decision, released, appeal, scorer, fresh, managers)


def release_result_of(db, release_id: int, attempt_id: int):
    from sqlalchemy import select

    from assessment.results.models import CandidateResult

    return db.scalar(select(CandidateResult).where(CandidateResult.release_id == release_id,
                                                   CandidateResult.attempt_id == attempt_id))
