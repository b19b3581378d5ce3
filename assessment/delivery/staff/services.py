"""What invigilators and administrators do to an attempt during a sitting: add time, pause, resume.
Services take ``session, *, actor, now``, flush and never commit."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core.errors import FieldProblem, ValidationFailed
from core.roles import Actor
from assessment.delivery import replay, services
from assessment.delivery.staff.queries import staff_attempt


def add_time(session: Session, *, actor: Actor, attempt_id: int, minutes: int | None, reason: str,
             now: dt.datetime) -> replay.AttemptView:
    staff_attempt(session, actor=actor, attempt_id=attempt_id, now=now)
    if minutes is None or not 1 <= minutes <= 240:
        raise ValidationFailed("Time to add", [FieldProblem("minutes", "Add between 1 and 240 minutes")])
    return services.extend_time(session, actor=actor, attempt_id=attempt_id, seconds=minutes * 60, reason=reason,
                                now=now)


def pause_attempt(session: Session, *, actor: Actor, attempt_id: int, reason: str,
                  now: dt.datetime) -> replay.AttemptView:
    staff_attempt(session, actor=actor, attempt_id=attempt_id, now=now)
    return services.pause(session, actor=actor, attempt_id=attempt_id, reason=reason, now=now)


def resume_attempt(session: Session, *, actor: Actor, attempt_id: int, now: dt.datetime) -> replay.AttemptView:
    staff_attempt(session, actor=actor, attempt_id=attempt_id, now=now)
    return services.resume(session, actor=actor, attempt_id=attempt_id, now=now)
