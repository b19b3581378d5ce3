"""Person abilities for given Rasch item difficulties: maximum likelihood (ML) and Warm's weighted
likelihood (WLE), for every raw score, with standard errors; and per-candidate abilities.

Orientation: ``responses`` is candidates × items (0/1, NaN = not presented); ``difficulties`` has
one value per item (logits). Because the raw score is sufficient for ability in the Rasch model,
everyone with the same raw score on the same items gets the same estimate, so we solve once per
raw score and look candidates up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from .._checks import score_matrix, vector

__all__ = ["AbilityTable", "ability_table", "PersonAbilities", "person_abilities", "expected_score", "theta_for_score"]


@dataclass(frozen=True)
class AbilityTable:
    """Raw score ↔ ability for one set of items. Row r is raw score r (0..k).

    ML is infinite for 0 and k, reported as NaN; WLE is finite for every score. Standard errors are
    1/√I(θ̂), I the test information at the estimate.
    """

    raw_score: np.ndarray
    theta_ml: np.ndarray
    se_ml: np.ndarray
    theta_wle: np.ndarray
    se_wle: np.ndarray


def _info_terms(theta: np.ndarray, delta: np.ndarray):
    p = expit(theta[:, None] - delta[None, :])
    q = 1.0 - p
    pq = p * q
    return p.sum(axis=1), pq.sum(axis=1), (pq * (q - p)).sum(axis=1), (pq * (1.0 - 6.0 * pq)).sum(axis=1)


def _solve(raw: np.ndarray, delta: np.ndarray, weighted: bool) -> np.ndarray:
    """Root of r − Σ P_i(θ) [+ J/(2I) for WLE] — decreasing in θ — by Newton with a bisection
    safeguard, vectorised over raw scores."""
    k = delta.size
    # The estimating function is positive far left and negative far right for every score the
    # estimator allows; ±(spread + 40) logits brackets any root a double can represent.
    lo = np.full(raw.size, delta.min() - 40.0)
    hi = np.full(raw.size, delta.max() + 40.0)
    r = raw.astype(np.float64)
    theta = np.log((r + 0.5) / (k - r + 0.5)) + delta.mean()
    for _ in range(200):
        s, info, j, dj = _info_terms(theta, delta)
        f = r - s
        df = -info
        if weighted:
            f = f + j / (2.0 * info)
            df = df + (dj * info - j * j) / (2.0 * info * info)
        lo = np.where(f > 0, theta, lo)
        hi = np.where(f <= 0, theta, hi)
        step = -f / df
        new = theta + step
        outside = ~((new > lo) & (new < hi))
        new = np.where(outside, 0.5 * (lo + hi), new)
        done = np.abs(new - theta) < 1e-13 * np.maximum(1.0, np.abs(theta))
        theta = new
        if done.all():
            break
    return theta


def ability_table(difficulties) -> AbilityTable:
    """ML and WLE abilities with standard errors for every raw score 0..k on items with the given
    difficulties (one per item)."""
    delta = vector(difficulties, name="difficulties")
    if delta.size < 1:
        raise ValueError("need at least one item difficulty")
    k = delta.size
    raw = np.arange(k + 1)
    ml = np.full(k + 1, np.nan)
    if k >= 2:
        ml[1:k] = _solve(raw[1:k], delta, weighted=False)
    wle = _solve(raw, delta, weighted=True)
    se_ml = np.full(k + 1, np.nan)
    if k >= 2:
        se_ml[1:k] = 1.0 / np.sqrt(_info_terms(ml[1:k], delta)[1])
    se_wle = 1.0 / np.sqrt(_info_terms(wle, delta)[1])
    return AbilityTable(raw, ml, se_ml, wle, se_wle)


@dataclass(frozen=True)
class PersonAbilities:
    """One estimate per candidate (rows of the candidates × items matrix)."""

    raw_score: np.ndarray
    n_presented: np.ndarray
    theta_ml: np.ndarray
    se_ml: np.ndarray
    theta_wle: np.ndarray
    se_wle: np.ndarray


def person_abilities(responses, difficulties) -> PersonAbilities:
    """ML and WLE ability of each candidate in a candidates × items 0/1 matrix (NaN = not presented),
    given one difficulty per item. ML is NaN for zero and full scores."""
    x = score_matrix(responses)
    delta = vector(difficulties, name="difficulties", length=x.shape[1])
    present = ~np.isnan(x)
    raw = np.where(present, x, 0.0).sum(axis=1)
    n_items = present.sum(axis=1)
    out = {name: np.full(x.shape[0], np.nan) for name in ("ml", "se_ml", "wle", "se_wle")}
    patterns, inverse = np.unique(np.packbits(present, axis=1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    for g in range(patterns.shape[0]):
        rows = np.flatnonzero(inverse == g)
        cols = present[rows[0]]
        if not cols.any():
            continue
        table = ability_table(delta[cols])
        r = raw[rows].astype(np.int64)
        out["ml"][rows] = table.theta_ml[r]
        out["se_ml"][rows] = table.se_ml[r]
        out["wle"][rows] = table.theta_wle[r]
        out["se_wle"][rows] = table.se_wle[r]
    return PersonAbilities(raw, n_items, out["ml"], out["se_ml"], out["wle"], out["se_wle"])


def expected_score(theta, difficulties) -> np.ndarray:
    """Expected raw score Σ_i P_i(θ) (the test characteristic curve) at each θ."""
    t = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    delta = vector(difficulties, name="difficulties")
    return expit(t[:, None] - delta[None, :]).sum(axis=1)


def theta_for_score(score, difficulties) -> np.ndarray:
    """Ability whose expected raw score equals ``score`` (any real value strictly between 0 and k):
    the inverse of the test characteristic curve, used to carry a cut score between papers."""
    delta = vector(difficulties, name="difficulties")
    s = np.atleast_1d(np.asarray(score, dtype=np.float64))
    if np.any(s <= 0) or np.any(s >= delta.size):
        raise ValueError(f"a score must lie strictly between 0 and {delta.size} to have a finite ability")
    # Same root-finder as ML: r − Σ P(θ) with a real-valued r.
    return _solve(s, delta, weighted=False)
