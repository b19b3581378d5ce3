"""Many attempts folded at once, for the invigilators' live list and ``close-overdue``: a fixed
number of grouped queries whatever the number of attempts, instead of every step of every attempt.

Each slot's latest step up to ``now`` folds to what all the steps fold to (``replay.latest_per_slot``,
proven by a property test), and only the events that move the clock or end the attempt decide its
state and deadline; the last save and the last contact are grouped maxima."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from assessment.delivery import replay
from assessment.delivery.models import Attempt, AttemptEvent, AttemptSlot, ResponseStep
from assessment.delivery.rules import EventKind, allowed_duration_s

# What decides an attempt's state and deadline (replay.attempt_view); device claims and refused
# saves do not, and they are the events that pile up.
CLOCK_AND_END = (EventKind.TIME_EXTENDED, EventKind.PAUSED, EventKind.RESUMED, EventKind.BREAK_STARTED,
                 EventKind.BREAK_ENDED, EventKind.SUBMITTED, EventKind.VOIDED)


@dataclass(frozen=True)
class Folded:
    view: replay.AttemptView  # without the active device, which these folds do not need
    last_save_at: dt.datetime | None
    last_event_at: dt.datetime | None


def fold_attempts(session: Session, attempts: list[Attempt], attempt_ids: Select, now: dt.datetime
                  ) -> dict[int, Folded]:
    """``attempts`` and the query of their ids (a subquery, so no list of ids is sent), folded at ``now``."""
    if not attempts:
        return {}
    slots: dict[int, list[int]] = defaultdict(list)
    for attempt_id, slot in session.execute(select(AttemptSlot.attempt_id, AttemptSlot.slot)
                                            .where(AttemptSlot.attempt_id.in_(attempt_ids))
                                            .order_by(AttemptSlot.attempt_id, AttemptSlot.slot)):
        slots[attempt_id].append(slot)

    latest = (select(ResponseStep.attempt_id, func.max(ResponseStep.seq).label("seq"))
              .where(ResponseStep.attempt_id.in_(attempt_ids), ResponseStep.created_at <= now)
              .group_by(ResponseStep.attempt_id, ResponseStep.slot).subquery())
    steps: dict[int, list[replay.Step]] = defaultdict(list)
    for row in session.execute(
            select(ResponseStep.attempt_id, ResponseStep.seq, ResponseStep.slot, ResponseStep.payload,
                   ResponseStep.client_step_id, ResponseStep.created_at, ResponseStep.device_id)
            .join(latest, and_(ResponseStep.attempt_id == latest.c.attempt_id, ResponseStep.seq == latest.c.seq))):
        steps[row.attempt_id].append(replay.Step(row.seq, row.slot, row.payload, row.client_step_id, row.created_at,
                                                 row.device_id))
    last_save = dict(session.execute(
        select(ResponseStep.attempt_id, func.max(ResponseStep.created_at))
        .where(ResponseStep.attempt_id.in_(attempt_ids), ResponseStep.created_at <= now)
        .group_by(ResponseStep.attempt_id)).all())

    events: dict[int, list[replay.Event]] = defaultdict(list)
    for attempt_id, kind, at, payload in session.execute(
            select(AttemptEvent.attempt_id, AttemptEvent.kind, AttemptEvent.occurred_at, AttemptEvent.payload)
            .where(AttemptEvent.attempt_id.in_(attempt_ids), AttemptEvent.kind.in_(CLOCK_AND_END))
            .order_by(AttemptEvent.id)):
        events[attempt_id].append(replay.Event(kind, at, payload or {}))
    last_event = dict(session.execute(
        select(AttemptEvent.attempt_id, func.max(AttemptEvent.occurred_at))
        .where(AttemptEvent.attempt_id.in_(attempt_ids), AttemptEvent.occurred_at <= now)
        .group_by(AttemptEvent.attempt_id)).all())

    return {attempt.id: Folded(
        replay.attempt_view(started_at=attempt.started_at,
                            allowed_s=allowed_duration_s(attempt.duration_s, attempt.extra_time_pct),
                            slot_numbers=slots[attempt.id], steps=steps[attempt.id], events=events[attempt.id],
                            now=now),
        last_save.get(attempt.id), last_event.get(attempt.id)) for attempt in attempts}
