"""What a run says about its case studies and about decisions at a cut, from the engine.

Pure (no Flask, no SQLAlchemy): the run's service calls ``fixed_statistics`` once, when the run is
made, and stores the result in the run's JSON (case studies are testlets; Yen's Q3 between items
of one case study); ``decision_figures`` is computed on request for a cut, from the run's stored
candidate scores, because a run has no cut of its own until standard setting exists.

Orientation: ``x`` is candidates × kept items (excluded items left out), in the run's item order.
"""
from __future__ import annotations

import math

import numpy as np

from scoring.psychometrics.decision import decision_quality
from scoring.psychometrics.dependence import case_study_dependence, q3_matrix
from scoring.psychometrics.rasch import collapse_empty_categories, pcm_cml, rasch_cml
from scoring.psychometrics.testlets import reliability_by_testlet

# Anything the engine raises because the data cannot carry the model (too few candidates, every
# score extreme, a singular information matrix): the run says so instead of failing.
_CANNOT = (ValueError, ArithmeticError, np.linalg.LinAlgError)


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def testlet_statistics(x, labels, testlets, titles: dict) -> dict:
    """Testlet (case-study) scores summarised, and alpha over testlet scores beside item alpha."""
    try:
        rel = reliability_by_testlet(x, testlets, items=labels)
    except _CANNOT as error:
        return {"problem": f"Testlet reliability could not be computed: {error}."}
    return {
        "alpha": _num(rel.testlet_alpha), "sem": _num(rel.testlet_sem),
        "item_alpha": _num(rel.item_alpha), "item_sem": _num(rel.item_sem),
        "rows": [{"testlet": t, "title": titles.get(t, t), "n_items": n, "mean": _num(m), "sd": _num(s),
                  "alpha_if_deleted": _num(a)}
                 for t, n, m, s, a in zip(rel.testlets, rel.n_items, rel.mean, rel.sd, rel.testlet_alpha_if_deleted)],
        "notes": list(rel.notes),
    }


def _merged_words(marks: list[int]) -> str:
    return ", ".join(str(m) for m in marks[:-1]) + f" and {marks[-1]}"


def collapse_notes(labels, collapsed) -> list[str]:
    """One sentence per item whose categories were merged (or that was left out) for the model."""
    notes = []
    for i in collapsed.changed:
        empty = ", ".join(str(h) for h in collapsed.empty[i]) or "—"
        if i in collapsed.degenerate:
            notes.append(f"{labels[i]}: left out of the partial credit model (local dependence only): no candidate "
                         f"whose total was neither zero nor full had mark {empty}, so only one category was left. "
                         "Its marks and statistics are unchanged.")
            continue
        merged = "; ".join(f"marks {_merged_words(group)} counted as one category" for group in collapsed.merged(i))
        notes.append(f"{labels[i]}: for the partial credit model (local dependence only), {merged}, because no "
                     f"candidate whose total was neither zero nor full had mark {empty}. Its marks and statistics "
                     "are unchanged.")
    return notes


def dependence_statistics(x, labels, testlets, titles: dict, max_marks) -> dict:
    """Yen's Q3 on Rasch residuals (CML when every mark is 0/1, partial credit otherwise), and
    the pairs of items within one case study, flagged when Q3 is more than 0.2 above the mean.

    Under the partial credit model a category no informative candidate reached is merged with its
    neighbour first (``collapse_empty_categories``), and ``notes`` says so item by item; an item
    left with one category takes no part in Q3."""
    x = np.asarray(x, dtype=float)
    labels = list(labels)
    dichotomous = bool(np.all((x == 0) | (x == 1))) and all(float(m) == 1 for m in max_marks)
    model = "Rasch model (conditional maximum likelihood)" if dichotomous else "partial credit model"
    notes: list[str] = []
    try:
        if x.shape[0] < 3:
            raise ValueError("fewer than 3 candidates")
        if not np.all(x == np.round(x)):
            raise ValueError("some marks are not whole numbers (averaged written marks), which the partial "
                             "credit model cannot take")
        if dichotomous:
            calibration = rasch_cml(x, items=labels)
            q3 = q3_matrix(x, calibration.difficulty, items=labels)
        else:
            collapsed = collapse_empty_categories(x, [int(round(float(m))) for m in max_marks])
            notes = collapse_notes(labels, collapsed)
            fitted = [j for j in range(len(labels)) if j not in collapsed.degenerate]
            y = collapsed.responses[:, fitted]
            labels = [labels[j] for j in fitted]
            testlets = [testlets[j] for j in fitted]
            calibration = pcm_cml(y, items=labels, max_scores=[collapsed.max_scores[j] for j in fitted])
            q3 = q3_matrix(y, calibration, items=labels)
        if q3.n_candidates_used < 3 or not math.isfinite(q3.mean_q3):
            raise ValueError("too few candidates have a score that is neither zero nor full")
        pairs = case_study_dependence(q3, dict(zip(labels, testlets)))
    except _CANNOT as error:
        return {"model": model, "problem": f"The {model} could not be fitted to this run's scores "
                                           f"({error}), so local dependence is not reported.", "notes": notes}
    off = q3.q3[~np.eye(len(labels), dtype=bool)]
    return {
        "model": model, "mean_q3": _num(q3.mean_q3), "n_candidates_used": q3.n_candidates_used,
        "max_q3": _num(np.nanmax(off)) if np.isfinite(off).any() else None,
        "pairs": [{"testlet": p.testlet, "title": titles.get(p.testlet, p.testlet), "item_a": p.item_a,
                   "item_b": p.item_b, "q3": _num(p.q3), "above_mean": _num(p.q3_above_mean), "flagged": p.flagged}
                  for p in pairs],
        "notes": notes,
    }


