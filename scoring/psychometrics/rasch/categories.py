"""Collapsing score categories that no informative candidate reached, before a partial-credit fit.

Orientation: ``responses`` is candidates × items of whole marks 0..m_i (NaN = not presented).

Conditional maximum likelihood estimates a threshold between categories h − 1 and h of an item
only if some candidate with a non-extreme raw score (neither zero nor full on the items they saw)
scored h on it; otherwise the threshold runs off to infinity and :func:`pcm_cml` refuses. On a
real paper that is common: a written answer out of 4 where nobody was given 3, a multiple-response
item where nobody got exactly one option right. The usual remedy (Andrich & Marais 2019, ch. 22,
"rescoring"; RUMM2030's and eRm's practice of dropping unobserved categories) is to count the
empty category together with its neighbour: mark h is recoded as the number of observed
categories at or below h, less one (so an empty category joins the one below it, and an empty
lowest category joins the one above). Removing a category changes which candidates are extreme,
so the recoding is repeated until every remaining category is reached by a non-extreme candidate.

This changes the model's categories only: the marks the candidates were awarded, their totals
and every classical statistic stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import score_matrix, vector

__all__ = ["CollapsedCategories", "collapse_empty_categories"]


@dataclass(frozen=True)
class CollapsedCategories:
    """The recoded matrix and maxima. ``recode[i][h]`` is the category that item i's mark h now
    counts as; ``empty[i]`` lists the item's original marks no non-extreme candidate had (in the
    round they were found); ``changed`` the items whose categories were merged; ``degenerate`` the
    items left with a single category (no information: leave them out of the fit)."""

    responses: np.ndarray
    max_scores: tuple[int, ...]
    recode: tuple[tuple[int, ...], ...]
    empty: tuple[tuple[int, ...], ...]
    changed: tuple[int, ...]
    degenerate: tuple[int, ...]

    def merged(self, i: int) -> list[list[int]]:
        """Item i's groups of original marks that now share a category (only groups of two or more)."""
        groups: dict[int, list[int]] = {}
        for mark, code in enumerate(self.recode[i]):
            groups.setdefault(code, []).append(mark)
        return [marks for marks in groups.values() if len(marks) > 1]


def _nonextreme_counts(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    """counts[i, h]: how many candidates with a non-extreme raw score scored h on item i."""
    present = ~np.isnan(y)
    filled = np.where(present, y, 0.0)
    top = (present * m[None, :]).sum(axis=1)
    raw = filled.sum(axis=1)
    informative = (raw > 0) & (raw < top)
    counts = np.zeros((y.shape[1], int(m.max(initial=0)) + 1))
    for i in range(y.shape[1]):
        seen = informative & present[:, i]
        counts[i, : m[i] + 1] = np.bincount(filled[seen, i].astype(np.int64), minlength=m[i] + 1)[: m[i] + 1]
    return counts


def collapse_empty_categories(responses, max_scores) -> CollapsedCategories:
    """Merge every category of every item that no non-extreme candidate reached into its
    neighbour (below, or above for mark 0), repeating until none is empty."""
    x = score_matrix(responses)
    values = x[~np.isnan(x)]
    if values.size and (np.any(values < 0) or np.any(values != np.round(values))):
        raise ValueError("partial-credit responses must be whole marks 0, 1, 2, … or NaN (not presented)")
    m0 = vector(max_scores, name="max_scores", length=x.shape[1]).astype(np.int64)
    if np.any(m0 < 0):
        raise ValueError("max_scores must not be negative")
    if values.size and np.any(np.nanmax(np.where(np.isnan(x), -1.0, x), axis=0) > m0):
        raise ValueError("a mark lies above its item's maximum")
    k = x.shape[1]
    recode = [np.arange(m + 1) for m in m0]  # original mark → current category
    empty: list[list[int]] = [[] for _ in range(k)]
    for _round in range(int(m0.sum()) + 1):  # each round removes at least one category
        m = np.array([int(r.max()) for r in recode])
        y = np.where(np.isnan(x), np.nan, 0.0)
        for i in range(k):
            col = x[:, i]
            seen = ~np.isnan(col)
            y[seen, i] = recode[i][col[seen].astype(np.int64)]
        counts = _nonextreme_counts(y, m)
        changed = False
        for i in range(k):
            if m[i] == 0:
                continue
            reached = counts[i, : m[i] + 1] > 0
            if reached.all() or not reached.any():
                continue  # nothing empty; or no informative candidate saw it (the fit says so)
            # Category c becomes (observed categories ≤ c) − 1, floored at 0.
            new = np.maximum(np.cumsum(reached) - 1, 0)
            for code in np.flatnonzero(~reached):
                empty[i].extend(int(mark) for mark in np.flatnonzero(recode[i] == code))
            recode[i] = new[recode[i]]
            changed = True
        if not changed:
            break
    m = np.array([int(r.max()) for r in recode])
    out = np.where(np.isnan(x), np.nan, 0.0)
    for i in range(k):
        seen = ~np.isnan(x[:, i])
        out[seen, i] = recode[i][x[seen, i].astype(np.int64)]
    changed_items = tuple(i for i in range(k) if int(recode[i].max()) != int(m0[i]))
    return CollapsedCategories(out, tuple(int(v) for v in m), tuple(tuple(int(c) for c in r) for r in recode),
                               tuple(tuple(sorted(set(e))) for e in empty), changed_items,
                               tuple(i for i in range(k) if m[i] == 0 and m0[i] > 0))
