"""Reliability and the score distribution: Cronbach's alpha (= KR-20 on 0/1 items), alpha if item
deleted, KR-21, the standard error of measurement and summary statistics of total scores.

Orientation: every ``scores`` argument is a candidates × items matrix. An empty cell (NaN) is an
omitted response and scores 0, here as in every classical statistic (see item_analysis).

Items on which every candidate scored the same (constant items) carry no information about
consistency; like R's ``psych::alpha``, which deletes them with a warning, alpha, KR-20 and KR-21
are computed without them and the result names them (``constant_items`` and a note).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import labels, score_matrix, vector

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
    constant_items: tuple[str, ...] = ()


def _scored(scores) -> np.ndarray:
    """The validated matrix with omitted (NaN) responses scored 0."""
    x = score_matrix(scores)
    return np.where(np.isnan(x), 0.0, x) if np.isnan(x).any() else x


def item_covariance(scores) -> np.ndarray:
    """Items × items covariance matrix (divisor n − 1) of a candidates × items score matrix, an
    omitted (NaN) response scoring 0."""
    x = _scored(scores)
    if x.shape[0] < 2:
        raise ValueError("a covariance needs at least 2 candidates")
    return _covariance(x)


# float32 holds every integer below 2**24 exactly, so a cross-product of whole marks whose sums stay
# below that is computed exactly by single-precision BLAS, at twice the speed of double.
_EXACT_F32 = float(2**24)


def _covariance(x: np.ndarray) -> np.ndarray:
    """`item_covariance` of an already validated matrix with no NaN."""
    n = x.shape[0]
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


def _alpha_from_cov(cov: np.ndarray) -> tuple[float, str | None]:
    k = cov.shape[0]
    if k < 2:
        return np.nan, "alpha needs at least 2 items"
    total_var = cov.sum()
    if not total_var > 1e-12 * max(1.0, np.trace(cov)):
        return np.nan, "total scores have zero variance"
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total_var)), None


def cronbach_alpha(scores) -> float:
    """Cronbach's alpha of a candidates × items score matrix: k/(k−1) · (1 − Σ var_i / var_total),
    over the items that vary (constant items are left out, as psych::alpha does).

    NaN when fewer than 2 items vary or the totals have no variance (see `reliability` for the
    reason in words).
    """
    x = _scored(scores)
    keep = _varying(x)
    return _alpha_from_cov(item_covariance(x[:, keep]))[0]


def _varying(x: np.ndarray) -> np.ndarray:
    """Items on which not every candidate scored the same (exactly: no rounding in a variance)."""
    return np.ptp(x, axis=0) > 0


def _alpha_drop(cov: np.ndarray) -> np.ndarray:
    k = cov.shape[0]
    if k < 3:
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
    candidates × items matrix). NaN when fewer than 2 varying items would remain; a constant item's
    value is alpha itself (it is already left out)."""
    return np.array(reliability(scores).alpha_if_deleted)


def _is_dichotomous(x: np.ndarray) -> bool:
    v = x[~np.isnan(x)]
    return bool(np.all((v == 0) | (v == 1)))


def kr20(scores) -> float:
    """KR-20 of a candidates × items matrix of 0/1 scores (Kuder & Richardson 1937) — identical to
    Cronbach's alpha on 0/1 items. NaN when any score is not 0 or 1."""
    x = _scored(scores)
    if not _is_dichotomous(x):
        return np.nan
    return cronbach_alpha(x)


def kr21(scores) -> float:
    """KR-21 of a complete candidates × items matrix of 0/1 scores:
    k/(k−1) · (1 − M(k − M)/(k s²)), M the mean total and s² its variance (divisor n − 1).

    It assumes equally difficult items, so it is a lower bound on KR-20 and is reported only as a
    check. Over the items that vary, like alpha; an omitted (NaN) response scores 0. NaN for
    non-0/1 scores, fewer than 2 varying items or zero variance.
    """
    x = _scored(scores)
    if not _is_dichotomous(x) or x.shape[0] < 2:
        return np.nan
    keep = _varying(x)
    return _kr21(x[:, keep].sum(axis=1), int(keep.sum()))


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


def reliability(scores, *, cov: np.ndarray | None = None, items=None, _known: dict | None = None) -> Reliability:
    """Alpha, KR-20, KR-21, SEM and alpha-if-deleted of a candidates × items score matrix, with the
    reason for any NaN in ``notes``. An omitted (NaN) response scores 0. Constant items are left
    out of alpha, KR-20 and KR-21 and named in ``constant_items`` (``items`` gives their labels).
    ``cov`` may pass a covariance already computed by `item_covariance` for the same matrix.

    ``_known`` is for `item_analysis`, which has already validated the matrix (no NaN left) and
    knows whether it is 0/1 and its totals: {"dichotomous", "totals"}.
    """
    known = _known or {}
    x = scores if known else _scored(scores)
    notes: list[str] = []
    n, k = x.shape
    if n < 2:
        raise ValueError("reliability needs at least 2 candidates")
    names = labels(items, k, prefix="item", name="items")
    c = _covariance(x) if cov is None else cov
    keep = _varying(x)
    constant = tuple(name for name, kept in zip(names, keep) if not kept)
    if constant and keep.any():
        c = c[np.ix_(keep, keep)]
        notes.append(f"alpha leaves out {len(constant)} item(s) on which every candidate scored the same "
                     f"({', '.join(constant)}), as psych::alpha does: they cannot show consistency")
    alpha, why = _alpha_from_cov(c if keep.any() else c[:0, :0])
    if why:
        notes.append(f"alpha is NaN: {why if keep.sum() >= 2 or not constant else 'fewer than 2 items vary'}")
    dich = known["dichotomous"] if known else _is_dichotomous(x)
    totals = known["totals"] if known else x.sum(axis=1)
    if not dich:
        notes.append("KR-20 and KR-21 are NaN: they apply to 0/1 items only")
        k21 = np.nan
    else:
        k21 = _kr21(x[:, keep].sum(axis=1), int(keep.sum()))
    sd = float(totals.std(ddof=1))
    sem = standard_error_of_measurement(sd, alpha)
    drop = np.full(k, alpha)  # removing a constant item changes nothing
    if keep.any():
        drop[keep] = _alpha_drop(c)
    if keep.sum() < 3:
        notes.append("alpha if item deleted is NaN: fewer than 2 varying items would remain")
    return Reliability(
        alpha=alpha,
        kr20=alpha if dich else np.nan,
        kr21=k21,
        sem=sem,
        sd=sd,
        alpha_if_deleted=tuple(float(v) for v in drop),
        notes=tuple(notes),
        constant_items=constant,
    )
