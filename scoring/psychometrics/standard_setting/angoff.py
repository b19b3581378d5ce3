"""Modified Angoff (Angoff 1971; Cizek & Bunch 2007, ch. 6).

Orientation: ``ratings`` is a judges × items matrix; each cell is the judge's estimate of the
probability that a just-competent candidate succeeds on the item (for an item worth several marks:
the expected fraction of its marks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._checks import labels, vector

__all__ = ["AngoffResult", "IntraclassCorrelations", "angoff", "ratings_matrix", "intraclass_correlations"]


@dataclass(frozen=True)
class IntraclassCorrelations:
    """Shrout & Fleiss (1979) ICCs with items as targets and judges as raters: ICC(2,1) absolute
    agreement of single judges, ICC(2,k) of the panel mean; ICC(3,1)/(3,k) consistency."""

    icc2: float
    icc2k: float
    icc3: float
    icc3k: float


@dataclass(frozen=True)
class AngoffResult:
    """cut_score in marks = Σ_items mean rating × item max; se = SD of judges' cuts / √judges."""

    cut_score: float
    cut_fraction: float
    se: float
    sd_judges: float
    max_score: float
    judges: tuple[str, ...]
    judge_cuts: tuple[float, ...]
    items: tuple[str, ...]
    item_means: tuple[float, ...]
    excluded: tuple[str, ...]
    agreement: IntraclassCorrelations

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_judges(self) -> int:
        return len(self.judges)


def intraclass_correlations(ratings) -> IntraclassCorrelations:
    """ICCs of a judges × items matrix from the two-way ANOVA mean squares (Shrout & Fleiss 1979);
    NaN when the items do not vary or there are fewer than 2 judges or items."""
    r = np.asarray(ratings, dtype=np.float64).T  # targets (items) × raters (judges)
    n, k = r.shape
    if n < 2 or k < 2:
        return IntraclassCorrelations(np.nan, np.nan, np.nan, np.nan)
    grand = r.mean()
    ss_rows = k * ((r.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((r.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((r - grand) ** 2).sum() - ss_rows - ss_cols
    msr, msc, mse = ss_rows / (n - 1), ss_cols / (k - 1), ss_err / ((n - 1) * (k - 1))
    if not msr > 0:
        return IntraclassCorrelations(np.nan, np.nan, np.nan, np.nan)
    return IntraclassCorrelations(
        icc2=float((msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)),
        icc2k=float((msr - mse) / (msr + (msc - mse) / n)),
        icc3=float((msr - mse) / (msr + (k - 1) * mse)),
        icc3k=float((msr - mse) / msr),
    )


def ratings_matrix(records, *, round=None):
    """Turn long records (judge, item, rating[, round]) into (judges, items, judges × items matrix,
    round used). Uses the given round, else the latest; every judge must rate every item once."""
    rows = []
    for rec in records:
        judge, item, rating = str(rec[0]), str(rec[1]), float(rec[2])
        rnd = rec[3] if len(rec) > 3 and rec[3] is not None else 1
        rows.append((judge, item, rating, int(rnd)))
    if not rows:
        raise ValueError("no ratings given")
    rounds = sorted({r[3] for r in rows})
    use = rounds[-1] if round is None else int(round)
    if use not in rounds:
        raise ValueError(f"there are no ratings for round {use}; rounds present: {rounds}")
    rows = [r for r in rows if r[3] == use]
    judges = tuple(dict.fromkeys(r[0] for r in rows))
    items = tuple(dict.fromkeys(r[1] for r in rows))
    ji = {j: i for i, j in enumerate(judges)}
    ii = {j: i for i, j in enumerate(items)}
    m = np.full((len(judges), len(items)), np.nan)
    for judge, item, rating, _ in rows:
        if not np.isnan(m[ji[judge], ii[item]]):
            raise ValueError(f"judge {judge} rated item {item} twice in round {use}")
        m[ji[judge], ii[item]] = rating
    return judges, items, m, use


def angoff(ratings, *, judges=None, items=None, max_scores=None, exclude=()) -> AngoffResult:
    """Modified-Angoff cut score from a judges × items matrix of probabilities (0–1).

    ``exclude`` lists items removed after the sitting: their ratings leave the cut too.
    ``max_scores`` (one per item, default 1) turns each rating into expected marks.
    """
    r = np.asarray(ratings, dtype=np.float64)
    if r.ndim != 2 or r.size == 0:
        raise ValueError("ratings must be a non-empty judges × items matrix")
    jn = labels(judges, r.shape[0], prefix="judge", name="judges")
    it = labels(items, r.shape[1], prefix="item", name="items")
    missing = np.argwhere(np.isnan(r))
    if missing.size:
        j, i = missing[0]
        raise ValueError(f"judge {jn[j]} has no rating for item {it[i]}; every judge must rate every item")
    if ((r < 0) | (r > 1)).any():
        j, i = np.argwhere((r < 0) | (r > 1))[0]
        raise ValueError(f"judge {jn[j]}'s rating for item {it[i]} is {r[j, i]}; ratings are probabilities from 0 to 1")
    m = np.ones(r.shape[1]) if max_scores is None else vector(max_scores, name="max_scores", length=r.shape[1])
    unknown = [e for e in exclude if str(e) not in it]
    if unknown:
        raise ValueError(f"excluded items {unknown} are not among the rated items")
    keep = np.array([name not in {str(e) for e in exclude} for name in it])
    if not keep.any():
        raise ValueError("every item is excluded")
    r, m = r[:, keep], m[keep]
    kept = tuple(n for n, k in zip(it, keep) if k)
    judge_cuts = r @ m
    n_j = r.shape[0]
    sd = float(judge_cuts.std(ddof=1)) if n_j > 1 else np.nan
    item_means = r.mean(axis=0)
    cut = float(item_means @ m)
    return AngoffResult(
        cut_score=cut,
        cut_fraction=cut / float(m.sum()),
        se=sd / np.sqrt(n_j) if n_j > 1 else np.nan,
        sd_judges=sd,
        max_score=float(m.sum()),
        judges=jn,
        judge_cuts=tuple(float(v) for v in judge_cuts),
        items=kept,
        item_means=tuple(float(v) for v in item_means),
        excluded=tuple(str(e) for e in exclude),
        agreement=intraclass_correlations(r),
    )
