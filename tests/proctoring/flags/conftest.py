"""An invigilated sitting with one candidate who consented, was checked in and started at T0, and
helpers that write what the player would send."""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest
import skimage.data

from assessment.delivery import services as delivery
from core.roles import Role
from proctoring import log
from proctoring.faces import encode_jpeg
from proctoring.media import store_media
from proctoring.rules import LogKind

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
_client_ids = itertools.count(1)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture(scope="session")
def frames():
    """JPEG frames made at test time from scikit-image's samples (tests/data/faces/README.md)."""
    return {"face": encode_jpeg(skimage.data.astronaut()), "cat": encode_jpeg(skimage.data.chelsea())}


@dataclass
class Scene:
    db: object
    app: object
    invigilation: object
    attempt: object
    candidate: object
    invigilator: object

    def row(self, kind, seconds, payload=None, **kwargs):
        return log.append(self.db, invigilation_id=self.invigilation.id, kind=kind, now=at(seconds),
                          occurred_at=at(seconds), attempt_id=self.attempt.id, payload=payload or {},
                          client_event_id=f"c{next(_client_ids)}", **kwargs)

    def snapshot(self, seconds, jpeg: bytes):
        stored = store_media(self.app.extensions["cop.media"], invigilation_id=self.invigilation.id, data=jpeg,
                             content_type="image/jpeg", extension="jpg")
        return self.row(LogKind.SNAPSHOT, seconds, media_key=stored.key, media_sha256=stored.sha256,
                        media_type="image/jpeg", media_size=stored.size)

    def heartbeats(self, start, stop, every=15):
        return [self.row(LogKind.HEARTBEAT, s) for s in range(start, stop + 1, every)]


@pytest.fixture
def make_scene(app, db, invigilated_sitting, booked_candidate, make_user):
    def make(*, adjustments: dict | None = None) -> Scene:
        sitting = invigilated_sitting
        candidate = booked_candidate(sitting)
        invigilator = make_user(Role.INVIGILATOR)
        if adjustments is not None:
            from assessment.delivery.models import AdjustmentRequest
            from assessment.delivery.rules import AdjustmentStatus

            db.add(AdjustmentRequest(candidate_id=candidate.id, status=AdjustmentStatus.APPROVED,
                                     requested_at=T0 - dt.timedelta(days=20), decided_at=T0 - dt.timedelta(days=10),
                                     decided_by_id=invigilator.id, **adjustments))
            db.flush()
        invigilation = log.invigilation_for(db, sitting_id=sitting.id, candidate_id=candidate.id,
                                            now=T0 - dt.timedelta(days=1))
        log.append(db, invigilation_id=invigilation.id, kind=LogKind.CONSENT_GIVEN, now=T0 - dt.timedelta(days=1),
                   actor_id=candidate.id)
        log.append(db, invigilation_id=invigilation.id, kind=LogKind.CHECKIN_APPROVED, now=T0 - dt.timedelta(minutes=5),
                   actor_id=invigilator.id)
        attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d1", now=T0)
        return Scene(db, app, invigilation, attempt, candidate, invigilator)

    return make
