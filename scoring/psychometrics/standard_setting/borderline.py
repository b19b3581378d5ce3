"""Examinee-centred methods: borderline regression, borderline group and contrasting groups
(Cizek & Bunch 2007, ch. 8 and 9; Kramer et al. 2003 and Pell et al. 2010 for borderline regression
in OSCEs).

Orientation: one total score and one global judgement per candidate (the rows of a candidates ×
items matrix).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import vector

__all__ = [
    "BorderlineRegressionResult", "borderline_regression",
    "BorderlineGroupResult", "borderline_group",
    "ContrastingGroupsResult", "contrasting_groups",
]


@dataclass(frozen=True)
class BorderlineRegressionResult:
    cut_score: float
    intercept: float
    slope: float
    r_squared: float
    n: int


def borderline_regression(scores, grades, *, borderline_grade: float = 2.0) -> BorderlineRegressionResult:
    """Least-squares line of score on global grade; the cut is its value at the borderline grade."""
    s = vector(scores, name="scores")
    g = vector(grades, name="grades", length=s.size)
    if s.size < 3:
        raise ValueError("borderline regression needs at least 3 candidates")
    gc = g - g.mean()
    sgg = gc @ gc
    if sgg == 0:
        raise ValueError("every candidate has the same global grade: no regression line")
    slope = float(gc @ (s - s.mean()) / sgg)
    intercept = float(s.mean() - slope * g.mean())
    resid = s - intercept - slope * g
    sst = float(((s - s.mean()) ** 2).sum())
    r2 = float(1.0 - (resid @ resid) / sst) if sst > 0 else np.nan
    return BorderlineRegressionResult(intercept + slope * borderline_grade, intercept, slope, r2, int(s.size))


@dataclass(frozen=True)
class BorderlineGroupResult:
    cut_score: float
    n_borderline: int
    mean: float
    median: float
    statistic: str


def borderline_group(scores, grades, *, borderline_grade=2, statistic: str = "median") -> BorderlineGroupResult:
    """Cut = the median (or mean) score of candidates judged borderline."""
    s = vector(scores, name="scores")
    g = np.asarray(grades)
    if g.shape != s.shape:
        raise ValueError("give one grade per score")
    if statistic not in ("median", "mean"):
        raise ValueError("statistic must be 'median' or 'mean'")
    b = s[g == borderline_grade]
    if b.size == 0:
        raise ValueError(f"no candidate was judged borderline (grade {borderline_grade!r})")
    mean, median = float(b.mean()), float(np.median(b))
    return BorderlineGroupResult(median if statistic == "median" else mean, int(b.size), mean, median, statistic)


@dataclass(frozen=True)
class ContrastingGroupsResult:
    """``cut_score`` minimises false passes + false fails (ties go to the higher cut, which passes
    fewer of those judged not competent); ``midpoint`` is halfway between the groups' means."""

    cut_score: float
    false_passes: int
    false_fails: int
    midpoint: float


def contrasting_groups(scores, competent) -> ContrastingGroupsResult:
    """Contrasting groups: ``competent`` says, per candidate, whether judges found them competent."""
    s = vector(scores, name="scores")
    c = np.asarray(competent, dtype=bool)
    if c.shape != s.shape:
        raise ValueError("give one judgement per score")
    if c.all() or not c.any():
        raise ValueError("contrasting groups needs candidates judged competent and not competent")
    cands = np.unique(np.concatenate((s, [s.max() + 1.0])))
    fp = np.array([int(((s >= t) & ~c).sum()) for t in cands])
    ff = np.array([int(((s < t) & c).sum()) for t in cands])
    err = fp + ff
    best = np.flatnonzero(err == err.min())[-1]
    return ContrastingGroupsResult(float(cands[best]), int(fp[best]), int(ff[best]), float((s[c].mean() + s[~c].mean()) / 2))
