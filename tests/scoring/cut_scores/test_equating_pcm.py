"""Equating papers with written (partial-credit) items: pinned to R's eRm 1.0.2 on a seeded pair of
papers (tests/data/psychometrics/pcm_equating: old.csv, new.csv, pcm_equating.R and its output
pcm_equating_eRm.json), to the engine's own functions, and to the dichotomous route.

Tolerance against eRm: 1e-4 logits and marks for the shift, every anchor's location and
displacement, θ at the cut and the equated cut (largest gaps seen: 1.5e-5 logits for a
displacement, 1.2e-6 for θ, 3.5e-7 marks for the cut; eRm's ``nlm`` stops just short of the CML
maximum the engine reaches).
"""
import json
from pathlib import Path

import numpy as np
import pytest

from scoring.cut_scores.equating import EquatingRefused, Link, Model, Paper, _equate_pcm, equate
from scoring.psychometrics.rasch import carry_cut_score_pcm, pcm_cml
from tests.scoring.cut_scores.test_equating import NEW as NEW01
from tests.scoring.cut_scores.test_equating import OLD as OLD01

PAIR = Path(__file__).parents[2] / "data" / "psychometrics" / "pcm_equating"
R = json.loads((PAIR / "pcm_equating_eRm.json").read_text())


def _read(name: str) -> Paper:
    lines = (PAIR / f"{name}.csv").read_text().split()
    labels = lines[0].split(",")
    matrix = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    return Paper(matrix, labels, [float(R[f"{name}_max_marks"][label]) for label in labels])


OLD, NEW = _read("old"), _read("new")


def _with(paper: Paper, matrix=None, max_marks=None) -> Paper:
    return Paper(paper.matrix if matrix is None else matrix, paper.labels,
                 paper.max_marks if max_marks is None else max_marks)


def test_mean_mean_is_pinned_to_eRm():
    result = equate(OLD, NEW, R["cut"], Link.MEAN_MEAN)
    assert result.model is Model.PCM and result.notes == ()
    assert result.old_max == 17 and result.new_max == 17
    assert [a.label for a in result.anchors] == list(R["displacement"])
    assert result.shift == pytest.approx(R["shift"], abs=1e-4)
    assert {a.label: a.old_difficulty for a in result.anchors} == pytest.approx(
        {label: R["old_location"][label] for label in R["displacement"]}, abs=1e-4)
    assert {a.label: a.displacement for a in result.anchors} == pytest.approx(R["displacement"], abs=1e-4)
    assert result.theta == pytest.approx(R["theta"], abs=1e-4)
    assert result.equated_cut == pytest.approx(R["equated_cut"], abs=1e-4)
    # Every new item's location on the old scale is eRm's new location plus the shift.
    assert result.new_difficulties == pytest.approx(
        {label: v + R["shift"] for label, v in R["new_location"].items()}, abs=1e-4)
    for label, thresholds in R["new_thresholds"].items():
        assert result.new_thresholds[label] == pytest.approx([t + R["shift"] for t in thresholds], abs=1e-4)


def test_the_anchor_made_harder_is_flagged_as_moved():
    # The simulation made I5 0.7 logits harder on the new paper; only it moves by more than 0.5.
    result = equate(OLD, NEW, R["cut"], Link.MEAN_MEAN)
    assert [a.label for a in result.anchors if a.drifted] == ["I5"] and result.n_drifted == 1
    assert result.as_dict()["model"] == "pcm" and len(result.as_dict()["anchors"]) == 6


