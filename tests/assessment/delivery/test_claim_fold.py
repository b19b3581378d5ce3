"""A claim answers with the state after it, folded from the read it made before writing its event
(issue 13: the player opens with a claim, and a second read cost every candidate of a start storm a
round trip). Whatever the attempt's state, that answer must be what a fresh read says."""
from __future__ import annotations

import datetime as dt

import pytest

from core.roles import Role
from assessment.delivery import services
from tests.assessment.delivery.player_data import make_exam


def _save(db, candidate, attempt, slot, answer, seen, step, now, device="tab"):
    return services.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=slot,
                                  payload={"answer": answer}, seen_seq=seen, client_step_id=step,
                                  device_id=device, now=now)


@pytest.mark.parametrize("story", ["open", "same_device", "paused", "extended", "submitted", "timed_out"])
def test_the_state_a_claim_answers_is_what_a_read_after_it_says(db, framework, clock, login_as, make_user, story):
    candidate = login_as(Role.CANDIDATE)
    invigilator = make_user(Role.INVIGILATOR)
    start = clock.now()
    sitting, _ = make_exam(db, candidate=candidate, now=start)
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab", now=start)
    _save(db, candidate, attempt, 1, "B", 0, "s1", start + dt.timedelta(minutes=1))
    _save(db, candidate, attempt, 1, "C", 1, "s2", start + dt.timedelta(minutes=2))
    now = start + dt.timedelta(minutes=5)
    if story == "paused":
        services.pause(db, actor=invigilator.actor, attempt_id=attempt.id, reason="Fire alarm",
                       now=start + dt.timedelta(minutes=3))
    elif story == "extended":
        services.extend_time(db, actor=invigilator.actor, attempt_id=attempt.id, seconds=600, reason="Power cut",
                             now=start + dt.timedelta(minutes=3))
    elif story == "submitted":
        services.submit_attempt(db, actor=candidate.actor, attempt_id=attempt.id, now=start + dt.timedelta(minutes=4))
    elif story == "timed_out":
        now = start + dt.timedelta(hours=2)
    device = "tab" if story == "same_device" else "laptop"

    claimed = services.claim_device(db, actor=candidate.actor, attempt_id=attempt.id, device_id=device, now=now)
    view, saved_at = services.view_and_saved_times(db, attempt, now)
    assert claimed.after == view
    assert claimed.saved_at == saved_at
    assert claimed.before.state == view.state
    assert saved_at[1] == start + dt.timedelta(minutes=2) and saved_at[2] is None
    assert view.slots[1].answer == "C" and view.last_seq == 2
    open_ = story in ("open", "same_device", "paused", "extended")
    assert view.state.is_open is open_
    # The claim moves an open attempt to the new window, and changes nothing about an ended one.
    assert view.active_device == (device if open_ else "tab")
    assert (claimed.before.active_device == claimed.after.active_device) is (story == "same_device" or not open_)
