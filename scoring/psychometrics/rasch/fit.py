"""Rasch item fit: infit and outfit mean squares (Wright & Masters 1982; Linacre's conventions).

Orientation: ``responses`` candidates × items (0/1, NaN = not presented). Candidates with zero or
full scores have no finite ML ability and are left out, as eRm's ``itemfit`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from .._checks import score_matrix, vector
from .persons import person_abilities

__all__ = ["ItemFit", "item_fit"]


@dataclass(frozen=True)
class ItemFit:
    """Per item: outfit = mean of squared standardised residuals; infit = Σ(x − P)² / Σ P(1 − P)
    (information-weighted). Both have expectation 1; above ~1.3 suggests noise, below ~0.7 redundancy."""

    outfit: np.ndarray
    infit: np.ndarray
    n: np.ndarray


def item_fit(responses, difficulties, abilities=None) -> ItemFit:
    """Infit and outfit mean squares of each item of a candidates × items 0/1 matrix.

    ``abilities`` (one per candidate) default to the ML estimates for the given difficulties;
    candidates without a finite ability are excluded.
    """
    x = score_matrix(responses)
    delta = vector(difficulties, name="difficulties", length=x.shape[1])
    theta = person_abilities(x, delta).theta_ml if abilities is None else vector(abilities, name="abilities", length=x.shape[0], allow_nan=True)
    keep = np.isfinite(theta)
    x, theta = x[keep], theta[keep]
    p = expit(theta[:, None] - delta[None, :])
    var = p * (1.0 - p)
    present = ~np.isnan(x)
    resid2 = np.where(present, (np.nan_to_num(x) - p) ** 2, 0.0)
    var = np.where(present, var, 0.0)
    n = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        # An item nobody (kept) saw has no fit: NaN by design.
        outfit = np.where(present, resid2 / np.where(present, var, 1.0), 0.0).sum(axis=0) / n
        infit = resid2.sum(axis=0) / var.sum(axis=0)
    return ItemFit(outfit, infit, n)
