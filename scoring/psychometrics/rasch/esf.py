"""Elementary symmetric functions (ESF) and the derivatives of the Rasch conditional likelihood.

For items with easiness ε_i = exp(−δ_i), γ_r(ε) is the sum over every set of r items of the
product of their ε (the coefficient of t^r in Π_i (1 + ε_i t)). Given a raw score r, the chance of a
response pattern x is Π ε_i^{x_i} / γ_r — free of the person's ability, which is why CML works
(Andersen 1972; Fischer & Molenaar 1995, ch. 3).

Everything here is built from sums of positive numbers (prefix/suffix products and one sweep for
the second-order terms), never by subtracting, so it stays accurate where the classic
"difference" recursion loses digits. Cost: O(m³) for the Hessian, O(m²) otherwise.
"""

from __future__ import annotations

import numpy as np

__all__ = ["elementary_symmetric_functions", "conditional_terms"]


def _prefix(eps: np.ndarray) -> np.ndarray:
    """Row i: ESF of items 0..i−1 (row 0 is γ = [1])."""
    m = eps.size
    p = np.zeros((m + 1, m + 1))
    p[0, 0] = 1.0
    for i in range(m):
        p[i + 1] = p[i]
        p[i + 1, 1:] += eps[i] * p[i, :-1]
    return p


def _suffix(eps: np.ndarray) -> np.ndarray:
    """Row i: ESF of items i..m−1 (row m is γ = [1])."""
    m = eps.size
    s = np.zeros((m + 1, m + 1))
    s[m, 0] = 1.0
    for i in range(m - 1, -1, -1):
        s[i] = s[i + 1]
        s[i, 1:] += eps[i] * s[i + 1, :-1]
    return s


def elementary_symmetric_functions(eps) -> np.ndarray:
    """γ_0..γ_m of the easiness parameters ε (one per item)."""
    e = np.asarray(eps, dtype=np.float64)
    return _prefix(e)[-1]


def conditional_terms(eps: np.ndarray, score_counts: np.ndarray, *, hessian: bool = True):
    """Pieces of the conditional log-likelihood for one group of persons who saw the same items.

    ``score_counts[r]`` is how many persons in the group have raw score r (r = 0..m; the extreme
    scores carry no information and should be zero). Returns (log_norm, expected, info) where
    log_norm = Σ_r n_r log γ_r, expected[i] = Σ_r n_r P(x_i = 1 | r) and info is the information
    matrix Σ_r n_r Cov(x | r) (the negative Hessian of the log-likelihood in θ = log ε), or None.
    """
    m = eps.size
    pre = _prefix(eps)
    suf = _suffix(eps)
    gamma = pre[-1]
    if not np.all(np.isfinite(gamma)) or not np.all(gamma > 0):
        raise ValueError("the elementary symmetric functions overflowed: too many items or too wide a spread of difficulties")
    n = np.asarray(score_counts, dtype=np.float64)
    used = n > 0
    log_norm = float(n[used] @ np.log(gamma[used]))
    w = np.zeros(m + 1)
    w[used] = n[used] / gamma[used]
    # pi[r, i] = P(x_i = 1 | raw score r) = ε_i γ^{(i)}_{r−1} / γ_r, with γ^{(i)} the ESF without item i.
    pi = np.zeros((m + 1, m))
    ratio = np.zeros(m + 1)
    ratio[used] = 1.0 / gamma[used]
    for i in range(m):
        loo = np.convolve(pre[i, : i + 1], suf[i + 1, : m - i])  # degree m − 1
        pi[1:, i] = eps[i] * loo * ratio[1:]
    expected = n @ pi
    if not hessian:
        return log_norm, expected, None
    # Q[i, j] = Σ_r w_r γ^{(i,j)}_{r−2}. γ^{(i,j)} = P_i ⊛ B_ij ⊛ S_{j+1}, and the sum over r of
    # (· ⊛ S_{j+1}) against w depends on j only, so fold it into V[j] once; then sweep j upwards
    # keeping A[i] = P_i ⊛ B_ij (items before i and between i and j) for every i < j.
    width = m + 1
    idx = np.arange(width)[:, None] + np.arange(width)[None, :] + 2
    hankel = np.where(idx <= m, w[np.minimum(idx, m)], 0.0)  # hankel[l, s] = w[l + s + 2]
    v = suf[1:] @ hankel.T  # v[j, l] = Σ_s S_{j+1}[s] w[l + s + 2]
    a = np.zeros((m, width))
    q = np.zeros((m, m))
    for j in range(1, m):
        if j >= 2:
            a[: j - 1, 1:] += eps[j - 1] * a[: j - 1, :-1].copy()
        a[j - 1] = pre[j - 1]
        q[:j, j] = a[:j] @ v[j]
    q = q + q.T
    nn = n[:, None]
    info = -(np.outer(eps, eps) * q) + pi.T @ (nn * pi)
    np.fill_diagonal(info, 0.0)
    info = -info
    np.fill_diagonal(info, (nn * pi * (1.0 - pi)).sum(axis=0))
    return log_norm, expected, info
