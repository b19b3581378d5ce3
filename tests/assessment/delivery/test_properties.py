"""Any interleaving of saves, retries and duplicate deliveries replays to the last acknowledged
answer for every slot.

A save acknowledged as "identical, nothing written" leaves no row, so only an immediate retry of it
can be recognised; a late re-delivery of it after a newer save is answered 409 (the page reloads the
state), never with a false "saved". Duplicates are therefore drawn from saves that were written.
"""
import datetime as dt
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.delivery import replay, services
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
    # The fast fold's SQL selection is the pure one's, and folds to the full evidence's view.
    all_steps, _ = services.evidence(db, attempt.id)
    assert sorted(services.latest_steps(db, attempt.id), key=lambda s: s.seq) == replay.latest_per_slot(all_steps)
    assert view == services.view_at(db, attempt, now)


# --- the save path's fast fold equals the full fold --------------------------------------------------

EVENT_KINDS = ["paused", "resumed", "break_started", "break_ended", "time_extended", "device_claimed",
               "submitted", "voided", "late_response_rejected", "stale_save_rejected"]
HISTORY = st.lists(st.tuples(st.integers(0, 400),  # seconds since the previous operation
                             st.sampled_from(["save"] * 4 + EVENT_KINDS),
                             st.integers(1, 3),  # slot
                             st.sampled_from(["A", "B", "C", None]),
                             st.integers(1, 600)),  # seconds added by a time extension
                   max_size=40)


def _full_and_fast(steps, events, now, allowed_s=900):
    fold = dict(started_at=T0, allowed_s=allowed_s, slot_numbers=[1, 2, 3], events=events, now=now)
    return replay.attempt_view(steps=steps, **fold), replay.attempt_view(steps=replay.latest_per_slot(steps), **fold)


@settings(max_examples=400, deadline=None)
@given(history=HISTORY, later=st.integers(0, 4000))
def test_the_fast_fold_equals_the_full_fold_for_any_history(history, later):
    """Events of any kind in any order at any time (the services guard them, but the fold must not
    depend on it); steps written only when the full fold says the attempt is in progress, which is
    what the save path guarantees. At every moment the latest step per slot folds to the same view
    as every step, and a save's acknowledged view (the old view with one slot replaced) equals the
    fold after it."""
    now = T0
    steps: list[replay.Step] = []
    events: list[replay.Event] = []
    for index, (wait, kind, slot, answer, seconds) in enumerate(history):
        now += dt.timedelta(seconds=wait)
        full, fast = _full_and_fast(steps, events, now)
        assert fast == full
        if kind != "save":
            payload = {"seconds": seconds} if kind == "time_extended" else {"device_id": f"d{slot}"}
            events.append(replay.Event(kind, now, payload))
            continue
        if full.state != replay.AttemptState.IN_PROGRESS:
            continue  # refused by the save path: nothing written
        payload = {"answer": answer, "flagged": bool(index % 2), "struck": []}
        step = replay.Step(full.last_seq + 1, slot, payload, f"c{index}", now)
        steps.append(step)
        assert replay.with_step(fast, step) == _full_and_fast(steps, events, now)[0]
    full, fast = _full_and_fast(steps, events, now + dt.timedelta(seconds=later))
    assert fast == full


def _for_save(steps, events, now, slot, allowed_s=900):
    return replay.view_for_save(started_at=T0, allowed_s=allowed_s, slot=slot,
                                steps=replay.latest_for_save(slot, steps), events=events, now=now)


def _restricted(view, slot):
    return replace(view, slots={slot: view.slots[slot]})


@settings(max_examples=400, deadline=None)
@given(history=HISTORY, later=st.integers(0, 4000))
def test_a_saves_two_steps_fold_to_the_full_folds_state_for_any_history(history, later):
    """The autosave reads only the saved slot's last step and the attempt's last step
    (``replay.latest_for_save``). At every moment and for every slot, folding those two gives the
    full fold's state, deadline, time left, device and last sequence and the slot's own state; and
    after a save, that view with the step applied equals the fold after it."""
    now = T0
    steps: list[replay.Step] = []
    events: list[replay.Event] = []
    for index, (wait, kind, slot, answer, seconds) in enumerate(history):
        now += dt.timedelta(seconds=wait)
        full = _full_and_fast(steps, events, now)[0]
        for each in (1, 2, 3):
            assert _for_save(steps, events, now, each) == _restricted(full, each)
        if kind != "save":
            payload = {"seconds": seconds} if kind == "time_extended" else {"device_id": f"d{slot}"}
            events.append(replay.Event(kind, now, payload))
            continue
        if full.state != replay.AttemptState.IN_PROGRESS:
            continue
        before = _for_save(steps, events, now, slot)
        step = replay.Step(full.last_seq + 1, slot, {"answer": answer, "flagged": bool(index % 2)}, f"c{index}", now)
        steps.append(step)
        assert replay.with_step(before, step) == _restricted(_full_and_fast(steps, events, now)[0], slot)
    for each in (1, 2, 3):
        assert _for_save(steps, events, now + dt.timedelta(seconds=later), each) == \
            _restricted(_full_and_fast(steps, events, now + dt.timedelta(seconds=later))[0], each)


def test_a_save_reads_the_slots_last_step_and_the_attempts_one_row_when_they_are_the_same():
    at = T0
    steps = [replay.Step(1, 1, {}, "a", at), replay.Step(2, 2, {}, "b", at), replay.Step(3, 1, {}, "c", at)]
    assert [s.seq for s in replay.latest_for_save(1, steps)] == [3]
    assert [s.seq for s in replay.latest_for_save(2, steps)] == [2, 3]
    assert [s.seq for s in replay.latest_for_save(3, steps)] == [3]
    assert replay.latest_for_save(1, []) == []
