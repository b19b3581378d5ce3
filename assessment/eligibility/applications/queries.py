"""Reads of applications: one person's applications, one application with what its applicant may
see, its documents, and whether the person has passed the Certificate on this platform."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.eligibility.applications.models import ApplicationDocument, ApplicationDocumentRemoval
from assessment.eligibility.models import (Application, ApplicationEvent, ApplicationStatus, ApplicationSubmission,
                                           Registration)
from assessment.results.models import CandidateResult, ResultRelease
from assessment.results.services import current_release
from core.errors import NotFound
from core.roles import Actor

OPEN = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.INFORMATION_REQUESTED,
        ApplicationStatus.IN_DISCUSSION, ApplicationStatus.AWAITING_THIRD_ASSESSOR,
        ApplicationStatus.AWAITING_REVIEW, ApplicationStatus.UNDER_APPEAL)
EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.INFORMATION_REQUESTED)
WITHDRAWABLE = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.INFORMATION_REQUESTED,
                ApplicationStatus.IN_DISCUSSION, ApplicationStatus.AWAITING_THIRD_ASSESSOR,
                ApplicationStatus.AWAITING_REVIEW)
# The events an applicant is shown (the assessors' own recommendations and discussion are not theirs).
APPLICANT_EVENTS = {
    "submitted": "You submitted your application",
    "information_requested": "The assessors asked you for more information",
    "information_provided": "You sent the information asked for and resubmitted",
    "withdrawn": "You withdrew your application",
    "registered": "You were entered on the register",
    "refused": "Your application was refused",
    "appeal_lodged": "You appealed the decision",
    "appeal_decided": "Your appeal was decided",
}


def has_passed_certificate(session: Session, user_id: int) -> bool:
    """Whether the person's latest released result on this platform is a pass: for each sitting, the
    release that stands (the newest, which supersedes earlier ones) and the person's result in it;
    of those, the most recently released counts."""
    sittings = session.scalars(select(ResultRelease.sitting_id).join(
        CandidateResult, CandidateResult.release_id == ResultRelease.id).where(
        CandidateResult.candidate_id == user_id).distinct()).all()
    latest: tuple[dt.datetime, int, str] | None = None
    for sitting_id in sittings:
        release = current_release(session, sitting_id)
        if release is None:
            continue
        result = session.scalar(select(CandidateResult).where(CandidateResult.release_id == release.id,
                                                              CandidateResult.candidate_id == user_id)
                                .order_by(CandidateResult.id.desc()).limit(1))
        if result is None:
            continue
        key = (release.released_at, release.id, result.outcome)
        if latest is None or key[:2] > latest[:2]:
            latest = key
    return latest is not None and latest[2] == "pass"


def registration_of(session: Session, user_id: int) -> Registration | None:
    """The person's entry on the register, if they have one (the applications page points to it)."""
    return session.scalar(select(Registration).where(Registration.user_id == user_id))


def open_application(session: Session, user_id: int) -> Application | None:
    return session.scalar(select(Application).where(Application.applicant_id == user_id,
                                                    Application.status.in_(OPEN)).order_by(Application.id.desc())
                          .limit(1))


def my_applications(session: Session, actor: Actor) -> list[Application]:
    if actor.user_id is None:
        return []
    return list(session.scalars(select(Application).where(Application.applicant_id == actor.user_id)
                                .order_by(Application.id.desc())))


def own_application(session: Session, actor: Actor, application_id: int) -> Application:
    """The actor's own application; anyone else's is not found (its existence is not confirmed)."""
    application = session.get(Application, application_id)
    if application is None or actor.user_id is None or application.applicant_id != actor.user_id:
        raise NotFound("There is no such application.")
    return application


def documents(session: Session, application_id: int, *, include_removed: bool = False) -> list[ApplicationDocument]:
    query = select(ApplicationDocument).where(ApplicationDocument.application_id == application_id)
    if not include_removed:
        removed = select(ApplicationDocumentRemoval.document_id)
        query = query.where(ApplicationDocument.id.not_in(removed))
    return list(session.scalars(query.order_by(ApplicationDocument.id)))


def document(session: Session, application_id: int, document_id: int) -> ApplicationDocument:
    found = session.get(ApplicationDocument, document_id)
    if found is None or found.application_id != application_id:
        raise NotFound("There is no such document.")
    return found


def is_removed(session: Session, document_id: int) -> bool:
    return session.scalar(select(ApplicationDocumentRemoval.id).where(
        ApplicationDocumentRemoval.document_id == document_id)) is not None


@dataclass(frozen=True)
class EventLine:
    kind: str
    label: str
    created_at: dt.datetime
    reason: str
    data: dict


@dataclass(frozen=True)
class StatusPage:
    application: Application
    events: list[EventLine]
    latest_submission: ApplicationSubmission | None
    requests: list[str]  # the open requests for information, oldest first

    @property
    def status(self) -> ApplicationStatus:
        return ApplicationStatus(self.application.status)

    @property
    def decision_event(self) -> EventLine | None:
        for line in reversed(self.events):
            if line.kind in ("registered", "refused"):
                return line
        return None


def status_page(session: Session, actor: Actor, application_id: int) -> StatusPage:
    application = own_application(session, actor, application_id)
    rows = list(session.scalars(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
                                .order_by(ApplicationEvent.created_at, ApplicationEvent.id)))
    events = [EventLine(r.kind, APPLICANT_EVENTS[r.kind], r.created_at, r.reason or "", r.data or {})
              for r in rows if r.kind in APPLICANT_EVENTS]
    requests: list[str] = []
    for line in events:  # the requests since the last time the applicant answered
        if line.kind == "information_requested":
            requests.append(str(line.data.get("request") or line.reason))
        elif line.kind in ("information_provided", "submitted"):
            requests = []
    latest = session.scalar(select(ApplicationSubmission).where(ApplicationSubmission.application_id == application.id)
                            .order_by(ApplicationSubmission.id.desc()).limit(1))
    return StatusPage(application, events, latest, requests)
