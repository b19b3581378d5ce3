"""Factories for deciding applications: a submitted application (an Application and its frozen
ApplicationSubmission, written directly, as the applications part would) and the applicant's answer
to a request for information (the contract's ``information_provided`` event and a new submission)."""
from __future__ import annotations

import datetime as dt
import itertools

from assessment.eligibility.models import Application, ApplicationEvent, ApplicationStatus, ApplicationSubmission

SUBMITTED_AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)  # a Monday, in the initial period
DEADLINE = dt.date(2029, 8, 31)
_numbers = itertools.count(1)

FACTS = {"current_role": "cm", "experience": [{"role": "cm", "years": 5, "fte": 1.0, "country": "UK"}],
         "uk_share": 1.0, "competent": True, "standards": True, "member": "BABICM", "certificate_passed": False}
DECISION = {"eligible": True, "route": "5000_cm_hours", "rules": "pre_certificate", "cm_hours": 6250,
            "regulated_hours": 0, "unmet": [], "evidence_requested": [],
            "reasons": ["The applicant has 6,250 case-management hours, at least the 5,000 needed."]}


def submitted_application(db, applicant, *, at: dt.datetime = SUBMITTED_AT, rules: str = "pre_certificate",
                          facts: dict | None = None, decision: dict | None = None) -> Application:
    app = Application(reference=f"APP-T-{next(_numbers):06d}", applicant_id=applicant.id,
                      status=ApplicationStatus.SUBMITTED, draft={}, created_at=at, updated_at=at, submitted_at=at)
    db.add(app)
    db.flush()
    db.add(ApplicationSubmission(application_id=app.id, facts=facts or FACTS, rules=rules, judged_on=at.date(),
                                 decision=decision or DECISION, submitted_by_id=applicant.id, submitted_at=at))
    db.add(ApplicationEvent(application_id=app.id, kind="submitted", actor_id=applicant.id, reason="", data={},
                            created_at=at))
    db.flush()
    return app


def provide_information(db, app: Application, *, response: str, at: dt.datetime) -> ApplicationSubmission:
    """What the applications part writes when the applicant answers: a new submission, the
    ``information_provided`` event with the response, and the status back to submitted."""
    submission = ApplicationSubmission(application_id=app.id, facts=FACTS, rules="pre_certificate",
                                       judged_on=at.date(), decision=DECISION, submitted_by_id=app.applicant_id,
                                       submitted_at=at)
    db.add(submission)
    db.add(ApplicationEvent(application_id=app.id, kind="information_provided", actor_id=app.applicant_id,
                            reason="", data={"response": response}, created_at=at))
    app.status = ApplicationStatus.SUBMITTED
    db.flush()
    return submission
