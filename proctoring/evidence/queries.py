"""Who may open a piece of invigilation evidence, and the record that they did."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core import audit
from core.db import get_or_raise
from core.errors import NotFound
from core.roles import Actor, Role, require_role
from assessment.delivery.models import Sitting
from assessment.delivery.services import require_not_candidate_in
from proctoring import log
from proctoring.models import Invigilation, InvigilationEvent
from proctoring.rules import MEDIA_KINDS, LogKind

EVIDENCE_ROLES = (Role.INVIGILATOR, Role.EXAMINER, Role.ADMIN)


def open_media(session: Session, *, actor: Actor, event_id: int, now: dt.datetime) -> InvigilationEvent:
    """The log row of one photo, snapshot or clip, for staff who need it (invigilators, examiners,
    administrators; never someone who is a candidate in the sitting). Every opening is recorded
    twice: in the audit log and as an ``evidence_viewed`` row of the invigilation's own log."""
    require_role(actor, *EVIDENCE_ROLES)
    row = get_or_raise(session, InvigilationEvent, event_id, "There is no such evidence.")
    if row.kind not in MEDIA_KINDS or not row.media_key:
        raise NotFound("There is no such evidence.")
    invigilation = session.get(Invigilation, row.invigilation_id)
    require_not_candidate_in(session, actor, get_or_raise(session, Sitting, invigilation.sitting_id))
    log.append(session, invigilation_id=invigilation.id, kind=LogKind.EVIDENCE_VIEWED, now=now, actor_id=actor.user_id,
               payload={"event_id": row.id, "seq": row.seq})
    audit.record(session, actor=actor, action="invigilation.evidence_viewed", target_type="invigilation_event",
                 target_id=row.id, now=now)
    return row
