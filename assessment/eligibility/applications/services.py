"""Use cases of the application form that write. Each takes the acting ``actor`` and ``now``, checks
who may act and what the application's status allows, flushes, and never commits (the view does).

Configuration (certificate date, bands, upload folder, scanner) arrives as arguments: the views read
it from ``current_app.config``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from assessment.accounts.models import User
from assessment.eligibility import rules as engine
from assessment.eligibility.applications import queries, rules
from assessment.eligibility.applications.models import ApplicationDocument, ApplicationDocumentRemoval
from assessment.eligibility.models import Application, ApplicationEvent, ApplicationStatus, ApplicationSubmission
from core import audit, mail
from core.errors import Conflict, FieldProblem, Forbidden, Problems, ValidationFailed
from core.notifications import notify
from core.roles import Actor
from core.sealed import Sealer
from item_bank.authoring.attachments import MAX_BYTES, inspected_or_problem, scan, storage_path

LONDON = ZoneInfo("Europe/London")
MAX_DOCUMENTS = 20


@dataclass(frozen=True)
class Settings:
    """What the services need from the configuration."""

    certificate_available_from: dt.date
    bands: list[rules.Band]

    @classmethod
    def from_config(cls, config) -> Settings:
        return cls(dt.date.fromisoformat(str(config["ELIGIBILITY_CERTIFICATE_AVAILABLE_FROM"])),
                   rules.parse_bands(config["ELIGIBILITY_BANDS"]))


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Check:
    """The engine's decision on a draft as it stands, with what this form still needs."""

    facts: dict
    decision: dict | None
    error: str | None  # the engine refused the facts (should not happen: the form builds them)
    problems: list[rules.Problem]
    evidence_needed: list[str]
    evidence_missing: list[str]
    opening: rules.Opening
    rules: str
    certificate_passed: bool

    @property
    def complete(self) -> bool:
        return not self.problems and not self.evidence_missing and self.error is None

    def as_json(self) -> dict:
        return {"decision": self.decision, "error": self.error, "rules": self.rules,
                "problems": [{"field": p.field, "message": p.message} for p in self.problems],
                "evidence_needed": self.evidence_needed, "evidence_missing": self.evidence_missing,
                "band": {"years": self.opening.years, "min_years": self.opening.band.min_years,
                         "opens_on": self.opening.band.opens_on.isoformat(), "open": self.opening.is_open},
                "certificate_passed": self.certificate_passed, "complete": self.complete}


def today_in_london(now: dt.datetime) -> dt.date:
    return now.astimezone(LONDON).date()


def document_path(upload_folder: str, sha256: str) -> Path:
    """Application documents live in their own folder, outside the web root, under their SHA-256."""
    return storage_path(str(Path(upload_folder) / "applications"), sha256)


def _signed_in(actor: Actor) -> int:
    if actor.user_id is None:
        raise Forbidden("Sign in to apply.")
    return actor.user_id


def _own(session: Session, actor: Actor, application_id: int, *, lock: bool = False) -> Application:
    if lock:  # on PostgreSQL, two tabs acting on one application take turns
        session.execute(select(Application.id).where(Application.id == application_id).with_for_update())
    return queries.own_application(session, actor, application_id)


def _editable(application: Application) -> None:
    if application.status not in queries.EDITABLE:
        raise Conflict(f"This application can no longer be changed: it is {ApplicationStatus(application.status).label.lower()}.")


def _event(session: Session, application: Application, kind: str, actor: Actor, now: dt.datetime, *, reason: str = "",
           data: dict | None = None) -> ApplicationEvent:
    event = ApplicationEvent(application_id=application.id, kind=kind, actor_id=actor.user_id, reason=reason,
                             data=data or {}, created_at=now)
    session.add(event)
    return event


def _reference(application: Application, now: dt.datetime) -> str:
    """From the row's own id, so two people starting at once never draw the same reference."""
    return f"APP-{now.year}-{application.id:06d}"


def start_application(session: Session, *, actor: Actor, now: dt.datetime) -> Application:
    """A new draft for the signed-in person; the open one they already have if there is one (one open
    application per person at a time)."""
    user_id = _signed_in(actor)
    session.execute(select(User.id).where(User.id == user_id).with_for_update())
    existing = queries.open_application(session, user_id)
    if existing is not None:
        return existing
    application = Application(reference=f"NEW-{secrets.token_hex(6)}", applicant_id=user_id,
                              status=ApplicationStatus.DRAFT, draft=rules.empty_draft(), created_at=now,
                              updated_at=now)
    session.add(application)
    session.flush()
    application.reference = _reference(application, now)
    session.flush()
    audit.record(session, actor=actor, action="application.started", target_type="application",
                 target_id=application.id, after={"reference": application.reference}, now=now)
    return application


