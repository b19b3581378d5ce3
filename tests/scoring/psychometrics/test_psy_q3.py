"""Yen's Q3 pinned to an independent computation in R (tools/reference/make_pcm_fixtures.R): the
correlations (pairwise complete) of raw residuals x − E(x | θ) built in R from eRm's own item
thresholds and eRm's ML person parameters, extreme scores left out. Given the same parameters the
engine agrees to 1e-12; from its own estimates (the exact CML maximum rather than eRm's nlm) to
1e-4 on complete data.

Flag rule: a pair of items of one case study is flagged when its Q3 exceeds the mean Q3 of all
pairs by more than 0.2 (Christensen, Makransky & Horton 2017).
"""

import csv

import numpy as np
import pytest

from scoring.psychometrics.dependence import Q3_THRESHOLD, q3_matrix, case_study_dependence
from scoring.psychometrics.rasch import category_probabilities, pcm_cml, pcm_person_abilities, rasch_cml
from scoring.psychometrics.simulate import simulate_rasch

from .conftest import DATA, FIXTURES

SETS = {
    "verbal_aggression": DATA / "verbal_aggression_scored.csv",
    "simulated": FIXTURES / "pcm_simulated.csv",
    "simulated_complete": FIXTURES / "pcm_simulated_complete.csv",
}


def _load(path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0][1:], np.array([[float(v) if v != "" else np.nan for v in r[1:]] for r in rows[1:]])


