"""Ebel's method (Ebel 1972; Cizek & Bunch 2007, ch. 7).

Judges sort each item into a cell of a relevance × difficulty grid (e.g. essential / important /
acceptable / questionable × easy / medium / hard) and agree, per cell, the proportion of items in
it that a just-competent candidate would answer correctly. The cut is the expected number of
marks: Σ over cells of (marks in the cell × the cell's success rate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import fraction, labels, vector

__all__ = ["EbelCell", "EbelResult", "ebel"]


@dataclass(frozen=True)
class EbelCell:
    relevance: str
    difficulty: str
    n_items: int
    marks: float
    success_rate: float
    expected_marks: float


@dataclass(frozen=True)
class EbelResult:
    cut_score: float
    cut_fraction: float
    max_score: float
    cells: tuple[EbelCell, ...]


def ebel(categories, success_rates: dict, *, items=None, max_scores=None) -> EbelResult:
    """Ebel cut score. ``categories``: one (relevance, difficulty) pair per item (item order);
    ``success_rates``: {(relevance, difficulty): proportion 0–1}; ``max_scores`` one per item
    (default 1). Every occupied cell needs a rate; rates for empty cells are allowed and ignored."""
    cats = [(str(a), str(b)) for a, b in categories]
    if not cats:
        raise ValueError("no items given")
    names = labels(items, len(cats), prefix="item", name="items")
    m = np.ones(len(cats)) if max_scores is None else vector(max_scores, name="max_scores", length=len(cats))
    rates = {(str(a), str(b)): fraction(v, name=f"success rate of cell {a}/{b}") for (a, b), v in success_rates.items()}
    cells: dict[tuple[str, str], list[float]] = {}
    for name, cell, marks in zip(names, cats, m):
        if cell not in rates:
            raise ValueError(f"item {name} is in cell {cell[0]}/{cell[1]}, which has no success rate")
        cells.setdefault(cell, []).append(float(marks))
    out = tuple(
        EbelCell(rel, dif, len(v), float(sum(v)), rates[(rel, dif)], float(sum(v)) * rates[(rel, dif)])
        for (rel, dif), v in cells.items()
    )
    cut = float(sum(c.expected_marks for c in out))
    return EbelResult(cut, cut / float(m.sum()), float(m.sum()), out)
