"""Equating an approved standard onto a later paper: pinned to a hand-computable case, to the engine,
and to R's eRm (tests/data/cut_scores/equating.R and its output, equating_eRm.json)."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit

from scoring.cut_scores.equating import EquatingRefused, Link, Paper, equate
from scoring.psychometrics.rasch import expected_score, rasch_cml, theta_for_score

DATA = Path(__file__).parents[2] / "data" / "cut_scores"


def _read(name: str) -> Paper:
    lines = (DATA / name).read_text().split()
    labels = lines[0].split(",")
    matrix = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    return Paper(matrix, labels, [1.0] * len(labels))


OLD, NEW = _read("old.csv"), _read("new.csv")
R = json.loads((DATA / "equating_eRm.json").read_text())


def _pairs(n_right_wrong: int, n_wrong_right: int, extra=()) -> np.ndarray:
    """Two items A, B: candidates with A right and B wrong, and the other way round (plus extremes)."""
    return np.array([[1, 0]] * n_right_wrong + [[0, 1]] * n_wrong_right + list(extra), dtype=float)


def test_hand_computable_two_item_case():
    # With two items, CML gives δB − δA = ln(n(A right, B wrong) / n(A wrong, B right)); centred, ±ln3/2.
    old = Paper(_pairs(3, 1, [[1, 1], [0, 0]]), ["A", "B"], [1, 1])
    new = Paper(_pairs(1, 3), ["A", "B"], [1, 1])
    h = math.log(3) / 2
    for link in Link:
        result = equate(old, new, 1.0, link, min_anchors=2)
        # A cut of 1 of 2 marks: σ(θ + h) + σ(θ − h) = 1 at θ = 0 by symmetry.
        assert result.theta == pytest.approx(0.0, abs=1e-9)
        assert result.equated_cut == pytest.approx(1.0, abs=1e-9)
        assert result.shift == pytest.approx(0.0, abs=1e-9)  # both calibrations are centred on the same items
        assert [a.displacement for a in result.anchors] == pytest.approx([2 * h, -2 * h])
        assert [a.old_difficulty for a in result.anchors] == pytest.approx([-h, h])
    # A cut of 1.5: with u = e^θ and c = e^h = √3, uc/(1 + uc) + u/(c + u) = 1.5 is the quadratic
    # (c/2)u² − (1 + c²)/2·u − 3c/2 = 0, whose positive root gives θ = ln u.
    c = math.sqrt(3)
    u = ((1 + c * c) / 2 + math.sqrt(((1 + c * c) / 2) ** 2 + 4 * (c / 2) * (3 * c / 2))) / c
    assert math.log(u) == pytest.approx(float(theta_for_score(1.5, [-h, h])[0]), abs=1e-9)
    theta = float(theta_for_score(1.5, [-h, h])[0])
    assert expit(theta + h) + expit(theta - h) == pytest.approx(1.5, abs=1e-12)
    result = equate(old, new, 1.5, Link.MEAN_MEAN, min_anchors=2)
    assert result.theta == pytest.approx(theta, abs=1e-9)
    # On the new paper A and B have swapped difficulties, so the expected score at θ is the same 1.5.
    assert result.equated_cut == pytest.approx(1.5, abs=1e-9)


def test_the_same_paper_equates_to_itself():
    for link in Link:
        result = equate(OLD, OLD, 5.3, link)
        assert result.equated_cut == pytest.approx(5.3, abs=1e-8)
        assert max(abs(a.displacement) for a in result.anchors) < 1e-8 and result.n_drifted == 0


def test_mean_mean_is_pinned_to_eRm():
    result = equate(OLD, NEW, R["cut"], Link.MEAN_MEAN)
    assert [a.label for a in result.anchors] == list(R["displacement"])
    # eRm's nlm stops about 1e-4 short of the CML maximum the engine reaches (cml.py), hence 2e-3.
    assert result.shift == pytest.approx(R["shift"], abs=2e-3)
    assert {a.label: a.displacement for a in result.anchors} == pytest.approx(R["displacement"], abs=2e-3)
    assert {a.label: a.old_difficulty for a in result.anchors} == pytest.approx(
        {k: R["old_difficulty"][k] for k in R["displacement"]}, abs=2e-3)
    assert result.theta == pytest.approx(R["theta"], abs=2e-3)
    assert result.equated_cut == pytest.approx(R["equated_cut"], abs=2e-3)


def test_anchored_is_pinned_to_the_engine():
    base = rasch_cml(OLD.matrix, items=OLD.labels)
    old_d = dict(zip(base.items, base.difficulty))
    anchors = {label: old_d[label] for label in NEW.labels if label in old_d}
    fixed = rasch_cml(NEW.matrix, items=NEW.labels, anchors=anchors)
    theta = float(theta_for_score(R["cut"], base.difficulty)[0])
    expected = float(expected_score(theta, fixed.difficulty)[0])
    result = equate(OLD, NEW, R["cut"], Link.ANCHORED)
    assert result.theta == pytest.approx(theta, abs=1e-12)
    assert result.equated_cut == pytest.approx(expected, abs=1e-12)
    # The anchors keep their old difficulties; the new items land close to mean/mean's values.
    assert all(result.new_difficulties[label] == pytest.approx(value) for label, value in anchors.items())
    assert result.equated_cut == pytest.approx(R["equated_cut"], abs=0.05)


def test_a_harder_new_paper_lowers_the_cut_in_marks():
    # The same candidates' data with the four new items made harder (fewer right): same θ, fewer marks.
    harder = NEW.matrix.copy()
    rng = np.random.default_rng(1)
    harder[:, 6:] = np.where(rng.random(harder[:, 6:].shape) < 0.3, 0, harder[:, 6:])
    easy = equate(OLD, NEW, R["cut"], Link.ANCHORED)
    hard = equate(OLD, Paper(harder, NEW.labels, NEW.max_marks), R["cut"], Link.ANCHORED)
    assert hard.equated_cut < easy.equated_cut


def test_too_few_anchors_are_refused_with_the_reason():
    new = Paper(NEW.matrix, ["I1", "I2", "I3", "I4", "X5", "X6", "I21", "I22", "I23", "I24"], NEW.max_marks)
    with pytest.raises(EquatingRefused, match="share 4 item.*at least 5 anchor"):
        equate(OLD, new, 5.3)


def test_an_item_out_of_2_that_nobody_scored_2_on_goes_to_the_pcm_and_changes_nothing():
    # Polytomous papers are no longer refused: they are equated with the partial credit model
    # (test_equating_pcm.py). Here I2 is out of 2 but nobody had 2, so the empty category is merged
    # and the model is the dichotomous one again: mean/mean gives the Rasch route's numbers.
    rasch = equate(OLD, NEW, 5.3, Link.MEAN_MEAN)
    pcm = equate(OLD, Paper(NEW.matrix, NEW.labels, [1, 2] + [1] * 8), 5.3, Link.MEAN_MEAN)
    assert pcm.model == "pcm" and rasch.model == "rasch" and pcm.new_max == 11
    assert pcm.equated_cut == pytest.approx(rasch.equated_cut, abs=1e-8)
    assert pcm.theta == pytest.approx(rasch.theta, abs=1e-8)
    assert any(note.startswith("I2 on the new paper: marks 1, 2 counted as one category") for note in pcm.notes)


def test_impossible_cuts_are_refused():
    with pytest.raises(EquatingRefused, match="strictly between 0 and 10"):
        equate(OLD, NEW, 10.0)
    stuck = NEW.matrix.copy()
    stuck[:, 7] = 1  # everybody right: no finite difficulty
    with pytest.raises(EquatingRefused, match="new paper cannot be calibrated"):
        equate(OLD, Paper(stuck, NEW.labels, NEW.max_marks), 5.3)