def save_draft(session: Session, *, actor: Actor, application_id: int, draft: dict, now: dt.datetime) -> Application:
    """Keep what the applicant has entered so far, complete or not."""
    application = _own(session, actor, application_id, lock=True)
    _editable(application)
    application.draft = rules.normalise(draft)
    application.updated_at = now
    session.flush()
    return application


def check_draft(session: Session, *, application: Application, draft: dict | None = None, settings: Settings,
                now: dt.datetime) -> Check:
    """The engine's decision on the draft (the saved one, or ``draft`` as typed), the phased opening
    and everything still missing. Writes nothing."""
    draft = rules.normalise(application.draft if draft is None else draft)
    today = today_in_london(now)
    passed = queries.has_passed_certificate(session, application.applicant_id)
    facts = rules.draft_to_facts(draft, today=today, certificate_passed=passed)
    rule_set = engine.rules_for(today, settings.certificate_available_from)
    decision, error = None, None
    try:
        decision = engine.check(facts, on=today, certificate_available_from=settings.certificate_available_from)
    except engine.FactsError as failure:
        error = str(failure)
    needed = rules.evidence_needed(list((decision or {}).get("evidence_requested") or []),
                                   rules.own_evidence_needed(draft, rules=rule_set))
    present = {d.kind for d in queries.documents(session, application.id)}
    missing = [code for code in needed if code not in present]
    return Check(facts, decision, error, rules.draft_problems(draft, today=today), needed, missing,
                 rules.opening(draft, settings.bands, today=today), rule_set, passed)


def submit(session: Session, *, actor: Actor, application_id: int, settings: Settings, now: dt.datetime,
           response: str = "", base_url: str = "") -> ApplicationSubmission:
    """Submit (or, after a request for information, resubmit with a response). Refuses, writing
    nothing, an incomplete application (each problem beside its field), one whose band is not open
    yet, and one that is not the applicant's to submit now."""
    application = _own(session, actor, application_id, lock=True)
    _editable(application)
    answering = application.status == ApplicationStatus.INFORMATION_REQUESTED
    found = check_draft(session, application=application, settings=settings, now=now)
    problems = Problems()
    if not found.opening.is_open:
        problems.add("band", band_sentence(found.opening))
    for problem in found.problems:
        problems.add(problem.field, problem.message)
    for code in found.evidence_missing:
        problems.add("documents", f"Upload a document: {rules.EVIDENCE_LABELS.get(code, code).lower()}")
    if found.error:
        problems.add("roles-0-role", found.error)
    response = (response or "").strip()
    if answering and not response:
        problems.add("response", "Say what you have changed or sent in answer to the request")
    elif len(response) > rules.RESPONSE_MAX:
        problems.add("response", f"Keep your response to {rules.RESPONSE_MAX:,} characters or fewer")
    problems.raise_if_any()
    documents = [d.id for d in queries.documents(session, application.id)]
    submission = ApplicationSubmission(application_id=application.id, facts=found.facts, rules=found.rules,
                                       judged_on=today_in_london(now), decision=found.decision,
                                       submitted_by_id=actor.user_id, submitted_at=now)
    session.add(submission)
    session.flush()
    if answering:
        _event(session, application, "information_provided", actor, now, reason=response,
               data={"response": response, "submission": submission.id, "documents": documents})
    else:
        _event(session, application, "submitted", actor, now,
               data={"submission": submission.id, "documents": documents})
        application.submitted_at = now
    application.status = ApplicationStatus.SUBMITTED
    application.updated_at = now
    session.flush()
    audit.record(session, actor=actor, action="application.resubmitted" if answering else "application.submitted",
                 target_type="application", target_id=application.id,
                 after={"submission": submission.id, "rules": found.rules, "eligible": found.decision.get("eligible"),
                        "documents": len(documents)}, now=now)
    link = f"/applications/{application.id}"
    notify(session, user_id=application.applicant_id, now=now, link=link,
           message=f"We received your {'response on application' if answering else 'application'} "
                   f"{application.reference}.")
    person = session.get(User, application.applicant_id)
    if person is not None:
        body = (f"Dear {person.full_name},\n\nWe received your "
                f"{'response and your updated application' if answering else 'application to join the register'}"
                f" (reference {application.reference}) on {now.astimezone(LONDON):%d %B %Y at %H:%M}.\n\n"
                "Assessors will now consider it. We will write to you when there is news, and you can follow it "
                f"at {base_url.rstrip('/')}{link}\n")
        mail.queue(session, to=person.email, subject=f"We received your application {application.reference}",
                   body=body, now=now, user_id=person.id)
    return submission


