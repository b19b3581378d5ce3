"""Routes of cut-score decisions: examiners only. The context holds a scored sitting (the scoring
area's), an approved decision on its run and a later one awaiting approval."""
import datetime as dt

from core.roles import Role
from tests.routes import Route, roles

EXAMINER = roles(Role.EXAMINER)

ROUTES = {
    "cut_scores.sitting_decisions": Route("/scoring/sittings/{cut_sitting_id}/cut-scores", EXAMINER),
    "cut_scores.new_decision": Route("/scoring/sittings/{cut_sitting_id}/cut-scores/new", EXAMINER),
    "cut_scores.decision": Route("/cut-scores/{cut_decision_id}", EXAMINER),
    "cut_scores.approve": Route("/cut-scores/{cut_decision_id}/approve", EXAMINER, method="POST", ok=302),
    "cut_scores.equating": Route("/scoring/runs/{cut_run_id}/equating", EXAMINER),
    # Equating a run onto itself is refused (422) with the reason; it needs an approved standard to get that far.
    "cut_scores.new_equated_decision": Route(
        "/scoring/runs/{cut_run_id}/equating/decision?from_run={cut_run_id}&link=anchored", EXAMINER, ok=422),
}


def build_context(db, make_user, framework) -> dict:
    from scoring.cut_scores import services
    from tests.routes import scoring

    made = scoring.build_context(db, make_user, framework)
    run_id = made["scoring_run_id"]
    decider, approver = make_user(Role.EXAMINER), make_user(Role.EXAMINER)
    now = dt.datetime.now(dt.timezone.utc)
    fields = dict(sitting_id=made["scored_sitting_id"], scoring_run_id=run_id, method="angoff", standard_error=None,
                  k=0.0, rounding="up", reasons="The panel's cut", now=now)
    approved = services.record_decision(db, actor=decider.actor, raw_cut=1.5, **fields)
    services.approve_decision(db, actor=approver.actor, decision_id=approved.id, comment="", now=now)
    waiting = services.record_decision(db, actor=decider.actor, raw_cut=2.0, **fields)
    return {"cut_sitting_id": made["scored_sitting_id"], "cut_run_id": run_id, "cut_decision_id": waiting.id}