def test_anchored_is_pinned_to_the_engine():
    base = pcm_cml(OLD.matrix, items=OLD.labels)
    old_t = dict(zip(base.items, base.thresholds))
    anchors = {label: old_t[label] for label in NEW.labels if label in old_t}
    fixed = pcm_cml(NEW.matrix, items=NEW.labels, anchors=anchors)
    carried = carry_cut_score_pcm(R["cut"], base.thresholds, fixed.thresholds)
    result = equate(OLD, NEW, R["cut"], Link.ANCHORED)
    assert result.model is Model.PCM and result.link is Link.ANCHORED
    assert result.theta == pytest.approx(carried.theta, abs=1e-12)
    assert result.equated_cut == pytest.approx(carried.to_score, abs=1e-12)
    for label, thresholds in anchors.items():  # the anchors keep their old thresholds
        assert result.new_thresholds[label] == pytest.approx(list(thresholds), abs=1e-12)
    # θ is the same under either link (it is the old paper's); the anchored cut differs from the
    # mean/mean one because I5, held at its old thresholds, is harder on the new paper.
    assert result.theta == pytest.approx(R["theta"], abs=1e-4)
    assert abs(result.equated_cut - R["equated_cut"]) < 0.5
    # The displacement table is the free calibration's, whichever link is chosen.
    assert {a.label: a.displacement for a in result.anchors} == pytest.approx(R["displacement"], abs=1e-4)


def test_without_the_drifted_anchor_the_two_links_agree():
    # Drop I5 from the new paper (it becomes a new-only item under another label): anchored and
    # mean/mean then land within a few hundredths of a mark of each other.
    labels = ["I1", "I2", "I3", "I4", "X5", "I6", "I21", "I22", "I23", "I24"]
    new = Paper(NEW.matrix, labels, NEW.max_marks)
    anchored = equate(OLD, new, R["cut"], Link.ANCHORED)
    mean_mean = equate(OLD, new, R["cut"], Link.MEAN_MEAN)
    assert len(anchored.anchors) == 5 and anchored.n_drifted == 0
    assert anchored.equated_cut == pytest.approx(mean_mean.equated_cut, abs=0.1)


def test_the_same_paper_equates_to_itself():
    for link in Link:
        result = equate(OLD, OLD, R["cut"], link)
        assert result.equated_cut == pytest.approx(R["cut"], abs=1e-8)
        assert max(abs(a.displacement) for a in result.anchors) < 1e-8 and result.n_drifted == 0


@pytest.mark.parametrize("link", list(Link))
def test_on_0_1_papers_the_pcm_route_gives_the_rasch_route(link):
    rasch = equate(OLD01, NEW01, 5.3, link)
    pcm = _equate_pcm(OLD01, NEW01, 5.3, link, 5)
    assert rasch.model is Model.RASCH and pcm.model is Model.PCM
    assert pcm.theta == pytest.approx(rasch.theta, abs=1e-8)
    assert pcm.equated_cut == pytest.approx(rasch.equated_cut, abs=1e-8)
    assert pcm.shift == pytest.approx(rasch.shift, abs=1e-8)
    assert [a.displacement for a in pcm.anchors] == pytest.approx([a.displacement for a in rasch.anchors], abs=1e-8)


def test_an_empty_category_is_merged_reported_and_kept_in_awarded_marks():
    # On the new paper nobody is given 2 on I23 (out of 3): those marks become 3. Category 2 is
    # empty, so marks 1 and 2 count as one category (worth 1, the only mark in it) and 3 is the
    # model's category 2, worth 3 marks. The result is the engine on that recoded matrix.
    x = NEW.matrix.copy()
    col = NEW.labels.index("I23")
    x[x[:, col] == 2, col] = 3
    result = equate(OLD, _with(NEW, matrix=x), R["cut"], Link.MEAN_MEAN)
    assert result.notes == ("I23 on the new paper: marks 1, 2 counted as one category (no candidate with a total "
                            "between 0 and full marks had mark 2).",)
    recoded = x.copy()
    recoded[recoded[:, col] == 3, col] = 2
    base = pcm_cml(OLD.matrix, items=OLD.labels)
    free = pcm_cml(recoded, items=NEW.labels)
    old_loc, new_loc = dict(zip(base.items, base.location)), dict(zip(free.items, free.location))
    shift = np.mean([old_loc[a] for a in OLD.labels[:6]]) - np.mean([new_loc[a] for a in NEW.labels[:6]])
    marks = [list(range(int(m) + 1)) for m in NEW.max_marks]
    marks[col] = [0, 1, 3]
    carried = carry_cut_score_pcm(R["cut"], base.thresholds, [t + shift for t in free.thresholds], None, marks)
    assert result.shift == pytest.approx(shift, abs=1e-10)
    assert result.equated_cut == pytest.approx(carried.to_score, abs=1e-10)
    assert len(result.new_thresholds["I23"]) == 2


