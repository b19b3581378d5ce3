"""Partial-credit linking: anchored PCM calibration, item locations, the PCM test characteristic
curve and carrying a cut score — pinned to R's eRm 1.0.2 (``PCM(sum0 = TRUE)`` + ``thresholds()``)
on a seeded simulated pair of papers (tests/data/psychometrics/pcm_equating: data, the R script and
its output), and to properties that hold exactly.

Tolerances: thresholds and locations 2e-4 of eRm (its ``nlm`` stops short of the CML maximum the
engine reaches; largest gap seen 3.1e-5); the link's shift, θ and the carried cut 1e-4 (largest
seen 1.2e-6 logits and 3.5e-7 marks).
"""

import json
import math

import numpy as np
import pytest
from scipy.special import expit

from scoring.psychometrics.rasch import (
    carry_cut_score, carry_cut_score_pcm, mean_mean_link, pcm_cml, pcm_expected_score, pcm_locations, pcm_tcc,
    pcm_theta_for_score, rasch_cml,
)

from .conftest import DATA

PAIR = DATA / "pcm_equating"
R = json.loads((PAIR / "pcm_equating_eRm.json").read_text())


def _paper(name):
    lines = (PAIR / f"{name}.csv").read_text().split()
    labels = lines[0].split(",")
    return labels, np.array([[float(v) for v in line.split(",")] for line in lines[1:]])


OLD_LABELS, OLD_X = _paper("old")
NEW_LABELS, NEW_X = _paper("new")


@pytest.fixture(scope="module")
def calibrations():
    return pcm_cml(OLD_X, items=OLD_LABELS), pcm_cml(NEW_X, items=NEW_LABELS)


def test_the_fixture_has_written_items_and_both_papers_every_category():
    assert [R["old_max_marks"][l] for l in OLD_LABELS] == [int(v) for v in OLD_X.max(axis=0)]
    assert max(R["new_max_marks"].values()) == 3 and min(R["new_max_marks"].values()) == 1
    assert OLD_X.shape == NEW_X.shape == (500, 10)


def test_thresholds_and_locations_match_eRm(calibrations):
    for cal, which in zip(calibrations, ("old", "new")):
        for label, thresholds, location in zip(cal.items, cal.thresholds, cal.location):
            assert thresholds == pytest.approx(R[f"{which}_thresholds"][label], abs=2e-4)
            assert location == pytest.approx(R[f"{which}_location"][label], abs=2e-4)
        assert pcm_locations(cal.thresholds) == pytest.approx(cal.location, abs=1e-12)


def test_mean_mean_on_locations_and_the_carried_cut_match_eRm(calibrations):
    base, new = calibrations
    old_loc, new_loc = dict(zip(base.items, base.location)), dict(zip(new.items, new.location))
    link = mean_mean_link(old_loc, new_loc)
    assert link.common_items == tuple(R["displacement"])
    assert link.shift == pytest.approx(R["shift"], abs=1e-4)
    assert {i: link.linked[i] - old_loc[i] for i in link.common_items} == pytest.approx(R["displacement"], abs=1e-4)
    carried = carry_cut_score_pcm(R["cut"], base.thresholds, [t + link.shift for t in new.thresholds])
    assert carried.theta == pytest.approx(R["theta"], abs=1e-4)
    assert carried.to_score == pytest.approx(R["equated_cut"], abs=1e-4)
    assert float(pcm_tcc(carried.theta, base.thresholds)[0]) == pytest.approx(R["cut"], abs=1e-10)


def test_the_tcc_is_the_sum_of_k_times_the_category_probabilities():
    # One item out of 2 with thresholds (−1, 1) and one 0/1 item of difficulty 0.5, at θ = 0.3.
    theta = 0.3
    z = np.array([0.0, theta + 1.0, 2 * theta])  # k θ − Σ_{h ≤ k} τ_h
    p = np.exp(z) / np.exp(z).sum()
    by_hand = p[1] + 2 * p[2] + expit(theta - 0.5)
    assert pcm_tcc(theta, [[-1.0, 1.0], [0.5]])[0] == pytest.approx(by_hand, abs=1e-14)
    assert pcm_tcc(theta, [[-1.0, 1.0], [0.5]])[0] == pytest.approx(pcm_expected_score(theta, [[-1.0, 1.0], [0.5]])[0])
    assert pcm_theta_for_score(by_hand, [[-1.0, 1.0], [0.5]]) == pytest.approx(theta, abs=1e-12)


