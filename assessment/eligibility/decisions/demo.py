"""Demo data for deciding applications: the applications part's submitted applications moved into
each state an assessor meets. Needs only Application and ApplicationSubmission rows, so it works on
any submitted applications; applications already judged are left alone (a second load changes nothing)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.accounts.models import User
from assessment.accounts.services import find_user_by_email
from assessment.eligibility.decisions import rules, services
from assessment.eligibility.decisions.models import AssessorJudgement
from assessment.eligibility.models import Application, ApplicationStatus

ASSESSORS = ("assessor@example.org", "second.assessor@example.org", "third.assessor@example.org")
ADMIN = "admin@example.org"
DEADLINE = dt.date(2029, 8, 31)  # CERTIFICATE_DEADLINE_FOR_EARLY_REGISTRANTS's default


def _judge(session, who, app, rec, *, at, codes=None, notes="", request="", mode=rules.Mode.TWO_ASSESSORS):
    default = {"register": ["meets_all_conditions"], "refuse": ["hours_not_evidenced"],
               "more_information": ["evidence_insufficient"]}[rec]
    services.record_judgement(session, actor=who.actor, application_id=app.id, recommendation=rec,
                              reason_codes=codes or default, notes=notes, request=request, mode=mode, now=at,
                              certificate_deadline=DEADLINE)


def load_demo(session: Session, *, now: dt.datetime, submitted_ids: list[int]) -> dict:
    """States, in the order of ``submitted_ids``: registered by two agreeing assessors, awaiting a third
    assessor, information requested, refused, under appeal (with a panel when two registered case
    managers are free of conflict), awaiting the second assessor's recommendation; any further ones
    registered too. Returns {state: application id}."""
    people = [find_user_by_email(session, e) for e in ASSESSORS]
    if any(p is None for p in people):
        return {}
    first, second, third = people
    fresh = []
    for i in submitted_ids:
        app = session.get(Application, i)
        if app is None or app.status is not ApplicationStatus.SUBMITTED:
            continue
        if session.scalar(select(AssessorJudgement.id).where(AssessorJudgement.application_id == i).limit(1)):
            continue
        if app.applicant_id in {p.id for p in people}:
            continue
        fresh.append(app)
    done: dict[str, int] = {}
    day = dt.timedelta(days=1)
    plan = ["registered", "awaiting_third_assessor", "information_requested", "refused", "under_appeal",
            "awaiting_second_assessor"]
    for app, state in zip(fresh, plan + ["registered"] * max(0, len(fresh) - len(plan))):
        at = now - 5 * day
        if state == "registered":
            _judge(session, first, app, "register", at=at, notes="Hours and membership are well evidenced.")
            _judge(session, second, app, "register", at=at + day)
        elif state == "awaiting_third_assessor":
            _judge(session, first, app, "register", at=at, notes="The supervision years count: hours were met first.")
            _judge(session, second, app, "refuse", at=at + day, codes=["role_not_case_management"],
                   notes="The current role is management without the hours met beforehand.")
            services.add_discussion_note(session, actor=first.actor, application_id=app.id, mode=rules.Mode.TWO_ASSESSORS,
                                         note="The CV shows 5,200 hours as a case manager before the management post.",
                                         now=at + 2 * day)
            services.add_discussion_note(session, actor=second.actor, application_id=app.id,
                                         mode=rules.Mode.TWO_ASSESSORS,
                                         note="Only 4,100 of those hours are evidenced by the employer's letter.",
                                         now=at + 2 * day)
            _judge(session, first, app, "register", at=at + 3 * day, notes="I stand by my recommendation.")
            _judge(session, second, app, "refuse", at=at + 3 * day, codes=["hours_not_evidenced"],
                   notes="Still not evidenced.")
        elif state == "information_requested":
            request = "Please send a letter from your employer confirming your hours as a case manager since 2019."
            _judge(session, first, app, "more_information", at=at, request=request)
            _judge(session, second, app, "more_information", at=at + day, request=request)
        elif state in ("refused", "under_appeal"):
            notes = "The application shows 3,100 case-management hours; 5,000 are needed before the Certificate."
            _judge(session, first, app, "refuse", at=at, codes=["hours"], notes=notes)
            _judge(session, second, app, "refuse", at=at + day, codes=["hours"], notes=notes)
            if state == "under_appeal":
                applicant = session.get(User, app.applicant_id)
                appeal = services.lodge_appeal(session, actor=applicant.actor, application_id=app.id,
                                               grounds=["evidence_overlooked"], window_days=28, now=at + 2 * day,
                                               statement="My second employer's letter, sent with the application, "
                                                         "shows another 2,000 hours.")
                _appoint_if_possible(session, appeal, app, now=at + 3 * day)
        else:  # awaiting the second assessor
            _judge(session, first, app, "register", at=at)
        done[state] = app.id
    session.flush()
    return done


def _appoint_if_possible(session: Session, appeal, app: Application, *, now: dt.datetime) -> None:
    admin = find_user_by_email(session, ADMIN)
    if admin is None:
        return
    from assessment.eligibility.decisions import queries

    conflicts = queries.panel_conflicts(session, appeal)
    free = [u for u in session.scalars(select(User).where(User.is_registered_case_manager.is_(True)).order_by(User.id))
            if not rules.panel_conflicts_of(u.id, conflicts) and u.id != admin.id]
    if len(free) < 2:
        return  # the appeal waits for a panel: the administrator appoints one
    services.appoint_panel(session, actor=admin.actor, appeal_id=appeal.id, member_ids=[free[0].id, free[1].id, admin.id],
                           reasons="Two registered case managers and an administrator, none involved.", now=now)
