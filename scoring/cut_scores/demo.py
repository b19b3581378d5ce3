"""The demo's cut-score decision: on a final run of the finished demo sitting, one demo examiner
records a modified-Angoff cut with a policy of + 1 SEM rounded up, and a second demo examiner
approves it, through the real services. If the sitting has no final run yet (a written answer still
waits for its third mark), the sitting's third marker gives the outstanding third marks and makes a
final run first. Loading twice changes nothing."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from scoring.cut_scores import queries, services
from scoring.cut_scores.models import CutScoreDecision
from scoring.runs.models import ScoringRun

# As if the demo panel's Angoff ratings summed to 58 % of the marks.
DEMO_CUT_FRACTION = 0.58
DEMO_CUT_SE = 1.1
DEMO_REASONS = ("The panel's modified Angoff cut after the second round, with performance data shown between "
                "rounds. One SEM is added to protect the public, as the register's policy asks, and the result is "
                "rounded up so that the pass mark is never below the standard.")


def _finish_marking(session: Session, sitting_id: int, third_marker, now: dt.datetime) -> None:
    from scoring.marking import services as marking
    from scoring.marking.queries import latest_marks, script_outcomes
    from scoring.marking.rules import Round, Status

    waiting = [script_id for script_id, outcome in script_outcomes(session, sitting_id, now=now).items()
               if outcome.status is Status.AWAITING_THIRD]
    marks = latest_marks(session, waiting)
    for script_id in waiting:
        first, second = marks[script_id][Round.FIRST].mark, marks[script_id][Round.SECOND].mark
        mark = float(round((first + second) / 2))
        marking.give_mark(session, third_marker.actor, script_id, Round.THIRD, mark,
                          f"Third mark: read against the rubric, the answer earns {mark:g}.", now)


def record_demo_decision(session: Session, sitting_id: int, decider, approver, now: dt.datetime) -> bool:
    """The decision and its approval; False when the sitting already has a decision."""
    from scoring.runs import services as runs

    if session.scalar(select(CutScoreDecision.id).where(CutScoreDecision.sitting_id == sitting_id)) is not None:
        return False
    run = session.scalar(select(ScoringRun).where(ScoringRun.sitting_id == sitting_id,
                                                  ScoringRun.is_provisional.is_(False))
                         .order_by(ScoringRun.id.desc()).limit(1))
    if run is None:
        _finish_marking(session, sitting_id, decider, now)
        run = runs.run_scoring(session, actor=decider.actor, sitting_id=sitting_id, now=now + dt.timedelta(minutes=5),
                               reason="After the third mark")
        if run.is_provisional:
            return False
    decision = services.record_decision(
        session, actor=decider.actor, sitting_id=sitting_id, scoring_run_id=run.id, method="angoff",
        raw_cut=round(DEMO_CUT_FRACTION * run.max_score, 2), standard_error=DEMO_CUT_SE, k=1.0, rounding="up",
        reasons=DEMO_REASONS, now=now + dt.timedelta(hours=1))
    services.approve_decision(session, actor=approver.actor, decision_id=decision.id,
                              comment="Agreed at the examiners' board.", now=now + dt.timedelta(days=1))
    assert queries.approved_decision(session, sitting_id).id == decision.id
    return True
