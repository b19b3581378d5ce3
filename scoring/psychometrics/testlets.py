"""Case studies are testlets: testlet scores and a testlet-based reliability.

Items that share a case study (a stem, a vignette) are not locally independent: an examiner's
reading of the vignette helps or hinders all of them together. Item-level alpha then overstates
reliability. Sireci, Thissen & Wainer (1991) recommend computing reliability over *testlet scores*
— the sum of a candidate's item scores within each testlet — treating each testlet as one
polytomous item. This module gives those scores and Cronbach's alpha over them, beside the
item-level alpha, so the two can be read together (the gap is a measure of the dependence).

Orientation: ``scores`` is candidates × items; ``testlets`` gives each item's testlet label (one
per item, in column order). An item whose label is None or "" stands alone and counts as a
testlet of one item under its own name. Omitted responses (NaN) score 0, as everywhere in the
classical statistics. Testlets are reported in order of first appearance.

(No public name here begins with "test": pytest would collect it from any test module importing it.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import labels, score_matrix
from .reliability import reliability

__all__ = ["ScoresByTestlet", "ReliabilityByTestlet", "scores_by_testlet", "reliability_by_testlet"]


@dataclass(frozen=True)
class ScoresByTestlet:
    testlets: tuple[str, ...]
    items: tuple[tuple[str, ...], ...]   # the items of each testlet
    scores: np.ndarray                   # candidates × testlets, sums of item scores


@dataclass(frozen=True)
class ReliabilityByTestlet:
    testlets: tuple[str, ...]
    n_items: tuple[int, ...]
    mean: tuple[float, ...]              # per testlet
    sd: tuple[float, ...]                # per testlet, divisor n − 1
    testlet_alpha: float                 # alpha over the testlet scores (Sireci, Thissen & Wainer 1991)
    testlet_alpha_if_deleted: tuple[float, ...]
    testlet_sem: float
    item_alpha: float                    # the usual alpha over the items, for comparison
    item_sem: float
    notes: tuple[str, ...]


def scores_by_testlet(scores, testlets, *, items=None) -> ScoresByTestlet:
    """Sum of each candidate's item scores per testlet (candidates × testlets)."""
    x = score_matrix(scores)
    x = np.where(np.isnan(x), 0.0, x)
    names = labels(items, x.shape[1], prefix="item", name="items")
    tl = list(testlets)
    if len(tl) != x.shape[1]:
        raise ValueError(f"testlets has {len(tl)} labels; expected one per item ({x.shape[1]})")
    keys: list[str] = []
    members: dict[str, list[int]] = {}
    for j, t in enumerate(tl):
        key = names[j] if t is None or str(t).strip() == "" else str(t)
        if key not in members:
            members[key] = []
            keys.append(key)
        members[key].append(j)
    standalone = {names[j] for j, t in enumerate(tl) if t is None or str(t).strip() == ""}
    clash = standalone & {str(t) for t in tl if t is not None and str(t).strip()}
    if clash:
        raise ValueError(f"a stand-alone item has the same name as a testlet: {sorted(clash)[0]!r}")
    out = np.column_stack([x[:, members[k]].sum(axis=1) for k in keys])
    return ScoresByTestlet(tuple(keys), tuple(tuple(names[j] for j in members[k]) for k in keys), out)


def reliability_by_testlet(scores, testlets, *, items=None) -> ReliabilityByTestlet:
    """Cronbach's alpha over testlet scores beside item-level alpha (see the module docstring).
    Needs at least 2 candidates; alpha is NaN with a note when fewer than 2 testlets vary."""
    ts = scores_by_testlet(scores, testlets, items=items)
    x = np.where(np.isnan(score_matrix(scores)), 0.0, score_matrix(scores))
    if x.shape[0] < 2:
        raise ValueError("testlet reliability needs at least 2 candidates")
    rt = reliability(ts.scores, items=ts.testlets)
    ri = reliability(x, items=items)
    # KR-20/21 do not concern testlets (sums of several items are never 0/1): leave their note out.
    notes = [f"testlet level: {n}" for n in rt.notes if not n.startswith("KR-20")]
    notes += [f"item level: {n}" for n in ri.notes if not n.startswith("KR-20")]
    if len(ts.testlets) == x.shape[1]:
        notes.append("every testlet holds one item: testlet alpha is item alpha")
    return ReliabilityByTestlet(
        testlets=ts.testlets,
        n_items=tuple(len(m) for m in ts.items),
        mean=tuple(float(v) for v in ts.scores.mean(axis=0)),
        sd=tuple(float(v) for v in ts.scores.std(axis=0, ddof=1)),
        testlet_alpha=rt.alpha,
        testlet_alpha_if_deleted=rt.alpha_if_deleted,
        testlet_sem=rt.sem,
        item_alpha=ri.alpha,
        item_sem=ri.sem,
        notes=tuple(notes),
    )
