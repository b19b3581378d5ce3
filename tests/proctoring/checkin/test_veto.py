"""The veto: an invigilated, non-practice sitting does not start until a person has approved the
check-in or waived it; the candidate reads why, and nothing is written."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.errors import Conflict
from core.roles import Role
from assessment.delivery import services as delivery
from assessment.delivery.models import Attempt, AttemptEvent
from proctoring.checkin import services
from proctoring.checkin.rules import Step
from tests.assessment.delivery.conftest import T0
from tests.proctoring.helpers import approve_checkin


def attempts(db) -> int:
    return db.scalar(select(func.count()).select_from(Attempt)) + db.scalar(
        select(func.count()).select_from(AttemptEvent))


def start(db, candidate, sitting):
    return delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=T0)


def test_no_start_before_consent_or_check_in_and_nothing_written(db, invigilated_sitting, candidate):
    with pytest.raises(Conflict, match="read the privacy notice and give your consent"):
        start(db, candidate, invigilated_sitting)
    services.give_consent(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, now=T0)
    with pytest.raises(Conflict, match="Complete the identity and room check"):
        start(db, candidate, invigilated_sitting)
    assert attempts(db) == 0


def test_no_start_while_waiting_then_a_start_after_approval(db, invigilated_sitting, candidate, invigilator, store,
                                                             jpeg):
    services.give_consent(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, now=T0)
    for step in (Step.PHOTO, Step.ID_PHOTO, Step.ROOM_SCAN, Step.ROOM_SCAN, Step.ROOM_SCAN):
        services.add_picture(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, step=step, data=jpeg,
                             store=store, now=T0)
    services.acknowledge_rules(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, now=T0)
    services.submit(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, now=T0)
    with pytest.raises(Conflict, match="waiting for an invigilator"):
        start(db, candidate, invigilated_sitting)
    assert attempts(db) == 0
    services.decide(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id, candidate_id=candidate.id,
                    decision="approve", now=T0)
    attempt = start(db, candidate, invigilated_sitting)
    assert attempt.candidate_id == candidate.id


def test_a_waiver_lets_the_start_happen(db, invigilated_sitting, candidate, invigilator):
    services.decide(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id, candidate_id=candidate.id,
                    decision="waive", reason_code="adjustment", reason="Checked in person", now=T0)
    assert start(db, candidate, invigilated_sitting).id


def test_withdrawn_consent_refuses_the_start(db, invigilated_sitting, candidate, invigilator):
    approve_checkin(db, invigilated_sitting.id, candidate.id, invigilator.id, T0)
    services.withdraw_consent(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, now=T0)
    with pytest.raises(Conflict, match="withdrawn your consent"):
        start(db, candidate, invigilated_sitting)


def test_sittings_without_invigilation_and_practice_are_not_vetoed(db, make_sitting, booked_candidate, make_user):
    plain = make_sitting()
    assert start(db, booked_candidate(plain), plain).id
    practice = make_sitting(is_practice=True)
    practice.requires_invigilation = True
    db.flush()
    assert start(db, make_user(Role.CANDIDATE), practice).id


def test_the_start_page_shows_the_status_and_the_refusal(app, db, client, clock, invigilated_sitting, login_as,
                                                         booked_candidate, invigilator):
    from assessment.delivery.models import Booking

    candidate = login_as(Role.CANDIDATE)
    db.add(Booking(sitting_id=invigilated_sitting.id, candidate_id=candidate.id, booked_at=T0 - dt.timedelta(days=1)))
    db.flush()
    clock.set(T0 + dt.timedelta(minutes=5))
    page = client.get(f"/sittings/{invigilated_sitting.id}/start").get_data(as_text=True)
    assert "Identity and room check: Not started." in page
    assert f"/invigilation/sittings/{invigilated_sitting.id}/consent" in page
    refused = client.post(f"/sittings/{invigilated_sitting.id}/start", data={"declaration": "y"})
    assert refused.status_code == 409
    assert "read the privacy notice and give your consent" in refused.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Attempt)) == 0
    approve_checkin(db, invigilated_sitting.id, candidate.id, invigilator.id, T0)
    assert "Identity and room check: Approved." in client.get(f"/sittings/{invigilated_sitting.id}/start").get_data(
        as_text=True)
    started = client.post(f"/sittings/{invigilated_sitting.id}/start", data={"declaration": "y"})
    assert started.status_code == 302 and started.headers["Location"].startswith("/attempts/")
