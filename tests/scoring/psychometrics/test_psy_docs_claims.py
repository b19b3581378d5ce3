"""Claims in docs/psychometrics.md that no other test showed (the guide promises only what is tested)."""

import json

import numpy as np
import pytest
from scipy.special import expit

from scoring.psychometrics.cli import main
from scoring.psychometrics.distractors import distractor_analysis, group_weights
from scoring.psychometrics.rasch import ability_table
from scoring.psychometrics.scoring_rules import agreed_mark
from scoring.psychometrics.standard_setting import contrasting_groups


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_column_names_of_keys_ratings_and_scores_ignore_case(capsys, tmp_path):
    ratings = tmp_path / "r.csv"
    ratings.write_text("Judge,ITEM,Rating\nJ1,q1,0.5\nJ2,q1,0.7\n")
    code, out, err = run(capsys, "angoff", str(ratings))
    assert code == 0, err
    assert json.loads(out)["cut_score"] == pytest.approx(0.6)
    scores = tmp_path / "s.csv"
    scores.write_text("CANDIDATE,Score\nA,10\nB,20\nC,30\n")
    code, out, err = run(capsys, "hofstee", str(scores), "--max-score", "40", "--min-cut", "5", "--max-cut", "35",
                         "--min-fail", "0.1", "--max-fail", "0.9")
    assert code == 0, err


def test_key_max_score_and_options(capsys, tmp_path):
    responses = tmp_path / "resp.csv"
    responses.write_text("candidate_id,q1,q2\nA,a,B\nB,b,B\nC,A,C\n")
    key = tmp_path / "key.csv"
    key.write_text("item,key,max_score,options,comment\nq1,A,3,A|B|C,ignored\nq2,B,,A|B|C,\n")
    code, out, err = run(capsys, "item-analysis", str(responses), "--key", str(key))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["test"]["max_score"] == 4 and doc["items"][0]["max_score"] == 3
    assert doc["items"][0]["facility"] == pytest.approx(2 / 3)  # matched ignoring case
    code, out, err = run(capsys, "item-analysis", str(responses), "--key", str(key), "--max-marks", "q1=3")
    assert code == 2 and "with --key, give each item's marks in the key's max_score column" in err
    responses.write_text("candidate_id,q1,q2\nA,a,B\nB,D,B\nC,A,C\n")
    code, out, err = run(capsys, "item-analysis", str(responses), "--key", str(key))
    assert code == 2 and "resp.csv, row 3, column 2 ('q1'): 'D' is not one of the options A|B|C" in err


def test_rasch_cells_must_be_0_or_1(capsys, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("id,a,b\n1,1,0\n2,2,1\n")
    code, _, err = run(capsys, "rasch", str(f))
    assert code == 2 and "r.csv, row 3, column 2 ('a'): 2 is not 0 or 1" in err


def test_double_marking_tolerance_defaults_to_one_mark():
    assert agreed_mark(4, 5, max_mark=6).status == "agreed"
    assert agreed_mark(3, 5, max_mark=6).status == "needs_third_marker"


def test_contrasting_groups_reports_the_midpoint_of_the_group_means():
    s = np.array([10, 12, 14, 20, 22, 24], dtype=float)
    comp = np.array([False, False, False, True, True, True])
    assert contrasting_groups(s, comp).midpoint == pytest.approx((12 + 22) / 2)


def test_upper_and_lower_group_proportions_of_each_option():
    rng = np.random.default_rng(4)
    ch = rng.choice(list("ABC"), size=(40, 3)).astype(object)
    keys = ["A", "B", "C"]
    result = distractor_analysis(ch, keys)
    scores = (ch == np.array(keys, dtype=object)).astype(float)
    up, lo, g = group_weights(scores.sum(axis=1))
    for j, item in enumerate(result):
        for o in item.options:
            chose = (ch[:, j] == o.option).astype(float)
            assert o.upper_proportion == pytest.approx(up @ chose / g)
            assert o.lower_proportion == pytest.approx(lo @ chose / g)


def test_person_standard_errors_are_one_over_root_information():
    d = np.array([-1.5, -0.4, 0.0, 0.3, 1.2, 2.0])
    t = ability_table(d)
    for r in range(1, d.size):
        p = expit(t.theta_ml[r] - d)
        assert t.se_ml[r] == pytest.approx(1 / np.sqrt((p * (1 - p)).sum()))
        p = expit(t.theta_wle[r] - d)
        assert t.se_wle[r] == pytest.approx(1 / np.sqrt((p * (1 - p)).sum()))
