"""Classical item analysis: facility, item–total and item–rest point-biserials, biserial,
upper–lower discrimination on 27 % groups, reliability, the score distribution and flags for
examiner review.

Orientation: ``scores`` is a candidates × items matrix of item scores (0/1 or polytomous marks).
An empty cell (NaN) is an omitted response and scores 0 in every statistic — facility, the
correlations, the upper–lower index, alpha and the totals alike — which is the usual classical
convention (and what R's psych gives on the matrix with the omissions scored 0). A paper given in
several forms is analysed one form at a time; only the Rasch model treats NaN as "not presented".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtri

from ._checks import labels, score_matrix, vector
from .distractors import OptionAnalysis, distractor_analysis, group_weights, score_choices
from .reliability import DEFAULT_PERCENTILES, ScoreDistribution, _covariance, reliability, score_distribution

__all__ = [
    "FlagThresholds",
    "ItemStatistics",
    "ScoreSummary",
    "ItemAnalysis",
    "facility",
    "item_correlations",
    "biserial",
    "upper_lower_discrimination",
    "item_analysis",
    "item_analysis_from_choices",
]


@dataclass(frozen=True)
class FlagThresholds:
    """Where an exam board draws the lines for flagging an item for review.

    - facility below ``min_facility`` → "too_hard"; above ``max_facility`` → "too_easy";
    - item–rest point-biserial below 0 → "negative_discrimination"; below ``min_discrimination``
      → "low_discrimination";
    - a distractor chosen by a larger share of the upper 27 % group than the key → "distractor_attracts_strong";
    - a distractor whose option–rest point-biserial is higher than the key's and *clearly* above
      ``miskey_distractor_pbis`` — the lower end of its ``miskey_confidence`` confidence interval
      (Fisher's z) is above it — → "possible_miskey" (it behaves the way the key should).
      Sample-size guard: with fewer than ``miskey_min_candidates`` candidates the check is not made
      (a note says so). A correlation's standard error is about 1/√n — 0.14 at n = 50 — so on
      small samples some distractor of most items beats a key of 0.05 by chance alone: on random
      answers from 50 candidates the unguarded rule flagged three items in four.
    """

    min_facility: float = 0.20
    max_facility: float = 0.90
    min_discrimination: float = 0.15
    miskey_distractor_pbis: float = 0.05
    group_fraction: float = 0.27
    miskey_min_candidates: int = 100
    miskey_confidence: float = 0.95

    def __post_init__(self):
        if not 0 <= self.min_facility <= self.max_facility <= 1:
            raise ValueError("facility thresholds need 0 ≤ min_facility ≤ max_facility ≤ 1")
        if not 0 < self.group_fraction <= 0.5:
            raise ValueError("group_fraction must be in (0, 0.5]")
        if not 0 < self.miskey_confidence < 1:
            raise ValueError("miskey_confidence must be between 0 and 1")
        if self.miskey_min_candidates < 4:
            raise ValueError("miskey_min_candidates must be at least 4 (Fisher's z needs n − 3 > 0)")


def _lower_bound(r: float, n: int, confidence: float) -> float:
    """Lower end of the two-sided confidence interval of a correlation (Fisher's z; n > 3)."""
    if not np.isfinite(r) or abs(r) >= 1:
        return r
    z = ndtri(0.5 + confidence / 2)
    return float(np.tanh(np.arctanh(r) - z / np.sqrt(n - 3)))


@dataclass(frozen=True)
class ItemStatistics:
    """One item's classical statistics; NaN values are explained in ``notes``."""

    item: str
    n: int
    max_score: float
    mean: float
    facility: float
    pbis: float
    pbis_corrected: float
    biserial: float
    discrimination_ul27: float
    alpha_if_deleted: float
    flags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    options: OptionAnalysis | None = None


@dataclass(frozen=True)
class ScoreSummary:
    """The whole paper: total-score distribution and reliability."""

    n_candidates: int
    n_items: int
    max_score: float
    distribution: ScoreDistribution
    alpha: float
    kr20: float
    kr21: float
    sem: float
    notes: tuple[str, ...] = ()
    constant_items: tuple[str, ...] = ()  # left out of alpha, KR-20 and KR-21 (see `reliability`)


@dataclass(frozen=True)
class ItemAnalysis:
    """Result of `item_analysis`: the paper summary and one `ItemStatistics` per item."""

    summary: ScoreSummary
    items: tuple[ItemStatistics, ...]
    thresholds: FlagThresholds = field(default_factory=FlagThresholds)


def _max_scores(x: np.ndarray, max_scores) -> tuple[np.ndarray, list[str]]:
    k = x.shape[1]
    notes = [""] * k
    observed = _col_max(x)
    stated = np.full(k, np.nan) if max_scores is None else vector(max_scores, name="max_scores", length=k, allow_nan=True)
    given = ~np.isnan(stated)
    if (stated[given] <= 0).any():
        raise ValueError("every max score must be positive")
    over = given & (observed > np.where(given, stated, np.inf))
    if over.any():
        raise ValueError(f"items {list(np.flatnonzero(over) + 1)} have scores above their max score")
    # An item whose max is not stated (NaN): 1 for a 0/1 item, else the best observed score — which
    # understates the max when nobody earned full marks, so the note asks for the real one.
    m = np.where(given, stated, np.where(observed <= 1, 1.0, observed))
    for j in np.flatnonzero(~given & (observed > 1)):
        notes[j] = (f"max score taken as the highest observed score ({observed[j]:g}); state the real maximum "
                    "(max_scores, or --max-marks on the command line)")
    return m, notes


def _col_max(x: np.ndarray) -> np.ndarray:
    """Largest score per item (of a validated matrix: no NaN left)."""
    return x.max(axis=0)


def facility(scores, max_scores=None) -> np.ndarray:
    """Facility of each item of a candidates × items matrix: mean score / max score, an omitted
    (NaN) response scoring 0. ``max_scores`` defaults to 1 for 0/1 items, else the observed maximum."""
    x, _ = _validated(scores)
    m, _ = _max_scores(x, max_scores)
    return x.mean(axis=0) / m


def _validated(scores) -> tuple[np.ndarray, int]:
    """The matrix with omitted (NaN) cells scored 0, and how many there were."""
    x = score_matrix(scores)
    empty = np.isnan(x)
    n_empty = int(empty.sum())
    if n_empty:
        x = np.where(empty, 0.0, x)
    if x.min() < 0:
        raise ValueError("item scores must not be negative")
    return x, n_empty


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(num.shape, np.nan)
    ok = den > 0
    out[ok] = num[ok] / np.sqrt(den[ok])
    return out


def item_correlations(scores, *, cov: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Point-biserial (Pearson) correlations of each item with the total score and with the rest
    score (total minus that item), for a candidates × items matrix (an omitted, NaN, response
    scores 0). Returns (item_total, item_rest); NaN where the item or the score it is correlated
    with does not vary.
    """
    x, _ = _validated(scores)
    return _item_correlations(x, cov)


def _item_correlations(x: np.ndarray, cov: np.ndarray | None):
    c = _covariance(x) if cov is None else cov
    diag = np.diag(c)
    rows = c.sum(axis=1)
    total_var = c.sum()
    # Var(rest) = Var(T) − 2 Cov(x, T) + Var(x); clip rounding noise at a true zero.
    rest_var = np.maximum(total_var - 2.0 * rows + diag, 0.0)
    return _ratio(rows, diag * total_var), _ratio(rows - diag, diag * rest_var)


def biserial(scores, *, pbis_rest: np.ndarray | None = None) -> np.ndarray:
    """Biserial correlation of each 0/1 item of a candidates × items matrix with the rest score:
    r_bis = r_pb · √(pq) / φ(Φ⁻¹(p)), with r_pb the item–rest point-biserial and p the facility.

    This is the population form (the point-biserial uses matching divisors throughout).
    R's ``psych::biserial`` divides the mean difference by the n − 1 SD instead, so its value is
    this one × √((n − 1)/n). NaN for polytomous items, or when p is 0 or 1.
    """
    x, _ = _validated(scores)
    if pbis_rest is None:
        pbis_rest = _item_correlations(x, None)[1]
    return _biserial(_dichotomous_items(x), x.mean(axis=0), pbis_rest)


def _dichotomous_items(x: np.ndarray) -> np.ndarray:
    """Per item: are all its scores 0 or 1?"""
    return ((x == 0) | (x == 1)).all(axis=0)


def _biserial(is01: np.ndarray, p: np.ndarray, pbis_rest: np.ndarray) -> np.ndarray:
    out = np.full(p.shape, np.nan)
    ok = is01 & (p > 0) & (p < 1) & ~np.isnan(pbis_rest)
    z = ndtri(p[ok])
    ordinate = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
    out[ok] = pbis_rest[ok] * np.sqrt(p[ok] * (1 - p[ok])) / ordinate
    return out


def upper_lower_discrimination(scores, max_scores=None, fraction: float = 0.27) -> np.ndarray:
    """Upper–lower discrimination index of each item of a candidates × items matrix: the item's mean
    score (as a fraction of its max) in the top ``fraction`` of candidates by total score minus that
    in the bottom ``fraction``. Ties at a group boundary share it fractionally (see
    `distractors.group_weights`). An omitted (NaN) response scores 0, in the item and in the total
    that forms the groups. NaN with fewer than 2 candidates.
    """
    x, _ = _validated(scores)
    m, _ = _max_scores(x, max_scores)
    return _upper_lower(x, x.sum(axis=1), m, fraction)


def _upper_lower(x, totals, m, fraction):
    if x.shape[0] < 2:
        return np.full(x.shape[1], np.nan)
    up, lo, g = group_weights(totals, fraction)
    return ((up - lo) @ x) / (g * m)


def _flags(fac, pbis_rest, opts: OptionAnalysis | None, th: FlagThresholds, n: int) -> tuple[tuple[str, ...], list[str]]:
    flags: list[str] = []
    notes: list[str] = []
    if fac < th.min_facility:
        flags.append("too_hard")
    if fac > th.max_facility:
        flags.append("too_easy")
    if pbis_rest < 0:
        flags.append("negative_discrimination")
    elif pbis_rest < th.min_discrimination:
        flags.append("low_discrimination")
    if opts is not None:
        key = next(o for o in opts.options if o.is_key)
        strong = [o.option for o in opts.options if not o.is_key and o.upper_proportion > key.upper_proportion]
        if strong:
            flags.append("distractor_attracts_strong")
            notes.append(f"upper group chose {', '.join(strong)} more often than the key {key.option}")
        # NaN compares False, so an option nobody chose never triggers this.
        key_pb = key.pbis_rest if not np.isnan(key.pbis_rest) else -np.inf
        rivals = [] if n < th.miskey_min_candidates else [
            o for o in opts.options
            if not o.is_key and o.pbis_rest > key_pb
            and _lower_bound(o.pbis_rest, n, th.miskey_confidence) > th.miskey_distractor_pbis
        ]
        if rivals:
            best = max(rivals, key=lambda o: o.pbis_rest)
            flags.append("possible_miskey")
            notes.append(f"possible miskey: option {best.option} behaves like the key (pbis_rest {best.pbis_rest:.3f})")
    return tuple(flags), notes


def item_analysis(
    scores,
    *,
    items=None,
    max_scores=None,
    thresholds: FlagThresholds | None = None,
    percentiles=DEFAULT_PERCENTILES,
    option_analysis: tuple[OptionAnalysis, ...] | None = None,
) -> ItemAnalysis:
    """Full classical item analysis of a candidates × items score matrix (NaN = omitted, scores 0).

    Needs at least 2 candidates (ValueError otherwise). Degenerate items (no variance) and papers
    (fewer than 2 items, constant totals) give NaN with the reason in ``notes``.
    ``option_analysis`` (from `distractor_analysis`, one per item) adds the option figures and
    the distractor and miskey flags.
    """
    th = thresholds or FlagThresholds()
    x, n_empty = _validated(scores)
    n, k = x.shape
    if n < 2:
        raise ValueError(f"item analysis needs at least 2 candidates; got {n}")
    names = labels(items, k, prefix="item", name="items")
    m, max_notes = _max_scores(x, max_scores)
    totals = x.sum(axis=1)
    is01 = _dichotomous_items(x)
    cov = _covariance(x)
    rel = reliability(x, cov=cov, items=names, _known={"dichotomous": bool(is01.all()), "totals": totals})
    r_total, r_rest = _item_correlations(x, cov)
    means = x.mean(axis=0)
    bis = _biserial(is01, means, r_rest)
    ul = _upper_lower(x, totals, m, th.group_fraction)
    fac = means / m
    stats = []
    for j in range(k):
        notes = [s for s in (max_notes[j],) if s]
        if np.isnan(r_total[j]):
            notes.append("point-biserials are NaN: every candidate scored the same on this item"
                         if np.ptp(x[:, j]) == 0 else "point-biserials are NaN: total scores do not vary")
        elif np.isnan(r_rest[j]):
            notes.append("item–rest point-biserial is NaN: the rest score does not vary")
        if np.isnan(bis[j]):
            notes.append("biserial is NaN: " + ("it is defined for 0/1 items only" if not is01[j] else "facility is 0 or 1, or the item–rest correlation is NaN"))
        opts = option_analysis[j] if option_analysis is not None else None
        flags, flag_notes = _flags(fac[j], r_rest[j], opts, th, n)
        stats.append(
            ItemStatistics(
                item=names[j],
                n=n,
                max_score=float(m[j]),
                mean=float(means[j]),
                facility=float(fac[j]),
                pbis=float(r_total[j]),
                pbis_corrected=float(r_rest[j]),
                biserial=float(bis[j]),
                discrimination_ul27=float(ul[j]),
                alpha_if_deleted=rel.alpha_if_deleted[j],
                flags=flags,
                notes=tuple(notes + flag_notes),
                options=opts,
            )
        )
    summary = ScoreSummary(
        n_candidates=n,
        n_items=k,
        max_score=float(m.sum()),
        distribution=score_distribution(totals, percentiles),
        alpha=rel.alpha,
        kr20=rel.kr20,
        kr21=rel.kr21,
        sem=rel.sem,
        notes=rel.notes + ((f"{n_empty} empty cell(s) scored 0 as omitted responses",) if n_empty else ())
        + ((f"the possible-miskey check needs at least {th.miskey_min_candidates} candidates; with {n} a "
            "distractor beats the key by chance too often to mean anything, so it was not made",)
           if option_analysis is not None and n < th.miskey_min_candidates else ()),
        constant_items=rel.constant_items,
    )
    return ItemAnalysis(summary, tuple(stats), th)


def item_analysis_from_choices(
    choices,
    keys,
    *,
    items=None,
    options=None,
    thresholds: FlagThresholds | None = None,
    percentiles=DEFAULT_PERCENTILES,
) -> ItemAnalysis:
    """Item analysis of a candidates × items array of chosen options (None/"" = omitted, scores 0)
    against one key per item, with distractor analysis for every item."""
    th = thresholds or FlagThresholds()
    s = score_choices(choices, keys)
    names = labels(items, s.shape[1], prefix="item", name="items")
    opts = distractor_analysis(choices, keys, scores=s, options=options, items=names, fraction=th.group_fraction)
    return item_analysis(s, items=names, max_scores=np.ones(s.shape[1]), thresholds=th,
                         percentiles=percentiles, option_analysis=opts)

