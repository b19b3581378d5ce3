"""Carrying an approved standard onto a later paper through shared anchor items (pure: numpy and the
engine's Rasch functions; no Flask, no SQLAlchemy).

Both papers are calibrated with the Rasch model by conditional maximum likelihood
(``scoring.psychometrics.rasch.rasch_cml``). The old paper's calibration is free (difficulties centred
to mean 0) and fixes the scale. The new paper is put on that scale in one of two ways:

- **anchored**: the new paper is calibrated with the anchors' difficulties fixed at their old values,
  so the other items are estimated on the old scale directly;
- **mean/mean**: the new paper is calibrated freely and shifted by the mean difference of the anchors'
  difficulties (``mean_mean_link``; the Rasch slope is 1).

The standard is carried as an ability: θ solves E_old(θ) = old cut (the old paper's test
characteristic curve), and the equated cut is E_new(θ), in raw marks on the new paper
(``carry_cut_score``). The anchors' displacement is shown either way: each anchor's difficulty from
the new paper's free calibration after the mean/mean shift, minus its old difficulty (an anchor that
moved by more than ``DRIFT_LOGITS`` is flagged: it may have changed, leaked or been re-keyed).

Items are matched by label (``I<item id>``: an item keeps its label across versions and papers).

**Which model.** When every item of both papers is marked 0/1 the calibration is the dichotomous
Rasch model, exactly as described above. When either paper has an item marked out of more than 1
(a written answer, a multiple-response item), both papers are calibrated with Masters' (1982)
partial credit model by CML (``pcm_cml``; a 0/1 item is the one-threshold case):

- an item's **location** is the mean of its thresholds (eRm's "Location"; a 0/1 item's difficulty),
  and mean/mean links the two free calibrations on the anchors' locations: shift = mean(old
  locations) − mean(new locations) (Kolen & Brennan 2014, *Test Equating, Scaling, and Linking*,
  3rd ed., ch. 6: the mean/mean method with the Rasch family's unit slope). Every new threshold
  moves by the shift;
- **anchored** fixes each anchor's thresholds at their old values (``pcm_cml(anchors=...)``) and
  estimates the other items on the old scale. An anchor whose score categories differ between the
  papers (after merging empty categories, below) cannot be held at its old thresholds; it is then
  estimated freely, and said so in the notes; anchored linking needs at least ``min_anchors``
  anchors that can be held;
- the cut is carried through the PCM test characteristic curve E(θ) = Σ_i Σ_k k·P_ik(θ):
  θ solves E_old(θ) = old cut and the equated cut is E_new(θ) (``carry_cut_score_pcm``);
- the displacement of an anchor is its location in the new free calibration after the shift minus
  its old location;
- a score category of an item that no candidate with a non-extreme total reached has no finite
  threshold; it is merged with its neighbour as the engine does (``collapse_empty_categories``) and
  the merge is reported in ``notes``. The curve stays in the marks awarded: a merged category is
  worth the mean mark of the candidates in it (the lowest of its marks if nobody is in it).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from scoring.psychometrics.rasch import (
    carry_cut_score, carry_cut_score_pcm, collapse_empty_categories, mean_mean_link, pcm_cml, rasch_cml,
)

MIN_ANCHORS = 5
DRIFT_LOGITS = 0.5


class Link(StrEnum):
    ANCHORED = "anchored"
    MEAN_MEAN = "mean_mean"


LINK_NAMES = {Link.ANCHORED: "Anchored calibration (anchors fixed at their earlier difficulties or thresholds)",
              Link.MEAN_MEAN: "Mean/mean linking of two free calibrations"}


class Model(StrEnum):
    RASCH = "rasch"
    PCM = "pcm"


MODEL_NAMES = {Model.RASCH: "Rasch model (every item marked 0 or 1)",
               Model.PCM: "Partial credit model (items marked out of more than 1)"}


class EquatingRefused(ValueError):
    """The equating cannot be done; the message says why, for a person."""


@dataclass(frozen=True)
class Paper:
    """One run's scored matrix: candidates × items, item labels, each item's maximum mark."""

    matrix: np.ndarray
    labels: list[str]
    max_marks: list[float]


@dataclass(frozen=True)
class Anchor:
    label: str
    old_difficulty: float  # the difficulty; under the PCM the location (mean threshold)
    new_difficulty: float  # free calibration of the new paper, after the mean/mean shift
    displacement: float  # new − old (logits)

    @property
    def drifted(self) -> bool:
        return abs(self.displacement) > DRIFT_LOGITS


@dataclass(frozen=True)
class Equated:
    link: Link
    old_cut: float
    old_max: float
    theta: float
    equated_cut: float  # raw marks on the new paper, before any policy
    new_max: float
    shift: float  # the mean/mean shift (new free scale → old scale)
    anchors: tuple[Anchor, ...]
    new_difficulties: dict  # every new item on the old scale, by the chosen link (PCM: locations)
    model: Model = Model.RASCH
    notes: tuple[str, ...] = ()  # PCM: merged empty categories, anchors not held at their thresholds
    new_thresholds: dict | None = None  # PCM: every new item's thresholds on the old scale

    @property
    def n_drifted(self) -> int:
        return sum(1 for a in self.anchors if a.drifted)

    def as_dict(self) -> dict:
        out = {"link": self.link.value, "old_cut": self.old_cut, "theta": self.theta,
               "equated_cut": self.equated_cut, "shift": self.shift,
               "anchors": [{"label": a.label, "old": a.old_difficulty, "new": a.new_difficulty,
                            "displacement": a.displacement} for a in self.anchors]}
        if self.model is Model.PCM:
            out |= {"model": self.model.value, "notes": list(self.notes)}
        return out


def _check_dichotomous(paper: Paper, which: str) -> None:
    polytomous = [label for label, top in zip(paper.labels, paper.max_marks) if top != 1]
    if polytomous:
        raise EquatingRefused(
            f"The {which} paper has items marked out of more than 1 mark ({', '.join(polytomous[:6])}"
            f"{' …' if len(polytomous) > 6 else ''}): equating here uses the dichotomous Rasch model, so every "
            "item must be marked 0 or 1.")
    values = paper.matrix[~np.isnan(paper.matrix)]
    if not np.all((values == 0) | (values == 1)):
        raise EquatingRefused(f"The {which} paper has marks other than 0 and 1.")


def _calibrate(paper: Paper, which: str, anchors: dict | None = None):
    try:
        return rasch_cml(paper.matrix, items=paper.labels, anchors=anchors)
    except ValueError as error:
        raise EquatingRefused(f"The {which} paper cannot be calibrated: {error}.") from None


def _is_dichotomous(paper: Paper) -> bool:
    values = paper.matrix[~np.isnan(paper.matrix)]
    return all(top == 1 for top in paper.max_marks) and bool(np.all((values == 0) | (values == 1)))


def equate(old: Paper, new: Paper, old_cut: float, link: Link | str = Link.ANCHORED,
           min_anchors: int = MIN_ANCHORS) -> Equated:
    """The old paper's cut (raw marks) carried onto the new paper. Raises ``EquatingRefused``.

    Papers whose items are all marked 0/1 use the dichotomous Rasch model; otherwise both papers use
    the partial credit model (module docstring)."""
    link = Link(link)
    if not (_is_dichotomous(old) and _is_dichotomous(new)):
        return _equate_pcm(old, new, old_cut, link, min_anchors)
    _check_dichotomous(old, "earlier")
    _check_dichotomous(new, "new")
    common = [label for label in new.labels if label in set(old.labels)]
    if len(common) < min_anchors:
        raise EquatingRefused(
            f"The papers share {len(common)} item(s); equating needs at least {min_anchors} anchor items, "
            "so that one odd item cannot move the standard.")
    old_max = float(sum(old.max_marks))
    if not 0 < old_cut < old_max:
        raise EquatingRefused(f"The earlier cut, {old_cut:g}, must lie strictly between 0 and {old_max:g} "
                              "to correspond to a finite ability.")
    base = _calibrate(old, "earlier")
    base_d = dict(zip(base.items, (float(v) for v in base.difficulty)))
    free = _calibrate(new, "new")
    free_d = dict(zip(free.items, (float(v) for v in free.difficulty)))
    mm = mean_mean_link(base_d, free_d, common)
    if link is Link.ANCHORED and len(common) == len(new.labels):
        new_d = {label: base_d[label] for label in common}  # every item is an anchor: nothing to estimate
    elif link is Link.ANCHORED:
        anchored = _calibrate(new, "new", anchors={label: base_d[label] for label in common})
        new_d = dict(zip(anchored.items, (float(v) for v in anchored.difficulty)))
    else:
        new_d = dict(mm.linked)
    carried = carry_cut_score(old_cut, [base_d[label] for label in old.labels],
                              [new_d[label] for label in new.labels])
    anchors = tuple(Anchor(label, base_d[label], mm.linked[label], mm.linked[label] - base_d[label])
                    for label in common)
    return Equated(link, float(old_cut), old_max, carried.theta, carried.to_score, float(sum(new.max_marks)),
                   mm.shift, anchors, new_d)


# ---- Partial credit ------------------------------------------------------------------------------

def _list(labels: list[str]) -> str:
    return ", ".join(labels[:6]) + (" …" if len(labels) > 6 else "")


@dataclass(frozen=True)
class _Prepared:
    """A paper ready for the PCM: marks recoded to model categories, each category's mark value."""

    responses: np.ndarray
    labels: list[str]
    max_scores: tuple[int, ...]
    recode: tuple[tuple[int, ...], ...]
    category_marks: list[list[float]]
    notes: list[str]


