"""The rules of double marking, pure: which marks are allowed, when two marks agree, what stands.

A script is one candidate's answer to one written item. Two markers mark it independently
(rounds ``first`` and ``second``); a third marker settles it when the two differ by more than the
tolerance, or when they would put the candidate on either side of the pass mark. After an appeal
upheld for a re-mark, a fresh examiner marks it once more (round ``appeal``), and that mark stands.
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass


class Pool(enum.StrEnum):
    """What an allocation lets an examiner do in one sitting."""

    LEAD = "lead"  # allocates, chooses seeded scripts, reads moderation and progress
    FIRST = "first"
    SECOND = "second"
    THIRD = "third"

    @property
    def label(self) -> str:
        return {"lead": "Lead examiner", "first": "First marker", "second": "Second marker",
                "third": "Third marker"}[self.value]


class Round(enum.StrEnum):
    """Which mark of a script a mark is. ``seed`` marks are on seeded scripts and never count;
    an ``appeal`` mark is the re-mark after an appeal upheld for one, and outranks the others."""

    FIRST = "first"
    SECOND = "second"
    THIRD = "third"
    SEED = "seed"
    APPEAL = "appeal"


class Rounding(enum.StrEnum):
    WHOLE = "whole"
    HALF = "half"


class Status(enum.StrEnum):
    UNMARKED = "unmarked"
    MARKED_ONCE = "marked_once"
    AWAITING_THIRD = "awaiting_third"
    RESOLVED = "resolved"


DEFAULT_TOLERANCE = 1.0
DEFAULT_ROUNDING = Rounding.WHOLE
DEFAULT_STEP = 0.5  # markers may give half marks; the agreed mark is rounded as configured


def round_half_up(value: float, rounding: Rounding | str) -> float:
    """Half-up to whole or half marks (2.5 → 3, 2.25 → 2.5): never the banker's rounding of ``round``."""
    per = 2 if Rounding(rounding) is Rounding.HALF else 1
    # The small slack stops a float just below .5 (2.4999999) from rounding down.
    return math.floor(value * per + 0.5 + 1e-9) / per


def mark_problem(value: float, max_mark: float, step: float = DEFAULT_STEP) -> str | None:
    """Why a mark cannot be given, or None when it can."""
    if not math.isfinite(value):
        return "Enter the mark as a number"
    if value < 0 or value > max_mark:
        return f"The mark must be between 0 and {max_mark:g}"
    if abs(value / step - round(value / step)) > 1e-9:
        return "The mark must be a whole number" if step == 1 else f"The mark must be in steps of {step:g}"
    return None


@dataclass(frozen=True)
class Outcome:
    status: Status
    mark: float | None  # the mark that stands, once resolved
    reason: str  # why it stands, or why it waits, in words for the lead examiner


def straddles(a: float, b: float, *, cut: float | None, rest: float = 0.0) -> bool:
    """Whether the candidate's totals with mark ``a`` and with mark ``b`` fall on either side of the cut.
    ``rest`` is the candidate's total without this script. No cut yet: never."""
    if cut is None:
        return False
    return (rest + a >= cut) != (rest + b >= cut)


def outcome(first: float | None, second: float | None, third: float | None = None, *,
            tolerance: float = DEFAULT_TOLERANCE, rounding: Rounding | str = DEFAULT_ROUNDING,
            cut: float | None = None, rest: float = 0.0, appeal: float | None = None) -> Outcome:
    """What stands for a script given its latest first, second and third marks, and its latest
    mark after an appeal (``appeal``), which stands over everything before it."""
    if appeal is not None:
        before = outcome(first, second, third, tolerance=tolerance, rounding=rounding, cut=cut, rest=rest)
        was = f" in place of {before.mark:g}" if before.mark is not None else ""
        return Outcome(Status.RESOLVED, appeal,
                       f"Marked again after an appeal: the re-mark of {appeal:g} stands{was}")
    given = [m for m in (first, second) if m is not None]
    if len(given) < 2:
        return Outcome(Status.UNMARKED if not given else Status.MARKED_ONCE, None,
                       "Waiting for two independent marks")
    assert first is not None and second is not None
    apart = abs(first - second)
    if apart > tolerance + 1e-9:
        why = f"The two marks ({first:g} and {second:g}) differ by more than the tolerance of {tolerance:g}"
    elif straddles(first, second, cut=cut, rest=rest):
        why = f"The two marks ({first:g} and {second:g}) fall on either side of the pass mark"
    else:
        agreed = round_half_up((first + second) / 2, rounding)
        return Outcome(Status.RESOLVED, agreed,
                       f"Agreed: {first:g} and {second:g} are within the tolerance of {tolerance:g}")
    if third is None:
        return Outcome(Status.AWAITING_THIRD, None, why)
    return Outcome(Status.RESOLVED, third, f"{why}; the third marker's mark stands")
