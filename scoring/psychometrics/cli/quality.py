"""The ``dif``, ``decision`` and ``testlets`` commands: fairness and decision quality.

Kept apart from commands.py so that these three can be read (and changed) on their own; the
parser entries are added by `add_parsers`, the runners are in `RUN`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..decision import decision_quality
from ..dif import dif_analysis
from ..testlets import reliability_by_testlet, scores_by_testlet
from .readers import InputError, max_marks, read_responses, read_table, unique_candidates

__all__ = ["add_parsers", "RUN", "dif_command", "decision_command", "testlets_command"]


def _f(v):
    if v is None:
        return None
    v = float(v)
    return None if not np.isfinite(v) else v


def add_parsers(sub, common, max_marks_help: str) -> None:
    s = sub.add_parser("dif", help="Mantel–Haenszel DIF (ETS A/B/C); Mantel and SMD for items above 1 mark")
    s.add_argument("responses", metavar="RESPONSES.csv")
    s.add_argument("--groups", metavar="GROUPS.csv", required=True,
                   help="columns candidate, group; candidates not listed (or with a blank group) take no part")
    s.add_argument("--reference", required=True, metavar="GROUP", help="the reference group's label")
    s.add_argument("--focal", required=True, metavar="GROUP", help="the focal group's label")
    s.add_argument("--key", metavar="KEY.csv")
    s.add_argument("--exclude-studied", action="store_true",
                   help="match on the total without the studied item (default: with it, the ETS convention)")
    s.add_argument("--purify", action="store_true", help="second pass matching without the items classified C")
    common(s, plot=False)

    s = sub.add_parser("decision", help="conditional SEM at the cut, decision consistency and accuracy")
    s.add_argument("responses", metavar="RESPONSES.csv")
    s.add_argument("--cut", type=float, required=True, help="the pass mark in raw marks (pass: total ≥ cut)")
    s.add_argument("--key", metavar="KEY.csv")
    s.add_argument("--max-marks", metavar="FILE.csv|ITEM=MAX,…", help=max_marks_help)
    s.add_argument("--keats", action="store_true", help="Keats-adjust Lord's CSEM to the test's alpha (0/1 items)")
    s.add_argument("--two-parameter", action="store_true",
                   help="Livingston–Lewis with the two-parameter beta only (default: four-parameter when admissible)")
    common(s, plot=False)

    s = sub.add_parser("testlets", help="case-study (testlet) scores and alpha over testlet scores")
    s.add_argument("responses", metavar="RESPONSES.csv")
    s.add_argument("--testlets", metavar="TESTLETS.csv", required=True,
                   help="columns item, testlet; items not listed (or with a blank testlet) stand alone")
    s.add_argument("--key", metavar="KEY.csv")
    s.add_argument("--scores", metavar="FILE.csv", help="also write each candidate's testlet scores to this CSV")
    common(s, plot=False)


def _groups(path: str, candidates: tuple[str, ...]) -> list[str | None]:
    t = read_table(path, required=("candidate", "group"))
    cc, cg = t.column("candidate"), t.column("group")
    unique_candidates(t, cc)
    known = set(candidates)
    out: dict[str, str] = {}
    for row, cells in t.rows:
        if cells[cc] not in known:
            raise InputError(f"{t.where(row, 'candidate')}: candidate {cells[cc]!r} is not in the responses file")
        if cells[cg]:
            out[cells[cc]] = cells[cg]
    return [out.get(c) for c in candidates]


def dif_command(args) -> dict:
    data = read_responses(args.responses, args.key)
    x = np.nan_to_num(data.scores, nan=0.0)
    groups = _groups(args.groups, data.candidates)
    for label, name in ((args.reference, "--reference"), (args.focal, "--focal")):
        if label not in groups:
            raise InputError(f"{name}: no candidate of {Path(args.groups).name} is in the group {label!r}")
    r = dif_analysis(x, groups, reference=args.reference, focal=args.focal, items=data.items,
                     include_studied=not args.exclude_studied, purify=args.purify)
    rows = []
    for it in r.items:
        if it.mh is not None:
            rows.append({"item": it.item, "method": "Mantel-Haenszel", "category": it.category, "direction": it.direction,
                         "alpha_mh": _f(it.mh.alpha_mh), "d_dif": _f(it.mh.d_dif), "d_dif_se": _f(it.mh.d_dif_se),
                         "chi_square": _f(it.mh.chi_square), "p_value": _f(it.mh.p_value),
                         "chi_square_uncorrected": _f(it.mh.chi_square_uncorrected),
                         "p_value_uncorrected": _f(it.mh.p_value_uncorrected),
                         "n_strata": it.mh.n_strata, "notes": list(it.mh.notes)})
        else:
            pd = it.polytomous
            rows.append({"item": it.item, "method": "Mantel", "category": it.category, "direction": it.direction,
                         "smd": _f(pd.smd), "smd_ratio": _f(pd.smd_ratio), "chi_square": _f(pd.chi_square),
                         "p_value": _f(pd.p_value), "n_strata": pd.n_strata, "notes": list(pd.notes)})
    return {
        "reference": r.reference, "focal": r.focal, "n_reference": r.n_reference, "n_focal": r.n_focal,
        "studied_item_in_matching": r.studied_item_in_matching, "purified": r.purified,
        "excluded_from_matching": list(r.excluded_from_matching), "items": rows,
    }


def decision_command(args) -> dict:
    data = read_responses(args.responses, args.key)
    maxima = data.max_scores
    if args.max_marks:
        if data.choices is not None:
            raise InputError("--max-marks: with --key, give each item's marks in the key's max_score column")
        maxima = max_marks(args.max_marks, data.items, source=Path(args.responses).name)
    x = np.nan_to_num(data.scores, nan=0.0)
    if maxima is not None:
        maxima = np.where(np.isnan(maxima), np.maximum(x.max(axis=0), 1.0), maxima)
        over = np.argwhere(x > maxima)
        if over.size:
            r, c = over[0]
            raise InputError(f"{Path(args.responses).name}, row {r + 2}, column {c + 2} ({data.items[c]!r}): the score "
                             f"{x[r, c]:g} is above the item's maximum mark {maxima[c]:g}")
    elif not np.all((x == 0) | (x == 1)):
        raise InputError("some scores are above 1: give each item's maximum mark with --max-marks")
    d = decision_quality(x, args.cut, max_scores=maxima, keats=args.keats, four_parameter=not args.two_parameter)
    out = {
        "cut": d.cut, "n_candidates": d.n_candidates, "max_score": d.max_score, "pass_rate": d.pass_rate,
        "alpha": _f(d.reliability), "csem_at_cut": _f(d.csem_at_cut), "csem_method": d.csem_method,
        "within_one_csem": d.within_one_csem, "subkoviak": None, "livingston_lewis": None, "notes": list(d.notes),
    }
    if d.subkoviak is not None:
        s = d.subkoviak
        out["subkoviak"] = {"agreement": _f(s.agreement), "chance": _f(s.chance), "kappa": _f(s.kappa),
                            "kr21": _f(s.reliability)}
    if d.livingston_lewis is not None:
        ll = d.livingston_lewis
        out["livingston_lewis"] = {
            "effective_length": ll.effective_length, "true_score_model": ll.true_score.model,
            "beta": {"alpha": ll.true_score.alpha, "beta": ll.true_score.beta, "lower": ll.true_score.lower,
                     "upper": ll.true_score.upper},
            "accuracy": _f(ll.accuracy), "misclassified": _f(ll.misclassified), "false_pass": _f(ll.false_pass),
            "false_fail": _f(ll.false_fail), "consistency": _f(ll.consistency), "kappa": _f(ll.kappa),
        }
    return out


def testlets_command(args) -> dict:
    data = read_responses(args.responses, args.key)
    t = read_table(args.testlets, required=("item", "testlet"))
    ci, ct = t.column("item"), t.column("testlet")
    given: dict[str, str] = {}
    for row, cells in t.rows:
        if cells[ci] not in data.items:
            raise InputError(f"{t.where(row, 'item')}: item {cells[ci]!r} is not a column of {Path(args.responses).name}")
        if cells[ci] in given:
            raise InputError(f"{t.where(row, 'item')}: item {cells[ci]!r} is listed twice")
        given[cells[ci]] = cells[ct]
    labels = [given.get(i) or None for i in data.items]
    x = np.nan_to_num(data.scores, nan=0.0)
    if x.shape[0] < 2:
        raise InputError(f"{Path(args.responses).name}: testlet reliability needs at least 2 candidates")
    r = reliability_by_testlet(x, labels, items=data.items)
    if args.scores:
        ts = scores_by_testlet(x, labels, items=data.items)
        with open(args.scores, "w", encoding="utf-8", newline="") as fh:
            fh.write(",".join(["candidate", *(_safe(n) for n in ts.testlets)]) + "\n")
            for cand, row in zip(data.candidates, ts.scores):
                fh.write(",".join([_safe(cand), *(f"{v:g}" for v in row)]) + "\n")
    return {
        "n_candidates": int(x.shape[0]), "testlet_alpha": _f(r.testlet_alpha), "testlet_sem": _f(r.testlet_sem),
        "item_alpha": _f(r.item_alpha), "item_sem": _f(r.item_sem),
        "testlets": [{"testlet": n, "n_items": k, "mean": _f(m), "sd": _f(s), "alpha_if_deleted": _f(a)}
                     for n, k, m, s, a in zip(r.testlets, r.n_items, r.mean, r.sd, r.testlet_alpha_if_deleted)],
        "notes": list(r.notes),
    }


def _safe(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula, quoted when it holds a comma or quote."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    if any(ch in text for ch in ',"\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


RUN = {"dif": dif_command, "decision": decision_command, "testlets": testlets_command}
