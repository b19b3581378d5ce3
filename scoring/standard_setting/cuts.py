"""The cuts of an exercise's round from plain data (pure: no Flask, no SQLAlchemy). Each cut comes
with its standard error: across judges for Angoff and Ebel (SD of the judges' own cuts / √judges),
by a seeded bootstrap over candidates and judges for Hofstee and Beuk, and from the regression for
borderline regression (the SE of the fitted line at the borderline grade). Cuts are in marks of the
scored paper: with items excluded after the sitting, their ratings leave the cut too."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from scoring.psychometrics.standard_setting import (
    angoff, beuk_bootstrap, borderline_group, borderline_regression, ebel, hofstee, hofstee_bootstrap)
from scoring.standard_setting.rules import GRADE_VALUES, Grade, Method

BOOTSTRAP_SEED = 20261206
BOOTSTRAP_REPLICATES = 200  # enough for an SE to two significant figures; each page reuses it (cache)


@dataclass(frozen=True)
class ItemInfo:
    position: int
    label: str
    max_mark: float


@dataclass(frozen=True)
class CutFigure:
    method: str
    round: int | None
    cut: float | None  # marks; None when the method could not give one (``problem`` says why)
    standard_error: float | None
    se_basis: str
    n_judges: int = 0
    max_score: float = 0.0
    cut_all_items: float | None = None  # Angoff / Ebel before excluding items (None: nothing excluded)
    agreement: float | None = None  # ICC(2,1) for Angoff
    agreement_k: float | None = None  # ICC(2,k)
    pass_rate: float | None = None
    problem: str = ""
    judge_cuts: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return Method(self.method).label

    def as_dict(self) -> dict:
        return {"method": self.method, "round": self.round, "cut": self.cut, "standard_error": self.standard_error,
                "se_basis": self.se_basis, "n_judges": self.n_judges, "max_score": self.max_score,
                "cut_all_items": self.cut_all_items, "agreement": self.agreement, "agreement_k": self.agreement_k,
                "pass_rate": self.pass_rate, "problem": self.problem, "judge_cuts": self.judge_cuts}


def _finite(value) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else float(value)


def pass_rate(totals, cut: float | None) -> float | None:
    if cut is None or len(totals) == 0:
        return None
    return float(np.mean(np.asarray(totals, dtype=float) >= cut - 1e-9))


def angoff_cut(items: list[ItemInfo], ratings: dict, rnd: int, *, excluded=(), totals=()) -> CutFigure:
    """``ratings``: {judge: {label: fraction}}; judges who have not rated every item are left out."""
    labels = [i.label for i in items]
    complete = {j: r for j, r in ratings.items() if all(lab in r for lab in labels)}
    base = dict(method=Method.ANGOFF.value, round=rnd, se_basis="SD of the judges' cuts / √judges",
                n_judges=len(complete))
    if not complete:
        return CutFigure(cut=None, standard_error=None, problem="No judge has rated every item yet.",
                         max_score=float(sum(i.max_mark for i in items)), **base)
    judges = sorted(complete)
    matrix = [[complete[j][lab] for lab in labels] for j in judges]
    tops = [i.max_mark for i in items]
    names = [str(j) for j in judges]
    whole = angoff(matrix, judges=names, items=labels, max_scores=tops)
    kept = [e for e in excluded if e in labels]
    result = angoff(matrix, judges=names, items=labels, max_scores=tops, exclude=kept) if kept else whole
    return CutFigure(cut=result.cut_score, standard_error=_finite(result.se), max_score=result.max_score,
                     cut_all_items=whole.cut_score if kept else None, agreement=_finite(result.agreement.icc2),
                     agreement_k=_finite(result.agreement.icc2k), pass_rate=pass_rate(totals, result.cut_score),
                     judge_cuts=dict(zip(names, result.judge_cuts)), **base)


def ebel_cut(items: list[ItemInfo], categories: dict, rates: dict, rnd: int, *, excluded=(), totals=()) -> CutFigure:
    """``categories``: {judge: {label: (relevance, difficulty)}}; ``rates``: {judge: {(relevance,
    difficulty): fraction}}. Each judge's own Ebel cut; the panel's cut is their mean."""
    base = dict(method=Method.EBEL.value, round=rnd, se_basis="SD of the judges' cuts / √judges")
    kept_items = [i for i in items if i.label not in set(excluded)]

    def cuts_for(chosen: list[ItemInfo]) -> dict:
        out = {}
        for judge, cats in categories.items():
            if not all(i.label in cats for i in chosen):
                continue
            try:
                out[str(judge)] = ebel([cats[i.label] for i in chosen], rates.get(judge, {}),
                                       items=[i.label for i in chosen], max_scores=[i.max_mark for i in chosen]).cut_score
            except ValueError:  # a cell without its success rate: the judge has not finished
                continue
        return out

    judge_cuts = cuts_for(kept_items)
    top = float(sum(i.max_mark for i in kept_items))
    if not judge_cuts:
        return CutFigure(cut=None, standard_error=None, max_score=top, problem="No judge has finished the Ebel grid yet.",
                         **base)
    values = np.array(list(judge_cuts.values()))
    cut = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else None
    whole = None
    if len(kept_items) != len(items):
        all_cuts = cuts_for(items)
        whole = float(np.mean(list(all_cuts.values()))) if all_cuts else None
    return CutFigure(cut=cut, standard_error=se, n_judges=len(judge_cuts), max_score=top, cut_all_items=whole,
                     pass_rate=pass_rate(totals, cut), judge_cuts=judge_cuts, **base)


def hofstee_cut(judgements: dict, totals, max_score: float, rnd: int) -> CutFigure:
    """``judgements``: {judge: (min cut, max cut, min fail, max fail)}, cuts as fractions of the maximum."""
    base = dict(method=Method.HOFSTEE.value, round=rnd, se_basis="bootstrap over candidates and judges",
                n_judges=len(judgements), max_score=max_score)
    if not judgements or len(totals) == 0:
        return CutFigure(cut=None, standard_error=None, problem="No Hofstee judgements (or no scores) yet.", **base)
    rows = tuple((a * max_score, b * max_score, c, d) for a, b, c, d in judgements.values())
    try:
        boot = _hofstee_bootstrap(tuple(float(t) for t in totals), rows)
    except ValueError as error:
        return CutFigure(cut=None, standard_error=None, problem=str(error), **base)
    return CutFigure(cut=boot.cut_score, standard_error=_finite(boot.se), pass_rate=pass_rate(totals, boot.cut_score),
                     **base)


@functools.lru_cache(maxsize=64)
def _hofstee_bootstrap(totals: tuple, rows: tuple):
    """Seeded, so a cached answer is the answer: pages showing the same round reuse it."""
    return hofstee_bootstrap(totals, np.array(rows, dtype=float), n_boot=BOOTSTRAP_REPLICATES, seed=BOOTSTRAP_SEED)


@functools.lru_cache(maxsize=64)
def _beuk_bootstrap(totals: tuple, cuts: tuple, rates: tuple):
    return beuk_bootstrap(totals, cuts, rates, n_boot=BOOTSTRAP_REPLICATES, seed=BOOTSTRAP_SEED)


def hofstee_means(judgements: dict, max_score: float):
    rows = np.array(list(judgements.values()), dtype=float)
    m = rows.mean(axis=0)
    return float(m[0] * max_score), float(m[1] * max_score), float(m[2]), float(m[3])


def hofstee_result(judgements: dict, totals, max_score: float):
    lo, hi, f_lo, f_hi = hofstee_means(judgements, max_score)
    return hofstee(totals, min_cut=lo, max_cut=hi, min_fail=f_lo, max_fail=f_hi)


def beuk_cut(judgements: dict, totals, max_score: float, rnd: int) -> CutFigure:
    """``judgements``: {judge: (cut as a fraction of the maximum, expected pass rate)}."""
    base = dict(method=Method.BEUK.value, round=rnd, se_basis="bootstrap over candidates and judges",
                n_judges=len(judgements), max_score=max_score)
    if len(judgements) < 2 or len(totals) == 0:
        return CutFigure(cut=None, standard_error=None, problem="Beuk's method needs at least 2 judges' judgements.",
                         **base)
    cuts = [c * max_score for c, _r in judgements.values()]
    rates = [r for _c, r in judgements.values()]
    boot = _beuk_bootstrap(tuple(float(t) for t in totals), tuple(cuts), tuple(rates))
    return CutFigure(cut=boot.cut_score, standard_error=_finite(boot.se), pass_rate=pass_rate(totals, boot.cut_score),
                     **base)


def borderline_cuts(pairs: list[tuple[float, Grade]], max_score: float, methods) -> list[CutFigure]:
    """``pairs``: (total, global grade) per graded script. Regression SE: the standard error of the
    fitted mean score at the borderline grade, s·√(1/n + (g₀ − ḡ)²/Sgg)."""
    out = []
    scores = np.array([t for t, _g in pairs], dtype=float)
    grades = np.array([GRADE_VALUES[Grade(g)] for _t, g in pairs], dtype=float)
    border = GRADE_VALUES[Grade.BORDERLINE]
    if Method.BORDERLINE_REGRESSION.value in methods:
        base = dict(method=Method.BORDERLINE_REGRESSION.value, round=None, max_score=max_score,
                    se_basis="standard error of the regression line at the borderline grade")
        try:
            r = borderline_regression(scores, grades, borderline_grade=border)
            resid = scores - r.intercept - r.slope * grades
            s2 = float(resid @ resid) / (scores.size - 2)
            sgg = float(((grades - grades.mean()) ** 2).sum())
            se = math.sqrt(s2 * (1 / scores.size + (border - grades.mean()) ** 2 / sgg))
            out.append(CutFigure(cut=r.cut_score, standard_error=_finite(se), pass_rate=pass_rate(scores, r.cut_score),
                                 **base))
        except ValueError as error:
            out.append(CutFigure(cut=None, standard_error=None, problem=_no_grades(error, pairs), **base))
    if Method.BORDERLINE_GROUP.value in methods:
        base = dict(method=Method.BORDERLINE_GROUP.value, round=None, max_score=max_score,
                    se_basis="standard error of the median, √(π/2) × SD / √n")
        try:
            g = borderline_group(scores, grades, borderline_grade=border, statistic="median")
            group = scores[grades == border]
            # The median's large-sample SE for roughly normal scores (Kendall & Stuart): √(π/2)·σ/√n.
            se = float(math.sqrt(math.pi / 2) * group.std(ddof=1) / math.sqrt(group.size)) if group.size > 1 else None
            out.append(CutFigure(cut=g.cut_score, standard_error=se, pass_rate=pass_rate(scores, g.cut_score), **base))
        except ValueError as error:
            out.append(CutFigure(cut=None, standard_error=None, problem=_no_grades(error, pairs), **base))
    return out


def _no_grades(error: ValueError, pairs) -> str:
    return "No global grades recorded yet." if not pairs else f"{str(error)[:1].upper()}{str(error)[1:]}."
