"""Helpers for tests that start an attempt in an invigilated sitting: the veto refuses the start
until the candidate's check-in is approved, so such tests give them one first."""
from __future__ import annotations

import datetime as dt

from proctoring import log
from proctoring.rules import LogKind


def approve_checkin(db, sitting_id: int, candidate_id: int, invigilator_id: int, now: dt.datetime):
    """Consent and an approved check-in (by ``invigilator_id``), appended to the candidate's log."""
    invigilation = log.invigilation_for(db, sitting_id=sitting_id, candidate_id=candidate_id, now=now)
    log.append(db, invigilation_id=invigilation.id, kind=LogKind.CONSENT_GIVEN, now=now, actor_id=candidate_id)
    log.append(db, invigilation_id=invigilation.id, kind=LogKind.CHECKIN_APPROVED, now=now, actor_id=invigilator_id,
               reason="Approved for the test")
    return invigilation
