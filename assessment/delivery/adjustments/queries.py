"""What candidates and administrators read about requests for reasonable adjustments."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import get_or_raise
from core.roles import Actor, Role, require_role
from assessment.delivery.models import AdjustmentRequest
from assessment.delivery.people import names_and_emails
from assessment.delivery.rules import AdjustmentStatus


def my_adjustments(session: Session, *, actor: Actor) -> list[AdjustmentRequest]:
    require_role(actor, Role.CANDIDATE)
    return list(session.scalars(select(AdjustmentRequest).where(AdjustmentRequest.candidate_id == actor.user_id)
                                .order_by(AdjustmentRequest.id.desc())))


@dataclass(frozen=True)
class QueuedRequest:
    request: AdjustmentRequest
    candidate_name: str
    candidate_email: str


def adjustment_queue(session: Session, *, actor: Actor) -> list[QueuedRequest]:
    """Every request, pending first (oldest first), then decided ones (newest first)."""
    require_role(actor, Role.ADMIN)
    requests = list(session.scalars(select(AdjustmentRequest).order_by(AdjustmentRequest.requested_at)))
    pending = [r for r in requests if r.status == AdjustmentStatus.PENDING]
    decided = sorted((r for r in requests if r.status != AdjustmentStatus.PENDING),
                     key=lambda r: r.decided_at, reverse=True)
    people = names_and_emails(session, [r.candidate_id for r in requests])
    return [QueuedRequest(r, *people.get(r.candidate_id, ("", ""))) for r in pending + decided]


def get_adjustment(session: Session, *, actor: Actor, request_id: int) -> QueuedRequest:
    require_role(actor, Role.ADMIN)
    request = get_or_raise(session, AdjustmentRequest, request_id, "There is no such request.")
    return QueuedRequest(request, *names_and_emails(session, [request.candidate_id]).get(request.candidate_id,
                                                                                          ("", "")))
