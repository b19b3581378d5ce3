"""Rasch item calibration by conditional maximum likelihood (CML), free or anchored.

Orientation: ``responses`` is a candidates × items matrix of 0/1 scores; NaN means "not presented"
(candidates are grouped by which items they saw, as R's eRm does). Difficulties δ are on the logit
scale, higher = harder; eRm reports easiness β = −δ.

The conditional likelihood depends on the data only through each group's item totals and raw-score
counts, so after one pass over the matrix the work is O(items³) per Newton step whatever the number
of candidates. Newton–Raphson with the exact information matrix converges quadratically, so the
estimate is the exact maximum to ~1e-10 (eRm's ``nlm`` stops about 1e-4 short of it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import labels, score_matrix
from .esf import conditional_terms

__all__ = ["RaschCalibration", "rasch_cml", "sufficient_statistics", "ResponseGroup"]


@dataclass(frozen=True)
class ResponseGroup:
    """Persons who saw the same items: their item totals and raw-score counts (extremes kept)."""

    items: np.ndarray  # indices of the items presented
    item_totals: np.ndarray
    score_counts: np.ndarray  # length len(items) + 1


@dataclass(frozen=True)
class RaschCalibration:
    """Item difficulties (logits; centred to mean 0 unless anchored) with standard errors.

    ``covariance`` is the covariance matrix of the difficulties (zero rows for anchored items);
    ``n_extreme`` counts candidates with zero or full scores, who carry no information for CML and
    are left out of it.
    """

    items: tuple[str, ...]
    difficulty: np.ndarray
    se: np.ndarray
    covariance: np.ndarray
    anchored: tuple[bool, ...]
    log_likelihood: float
    iterations: int
    max_gradient: float
    n_candidates: int
    n_extreme: int
    groups: tuple[ResponseGroup, ...]


def sufficient_statistics(responses) -> tuple[ResponseGroup, ...]:
    """Group a candidates × items 0/1 matrix by the items each candidate was presented (non-NaN),
    returning per group the item totals and raw-score counts — all that CML needs."""
    x = score_matrix(responses)
    values = x[~np.isnan(x)]
    if not np.all((values == 0) | (values == 1)):
        raise ValueError("Rasch responses must be 0, 1 or NaN (not presented)")
    present = ~np.isnan(x)
    if present.all():
        r = x.sum(axis=1).astype(np.int64)
        return (ResponseGroup(np.arange(x.shape[1]), x.sum(axis=0), np.bincount(r, minlength=x.shape[1] + 1).astype(np.float64)),)
    patterns, inverse = np.unique(np.packbits(present, axis=1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    groups = []
    for g in range(patterns.shape[0]):
        rows = inverse == g
        cols = np.flatnonzero(present[np.flatnonzero(rows)[0]])
        if cols.size == 0:
            continue  # presented nothing: no information
        sub = x[np.ix_(rows, cols)]
        r = sub.sum(axis=1).astype(np.int64)
        groups.append(ResponseGroup(cols, sub.sum(axis=0), np.bincount(r, minlength=cols.size + 1).astype(np.float64)))
    return tuple(groups)


def _informative(groups, k):
    """Drop extreme scores: they add nothing to the conditional likelihood."""
    out = []
    totals = np.zeros(k)
    seen = np.zeros(k)
    n_extreme = 0
    for g in groups:
        m = g.items.size
        counts = g.score_counts.copy()
        full = counts[m]
        n_extreme += int(counts[0] + counts[m])
        counts[0] = counts[m] = 0.0
        s = g.item_totals - full  # a full-score candidate contributed 1 to every item
        if counts.sum() == 0:
            continue
        out.append((g.items, s, counts))
        totals[g.items] += s
        seen[g.items] += counts.sum()
    return out, totals, seen, n_extreme


def _evaluate(theta, groups, k, hessian=True):
    ll = 0.0
    grad = np.zeros(k)
    info = np.zeros((k, k)) if hessian else None
    for items, s, counts in groups:
        log_norm, expected, inf = conditional_terms(np.exp(theta[items]), counts, hessian=hessian)
        ll += float(s @ theta[items]) - log_norm
        grad[items] += s - expected
        if hessian:
            info[np.ix_(items, items)] += inf
    return ll, grad, info


def rasch_cml(responses, *, items=None, anchors: dict | None = None, tol: float = 1e-10, max_iter: int = 100) -> RaschCalibration:
    """Calibrate Rasch item difficulties from a candidates × items 0/1 matrix (NaN = not presented).

    Without ``anchors`` the difficulties are centred to mean 0. With ``anchors`` (item label →
    fixed difficulty) those items keep their values and the rest are estimated on the same scale —
    the anchored calibration that carries a standard from one paper to the next.

    Raises ValueError when an item's difficulty cannot be estimated (everyone with a non-extreme
    score got it right, or wrong) or Newton–Raphson fails to converge.
    """
    x = score_matrix(responses)
    n, k = x.shape
    names = labels(items, k, prefix="item", name="items")
    if k < 2:
        raise ValueError("Rasch calibration needs at least 2 items")
    if n < 2:
        # Said before anything else: with one candidate every item is "answered correctly by
        # everybody" or "by nobody", and that message would send the reader to the wrong items.
        raise ValueError(f"Rasch calibration needs responses from at least 2 candidates; got {n}")
    groups_all = sufficient_statistics(x)
    groups, totals, seen, n_extreme = _informative(groups_all, k)
    anchored = np.zeros(k, dtype=bool)
    fixed = np.zeros(k)
    if anchors:
        index = {name: i for i, name in enumerate(names)}
        for name, value in anchors.items():
            if str(name) not in index:
                raise ValueError(f"anchor item {name!r} is not among the items")
            if not np.isfinite(float(value)):
                raise ValueError(f"anchor for item {name!r} must be a finite number")
            anchored[index[str(name)]] = True
            fixed[index[str(name)]] = float(value)
        if anchored.all():
            raise ValueError("every item is anchored: nothing to estimate")
    bad_low = [names[i] for i in range(k) if not anchored[i] and totals[i] <= 0]
    bad_high = [names[i] for i in range(k) if not anchored[i] and totals[i] >= seen[i]]
    if not groups:
        raise ValueError("every candidate has a zero or full score (or saw no item): CML has no information")
    if bad_low or bad_high:
        parts = []
        if bad_low:
            parts.append(f"nobody with a non-extreme score answered {', '.join(bad_low)} correctly")
        if bad_high:
            parts.append(f"everybody with a non-extreme score answered {', '.join(bad_high)} correctly")
        raise ValueError("cannot estimate a finite difficulty: " + "; ".join(parts))
    # Start from the log-odds of the item totals; θ = −δ (log easiness) is what the ESF use.
    theta = np.log(totals / np.maximum(seen - totals, 0.5))
    if anchors:
        theta = theta - theta[anchored].mean() - fixed[anchored].mean()
        theta[anchored] = -fixed[anchored]
        free = np.flatnonzero(~anchored)
    else:
        theta -= theta.mean()
        free = np.arange(1, k)  # fix item 0 during the solve (the model is shift-invariant), centre after
    ll, grad, info = _evaluate(theta, groups, k)
    iterations = 0
    for iterations in range(1, max_iter + 1):
        sub = info[np.ix_(free, free)]
        try:
            step = np.linalg.solve(sub, grad[free])
        except np.linalg.LinAlgError:
            raise ValueError("the information matrix is singular: the data do not link all items (check the design)") from None
        # The log-likelihood is concave, so a halved step always gains; it rarely needs to.
        t = 1.0
        for _ in range(60):
            trial = theta.copy()
            trial[free] += t * step
            new_ll, new_grad, new_info = _evaluate(trial, groups, k)
            if new_ll >= ll - 1e-12 * abs(ll):
                break
            t /= 2.0
        theta, ll, grad, info = trial, new_ll, new_grad, new_info
        if np.max(np.abs(t * step)) < tol:
            break
    else:
        raise ValueError(f"CML did not converge in {max_iter} iterations (largest step {np.max(np.abs(step)):.2e})")
    delta = -theta
    cov = np.zeros((k, k))
    cov[np.ix_(free, free)] = np.linalg.inv(info[np.ix_(free, free)])
    if not anchors:
        delta = delta - delta.mean()
        # Centring is a projection; applying it to any generalised inverse of the information gives
        # the covariance under the sum-to-zero constraint (what eRm reports).
        centre = np.eye(k) - 1.0 / k
        cov = centre @ cov @ centre
    return RaschCalibration(
        items=names,
        difficulty=delta,
        se=np.sqrt(np.maximum(np.diag(cov), 0.0)),
        covariance=cov,
        anchored=tuple(bool(a) for a in anchored),
        log_likelihood=ll,
        iterations=iterations,
        max_gradient=float(np.max(np.abs(grad[free]))),
        n_candidates=n,
        n_extreme=n_extreme,
        groups=groups_all,
    )
