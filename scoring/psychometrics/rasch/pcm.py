"""Masters' partial credit model (PCM) by conditional maximum likelihood, person estimates and fit.

Orientation: ``responses`` is a candidates × items matrix of whole marks 0..m_i (m_i the item's
maximum); NaN means "not presented" (candidates are grouped by the items they saw, as in the
dichotomous code and in eRm). An item with m_i = 1 is an ordinary Rasch item.

The model: P(X_i = x | θ) ∝ exp(x θ + ψ_ix), ψ_i0 = 0, ψ_ix = −(τ_i1 + … + τ_ix), where τ_ih is
the h-th threshold of item i (the ability at which categories h − 1 and h are equally likely).
Given a raw score r the chance of a response pattern is Π_i ε_{i,x_i} / γ_r with ε_ix = exp(ψ_ix)
and γ_r the coefficient of t^r in Π_i (1 + ε_i1 t + … + ε_im t^m) — the summed-score generating
polynomial, which generalises the elementary symmetric functions — so ability drops out and CML
works exactly as for 0/1 items (Andersen 1977; Masters 1982; Fischer & Molenaar 1995, ch. 15).

Anchoring: ``pcm_cml(..., anchors={label: thresholds})`` holds the named items' thresholds at the
given values (their ψ are fixed) and estimates the others on the same scale, without centring —
the partial-credit counterpart of ``rasch_cml(..., anchors=...)``, used to carry a standard from
one paper to the next.

Normalisation: the thresholds of all items together sum to zero (the mean threshold is 0). With
only 0/1 items that is the sum-zero difficulty scale of :func:`rasch_cml`. eRm instead makes its
item-category parameters β_ix = ψ_ix sum to zero, and psychotools fixes the first threshold of the
first item at 0; the three differ by one shift of every threshold, so compare after re-centring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from .._checks import labels, score_matrix, vector
from .cml import RaschCalibration

__all__ = [
    "PCMCalibration", "pcm_cml", "pcm_generating_polynomial", "category_probabilities",
    "PCMAbilityTable", "pcm_ability_table", "PCMPersonAbilities", "pcm_person_abilities",
    "PCMItemFit", "pcm_item_fit", "pcm_expected_score", "expected_and_variance",
]


@dataclass(frozen=True)
class PCMCalibration:
    """Item thresholds (logits; all thresholds together sum to 0) with standard errors.

    ``thresholds[i]`` holds item i's m_i thresholds τ_i1..τ_im (``se_thresholds`` likewise);
    ``location`` is each item's mean threshold (eRm's "Location"; the difficulty for a 0/1 item).
    ``covariance`` is the covariance matrix of all thresholds, item by item in order.
    ``n_extreme`` counts candidates with a zero or full score on the items they saw (no
    information for CML; left out of it).
    """

    items: tuple[str, ...]
    max_scores: tuple[int, ...]
    thresholds: tuple[np.ndarray, ...]
    se_thresholds: tuple[np.ndarray, ...]
    location: np.ndarray
    se_location: np.ndarray
    covariance: np.ndarray
    log_likelihood: float
    iterations: int
    max_gradient: float
    n_candidates: int
    n_extreme: int
    anchored: tuple[bool, ...] = ()  # per item: thresholds held at given values (empty: none anchored)


def pcm_generating_polynomial(category_easiness) -> np.ndarray:
    """γ_0..γ_M: coefficients of Π_i (Σ_x ε_ix t^x), given one array [1, ε_i1, …, ε_im] per item."""
    g = np.ones(1)
    for e in category_easiness:
        g = np.convolve(g, np.asarray(e, dtype=np.float64))
    return g


def _group_terms(eps: list[np.ndarray], w: np.ndarray, n: np.ndarray, offsets: np.ndarray, npar: int):
    """For one group: expected category counts and the information matrix in ψ (categories ≥ 1).

    ``w[r] = n_r / γ_r``; the sums over r are correlations of w with leave-one-out (and
    leave-two-out) generating polynomials, built from prefix and suffix products (sums of
    positive terms only, so no digits are lost to cancellation).
    """
    k = len(eps)
    pre = [np.ones(1)]
    for e in eps:
        pre.append(np.convolve(pre[-1], e))
    suf = [np.ones(1)] * (k + 1)
    for i in range(k - 1, -1, -1):
        suf[i] = np.convolve(suf[i + 1], eps[i])
    gamma = pre[-1]
    size = gamma.size
    ratio = np.zeros(size)
    used = n > 0
    ratio[used] = 1.0 / gamma[used]
    # pi[r, p] = P(X_i = x | r) for parameter p = (i, x), x ≥ 1.
    pi = np.zeros((size, npar))
    expected = np.zeros(npar)
    for i in range(k):
        loo = np.convolve(pre[i], suf[i + 1])
        for x in range(1, eps[i].size):
            col = np.zeros(size)
            col[x: x + loo.size] = eps[i][x] * loo
            pi[:, offsets[i] + x - 1] = col * ratio
        c = np.correlate(w, loo, mode="valid")  # c[x] = Σ_r w_r loo[r − x]
        expected[offsets[i]: offsets[i] + eps[i].size - 1] = eps[i][1:] * c[1:]
    info = -(pi.T @ (n[:, None] * pi))
    info[np.diag_indices(npar)] += expected
    # Joint terms Σ_r w_r ε_ix ε_jy γ^{(i,j)}_{r−x−y} for i < j, with γ^{(i,j)} = P_i ⊛ B_ij ⊛ S_{j+1}
    # (items before i, strictly between i and j, after j). Sweep j upwards keeping the rows
    # A[i] = P_i ⊛ B_ij for every i < j, and fold S_{j+1} into w once per j:
    # c_ij[s] = Σ_l A_i[l] V_j[l, s], V_j[l, s] = Σ_t S_{j+1}[t] w[l + t + s].
    mmax = max(e.size for e in eps) - 1
    easy = np.zeros((k, mmax))  # ε_ix for x = 1..m (0 beyond the item's maximum)
    pidx = np.full((k, mmax), -1)  # parameter index of (i, x), −1 if the item has no such mark
    for i, e in enumerate(eps):
        easy[i, : e.size - 1] = e[1:]
        pidx[i, : e.size - 1] = offsets[i] + np.arange(e.size - 1)
    xy = np.add.outer(np.arange(1, mmax + 1), np.arange(1, mmax + 1))
    a = np.zeros((k, size))
    wpad = np.concatenate([w, np.zeros(size + 2 * mmax + 1)])
    lag = np.add.outer(np.arange(size), np.arange(2 * mmax + 1))
    for j in range(1, k):
        prev = eps[j - 1]
        if j >= 2:  # multiply every row kept so far by item j − 1's polynomial
            rows = a[: j - 1].copy()
            a[: j - 1] = 0.0
            for x, e in enumerate(prev):
                a[: j - 1, x:] += e * rows[:, : size - x]
        a[j - 1, : pre[j - 1].size] = pre[j - 1]
        tail = suf[j + 1]
        g = np.lib.stride_tricks.sliding_window_view(wpad, tail.size)[: size + 2 * mmax + 1] @ tail
        c = a[:j] @ g[lag]  # c[i, s] for every i < j
        block = easy[:j, :, None] * easy[j][None, None, :] * c[:, xy]
        valid = (pidx[:j, :, None] >= 0) & (pidx[j][None, None, :] >= 0)
        r_idx = np.broadcast_to(pidx[:j, :, None], block.shape)[valid]
        c_idx = np.broadcast_to(pidx[j][None, None, :], block.shape)[valid]
        info[r_idx, c_idx] += block[valid]
        info[c_idx, r_idx] += block[valid]
    # info = Σ_r n_r Cov(1[X_i = x], 1[X_j = y] | r), the negative Hessian in ψ: the joint
    # probabilities (and, on the diagonal, the marginals) less the products of marginals.
    return expected, info


def _check_pcm_matrix(responses, max_scores):
    x = score_matrix(responses)
    values = x[~np.isnan(x)]
    if values.size and (np.any(values < 0) or np.any(values != np.round(values))):
        raise ValueError("partial-credit responses must be whole marks 0, 1, 2, … or NaN (not presented)")
    observed = np.nanmax(np.where(np.isnan(x), -1.0, x), axis=0).astype(np.int64)
    if max_scores is None:
        m = observed
    else:
        m = vector(max_scores, name="max_scores", length=x.shape[1]).astype(np.int64)
        over = np.flatnonzero(observed > m)
        if over.size:
            raise ValueError(f"item {over[0] + 1} has a mark above its maximum {m[over[0]]}")
    return x, m


def _groups(x, m):
    """(items, category counts per parameter, raw-score counts) per presentation pattern,
    non-extreme candidates only; and the number of extreme candidates."""
    present = ~np.isnan(x)
    patterns, inverse = np.unique(np.packbits(present, axis=1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    out = []
    n_extreme = 0
    for g in range(patterns.shape[0]):
        rows = np.flatnonzero(inverse == g)
        cols = np.flatnonzero(present[rows[0]])
        if cols.size == 0:
            continue
        sub = x[np.ix_(rows, cols)].astype(np.int64)
        top = int(m[cols].sum())
        r = sub.sum(axis=1)
        keep = (r > 0) & (r < top)
        n_extreme += int((~keep).sum())
        if not keep.any():
            continue
        sub = sub[keep]
        counts = [np.bincount(sub[:, j], minlength=m[c] + 1) for j, c in enumerate(cols)]
        out.append((cols, counts, np.bincount(r[keep], minlength=top + 1).astype(np.float64)))
    return out, n_extreme


def _anchor_table(anchors, names, m):
    """(anchored flags, fixed thresholds per item) from {label: thresholds}; checked against m."""
    anchored = np.zeros(len(names), dtype=bool)
    fixed: list[np.ndarray | None] = [None] * len(names)
    index = {name: i for i, name in enumerate(names)}
    for name, value in (anchors or {}).items():
        if str(name) not in index:
            raise ValueError(f"anchor item {name!r} is not among the items")
        i = index[str(name)]
        t = np.atleast_1d(np.asarray(value, dtype=np.float64)).ravel()
        if t.size != m[i]:
            raise ValueError(f"anchor item {name!r} has {t.size} threshold(s) but is marked out of {m[i]}")
        if not np.all(np.isfinite(t)):
            raise ValueError(f"anchor thresholds for item {name!r} must be finite numbers")
        anchored[i] = True
        fixed[i] = t
    if anchored.size and anchored.all():
        raise ValueError("every item is anchored: nothing to estimate")
    return anchored, fixed


def pcm_cml(responses, *, items=None, max_scores=None, anchors: dict | None = None, tol: float = 1e-10,
            max_iter: int = 100) -> PCMCalibration:
    """Calibrate partial-credit thresholds from a candidates × items matrix of marks 0..m_i
    (NaN = not presented), by conditional maximum likelihood with Newton–Raphson.

    ``max_scores`` (one per item) default to the highest mark observed. Raises ValueError when a
    threshold cannot be estimated — a category of an item that no candidate with a non-extreme
    score reached (eRm drops such a category silently; we ask the examiner to merge or rescore).

    Without ``anchors`` all thresholds together are centred to sum 0. With ``anchors`` (item label →
    that item's m_i thresholds) those items keep their thresholds and the rest are estimated on the
    same scale (no centring); an anchored item's thresholds have SE 0.
    """
    x, m = _check_pcm_matrix(responses, max_scores)
    n, k = x.shape
    names = labels(items, k, prefix="item", name="items")
    if k < 2:
        raise ValueError("partial-credit calibration needs at least 2 items")
    if n < 2:
        raise ValueError(f"partial-credit calibration needs responses from at least 2 candidates; got {n}")
    anchored, fixed = _anchor_table(anchors, names, m)
    if np.any((m < 1) & ~anchored):
        bad = [names[i] for i in np.flatnonzero((m < 1) & ~anchored)]
        raise ValueError(f"nobody scored above 0 on {', '.join(bad)}: its thresholds cannot be estimated")
    groups, n_extreme = _groups(x, m)
    if not groups:
        raise ValueError("every candidate has a zero or full score (or saw no item): CML has no information")
    offsets = np.concatenate([[0], np.cumsum(m)])[:-1]
    npar = int(m.sum())
    totals = np.zeros((k, int(m.max()) + 1))
    for cols, counts, _ in groups:
        for j, c in enumerate(cols):
            totals[c, : counts[j].size] += counts[j]
    empty = [f"{names[i]} (mark {h})" for i in range(k) for h in range(m[i] + 1)
             if totals[i, h] == 0 and not anchored[i]]
    if empty:
        raise ValueError("cannot estimate finite thresholds: no candidate with a non-extreme score "
                         "has " + ", ".join(empty) + "; merge the empty category or check the maximum")
    stat = np.concatenate([totals[i, 1: m[i] + 1] for i in range(k)])
    # Start from the log-odds of adjacent categories (thresholds) turned into ψ.
    if anchored.any():
        # Start the free items from their adjacent-category log-odds, moved by the mean gap between
        # the anchors' own log-odds and their fixed thresholds; the anchors' ψ stay where they are.
        with np.errstate(divide="ignore"):
            raw_tau = [np.log(np.maximum(totals[i, : m[i]], 0.5) / np.maximum(totals[i, 1: m[i] + 1], 0.5))
                       for i in range(k)]
        gap = float(np.mean(np.concatenate([fixed[i] - raw_tau[i] for i in np.flatnonzero(anchored)])))
        psi = np.concatenate([-np.cumsum(fixed[i] if anchored[i] else raw_tau[i] + gap) for i in range(k)])
        free = np.concatenate([np.arange(offsets[i], offsets[i] + m[i]) for i in np.flatnonzero(~anchored)])
    else:
        psi = np.concatenate([-np.cumsum(-np.log(totals[i, 1: m[i] + 1] / totals[i, : m[i]])) for i in range(k)])
        psi -= psi[0]
        free = np.arange(1, npar)  # ψ_{item 0, category 1} is held at 0 while solving; centred after

    def evaluate(p):
        ll = float(stat @ p)
        grad = stat.copy()
        info = np.zeros((npar, npar))
        for cols, _, counts in groups:
            eps = [np.concatenate([[1.0], np.exp(p[offsets[c]: offsets[c] + m[c]])]) for c in cols]
            gamma = pcm_generating_polynomial(eps)
            if not np.all(np.isfinite(gamma)) or not np.all(gamma > 0):
                raise ValueError("the summed-score polynomial overflowed: too many items or too wide a spread of thresholds")
            used = counts > 0
            ll -= float(counts[used] @ np.log(gamma[used]))
            w = np.zeros(gamma.size)
            w[used] = counts[used] / gamma[used]
            idx = np.concatenate([np.arange(offsets[c], offsets[c] + m[c]) for c in cols])
            local_off = np.concatenate([[0], np.cumsum(m[cols])])[:-1]
            e, inf = _group_terms(eps, w, counts, local_off, idx.size)
            grad[idx] -= e
            info[np.ix_(idx, idx)] += inf
        return ll, grad, info

    ll, grad, info = evaluate(psi)
    iterations = 0
    step = np.zeros(free.size)
    for iterations in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(info[np.ix_(free, free)], grad[free])
        except np.linalg.LinAlgError:
            raise ValueError("the information matrix is singular: the data do not link all items (check the design)") from None
        t = 1.0
        for _ in range(60):  # concave log-likelihood: a shortened step always gains
            trial = psi.copy()
            trial[free] += t * step
            new_ll, new_grad, new_info = evaluate(trial)
            if new_ll >= ll - 1e-12 * abs(ll):
                break
            t /= 2.0
        psi, ll, grad, info = trial, new_ll, new_grad, new_info
        if np.max(np.abs(t * step)) < tol:
            break
    else:
        raise ValueError(f"CML did not converge in {max_iter} iterations (largest step {np.max(np.abs(step)):.2e})")
    cov_psi = np.zeros((npar, npar))
    cov_psi[np.ix_(free, free)] = np.linalg.inv(info[np.ix_(free, free)])
    # τ_ix = ψ_i,x−1 − ψ_ix: a linear map D; then centre (a projection, as in rasch_cml).
    d = np.zeros((npar, npar))
    for i in range(k):
        for h in range(m[i]):
            p = offsets[i] + h
            d[p, p] = -1.0
            if h > 0:
                d[p, p - 1] = 1.0
    centre = np.eye(npar) - 1.0 / npar if not anchored.any() else np.eye(npar)
    tau = centre @ (d @ psi)
    if anchored.any():  # exactly the given values, not their image through ψ and back
        for i in np.flatnonzero(anchored):
            tau[offsets[i]: offsets[i] + m[i]] = fixed[i]
    cov = centre @ d @ cov_psi @ d.T @ centre
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    avg = np.zeros((k, npar))
    for i in range(k):
        avg[i, offsets[i]: offsets[i] + m[i]] = 1.0 / m[i]
    return PCMCalibration(
        items=names,
        max_scores=tuple(int(v) for v in m),
        thresholds=tuple(tau[offsets[i]: offsets[i] + m[i]].copy() for i in range(k)),
        se_thresholds=tuple(se[offsets[i]: offsets[i] + m[i]].copy() for i in range(k)),
        location=avg @ tau,
        se_location=np.sqrt(np.maximum(np.diag(avg @ cov @ avg.T), 0.0)),
        covariance=cov,
        log_likelihood=ll,
        iterations=iterations,
        max_gradient=float(np.max(np.abs(grad[free]))) if free.size else 0.0,
        n_candidates=n,
        n_extreme=n_extreme,
        anchored=tuple(bool(a) for a in anchored),
    )


# ------------------------------------------------------------------ persons and fit

def _threshold_table(thresholds) -> np.ndarray:
    """ψ padded to a k × (max m + 1) table, −inf for categories an item does not have.

    ``thresholds`` is one sequence of thresholds per item; a 1-D array of numbers is read as the
    difficulties of 0/1 items (as is a :class:`RaschCalibration`).
    """
    if isinstance(thresholds, PCMCalibration):
        thresholds = thresholds.thresholds
    elif isinstance(thresholds, RaschCalibration):
        thresholds = np.asarray(thresholds.difficulty, dtype=np.float64)
    if isinstance(thresholds, np.ndarray) and thresholds.ndim == 1 and thresholds.dtype != object:
        thresholds = [[v] for v in thresholds]
    rows = [vector(np.atleast_1d(np.asarray(t, dtype=np.float64)), name="thresholds") for t in thresholds]
    if not rows or any(r.size < 1 for r in rows):
        raise ValueError("need at least one item, each with at least one threshold")
    width = max(r.size for r in rows) + 1
    psi = np.full((len(rows), width), -np.inf)
    for i, r in enumerate(rows):
        psi[i, 0] = 0.0
        psi[i, 1: r.size + 1] = -np.cumsum(r)
    return psi


def category_probabilities(theta, thresholds) -> np.ndarray:
    """P(X_i = x | θ): array abilities × items × categories (0 beyond an item's maximum)."""
    psi = _threshold_table(thresholds)
    t = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    cats = np.arange(psi.shape[1])
    z = cats[None, None, :] * t[:, None, None] + psi[None, :, :]
    return np.exp(z - logsumexp(z, axis=2, keepdims=True))


def _moments(theta, psi):
    """Per ability: Σ_i of the item score's mean, variance, third and fourth cumulants."""
    cats = np.arange(psi.shape[1])
    z = cats[None, None, :] * theta[:, None, None] + psi[None, :, :]
    p = np.exp(z - logsumexp(z, axis=2, keepdims=True))
    mean = (p * cats).sum(axis=2)
    dev = cats[None, None, :] - mean[:, :, None]
    mu2 = (p * dev ** 2).sum(axis=2)
    mu3 = (p * dev ** 3).sum(axis=2)
    mu4 = (p * dev ** 4).sum(axis=2)
    return mean.sum(axis=1), mu2.sum(axis=1), mu3.sum(axis=1), (mu4 - 3.0 * mu2 ** 2).sum(axis=1)


def _solve(raw, psi, weighted):
    """Root of r − E(θ) [+ J/(2I) for WLE], decreasing in θ: Newton with a bisection guard.
    dE/dθ = I (the variance) and dJ/dθ = the fourth cumulant, as for any exponential family."""
    finite = psi[np.isfinite(psi)]
    top = int(np.isfinite(psi).sum() - psi.shape[0])
    lo = np.full(raw.size, -np.max(np.abs(finite)) - 40.0)
    hi = -lo
    r = raw.astype(np.float64)
    theta = np.log((r + 0.5) / (top - r + 0.5))
    active = np.ones(raw.size, dtype=bool)
    for _ in range(200):
        # Only the scores not yet converged: a converged root sits where rounding noise can put
        # the Newton step on (or just past) its own bracket, which would restart bisection.
        t = theta[active]
        e, info, j, dj = _moments(t, psi)
        f = r[active] - e
        df = -info
        if weighted:
            f = f + j / (2.0 * info)
            df = df + (dj * info - j * j) / (2.0 * info * info)
        lo_a = np.where(f > 0, t, lo[active])
        hi_a = np.where(f <= 0, t, hi[active])
        new = t - f / df
        new = np.where((new >= lo_a) & (new <= hi_a), new, 0.5 * (lo_a + hi_a))
        done = np.abs(new - t) < 1e-13 * np.maximum(1.0, np.abs(t))
        lo[active], hi[active], theta[active] = lo_a, hi_a, new
        active[np.flatnonzero(active)[done]] = False
        if not active.any():
            break
    return theta


@dataclass(frozen=True)
class PCMAbilityTable:
    """Raw score ↔ ability on one set of partial-credit items; row r is raw score r (0..Σ m_i).
    ML is NaN for 0 and the full score; WLE is finite for every score; SE = 1/√I(θ̂)."""

    raw_score: np.ndarray
    theta_ml: np.ndarray
    se_ml: np.ndarray
    theta_wle: np.ndarray
    se_wle: np.ndarray


def pcm_ability_table(thresholds) -> PCMAbilityTable:
    """ML and WLE abilities with standard errors for every raw score, given each item's thresholds
    (a :class:`PCMCalibration`, one sequence per item, or a 1-D array of 0/1 difficulties)."""
    psi = _threshold_table(thresholds)
    top = int(np.isfinite(psi).sum() - psi.shape[0])
    raw = np.arange(top + 1)
    ml = np.full(top + 1, np.nan)
    se_ml = np.full(top + 1, np.nan)
    if top >= 2:
        ml[1:top] = _solve(raw[1:top], psi, weighted=False)
        se_ml[1:top] = 1.0 / np.sqrt(_moments(ml[1:top], psi)[1])
    wle = _solve(raw, psi, weighted=True)
    return PCMAbilityTable(raw, ml, se_ml, wle, 1.0 / np.sqrt(_moments(wle, psi)[1]))


def pcm_expected_score(theta, thresholds) -> np.ndarray:
    """Expected raw score Σ_i E(X_i | θ) at each θ (the test characteristic curve)."""
    t = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    return _moments(t, _threshold_table(thresholds))[0]


@dataclass(frozen=True)
class PCMPersonAbilities:
    """One estimate per candidate (rows of the candidates × items matrix)."""

    raw_score: np.ndarray
    max_score: np.ndarray  # Σ m_i over the items the candidate was presented
    theta_ml: np.ndarray
    se_ml: np.ndarray
    theta_wle: np.ndarray
    se_wle: np.ndarray


def _item_thresholds(thresholds, k):
    psi = _threshold_table(thresholds)
    if psi.shape[0] != k:
        raise ValueError(f"thresholds are given for {psi.shape[0]} items; the matrix has {k}")
    return psi


def pcm_person_abilities(responses, thresholds) -> PCMPersonAbilities:
    """ML and WLE ability of each candidate (candidates × items marks, NaN = not presented).
    ML is NaN for zero and full scores on the items presented."""
    x = score_matrix(responses)
    psi = _item_thresholds(thresholds, x.shape[1])
    m = np.isfinite(psi).sum(axis=1) - 1
    present = ~np.isnan(x)
    if np.any(np.where(present, x, 0) > m[None, :]) or np.any(np.where(present, x, 0) < 0):
        raise ValueError("a mark lies outside its item's categories 0..m")
    raw = np.where(present, x, 0.0).sum(axis=1)
    top = (present * m[None, :]).sum(axis=1)
    out = {name: np.full(x.shape[0], np.nan) for name in ("ml", "se_ml", "wle", "se_wle")}
    patterns, inverse = np.unique(np.packbits(present, axis=1), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    for g in range(patterns.shape[0]):
        rows = np.flatnonzero(inverse == g)
        cols = present[rows[0]]
        if not cols.any():
            continue
        table = pcm_ability_table([_row_thresholds(psi[i]) for i in np.flatnonzero(cols)])
        r = raw[rows].astype(np.int64)
        out["ml"][rows] = table.theta_ml[r]
        out["se_ml"][rows] = table.se_ml[r]
        out["wle"][rows] = table.theta_wle[r]
        out["se_wle"][rows] = table.se_wle[r]
    return PCMPersonAbilities(raw, top.astype(np.float64), out["ml"], out["se_ml"], out["wle"], out["se_wle"])


def _row_thresholds(row: np.ndarray) -> np.ndarray:
    """Thresholds back from one padded ψ row."""
    p = row[np.isfinite(row)]
    return p[:-1] - p[1:]


def expected_and_variance(theta, thresholds):
    """E(X_i | θ_n) and Var(X_i | θ_n): two arrays candidates × items."""
    psi = _threshold_table(thresholds)
    t = np.atleast_1d(np.asarray(theta, dtype=np.float64))
    cats = np.arange(psi.shape[1])
    z = cats[None, None, :] * t[:, None, None] + psi[None, :, :]
    p = np.exp(z - logsumexp(z, axis=2, keepdims=True))
    mean = (p * cats).sum(axis=2)
    var = (p * cats ** 2).sum(axis=2) - mean ** 2
    return mean, var


@dataclass(frozen=True)
class PCMItemFit:
    """Per item: outfit = mean squared standardised residual; infit = Σ(x − E)² / Σ Var. Both
    have expectation 1 (Wright & Masters 1982); candidates without a finite ability are left out."""

    outfit: np.ndarray
    infit: np.ndarray
    n: np.ndarray


def pcm_item_fit(responses, thresholds, abilities=None) -> PCMItemFit:
    """Infit and outfit mean squares of each partial-credit item. ``abilities`` (one per candidate)
    default to the ML estimates, so candidates with zero or full scores drop out, as in eRm."""
    x = score_matrix(responses)
    _item_thresholds(thresholds, x.shape[1])
    theta = (pcm_person_abilities(x, thresholds).theta_ml if abilities is None
             else vector(abilities, name="abilities", length=x.shape[0], allow_nan=True))
    keep = np.isfinite(theta)
    x, theta = x[keep], theta[keep]
    mean, var = expected_and_variance(theta, thresholds)
    present = ~np.isnan(x)
    resid2 = np.where(present, (np.nan_to_num(x) - mean) ** 2, 0.0)
    var = np.where(present, var, 0.0)
    n = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        outfit = np.where(present, resid2 / np.where(present, var, 1.0), 0.0).sum(axis=0) / n
        infit = resid2.sum(axis=0) / var.sum(axis=0)
    return PCMItemFit(outfit, infit, n)
