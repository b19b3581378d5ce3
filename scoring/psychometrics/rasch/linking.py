"""Equating through common items: mean/mean linking, and carrying a cut score from one paper to
another through the Rasch scale (true-score equating).

Difficulties are given as {item label: logit}. Anchored calibration (the other route) is
`rasch_cml(..., anchors=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .persons import expected_score, theta_for_score

__all__ = ["Link", "mean_mean_link", "CarriedCut", "carry_cut_score"]


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
