"""The ``pcm`` and ``q3`` commands: partial-credit Rasch and local dependence (Yen's Q3).

Kept apart from commands.py so they can be read and changed on their own; the parser entries are
added by `add_parsers`, the runners are in `RUN`.

Blank cells: by default an omitted response, marked 0 (as the ``rasch`` command does);
``--blank not-presented`` reads them as items the candidate never saw (another paper's items),
which the conditional likelihood then leaves out for that candidate.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dependence import Q3_THRESHOLD, case_study_dependence, q3_matrix
from ..rasch import pcm_ability_table, pcm_cml, pcm_item_fit, pcm_person_abilities
from .readers import InputError, max_marks, read_responses, read_table

__all__ = ["add_parsers", "RUN", "pcm_command", "q3_command"]


def _f(v):
    if v is None:
        return None
    v = float(v)
    return None if not np.isfinite(v) else v


def add_parsers(sub, common, max_marks_help: str) -> None:
    def shared(s):
        s.add_argument("responses", metavar="RESPONSES.csv")
        s.add_argument("--max-marks", metavar="FILE.csv|ITEM=MAX,…",
                       help="each item's maximum mark (default: the best observed mark): " + max_marks_help)
        s.add_argument("--blank", choices=("omitted", "not-presented"), default="omitted",
                       help="a blank cell is an omitted response marked 0 (default) or an item not presented")

    s = sub.add_parser("pcm", help="partial-credit Rasch (Masters) by CML: thresholds, fit and raw-score table")
    shared(s)
    common(s, plot=False)

    s = sub.add_parser("q3", help="local dependence: Yen's Q3 on Rasch/partial-credit residuals, by case study")
    shared(s)
    s.add_argument("--testlets", metavar="TESTLETS.csv",
                   help="columns item, testlet; pairs within one testlet are checked (items not listed stand alone)")
    s.add_argument("--threshold", type=float, default=Q3_THRESHOLD,
                   help=f"flag a pair whose Q3 exceeds the mean Q3 by more than this (default {Q3_THRESHOLD})")
    common(s, plot=False)


def _matrix(args):
    data = read_responses(args.responses)
    name = Path(args.responses).name
    x = data.scores
    if args.blank == "omitted":
        x = np.nan_to_num(x, nan=0.0)
    bad = np.argwhere(~np.isnan(x) & (x != np.round(x)))
    if bad.size:
        r, c = bad[0]
        raise InputError(f"{name}, row {r + 2}, column {c + 2} ({data.items[c]!r}): {x[r, c]:g} is not a whole mark "
                         "(the partial-credit model needs marks 0, 1, 2, …)")
    maxima = None
    if args.max_marks:
        stated = max_marks(args.max_marks, data.items, source=name)
        observed = np.nanmax(np.where(np.isnan(x), 0.0, x), axis=0)
        for j, top in enumerate(stated):
            if np.isfinite(top) and top != np.round(top):
                raise InputError(f"--max-marks: the maximum of {data.items[j]!r} must be a whole mark; got {top:g}")
            if np.isfinite(top) and observed[j] > top:
                r = int(np.flatnonzero(np.nan_to_num(x[:, j]) > top)[0])
                raise InputError(f"{name}, row {r + 2}, column {j + 2} ({data.items[j]!r}): the mark "
                                 f"{x[r, j]:g} is above the item's maximum mark {top:g}")
        maxima = np.where(np.isfinite(stated), stated, observed)
    return data, x, maxima


def pcm_command(args) -> dict:
    data, x, maxima = _matrix(args)
    cal = pcm_cml(x, items=data.items, max_scores=maxima)
    fit = pcm_item_fit(x, cal)
    persons = pcm_person_abilities(x, cal)
    out = {
        "n_candidates": cal.n_candidates, "n_items": len(cal.items), "n_extreme": cal.n_extreme,
        "log_likelihood": cal.log_likelihood, "iterations": cal.iterations,
        "normalisation": "the thresholds of all items sum to 0",
        "items": [{"item": i, "max_mark": m, "location": _f(loc), "se_location": _f(sl),
                   "thresholds": [_f(t) for t in th], "se_thresholds": [_f(s) for s in se],
                   "infit": _f(inf), "outfit": _f(o)}
                  for i, m, loc, sl, th, se, inf, o in zip(cal.items, cal.max_scores, cal.location, cal.se_location,
                                                           cal.thresholds, cal.se_thresholds, fit.infit, fit.outfit)],
        "candidates": [{"candidate": c, "raw_score": _f(r), "max_score": _f(t), "theta_ml": _f(m), "se_ml": _f(sm),
                        "theta_wle": _f(w), "se_wle": _f(sw)}
                       for c, r, t, m, sm, w, sw in zip(data.candidates, persons.raw_score, persons.max_score,
                                                        persons.theta_ml, persons.se_ml, persons.theta_wle, persons.se_wle)],
    }
    if not np.isnan(x).any():
        table = pcm_ability_table(cal)
        out["score_table"] = [{"raw_score": int(r), "theta_ml": _f(m), "se_ml": _f(sm), "theta_wle": _f(w), "se_wle": _f(sw)}
                              for r, m, sm, w, sw in zip(table.raw_score, table.theta_ml, table.se_ml,
                                                         table.theta_wle, table.se_wle)]
    return out


def _testlets(path: str, items: tuple[str, ...], source: str) -> dict[str, str | None]:
    t = read_table(path, required=("item", "testlet"))
    out: dict[str, str | None] = {}
    for row, cells in t.rows:
        item = cells[t.column("item")]
        if item not in items:
            raise InputError(f"{t.where(row, 'item')}: item {item!r} is not a column of {source}")
        if item in out:
            raise InputError(f"{t.where(row, 'item')}: item {item!r} is listed twice")
        out[item] = cells[t.column("testlet")] or None
    return out


def q3_command(args) -> dict:
    if not np.isfinite(args.threshold):
        raise InputError("--threshold must be a finite number")
    data, x, maxima = _matrix(args)
    testlets = _testlets(args.testlets, data.items, Path(args.responses).name) if args.testlets else {}
    cal = pcm_cml(x, items=data.items, max_scores=maxima)
    q = q3_matrix(x, cal, items=data.items)
    pairs = case_study_dependence(q, testlets, threshold=args.threshold)
    return {
        "n_candidates": int(x.shape[0]), "n_candidates_used": q.n_candidates_used,
        "model": "Rasch" if all(m == 1 for m in cal.max_scores) else "partial credit",
        "abilities": "ML; candidates with a zero or full score are left out",
        "mean_q3": _f(q.mean_q3), "threshold_above_mean": args.threshold,
        "pairs": [{"testlet": p.testlet, "item_a": p.item_a, "item_b": p.item_b, "q3": _f(p.q3),
                   "q3_above_mean": _f(p.q3_above_mean), "flagged": p.flagged} for p in pairs],
        # one record per item, so that --format text prints the matrix as a table
        "q3": [{"item": a, **{b: _f(v) for b, v in zip(q.items, row)}} for a, row in zip(q.items, q.q3)],
    }


RUN = {"pcm": pcm_command, "q3": q3_command}
