"""Distractor (option) analysis for selected-response items.

Orientation: ``choices`` is a candidates × items array of the option each candidate chose
(a string such as "A" or "3"; None or "" for an omitted response). Every candidate is taken to have
been presented every item.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["OptionStatistics", "OptionAnalysis", "score_choices", "distractor_analysis", "group_weights"]


@dataclass(frozen=True)
class OptionStatistics:
    """One option of one item: the share of candidates choosing it overall and in the upper and
    lower 27 % groups, and the point-biserial of choosing it with the rest score."""

    option: str
    is_key: bool
    proportion: float
    upper_proportion: float
    lower_proportion: float
    pbis_rest: float


@dataclass(frozen=True)
class OptionAnalysis:
    """All options of one item plus the share who omitted it."""

    item: str
    key: str
    omitted: float
    options: tuple[OptionStatistics, ...]


def _normalise(value) -> str:
    """Options are matched case-insensitively after trimming; None and "" are an omission."""
    if value is None:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    return str(value).strip().upper()


def score_choices(choices, keys) -> np.ndarray:
    """0/1 candidates × items score matrix from chosen options and one key per item
    (omitted scores 0)."""
    ch = np.asarray(choices, dtype=object)
    if ch.ndim != 2:
        raise ValueError("choices must be a 2-D candidates × items array")
    k = [_normalise(v) for v in keys]
    if len(k) != ch.shape[1]:
        raise ValueError(f"{len(k)} keys given for {ch.shape[1]} items")
    if any(v == "" for v in k):
        raise ValueError("every item needs a non-empty key")
    norm = np.vectorize(_normalise, otypes=[object])(ch) if ch.size else ch
    return (norm == np.asarray(k, dtype=object)[None, :]).astype(np.float64)


def group_weights(totals: np.ndarray, fraction: float = 0.27) -> tuple[np.ndarray, np.ndarray, float]:
    """Weights putting candidates in the upper and lower groups (by total score, one per candidate).

    Group size g = round(fraction × n) (halves up, at least 1). Tie rule: candidates tied on the
    total at a group's boundary all enter it with the same fractional weight, so that the weights
    sum to g exactly — the same answer as averaging over every order the tied candidates could be
    put in, and independent of row order.
    """
    t = np.asarray(totals, dtype=np.float64)
    n = t.size
    g = max(1, int(np.floor(fraction * n + 0.5)))

    def weights(values: np.ndarray) -> np.ndarray:
        boundary = np.sort(values)[::-1][g - 1]
        above = values > boundary
        tied = values == boundary
        w = above.astype(np.float64)
        w[tied] = (g - above.sum()) / tied.sum()
        return w

    return weights(t), weights(-t), float(g)


def _corr_with(indicators: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of ``indicators`` with ``y`` (NaN where either is constant)."""
    ic = indicators - indicators.mean(axis=0)
    yc = y - y.mean()
    num = ic.T @ yc
    den = np.sqrt((ic * ic).sum(axis=0) * (yc @ yc))
    out = np.full(indicators.shape[1], np.nan)
    ok = den > 0
    out[ok] = num[ok] / den[ok]
    return out


def distractor_analysis(choices, keys, *, scores=None, options=None, items=None, fraction: float = 0.27):
    """Option analysis of a candidates × items array of chosen options.

    ``scores`` is the candidates × items score matrix whose row sums are the totals (defaults to
    the 0/1 scoring of ``choices`` against ``keys``); each item's rest score is the total minus
    that item's score. ``options`` lists each item's legal options (default: those observed plus
    the key). Returns one `OptionAnalysis` per item. A point-biserial is NaN when nobody (or
    everybody) chose the option or the rest score does not vary.
    """
    ch = np.asarray(choices, dtype=object)
    if ch.ndim != 2 or ch.shape[0] < 1:
        raise ValueError("choices must be a non-empty 2-D candidates × items array")
    norm = np.vectorize(_normalise, otypes=[object])(ch)
    key_list = [_normalise(v) for v in keys]
    s = score_choices(ch, keys) if scores is None else np.asarray(scores, dtype=np.float64)
    if s.shape != ch.shape:
        raise ValueError(f"scores have shape {s.shape} but choices have shape {ch.shape}")
    totals = np.nansum(s, axis=1)
    upper, lower, g = group_weights(totals, fraction)
    names = [f"item{i + 1}" for i in range(ch.shape[1])] if items is None else [str(i) for i in items]
    out = []
    for j in range(ch.shape[1]):
        col = norm[:, j]
        if options is not None and options[j]:
            opts = [_normalise(o) for o in options[j]]
            stray = sorted({v for v in col if v and v not in opts})
            if stray:
                raise ValueError(f"item {names[j]}: responses {stray} are not among its options {opts}")
        else:
            opts = sorted({v for v in col if v} | {key_list[j]}, key=_option_sort_key)
        if key_list[j] not in opts:
            raise ValueError(f"item {names[j]}: key {key_list[j]!r} is not among its options {opts}")
        ind = (col[:, None] == np.asarray(opts, dtype=object)[None, :]).astype(np.float64)
        rest = totals - np.nan_to_num(s[:, j])
        pb = _corr_with(ind, rest)
        stats = tuple(
            OptionStatistics(
                option=o,
                is_key=o == key_list[j],
                proportion=float(ind[:, i].mean()),
                upper_proportion=float(upper @ ind[:, i] / g),
                lower_proportion=float(lower @ ind[:, i] / g),
                pbis_rest=float(pb[i]),
            )
            for i, o in enumerate(opts)
        )
        out.append(OptionAnalysis(names[j], key_list[j], float((col == "").mean()), stats))
    return tuple(out)


def _option_sort_key(o: str):
    return (0, int(o), o) if o.isdigit() else (1, 0, o)
