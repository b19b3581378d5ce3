"""Local dependence between items: Yen's Q3 on Rasch (or partial-credit) residuals.

Orientation: ``responses`` is candidates × items (marks 0..m_i; NaN = not presented).

Q3 (Yen 1984) is the correlation, over candidates, of two items' raw residuals x_ni − E(X_i | θ_n).
Under local independence it sits slightly below 0 (about −1/(k − 1)), so Christensen, Makransky &
Horton (2017) judge it relative to the average: a pair is flagged when its Q3 exceeds the mean Q3
of all item pairs by more than 0.2 — the rule used here (``threshold`` changes the 0.2). Applied
to the items of one case study (a testlet), a flagged pair means one item tends to give the other
away.

Abilities default to each candidate's ML estimate, so candidates with a zero or full score (no
finite estimate, and degenerate residuals) are left out, as in eRm's residuals; each pair uses
the candidates who saw both items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import labels, score_matrix, vector
from .rasch.pcm import _threshold_table, expected_and_variance, pcm_person_abilities

__all__ = ["Q3Matrix", "q3_matrix", "CaseStudyPair", "case_study_dependence", "Q3_THRESHOLD"]

Q3_THRESHOLD = 0.2  # above the mean Q3 (Christensen, Makransky & Horton 2017)


@dataclass(frozen=True)
class Q3Matrix:
    """Yen's Q3 for every pair of items (symmetric, 1 on the diagonal; NaN where fewer than 3
    candidates saw both items or a residual does not vary). ``mean_q3`` averages the off-diagonal
    pairs; ``n`` counts the candidates behind each pair."""

    items: tuple[str, ...]
    q3: np.ndarray
    n: np.ndarray
    mean_q3: float
    n_candidates_used: int


def q3_matrix(responses, thresholds, *, items=None, abilities=None) -> Q3Matrix:
    """Q3 matrix of a candidates × items matrix given the items' thresholds — a
    :class:`~scoring.psychometrics.rasch.PCMCalibration`, one threshold sequence per item, or (for
    0/1 items) a 1-D array of difficulties such as ``rasch_cml(...).difficulty``.

    ``abilities`` (one per candidate; NaN leaves a candidate out) default to ML estimates.
    """
    x = score_matrix(responses)
    n_items = x.shape[1]
    names = labels(items, n_items, prefix="item", name="items")
    if n_items < 2:
        raise ValueError("Q3 needs at least 2 items")
    psi = _threshold_table(thresholds)
    if psi.shape[0] != n_items:
        raise ValueError(f"thresholds are given for {psi.shape[0]} items; the matrix has {n_items}")
    if abilities is None:
        theta = pcm_person_abilities(x, thresholds).theta_ml
    else:
        theta = vector(abilities, name="abilities", length=x.shape[0], allow_nan=True)
    keep = np.isfinite(theta)
    x, theta = x[keep], theta[keep]
    expected, _ = expected_and_variance(theta, thresholds)
    present = ~np.isnan(x)
    resid = np.where(present, np.nan_to_num(x) - expected, 0.0)
    p = present.astype(np.float64)
    # Pairwise-complete correlations, all pairs at once: sums over the candidates who saw both.
    n = p.T @ p
    s1 = resid.T @ p  # s1[i, j] = Σ over both-present of resid_i
    s11 = (resid ** 2).T @ p
    s12 = resid.T @ resid
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = s12 - s1 * s1.T / n
        var_i = s11 - s1 ** 2 / n
        q = cov / np.sqrt(var_i * var_i.T)
    q[(n < 3) | ~np.isfinite(q)] = np.nan
    np.fill_diagonal(q, 1.0)
    off = q[~np.eye(n_items, dtype=bool)]
    mean = float(np.nanmean(off)) if np.isfinite(off).any() else float("nan")
    return Q3Matrix(names, q, n.astype(np.int64), mean, int(keep.sum()))


@dataclass(frozen=True)
class CaseStudyPair:
    """One pair of items of the same case study, its Q3, Q3 minus the mean Q3, and the flag."""

    testlet: str
    item_a: str
    item_b: str
    q3: float
    q3_above_mean: float
    flagged: bool


def case_study_dependence(q3: Q3Matrix, testlets, *, threshold: float = Q3_THRESHOLD) -> tuple[CaseStudyPair, ...]:
    """Every pair of items within one case study (``testlets``: item label → case-study label;
    items not named, or mapped to None, stand alone), flagged when Q3 exceeds the mean Q3 of all
    pairs by more than ``threshold`` (default 0.2)."""
    if not np.isfinite(threshold):
        raise ValueError("threshold must be a finite number")
    index = {name: i for i, name in enumerate(q3.items)}
    unknown = [str(k) for k in testlets if str(k) not in index]
    if unknown:
        raise ValueError(f"testlet membership names items not in the matrix: {', '.join(unknown)}")
    groups: dict[str, list[int]] = {}
    for name, testlet in testlets.items():
        if testlet is None or str(testlet) == "":
            continue
        groups.setdefault(str(testlet), []).append(index[str(name)])
    out = []
    for testlet in sorted(groups):
        members = sorted(groups[testlet])
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1:]:
                value = float(q3.q3[a, b])
                above = value - q3.mean_q3
                out.append(CaseStudyPair(testlet, q3.items[a], q3.items[b], value, above,
                                       bool(np.isfinite(above) and above > threshold)))
    return tuple(out)
