"""A finished invigilated attempt with a log, two flags and no decisions yet."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from core.roles import Role
from assessment.delivery import services as delivery
from proctoring import log
from proctoring.media import store_media
from proctoring.models import InvigilationFlag
from proctoring.rules import FlagKind, LogKind, Severity

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
JPEG = b"\xff\xd8\xff\xe0" + b"1" * 64 + b"\xff\xd9"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@dataclass
class Finished:
    sitting: object
    candidate: object
    invigilator: object
    attempt: object
    invigilation: object
    flags: list
    rows: dict


@pytest.fixture
def finished(app, db, make_user, invigilated_sitting, booked_candidate):
    """Checked in, started at T0, saves, heartbeats (with a 2-minute gap), a tab-hidden spell, a
    snapshot with two faces counted, a message, submitted at T0 + 20 min; two flags."""
    sitting = invigilated_sitting
    candidate = booked_candidate(sitting, name="Cara Candidate")
    invigilator = make_user(Role.INVIGILATOR, name="Ivo Invigilator")
    inv = log.invigilation_for(db, sitting_id=sitting.id, candidate_id=candidate.id, now=at(-600))
    rows = {}
    rows["consent"] = log.append(db, invigilation_id=inv.id, kind=LogKind.CONSENT_GIVEN, now=at(-600),
                                 actor_id=candidate.id)
    rows["approved"] = log.append(db, invigilation_id=inv.id, kind=LogKind.CHECKIN_APPROVED, now=at(-300),
                                  actor_id=invigilator.id)
    attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d1", now=T0)
    delivery.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=1,
                           payload={"answer": None, "flagged": True}, seen_seq=0, client_step_id="s1",
                           device_id="d1", now=at(60))
    for second in (15, 30, 45, 60, 75, 195, 210):
        rows[f"beat{second}"] = log.append(db, invigilation_id=inv.id, kind=LogKind.HEARTBEAT, now=at(second),
                                           attempt_id=attempt.id, client_event_id=f"hb{second}")
    rows["hidden"] = log.append(db, invigilation_id=inv.id, kind=LogKind.TAB_HIDDEN, now=at(100), attempt_id=attempt.id)
    rows["visible"] = log.append(db, invigilation_id=inv.id, kind=LogKind.TAB_VISIBLE, now=at(142),
                                 attempt_id=attempt.id)
    stored = store_media(app.extensions["cop.media"], invigilation_id=inv.id, data=JPEG, content_type="image/jpeg",
                         extension="jpg")
    rows["snapshot"] = log.append(db, invigilation_id=inv.id, kind=LogKind.SNAPSHOT, now=at(300), attempt_id=attempt.id,
                                  media_key=stored.key, media_sha256=stored.sha256, media_type="image/jpeg",
                                  media_size=stored.size)
    rows["faces"] = log.append(db, invigilation_id=inv.id, kind=LogKind.FACES_COUNTED, now=at(301),
                               attempt_id=attempt.id, payload={"snapshot_event_id": rows["snapshot"].id, "faces": 2})
    rows["message"] = log.append(db, invigilation_id=inv.id, kind=LogKind.MESSAGE_SENT, now=at(400),
                                 attempt_id=attempt.id, actor_id=invigilator.id,
                                 payload={"text": "Please keep your face in view."})
    delivery.submit_attempt(db, actor=candidate.actor, attempt_id=attempt.id, now=at(1200))
    flags = [
        InvigilationFlag(invigilation_id=inv.id, attempt_id=attempt.id, kind=FlagKind.TAB_HIDDEN,
                         severity=Severity.MEDIUM, starts_at=at(100), ends_at=at(142),
                         evidence_event_ids=[rows["hidden"].id, rows["visible"].id],
                         detail="The exam's tab was hidden for 42 s.", policy_version="test", raised_at=at(1300)),
        InvigilationFlag(invigilation_id=inv.id, attempt_id=attempt.id, kind=FlagKind.SEVERAL_FACES,
                         severity=Severity.HIGH, starts_at=at(300), ends_at=at(300),
                         evidence_event_ids=[rows["snapshot"].id, rows["faces"].id],
                         detail="Two faces were counted on one snapshot.", policy_version="test", raised_at=at(1300)),
    ]
    db.add_all(flags)
    db.flush()
    return Finished(sitting, candidate, invigilator, attempt, inv, flags, rows)