def test_with_only_0_1_items_the_pcm_route_is_the_rasch_route():
    difficulties = [-1.2, -0.3, 0.4, 1.1]
    rasch = carry_cut_score(2.3, difficulties, [d + 0.2 for d in difficulties])
    pcm = carry_cut_score_pcm(2.3, [[d] for d in difficulties], [[d + 0.2] for d in difficulties])
    assert pcm.theta == pytest.approx(rasch.theta, abs=1e-10)
    assert pcm.to_score == pytest.approx(rasch.to_score, abs=1e-10)
    x = OLD_X[:, [0, 2, 5, 7, 9]]  # the 0/1 items of the old paper
    a, b = rasch_cml(x), pcm_cml(x)
    assert np.concatenate(b.thresholds) == pytest.approx(a.difficulty, abs=1e-8)


def test_symmetric_items_put_half_marks_at_theta_zero():
    # Thresholds symmetric about 0: E(0) is half the maximum, so a cut at half marks carries to θ = 0.
    assert pcm_theta_for_score(2.5, [[-1.0, 1.0], [-0.5, 0.5], [0.0]]) == pytest.approx(0.0, abs=1e-12)


def test_category_marks_keep_the_curve_in_awarded_marks():
    # An item out of 3 whose marks 1 and 2 were merged into one category worth 1.5: the curve runs
    # from 0 to 3 + 1, and equals the model's expected category weighted by those marks.
    thresholds = [[-0.4, 0.9], [0.2]]
    marks = [[0.0, 1.5, 3.0], [0.0, 1.0]]
    theta = 0.7
    z = np.array([0.0, theta + 0.4, 2 * theta - 0.5])
    p = np.exp(z) / np.exp(z).sum()
    expected = 1.5 * p[1] + 3.0 * p[2] + expit(theta - 0.2)
    assert pcm_tcc(theta, thresholds, marks)[0] == pytest.approx(expected, abs=1e-14)
    assert pcm_theta_for_score(expected, thresholds, marks) == pytest.approx(theta, abs=1e-12)
    # A lowest category worth 1 (nobody scored 0 on it): scores at or below 1 have no ability.
    with pytest.raises(ValueError, match="outside \\(1, 4\\)"):
        pcm_theta_for_score(1.0, thresholds, [[1.0, 2.0, 3.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="must not decrease"):
        pcm_tcc(0.0, thresholds, [[0.0, 2.0, 1.0], [0.0, 1.0]])


def test_anchoring_at_the_free_estimates_returns_the_free_estimates(calibrations):
    # Fixing some items at their own CML estimates leaves the conditional likelihood's maximum where
    # it was, so the other items come out as in the free calibration; moving the anchors by c moves
    # every other threshold by c (the PCM is unchanged by one shift of all thresholds).
    _, free = calibrations
    fixed = {label: free.thresholds[i] for i, label in enumerate(free.items[:6])}
    for c in (0.0, 0.8):
        anchored = pcm_cml(NEW_X, items=NEW_LABELS, anchors={k: v + c for k, v in fixed.items()})
        assert anchored.anchored == (True,) * 6 + (False,) * 4
        for i in range(10):
            assert anchored.thresholds[i] == pytest.approx(free.thresholds[i] + c, abs=1e-7)
        assert all(np.all(anchored.se_thresholds[i] == 0) for i in range(6))
        assert all(np.all(anchored.se_thresholds[i] > 0) for i in range(6, 10))


def test_anchoring_at_the_old_values_puts_new_items_on_the_old_scale(calibrations):
    base, free = calibrations
    old = dict(zip(base.items, base.thresholds))
    anchors = {label: old[label] for label in NEW_LABELS if label in old}
    anchored = pcm_cml(NEW_X, items=NEW_LABELS, anchors=anchors)
    for label, t in zip(anchored.items, anchored.thresholds):
        if label in anchors:
            assert np.array_equal(t, anchors[label])
    # Not centred: the anchors' old values set the origin. The new items differ from the mean/mean
    # linked values only through the anchors' misfit (I5 was made 0.7 harder on the new paper).
    link = mean_mean_link(dict(zip(base.items, base.location)), dict(zip(free.items, free.location)))
    for i in range(6, 10):
        assert anchored.location[i] == pytest.approx(free.location[i] + link.shift, abs=0.25)
    assert not math.isclose(float(np.concatenate(anchored.thresholds).sum()), 0.0, abs_tol=1e-6)


def test_anchors_are_checked():
    with pytest.raises(ValueError, match="not among the items"):
        pcm_cml(NEW_X, items=NEW_LABELS, anchors={"I99": [0.0]})
    with pytest.raises(ValueError, match="has 1 threshold\\(s\\) but is marked out of 2"):
        pcm_cml(NEW_X, items=NEW_LABELS, anchors={"I2": [0.0]})
    with pytest.raises(ValueError, match="finite"):
        pcm_cml(NEW_X, items=NEW_LABELS, anchors={"I1": [np.nan]})
    with pytest.raises(ValueError, match="every item is anchored"):
        pcm_cml(NEW_X[:, :2], items=NEW_LABELS[:2], anchors={"I1": [0.0], "I2": [0.0, 1.0]})
