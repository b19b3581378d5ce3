"""Routes of appeals. A candidate's pages show only their own appeals and results (another
candidate's are not found); a panel member's pages are open to anyone signed in and find only the
appeals of their panels; administrators appoint panels; examiners record re-marks."""
import datetime as dt
import os

from core.roles import Role
from tests.routes import SIGNED_IN, Route, roles
from tests.uploads_data import evidence_sealer

CANDIDATE, ADMIN, EXAMINER = roles(Role.CANDIDATE), roles(Role.ADMIN), roles(Role.EXAMINER)

ROUTES = {
    "appeals.index": Route("/appeals", CANDIDATE),
    "appeals.new": Route("/appeals/results/{appeal_result_id}/appeal", CANDIDATE, ok=404),
    "appeals.appeal": Route("/appeals/{appeal_id}", CANDIDATE, ok=404),
    "appeals.evidence": Route("/appeals/{appeal_id}/evidence/{appeal_evidence_id}", CANDIDATE, ok=404),
    # Someone else's appeal: not found, whether asking to withdraw it or withdrawing it.
    "appeals.withdraw": Route("/appeals/{appeal_id}/withdraw", CANDIDATE, method="POST", ok=404,
                              data={"confirm": "y"}),
    "appeals.admin_index": Route("/admin/appeals", ADMIN),
    "appeals.admin_appeal": Route("/admin/appeals/{appeal_id}", ADMIN),
    # No one chosen: the form comes back with the errors.
    "appeals.appoint": Route("/admin/appeals/{appeal_id}/panel", ADMIN, method="POST", ok=422),
    "appeals.admin_evidence": Route("/admin/appeals/{appeal_id}/evidence/{appeal_evidence_id}", ADMIN),
    "appeals.panel_index": Route("/panel", SIGNED_IN),
    "appeals.panel_appeal": Route("/panel/appeals/{appeal_id}", SIGNED_IN, ok=404),
    "appeals.panel_evidence": Route("/panel/appeals/{appeal_id}/panel-evidence/{appeal_evidence_id}", SIGNED_IN,
                                    ok=404),
    "appeals.respond": Route("/panel/appeals/{appeal_id}/response", SIGNED_IN, method="POST", ok=404),
    "appeals.decide": Route("/panel/appeals/{appeal_id}/outcome", SIGNED_IN, method="POST", ok=404),
    "appeals.remarks": Route("/appeals/remarks", EXAMINER),
    "appeals.remark": Route("/appeals/remarks/{remark_appeal_id}", EXAMINER),
    # No reasons given: the form comes back with the error.
    "appeals.record_remark": Route("/appeals/remarks/{remark_appeal_id}", EXAMINER, method="POST", ok=422),
    "accounts.admin_case_manager": Route("/admin/users/{appeal_candidate_id}/case-manager", ADMIN, method="POST",
                                         ok=302, data={"register-is_registered_case_manager": "y"}),
}


def build_context(db, make_user, framework):
    """An open appeal with one evidence file, and a second candidate's appeal upheld for a re-mark."""
    from assessment.delivery.models import Attempt
    from assessment.results.appeals import services
    from assessment.results.models import CandidateResult
    from tests.assessment.results.appeals.builders import PDF, RELEASED_AT, released_result

    found = released_result(db, make_user)
    now = RELEASED_AT + dt.timedelta(days=1)
    folder = os.environ["COP_UPLOAD_FOLDER"]
    appeal = services.lodge_appeal(db, actor=found.candidate.actor, candidate_result_id=found.result.id,
                                   grounds=["other"], statement="Please look again", upload_folder=folder, sealer=evidence_sealer(),
                                   files=[services.EvidenceFile("letter.pdf", PDF)], scan_command=None, window_days=28,
                                   now=now)
    second = make_user(Role.CANDIDATE)
    attempt = Attempt(sitting_id=found.sitting.id, candidate_id=second.id, exam_paper_id=found.attempt.exam_paper_id,
                      started_at=found.attempt.started_at, duration_s=3600)
    db.add(attempt)
    db.flush()
    result = CandidateResult(release_id=found.release.id, attempt_id=attempt.id, candidate_id=second.id, score=1.0,
                             max_score=3.0, pass_mark=2.0, outcome="fail", theme_feedback={})
    db.add(result)
    db.flush()
    upheld = services.lodge_appeal(db, actor=second.actor, candidate_result_id=result.id, grounds=["marking_error"],
                                   statement="Misread", upload_folder=folder, sealer=evidence_sealer(), files=[], scan_command=None,
                                   window_days=28, now=now)
    services.appoint_panel(db, actor=found.admin.actor, appeal_id=upheld.id, member_ids=[m.id for m in found.managers],
                           reasons="", now=now)
    for member in found.managers:
        services.respond_to_appointment(db, actor=member.actor, appeal_id=upheld.id, has_conflict=False, statement="",
                                        now=now)
    services.record_outcome(db, actor=found.managers[0].actor, appeal_id=upheld.id, outcome="upheld_remark",
                            reasons="Wrong rubric", now=now)
    return {"appeal_id": appeal.id, "appeal_result_id": found.result.id,
            "appeal_evidence_id": queries_evidence_id(db, appeal.id), "remark_appeal_id": upheld.id,
            "appeal_candidate_id": found.candidate.id}


def queries_evidence_id(db, appeal_id):
    from assessment.results.appeals import queries

    return queries.appeal_view(db, appeal_id).evidence[0].id