def fixed_statistics(x, labels, testlets, titles: dict, max_marks) -> dict:
    """Everything fixed at run time: ``{"testlets": …, "dependence": …}`` (JSON-ready)."""
    return {"testlets": testlet_statistics(x, labels, testlets, titles),
            "dependence": dependence_statistics(x, labels, testlets, titles, max_marks)}


def shorten(title: str, limit: int = 12) -> str:
    return title if len(title) <= limit else title[:limit].rstrip(" ,;:.") + "…"


def flag_sentence(pair: dict) -> str:
    """A flagged pair as an examiner reads it."""
    return (f"Items {pair['item_a']} and {pair['item_b']} of case study '{shorten(pair['title'])}' give each other "
            f"away: Q3 {pair['q3']:.2f}, {pair['above_mean']:.2f} above the mean")


def parse_cut(text: str | None, max_score: float) -> tuple[float | None, str]:
    """(cut, problem) from what a person typed; empty text is no cut and no problem."""
    text = (text or "").strip()
    if not text:
        return None, ""
    message = f"Enter a pass mark as a number above 0 and at most {max_score:g}, the maximum total"
    try:
        cut = float(text)
    except ValueError:
        return None, message
    if not math.isfinite(cut) or not 0 < cut <= max_score:
        return None, message
    return cut, ""


def decision_figures(x, max_marks, cut: float) -> dict:
    """The engine's decision quality at ``cut`` (JSON-ready), with a plain problem when it cannot."""
    try:
        dq = decision_quality(np.asarray(x, dtype=float), cut, max_scores=list(max_marks))
    except _CANNOT as error:
        return {"cut": cut, "problem": f"Decision quality could not be computed: {error}."}
    out = {"cut": dq.cut, "n_candidates": dq.n_candidates, "max_score": dq.max_score, "pass_rate": _num(dq.pass_rate),
           "pass_percent": _num(dq.pass_rate * 100),
           "reliability": _num(dq.reliability), "csem_at_cut": _num(dq.csem_at_cut), "csem_method": dq.csem_method,
           "within_one_csem": dq.within_one_csem, "notes": list(dq.notes), "subkoviak": None, "livingston_lewis": None}
    if dq.subkoviak is not None:
        s = dq.subkoviak
        out["subkoviak"] = {"agreement": _num(s.agreement), "chance": _num(s.chance), "kappa": _num(s.kappa),
                            "reliability": _num(s.reliability)}
    if dq.livingston_lewis is not None:
        ll = dq.livingston_lewis
        out["livingston_lewis"] = {
            "effective_length": ll.effective_length, "true_score_model": ll.true_score.model,
            "accuracy": _num(ll.accuracy), "consistency": _num(ll.consistency), "kappa": _num(ll.kappa),
            "false_pass": _num(ll.false_pass), "false_fail": _num(ll.false_fail),
            "misclassified": _num(ll.misclassified),
            "expected_misclassified": _num(ll.misclassified * dq.n_candidates),
            "misclassified_percent": _num(ll.misclassified * 100)}
    return out
