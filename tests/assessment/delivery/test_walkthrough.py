"""The save protocol end to end through the services, then reload from the database and replay."""
import datetime as dt
import random

import pytest
from sqlalchemy import select

from core.errors import Conflict, Forbidden, NotFound
from core.roles import Role
from assessment.delivery import services
from assessment.delivery.models import AttemptEvent, ResponseStep
from assessment.delivery.replay import AttemptState
from tests.assessment.delivery.conftest import T0


def kinds(db, attempt_id):
    return [e.kind for e in db.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt_id)
                                       .order_by(AttemptEvent.id))]


def n_steps(db, attempt_id):
    return len(db.scalars(select(ResponseStep).where(ResponseStep.attempt_id == attempt_id)).all())


def test_walkthrough(db, make_sitting, booked_candidate):
    sitting = make_sitting(duration_s=3600)
    candidate = booked_candidate(sitting)
    actor = candidate.actor
    attempt = services.start_attempt(db, actor=actor, sitting_id=sitting.id, device_id="tab-1",
                                     now=T0 + dt.timedelta(minutes=5), rng=random.Random(3))
    assert [s.slot for s in attempt.slots] == [1, 2, 3, 4, 5, 6]
    assert all(sorted(s.option_order) == ["A", "B", "C", "D"] for s in attempt.slots)  # frozen shuffles
    now = T0 + dt.timedelta(minutes=6)

    def save(slot, payload, seen, client, device="tab-1", when=None):
        return services.save_response(db, actor=actor, attempt_id=attempt.id, slot=slot, payload=payload,
                                      seen_seq=seen, client_step_id=client, device_id=device, now=when or now)

    ack = save(1, {"answer": "B"}, 0, "c-1")
    assert (ack.seq, ack.written) == (1, True)
    same = save(1, {"answer": "B"}, 1, "c-2")  # identical to the current state: nothing written
    assert (same.seq, same.written) == (1, False) and n_steps(db, attempt.id) == 1
    flag = save(1, {"answer": "B", "flagged": True}, 1, "c-3")
    assert flag.seq == 2 and flag.view.slots[1].flagged
    with pytest.raises(services.StaleSequence) as stale:  # a tab that last saw seq 1
        save(2, {"answer": "C"}, 1, "c-4")
    assert stale.value.view.last_seq == 2 and n_steps(db, attempt.id) == 2
    retry = save(1, {"answer": "B", "flagged": True}, 1, "c-3")  # the same client step id again
    assert (retry.seq, retry.written) == (2, False) and n_steps(db, attempt.id) == 2
    save(3, {"answer": "A"}, 2, "c-5")

    late = T0 + dt.timedelta(minutes=5, hours=1, seconds=1)  # past start + 60 minutes
    with pytest.raises(services.AttemptEnded):
        save(2, {"answer": "D"}, 3, "c-6", when=late)
    assert kinds(db, attempt.id)[-1] == "late_response_rejected"  # refused and recorded
    assert n_steps(db, attempt.id) == 3

    db.expire_all()  # reload from the database and replay to the same view
    reloaded = services.view_of(db, db.get(type(attempt), attempt.id), late)
    assert reloaded.state == AttemptState.TIMED_OUT
    assert {k: v.answer for k, v in reloaded.slots.items() if v.answer} == {1: "B", 3: "A"}
    assert reloaded.slots[1].flagged and reloaded.last_seq == 3
    final = services.final_responses(db, attempt.id, late)
    assert [(f.slot, f.answer) for f in final][:3] == [(1, "B"), (2, None), (3, "A")]
    assert services.close_overdue(db, now=late) == [attempt.id]
    assert services.close_overdue(db, now=late) == []  # once
    assert kinds(db, attempt.id)[-1] == "auto_submitted"


def test_a_second_tab_makes_the_first_read_only_and_is_recorded(db, make_sitting, booked_candidate):
    sitting = make_sitting()
    candidate = booked_candidate(sitting)
    now = T0 + dt.timedelta(minutes=1)
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab-1", now=now)
    again = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab-2", now=now)
    assert again.id == attempt.id  # reopening resumes the same attempt
    with pytest.raises(services.DeviceReplaced):
        services.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=1, payload={"answer": "A"},
                               seen_seq=0, client_step_id="x", device_id="tab-1", now=now)
    assert kinds(db, attempt.id).count("device_claimed") == 2


