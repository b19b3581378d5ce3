"""The pure rules of a standard-setting exercise: its methods, the rounds as a fold over its events,
reading a judge's rating as typed, and the spread of a round's ratings (no Flask, no SQLAlchemy)."""
from __future__ import annotations

import enum
import re
import statistics
from dataclasses import dataclass


class Method(enum.StrEnum):
    ANGOFF = "angoff"
    EBEL = "ebel"
    HOFSTEE = "hofstee"
    BEUK = "beuk"
    BORDERLINE_REGRESSION = "borderline_regression"
    BORDERLINE_GROUP = "borderline_group"

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]


METHOD_LABELS = {
    Method.ANGOFF: "Modified Angoff",
    Method.EBEL: "Ebel",
    Method.HOFSTEE: "Hofstee",
    Method.BEUK: "Beuk",
    Method.BORDERLINE_REGRESSION: "Borderline regression",
    Method.BORDERLINE_GROUP: "Borderline group",
}
JUDGED = (Method.ANGOFF, Method.EBEL, Method.HOFSTEE, Method.BEUK)  # rated by judges, round by round
NEEDS_SCORES = (Method.HOFSTEE, Method.BEUK, Method.BORDERLINE_REGRESSION, Method.BORDERLINE_GROUP)


class RatingKind(enum.StrEnum):
    ANGOFF = "angoff"  # target: item label; value: fraction 0–1
    EBEL_ITEM = "ebel_item"  # target: item label; payload: relevance, difficulty
    EBEL_CELL = "ebel_cell"  # target: "relevance/difficulty"; value: fraction 0–1
    HOFSTEE = "hofstee"  # payload: min_cut, max_cut (fractions of the maximum), min_fail, max_fail
    BEUK = "beuk"  # payload: cut (fraction of the maximum), pass_rate


class EventKind(enum.StrEnum):
    ROUND_CLOSED = "round_closed"  # payload: what judges see between rounds, the round's cuts
    PERFORMANCE_RELEASED = "performance_released"  # payload: facility per item, pass rate at the cut
    ROUND_OPENED = "round_opened"


class Grade(enum.StrEnum):
    FAIL = "fail"
    BORDERLINE = "borderline"
    PASS = "pass"


GRADE_VALUES = {Grade.FAIL: 1.0, Grade.BORDERLINE: 2.0, Grade.PASS: 3.0}  # borderline is 2 on the scale
RELEVANCE = ("essential", "important", "acceptable", "questionable")
DIFFICULTY = ("easy", "medium", "hard")
MAX_ROUNDS = 3


@dataclass(frozen=True)
class RoundState:
    """Where an exercise stands: the round judges rate in (or last rated), whether it is open, and
    which closed rounds had performance data released."""

    round: int
    is_open: bool
    is_finished: bool
    closed: tuple[int, ...]
    released: tuple[int, ...]

    @property
    def between_rounds(self) -> bool:
        return not self.is_open and not self.is_finished


def round_state(events, n_rounds: int) -> RoundState:
    """Fold the exercise's events, (kind, round) in order. Round 1 opens when the exercise is set up."""
    current, is_open, closed, released = 1, True, [], []
    for kind, rnd in events:
        kind = EventKind(kind)
        if kind is EventKind.ROUND_CLOSED:
            is_open = False
            closed.append(rnd)
        elif kind is EventKind.ROUND_OPENED:
            current, is_open = rnd, True
        else:
            released.append(rnd)
    finished = not is_open and current >= n_rounds
    return RoundState(current, is_open, finished, tuple(closed), tuple(released))


_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$")


def parse_rating(text: str, max_mark: float) -> float:
    """A judge's Angoff rating as typed, as a fraction 0–1 of the item's marks.

    One-mark items: a probability (0.65) or a percentage (65 or 65%). Items worth more: the expected
    mark (2.5 of 4) or a percentage with its % sign. Raises ValueError with the words for the page."""
    match = _NUMBER.match(text or "")
    if not match:
        if max_mark > 1:
            raise ValueError(f"Enter the expected mark, from 0 to {max_mark:g}, or a percentage such as 60%")
        raise ValueError("Enter a probability from 0 to 1, or a percentage from 0 to 100")
    value, percent = float(match.group(1)), match.group(2) == "%"
    if percent:
        if value > 100:
            raise ValueError("A percentage cannot be more than 100%")
        return value / 100
    if max_mark > 1:
        if value > max_mark:
            raise ValueError(f"The expected mark cannot be more than the item's {max_mark:g} marks")
        return value / max_mark
    if value <= 1:
        return value
    if value <= 100:
        return value / 100
    raise ValueError("Enter a probability from 0 to 1, or a percentage from 0 to 100")


def parse_percentage(text: str, *, name: str) -> float:
    """A percentage 0–100 (with or without %) as a fraction."""
    match = _NUMBER.match(text or "")
    if not match:
        raise ValueError(f"Enter the {name} as a percentage from 0 to 100")
    value = float(match.group(1))
    if value > 100:
        raise ValueError(f"The {name} cannot be more than 100%")
    return value / 100


@dataclass(frozen=True)
class Spread:
    n: int
    minimum: float
    median: float
    maximum: float


def spread(values) -> Spread | None:
    vals = sorted(float(v) for v in values)
    if not vals:
        return None
    return Spread(len(vals), vals[0], float(statistics.median(vals)), vals[-1])


def parse_grades(text: str, known: dict[str, int]) -> tuple[dict[int, Grade], list[str]]:
    """Global grades pasted or imported as CSV: one line per script, ``candidate number, grade`` with
    grade fail / borderline / pass. ``known`` maps a candidate number to its attempt. Returns the
    grades by attempt and the problems, one sentence per bad line (a header line is allowed)."""
    grades: dict[int, Grade] = {}
    problems: list[str] = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(",")]
        if n == 1 and cells and cells[0].lower() in ("candidate", "candidate number", "candidate_number"):
            continue
        if len(cells) != 2:
            problems.append(f"Line {n}: give a candidate number and a grade, separated by a comma")
            continue
        number, grade = cells
        if number not in known:
            problems.append(f"Line {n}: {number or 'an empty number'} is not a candidate of this sitting's run")
            continue
        try:
            grades[known[number]] = Grade(grade.lower())
        except ValueError:
            problems.append(f"Line {n}: the grade must be fail, borderline or pass, not {grade or 'empty'}")
    if not grades and not problems:
        problems.append("Enter at least one line: candidate number, grade")
    return grades, problems
