"""Routes of deciding applications. Assessors: the queue and an application's page (never their own),
recording a judgement or a discussion note. The applicant: appealing their refused application (anyone
else: not found). Administrators: registration appeals and their panels. Panel members: pages open to
anyone signed in that find only the appeals of their panels."""
import datetime as dt

from core.roles import Role
from tests.routes import SIGNED_IN, Route, roles

ASSESSOR, ADMIN = roles(Role.ASSESSOR), roles(Role.ADMIN)

ROUTES = {
    "application_decisions.queue": Route("/assessing", ASSESSOR),
    "application_decisions.application": Route("/assessing/applications/{decide_application_id}", ASSESSOR),
    # No such document: the route exists for assessors only.
    "application_decisions.document": Route("/assessing/applications/{decide_application_id}/documents/999999",
                                            ASSESSOR, ok=404),
    # Nothing chosen: the form comes back with the errors.
    "application_decisions.judge": Route("/assessing/applications/{decide_application_id}/judgement", ASSESSOR,
                                         method="POST", ok=422),
    # Not one of two disagreeing assessors: the page says why.
    "application_decisions.discuss": Route("/assessing/applications/{decide_application_id}/discussion", ASSESSOR,
                                           method="POST", ok=422),
    "application_decisions.appeal": Route("/applications/{decide_refused_id}/appeal", SIGNED_IN, ok=404),
    "application_decisions.admin_index": Route("/registration-appeals", ADMIN),
    "application_decisions.manage": Route("/registration-appeals/{decide_appeal_id}/manage", ADMIN),
    "application_decisions.appoint": Route("/registration-appeals/{decide_appeal_id}/panel", ADMIN, method="POST",
                                           ok=422),
    "application_decisions.panels": Route("/registration-appeals/mine", SIGNED_IN),
    "application_decisions.panel_appeal": Route("/registration-appeals/{decide_appeal_id}", SIGNED_IN, ok=404),
    "application_decisions.respond": Route("/registration-appeals/{decide_appeal_id}/response", SIGNED_IN,
                                           method="POST", ok=404),
    "application_decisions.decide": Route("/registration-appeals/{decide_appeal_id}/outcome", SIGNED_IN,
                                          method="POST", ok=404),
}


def build_context(db, make_user, framework):
    """A submitted application, and a refused one under appeal."""
    from assessment.eligibility.decisions import rules, services
    from tests.assessment.eligibility.decisions.builders import DEADLINE, submitted_application

    now = dt.datetime.now(dt.timezone.utc)
    submitted = submitted_application(db, make_user(Role.CANDIDATE))
    applicant = make_user(Role.CANDIDATE)
    refused = submitted_application(db, applicant, at=now - dt.timedelta(days=2))
    for _ in range(2):
        services.record_judgement(db, actor=make_user(Role.ASSESSOR).actor, application_id=refused.id,
                                  recommendation="refuse", reason_codes=["hours"], notes="Too few hours.", request="",
                                  mode=rules.Mode.TWO_ASSESSORS, now=now - dt.timedelta(days=1),
                                  certificate_deadline=DEADLINE)
    appeal = services.lodge_appeal(db, actor=applicant.actor, application_id=refused.id, grounds=["other"],
                                   statement="Please look again.", window_days=28, now=now)
    return {"decide_application_id": submitted.id, "decide_refused_id": refused.id, "decide_appeal_id": appeal.id}
