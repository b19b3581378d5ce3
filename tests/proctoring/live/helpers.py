"""An invigilated sitting with a candidate whose check-in was approved and whose attempt has started."""
from __future__ import annotations

import datetime as dt

from core.roles import Role
from proctoring import log
from proctoring.rules import LogKind


def approve_checkin(session, *, sitting_id: int, candidate_id: int, invigilator_id: int, now: dt.datetime):
    """What the check-in would have written: consent, then an invigilator's approval."""
    invigilation = log.invigilation_for(session, sitting_id=sitting_id, candidate_id=candidate_id, now=now)
    log.append(session, invigilation_id=invigilation.id, kind=LogKind.CONSENT_GIVEN, now=now, actor_id=candidate_id)
    log.append(session, invigilation_id=invigilation.id, kind=LogKind.CHECKIN_APPROVED, now=now,
               actor_id=invigilator_id)
    return invigilation


def started_attempt(session, *, now: dt.datetime, candidate=None, invigilator=None, sitting=None):
    """``(sitting, candidate, attempt)``: an invigilated sitting open now and a started attempt."""
    from assessment.delivery import services
    from assessment.delivery.models import Booking
    from tests.assessment.delivery.player_data import SHORT, make_exam, make_person

    if sitting is None:
        sitting, candidate = make_exam(session, items=SHORT, requires_invigilation=True, now=now)
    else:
        candidate = candidate or make_person(session, Role.CANDIDATE, now=now)
        session.add(Booking(sitting_id=sitting.id, candidate_id=candidate.id, booked_at=now - dt.timedelta(days=2)))
        session.flush()
    invigilator = invigilator or make_person(session, Role.INVIGILATOR, now=now)
    approve_checkin(session, sitting_id=sitting.id, candidate_id=candidate.id, invigilator_id=invigilator.id, now=now)
    attempt = services.start_attempt(session, actor=candidate.actor, sitting_id=sitting.id, device_id="dev", now=now)
    return sitting, candidate, attempt
