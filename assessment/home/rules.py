"""What a candidate should do next, from the facts of their bookings, attempts and adjustment
requests (pure). The dashboard shows these steps, most urgent first; the words live in the template."""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class StepKind(enum.StrEnum):
    CONTINUE_EXAM = "continue_exam"  # an attempt in progress: go back to it
    START_EXAM = "start_exam"  # a booked sitting is open now and not started
    AWAIT_ADJUSTMENTS = "await_adjustments"  # a request for adjustments waits for a decision
    AWAIT_SITTING = "await_sitting"  # a booked sitting opens later
    BOOK = "book"  # sittings are open for booking and none is booked ahead
    NOTHING_TO_BOOK = "nothing_to_book"  # no booking ahead and none open for booking
    TRY_PRACTICE = "try_practice"  # the practice exam is open and never tried


@dataclass(frozen=True)
class Sitting:
    id: int
    title: str
    opens_at: dt.datetime
    closes_at: dt.datetime


@dataclass(frozen=True)
class CandidateFacts:
    in_progress: list[Sitting] = field(default_factory=list)  # sittings with an open attempt
    open_to_start: list[Sitting] = field(default_factory=list)  # booked, window open, not started
    booked_later: list[Sitting] = field(default_factory=list)  # booked, window not yet open
    open_for_booking: int = 0  # sittings the candidate could book now
    practice: Sitting | None = None  # the practice exam, when open
    practice_tries: int = 0
    adjustments_pending: bool = False


@dataclass(frozen=True)
class Step:
    kind: StepKind
    sitting: Sitting | None = None


def next_steps(facts: CandidateFacts) -> list[Step]:
    """Every step that applies, most urgent first: an exam under way, then one that can start, then
    decisions awaited, then booking, then practice."""
    steps = [Step(StepKind.CONTINUE_EXAM, s) for s in facts.in_progress]
    steps += [Step(StepKind.START_EXAM, s) for s in sorted(facts.open_to_start, key=lambda s: s.closes_at)]
    if facts.adjustments_pending:
        steps.append(Step(StepKind.AWAIT_ADJUSTMENTS))
    steps += [Step(StepKind.AWAIT_SITTING, s) for s in sorted(facts.booked_later, key=lambda s: s.opens_at)]
    if not facts.booked_later and not facts.open_to_start and not facts.in_progress:
        steps.append(Step(StepKind.BOOK) if facts.open_for_booking else Step(StepKind.NOTHING_TO_BOOK))
    if facts.practice is not None and not facts.practice_tries \
            and all(s.id != facts.practice.id for s in facts.in_progress):
        steps.append(Step(StepKind.TRY_PRACTICE, facts.practice))
    return steps
