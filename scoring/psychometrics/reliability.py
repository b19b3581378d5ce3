"""Reliability and the score distribution: Cronbach's alpha (= KR-20 on 0/1 items), alpha if item
deleted, KR-21, the standard error of measurement and summary statistics of total scores.

Orientation: every ``scores`` argument is a candidates × items matrix; NaN means "not presented".
With NaN present, item covariances are pairwise-complete (as R's ``psych::alpha`` does) and a
candidate's total is the sum of the items they were presented.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import score_matrix, vector

__all__ = [
    "ScoreDistribution",
    "Reliability",
    "item_covariance",
    "cronbach_alpha",
    "alpha_if_item_deleted",
    "kr20",
    "kr21",
    "standard_error_of_measurement",
    "score_distribution",
    "reliability",
    "DEFAULT_PERCENTILES",
]

DEFAULT_PERCENTILES = (10.0, 25.0, 50.0, 75.0, 90.0)


@dataclass(frozen=True)
class ScoreDistribution:
    """Summary of candidates' total scores. ``sd`` divides by n − 1; percentiles interpolate
    linearly between order statistics (R's ``quantile`` type 7)."""

    n: int
    mean: float
    sd: float
    min: float
    max: float
    percentiles: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Reliability:
    """Internal-consistency figures for one set of items. NaN entries are explained in ``notes``."""

    alpha: float
    kr20: float
    kr21: float
    sem: float
    sd: float
    alpha_if_deleted: tuple[float, ...]
    notes: tuple[str, ...]


def item_covariance(scores) -> np.ndarray:
    """Items × items covariance matrix (divisor n − 1) of a candidates × items score matrix.

    With NaN ("not presented") each pair of items uses the candidates presented both
    (pairwise-complete, like R's ``cov(x, use = "pairwise")``).
    """
    x = score_matrix(scores)
    if x.shape[0] < 2:
        raise ValueError("a covariance needs at least 2 candidates")
    return _covariance(x, None)


# float32 holds every integer below 2**24 exactly, so a cross-product of whole marks whose sums stay
# below that is computed exactly by single-precision BLAS, at twice the speed of double.
_EXACT_F32 = float(2**24)


def _covariance(x: np.ndarray, complete: bool | None) -> np.ndarray:
    """`item_covariance` on an already validated matrix; ``complete`` says whether it has no NaN
    (None: find out)."""
    n = x.shape[0]
    if complete is None:
        complete = not np.isnan(x).any()
    if complete:
        top = float(np.abs(x).max())
        if n * top * top < _EXACT_F32 and top == int(top):
            xf = x.astype(np.float32)
            if np.array_equal(xf, x):  # whole marks only
                cross = (xf.T @ xf).astype(np.float64)
                sums = x.sum(axis=0)
                # Exact integer cross-products minus the mean correction in double precision:
                # the only rounding is in sums·sumsᵀ/n, ~1e-16 of it.
                return (cross - np.outer(sums, sums) / n) / (n - 1)
        # Centring first keeps the products small, which is what lets us agree with R to 1e-10.
        xc = x - x.mean(axis=0)
        return (xc.T @ xc) / (n - 1)
    present = ~np.isnan(x)
    xc = x - _safe_col_means(x, present)
    m = present.astype(np.float64)
    x0 = np.where(present, xc, 0.0)
    n_pair = m.T @ m
    sum_xy = x0.T @ x0
    sum_x = x0.T @ m  # [i, j]: sum of item i over candidates presented both i and j
    with np.errstate(divide="ignore", invalid="ignore"):
        # A pair of items that fewer than 2 candidates saw both of has no covariance: NaN by design.
        cov = (sum_xy - sum_x * sum_x.T / n_pair) / (n_pair - 1)
    cov[n_pair < 2] = np.nan
    return cov


def _safe_col_means(x: np.ndarray, present: np.ndarray) -> np.ndarray:
    counts = present.sum(axis=0)
    sums = np.where(present, x, 0.0).sum(axis=0)
    return np.divide(sums, counts, out=np.zeros(x.shape[1]), where=counts > 0)


def _alpha_from_cov(cov: np.ndarray) -> tuple[float, str | None]:
    k = cov.shape[0]
    if k < 2:
        return np.nan, "alpha needs at least 2 items"
    if np.isnan(cov).any():
        return np.nan, "some pair of items was presented together to fewer than 2 candidates"
    total_var = cov.sum()
    if not total_var > 1e-12 * max(1.0, np.trace(cov)):
        return np.nan, "total scores have zero variance"
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total_var)), None


def cronbach_alpha(scores) -> float:
    """Cronbach's alpha of a candidates × items score matrix: k/(k−1) · (1 − Σ var_i / var_total).

    NaN when there are fewer than 2 items or the totals have no variance (see `reliability` for the
    reason in words).
    """
    return _alpha_from_cov(item_covariance(scores))[0]


def _alpha_drop(cov: np.ndarray) -> np.ndarray:
    k = cov.shape[0]
    if k < 3 or np.isnan(cov).any():
        return np.full(k, np.nan)
    diag = np.diag(cov)
    rows = cov.sum(axis=1)
    remaining_var = cov.sum() - 2.0 * rows + diag
    remaining_trace = np.trace(cov) - diag
    out = np.full(k, np.nan)
    ok = remaining_var > 1e-12 * np.maximum(1.0, remaining_trace)
    out[ok] = (k - 1) / (k - 2) * (1.0 - remaining_trace[ok] / remaining_var[ok])
    return out


