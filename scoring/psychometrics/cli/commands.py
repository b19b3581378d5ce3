"""One function per CLI command: read the files, call the engine, return a JSON-ready dict."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import plots
from ..distractors import distractor_analysis
from ..item_analysis import item_analysis
from ..rasch import ability_table, item_fit, person_abilities, rasch_cml
from ..standard_setting import (
    angoff, beuk, borderline_group, borderline_regression, ebel, hofstee, pass_mark, ratings_matrix,
)
from .readers import InputError, max_marks, number, read_responses, read_table, unique_candidates


def _f(v):
    """JSON has no NaN: a figure that cannot be computed is null (its reason is in the notes)."""
    if v is None:
        return None
    v = float(v)
    return None if not np.isfinite(v) else v


def _policy(args, cut: float, max_score: float | None):
    if args.sem is None and args.rounding is None:
        return None
    pm = pass_mark(cut, sem=args.sem or 0.0, k=args.sem_k, rounding=args.rounding or "up", max_score=max_score)
    return {"cut_score": pm.cut_score, "sem": pm.sem, "k": pm.k, "adjusted": pm.adjusted,
            "pass_mark": pm.pass_mark, "rounding": pm.rounding}


def item_analysis_command(args) -> dict:
    data = read_responses(args.responses, args.key)
    if len(data.candidates) < 2:
        raise InputError(f"{Path(args.responses).name}: item analysis needs at least 2 candidates")
    opts = None
    if data.choices is not None:
        opts = distractor_analysis(data.choices, data.keys, scores=data.scores, options=data.options, items=data.items)
    maxima = data.max_scores
    if args.max_marks:
        if data.choices is not None:
            raise InputError("--max-marks: with --key, give each item's marks in the key's max_score column")
        maxima = max_marks(args.max_marks, data.items, source=Path(args.responses).name)
        _check_maxima(data, maxima, args.responses)
    result = item_analysis(data.scores, items=data.items, max_scores=maxima, option_analysis=opts)
    s = result.summary
    out = {
        "n_candidates": s.n_candidates,
        "n_items": s.n_items,
        "test": {
            "mean": _f(s.distribution.mean), "sd": _f(s.distribution.sd), "min": _f(s.distribution.min),
            "max": _f(s.distribution.max), "alpha": _f(s.alpha), "kr20": _f(s.kr20), "kr21": _f(s.kr21),
            "sem": _f(s.sem), "max_score": s.max_score, "constant_items": list(s.constant_items),
            "percentiles": {f"{p:g}": _f(v) for p, v in s.distribution.percentiles},
            "notes": list(s.notes),
        },
        "items": [],
    }
    for it in result.items:
        row = {
            "item": it.item, "max_score": it.max_score, "facility": _f(it.facility), "pbis": _f(it.pbis), "pbis_corrected": _f(it.pbis_corrected),
            "biserial": _f(it.biserial), "discrimination_ul27": _f(it.discrimination_ul27),
            "alpha_if_deleted": _f(it.alpha_if_deleted), "flags": list(it.flags), "notes": list(it.notes),
        }
        if it.options is not None:
            row["key"] = it.options.key
            row["omitted"] = _f(it.options.omitted)
            row["options"] = [{"option": o.option, "proportion": _f(o.proportion), "pbis_rest": _f(o.pbis_rest)}
                              for o in it.options.options]
        out["items"].append(row)
    totals = np.nansum(data.scores, axis=1)
    if args.plot:
        if args.plot_item:
            if data.choices is None:
                raise InputError("--plot-item needs --key (option curves need the options chosen)")
            if args.plot_item not in data.items:
                raise InputError(f"--plot-item: {args.plot_item!r} is not an item of {Path(args.responses).name}")
            j = data.items.index(args.plot_item)
            o = result.items[j].options
            plots.option_curves_plot(args.plot, data.choices[:, j], totals, [x.option for x in o.options], key=o.key, item=args.plot_item)
        else:
            plots.score_distribution_plot(args.plot, totals, cut=args.cut, max_score=s.max_score)
    return out


def _check_maxima(data, maxima, path: str) -> None:
    """A score above the stated maximum is a mistake in one of the two files: name the cell."""
    for j, top in enumerate(maxima):
        if np.isnan(top):
            continue
        rows = np.flatnonzero(data.scores[:, j] > top)
        if rows.size:
            r = rows[0]
            raise InputError(f"{Path(path).name}, row {r + 2}, column {j + 2} ({data.items[j]!r}): the score "
                             f"{data.scores[r, j]:g} is above the item's maximum mark {top:g}")


def angoff_command(args) -> dict:
    t = read_table(args.ratings, required=("judge", "item", "rating"))
    cj, ci, cr = t.column("judge"), t.column("item"), t.column("rating")
    cround = t.column("round") if "round" in t.header else None
    records = []
    for row, cells in t.rows:
        rating = number(t, row, "rating", cells[cr], what="a probability from 0 to 1")
        if not 0 <= rating <= 1:
            raise InputError(f"{t.where(row, 'rating')}: {cells[cr]!r} is not a probability from 0 to 1")
        rnd = None
        if cround is not None:
            rv = number(t, row, "round", cells[cround], what="a whole round number")
            if rv != int(rv):
                raise InputError(f"{t.where(row, 'round')}: {cells[cround]!r} is not a whole round number")
            rnd = int(rv)
        for col, name in ((cj, "judge"), (ci, "item")):
            if not cells[col]:
                raise InputError(f"{t.where(row, name)}: the {name} is blank")
        records.append((cells[cj], cells[ci], rating, rnd))
    judges, items, matrix, used = ratings_matrix(records, round=args.round)
    exclude = tuple(e.strip() for e in args.exclude.split(",") if e.strip()) if args.exclude else ()
    weights = None
    if args.max_marks:
        weights = max_marks(args.max_marks, items, source=Path(args.ratings).name)
        weights = np.where(np.isnan(weights), 1.0, weights)
    r = angoff(matrix, judges=judges, items=items, exclude=exclude, max_scores=weights)
    if args.plot:
        plots.angoff_plot(args.plot, r)
    out = {
        "cut_score": r.cut_score, "cut_fraction": r.cut_fraction, "max_score": r.max_score,
        "se": _f(r.se), "sd_judges": _f(r.sd_judges),
        "judges": [{"judge": j, "cut_score": c} for j, c in zip(r.judges, r.judge_cuts)],
        "n_items": r.n_items, "n_judges": r.n_judges, "round": used, "excluded": list(r.excluded),
        "agreement": {"icc2": _f(r.agreement.icc2), "icc2k": _f(r.agreement.icc2k),
                      "icc3": _f(r.agreement.icc3), "icc3k": _f(r.agreement.icc3k)},
    }
    policy = _policy(args, r.cut_score, r.max_score)
    if policy:
        out["pass_mark"] = policy
    return out


def _scores(path: str, max_score: float | None, *, extra: tuple[str, ...] = ()):
    t = read_table(path, required=("candidate", "score") + extra)
    cs = t.column("score")
    for row, cells in t.rows:
        if not cells[t.column("candidate")]:
            raise InputError(f"{t.where(row, 'candidate')}: the candidate id is blank")
    unique_candidates(t, t.column("candidate"))
    s = []
    for row, cells in t.rows:
        v = number(t, row, "score", cells[cs], what="a score")
        if v < 0 or (max_score is not None and v > max_score):
            raise InputError(f"{t.where(row, 'score')}: {cells[cs]!r} is outside 0–{max_score:g}" if max_score is not None
                             else f"{t.where(row, 'score')}: {cells[cs]!r} is negative")
        s.append(v)
    return t, np.array(s)


def hofstee_command(args) -> dict:
    _, s = _scores(args.scores, args.max_score)
    r = hofstee(s, min_cut=args.min_cut, max_cut=args.max_cut, min_fail=args.min_fail, max_fail=args.max_fail)
    if args.plot:
        plots.hofstee_plot(args.plot, s, r, max_score=args.max_score)
    out = {"cut_score": r.cut_score, "fail_rate": r.fail_rate,
           "interpolated_cut": r.interpolated_cut, "operational_pass_mark": r.pass_mark,
           "operational_fail_rate": r.pass_mark_fail_rate,
           "intersects": r.intersects, "note": r.note, "n_candidates": int(s.size)}
    policy = _policy(args, r.cut_score, args.max_score)
    if policy:
        out["pass_mark"] = policy
    return out


def ebel_command(args) -> dict:
    t = read_table(args.items, required=("item", "relevance", "difficulty"))
    cats, names, marks = [], [], []
    cm = t.column("max_score") if "max_score" in t.header else None
    for row, cells in t.rows:
        for name in ("item", "relevance", "difficulty"):
            if not cells[t.column(name)]:
                raise InputError(f"{t.where(row, name)}: the {name} is blank")
        names.append(cells[t.column("item")])
        cats.append((cells[t.column("relevance")].lower(), cells[t.column("difficulty")].lower()))
        marks.append(1.0 if cm is None or cells[cm] == "" else number(t, row, "max_score", cells[cm], what="a positive number"))
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise InputError(f"{Path(args.items).name}: item {sorted(dup)[0]!r} is listed twice")
    rt = read_table(args.rates, required=("relevance", "difficulty", "rate"))
    rates = {}
    for row, cells in rt.rows:
        cell = (cells[rt.column("relevance")].lower(), cells[rt.column("difficulty")].lower())
        v = number(rt, row, "rate", cells[rt.column("rate")], what="a success rate from 0 to 1")
        if not 0 <= v <= 1:
            raise InputError(f"{rt.where(row, 'rate')}: {v:g} is not a success rate from 0 to 1")
        if cell in rates:
            raise InputError(f"{rt.where(row, 'relevance')}: the cell {cell[0]}/{cell[1]} is given twice")
        rates[cell] = v
    r = ebel(cats, rates, items=names, max_scores=marks)
    out = {"cut_score": r.cut_score, "cut_fraction": r.cut_fraction, "max_score": r.max_score,
           "cells": [{"relevance": c.relevance, "difficulty": c.difficulty, "n_items": c.n_items, "marks": c.marks,
                      "rate": c.success_rate, "expected_marks": c.expected_marks} for c in r.cells]}
    policy = _policy(args, r.cut_score, r.max_score)
    if policy:
        out["pass_mark"] = policy
    return out


def beuk_command(args) -> dict:
    _, s = _scores(args.scores, args.max_score)
    jt = read_table(args.judges, required=("judge", "cut", "pass_rate"))
    cuts, rates = [], []
    for row, cells in jt.rows:
        c = number(jt, row, "cut", cells[jt.column("cut")], what="a cut score in marks")
        p = number(jt, row, "pass_rate", cells[jt.column("pass_rate")], what="a pass rate from 0 to 1")
        if not 0 <= c <= args.max_score:
            raise InputError(f"{jt.where(row, 'cut')}: {c:g} is outside 0–{args.max_score:g}")
        if not 0 <= p <= 1:
            raise InputError(f"{jt.where(row, 'pass_rate')}: {p:g} is not a pass rate from 0 to 1")
        cuts.append(c)
        rates.append(p)
    r = beuk(s, cuts, rates)
    if args.plot:
        plots.beuk_plot(args.plot, s, r, max_score=args.max_score, judge_cuts=cuts, judge_pass_rates=rates)
    out = {"cut_score": r.cut_score, "pass_rate": r.pass_rate, "mean_cut": r.mean_cut, "mean_pass_rate": r.mean_pass_rate,
           "sd_cut": r.sd_cut, "sd_pass_rate": r.sd_pass_rate, "n_judges": len(cuts)}
    policy = _policy(args, r.cut_score, args.max_score)
    if policy:
        out["pass_mark"] = policy
    return out


def borderline_command(args) -> dict:
    t, s = _scores(args.scores, None, extra=("grade",))
    cg = t.column("grade")
    g = np.array([number(t, row, "grade", cells[cg], what="a numeric global grade") for row, cells in t.rows])
    r = borderline_regression(s, g, borderline_grade=args.borderline_grade)
    out = {"cut_score": r.cut_score, "intercept": r.intercept, "slope": r.slope, "r_squared": _f(r.r_squared), "n": r.n}
    if np.any(g == args.borderline_grade):
        bg = borderline_group(s, g, borderline_grade=args.borderline_grade)
        out["borderline_group"] = {"n": bg.n_borderline, "mean": bg.mean, "median": bg.median}
    if args.plot:
        plots.borderline_plot(args.plot, s, g, r, borderline_grade=args.borderline_grade)
    policy = _policy(args, r.cut_score, None)
    if policy:
        out["pass_mark"] = policy
    return out


def rasch_command(args) -> dict:
    data = read_responses(args.responses, args.key)
    if data.max_scores is not None and np.any(data.max_scores != 1):
        raise InputError("the Rasch model here is for 0/1 items: remove max_score from the key")
    x = np.nan_to_num(data.scores, nan=0.0)  # a blank cell is an omitted response: 0
    if data.choices is None and not np.all((x == 0) | (x == 1)):
        r, c = np.argwhere((x != 0) & (x != 1))[0]
        raise InputError(f"{Path(args.responses).name}, row {r + 2}, column {c + 2} ({data.items[c]!r}): "
                         f"{x[r, c]:g} is not 0 or 1 (the Rasch model here is for 0/1 items)")
    anchors = None
    if args.anchors:
        at = read_table(args.anchors, required=("item", "difficulty"))
        anchors = {}
        for row, cells in at.rows:
            item = cells[at.column("item")]
            if item not in data.items:
                raise InputError(f"{at.where(row, 'item')}: item {item!r} is not a column of {Path(args.responses).name}")
            anchors[item] = number(at, row, "difficulty", cells[at.column("difficulty")], what="a difficulty in logits")
    cal = rasch_cml(x, items=data.items, anchors=anchors)
    fit = item_fit(x, cal.difficulty)
    table = ability_table(cal.difficulty)
    if args.plot:
        plots.rasch_plot(args.plot, cal, person_abilities(x, cal.difficulty).theta_wle)
    return {
        "n_candidates": cal.n_candidates, "n_items": len(cal.items), "n_extreme": cal.n_extreme,
        "log_likelihood": cal.log_likelihood, "iterations": cal.iterations,
        "items": [{"item": i, "difficulty": d, "se": _f(se), "anchored": a, "infit": _f(inf), "outfit": _f(out)}
                  for i, d, se, a, inf, out in zip(cal.items, cal.difficulty, cal.se, cal.anchored, fit.infit, fit.outfit)],
        "score_table": [{"raw_score": int(r), "theta_ml": _f(m), "se_ml": _f(sm), "theta_wle": _f(w), "se_wle": _f(sw)}
                        for r, m, sm, w, sw in zip(table.raw_score, table.theta_ml, table.se_ml, table.theta_wle, table.se_wle)],
    }
