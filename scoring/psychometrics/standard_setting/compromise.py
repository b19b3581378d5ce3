"""Compromise methods that weigh judges' views against the observed score distribution:
Hofstee (1983) and Beuk (1984); see also Cizek & Bunch 2007, ch. 11, and De Gruijter (1985).

Orientation: ``scores`` holds one total score per candidate (the row sums of a candidates × items
matrix). A cut c is a pass mark: a score ≥ c passes, so the fail rate at c is the share of scores
below c — a step function of c that jumps at each observed score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import fraction, vector

__all__ = ["HofsteeResult", "hofstee", "BeukResult", "beuk", "fail_rate"]


def fail_rate(scores, cut: float) -> float:
    """Share of candidates scoring below ``cut`` (one score per candidate)."""
    s = vector(scores, name="scores")
    return float(np.mean(s < cut))


def _crossing(scores: np.ndarray, level: float, slope: float, at: float) -> float:
    """Where the fail-rate curve F(c) = P(score < c) meets the line f(c) = level − slope·(c − at),
    slope ≥ 0. F − f increases in c, so there is exactly one c* with F(c*) ≤ f(c*) ≤ F(c*+),
    counting a jump of F as a vertical piece of the curve (the line may cross it there)."""
    values, counts = np.unique(scores, return_counts=True)
    below = np.concatenate(([0.0], np.cumsum(counts) / scores.size))  # F just above values[j-1]
    line = lambda c: level - slope * (c - at)  # noqa: E731
    for j, u in enumerate(values):
        lo_f, hi_f = below[j], below[j + 1]  # F(u) and F(u+)
        # flat piece before u: F = lo_f on (values[j-1], u]
        if slope > 0:
            c = at + (level - lo_f) / slope
            left = values[j - 1] if j > 0 else -np.inf
            if left < c < u:
                return float(c)
        if lo_f <= line(u) <= hi_f:
            return float(u)
    if slope > 0:
        return float(at + (level - 1.0) / slope)  # beyond the top score F = 1
    return float(values[-1])


@dataclass(frozen=True)
class HofsteeResult:
    """``intersects`` is False when the judges' line misses the curve inside their rectangle; the
    cut then sits at the end of the line nearer the curve (``note`` says which)."""

    cut_score: float
    fail_rate: float
    intersects: bool
    min_cut: float
    max_cut: float
    min_fail: float
    max_fail: float
    note: str


def hofstee(scores, *, min_cut: float, max_cut: float, min_fail: float, max_fail: float) -> HofsteeResult:
    """Hofstee compromise. Judges' (mean) lowest and highest acceptable cut (marks) and lowest and
    highest acceptable fail rate (fractions) define the line from (min_cut, max_fail) to
    (max_cut, min_fail); the cut is where it meets the observed fail-rate curve."""
    s = vector(scores, name="scores")
    if s.size == 0:
        raise ValueError("no scores given")
    lo_f = fraction(min_fail, name="min_fail")
    hi_f = fraction(max_fail, name="max_fail")
    if not min_cut < max_cut:
        raise ValueError(f"min_cut ({min_cut}) must be below max_cut ({max_cut})")
    if not lo_f < hi_f:
        raise ValueError(f"min_fail ({min_fail}) must be below max_fail ({max_fail})")
    slope = (hi_f - lo_f) / (max_cut - min_cut)
    c = _crossing(s, hi_f, slope, float(min_cut))
    note = ""
    intersects = min_cut <= c <= max_cut
    if c < min_cut:
        c = float(min_cut)
        note = "the curve lies above the line: even the lowest acceptable cut fails more than the highest acceptable rate, so the cut is the lowest acceptable cut"
    elif c > max_cut:
        c = float(max_cut)
        note = "the curve lies below the line: even the highest acceptable cut fails fewer than the lowest acceptable rate, so the cut is the highest acceptable cut"
    return HofsteeResult(c, fail_rate(s, c), bool(intersects), float(min_cut), float(max_cut), lo_f, hi_f, note)


@dataclass(frozen=True)
class BeukResult:
    cut_score: float
    pass_rate: float
    mean_cut: float
    mean_pass_rate: float
    sd_cut: float
    sd_pass_rate: float


def beuk(scores, judge_cuts, judge_pass_rates) -> BeukResult:
    """Beuk compromise. Each judge gives a cut (marks) and the pass rate they expect; through the
    point (mean cut, mean pass rate) runs a line of slope SD(pass rates) / SD(cuts) (sample SDs),
    and the cut is where it meets the observed pass-rate curve P(score ≥ c). The more the judges
    agree on one of the two, the less that one moves."""
    s = vector(scores, name="scores")
    cuts = vector(judge_cuts, name="judge_cuts")
    rates = vector(judge_pass_rates, name="judge_pass_rates", length=cuts.size)
    if cuts.size < 2:
        raise ValueError("Beuk's method needs at least 2 judges (it uses the spread of their views)")
    if ((rates < 0) | (rates > 1)).any():
        raise ValueError("pass rates must be fractions between 0 and 1")
    mx, my = float(cuts.mean()), float(rates.mean())
    sx, sy = float(cuts.std(ddof=1)), float(rates.std(ddof=1))
    if sx == 0:
        c = mx  # judges agree exactly on the cut: the line is vertical
    else:
        # In fail-rate terms the line is 1 − my − (sy/sx)(c − mx): the same shape Hofstee uses.
        c = _crossing(s, 1.0 - my, sy / sx, mx)
    return BeukResult(c, 1.0 - fail_rate(s, c), mx, my, sx, sy)
