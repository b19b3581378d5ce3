"""Reads for deciding applications: the assessors' queue, one application as an assessor sees it,
a round's state, the decision clock, and appeals with their panels."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.accounts.models import RoleGrant, User
from assessment.eligibility.decisions import rules
from assessment.eligibility.decisions.models import (AssessorJudgement, DiscussionNote, RegistrationAppeal,
                                                     RegistrationAppealOutcome, RegistrationAppealPanel,
                                                     RegistrationAppealPanellist, RegistrationAppealResponse)
from assessment.eligibility.models import Application, ApplicationEvent, ApplicationStatus, ApplicationSubmission
from core.errors import NotFound
from core.roles import Role

# Statuses in which an application waits for an assessor.
ASSESSING = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_DISCUSSION, ApplicationStatus.AWAITING_THIRD_ASSESSOR,
             ApplicationStatus.AWAITING_REVIEW)
QUEUED = ASSESSING + (ApplicationStatus.INFORMATION_REQUESTED,)


def application(session: Session, application_id: int) -> Application:
    found = session.get(Application, application_id)
    if found is None or found.status is ApplicationStatus.DRAFT:
        raise NotFound("There is no such application.")
    return found


def own_application(session: Session, application_id: int, person_id: int) -> Application:
    found = session.get(Application, application_id)
    if found is None or found.applicant_id != person_id:
        raise NotFound("There is no such application.")
    return found


def submissions(session: Session, application_id: int) -> list[ApplicationSubmission]:
    return list(session.scalars(select(ApplicationSubmission).where(
        ApplicationSubmission.application_id == application_id).order_by(ApplicationSubmission.id)))


def latest_submission(session: Session, application_id: int) -> ApplicationSubmission | None:
    return session.scalar(select(ApplicationSubmission).where(ApplicationSubmission.application_id == application_id)
                          .order_by(ApplicationSubmission.id.desc()).limit(1))


def judgements(session: Session, application_id: int) -> list[AssessorJudgement]:
    return list(session.scalars(select(AssessorJudgement).where(AssessorJudgement.application_id == application_id)
                                .order_by(AssessorJudgement.id)))


def as_rule(row: AssessorJudgement) -> rules.Judgement:
    return rules.Judgement(row.kind, row.assessor_id, row.recommendation, row.request)


def round_rows(session: Session, submission_id: int) -> list[AssessorJudgement]:
    return list(session.scalars(select(AssessorJudgement).where(AssessorJudgement.submission_id == submission_id)
                                .order_by(AssessorJudgement.id)))


def round_state(session: Session, submission_id: int, mode: rules.Mode) -> rules.RoundState:
    return rules.round_state([as_rule(r) for r in round_rows(session, submission_id)], mode)


def events(session: Session, application_id: int) -> list[ApplicationEvent]:
    return list(session.scalars(select(ApplicationEvent).where(ApplicationEvent.application_id == application_id)
                                .order_by(ApplicationEvent.created_at, ApplicationEvent.id)))


def clock(session: Session, application_id: int, now: dt.datetime) -> rules.Clock:
    return rules.decision_clock([(e.kind, e.created_at) for e in events(session, application_id)], now)


def discussion(session: Session, submission_id: int) -> list[DiscussionNote]:
    return list(session.scalars(select(DiscussionNote).where(DiscussionNote.submission_id == submission_id)
                                .order_by(DiscussionNote.id)))


def names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u.full_name for u in session.scalars(select(User).where(User.id.in_(ids)))}


@dataclass(frozen=True)
class QueueRow:
    application: Application
    applicant: str
    state: rules.RoundState
    clock: rules.Clock
    overdue: bool
    your_turn: bool
    why_not: str | None


def queue(session: Session, *, person_id: int, mode: rules.Mode, now: dt.datetime,
          target_days: int) -> list[QueueRow]:
    """Applications waiting for assessors (and those waiting for the applicant), oldest first, never
    the person's own."""
    rows = []
    found = session.scalars(select(Application).where(Application.status.in_(QUEUED),
                                                      Application.applicant_id != person_id)
                            .order_by(Application.submitted_at, Application.id))
    people = {}
    for app in found:
        submission = latest_submission(session, app.id)
        if submission is None:
            continue
        state = round_state(session, submission.id, mode)
        kind, why_not = rules.next_kind(state, person_id, app.applicant_id)
        if app.status is ApplicationStatus.INFORMATION_REQUESTED:
            kind, why_not = None, "Waiting for the applicant's answer."
        the_clock = clock(session, app.id, now)
        people.setdefault(app.applicant_id, None)
        rows.append(QueueRow(app, "", state, the_clock, rules.is_overdue(the_clock, target_days), kind is not None,
                             why_not))
    known = names(session, people)
    return [QueueRow(r.application, known.get(r.application.applicant_id, ""), r.state, r.clock, r.overdue,
                     r.your_turn, r.why_not) for r in rows]


