"""Use cases of deciding applications that write. Each takes the acting ``actor`` and ``now`` (and the
mode of assessment, from the configured end of the initial period), owns every check (role, the
applicant never assessing themselves, independence, who may act at each stage, the appeal window,
the panel's make-up) and flushes; the caller commits once. Every row written is append-only, every
step is an application event and an audit entry."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.accounts.models import User
from assessment.eligibility.decisions import queries, rules
from assessment.eligibility.decisions.models import (AssessorJudgement, DiscussionNote, RegistrationAppeal,
                                                     RegistrationAppealOutcome, RegistrationAppealPanel,
                                                     RegistrationAppealPanellist, RegistrationAppealResponse)
from assessment.eligibility import rules as engine
from assessment.eligibility.models import Application, ApplicationEvent, ApplicationStatus
from assessment.eligibility.register.services import enter_on_register
from core import audit, mail
from core.errors import Conflict, FieldProblem, Forbidden, NotFound, Problems, ValidationFailed
from core.notifications import notify
from core.roles import Actor, Role, require_role

PRE_CERTIFICATE = engine.PRE_CERTIFICATE

STAGE_STATUS = {
    rules.Stage.AWAITING_FIRST: ApplicationStatus.SUBMITTED,
    rules.Stage.AWAITING_ASSESSOR: ApplicationStatus.SUBMITTED,
    rules.Stage.IN_DISCUSSION: ApplicationStatus.IN_DISCUSSION,
    rules.Stage.AWAITING_THIRD: ApplicationStatus.AWAITING_THIRD_ASSESSOR,
    rules.Stage.AWAITING_REVIEW: ApplicationStatus.AWAITING_REVIEW,
}


def _locked(session: Session, application_id: int) -> Application:
    # On PostgreSQL two assessors acting at once take turns, so a round is folded from every row before it.
    session.execute(select(Application.id).where(Application.id == application_id).with_for_update())
    return queries.application(session, application_id)


def _event(session: Session, app: Application, kind: str, actor: Actor, now: dt.datetime, reason: str = "",
           data: dict | None = None) -> ApplicationEvent:
    event = ApplicationEvent(application_id=app.id, kind=kind, actor_id=actor.user_id, reason=reason,
                             data=data or {}, created_at=now)
    session.add(event)
    return event


def _tell(session: Session, app: Application, message: str, now: dt.datetime, subject: str) -> None:
    link = f"/applications/{app.id}"
    notify(session, user_id=app.applicant_id, message=message, link=link, now=now)
    applicant = session.get(User, app.applicant_id)
    if applicant is not None:
        mail.queue(session, to=applicant.email, subject=subject, now=now, user_id=applicant.id,
                   body=f"Dear {applicant.full_name},\n\n{message}\n\nSee your application: {link}\n")


def record_judgement(session: Session, *, actor: Actor, application_id: int, recommendation: str,
                     reason_codes: list[str], notes: str, request: str, mode: rules.Mode, now: dt.datetime,
                     certificate_deadline: dt.date | None) -> AssessorJudgement:
    """An assessor records the judgement their place in the round allows (``rules.next_kind``): an
    independent recommendation, their recommendation after discussion, a third assessor's decision, the
    single assessor's decision or the review of a refusal. When it settles the round, the decision is
    carried out: registered, refused or more information requested."""
    require_role(actor, Role.ASSESSOR)
    app = _locked(session, application_id)
    if app.applicant_id == actor.user_id:
        raise Forbidden("You cannot assess your own application.")
    if app.status not in queries.ASSESSING:
        raise Conflict(f"This application is not waiting for an assessor: it is {app.status.label.lower()}.")
    submission = queries.latest_submission(session, app.id)
    if submission is None:
        raise Conflict("This application has nothing submitted to assess.")
    state = queries.round_state(session, submission.id, mode)
    kind, why_not = rules.next_kind(state, actor.user_id, app.applicant_id)
    if kind is None:
        raise Conflict(why_not or "You cannot act on this application now.")
    if kind is rules.Kind.AFTER_DISCUSSION and not any(
            n.author_id == actor.user_id for n in queries.discussion(session, submission.id)):
        raise Conflict("Record your part of the discussion before your recommendation after discussion.")
    codes = list(dict.fromkeys(reason_codes or []))
    notes, request = (notes or "").strip(), (request or "").strip()
    problems = rules.judgement_problems(kind, recommendation, codes, notes, request)
    if problems:
        raise ValidationFailed("There is a problem", [FieldProblem(f, m) for f, m in problems.items()])
    if recommendation != rules.Recommendation.MORE_INFORMATION:
        request = ""
    row = AssessorJudgement(application_id=app.id, submission_id=submission.id, kind=kind, assessor_id=actor.user_id,
                            recommendation=rules.Recommendation(recommendation), reason_codes=codes, notes=notes,
                            request=request, created_at=now)
    session.add(row)
    session.flush()
    # The event says who acted and how, never what: the other independent assessor must not read it.
    _event(session, app, "assessed", actor, now, data={"judgement_id": row.id, "kind": kind.value})
    audit.record(session, actor=actor, action=f"application.{kind.value}", target_type="application",
                 target_id=app.id, after={"judgement": row.id, "recommendation": recommendation, "codes": codes},
                 now=now)
    after = queries.round_state(session, submission.id, mode)
    if after.stage is rules.Stage.DECIDED:
        _carry_out(session, app, submission, after, actor, now, certificate_deadline)
    else:
        app.status = STAGE_STATUS[after.stage]
        app.updated_at = now
    session.flush()
    return row


def _deciding_rows(session: Session, submission_id: int, state: rules.RoundState) -> list[AssessorJudgement]:
    rows = queries.round_rows(session, submission_id)
    finals: dict[int, AssessorJudgement] = {}
    for r in rows:  # the latest judgement of each person that agrees with the outcome
        if r.recommendation is state.outcome:
            finals[r.assessor_id] = r
    return list(finals.values())


def _carry_out(session: Session, app: Application, submission, state: rules.RoundState, actor: Actor,
               now: dt.datetime, certificate_deadline: dt.date | None) -> None:
    outcome = state.outcome
    rows = _deciding_rows(session, submission.id, state)
    codes = list(dict.fromkeys(c for r in rows for c in r.reason_codes))
    app.updated_at = now
    if outcome is rules.Recommendation.MORE_INFORMATION:
        text = "\n\n".join(state.requests)
        app.status = ApplicationStatus.INFORMATION_REQUESTED
        _event(session, app, "information_requested", actor, now, reason=text, data={"request": text})
        audit.record(session, actor=actor, action="application.information_requested", target_type="application",
                     target_id=app.id, after={"request": text}, now=now)
        _tell(session, app, f"The assessors of application {app.reference} ask you for more information: {text}",
              now, f"More information needed for application {app.reference}")
    elif outcome is rules.Recommendation.REFUSE:
        _refuse(session, app, actor, now, codes, [r.notes for r in rows if r.notes])
    else:
        _register(session, app, actor, now, submission.rules, certificate_deadline,
                  "; ".join(r.notes for r in rows if r.notes) or rules.reason_sentence(codes))


def _refuse(session: Session, app: Application, actor: Actor, now: dt.datetime, codes: list[str],
            notes: list[str]) -> None:
    words = rules.reason_sentence(codes) + "." + ("" if not notes else " " + " ".join(dict.fromkeys(notes)))
    app.status, app.decided_at = ApplicationStatus.REFUSED, now
    _event(session, app, "refused", actor, now, reason=words, data={"reason_codes": codes})
    audit.record(session, actor=actor, action="application.refused", target_type="application", target_id=app.id,
                 after={"codes": codes}, now=now)
    _tell(session, app, f"Application {app.reference} has been refused. Reasons: {words} You may appeal.", now,
          f"Decision on application {app.reference}")


def _register(session: Session, app: Application, actor: Actor, now: dt.datetime, rules_used: str,
              certificate_deadline: dt.date | None, reason: str) -> None:
    due = certificate_deadline if rules_used == PRE_CERTIFICATE else None
    registration = enter_on_register(session, actor=actor, user_id=app.applicant_id, application_id=app.id, now=now,
                                     certificate_due_on=due, reason=reason)
    app.status, app.decided_at = ApplicationStatus.REGISTERED, now
    _event(session, app, "registered", actor, now, reason=reason, data={"number": registration.number})
    audit.record(session, actor=actor, action="application.registered", target_type="application", target_id=app.id,
                 after={"number": registration.number}, now=now)
    mail_to = session.get(User, app.applicant_id)
    if mail_to is not None:
        mail.queue(session, to=mail_to.email, subject=f"You are registered: {registration.number}", now=now,
                   user_id=mail_to.id, body=f"Dear {mail_to.full_name},\n\nApplication {app.reference} has been "
                   f"accepted. Your registration number is {registration.number}.\n")


def add_discussion_note(session: Session, *, actor: Actor, application_id: int, note: str,
                        mode: rules.Mode, now: dt.datetime) -> DiscussionNote:
    """One of two disagreeing assessors records what they said in their discussion."""
    require_role(actor, Role.ASSESSOR)
    app = _locked(session, application_id)
    if app.status is not ApplicationStatus.IN_DISCUSSION:
        raise Conflict("This application is not under discussion.")
    submission = queries.latest_submission(session, app.id)
    state = queries.round_state(session, submission.id, mode)
    if actor.user_id not in state.first_ids:
        raise Forbidden("Only the two assessors who disagreed discuss this application.")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("There is a problem", [FieldProblem("note", "Write your part of the discussion")])
    if len(note) > rules.NOTES_MAX:
        raise ValidationFailed("There is a problem", [FieldProblem(
            "note", f"The note must be {rules.NOTES_MAX:,} characters or fewer")])
    row = DiscussionNote(application_id=app.id, submission_id=submission.id, author_id=actor.user_id, note=note,
                         created_at=now)
    session.add(row)
    session.flush()
    _event(session, app, "discussed", actor, now, data={"note_id": row.id})
    audit.record(session, actor=actor, action="application.discussed", target_type="application", target_id=app.id,
                 after={"note": row.id}, now=now)
    return row


# --- appeals -------------------------------------------------------------------------------------------------

def lodge_appeal(session: Session, *, actor: Actor, application_id: int, grounds: list[str], statement: str,
                 window_days: int, now: dt.datetime) -> RegistrationAppeal:
    """The applicant appeals the refusal of their application, within the window."""
    app = _locked(session, application_id)
    if app.applicant_id != actor.user_id:
        raise NotFound("There is no such application.")
    problem = queries.appeal_problem(session, app, now, window_days)
    if problem:
        raise Conflict(problem)
    problems = Problems()
    grounds = list(dict.fromkeys(grounds or []))
    if (message := rules.appeal_grounds_problem(grounds)):
        problems.add("grounds", message)
    statement = (statement or "").strip()
    if not statement:
        problems.add("statement", "Say why the refusal was wrong")
    elif len(statement) > rules.NOTES_MAX:
        problems.add("statement", f"Your statement must be {rules.NOTES_MAX:,} characters or fewer")
    problems.raise_if_any()
    appeal = RegistrationAppeal(application_id=app.id, applicant_id=actor.user_id, grounds=grounds,
                                statement=statement, lodged_at=now)
    session.add(appeal)
    session.flush()
    app.status, app.updated_at = ApplicationStatus.UNDER_APPEAL, now
    _event(session, app, "appeal_lodged", actor, now, reason=statement, data={"appeal_id": appeal.id,
                                                                              "grounds": grounds})
    audit.record(session, actor=actor, action="application.appeal_lodged", target_type="registration_appeal",
                 target_id=appeal.id, after={"application": app.id, "grounds": grounds}, now=now)
    for admin_id in queries.administrators(session):  # they appoint the panel
        if admin_id != actor.user_id:
            notify(session, user_id=admin_id, message=f"Application {app.reference}: the refusal is appealed. "
                   "Appoint a panel.", link=f"/registration-appeals/{appeal.id}/manage", now=now)
    session.flush()
    return appeal


def _open(session: Session, appeal_id: int) -> queries.AppealView:
    session.execute(select(RegistrationAppeal.id).where(RegistrationAppeal.id == appeal_id).with_for_update())
    view = queries.appeal_view(session, appeal_id)
    if view.outcome is not None:
        raise Conflict("This appeal has been decided; nothing more can be changed.")
    return view


def appoint_panel(session: Session, *, actor: Actor, appeal_id: int, member_ids: list[int], reasons: str,
                  now: dt.datetime) -> RegistrationAppealPanel:
    """An administrator appoints three people, two of them registered case managers, none of whom
    is the applicant, assessed the application or declared a conflict on this appeal."""
    require_role(actor, Role.ADMIN)
    view = _open(session, appeal_id)
    if view.appeal.applicant_id == actor.user_id:
        raise Forbidden("You cannot appoint the panel of your own appeal.")
    if view.stage is not rules.PanelStage.AWAITING_PANEL:
        raise Conflict("This appeal already has a panel. Another can be appointed only if a member declares a "
                       "conflict.")
    member_ids = [int(i) for i in member_ids if i]
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(member_ids)))} if member_ids else {}
    if len(member_ids) < rules.PANEL_SIZE or any(i not in people for i in member_ids):
        raise ValidationFailed("There is a problem", [FieldProblem("members", "Choose three people for the panel")])
    proposed = [rules.PanelCandidate(i, people[i].full_name, people[i].is_registered_case_manager)
                for i in member_ids]
    problems = rules.panel_problems(proposed, queries.panel_conflicts(session, view.appeal))
    if problems:
        raise ValidationFailed("There is a problem", [
            FieldProblem("members" if position is None else f"member_{position + 1}", message)
            for position, message in problems])
    panel = RegistrationAppealPanel(appeal_id=appeal_id, appointed_by_id=actor.user_id, appointed_at=now,
                                    reasons=(reasons or "").strip())
    session.add(panel)
    session.flush()
    for member in proposed:
        session.add(RegistrationAppealPanellist(panel_id=panel.id, user_id=member.user_id,
                                                is_registered_case_manager=member.is_registered_case_manager))
        notify(session, user_id=member.user_id, message=f"You have been appointed to the panel of registration "
               f"appeal {appeal_id}. Accept, or declare a conflict of interest.",
               link=f"/registration-appeals/{appeal_id}", now=now)
    session.flush()
    audit.record(session, actor=actor, action="registration_appeal.panel_appointed", target_type="registration_appeal",
                 target_id=appeal_id, after={"panel": panel.id, "members": member_ids}, now=now)
    return panel


def respond_to_appointment(session: Session, *, actor: Actor, appeal_id: int, has_conflict: bool, statement: str,
                           now: dt.datetime) -> RegistrationAppealResponse:
    """A member accepts, declaring no conflict, or declares one, which breaks the panel. Accepting is
    refused when the app knows of a conflict."""
    view = _open(session, appeal_id)
    member = view.member_for(actor.user_id)
    if member is None:
        raise Forbidden("You are not on this appeal's panel.")
    if member.response is not None:
        raise Conflict("You have already answered this appointment.")
    statement = (statement or "").strip()
    if has_conflict and not statement:
        raise ValidationFailed("There is a problem", [FieldProblem("statement", "Say what your conflict of "
                                                                                "interest is")])
    if not has_conflict:
        reasons = rules.panel_conflicts_of(actor.user_id, queries.panel_conflicts(session, view.appeal))
        if reasons:
            raise Conflict(f"You cannot sit on this panel: you {' and '.join(reasons)}.")
    response = RegistrationAppealResponse(panellist_id=member.panellist.id, has_conflict=has_conflict,
                                          statement=statement, responded_at=now)
    session.add(response)
    session.flush()
    audit.record(session, actor=actor, action="registration_appeal.conflict_declared" if has_conflict
                 else "registration_appeal.panel_accepted", target_type="registration_appeal", target_id=appeal_id,
                 after={"panel": member.panellist.panel_id, "statement": statement}, now=now)
    return response


def record_appeal_outcome(session: Session, *, actor: Actor, appeal_id: int, outcome: str, reasons: str,
                          now: dt.datetime, certificate_deadline: dt.date | None) -> RegistrationAppealOutcome:
    """A member of the sitting panel records its outcome. Dismissed: the refusal stands. Upheld: the
    applicant is entered on the register at once (the panel has heard the whole case)."""
    view = _open(session, appeal_id)
    member = view.member_for(actor.user_id)
    if member is None:
        raise Forbidden("Only a member of this appeal's panel can record its outcome.")
    if view.stage is not rules.PanelStage.SITTING:
        raise Conflict("The panel can decide once all three members have accepted their appointment.")
    problems = Problems()
    if outcome not in {o.value for o in rules.AppealOutcome}:
        problems.add("outcome", "Choose the panel's outcome")
    reasons = (reasons or "").strip()
    if not reasons:
        problems.add("reasons", "Give the panel's reasons: the applicant will read them")
    elif len(reasons) > rules.NOTES_MAX:
        problems.add("reasons", f"The reasons must be {rules.NOTES_MAX:,} characters or fewer")
    problems.raise_if_any()
    app = _locked(session, view.appeal.application_id)
    decided = RegistrationAppealOutcome(appeal_id=appeal_id, panel_id=view.panel.id,
                                        outcome=rules.AppealOutcome(outcome), reasons=reasons,
                                        recorded_by_id=actor.user_id, recorded_at=now)
    session.add(decided)
    session.flush()
    _event(session, app, "appeal_decided", actor, now, reason=reasons,
           data={"appeal_id": appeal_id, "outcome": outcome, "reasons": reasons})
    audit.record(session, actor=actor, action="registration_appeal.decided", target_type="registration_appeal",
                 target_id=appeal_id, after={"outcome": outcome, "reasons": reasons}, now=now)
    if decided.outcome is rules.AppealOutcome.UPHELD:
        submission = queries.latest_submission(session, app.id)
        _register(session, app, actor, now, submission.rules if submission else "", certificate_deadline,
                  f"Appeal {appeal_id} upheld: {reasons}")
    else:
        app.status, app.updated_at = ApplicationStatus.REFUSED, now
        _tell(session, app, f"Your appeal against the refusal of application {app.reference} was dismissed: "
              f"{reasons}", now, f"Your appeal on application {app.reference}")
    session.flush()
    return decided
