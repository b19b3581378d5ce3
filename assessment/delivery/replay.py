"""The state of an attempt, derived by folding its response steps and events (pure).

Nothing about an attempt's state is stored: not its answers, not whether it has ended, not its
deadline. Every question is answered by replaying the append-only rows, so an attempt ends at its
deadline even if no background job ran, and any past moment can be reconstructed (``at=``).

Time: deadline = start + allowed duration (with extra time) + time extensions + time spent paused
or on rest breaks (the clock stops then).
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field, replace
from collections.abc import Iterable, Sequence


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"  # by an invigilator, or a rest break: the clock is stopped
    SUBMITTED = "submitted"
    TIMED_OUT = "timed_out"  # the deadline passed; final answers are those saved before it
    VOIDED = "voided"

    @property
    def is_open(self) -> bool:
        return self in (AttemptState.IN_PROGRESS, AttemptState.PAUSED)


@dataclass(frozen=True)
class Step:
    seq: int
    slot: int
    payload: dict
    client_step_id: str
    at: dt.datetime
    device_id: str = ""


@dataclass(frozen=True)
class Event:
    kind: str
    at: dt.datetime
    payload: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SlotState:
    answer: object = None
    flagged: bool = False
    struck: tuple[str, ...] = ()
    seq: int = 0  # the step that set this state (0: never saved)

    @property
    def is_answered(self) -> bool:
        return self.answer not in (None, "", [], {})


@dataclass(frozen=True)
class AttemptView:
    state: AttemptState
    deadline: dt.datetime
    time_left_s: int
    last_seq: int
    slots: dict[int, SlotState]
    active_device: str
    paused_reason: str = ""
    ended_at: dt.datetime | None = None
    stopped_by: str = ""  # what stopped the clock while paused: "paused" (staff) or "break_started"

    @property
    def on_break(self) -> bool:
        """Paused by the candidate's own rest break (not by an invigilator)."""
        return self.state == AttemptState.PAUSED and self.stopped_by == "break_started"

    @property
    def answered(self) -> int:
        return sum(1 for s in self.slots.values() if s.is_answered)

    @property
    def flagged(self) -> int:
        return sum(1 for s in self.slots.values() if s.flagged)

    def final_answers(self) -> dict[int, object]:
        return {slot: state.answer for slot, state in sorted(self.slots.items())}


_CLOCK_STOPS = {"paused": "resumed", "break_started": "break_ended"}


def slot_state(payload: dict, seq: int) -> SlotState:
    return SlotState(answer=payload.get("answer"), flagged=bool(payload.get("flagged", False)),
                     struck=tuple(payload.get("struck") or ()), seq=seq)


def with_step(view: AttemptView, step: Step) -> AttemptView:
    """The view just after the save path wrote ``step`` to an attempt in progress: ``view`` with that
    slot replaced (no second fold on the hot path; proven equal to folding again)."""
    return replace(view, last_seq=step.seq, slots={**view.slots, step.slot: slot_state(step.payload, step.seq)})


def latest_per_slot(steps: Iterable[Step]) -> list[Step]:
    """Each slot's last step (highest ``seq``): the save path's fast fold reads only these
    (``services.latest_steps`` is the same selection in SQL). Folded *now*, they give exactly what
    all the steps give, because the server writes no step while the attempt is paused or after it
    has ended; ``tests/assessment/delivery/test_properties.py`` proves it for any history."""
    latest: dict[int, Step] = {}
    for step in steps:
        if step.slot not in latest or step.seq > latest[step.slot].seq:
            latest[step.slot] = step
    return sorted(latest.values(), key=lambda s: s.seq)


def latest_for_save(slot: int, steps: Iterable[Step]) -> list[Step]:
    """What an autosave folds of the steps: the saved slot's last step and the attempt's last step
    (one step when they are the same), in ``seq`` order; ``services`` reads the same two rows in SQL.
    :func:`view_for_save` folds them."""
    steps = list(steps)
    chosen = {}
    for candidates in ([s for s in steps if s.slot == slot], steps):
        if candidates:
            last = max(candidates, key=lambda s: s.seq)
            chosen[last.seq] = last
    return [chosen[seq] for seq in sorted(chosen)]


