"""Standard errors of the compromise cuts by bootstrap (Efron & Tibshirani 1993, ch. 6): resample
the candidates' scores and the judges' judgements with replacement, each together, recompute the
cut, and take the standard deviation of the recomputed cuts.

Both sources of error matter for Hofstee and Beuk: a different panel would have given other
judgements, and a different cohort another score distribution. A seeded generator makes the figure
reproducible: the same inputs and seed give the same standard error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import vector
from .compromise import beuk, hofstee

__all__ = ["BootstrapResult", "hofstee_bootstrap", "beuk_bootstrap"]

DEFAULT_REPLICATES = 1000
DEFAULT_SEED = 20261206


@dataclass(frozen=True)
class BootstrapResult:
    """``se``: SD (ddof=1) of the replicate cuts; ``used``: replicates where the method gave a cut
    (a resample in which, e.g., every Beuk judge gave the same cut and pass rate still counts; one
    where the judges' mean rectangle collapses is skipped)."""

    cut_score: float
    se: float
    replicates: int
    used: int
    seed: int


def _resampled(n_boot: int, seed: int, n_scores: int, n_judges: int):
    rng = np.random.default_rng(seed)
    for _ in range(n_boot):
        yield rng.integers(0, n_scores, n_scores), rng.integers(0, n_judges, n_judges)


def _summary(cut: float, cuts: list[float], n_boot: int, seed: int) -> BootstrapResult:
    se = float(np.std(cuts, ddof=1)) if len(cuts) > 1 else float("nan")
    return BootstrapResult(float(cut), se, int(n_boot), len(cuts), int(seed))


def hofstee_bootstrap(scores, judgements, *, n_boot: int = DEFAULT_REPLICATES,
                      seed: int = DEFAULT_SEED) -> BootstrapResult:
    """``judgements``: one row per judge of (min cut, max cut, min fail rate, max fail rate), cuts in
    marks and rates as fractions. The cut is Hofstee's on the judges' means."""
    s = vector(scores, name="scores")
    j = np.asarray(judgements, dtype=np.float64)
    if j.ndim != 2 or j.shape[1] != 4 or j.shape[0] == 0:
        raise ValueError("judgements must be one row of (min cut, max cut, min fail, max fail) per judge")
    if n_boot < 2:
        raise ValueError("n_boot must be at least 2")

    def cut_of(sc, rows):
        m = rows.mean(axis=0)
        return hofstee(sc, min_cut=m[0], max_cut=m[1], min_fail=m[2], max_fail=m[3]).cut_score

    cut = cut_of(s, j)
    cuts = []
    for si, ji in _resampled(n_boot, seed, s.size, j.shape[0]):
        try:
            cuts.append(cut_of(s[si], j[ji]))
        except ValueError:
            continue
    return _summary(cut, cuts, n_boot, seed)


def beuk_bootstrap(scores, judge_cuts, judge_pass_rates, *, n_boot: int = DEFAULT_REPLICATES,
                   seed: int = DEFAULT_SEED) -> BootstrapResult:
    """Beuk's cut with a bootstrap SE over candidates and judges (each judge's cut and pass rate
    travel together)."""
    s = vector(scores, name="scores")
    c = vector(judge_cuts, name="judge_cuts")
    r = vector(judge_pass_rates, name="judge_pass_rates", length=c.size)
    if n_boot < 2:
        raise ValueError("n_boot must be at least 2")
    cut = beuk(s, c, r).cut_score
    cuts = []
    for si, ji in _resampled(n_boot, seed, s.size, c.size):
        if np.unique(c[ji]).size == 1:
            # Every resampled judge gave the same cut: Beuk's line is vertical and the cut is theirs.
            # (Asked directly, ``beuk`` can divide by an exact zero here when its float SD is not 0.)
            cuts.append(float(c[ji][0]))
            continue
        try:
            cuts.append(beuk(s[si], c[ji], r[ji]).cut_score)
        except ValueError:
            continue
    return _summary(cut, cuts, n_boot, seed)
