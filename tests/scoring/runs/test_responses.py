"""The bulk reader of a sitting's final answers gives what ``final_responses`` gives, attempt by
attempt: submitted, timed out (a save after the deadline refused), voided, several saves per slot,
an answer cleared."""
import datetime as dt
import random

import pytest

from core.errors import Conflict
from assessment.delivery import services as delivery
from assessment.delivery.models import AttemptEvent
from assessment.delivery.replay import AttemptState
from scoring.runs import services
from scoring.runs.responses import sitting_answers
from tests.assessment.delivery.conftest import T0

AFTER = T0 + dt.timedelta(hours=9)


def test_bulk_answers_equal_final_responses(db, make_sitting, booked_candidate, examiner):
    sitting = make_sitting(duration_s=3600)
    attempts = []
    for n in range(4):
        candidate = booked_candidate(sitting)
        start = T0 + dt.timedelta(minutes=5)
        attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=start,
                                         rng=random.Random(n))
        seq = 0
        for k, (slot, answer) in enumerate([(1, "A"), (1, "B"), (2, "C"), (3, "D"), (3, ""), (4 + n % 2, "A")]):
            seq = delivery.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=slot,
                                         payload={"answer": answer, "flagged": k % 2 == 0}, seen_seq=seq,
                                         client_step_id=f"c{k}", device_id="d",
                                         now=start + dt.timedelta(minutes=k)).seq
        if n == 0:
            delivery.submit_attempt(db, actor=candidate.actor, attempt_id=attempt.id, now=start + dt.timedelta(minutes=30))
        elif n == 1:  # times out; a save after the deadline is refused and recorded
            with pytest.raises(delivery.AttemptEnded):
                delivery.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=6,
                                       payload={"answer": "B"}, seen_seq=seq, client_step_id="late", device_id="d",
                                       now=start + dt.timedelta(hours=2))
        elif n == 2:
            db.add(AttemptEvent(attempt_id=attempt.id, kind="voided", payload={}, reason="Impersonation",
                                occurred_at=start + dt.timedelta(minutes=40)))
            db.flush()
        attempts.append(attempt)
    read = sitting_answers(db, sitting.id, AFTER)
    states = {a.id: a.state for a in read.attempts}
    assert [states[a.id] for a in attempts] == [AttemptState.SUBMITTED, AttemptState.TIMED_OUT,
                                                AttemptState.VOIDED, AttemptState.TIMED_OUT]
    assert read.layout == [(s.slot, s.item_version_id) for s in attempts[0].slots]
    for attempt in attempts:
        for response in delivery.final_responses(db, attempt.id, AFTER):
            assert read.answers.get((attempt.id, response.slot)) == response.answer, (attempt.id, response.slot)

    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    assert run.n_candidates == 3 and any("1 voided attempt" in note for note in run.notes)


def test_an_open_attempt_stops_the_run(db, make_sitting, booked_candidate, examiner):
    sitting = make_sitting(duration_s=3600)
    for n in range(3):
        candidate = booked_candidate(sitting)
        delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d",
                               now=T0 + dt.timedelta(minutes=5), rng=random.Random(n))
    with pytest.raises(Conflict, match="3 attempt"):
        services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=T0 + dt.timedelta(minutes=30))