def view_for_save(*, started_at: dt.datetime, allowed_s: int, slot: int, steps: Sequence[Step],
                  events: Sequence[Event], now: dt.datetime) -> AttemptView:
    """The view an autosave needs, folded from :func:`latest_for_save`'s steps: its state, deadline,
    time left, device and ``last_seq`` are the full fold's, and its ``slots`` hold the saved slot only
    (the other slots were not read). A save touches one slot and answers with the attempt's state,
    so reading every slot's answer on every save was work for nothing, growing with the paper."""
    view = attempt_view(started_at=started_at, allowed_s=allowed_s, slot_numbers=[slot, *(s.slot for s in steps)],
                        steps=steps, events=events, now=now)
    return replace(view, slots={slot: view.slots[slot]})


def attempt_view(*, started_at: dt.datetime, allowed_s: int, slot_numbers: Iterable[int], steps: Sequence[Step],
                 events: Sequence[Event], now: dt.datetime) -> AttemptView:
    """Fold the evidence up to ``now``. ``allowed_s`` is the duration with extra time."""
    steps = sorted((s for s in steps if s.at <= now), key=lambda s: s.seq)
    events = sorted((e for e in events if e.at <= now), key=lambda e: e.at)
    extended_s = 0
    stopped_s = 0.0
    stopped_since: dt.datetime | None = None
    stop_kind = ""
    paused_reason = ""
    active_device = ""
    closing: tuple[AttemptState, dt.datetime] | None = None

    def deadline_so_far() -> dt.datetime:
        return started_at + dt.timedelta(seconds=allowed_s + extended_s + stopped_s)

    for event in events:
        if closing is not None:
            break
        # An event after the deadline cannot change the outcome: the attempt had already ended.
        if stopped_since is None and event.at >= deadline_so_far() and event.kind not in ("voided",):
            break
        if event.kind == "time_extended":
            extended_s += int(event.payload.get("seconds", 0))
        elif event.kind in _CLOCK_STOPS and stopped_since is None:
            stopped_since, stop_kind = event.at, event.kind
            paused_reason = event.payload.get("reason", "") or ("Rest break" if event.kind == "break_started" else "")
        elif stopped_since is not None and event.kind == _CLOCK_STOPS.get(stop_kind):
            stopped_s += (event.at - stopped_since).total_seconds()
            stopped_since, stop_kind, paused_reason = None, "", ""
        elif event.kind == "device_claimed":
            active_device = event.payload.get("device_id", "")
        elif event.kind == "submitted":
            closing = (AttemptState.SUBMITTED, event.at)
        elif event.kind == "voided":
            closing = (AttemptState.VOIDED, event.at)

    stopped_by = ""
    if stopped_since is not None and closing is None:
        stopped_now = stopped_s + (now - stopped_since).total_seconds()
        deadline = started_at + dt.timedelta(seconds=allowed_s + extended_s + stopped_now)
        state = AttemptState.PAUSED
        stopped_by = stop_kind
    else:
        deadline = deadline_so_far()
        state = AttemptState.IN_PROGRESS
    if closing is not None:
        state, ended_at = closing
    elif now >= deadline:
        state, ended_at = AttemptState.TIMED_OUT, deadline
    else:
        ended_at = None

    # Answers count only if saved before the attempt ended (the server refuses later ones anyway).
    slots = {number: SlotState() for number in slot_numbers}
    last_seq = 0
    for step in steps:
        if ended_at is not None and step.at > ended_at:
            break
        slots[step.slot] = slot_state(step.payload, step.seq)
        last_seq = step.seq
    time_left = 0 if ended_at is not None else max(0, int((deadline - now).total_seconds()))
    return AttemptView(state=state, deadline=deadline, time_left_s=time_left, last_seq=last_seq, slots=slots,
                       active_device=active_device, paused_reason=paused_reason, ended_at=ended_at,
                       stopped_by=stopped_by)
