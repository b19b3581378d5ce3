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
The calibration is the dichotomous Rasch model, so every item of both papers must be marked 0/1.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from scoring.psychometrics.rasch import carry_cut_score, mean_mean_link, rasch_cml

MIN_ANCHORS = 5
DRIFT_LOGITS = 0.5


class Link(StrEnum):
    ANCHORED = "anchored"
    MEAN_MEAN = "mean_mean"


LINK_NAMES = {Link.ANCHORED: "Anchored calibration (anchors fixed at their old difficulties)",
              Link.MEAN_MEAN: "Mean/mean linking of two free calibrations"}


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
    old_difficulty: float
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
    new_difficulties: dict  # every new item on the old scale, by the chosen link

    @property
    def n_drifted(self) -> int:
        return sum(1 for a in self.anchors if a.drifted)

    def as_dict(self) -> dict:
        return {"link": self.link.value, "old_cut": self.old_cut, "theta": self.theta,
                "equated_cut": self.equated_cut, "shift": self.shift,
                "anchors": [{"label": a.label, "old": a.old_difficulty, "new": a.new_difficulty,
                             "displacement": a.displacement} for a in self.anchors]}


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


def equate(old: Paper, new: Paper, old_cut: float, link: Link | str = Link.ANCHORED,
           min_anchors: int = MIN_ANCHORS) -> Equated:
    """The old paper's cut (raw marks) carried onto the new paper. Raises ``EquatingRefused``."""
    link = Link(link)
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
