"""Routes of results: the board, examiners' decisions and the release are for examiners; the result
page and the score report for candidates, and only their own — the table's sitting is one the
visiting candidate did not sit, so each visiting candidate gets 404 (staff 403)."""
import datetime as dt

from core.roles import Role
from tests.assessment.results.conftest import issuer_for_tests
from tests.routes import Route, roles

EXAMINER = roles(Role.EXAMINER)
CANDIDATE = roles(Role.CANDIDATE)

ROUTES = {
    "results.board_index": Route("/results/board", EXAMINER),
    "results.board": Route("/results/board/{results_sitting_id}", EXAMINER),
    "results.examiner_decision": Route("/results/board/{results_sitting_id}/decisions", EXAMINER),
    "results.release": Route("/results/board/{results_sitting_id}/release", EXAMINER),
    "results.candidate_result": Route("/results/sittings/{results_sitting_id}", CANDIDATE, ok=404),
    "results.score_report": Route("/results/sittings/{results_sitting_id}/score-report.pdf", CANDIDATE, ok=404),
}


def build_context(db, make_user, framework) -> dict:
    """A scored sitting (the scoring table's builder makes one more), an approved decision, a release."""
    from assessment.results import services
    from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
    from tests.routes import scoring

    context = scoring.build_context(db, make_user, framework)
    now = dt.datetime.now(dt.timezone.utc)
    examiner = make_user(Role.EXAMINER)
    decision = CutScoreDecision(sitting_id=context["scored_sitting_id"], scoring_run_id=context["scoring_run_id"],
                                method="angoff", raw_cut=1.6, policy={}, pass_mark=2.0,
                                reasons="Route table", decided_by_id=examiner.id, decided_at=now)
    db.add(decision)
    db.flush()
    db.add(CutScoreApproval(decision_id=decision.id, approved_by_id=make_user(Role.EXAMINER).id, approved_at=now))
    db.flush()
    services.release_results(db, actor=examiner.actor, sitting_id=context["scored_sitting_id"],
                             run_id=context["scoring_run_id"], decision_id=decision.id, now=now,
                             issuer=issuer_for_tests())
    return {"results_sitting_id": context["scored_sitting_id"]}