def _prepare(paper: Paper, which: str) -> _Prepared:
    labels = list(paper.labels)
    tops = [float(t) for t in paper.max_marks]
    odd = [f"{label} (out of {top:g})" for label, top in zip(labels, tops) if top < 1 or top != round(top)]
    if odd:
        raise EquatingRefused(f"The {which} paper has items whose maximum is not a whole number of marks of at "
                              f"least 1 ({_list(odd)}): the partial credit model counts whole marks 0, 1, 2, ….")
    x = np.asarray(paper.matrix, dtype=np.float64)
    seen = ~np.isnan(x)
    bad = [labels[j] for j in range(x.shape[1])
           if np.any(x[seen[:, j], j] != np.round(x[seen[:, j], j])) or np.any(x[seen[:, j], j] < 0)
           or np.any(x[seen[:, j], j] > tops[j])]
    if bad:
        raise EquatingRefused(f"The {which} paper has marks that are not whole numbers between 0 and the item's "
                              f"maximum ({_list(bad)}): the partial credit model counts whole marks 0, 1, 2, ….")
    collapsed = collapse_empty_categories(x, [int(t) for t in tops])
    if collapsed.degenerate:
        dead = [labels[i] for i in collapsed.degenerate]
        raise EquatingRefused(f"The {which} paper cannot be calibrated: every candidate with a total between 0 and "
                              f"full marks got the same mark on {_list(dead)}, which therefore carries no "
                              "information about ability. Exclude the item from the run, or check its marking.")
    notes, values = [], []
    for i, label in enumerate(labels):
        codes = np.array(collapsed.recode[i])
        col = x[seen[:, i], i].astype(np.int64)
        item_values = []
        for c in range(collapsed.max_scores[i] + 1):
            marks = np.flatnonzero(codes == c)
            members = col[np.isin(col, marks)]
            item_values.append(float(members.mean()) if members.size else float(marks.min()))
        values.append(item_values)
        for group in collapsed.merged(i):
            empty = [mark for mark in group if mark in collapsed.empty[i]]
            notes.append(f"{label} on the {which} paper: marks {', '.join(str(g) for g in group)} counted as one "
                         f"category (no candidate with a total between 0 and full marks had "
                         f"{'mark' if len(empty) == 1 else 'marks'} {', '.join(str(e) for e in empty)}).")
    return _Prepared(collapsed.responses, labels, collapsed.max_scores, collapsed.recode, values, notes)