def _none_nan(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.mark.parametrize("name", list(SETS))
def test_pcm_q3_matches_r_from_erm_parameters(name, fixture):
    items, x = _load(SETS[name])
    fx = fixture(f"pcm_{name}.json")
    own = np.asarray(fx["erm_thresholds_own"])
    offsets = np.concatenate([[0], np.cumsum(fx["max_scores"])])
    tau = [own[offsets[i]: offsets[i + 1]] for i in range(len(items))]
    q = q3_matrix(x, tau, items=items, abilities=_none_nan(fx["erm_theta"]))
    np.testing.assert_allclose(q.q3, np.asarray(fx["q3_erm"], dtype=float), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["verbal_aggression", "simulated_complete"])
def test_pcm_q3_from_the_engines_own_estimates(name, fixture):
    items, x = _load(SETS[name])
    q = q3_matrix(x, pcm_cml(x, items=items), items=items)
    np.testing.assert_allclose(q.q3, np.asarray(fixture(f"pcm_{name}.json")["q3_erm"], dtype=float), rtol=0, atol=1e-4)


def test_dichotomous_q3_matches_r(scored, fixture):
    items, x = scored("raschdat1")
    fx = fixture("q3_raschdat1.json")
    q = q3_matrix(x, np.asarray(fx["difficulty"]), abilities=_none_nan(fx["erm_theta"]))
    np.testing.assert_allclose(q.q3, np.asarray(fx["q3_erm"], dtype=float), rtol=0, atol=1e-12)
    own = q3_matrix(x, rasch_cml(x).difficulty)
    np.testing.assert_allclose(own.q3, np.asarray(fx["q3_erm"], dtype=float), rtol=0, atol=1e-4)
    np.testing.assert_array_equal(q3_matrix(x, rasch_cml(x)).q3, own.q3)  # the calibration itself will do
    assert own.n_candidates_used == int(np.sum(np.isfinite(_none_nan(fx["erm_theta"]))))


def test_q3_near_minus_one_over_k_minus_one_under_local_independence():
    x = simulate_rasch(3000, np.linspace(-1.5, 1.5, 10), seed=3).responses
    q = q3_matrix(x, rasch_cml(x).difficulty)
    assert q.mean_q3 == pytest.approx(-1 / 9, abs=0.03)
    np.testing.assert_allclose(q.q3, q.q3.T)
    assert np.all(np.diag(q.q3) == 1.0)


def test_dependent_pair_in_a_case_study_is_flagged():
    # Items 1–4 form case study A; item 2 copies item 1 for 60 % of candidates (one gives the
    # other away). Case study B (items 5–7) is locally independent.
    sim = simulate_rasch(2000, [-1.0, -0.5, 0.0, 0.5, -0.3, 0.2, 0.8, 1.0], seed=9)
    x = sim.responses.copy()
    rng = np.random.default_rng(10)
    copy = rng.random(x.shape[0]) < 0.6
    x[copy, 1] = x[copy, 0]
    items = [f"q{i + 1}" for i in range(8)]
    q = q3_matrix(x, rasch_cml(x).difficulty, items=items)
    testlets = {"q1": "A", "q2": "A", "q3": "A", "q4": "A", "q5": "B", "q6": "B", "q7": "B", "q8": None}
    pairs = case_study_dependence(q, testlets)
    assert len(pairs) == 6 + 3  # pairs within A, within B; q8 stands alone
    flagged = [(p.testlet, p.item_a, p.item_b) for p in pairs if p.flagged]
    assert flagged == [("A", "q1", "q2")]
    top = next(p for p in pairs if p.flagged)
    assert top.q3_above_mean == pytest.approx(top.q3 - q.mean_q3)
    assert top.q3_above_mean > Q3_THRESHOLD
    # a stricter threshold flags nothing
    assert not any(p.flagged for p in case_study_dependence(q, testlets, threshold=0.99))


def test_missing_cells_use_the_candidates_who_saw_both_items():
    rng = np.random.default_rng(4)
    theta = rng.normal(size=600)
    tau = [[-0.5, 0.5], [0.0], [-1.0, 0.2], [0.4]]
    p = category_probabilities(theta, tau)
    x = (rng.random((600, 4, 1)) > np.cumsum(p, axis=2)).sum(axis=2).astype(float)
    x[:300, 3] = np.nan
    cal = pcm_cml(x)
    q = q3_matrix(x, cal)
    kept = np.isfinite(pcm_person_abilities(x, cal).theta_ml)
    assert q.n[0, 3] == int(np.sum(kept[300:]))  # only those presented item 4
    assert q.n[0, 1] == int(np.sum(kept))
    assert np.isfinite(q.q3).all()


def test_bad_input_is_refused():
    x = simulate_rasch(100, [0.0, 0.5, 1.0], seed=1).responses
    d = rasch_cml(x).difficulty
    with pytest.raises(ValueError, match="items; the matrix has"):
        q3_matrix(x, d[:2])
    with pytest.raises(ValueError, match="at least 2 items"):
        q3_matrix(x[:, :1], d[:1])
    q = q3_matrix(x, d, items=["a", "b", "c"])
    with pytest.raises(ValueError, match="not in the matrix: z"):
        case_study_dependence(q, {"a": "T", "z": "T"})


# ------------------------------------------------------------------ python -m scoring q3

def _run(capsys, *argv):
    from scoring.psychometrics.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_q3_command_by_case_study(capsys, tmp_path, fixture):
    import json

    items, _ = _load(SETS["verbal_aggression"])
    testlets = tmp_path / "testlets.csv"
    testlets.write_text("item,testlet\n" + "".join(f"{i},{i[:2]}\n" for i in items[:12]), encoding="utf-8")
    code, out, err = _run(capsys, "q3", str(SETS["verbal_aggression"]), "--testlets", str(testlets))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["model"] == "partial credit" and doc["n_candidates_used"] == 310
    assert len(doc["pairs"]) == 2 * 15  # situations S1 and S2, six items each
    ref = np.asarray(fixture("pcm_verbal_aggression.json")["q3_erm"], dtype=float)
    got = np.array([[row[b] for b in items] for row in doc["q3"]])
    np.testing.assert_allclose(got, ref, atol=1e-4)
    flagged = {(p["item_a"], p["item_b"]) for p in doc["pairs"] if p["flagged"]}
    assert ("S1WantCurse", "S1WantScold") in flagged
    assert all(p["q3_above_mean"] > 0.2 for p in doc["pairs"] if p["flagged"])
    code, out, _ = _run(capsys, "q3", str(SETS["verbal_aggression"]), "--testlets", str(testlets), "--threshold", "0.5")
    assert code == 0 and not any(p["flagged"] for p in json.loads(out)["pairs"])


def test_q3_command_on_0_1_items_and_bad_testlets(capsys, tmp_path, data_dir):
    import json

    code, out, err = _run(capsys, "q3", str(data_dir / "lsat6_scored.csv"), "--format", "text")
    assert code == 0 and "Item1" in out and "mean_q3" in out
    bad = tmp_path / "t.csv"
    bad.write_text("item,testlet\nItem9,A\n", encoding="utf-8")
    code, out, err = _run(capsys, "q3", str(data_dir / "lsat6_scored.csv"), "--testlets", str(bad))
    assert code == 2 and out == "" and "item 'Item9' is not a column of lsat6_scored.csv" in err
    code, out, _ = _run(capsys, "q3", str(data_dir / "lsat6_scored.csv"))
    assert json.loads(out)["model"] == "Rasch"