def test_anchored_needs_anchors_with_the_same_categories():
    # On the new paper nobody is given 2 on I2 (out of 2), so I2 has two categories there and three
    # on the earlier paper: it cannot be held at its old thresholds.
    x = NEW.matrix.copy()
    x[x[:, 1] == 2, 1] = 1
    one = equate(OLD, _with(NEW, matrix=x), R["cut"], Link.ANCHORED)  # 5 of 6 anchors can be held: done, and said so
    assert one.notes[0].startswith("I2 on the new paper: marks 1, 2 counted as one category")
    assert one.notes[-1] == ("Anchors not held at their earlier thresholds (their score categories differ between "
                             "the papers), estimated on the earlier scale instead: I2.")
    assert len(one.new_thresholds["I2"]) == 1
    # Nobody given 1 on I4 (out of 3) either: two anchors differ, four can be held, five are needed.
    x[x[:, 3] == 1, 3] = 2
    with pytest.raises(EquatingRefused, match="only 4 of the 6 anchors qualify \\(I2, I4 differ.*Use mean/mean"):
        equate(OLD, _with(NEW, matrix=x), R["cut"], Link.ANCHORED)
    assert equate(OLD, _with(NEW, matrix=x), R["cut"], Link.MEAN_MEAN).model is Model.PCM


def test_a_higher_maximum_nobody_reached_changes_nothing():
    # I2 and I4 declared out of one mark more on the new paper, which nobody reaches: the empty top
    # category is merged (and reported); the anchors keep their categories and can still be held.
    tops = list(NEW.max_marks)
    tops[1] += 1
    tops[3] += 1
    for link in Link:
        more = equate(OLD, _with(NEW, max_marks=tops), R["cut"], link)
        plain = equate(OLD, NEW, R["cut"], link)
        assert more.new_max == 19 and len(more.notes) == 2
        assert more.equated_cut == pytest.approx(plain.equated_cut, abs=1e-9)


def test_marks_the_pcm_cannot_use_are_refused_with_the_reason():
    halves = NEW.matrix.copy()
    halves[0, 7] = 0.5
    with pytest.raises(EquatingRefused, match="new paper has marks that are not whole numbers.*\\(I22\\)"):
        equate(OLD, _with(NEW, matrix=halves), R["cut"])
    with pytest.raises(EquatingRefused, match="earlier paper has items whose maximum is not a whole number.*"
                                              "I4 \\(out of 2.5\\)"):
        equate(_with(OLD, max_marks=[1, 2, 1, 2.5, 2, 1, 2, 1, 3, 1]), NEW, R["cut"])
    over = NEW.matrix.copy()
    over[0, 0] = 2
    with pytest.raises(EquatingRefused, match="between 0 and the item's maximum \\(I1\\)"):
        equate(OLD, _with(NEW, matrix=over), R["cut"])


def test_an_item_without_information_and_cuts_without_an_ability_are_refused():
    same = NEW.matrix.copy()
    same[:, NEW.labels.index("I22")] = 1
    with pytest.raises(EquatingRefused, match="new paper cannot be calibrated: every candidate .* same mark on I22"):
        equate(OLD, _with(NEW, matrix=same), R["cut"])
    with pytest.raises(EquatingRefused, match="strictly between 0 and 17"):
        equate(OLD, NEW, 17.0)
    # Nobody scored 0 on I4 (out of 3) on the earlier paper: its lowest category is worth 1 mark, so
    # the old curve starts at 1 and a cut of 0.5 marks has no ability.
    lifted = OLD.matrix.copy()
    col = OLD.labels.index("I4")
    lifted[lifted[:, col] == 0, col] = 1
    with pytest.raises(EquatingRefused, match="cannot be carried: a score of 0.5 lies outside \\(1, 17\\)"):
        equate(_with(OLD, matrix=lifted), NEW, 0.5, Link.MEAN_MEAN)
    with pytest.raises(EquatingRefused, match="share 5 item.*at least 6 anchor"):
        equate(OLD, Paper(NEW.matrix, ["I1", "I2", "I3", "I4", "X5"] + NEW.labels[5:], NEW.max_marks), R["cut"],
               min_anchors=6)
