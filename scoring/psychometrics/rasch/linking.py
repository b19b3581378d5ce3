"""Equating through common items: mean/mean linking, and carrying a cut score from one paper to
another through the Rasch scale (true-score equating), for 0/1 items and for partial-credit items.

Difficulties are given as {item label: logit}; for partial-credit items mean/mean links the items'
**locations** (the mean of each item's thresholds, eRm's "Location"), which for a 0/1 item is its
difficulty. Anchored calibration (the other route) is `rasch_cml(..., anchors=...)` or
`pcm_cml(..., anchors=...)`.

With partial-credit items the cut is carried through the PCM test characteristic curve
E(θ) = Σ_i Σ_k v_ik P_ik(θ), where P_ik is Masters' (1982) category probability and v_ik the mark
category k is worth (normally k; see ``category_marks``): θ solves E_old(θ) = cut and the new cut
is E_new(θ) — IRT true-score equating (Kolen & Brennan 2014, ch. 6), with the Rasch unit slope.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import logsumexp

from .pcm import _threshold_table
from .persons import expected_score, theta_for_score

__all__ = ["Link", "mean_mean_link", "CarriedCut", "carry_cut_score", "pcm_locations", "pcm_tcc",
           "pcm_theta_for_score", "carry_cut_score_pcm"]


@dataclass(frozen=True)
class Link:
    """New-paper difficulties + ``shift`` are on the base scale. ``residuals`` are each common
    item's base − linked new difficulty (a large one marks an item that drifted)."""

    shift: float
    common_items: tuple[str, ...]
    residuals: tuple[float, ...]
    linked: dict


def mean_mean_link(base: dict, new: dict, common=None) -> Link:
    """Mean/mean linking: shift = mean(base δ of common items) − mean(new δ of the same items)
    (Rasch has a unit slope, so mean/mean and mean/sigma differ only in the slope we do not need)."""
    items = tuple(str(i) for i in (common if common is not None else [i for i in new if i in base]))
    if not items:
        raise ValueError("no common items between the two papers")
    missing = [i for i in items if i not in base or i not in new]
    if missing:
        raise ValueError(f"common items {missing} are missing from one of the papers")
    b = np.array([float(base[i]) for i in items])
    n = np.array([float(new[i]) for i in items])
    shift = float(b.mean() - n.mean())
    return Link(shift, items, tuple(float(v) for v in b - (n + shift)), {i: float(v) + shift for i, v in new.items()})


@dataclass(frozen=True)
class CarriedCut:
    """A cut score carried between papers through ability θ on the common scale."""

    theta: float
    from_score: float
    to_score: float


def carry_cut_score(cut: float, from_difficulties, to_difficulties) -> CarriedCut:
    """The raw score on the new paper that demands the same ability as ``cut`` on the old one.

    Both difficulty lists must be on one scale (anchored calibration or after `mean_mean_link`).
    θ solves E_old(θ) = cut; the new cut is E_new(θ) (expected raw score), which the pass-mark
    policy then rounds.
    """
    theta = float(theta_for_score(cut, from_difficulties)[0])
    return CarriedCut(theta, float(cut), float(expected_score(theta, to_difficulties)[0]))


# ------------------------------------------------------------------ partial credit

def pcm_locations(thresholds) -> np.ndarray:
    """Each item's location: the mean of its thresholds (the difficulty of a 0/1 item)."""
    return np.array([float(np.mean(np.atleast_1d(np.asarray(t, dtype=np.float64)))) for t in thresholds])


def _category_values(thresholds, category_marks):
    psi = _threshold_table(thresholds)
    values = np.zeros(psi.shape)
    for i in range(psi.shape[0]):
        m = int(np.isfinite(psi[i]).sum()) - 1
        v = (np.arange(m + 1, dtype=np.float64) if category_marks is None
             else np.asarray(category_marks[i], dtype=np.float64))
        if v.shape != (m + 1,) or not np.all(np.isfinite(v)):
            raise ValueError(f"item {i + 1}: category_marks must give one finite mark per category (0..{m})")
        if np.any(np.diff(v) < 0):
            raise ValueError(f"item {i + 1}: category_marks must not decrease from one category to the next")
        values[i, : m + 1] = v
    return psi, values


def pcm_tcc(theta, thresholds, category_marks=None) -> np.ndarray:
    """The test characteristic curve Σ_i Σ_k v_ik P_ik(θ) at each θ.

    ``thresholds``: one sequence per item (a 0/1 item has one). ``category_marks``: per item, the
    mark each model category is worth (default 0, 1, …, m_i, giving Σ_i Σ_k k·P_ik(θ)); used when
    empty categories were merged, so that the curve stays in the marks the candidates were given.
    """
    psi, values = _category_values(thresholds, category_marks)
    t = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    cats = np.arange(psi.shape[1])
    z = cats[None, None, :] * t[:, None, None] + psi[None, :, :]
    p = np.exp(z - logsumexp(z, axis=2, keepdims=True))
    return (p * values[None, :, :]).sum(axis=(1, 2))


def pcm_theta_for_score(score: float, thresholds, category_marks=None) -> float:
    """θ at which the test characteristic curve equals ``score`` (strictly between its limits)."""
    psi, values = _category_values(thresholds, category_marks)
    top_cat = np.isfinite(psi).sum(axis=1) - 1
    low = float(values[:, 0].sum())
    high = float(values[np.arange(psi.shape[0]), top_cat].sum())
    score = float(score)
    if not low < score < high:
        raise ValueError(f"a score of {score:g} lies outside ({low:g}, {high:g}), the range of expected "
                         "scores: no finite ability corresponds to it")

    def f(t):
        return float(pcm_tcc(t, thresholds, category_marks)[0]) - score

    finite = psi[np.isfinite(psi)]
    span = float(np.max(np.abs(finite))) + 5.0 if finite.size else 5.0
    lo, hi = -span, span
    while f(lo) > 0:
        lo *= 2.0
    while f(hi) < 0:
        hi *= 2.0
    return float(brentq(f, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500))


def carry_cut_score_pcm(cut: float, from_thresholds, to_thresholds, from_marks=None, to_marks=None) -> CarriedCut:
    """``carry_cut_score`` for partial-credit items: θ solves E_old(θ) = cut on the old paper's
    PCM test characteristic curve; the new cut is E_new(θ). Both sets of thresholds must be on one
    scale (anchored calibration, or the new ones shifted by a mean/mean link)."""
    theta = pcm_theta_for_score(cut, from_thresholds, from_marks)
    return CarriedCut(theta, float(cut), float(pcm_tcc(theta, to_thresholds, to_marks)[0]))