def alpha_if_item_deleted(scores) -> np.ndarray:
    """Alpha of the remaining items when each item in turn is removed (one value per item of a
    candidates × items matrix). NaN when fewer than 2 items would remain."""
    return _alpha_drop(item_covariance(scores))


def _is_dichotomous(x: np.ndarray) -> bool:
    v = x[~np.isnan(x)]
    return bool(np.all((v == 0) | (v == 1)))


def kr20(scores) -> float:
    """KR-20 of a candidates × items matrix of 0/1 scores (Kuder & Richardson 1937) — identical to
    Cronbach's alpha on 0/1 items. NaN when any score is not 0 or 1."""
    x = score_matrix(scores)
    if not _is_dichotomous(x):
        return np.nan
    return cronbach_alpha(x)


def kr21(scores) -> float:
    """KR-21 of a complete candidates × items matrix of 0/1 scores:
    k/(k−1) · (1 − M(k − M)/(k s²)), M the mean total and s² its variance (divisor n − 1).

    It assumes equally difficult items, so it is a lower bound on KR-20 and is reported only as a
    check. NaN for non-0/1 scores, missing (NaN) cells, fewer than 2 items or zero variance.
    """
    x = score_matrix(scores)
    if np.isnan(x).any() or not _is_dichotomous(x) or x.shape[0] < 2:
        return np.nan
    return _kr21(x.sum(axis=1), x.shape[1])


def _kr21(totals: np.ndarray, k: int) -> float:
    if k < 2 or totals.size < 2:
        return np.nan
    var = totals.var(ddof=1)
    if not var > 0:
        return np.nan
    m = totals.mean()
    return float(k / (k - 1) * (1.0 - m * (k - m) / (k * var)))


def standard_error_of_measurement(sd: float, reliability_coefficient: float) -> float:
    """SEM = SD × √(1 − reliability), SD of total scores with divisor n − 1 (NaN if either is NaN)."""
    if np.isnan(sd) or np.isnan(reliability_coefficient):
        return np.nan
    if reliability_coefficient > 1:
        raise ValueError(f"a reliability cannot exceed 1; got {reliability_coefficient}")
    return float(sd * np.sqrt(1.0 - reliability_coefficient))


def score_distribution(totals, percentiles=DEFAULT_PERCENTILES) -> ScoreDistribution:
    """Mean, SD (n − 1), minimum, maximum and percentiles of a vector of candidates' total scores
    (one per candidate, i.e. the row sums of a candidates × items matrix)."""
    t = vector(totals, name="totals")
    if t.size == 0:
        raise ValueError("no total scores given")
    pct = tuple(float(p) for p in percentiles)
    if any(not 0 <= p <= 100 for p in pct):
        raise ValueError("percentiles must lie between 0 and 100")
    sd = float(t.std(ddof=1)) if t.size > 1 else np.nan
    values = np.percentile(t, pct) if pct else []
    return ScoreDistribution(
        n=int(t.size),
        mean=float(t.mean()),
        sd=sd,
        min=float(t.min()),
        max=float(t.max()),
        percentiles=tuple(zip(pct, (float(v) for v in values))),
    )


def reliability(scores, *, cov: np.ndarray | None = None, _known: dict | None = None) -> Reliability:
    """Alpha, KR-20, KR-21, SEM and alpha-if-deleted of a candidates × items score matrix, with the
    reason for any NaN in ``notes``. ``cov`` may pass a covariance already computed by
    `item_covariance` for the same matrix (to avoid computing it twice).

    ``_known`` is for `item_analysis`, which has already validated the matrix and knows whether it
    is complete and 0/1 and its totals: {"complete", "dichotomous", "totals"}.
    """
    known = _known or {}
    x = scores if known else score_matrix(scores)
    notes: list[str] = []
    if x.shape[0] < 2:
        raise ValueError("reliability needs at least 2 candidates")
    c = _covariance(x, None) if cov is None else cov
    alpha, why = _alpha_from_cov(c)
    if why:
        notes.append(f"alpha is NaN: {why}")
    dich = known["dichotomous"] if known else _is_dichotomous(x)
    has_nan = (not known["complete"]) if known else bool(np.isnan(x).any())
    totals = known["totals"] if known else np.nansum(x, axis=1)
    if not dich:
        notes.append("KR-20 and KR-21 are NaN: they apply to 0/1 items only")
        k21 = np.nan
    elif has_nan:
        notes.append("KR-21 is NaN: it needs every item presented to every candidate")
        k21 = np.nan
    else:
        k21 = _kr21(totals, x.shape[1])
    sd = float(totals.std(ddof=1))
    sem = standard_error_of_measurement(sd, alpha)
    drop = _alpha_drop(c)
    if x.shape[1] < 3:
        notes.append("alpha if item deleted is NaN: fewer than 2 items would remain")
    return Reliability(
        alpha=alpha,
        kr20=alpha if dich else np.nan,
        kr21=k21,
        sem=sem,
        sd=sd,
        alpha_if_deleted=tuple(float(v) for v in drop),
        notes=tuple(notes),
    )
