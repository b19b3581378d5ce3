"""Any interleaving of saves, retries and duplicate deliveries replays to the last acknowledged
answer for every slot.

A save acknowledged as "identical, nothing written" leaves no row, so only an immediate retry of it
can be recognised; a late re-delivery of it after a newer save is answered 409 (the page reloads the
state), never with a false "saved". Duplicates are therefore drawn from saves that were written.
"""
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.delivery import services
from tests.assessment.delivery.conftest import T0

ANSWERS = st.sampled_from(["A", "B", "C", "D"])
OPERATIONS = st.lists(st.tuples(st.sampled_from(["save", "retry", "duplicate", "stale"]), st.integers(1, 3), ANSWERS),
                      min_size=1, max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_replay_equals_the_last_acknowledged_answers(db, make_sitting, booked_candidate, operations):
    sitting = make_sitting()
    candidate = booked_candidate(sitting)
    now = T0 + dt.timedelta(minutes=1)
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=now)
    seen = 0
    acknowledged: dict[int, str] = {}
    sent: list[tuple[int, dict, str, int]] = []  # written saves: (slot, payload, client id, seen)
    last: tuple[int, dict, str, int] | None = None  # the last save delivered, written or not
    for index, (kind, slot, answer) in enumerate(operations):
        if (kind == "retry" and last) or (kind == "duplicate" and sent):
            slot, payload, client, was_seen = last if kind == "retry" else sent[index % len(sent)]
            ack = services.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=slot,
                                         payload=payload, seen_seq=was_seen, client_step_id=client, device_id="d",
                                         now=now)
            assert not ack.written  # a repeated delivery never writes twice
            continue
        payload, client = {"answer": answer}, f"{attempt.id}-{index}"
        try:
            ack = services.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=slot, payload=payload,
                                         seen_seq=seen - 1 if kind == "stale" and seen else seen,
                                         client_step_id=client, device_id="d", now=now)
        except services.StaleSequence as error:
            seen = error.view.last_seq  # the page reloads the current state
            continue
        last = (slot, payload, client, seen)
        if ack.written:
            sent.append(last)
        acknowledged[slot] = answer
        seen = ack.seq
    db.expire_all()
    view = services.view_of(db, attempt, now)
    assert {s: v.answer for s, v in view.slots.items() if v.answer is not None} == acknowledged