def band_sentence(opening: rules.Opening) -> str:
    """Why an applicant cannot submit yet, and from when they can."""
    who = (f"people with {opening.band.min_years} or more years of case management experience"
           if opening.band.min_years else "people with fewer years of case management experience")
    return (f"Applications from {who} open on {opening.band.opens_on.day} {opening.band.opens_on:%B %Y}. "
            f"Your roles show {opening.years:g} years as a case manager or case manager in training, so you can "
            "save your application now and submit it from that date.")


def withdraw(session: Session, *, actor: Actor, application_id: int, reason: str, now: dt.datetime) -> Application:
    """The applicant withdraws before a decision."""
    application = _own(session, actor, application_id, lock=True)
    if application.status not in queries.WITHDRAWABLE:
        raise Conflict("This application has been decided or withdrawn, so it cannot be withdrawn now.")
    reason = (reason or "").strip()[:rules.NOTE_MAX]
    before = application.status
    application.status = ApplicationStatus.WITHDRAWN
    application.updated_at = now
    _event(session, application, "withdrawn", actor, now, reason=reason)
    session.flush()
    audit.record(session, actor=actor, action="application.withdrawn", target_type="application",
                 target_id=application.id, before={"status": str(before)}, after={"reason": reason}, now=now)
    return application


def add_document(session: Session, *, actor: Actor, application_id: int, kind: str, upload: UploadedFile,
                 upload_folder: str, sealer: Sealer, scan_command: str | None, now: dt.datetime) -> ApplicationDocument:
    """A supporting document: a PDF, PNG or JPEG under 10 MB, checked by its content (core.uploads),
    scanned when a scanner is configured, stored once under the SHA-256 of the bytes kept."""
    application = _own(session, actor, application_id, lock=True)
    _editable(application)
    problems = Problems()
    if kind not in rules.EVIDENCE_LABELS:
        problems.add("kind", "Choose what the document shows")
    name = secure_filename(upload.filename) or "the file"
    inspected = None
    if not upload.data:
        problems.add("file", "Choose a file to upload" if not upload.filename else f"{name} is empty")
    elif len(upload.data) > MAX_BYTES:
        problems.add("file", f"{name} must be smaller than 10 MB")
    else:
        inspected = inspected_or_problem(upload.data, problems, "file", name)
    if len(queries.documents(session, application.id)) >= MAX_DOCUMENTS:
        problems.add("file", f"An application can have at most {MAX_DOCUMENTS} documents: remove one first")
    problems.raise_if_any()
    data = inspected.data  # what is stored and hashed: a picture's metadata stripped
    scan(data, scan_command, "file")
    digest = hashlib.sha256(data).hexdigest()
    sealer.store(document_path(upload_folder, digest), data)
    document = ApplicationDocument(application_id=application.id, kind=kind,
                                   filename=(secure_filename(upload.filename) or "document")[:200],
                                   content_type=inspected.content_type, size_bytes=len(data), sha256=digest,
                                   uploaded_by_id=actor.user_id, uploaded_at=now)
    session.add(document)
    application.updated_at = now
    session.flush()
    audit.record(session, actor=actor, action="application.document_added", target_type="application",
                 target_id=application.id, after={"document": document.id, "kind": kind, "sha256": digest}, now=now)
    return document


def remove_document(session: Session, *, actor: Actor, application_id: int, document_id: int,
                    now: dt.datetime) -> None:
    application = _own(session, actor, application_id, lock=True)
    _editable(application)
    document = queries.document(session, application.id, document_id)
    if queries.is_removed(session, document.id):
        raise Conflict("That document has already been removed.")
    session.add(ApplicationDocumentRemoval(document_id=document.id, removed_by_id=actor.user_id, removed_at=now))
    application.updated_at = now
    session.flush()
    audit.record(session, actor=actor, action="application.document_removed", target_type="application",
                 target_id=application.id, after={"document": document.id}, now=now)
