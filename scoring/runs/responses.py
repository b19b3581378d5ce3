"""Every ended attempt's final answers for a whole sitting, read in a fixed number of statements.

``assessment.delivery.services.final_responses`` answers for one attempt at a time, which is right
for a page and far too slow for 5,000 candidates (several statements and a full fold per attempt).
This reads the same thing in bulk:

- each attempt's state comes from ``replay.attempt_view`` folded over its clock and end events
  only (``evidence.CLOCK_AND_END``: the events that decide state and deadline);
- each slot's answer is its latest step's ``answer``, extracted in SQL. The delivery server never
  writes a step while an attempt is paused or after it has ended (a late save is refused and
  recorded as an event), so for the state *now* the latest step is the final answer — the same
  argument ``replay.latest_per_slot`` rests on, proven there by a property test;
- answers are fetched as text and decoded only for item types whose answers are lists or maps, so
  a single-best-answer or written answer costs no JSON parsing.

``tests/scoring/runs/test_responses.py`` holds the result equal to ``final_responses`` attempt by
attempt, with submitted, timed-out and voided attempts and several saves per slot.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from assessment.delivery import replay
from assessment.delivery.evidence import CLOCK_AND_END
from assessment.delivery.models import Attempt, AttemptEvent, AttemptSlot, ResponseStep
from assessment.delivery.rules import allowed_duration_s
from item_bank.models import ItemVersion

# Item types whose answer is a plain string (an option id, or a written answer).
TEXT_ANSWERS = ("sba", "constructed_response")


@dataclass(frozen=True)
class AttemptRow:
    id: int
    candidate_id: int
    exam_paper_id: int
    state: replay.AttemptState


@dataclass(frozen=True)
class SittingAnswers:
    attempts: list[AttemptRow]  # every attempt of the sitting, by id
    layout: list[tuple[int, int]] | None  # (slot, item version id) shared by every attempt; None if they differ
    answers: dict[tuple[int, int], object]  # (attempt id, slot) → final answer (absent: never answered)


def sitting_answers(session: Session, sitting_id: int, now: dt.datetime,
                    exam_paper_id: int | None = None) -> SittingAnswers:
    """Every attempt of the sitting (of one paper, when ``exam_paper_id`` is given) with its state
    at ``now``, the slots they share, and each slot's final answer."""
    which = [Attempt.sitting_id == sitting_id]
    if exam_paper_id is not None:
        which.append(Attempt.exam_paper_id == exam_paper_id)
    ids = select(Attempt.id).where(*which)
    rows = session.execute(select(Attempt.id, Attempt.candidate_id, Attempt.exam_paper_id, Attempt.started_at,
                                  Attempt.duration_s, Attempt.extra_time_pct)
                           .where(*which).order_by(Attempt.id)).all()
    events: dict[int, list[replay.Event]] = defaultdict(list)
    for attempt_id, kind, at, payload in session.execute(
            select(AttemptEvent.attempt_id, AttemptEvent.kind, AttemptEvent.occurred_at, AttemptEvent.payload)
            .where(AttemptEvent.attempt_id.in_(ids), AttemptEvent.kind.in_(CLOCK_AND_END))
            .order_by(AttemptEvent.id)):
        events[attempt_id].append(replay.Event(kind, at, payload or {}))
    attempts = [AttemptRow(a.id, a.candidate_id, a.exam_paper_id,
                           replay.attempt_view(started_at=a.started_at,
                                               allowed_s=allowed_duration_s(a.duration_s, a.extra_time_pct),
                                               slot_numbers=(), steps=(), events=events[a.id], now=now).state)
                for a in rows]

    # Every attempt froze the same items in the same slots (one paper): each (slot, version) pair
    # then appears once per attempt. Checked with one grouped query instead of reading every slot.
    pairs = session.execute(select(AttemptSlot.slot, AttemptSlot.item_version_id, func.count())
                            .where(AttemptSlot.attempt_id.in_(ids))
                            .group_by(AttemptSlot.slot, AttemptSlot.item_version_id)
                            .order_by(AttemptSlot.slot)).all()
    slots = [slot for slot, _v, _n in pairs]
    shared = len(set(slots)) == len(slots) and all(n == len(rows) for _s, _v, n in pairs)
    layout = [(slot, version) for slot, version, _n in pairs] if shared else None
    if layout is None or not rows:
        return SittingAnswers(attempts, layout, {})

    kinds = dict(session.execute(select(ItemVersion.id, ItemVersion.item_type)
                                 .where(ItemVersion.id.in_([version for _slot, version in layout]))).all())
    decode = {slot for slot, version in layout if kinds.get(version) not in TEXT_ANSWERS}
    latest = (select(ResponseStep.attempt_id, func.max(ResponseStep.seq).label("seq"))
              .where(ResponseStep.attempt_id.in_(ids), ResponseStep.created_at <= now)
              .group_by(ResponseStep.attempt_id, ResponseStep.slot).subquery())
    answers: dict[tuple[int, int], object] = {}
    for attempt_id, slot, text in session.execute(
            select(ResponseStep.attempt_id, ResponseStep.slot, ResponseStep.payload["answer"].as_string())
            .join(latest, and_(ResponseStep.attempt_id == latest.c.attempt_id, ResponseStep.seq == latest.c.seq))):
        if text is None:
            continue
        answers[(attempt_id, slot)] = json.loads(text) if slot in decode else text
    return SittingAnswers(attempts, layout, answers)
