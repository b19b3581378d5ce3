"""Compromise methods that weigh judges' views against the observed score distribution:
Hofstee (1983) and Beuk (1984); see also Cizek & Bunch 2007, ch. 11, and De Gruijter (1985).

Orientation: ``scores`` holds one total score per candidate (the row sums of a candidates × items
matrix). A cut c is a pass mark: a score ≥ c passes, so the fail rate at c is the share of scores
below c — a step function of c that jumps at each observed score.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .._checks import fraction, vector

__all__ = ["HofsteeResult", "hofstee", "BeukResult", "beuk", "fail_rate"]


def fail_rate(scores, cut: float) -> float:
    """Share of candidates scoring below ``cut`` (one score per candidate)."""
    s = vector(scores, name="scores")
    return float(np.mean(s < cut))


def _exact(x: float) -> Fraction:
    """A number as the person typed it: 0.35 is 7/20, not the binary float nearest to it.

    Scores, cuts and fail rates come from spreadsheets and the command line as decimals; reading
    them back through their shortest round-trip repr recovers those decimals exactly, so a line that
    passes through a corner of the staircase (a judge's 0.35 against 7 of 20 candidates) is
    recognised as doing so instead of missing it by 5e-17 on one side or the other.
    """
    return Fraction(repr(float(x)))


def _cmp_sqrt(v: Fraction, d: Fraction, r: Fraction) -> int:
    """Sign of √v·d − r, exactly (v ≥ 0). Beuk's slope is a ratio of SDs, a square root of a
    rational; comparing squares keeps every decision exact."""
    left = 0 if v == 0 or d == 0 else (1 if d > 0 else -1)
    right = 0 if r == 0 else (1 if r > 0 else -1)
    if left != right:
        return 1 if left > right else -1
    if left == 0:
        return 0
    a, b = v * d * d, r * r  # both sides have the same sign: compare magnitudes
    mag = (a > b) - (a < b)
    return mag if left > 0 else -mag


def _crossing(scores: np.ndarray, level: Fraction, slope_sq: Fraction, at: Fraction) -> float:
    """Where the fail-rate staircase F(c) = P(score < c) meets the line f(c) = level − √slope_sq·(c − at).

    F(c+) − f(c) increases in c, so the crossing is c* = inf{c : F(c+) ≥ f(c)}: either a jump of F
    (c* = a score u with F(u) ≤ f(u) ≤ F(u+), the line crossing the riser) or a flat piece (c* where
    f(c*) equals the flat value). Every decision is an exact comparison of fractions, so a line that
    passes exactly through a corner of the staircase lands on that corner.
    """
    values, counts = np.unique(scores, return_counts=True)
    n = int(scores.size)
    cum = np.concatenate(([0], np.cumsum(counts)))  # candidates scoring below values[j]: cum[j]

    def line_above(u: Fraction, fail: Fraction) -> bool:
        # f(u) > fail  ⟺  level − fail > √slope_sq·(u − at)
        return _cmp_sqrt(slope_sq, u - at, level - fail) < 0

    for j, value in enumerate(values):
        u = _exact(value)
        hi = Fraction(int(cum[j + 1]), n)  # F(u+)
        if line_above(u, hi):
            continue  # F(u+) < f(u): the crossing is further right
        lo = Fraction(int(cum[j]), n)  # F(u), the flat value on (values[j-1], u]
        if line_above(u, lo) or slope_sq == 0:
            return float(u)  # F(u) ≤ f(u) ≤ F(u+): the line crosses the riser at u
        return _flat_crossing(level, slope_sq, at, lo, u)  # f falls to F(u) before u
    if slope_sq == 0:
        return float(values[-1])
    return _flat_crossing(level, slope_sq, at, Fraction(1), None)  # beyond the top score, F = 1


def _flat_crossing(level: Fraction, slope_sq: Fraction, at: Fraction, flat: Fraction, right) -> float:
    """The c with f(c) = flat: at + (level − flat)/slope, exact when the slope is rational."""
    num, den = slope_sq.numerator, slope_sq.denominator
    rn, rd = math.isqrt(num), math.isqrt(den)
    if rn * rn == num and rd * rd == den:
        c = float(at + (level - flat) / Fraction(rn, rd))
    else:  # irrational slope: c is irrational too, so it cannot be a corner; a float is as good
        c = float(at) + float(level - flat) / math.sqrt(float(slope_sq))
    return min(c, float(right)) if right is not None else c


def _interpolated_crossing(scores: np.ndarray, level: Fraction, slope: Fraction, at: Fraction,
                           lo_mark: int, hi_mark: int) -> Fraction:
    """Crossing of the line with the fail-rate curve drawn as straight segments between whole marks
    (points (m, P(score < m)), Cizek & Bunch 2007, ch. 11), exactly. h(m) = F(m) − f(m) increases;
    it is negative at ``lo_mark`` and positive at ``hi_mark`` by construction."""
    exact = sorted(_exact(v) for v in scores)
    n = len(exact)

    def h(m: int) -> Fraction:
        return Fraction(bisect_left(exact, m), n) - (level - slope * (m - at))

    prev = h(lo_mark)
    for m in range(lo_mark + 1, hi_mark + 1):
        cur = h(m)
        if cur >= 0:
            return Fraction(m - 1) + (-prev) / (cur - prev)
        prev = cur
    raise AssertionError("the interpolated curve must cross the line")  # pragma: no cover


@dataclass(frozen=True)
class HofsteeResult:
    """Hofstee's cut, read two ways, and the pass mark.

    - ``cut_score``: where the judges' line meets the observed fail-rate staircase (a score ≥ c
      passes; on a riser the cut is that whole mark, on a flat step it may fall between marks);
    - ``interpolated_cut``: where the line meets the fail-rate curve drawn as straight segments
      between whole marks (Cizek & Bunch 2007, ch. 11, read from the graph the same way);
    - ``pass_mark``: the operational pass mark, the smallest whole mark at or above
      ``interpolated_cut``, and ``pass_mark_fail_rate`` the share it fails.

    ``intersects`` is False when the line misses the curve inside the judges' rectangle; the cuts
    then sit at the end of the line nearer the curve and ``note`` says so in words.
    """

    cut_score: float
    fail_rate: float
    intersects: bool
    min_cut: float
    max_cut: float
    min_fail: float
    max_fail: float
    note: str
    interpolated_cut: float = math.nan
    pass_mark: float = math.nan
    pass_mark_fail_rate: float = math.nan


_ABOVE = ("the judges' line misses the fail-rate curve inside their rectangle: the curve lies above the line "
          "(even the lowest acceptable cut fails more than the highest acceptable rate), so the cut is the "
          "lowest acceptable cut")
_BELOW = ("the judges' line misses the fail-rate curve inside their rectangle: the curve lies below the line "
          "(even the highest acceptable cut fails fewer than the lowest acceptable rate), so the cut is the "
          "highest acceptable cut")


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
    a, b, p, q = _exact(min_cut), _exact(max_cut), _exact(lo_f), _exact(hi_f)
    slope = (q - p) / (b - a)
    c = _crossing(s, q, slope * slope, a)
    note = ""
    intersects = float(a) <= c <= float(b)
    if c < float(a):
        c, note = float(min_cut), _ABOVE
    elif c > float(b):
        c, note = float(max_cut), _BELOW
    lo_mark = math.floor(min(a, _exact(s.min()))) - 1
    hi_mark = math.ceil(max(b, _exact(s.max()))) + 1
    t = _interpolated_crossing(s, q, slope, a, lo_mark, hi_mark)
    t = min(max(t, a), b)  # outside the rectangle: the same end of the line as the staircase cut
    mark = math.ceil(t)
    return HofsteeResult(c, fail_rate(s, c), bool(intersects), float(min_cut), float(max_cut), lo_f, hi_f, note,
                         interpolated_cut=float(t), pass_mark=float(mark), pass_mark_fail_rate=fail_rate(s, mark))


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
    # In fail-rate terms the line is 1 − my − (sy/sx)(c − mx): the same shape Hofstee uses. The
    # means and the variance ratio are exact fractions of the judges' figures, so the crossing
    # decisions are exact (the slope itself is a square root, compared by squaring).
    ec = [_exact(v) for v in cuts]
    er = [_exact(v) for v in rates]
    emx, emy = sum(ec) / len(ec), sum(er) / len(er)
    spread_of_cuts = sum((v - emx) ** 2 for v in ec)
    if spread_of_cuts == 0:
        # Judges agree exactly on the cut: the line is vertical. Decided on the exact figures, since
        # a float SD of equal cuts can come out a hair above 0 (three cuts of 31.1: 4e-15).
        c, sx = mx, 0.0
    else:
        var_ratio = sum((v - emy) ** 2 for v in er) / spread_of_cuts
        c = _crossing(s, 1 - emy, var_ratio, emx)
    return BeukResult(c, 1.0 - fail_rate(s, c), mx, my, sx, sy)
