"""Evidence rows are protected by the database itself, not only by the ORM guard: raw SQL cannot
change or delete them, and a parent row they point at cannot be deleted (RESTRICT, no cascade)."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from assessment.models import metadata
from core import append_only, audit
from core.roles import SYSTEM, Role

from tests.assessment.delivery.conftest import make_published_paper, make_sitting  # noqa: F401 - fixtures

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)

# A tampering UPDATE for each append-only table (a new append-only table must be added here).
TAMPER = {
    "audit_entries": "action = 'tampered'",
    "login_attempts": "is_success = NOT is_success",
    "response_steps": "payload = '{}'",
    "attempt_events": "reason = 'tampered'",
    "review_events": "comment = 'tampered'",
    "account_requests": "email = 'tampered@example.org'",
    "script_marks": "mark = mark + 1",
    "scoring_runs": "reason = 'tampered'",
    "scoring_run_items": "facility = 0.5",
    "scoring_run_scores": "total = 99",
    "item_statistics": "facility = 0.99",
    "cut_score_decisions": "pass_mark = 1",
    "cut_score_approvals": "comment = 'tampered'",
    "result_releases": "pass_mark = 1",
    "candidate_results": "outcome = 'pass'",
    "monitoring_consents": "action = 'withdrawn'",
    "certificates": "candidate_name = 'Tampered'",
    "certificate_events": "reason = 'tampered'",
    "certificate_documents": "pdf_sha256 = 'tampered'",
    "examiner_result_decisions": "reasons = 'tampered'",
    "standard_setting_judges": "added_at = added_at",
    "standard_setting_ratings": "value = 0.99",
    "standard_setting_events": "reason = 'tampered'",
    "standard_setting_grades": "grade = 'pass'",
    "appeals": "statement = 'tampered'",
    "appeal_evidence": "sha256 = 'tampered'",
    "appeal_panels": "reasons = 'tampered'",
    "appeal_panellists": "is_registered_case_manager = NOT is_registered_case_manager",
    "appeal_panel_responses": "has_conflict = NOT has_conflict",
    "appeal_outcomes": "reasons = 'tampered'",
    "appeal_remarks": "reasons = 'tampered'",
    "resit_entitlements": "reasons = 'tampered'",
    "appeal_withdrawals": "reason = 'tampered'",
    "marking_remark_requests": "requested_at = requested_at",
    "application_submissions": "rules = 'tampered'",
    "application_events": "reason = 'tampered'",
    "registration_events": "reason = 'tampered'",
    "cpd_declarations": "hours = hours + 1",
    "application_documents": "sha256 = 'tampered'",
    "application_document_removals": "removed_at = removed_at",
}
TAMPER.update({  # deciding applications (assessment/eligibility/decisions)
    "assessor_judgements": "notes = 'tampered'",
    "assessor_discussion_notes": "note = 'tampered'",
    "registration_appeals": "statement = 'tampered'",
    "registration_appeal_panels": "reasons = 'tampered'",
    "registration_appeal_panellists": "is_registered_case_manager = NOT is_registered_case_manager",
    "registration_appeal_responses": "has_conflict = NOT has_conflict",
    "registration_appeal_outcomes": "reasons = 'tampered'",
})
TAMPER.update({  # remote invigilation (proctoring/)
    "invigilation_events": "reason = 'tampered'",
    "invigilation_flags": "detail = 'tampered'",
    "invigilation_flag_reviews": "note = 'tampered'",
    "invigilation_outcomes": "reasons = 'tampered'",
    "invigilator_allocations": "note = 'tampered'",
})

TAMPER.update({  # security alerts (core/alerts)
    "security_alerts": "details = 'tampered'",
})


def _security_alert_rows(db) -> dict:
    from core.alerts.models import SecurityAlert

    alert = SecurityAlert(raised_at=NOW, kind="account_locked", subject="account someone@example.org",
                          details="{}", channels="log")
    db.add(alert)
    db.flush()
    return {"security_alerts": alert}


def _invigilation_rows(db, sitting, candidate, invigilator, attempt) -> dict:
    from proctoring import log
    from proctoring.models import FlagReview, InvigilationFlag, InvigilationOutcome, InvigilatorAllocation

    invigilation = log.invigilation_for(db, sitting_id=sitting.id, candidate_id=candidate.id, now=NOW)
    row = log.append(db, invigilation_id=invigilation.id, kind="heartbeat", now=NOW, attempt_id=attempt.id)
    flag = InvigilationFlag(invigilation_id=invigilation.id, attempt_id=attempt.id, kind="no_face", severity="medium",
                            starts_at=NOW, evidence_event_ids=[row.id], policy_version="test", raised_at=NOW)
    outcome = InvigilationOutcome(invigilation_id=invigilation.id, outcome="no_concern", reasons="Fine",
                                  reviewer_id=invigilator.id, recorded_at=NOW)
    allocation = InvigilatorAllocation(sitting_id=sitting.id, candidate_id=candidate.id, invigilator_id=invigilator.id,
                                       allocated_at=NOW)
    db.add_all([flag, outcome, allocation])
    db.flush()
    review = FlagReview(flag_id=flag.id, decision="dismissed", note="Looking at notes allowed", reviewer_id=invigilator.id,
                        reviewed_at=NOW)
    db.add(review)
    db.flush()
    return {"invigilation_events": row, "invigilation_flags": flag, "invigilation_flag_reviews": review,
            "invigilation_outcomes": outcome, "invigilator_allocations": allocation}


def test_every_append_only_model_is_covered_here():
    assert append_only.append_only_tables() == set(TAMPER)


@pytest.fixture
def evidence(db, make_case_study, make_sitting, make_user):
    """One row of each append-only table, and the rows they point at, by table name."""
    from assessment.accounts.models import AccountRequest, LoginAttempt
    from assessment.delivery.models import Attempt, AttemptEvent, ResponseStep
    from item_bank.models import ReviewEvent
    from item_bank.statistics.services import ItemStatisticsRow, record_item_statistics
    from item_bank.workflow import Status

    entry = audit.record(db, actor=SYSTEM, action="evidence.test", target_type="test", now=NOW)
    login = LoginAttempt(email="someone@example.org", client_address="127.0.0.1", is_success=False, attempted_at=NOW)
    request = AccountRequest(kind="sign_up", email="someone@example.org", client_address="127.0.0.1",
                             requested_at=NOW)
    db.add_all([login, request])
    version = make_case_study(Status.SUBMITTED)
    review = db.scalars(select(ReviewEvent).where(ReviewEvent.case_study_version_id == version.id)).first()
    sitting = make_sitting()
    candidate = make_user(Role.CANDIDATE)
    invigilator = make_user(Role.INVIGILATOR)
    attempt = Attempt(sitting_id=sitting.id, candidate_id=candidate.id, exam_paper_id=sitting.papers[0].exam_paper_id,
                      started_at=NOW, duration_s=3600)
    db.add(attempt)
    db.flush()
    step = ResponseStep(attempt_id=attempt.id, seq=1, slot=1, payload={"answer": "A"}, client_step_id="step-1",
                        created_at=NOW)
    event = AttemptEvent(attempt_id=attempt.id, kind="paused", actor_id=invigilator.id, reason="Fire alarm",
                         payload={}, occurred_at=NOW)
    db.add_all([step, event])
    db.flush()
    from scoring.marking.models import Mark, Script
    script = Script(sitting_id=sitting.id, attempt_id=attempt.id, slot=1,
                    item_version_id=version.item_versions[0].id, candidate_number="100001",
                    answer={"text": "An answer"}, max_mark=4, created_at=NOW)
    db.add(script)
    db.flush()
    mark = Mark(script_id=script.id, marker_id=invigilator.id, round="first", mark=2, justification="Two points made",
                created_at=NOW)
    db.add(mark)
    db.flush()
    from scoring.runs.models import ScoringRun, ScoringRunItem, ScoringRunScore
    item_version = version.item_versions[0]
    run = ScoringRun(sitting_id=sitting.id, exam_paper_id=attempt.exam_paper_id, is_provisional=False,
                     code_version="test", created_at=NOW, n_candidates=1, n_items=1, max_score=1.0)
    db.add(run)
    db.flush()
    run_item = ScoringRunItem(run_id=run.id, position=1, label=f"I{item_version.item_id}", item_id=item_version.item_id,
                              item_version_id=item_version.id, item_type="sba", rule="sba", key="B", max_mark=1.0)
    run_score = ScoringRunScore(run_id=run.id, attempt_id=attempt.id, candidate_id=candidate.id, marks=[1.0], total=1.0)
    db.add_all([run_item, run_score])
    db.flush()
    [statistic] = record_item_statistics(
        db, actor=SYSTEM, scoring_run_id=run.id, sitting_id=sitting.id, sitting_title="Evidence sitting",
        is_provisional=False, rows=[ItemStatisticsRow(item_version_id=version.item_versions[0].id, n_candidates=10,
                                                      max_mark=1, facility=0.5)], now=NOW)
    from assessment.results.models import CandidateResult, ResultRelease
    from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
    decision = CutScoreDecision(sitting_id=sitting.id, scoring_run_id=run.id, method="angoff", raw_cut=0.6,
                                policy={}, pass_mark=1.0, reasons="The panel's cut", decided_by_id=invigilator.id,
                                decided_at=NOW)
    db.add(decision)
    db.flush()
    approval = CutScoreApproval(decision_id=decision.id, approved_by_id=candidate.id, approved_at=NOW)
    release = ResultRelease(sitting_id=sitting.id, scoring_run_id=run.id, cut_score_decision_id=decision.id,
                            pass_mark=1.0, released_by_id=invigilator.id, released_at=NOW)
    db.add_all([approval, release])
    db.flush()
    result = CandidateResult(release_id=release.id, attempt_id=attempt.id, candidate_id=candidate.id, score=1.0,
                             max_score=1.0, pass_mark=1.0, outcome="fail", theme_feedback={})
    db.add(result)
    db.flush()
    from assessment.accounts.monitoring.models import MonitoringConsent
    consent = MonitoringConsent(candidate_id=candidate.id, action="given", statement_version="test", occurred_at=NOW)
    db.add(consent)
    db.flush()
    from assessment.results.certificates.models import Certificate, CertificateDocument, CertificateEvent
    certificate = Certificate(code="COP-0000-0000-0000", release_id=release.id, candidate_result_id=result.id,
                              candidate_id=candidate.id, candidate_name="Evidence Candidate", passed_on=NOW.date(),
                              status_index=7, credential="a.b.c",
                              issued_by_id=None, issued_at=NOW)
    db.add(certificate)
    db.flush()
    certificate_document = CertificateDocument(certificate_id=certificate.id, pdf=b"%PDF-", pdf_sha256="0" * 64,
                                               rendered_at=NOW)
    certificate_event = CertificateEvent(certificate_id=certificate.id, kind="revoked", reason="Evidence",
                                         actor_id=None, actor_label="system", at=NOW)
    db.add_all([certificate_document, certificate_event])
    db.flush()
    from assessment.results.models import ExaminerResultDecision
    withheld = ExaminerResultDecision(sitting_id=sitting.id, attempt_id=attempt.id, action="withhold",
                                      reasons="Awaiting the invigilation review", decided_by_id=invigilator.id,
                                      decided_at=NOW)
    db.add(withheld)
    db.flush()
    from scoring.standard_setting.models import (
        StandardSettingEvent, StandardSettingExercise, StandardSettingGrade, StandardSettingJudge,
        StandardSettingRating)
    exercise = StandardSettingExercise(title="Evidence panel", exam_paper_id=attempt.exam_paper_id,
                                       sitting_id=sitting.id, lead_id=invigilator.id, created_at=NOW,
                                       methods=["angoff"], n_rounds=1, shows_spread=True, shows_performance=True)
    db.add(exercise)
    db.flush()
    standard_setting = {
        "standard_setting_judges": StandardSettingJudge(exercise_id=exercise.id, user_id=candidate.id,
                                                        added_by_id=invigilator.id, added_at=NOW),
        "standard_setting_ratings": StandardSettingRating(exercise_id=exercise.id, judge_id=candidate.id, round=1,
                                                          kind="angoff", target="I1", value=0.6, payload={},
                                                          created_at=NOW),
        "standard_setting_events": StandardSettingEvent(exercise_id=exercise.id, kind="round_closed", round=1,
                                                        actor_id=invigilator.id, payload={}, created_at=NOW),
        "standard_setting_grades": StandardSettingGrade(exercise_id=exercise.id, attempt_id=attempt.id,
                                                        grade="borderline", recorded_by_id=invigilator.id,
                                                        created_at=NOW),
    }
    db.add_all(standard_setting.values())
    db.flush()
    from assessment.results.appeals.models import (Appeal, AppealEvidence, AppealOutcome, AppealPanel,
                                                   AppealPanellist, AppealPanelResponse, AppealRemark,
                                                   ResitEntitlement)
    appeal = Appeal(candidate_result_id=result.id, release_id=release.id, sitting_id=sitting.id,
                    attempt_id=attempt.id, candidate_id=candidate.id, grounds=["marking_error"],
                    statement="My answer was misread", lodged_at=NOW)
    db.add(appeal)
    db.flush()
    panel = AppealPanel(appeal_id=appeal.id, appointed_by_id=invigilator.id, appointed_at=NOW, reasons="")
    appeal_file = AppealEvidence(appeal_id=appeal.id, filename="letter.pdf", content_type="application/pdf",
                                 size_bytes=10, sha256="0" * 64, uploaded_at=NOW)
    db.add_all([panel, appeal_file])
    db.flush()
    panellist = AppealPanellist(panel_id=panel.id, user_id=candidate.id, is_registered_case_manager=True)
    db.add(panellist)
    db.flush()
    response = AppealPanelResponse(panellist_id=panellist.id, has_conflict=False, statement="", responded_at=NOW)
    outcome = AppealOutcome(appeal_id=appeal.id, panel_id=panel.id, outcome="upheld_remark", reasons="Misread",
                            recorded_by_id=candidate.id, recorded_at=NOW)
    remark = AppealRemark(appeal_id=appeal.id, scoring_run_id=run.id, reasons="Re-marked", recorded_by_id=candidate.id,
                          recorded_at=NOW)
    resit = ResitEntitlement(appeal_id=appeal.id, candidate_id=candidate.id, voided_attempt_id=attempt.id,
                             granted_by_id=candidate.id, granted_at=NOW, reasons="Void")
    db.add_all([response, outcome, remark, resit])
    db.flush()
    from assessment.results.appeals.models import AppealWithdrawal
    from scoring.marking.models import RemarkRequest
    withdrawal = AppealWithdrawal(appeal_id=appeal.id, withdrawn_by_id=candidate.id, reason="Changed my mind",
                                  withdrawn_at=NOW)
    remark_request = RemarkRequest(attempt_id=attempt.id, sitting_id=sitting.id, appeal_id=appeal.id,
                                   requested_at=NOW)
    db.add_all([withdrawal, remark_request])
    db.flush()
    from assessment.eligibility.models import (Application, ApplicationEvent, ApplicationSubmission, Registration,
                                               RegistrationEvent)
    application = Application(reference="APP-TEST-1", applicant_id=candidate.id, status="submitted", draft={},
                              created_at=NOW, updated_at=NOW, submitted_at=NOW)
    registration = Registration(number="CM-TEST-1", user_id=candidate.id, status="registered", status_since=NOW,
                                registered_at=NOW, renewal_due_on=NOW.date())
    db.add_all([application, registration])
    db.flush()
    submission = ApplicationSubmission(application_id=application.id, facts={}, rules="post_certificate",
                                       judged_on=NOW.date(), decision={}, submitted_by_id=candidate.id,
                                       submitted_at=NOW)
    application_event = ApplicationEvent(application_id=application.id, kind="submitted", actor_id=candidate.id,
                                         reason="", data={}, created_at=NOW)
    registration_event = RegistrationEvent(registration_id=registration.id, kind="registered", actor_id=None,
                                           reason="", data={}, created_at=NOW)
    db.add_all([submission, application_event, registration_event])
    db.flush()
    from assessment.eligibility.register.models import CpdDeclaration
    cpd = CpdDeclaration(registration_id=registration.id, activity_on=NOW.date(), category="clinical", hours=1.5,
                         description="A course", declared_by_id=candidate.id, declared_at=NOW)
    db.add(cpd)
    db.flush()
    from assessment.eligibility.applications.models import ApplicationDocument, ApplicationDocumentRemoval
    document = ApplicationDocument(application_id=application.id, kind="other", filename="letter.pdf",
                                   content_type="application/pdf", size_bytes=10, sha256="0" * 64,
                                   uploaded_by_id=candidate.id, uploaded_at=NOW)
    db.add(document)
    db.flush()
    removal = ApplicationDocumentRemoval(document_id=document.id, removed_by_id=candidate.id, removed_at=NOW)
    db.add(removal)
    db.flush()
    appeal_rows = {"application_documents": document, "application_document_removals": removal,
                   "cpd_declarations": cpd,
                   "application_submissions": submission, "application_events": application_event,
                   "registration_events": registration_event, "appeals": appeal, "appeal_evidence": appeal_file, "appeal_panels": panel,
                   "appeal_panellists": panellist, "appeal_panel_responses": response, "appeal_outcomes": outcome,
                   "appeal_remarks": remark, "resit_entitlements": resit, "appeal_withdrawals": withdrawal,
                   "marking_remark_requests": remark_request}
    appeal_rows.update(_decision_rows(db, application, submission, candidate))
    appeal_rows.update(_invigilation_rows(db, sitting, candidate, invigilator, attempt))
    appeal_rows.update(_security_alert_rows(db))
    return {**standard_setting, **appeal_rows, "examiner_result_decisions": withheld, "monitoring_consents": consent, "certificates": certificate, "certificate_events": certificate_event,
            "certificate_documents": certificate_document,
            "cut_score_decisions": decision, "cut_score_approvals": approval, "result_releases": release,
            "candidate_results": result, "item_statistics": statistic, "script_marks": mark, "scoring_runs": run, "scoring_run_items": run_item,
            "scoring_run_scores": run_score,
            "audit_entries": entry, "login_attempts": login, "response_steps": step, "attempt_events": event,
            "review_events": review, "account_requests": request, "attempt": attempt, "version": version, "invigilator": invigilator,
            "item_version": version.item_versions[0]}


def _decision_rows(db, application, submission, person) -> dict:
    from assessment.eligibility.decisions.models import (AssessorJudgement, DiscussionNote, RegistrationAppeal,
                                                         RegistrationAppealOutcome, RegistrationAppealPanel,
                                                         RegistrationAppealPanellist, RegistrationAppealResponse)
    judgement = AssessorJudgement(application_id=application.id, submission_id=submission.id, kind="first",
                                  assessor_id=person.id, recommendation="refuse", reason_codes=["hours"], notes="n",
                                  request="", created_at=NOW)
    note = DiscussionNote(application_id=application.id, submission_id=submission.id, author_id=person.id, note="n",
                          created_at=NOW)
    appeal = RegistrationAppeal(application_id=application.id, applicant_id=person.id, grounds=["other"],
                                statement="s", lodged_at=NOW)
    db.add_all([judgement, note, appeal])
    db.flush()
    panel = RegistrationAppealPanel(appeal_id=appeal.id, appointed_by_id=person.id, appointed_at=NOW, reasons="")
    db.add(panel)
    db.flush()
    panellist = RegistrationAppealPanellist(panel_id=panel.id, user_id=person.id, is_registered_case_manager=True)
    db.add(panellist)
    db.flush()
    response = RegistrationAppealResponse(panellist_id=panellist.id, has_conflict=False, statement="", responded_at=NOW)
    outcome = RegistrationAppealOutcome(appeal_id=appeal.id, panel_id=panel.id, outcome="dismissed", reasons="r",
                                        recorded_by_id=person.id, recorded_at=NOW)
    db.add_all([response, outcome])
    db.flush()
    return {"assessor_judgements": judgement, "assessor_discussion_notes": note, "registration_appeals": appeal,
            "registration_appeal_panels": panel, "registration_appeal_panellists": panellist,
            "registration_appeal_responses": response, "registration_appeal_outcomes": outcome}


def _refused(db, sql: str, params: dict, match: str):
    with pytest.raises(IntegrityError, match=match):
        with db.begin_nested():
            db.execute(text(sql), params)


@pytest.mark.parametrize("table", sorted(TAMPER))
def test_raw_update_of_evidence_is_refused(db, evidence, table):
    row_id = evidence[table].id
    _refused(db, f"UPDATE {table} SET {TAMPER[table]} WHERE id = :id", {"id": row_id},
             match=f"{table} rows are append-only evidence; UPDATE is refused")
    assert db.execute(text(f"SELECT count(*) FROM {table} WHERE id = :id"), {"id": row_id}).scalar_one() == 1


@pytest.mark.parametrize("table", sorted(TAMPER))
def test_raw_delete_of_evidence_is_refused(db, evidence, table):
    row_id = evidence[table].id
    _refused(db, f"DELETE FROM {table} WHERE id = :id", {"id": row_id},
             match=f"{table} rows are append-only evidence; DELETE is refused")
    assert db.execute(text(f"SELECT count(*) FROM {table} WHERE id = :id"), {"id": row_id}).scalar_one() == 1


def test_appending_evidence_still_works(db, evidence):
    from assessment.delivery.models import ResponseStep

    db.add(ResponseStep(attempt_id=evidence["attempt"].id, seq=2, slot=1, payload={"answer": "B"},
                        client_step_id="step-2", created_at=NOW))
    db.flush()
    assert db.execute(text("SELECT count(*) FROM response_steps WHERE attempt_id = :id"),
                      {"id": evidence["attempt"].id}).scalar_one() == 2


@pytest.mark.parametrize("table", sorted(TAMPER))
def test_truncate_of_evidence_is_refused_on_postgresql(db, evidence, backend, table):
    if backend != "postgresql":
        return  # SQLite has no TRUNCATE; its DELETE without WHERE is refused by the row trigger
    _refused(db, f"TRUNCATE {table} CASCADE", {}, match=f"{table} rows are append-only evidence; TRUNCATE is refused")


# Parents whose deletion used to cascade into evidence (or would leave it dangling).
PARENTS = {
    "an attempt (its response steps and events)": ("attempts", "attempt"),
    "a case study version (its review history)": ("case_study_versions", "version"),
    "a user who acted on an attempt": ("users", "invigilator"),
    "an item version (its statistics)": ("item_versions", "item_version"),
}


@pytest.mark.parametrize("parent", sorted(PARENTS))
def test_deleting_a_parent_of_evidence_is_refused_by_its_foreign_key(db, evidence, parent):
    table, key = PARENTS[parent]
    # The foreign key refuses it, before any cascade could reach the evidence triggers.
    _refused(db, f"DELETE FROM {table} WHERE id = :id", {"id": evidence[key].id},
             match="(?i)foreign key")


def test_no_foreign_key_of_evidence_cascades_in_the_models():
    for table in append_only.append_only_tables():
        for key in metadata.tables[table].foreign_keys:
            assert key.ondelete == "RESTRICT", f"{table}.{key.parent.name} must be ON DELETE RESTRICT"


def test_no_foreign_key_of_evidence_cascades_in_the_database(db):
    inspector = inspect(db.connection())
    for table in append_only.append_only_tables():
        for key in inspector.get_foreign_keys(table):
            assert (key.get("options") or {}).get("ondelete", "").upper() == "RESTRICT", (table, key)


def test_the_test_database_has_every_trigger(db):
    installed = append_only.installed_triggers(db.connection())
    dialect = db.get_bind().dialect.name
    for table in append_only.append_only_tables():
        assert append_only.trigger_names(table, dialect) <= installed.get(table, set()), table


def test_the_app_loads_the_orm_guard(tmp_path):
    """The ORM guard must be registered whenever the app's models are, not only when a test imports it."""
    root = Path(__file__).resolve().parents[2]
    script = (
        "import datetime as dt\n"
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import Session\n"
        "from assessment.app import create_app\n"
        "from assessment.models import metadata\n"
        "from core import audit\n"
        "from core.roles import SYSTEM\n"
        "engine = create_engine('sqlite://')\n"
        "metadata.create_all(engine)\n"
        "with Session(engine) as session:\n"
        "    entry = audit.record(session, actor=SYSTEM, action='x', target_type='t',\n"
        "                         now=dt.datetime.now(dt.timezone.utc))\n"
        "    session.delete(entry)\n"
        "    try:\n"
        "        session.flush()\n"
        "    except Exception as error:\n"
        "        print(type(error).__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(root)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "AppendOnlyViolation"