def _same_categories(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    """An anchor can be held at its old thresholds when it has as many model categories on both
    papers and the marks both papers allow fall in the same categories (a higher maximum that no
    one reached, merged into the top category, changes nothing)."""
    both = min(len(old), len(new))
    return max(old) == max(new) and old[:both] == new[:both]


def _calibrate_pcm(paper: _Prepared, which: str, anchors: dict | None = None):
    try:
        return pcm_cml(paper.responses, items=paper.labels, max_scores=paper.max_scores, anchors=anchors)
    except ValueError as error:
        raise EquatingRefused(
            f"The {which} paper cannot be calibrated with the partial credit model: {error}.") from None


def _equate_pcm(old: Paper, new: Paper, old_cut: float, link: Link, min_anchors: int) -> Equated:
    common = [label for label in new.labels if label in set(old.labels)]
    if len(common) < min_anchors:
        raise EquatingRefused(
            f"The papers share {len(common)} item(s); equating needs at least {min_anchors} anchor items, "
            "so that one odd item cannot move the standard.")
    old_max = float(sum(old.max_marks))
    if not 0 < old_cut < old_max:
        raise EquatingRefused(f"The earlier cut, {old_cut:g}, must lie strictly between 0 and {old_max:g} "
                              "to correspond to a finite ability.")
    before, after = _prepare(old, "earlier"), _prepare(new, "new")
    base = _calibrate_pcm(before, "earlier")
    base_t = {label: np.asarray(t, dtype=np.float64) for label, t in zip(base.items, base.thresholds)}
    base_loc = dict(zip(base.items, (float(v) for v in base.location)))
    free = _calibrate_pcm(after, "new")
    free_t = {label: np.asarray(t, dtype=np.float64) for label, t in zip(free.items, free.thresholds)}
    free_loc = dict(zip(free.items, (float(v) for v in free.location)))
    mm = mean_mean_link(base_loc, free_loc, common)
    notes = before.notes + after.notes
    old_index, new_index = {l: i for i, l in enumerate(old.labels)}, {l: i for i, l in enumerate(new.labels)}
    held = [label for label in common
            if _same_categories(before.recode[old_index[label]], after.recode[new_index[label]])]
    if link is Link.ANCHORED:
        loose = [label for label in common if label not in held]
        if len(held) < min_anchors:
            raise EquatingRefused(
                f"Anchored linking holds each anchor at its earlier thresholds, so an anchor's score categories must "
                f"be the same on both papers; only {len(held)} of the {len(common)} anchors qualify ({_list(loose)} "
                f"differ: a different maximum, or categories merged because nobody reached them) and at least "
                f"{min_anchors} are needed. Use mean/mean linking, which compares the anchors' locations.")
        if loose:
            notes.append(f"Anchors not held at their earlier thresholds (their score categories differ between the "
                         f"papers), estimated on the earlier scale instead: {_list(loose)}.")
        if len(held) == len(new.labels):
            new_t = {label: base_t[label] for label in held}  # every item is an anchor: nothing to estimate
        else:
            anchored = _calibrate_pcm(after, "new", anchors={label: base_t[label] for label in held})
            new_t = {label: np.asarray(t, dtype=np.float64) for label, t in zip(anchored.items, anchored.thresholds)}
    else:
        new_t = {label: t + mm.shift for label, t in free_t.items()}
    try:
        carried = carry_cut_score_pcm(old_cut, [base_t[label] for label in old.labels],
                                      [new_t[label] for label in new.labels],
                                      before.category_marks, after.category_marks)
    except ValueError as error:
        raise EquatingRefused(f"The earlier cut cannot be carried: {error}.") from None
    anchors = tuple(Anchor(label, base_loc[label], mm.linked[label], mm.linked[label] - base_loc[label])
                    for label in common)
    new_loc = {label: float(np.mean(t)) for label, t in new_t.items()}
    return Equated(link, float(old_cut), old_max, carried.theta, carried.to_score, float(sum(new.max_marks)),
                   mm.shift, anchors, new_loc, Model.PCM, tuple(notes),
                   {label: [float(v) for v in t] for label, t in new_t.items()})
