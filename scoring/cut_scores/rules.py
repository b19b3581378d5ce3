"""Pure rules of cut-score decisions: the methods a decision may rest on, the pass-mark policy (the
engine's ``pass_mark``: cut + k × SEM, rounded to a whole mark), the impact of a pass mark on a run's
totals, and each decision's status. No Flask, no SQLAlchemy."""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from scoring.psychometrics.standard_setting.policy import PassMark, Rounding, pass_mark


class Method(StrEnum):
    ANGOFF = "angoff"
    EBEL = "ebel"
    HOFSTEE = "hofstee"
    BEUK = "beuk"
    BORDERLINE_REGRESSION = "borderline_regression"
    BORDERLINE_GROUP = "borderline_group"
    EQUATED = "equated"
    OTHER = "other"


METHOD_NAMES = {
    Method.ANGOFF: "Modified Angoff",
    Method.EBEL: "Ebel",
    Method.HOFSTEE: "Hofstee",
    Method.BEUK: "Beuk",
    Method.BORDERLINE_REGRESSION: "Borderline regression",
    Method.BORDERLINE_GROUP: "Borderline group",
    Method.EQUATED: "Equated from an earlier paper",
    Method.OTHER: "Other (say which in the reasons)",
}

# Whole-mark rounding only: a pass mark is a mark a candidate can reach.
ROUNDINGS = (Rounding.UP, Rounding.NEAREST, Rounding.DOWN)
ROUNDING_NAMES = {Rounding.UP: "Up to the next whole mark", Rounding.NEAREST: "To the nearest whole mark",
                  Rounding.DOWN: "Down to the whole mark below"}
MAX_K = 3.0  # more than 3 SEM above the cut is not a policy anyone means
REASONS_MAX = 4000
COMMENT_MAX = 2000


class Status(StrEnum):
    AWAITING = "awaiting approval"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


def policy_of(k: float, rounding: str) -> dict:
    """The policy as stored with the decision."""
    return {"sem_multiplier": float(k), "rounding": Rounding(rounding).value}


def apply_policy(raw_cut: float, *, sem: float | None, k: float, rounding: str, max_score: float) -> PassMark:
    """The pass mark: the engine's ``pass_mark`` on the run's SEM (0 when the run has none and k is 0).
    ValueError with a sentence a person can act on."""
    if not math.isfinite(raw_cut) or not 0 < raw_cut <= max_score:
        raise ValueError(f"the cut must be more than 0 and at most the run's maximum score, {max_score:g}")
    if not math.isfinite(k) or not 0 <= k <= MAX_K:
        raise ValueError(f"k must be between 0 and {MAX_K:g}")
    if Rounding(rounding) not in ROUNDINGS:
        raise ValueError("round up, to the nearest or down to a whole mark")
    if sem is None and k:
        raise ValueError("this run has no SEM (its reliability could not be estimated), so k must be 0")
    return pass_mark(raw_cut, sem=sem or 0.0, k=k, rounding=rounding, step=1.0, max_score=max_score)


@dataclass(frozen=True)
class Impact:
    """What a pass mark does on one run: how many pass, and how many are within ±1 SEM of it
    (whose pass or fail the measurement error could have decided)."""

    pass_mark: float
    n_candidates: int
    n_pass: int
    sem: float | None
    n_within_sem: int | None
    lowest_within: float | None
    highest_within: float | None

    @property
    def pass_rate(self) -> float:
        return self.n_pass / self.n_candidates if self.n_candidates else float("nan")


def impact(totals, pass_mark_value: float, sem: float | None) -> Impact:
    """Pass: total ≥ pass mark (to 1e-9, as ``scoring.runs.rules.outcome``). Within ±1 SEM:
    pass mark − SEM ≤ total ≤ pass mark + SEM."""
    values = [float(t) for t in totals]
    n_pass = sum(1 for t in values if t >= pass_mark_value - 1e-9)
    if sem is None:
        return Impact(pass_mark_value, len(values), n_pass, None, None, None, None)
    lo, hi = pass_mark_value - sem, pass_mark_value + sem
    return Impact(pass_mark_value, len(values), n_pass, float(sem),
                  sum(1 for t in values if lo - 1e-9 <= t <= hi + 1e-9), lo, hi)


@dataclass(frozen=True)
class DecisionFacts:
    id: int
    scoring_run_id: int
    is_approved: bool


def statuses(decisions: list[DecisionFacts]) -> dict[int, Status]:
    """Each decision's status among the decisions of a sitting (ids increase with time).

    Per run: the latest approved decision stands (approved); an earlier approved one is superseded.
    An unapproved decision is awaiting approval unless a later decision on the same run exists (a
    changed mind is a new decision), when it is superseded and can no longer be approved."""
    out: dict[int, Status] = {}
    by_run: dict[int, list[DecisionFacts]] = {}
    for d in sorted(decisions, key=lambda d: d.id):
        by_run.setdefault(d.scoring_run_id, []).append(d)
    for rows in by_run.values():
        approved = [d.id for d in rows if d.is_approved]
        standing = approved[-1] if approved else None
        latest = rows[-1].id
        for d in rows:
            if d.is_approved:
                out[d.id] = Status.APPROVED if d.id == standing else Status.SUPERSEDED
            else:
                out[d.id] = Status.AWAITING if d.id == latest else Status.SUPERSEDED
    return out