@dataclass
class AssessorView:
    application: Application
    applicant_name: str
    submission: ApplicationSubmission | None
    earlier: list[ApplicationSubmission]
    state: rules.RoundState | None
    visible: list[AssessorJudgement]  # the judgements this person may read
    hidden: int  # how many are hidden from them (the other independent recommendation)
    notes: list[DiscussionNote]
    earlier_judgements: list[AssessorJudgement]
    events: list[ApplicationEvent]
    next_kind: rules.Kind | None
    why_not: str | None
    clock: rules.Clock
    names: dict[int, str] = field(default_factory=dict)


def assessor_view(session: Session, application_id: int, *, person_id: int, mode: rules.Mode,
                  now: dt.datetime) -> AssessorView:
    app = application(session, application_id)
    subs = submissions(session, application_id)
    latest = subs[-1] if subs else None
    all_rows = judgements(session, application_id)
    current = [r for r in all_rows if latest is not None and r.submission_id == latest.id]
    state = rules.round_state([as_rule(r) for r in current], mode) if latest else None
    if state is not None and not rules.may_see_others(state, person_id):
        visible = [r for r in current if r.assessor_id == person_id]
    else:
        visible = current
    kind, why_not = rules.next_kind(state, person_id, app.applicant_id) if state else (None, "Nothing submitted.")
    if app.status not in ASSESSING:
        kind, why_not = None, f"This application is {app.status.label.lower()}."
    notes = discussion(session, latest.id) if latest else []
    evs = events(session, application_id)
    ids = {app.applicant_id, *(r.assessor_id for r in all_rows), *(n.author_id for n in notes),
           *(e.actor_id for e in evs)}
    return AssessorView(app, "", latest, subs[:-1], state, visible, len(current) - len(visible), notes,
                        [r for r in all_rows if latest is None or r.submission_id != latest.id], evs, kind, why_not,
                        rules.decision_clock([(e.kind, e.created_at) for e in evs], now), names(session, ids))


def assessors_of(session: Session, application_id: int) -> frozenset[int]:
    """Everyone who judged the application in any round or wrote in its discussion."""
    ids = set(session.scalars(select(AssessorJudgement.assessor_id).where(
        AssessorJudgement.application_id == application_id)))
    ids |= set(session.scalars(select(DiscussionNote.author_id).where(DiscussionNote.application_id == application_id)))
    return frozenset(ids)


# --- appeals ------------------------------------------------------------------------------------------------

@dataclass
class Member:
    panellist: RegistrationAppealPanellist
    name: str
    response: RegistrationAppealResponse | None


@dataclass
class AppealView:
    appeal: RegistrationAppeal
    application: Application
    applicant_name: str
    panel: RegistrationAppealPanel | None
    members: list[Member]
    panels: int
    outcome: RegistrationAppealOutcome | None
    stage: rules.PanelStage

    def member_for(self, user_id: int) -> Member | None:
        return next((m for m in self.members if m.panellist.user_id == user_id), None)


