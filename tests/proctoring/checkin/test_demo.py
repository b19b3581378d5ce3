"""The demo's check-in waiting for a person: sent through the real services, pictures in the media
store, in the queue; loading again adds nothing."""
from __future__ import annotations

import datetime as dt

from core.roles import Role
from proctoring.checkin import queries
from proctoring.checkin.demo import WAITING_CANDIDATE, load_waiting_checkin
from proctoring.checkin.rules import CheckinStatus

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


def test_the_demo_candidate_waits_in_the_queue_once(db, make_user, invigilated_sitting, store):
    make_user(Role.CANDIDATE, email=WAITING_CANDIDATE, name="Simulated Candidate 001")
    invigilator = make_user(Role.INVIGILATOR)
    assert load_waiting_checkin(db, now=NOW, sitting_title=invigilated_sitting.title, store=store)
    found = queries.queue(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id, now=NOW)
    [row] = found.waiting
    assert row.name == "Simulated Candidate 001" and row.state.status is CheckinStatus.SUBMITTED
    assert len(row.state.room_scan_ids) == 3 and row.waiting_s == 9 * 60 + 50
    review = queries.review(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id,
                            candidate_id=row.candidate_id)
    assert review.state.photo_id and review.state.id_photo_id
    assert not load_waiting_checkin(db, now=NOW, sitting_title=invigilated_sitting.title, store=store)
    assert not load_waiting_checkin(db, now=NOW, sitting_title="No such sitting", store=store)
