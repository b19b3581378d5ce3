"""The fold from evidence to state, pure."""
import datetime as dt

from assessment.delivery.replay import AttemptState, Event, Step, attempt_view
from assessment.delivery.rules import allowed_duration_s, receipt_code

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def view(now, steps=(), events=(), allowed_s=3600):
    return attempt_view(started_at=T0, allowed_s=allowed_s, slot_numbers=[1, 2, 3], steps=list(steps),
                        events=[Event("started", T0), *events], now=now)


def test_a_fresh_attempt_has_all_its_time_and_nothing_answered():
    v = view(at(0))
    assert v.state == AttemptState.IN_PROGRESS and v.time_left_s == 3600 and v.answered == 0 and v.last_seq == 0


def test_the_last_step_of_each_slot_wins():
    steps = [Step(1, 1, {"answer": "A"}, "c1", at(1)), Step(2, 2, {"answer": ["B", "C"], "flagged": True}, "c2", at(2)),
             Step(3, 1, {"answer": "D", "struck": ["A"]}, "c3", at(3))]
    v = view(at(4), steps)
    assert v.slots[1].answer == "D" and v.slots[1].struck == ("A",)
    assert v.slots[2].flagged and v.answered == 2 and v.flagged == 1 and v.last_seq == 3


def test_the_deadline_passes_by_itself_and_later_steps_do_not_count():
    steps = [Step(1, 1, {"answer": "A"}, "c1", at(59)), Step(2, 1, {"answer": "B"}, "c2", at(61))]
    v = view(at(70), steps)
    assert v.state == AttemptState.TIMED_OUT and v.time_left_s == 0
    assert v.ended_at == at(60) and v.slots[1].answer == "A"


def test_extra_time_extensions_and_pauses_move_the_deadline():
    assert allowed_duration_s(3600, 25) == 4500
    assert allowed_duration_s(3601, 25) == 4502  # rounded up, never shorter
    events = [Event("time_extended", at(10), {"seconds": 300}), Event("paused", at(20), {"reason": "fire alarm"}),
              Event("resumed", at(30))]
    v = view(at(40), events=events, allowed_s=4500)
    assert v.deadline == at(75 + 5 + 10)
    assert v.state == AttemptState.IN_PROGRESS


def test_while_paused_the_clock_stops():
    events = [Event("paused", at(50), {"reason": "connection"})]
    v = view(at(90), events=events)
    assert v.state == AttemptState.PAUSED and v.time_left_s == 600 and v.paused_reason == "connection"


def test_events_after_the_deadline_change_nothing():
    v = view(at(70), events=[Event("time_extended", at(65), {"seconds": 600})])
    assert v.state == AttemptState.TIMED_OUT and v.deadline == at(60)


def test_submission_closes_and_replay_to_an_earlier_moment_shows_it_open():
    steps = [Step(1, 1, {"answer": "A"}, "c1", at(5))]
    events = [Event("submitted", at(10))]
    assert view(at(20), steps, events).state == AttemptState.SUBMITTED
    earlier = view(at(7), steps, events)
    assert earlier.state == AttemptState.IN_PROGRESS and earlier.slots[1].answer == "A"
    assert view(at(3), steps, events).slots[1].answer is None


def test_the_latest_device_claim_is_the_active_one():
    events = [Event("device_claimed", at(0), {"device_id": "tab-1"}), Event("device_claimed", at(5), {"device_id": "tab-2"})]
    assert view(at(6), events=events).active_device == "tab-2"


def test_receipt_codes_depend_on_the_answers_only():
    first = receipt_code(7, {1: "A", 2: ["B", "C"]})
    assert first == receipt_code(7, {2: ["B", "C"], 1: "A"})
    assert first != receipt_code(7, {1: "B", 2: ["B", "C"]})
    assert len(first) == 14 and first.count("-") == 2
