"""Which columns point at a person, and what a subject access export does with each (pure data).

Every foreign key to ``users.id`` is listed here, so that a new table cannot be forgotten:
``tests/assessment/test_privacy.py`` fails when a column referring to users is neither exported nor
excluded with a reason.

- ``SUBJECT``: the person is the one the row is about (their attempt, application, appeal). The row is
  exported and so is everything that hangs from it (the attempt's answers and events, the appeal's
  evidence and outcome) — found by following foreign keys down from the exported rows.
- ``ACTOR``: the person did something recorded in the row (granted a role, marked a script, decided an
  application). The row is exported as a record of what they did; nothing below it is followed,
  because what hangs from it is about other people.
- ``EXCLUDED``: not exported, with the reason.
"""
from __future__ import annotations

SUBJECT = frozenset({
    "role_grants.user_id",
    "password_reset_tokens.user_id",
    "two_factor_credentials.user_id",
    "two_factor_recovery_codes.user_id",
    "sign_ins.user_id",
    "monitoring_consents.candidate_id",
    "monitoring_answers.candidate_id",
    "notifications.user_id",
    "mail_messages.user_id",
    "bookings.candidate_id",
    "adjustment_requests.candidate_id",
    "attempts.candidate_id",
    "invigilations.candidate_id",
    "invigilator_allocations.candidate_id",
    "scoring_run_scores.candidate_id",
    "candidate_results.candidate_id",
    "certificates.candidate_id",
    "appeals.candidate_id",
    "resit_entitlements.candidate_id",
    "applications.applicant_id",
    "registration_appeals.applicant_id",
    "registrations.user_id",
    "standard_setting_judges.user_id",
    "appeal_panellists.user_id",
    "registration_appeal_panellists.user_id",
})

ACTOR = frozenset({
    "role_grants.granted_by_id",
    "monitoring_questions.updated_by_id",
    "sittings.created_by_id",
    "adjustment_requests.decided_by_id",
    "invigilator_allocations.invigilator_id",
    "invigilator_allocations.allocated_by_id",
    "attempt_events.actor_id",
    "invigilation_events.actor_id",
    "invigilation_flag_reviews.reviewer_id",
    "invigilation_outcomes.reviewer_id",
    "marking_allocations.examiner_id",
    "marking_allocations.allocated_by_id",
    "marking_settings.updated_by_id",
    "marking_scripts.created_by_id",
    "script_marks.marker_id",
    "scoring_runs.created_by_id",
    "standard_setting_exercises.lead_id",
    "standard_setting_judges.added_by_id",
    "standard_setting_ratings.judge_id",
    "standard_setting_events.actor_id",
    "standard_setting_grades.recorded_by_id",
    "cut_score_decisions.decided_by_id",
    "cut_score_approvals.approved_by_id",
    "result_releases.released_by_id",
    "examiner_result_decisions.decided_by_id",
    "certificates.issued_by_id",
    "certificate_events.actor_id",
    "appeal_panels.appointed_by_id",
    "appeal_remarks.recorded_by_id",
    "appeal_withdrawals.withdrawn_by_id",
    "appeal_outcomes.recorded_by_id",
    "resit_entitlements.granted_by_id",
    "application_documents.uploaded_by_id",
    "application_events.actor_id",
    "application_submissions.submitted_by_id",
    "application_document_removals.removed_by_id",
    "assessor_judgements.assessor_id",
    "assessor_discussion_notes.author_id",
    "registration_appeal_panels.appointed_by_id",
    "registration_appeal_outcomes.recorded_by_id",
    "registration_events.actor_id",
    "cpd_declarations.declared_by_id",
    "case_studies.author_id",
    "case_study_versions.created_by_id",
    "review_events.actor_id",
    "attachments.uploaded_by_id",
    "exam_specs.created_by_id",
    "exam_papers.created_by_id",
})

EXCLUDED: dict[str, str] = {
    "item_statistics.recorded_by_id": "statistics about an exam item, not about anyone; who recorded a "
                                      "routine calculation run is kept in the audit log, which is exported",
}

# Tables reached by following keys down that are not about the person: the sitting, paper or item a
# row refers to is shared by everyone and says nothing about them. (Followed keys only go *down* —
# from a row of theirs to rows that refer to it — so these are never reached; named here for readers.)
NOT_FOLLOWED_INTO = frozenset({"users", "audit_entries"})

# Columns never written to an export: secrets that would help nobody but an attacker.
REDACTED = frozenset({"users.password_hash", "password_reset_tokens.token_hash",
                      "two_factor_credentials.secret_encrypted", "two_factor_recovery_codes.code_digest",
                      "attempt_storage_keys.key", "sign_ins.token_hash"})

# Areas (one JSON file each) named from the package a table's model lives in; these are renamed.
AREA_NAMES = {"proctoring": "invigilation", "core": "account", "accounts": "account", "models": "account"}


def area_of(module: str) -> str:
    """``assessment.results.appeals.models`` → ``appeals``; ``proctoring.models`` → ``invigilation``."""
    parts = [part for part in module.split(".") if part != "models"]
    name = parts[-1] if parts else "other"
    return AREA_NAMES.get(name, name)