def appeal_view(session: Session, appeal_id: int) -> AppealView:
    appeal = session.get(RegistrationAppeal, appeal_id)
    if appeal is None:
        raise NotFound("There is no such appeal.")
    panels = list(session.scalars(select(RegistrationAppealPanel).where(RegistrationAppealPanel.appeal_id == appeal_id)
                                  .order_by(RegistrationAppealPanel.id)))
    panel = panels[-1] if panels else None
    members: list[Member] = []
    if panel is not None:
        listed = list(session.scalars(select(RegistrationAppealPanellist).where(
            RegistrationAppealPanellist.panel_id == panel.id).order_by(RegistrationAppealPanellist.id)))
        known = names(session, [p.user_id for p in listed])
        for p in listed:
            response = session.scalar(select(RegistrationAppealResponse).where(
                RegistrationAppealResponse.panellist_id == p.id))
            members.append(Member(p, known.get(p.user_id, ""), response))
    outcome = session.scalar(select(RegistrationAppealOutcome).where(RegistrationAppealOutcome.appeal_id == appeal_id))
    accepted = sum(1 for m in members if m.response is not None and not m.response.has_conflict)
    declined = sum(1 for m in members if m.response is not None and m.response.has_conflict)
    app = session.get(Application, appeal.application_id)
    return AppealView(appeal, app, names(session, [appeal.applicant_id]).get(appeal.applicant_id, ""), panel, members,
                      len(panels), outcome, rules.panel_stage(len(members), accepted, declined, outcome is not None))


def appeals_of(session: Session, application_id: int) -> list[RegistrationAppeal]:
    return list(session.scalars(select(RegistrationAppeal).where(RegistrationAppeal.application_id == application_id)
                                .order_by(RegistrationAppeal.id)))


def appeal_problem(session: Session, app: Application, now: dt.datetime, window_days: int) -> str | None:
    """Why the applicant cannot appeal their application now, or None when they can: it must be
    refused, not already appealed since the refusal, and within the window."""
    refused_at = max((e.created_at for e in events(session, app.id) if e.kind == "refused"), default=None)
    if app.status is not ApplicationStatus.REFUSED or refused_at is None:
        return "Only a refused application can be appealed."
    if any(a.lodged_at >= refused_at for a in appeals_of(session, app.id)):
        return "You have already appealed this refusal."
    return rules.appeal_window_problem(refused_at, now, window_days)


def all_appeals(session: Session) -> list[AppealView]:
    return [appeal_view(session, i) for i in session.scalars(select(RegistrationAppeal.id)
                                                             .order_by(RegistrationAppeal.id.desc()))]


def my_panels(session: Session, person_id: int) -> list[AppealView]:
    ids = session.scalars(select(RegistrationAppealPanel.appeal_id).join(
        RegistrationAppealPanellist, RegistrationAppealPanellist.panel_id == RegistrationAppealPanel.id)
        .where(RegistrationAppealPanellist.user_id == person_id).distinct())
    views = [appeal_view(session, i) for i in sorted(set(ids), reverse=True)]
    return [v for v in views if v.member_for(person_id) is not None]


def panel_conflicts(session: Session, appeal: RegistrationAppeal) -> rules.PanelConflicts:
    declared = set(session.scalars(select(RegistrationAppealPanellist.user_id).join(
        RegistrationAppealResponse, RegistrationAppealResponse.panellist_id == RegistrationAppealPanellist.id).join(
        RegistrationAppealPanel, RegistrationAppealPanel.id == RegistrationAppealPanellist.panel_id).where(
        RegistrationAppealPanel.appeal_id == appeal.id, RegistrationAppealResponse.has_conflict.is_(True))))
    return rules.PanelConflicts(appeal.applicant_id, assessors_of(session, appeal.application_id), frozenset(declared))


def administrators(session: Session) -> list[int]:
    return list(session.scalars(select(User.id).join(RoleGrant, RoleGrant.user_id == User.id).where(
        RoleGrant.role == Role.ADMIN, User.is_enabled.is_(True)).order_by(User.id).distinct()))


@dataclass(frozen=True)
class Person:
    user_id: int
    label: str


def panel_choices(session: Session) -> list[Person]:
    """Enabled people who may be proposed for a panel: registered case managers, assessors and
    administrators (the service judges conflicts)."""
    managers = select(User.id).where(User.is_registered_case_manager.is_(True))
    staff = select(RoleGrant.user_id).where(RoleGrant.role.in_([Role.ASSESSOR, Role.ADMIN]))
    people = session.scalars(select(User).where(User.is_enabled.is_(True), (User.id.in_(managers)) | (
        User.id.in_(staff))).order_by(User.full_name, User.id))
    return [Person(u.id, f"{u.full_name} ({u.email}){', registered case manager' if u.is_registered_case_manager else ''}")
            for u in people]
