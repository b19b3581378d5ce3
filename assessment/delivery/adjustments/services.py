"""Reasonable adjustments, the use cases that write: a candidate asks (with optional evidence, often
medical, kept outside the web root) and an administrator decides, with a reason the candidate reads.
Services take ``session, *, actor, now``, flush and never commit."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from core import audit
from core.errors import Conflict, FieldProblem, Forbidden, Problems, ValidationFailed
from core.notifications import notify
from core.roles import Actor, Role, require_role
from core.sealed import Sealer
from assessment.delivery.adjustments.queries import get_adjustment
from assessment.delivery.adjustments.rules import COLOUR_SCHEMES, EXTRA_TIME_CHOICES, TEXT_SIZES, describe
from assessment.delivery.models import AdjustmentRequest
from assessment.delivery.rules import AdjustmentStatus
from item_bank.authoring.attachments import MAX_BYTES, inspected_or_problem, scan, storage_path


@dataclass(frozen=True)
class AdjustmentDetails:
    extra_time_pct: int = 0
    rest_breaks: bool = False
    text_size: str = ""
    colour_scheme: str = ""
    uses_screen_reader: bool = False
    other: str = ""
    evidence_filename: str = ""
    evidence: bytes = b""


def evidence_path(upload_folder: str, sha256: str) -> Path:
    """Adjustment evidence (often medical) lives in its own folder, outside the web root."""
    return storage_path(str(Path(upload_folder) / "adjustments"), sha256)


def request_adjustments(session: Session, *, actor: Actor, details: AdjustmentDetails, upload_folder: str,
                        sealer: Sealer, scan_command: str | None, now: dt.datetime) -> AdjustmentRequest:
    require_role(actor, Role.CANDIDATE)
    problems = Problems()
    if details.extra_time_pct not in EXTRA_TIME_CHOICES:
        problems.add("extra_time_pct", "Choose an amount of extra time from the list")
    if details.text_size not in TEXT_SIZES:
        problems.add("text_size", "Choose a text size from the list")
    if details.colour_scheme not in COLOUR_SCHEMES:
        problems.add("colour_scheme", "Choose a colour scheme from the list")
    if len(details.other) > 2000:
        problems.add("other", "Other adjustments must be 2,000 characters or fewer")
    asked = (details.extra_time_pct or details.rest_breaks or details.text_size or details.colour_scheme
             or details.uses_screen_reader or details.other.strip())
    if not problems.items and not asked:
        problems.add("extra_time_pct", "Choose at least one adjustment, or describe what you need under ‘Other’")
    inspected = None
    if details.evidence:
        if len(details.evidence) > MAX_BYTES:
            problems.add("evidence", "The file must be smaller than 10 MB")
        else:
            inspected = inspected_or_problem(details.evidence, problems, "evidence")
    problems.raise_if_any()
    if session.scalar(select(AdjustmentRequest.id).where(AdjustmentRequest.candidate_id == actor.user_id,
                                                         AdjustmentRequest.status == AdjustmentStatus.PENDING)):
        raise Conflict("You already have a request waiting for a decision. You can ask again once it is decided.")
    digest = ""
    if inspected is not None:
        scan(inspected.data, scan_command, "evidence")
        digest = hashlib.sha256(inspected.data).hexdigest()
        sealer.store(evidence_path(upload_folder, digest), inspected.data)
    request = AdjustmentRequest(
        candidate_id=actor.user_id, extra_time_pct=details.extra_time_pct, rest_breaks=details.rest_breaks,
        text_size=details.text_size, colour_scheme=details.colour_scheme,
        uses_screen_reader=details.uses_screen_reader, other=details.other.strip(),
        evidence_filename=(secure_filename(details.evidence_filename) or "evidence")[:200] if digest else "",
        evidence_sha256=digest, status=AdjustmentStatus.PENDING, requested_at=now, decision_reason="")
    session.add(request)
    session.flush()
    audit.record(session, actor=actor, action="adjustments.requested", target_type="adjustment_request",
                 target_id=request.id, after=describe(request), now=now)
    return request


def decide_adjustment(session: Session, *, actor: Actor, request_id: int, approve: bool, reason: str,
                      now: dt.datetime) -> AdjustmentRequest:
    require_role(actor, Role.ADMIN)
    request = get_adjustment(session, actor=actor, request_id=request_id).request
    if request.candidate_id == actor.user_id:
        raise Forbidden("You cannot decide your own request for adjustments.")
    if request.status != AdjustmentStatus.PENDING:
        raise Conflict("This request has already been decided.")
    if not reason.strip():
        raise ValidationFailed("Give a reason", [FieldProblem(
            "reason", "Give a reason for the decision: the candidate will read it")])
    request.status = AdjustmentStatus.APPROVED if approve else AdjustmentStatus.DECLINED
    request.decided_at, request.decided_by_id, request.decision_reason = now, actor.user_id, reason.strip()
    session.flush()
    audit.record(session, actor=actor, action=f"adjustments.{request.status.value}",
                 target_type="adjustment_request", target_id=request.id, after={"reason": request.decision_reason},
                 now=now)
    words = "approved: they will apply to exams you start from now on" if approve else "declined"
    notify(session, user_id=request.candidate_id, message=f"Your request for reasonable adjustments was {words}. "
           f"Reason: {request.decision_reason}", link="/adjustments", now=now)
    return request