def test_after_submission_every_write_is_refused(db, make_sitting, booked_candidate):
    sitting = make_sitting()
    candidate = booked_candidate(sitting)
    now = T0 + dt.timedelta(minutes=1)
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=now)
    services.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=1, payload={"answer": "C"},
                           seen_seq=0, client_step_id="a", device_id="d", now=now)
    final = services.submit_attempt(db, actor=candidate.actor, attempt_id=attempt.id, now=now)
    assert final.state == AttemptState.SUBMITTED and final.answered == 1
    with pytest.raises(services.AttemptEnded):
        services.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=1, payload={"answer": "D"},
                               seen_seq=1, client_step_id="b", device_id="d", now=now)
    with pytest.raises(services.AttemptEnded):
        services.submit_attempt(db, actor=candidate.actor, attempt_id=attempt.id, now=now)
    code = services.receipt_for(db, attempt, now)
    assert code == services.receipt_for(db, attempt, now + dt.timedelta(days=1))


def test_another_candidate_finds_nothing_and_staff_cannot_answer(db, make_sitting, booked_candidate, make_user):
    sitting = make_sitting()
    owner = booked_candidate(sitting)
    attempt = services.start_attempt(db, actor=owner.actor, sitting_id=sitting.id, device_id="d", now=T0)
    for intruder in (booked_candidate(sitting), make_user(Role.EXAMINER), make_user(Role.ADMIN)):
        with pytest.raises(NotFound):
            services.save_response(db, actor=intruder.actor, attempt_id=attempt.id, slot=1, payload={"answer": "A"},
                                   seen_seq=0, client_step_id="z", device_id="d", now=T0)


@pytest.mark.parametrize(("minutes", "booked", "message"), [
    (-10, True, "not opened yet"), (60 * 8 + 1, True, "has closed"), (10, False, "not booked"),
])
def test_exam_window(db, make_sitting, booked_candidate, make_user, minutes, booked, message):
    sitting = make_sitting()
    candidate = booked_candidate(sitting) if booked else make_user(Role.CANDIDATE)
    with pytest.raises(Conflict, match=message):
        services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d",
                               now=T0 + dt.timedelta(minutes=minutes))


def test_approved_extra_time_applies_automatically(db, make_sitting, booked_candidate, make_user):
    from assessment.delivery.models import AdjustmentRequest
    from assessment.delivery.rules import AdjustmentStatus

    sitting = make_sitting(duration_s=3600)
    candidate = booked_candidate(sitting)
    db.add(AdjustmentRequest(candidate_id=candidate.id, extra_time_pct=25, rest_breaks=True, requested_at=T0,
                             status=AdjustmentStatus.APPROVED, decided_at=T0))
    db.flush()
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=T0)
    view = services.view_of(db, attempt, T0)
    assert view.deadline == T0 + dt.timedelta(minutes=75)
    services.take_break(db, actor=candidate.actor, attempt_id=attempt.id, now=T0 + dt.timedelta(minutes=10))
    paused = services.take_break(db, actor=candidate.actor, attempt_id=attempt.id, now=T0 + dt.timedelta(minutes=20),
                                 end=True)
    assert paused.deadline == T0 + dt.timedelta(minutes=85)  # the break stopped the clock


def test_staff_pause_and_extend_with_a_reason(db, make_sitting, booked_candidate, make_user):
    sitting = make_sitting(duration_s=3600)
    candidate = booked_candidate(sitting)
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=T0)
    invigilator = make_user(Role.INVIGILATOR)
    from core.errors import ValidationFailed
    with pytest.raises(ValidationFailed):
        services.extend_time(db, actor=invigilator.actor, attempt_id=attempt.id, seconds=600, reason=" ",
                             now=T0 + dt.timedelta(minutes=1))
    with pytest.raises(Forbidden):
        services.pause(db, actor=candidate.actor, attempt_id=attempt.id, reason="x", now=T0)
    services.extend_time(db, actor=invigilator.actor, attempt_id=attempt.id, seconds=600,
                         reason="Lost connection for ten minutes", now=T0 + dt.timedelta(minutes=1))
    services.pause(db, actor=invigilator.actor, attempt_id=attempt.id, reason="Fire alarm", now=T0 + dt.timedelta(minutes=30))
    paused = services.view_of(db, attempt, T0 + dt.timedelta(minutes=40))
    assert paused.state == AttemptState.PAUSED
    with pytest.raises(Conflict, match="paused"):
        services.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=1, payload={"answer": "A"},
                               seen_seq=0, client_step_id="p", device_id="d", now=T0 + dt.timedelta(minutes=40))
    view = services.resume(db, actor=invigilator.actor, attempt_id=attempt.id, now=T0 + dt.timedelta(minutes=45))
    assert view.deadline == T0 + dt.timedelta(minutes=60 + 10 + 15)
