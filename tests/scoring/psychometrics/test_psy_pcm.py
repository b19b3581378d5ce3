"""Partial-credit Rasch (Masters' PCM) pinned to R: eRm 1.0.2 ``PCM`` and psychotools 0.7.2
``pcmodel`` (fixtures' "generated_by"; made by tools/reference/make_pcm_fixtures.R).

Normalisation: the engine makes all thresholds sum to zero; eRm makes its item-category
parameters sum to zero and psychotools fixes the first threshold at 0. The R script maps both onto
the engine's sum-zero threshold scale (thresholds and covariances) before storing them.

Tolerances: thresholds 5e-4 of eRm (its nlm stops short of the maximum; largest gap seen 1.7e-4)
and 1e-4 of psychotools (largest seen 3.3e-5); SEs 1e-4 of both (largest 1.9e-5); fit 5e-4 of
eRm (largest 1.2e-4, inherited from eRm's thresholds); ML abilities 5e-4 of eRm after the shift
between the two scales; raw-score tables 1e-8 of R's uniroot given psychotools' thresholds.

Data: (a) VerbalAggression (psychotools; 316 × 24, marks 0–2), complete; (b) a seeded simulated
matrix of eight items with maxima 1–4 and 8 % of cells not presented, and the same matrix
complete. eRm's PCM on the matrix with missing cells reaches a different (lower) conditional
log-likelihood than psychotools and the engine, which agree to 1e-9, so that case is pinned to
psychotools only.
"""

import csv

import numpy as np
import pytest

from scoring.psychometrics.rasch import (
    category_probabilities, item_fit, pcm_ability_table, pcm_cml, pcm_expected_score, pcm_generating_polynomial,
    pcm_item_fit, pcm_person_abilities, person_abilities, rasch_cml,
)
from scoring.psychometrics.simulate import simulate_rasch

from .conftest import DATA, FIXTURES

SETS = {
    "verbal_aggression": DATA / "verbal_aggression_scored.csv",
    "simulated": FIXTURES / "pcm_simulated.csv",
    "simulated_complete": FIXTURES / "pcm_simulated_complete.csv",
}
WITH_ERM = ["verbal_aggression", "simulated_complete"]


def _load(path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0][1:], np.array([[float(v) if v != "" else np.nan for v in r[1:]] for r in rows[1:]])


def _none_nan(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.fixture(scope="module")
def fitted(fixture):
    cache = {}

    def get(name):
        if name not in cache:
            items, x = _load(SETS[name])
            cache[name] = (items, x, pcm_cml(x, items=items), fixture(f"pcm_{name}.json"))
        return cache[name]

    return get


@pytest.mark.parametrize("name", list(SETS))
def test_thresholds_and_se_match_psychotools(name, fitted):
    items, x, cal, fx = fitted(name)
    assert list(cal.max_scores) == fx["max_scores"]
    np.testing.assert_allclose(np.concatenate(cal.thresholds), fx["psychotools_thresholds"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(np.concatenate(cal.se_thresholds), fx["psychotools_se"], rtol=0, atol=1e-4)
    assert cal.log_likelihood == pytest.approx(fx["psychotools_loglik"], abs=1e-6)
    assert abs(np.concatenate(cal.thresholds).sum()) < 1e-10
    assert cal.max_gradient < 1e-8


@pytest.mark.parametrize("name", WITH_ERM)
def test_thresholds_locations_and_se_match_erm(name, fitted):
    items, x, cal, fx = fitted(name)
    np.testing.assert_allclose(np.concatenate(cal.thresholds), fx["erm_thresholds"], rtol=0, atol=5e-4)
    np.testing.assert_allclose(np.concatenate(cal.se_thresholds), fx["erm_se"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(cal.location, fx["erm_location"], rtol=0, atol=5e-4)
    # eRm's own thresholds differ from the sum-zero ones by one common shift only
    own = np.asarray(fx["erm_thresholds_own"])
    np.testing.assert_allclose(own - own.mean(), fx["erm_thresholds"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", WITH_ERM)
def test_item_fit_matches_erm(name, fitted):
    items, x, cal, fx = fitted(name)
    fit = pcm_item_fit(x, cal)
    np.testing.assert_allclose(fit.outfit, fx["erm_outfit"], rtol=0, atol=5e-4)
    np.testing.assert_allclose(fit.infit, fx["erm_infit"], rtol=0, atol=5e-4)


@pytest.mark.parametrize("name", WITH_ERM)
def test_ml_abilities_match_erm_after_the_scale_shift(name, fitted):
    items, x, cal, fx = fitted(name)
    persons = pcm_person_abilities(x, cal)
    erm = _none_nan(fx["erm_theta"]) - np.mean(fx["erm_thresholds_own"])
    assert np.array_equal(np.isnan(persons.theta_ml), np.isnan(erm))  # zero and full scores
    np.testing.assert_allclose(persons.theta_ml[~np.isnan(erm)], erm[~np.isnan(erm)], rtol=0, atol=5e-4)
    assert np.isfinite(persons.theta_wle).all()


@pytest.mark.parametrize("name", WITH_ERM)
def test_raw_score_table_matches_r(name, fitted):
    items, x, cal, fx = fitted(name)
    m, tau = fx["max_scores"], np.asarray(fx["psychotools_thresholds"])
    offsets = np.concatenate([[0], np.cumsum(m)])
    table = pcm_ability_table([tau[offsets[i]: offsets[i + 1]] for i in range(len(m))])
    np.testing.assert_allclose(table.theta_ml[1:-1], fx["ml"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(table.theta_wle, fx["wle"], rtol=0, atol=1e-8)
    assert np.isnan(table.theta_ml[0]) and np.isnan(table.theta_ml[-1])
    # ML solves "expected score = raw score"
    np.testing.assert_allclose(pcm_expected_score(table.theta_ml[1:-1], cal), np.arange(1, sum(m)), atol=1e-4)


def test_dichotomous_items_reproduce_the_rasch_cml():
    x = simulate_rasch(400, np.linspace(-2, 2, 9), seed=11).responses
    x[::5, 2] = np.nan  # and not-presented cells, grouped the same way
    x[1::7, 6] = np.nan
    rasch, pcm = rasch_cml(x), pcm_cml(x)
    np.testing.assert_allclose(np.concatenate(pcm.thresholds), rasch.difficulty, rtol=0, atol=1e-10)
    np.testing.assert_allclose(np.concatenate(pcm.se_thresholds), rasch.se, rtol=0, atol=1e-10)
    np.testing.assert_allclose(pcm.location, rasch.difficulty, rtol=0, atol=1e-10)
    np.testing.assert_allclose(pcm.covariance, rasch.covariance, rtol=0, atol=1e-10)
    assert pcm.log_likelihood == pytest.approx(rasch.log_likelihood, abs=1e-8)
    a, b = person_abilities(x, rasch.difficulty), pcm_person_abilities(x, pcm)
    np.testing.assert_allclose(b.theta_ml, a.theta_ml, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(b.theta_wle, a.theta_wle, atol=1e-9)
    np.testing.assert_allclose(b.se_wle, a.se_wle, atol=1e-9)
    f, g = item_fit(x, rasch.difficulty), pcm_item_fit(x, pcm)
    np.testing.assert_allclose(g.outfit, f.outfit, atol=1e-9)
    np.testing.assert_allclose(g.infit, f.infit, atol=1e-9)


def _simulate_pcm(n, tau, seed):
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 1.0, n)
    p = category_probabilities(theta, tau)  # n × items × categories
    u = rng.random((n, len(tau), 1))
    return (u > np.cumsum(p, axis=2)).sum(axis=2).astype(np.float64)


def test_parameter_recovery_on_simulated_data():
    tau = [[-1.0, 0.5], [0.3], [-1.5, -0.3, 0.9], [-0.4, 0.6], [0.8, 1.4], [-0.7], [-1.2, 0.0, 0.5, 1.1]]
    truth = np.concatenate(tau)
    truth = truth - truth.mean()
    x = _simulate_pcm(5000, tau, seed=2026)
    cal = pcm_cml(x)
    est = np.concatenate(cal.thresholds)
    se = np.concatenate(cal.se_thresholds)
    z = (est - truth) / se
    assert np.max(np.abs(z)) < 3.5  # every threshold within 3.5 SE of the truth
    assert np.max(np.abs(est - truth)) < 0.15
    # and the SEs are honest: the z-scores look standard normal
    assert 0.4 < np.sqrt(np.mean(z ** 2)) < 1.6


def test_generating_polynomial_counts_patterns():
    # With every ε = 1 the coefficient of t^r counts the response patterns with raw score r.
    g = pcm_generating_polynomial([np.ones(3), np.ones(2), np.ones(4)])
    patterns = np.add.outer(np.add.outer(np.arange(3), np.arange(2)), np.arange(4)).ravel()
    np.testing.assert_array_equal(g, np.bincount(patterns))


def test_category_probabilities_sum_to_one_and_thresholds_are_crossings():
    tau = [[-1.0, 0.5, 2.0]]
    p = category_probabilities([-1.0, 0.5, 2.0], tau)[:, 0, :]
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    for h, t in enumerate(tau[0]):  # at θ = τ_h categories h − 1 and h are equally likely
        assert p[h, h] == pytest.approx(p[h, h + 1])


def test_missing_cells_are_not_presented_not_zero():
    tau = [[-0.5, 0.5], [0.0, 1.0], [-1.0], [0.2, 0.4, 0.9]]
    x = _simulate_pcm(800, tau, seed=5)
    full = pcm_cml(x)
    y = x.copy()
    y[:400, 3] = np.nan  # the first half never saw item 4
    half = pcm_cml(y)
    np.testing.assert_allclose(np.concatenate(half.thresholds), np.concatenate(full.thresholds), atol=0.25)
    persons = pcm_person_abilities(y, half)
    assert np.array_equal(persons.max_score[:400], np.full(400, 5.0))
    assert np.array_equal(persons.max_score[400:], np.full(400, 8.0))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="whole marks"):
        pcm_cml([[0, 1.5], [1, 0]])
    with pytest.raises(ValueError, match="whole marks"):
        pcm_cml([[0, -1], [1, 0]])
    with pytest.raises(ValueError, match="at least 2 items"):
        pcm_cml([[0], [1]])
    with pytest.raises(ValueError, match="above its maximum"):
        pcm_cml([[0, 2], [1, 0]], max_scores=[1, 1])
    # category 1 of item 2 never used by anyone with a non-extreme score
    x = np.array([[0, 0, 1], [1, 2, 0], [1, 0, 1], [0, 2, 1], [1, 0, 0]], dtype=float)
    with pytest.raises(ValueError, match=r"item2 \(mark 1\)"):
        pcm_cml(x)
    with pytest.raises(ValueError, match="items; the matrix has"):
        pcm_person_abilities([[0, 1, 2]], [[0.0], [0.5, 1.0]])


# ------------------------------------------------------------------ python -m scoring pcm

def _run(capsys, *argv):
    from scoring.psychometrics.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_pcm_command_on_verbal_aggression(capsys, fixture):
    import json

    code, out, err = _run(capsys, "pcm", str(SETS["verbal_aggression"]))
    assert code == 0, err
    doc = json.loads(out)
    fx = fixture("pcm_verbal_aggression.json")
    assert (doc["n_candidates"], doc["n_items"]) == (316, 24)
    got = np.concatenate([i["thresholds"] for i in doc["items"]])
    np.testing.assert_allclose(got, fx["psychotools_thresholds"], atol=1e-4)
    np.testing.assert_allclose([i["outfit"] for i in doc["items"]], fx["erm_outfit"], atol=5e-4)
    assert [i["max_mark"] for i in doc["items"]] == [2] * 24
    assert len(doc["score_table"]) == 49 and len(doc["candidates"]) == 316
    assert doc["candidates"][1]["theta_ml"] is None or np.isfinite(doc["candidates"][1]["theta_ml"])


def test_pcm_command_blank_cells_as_not_presented(capsys, fixture):
    import json

    code, out, err = _run(capsys, "pcm", str(SETS["simulated"]), "--blank", "not-presented", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    got = np.concatenate([i["thresholds"] for i in doc["items"]])
    np.testing.assert_allclose(got, fixture("pcm_simulated.json")["psychotools_thresholds"], atol=1e-4)
    assert "score_table" not in doc  # raw-score tables differ by booklet; per-candidate values are given
    # read as omitted (0) instead, the fit is a different one
    code, out, _ = _run(capsys, "pcm", str(SETS["simulated"]))
    assert code == 0 and not np.allclose(np.concatenate([i["thresholds"] for i in json.loads(out)["items"]]), got, atol=1e-2)


def test_pcm_command_max_marks_and_bad_input(capsys, tmp_path):
    f = tmp_path / "marks.csv"
    f.write_text("candidate_id,a,b,c\nA,0,1,2\nB,1,0,1\nC,2,1,0\nD,1,1,1\nE,0,0,2\n", encoding="utf-8")
    code, out, err = _run(capsys, "pcm", str(f), "--max-marks", "a=3")
    assert code == 2 and out == ""
    assert "a (mark 3)" in err  # a stated category nobody reached is named, not dropped silently
    code, _, err = _run(capsys, "pcm", str(f), "--max-marks", "b=0.5")
    assert code == 2 and "the maximum of 'b' must be a whole mark" in err
    code, _, err = _run(capsys, "pcm", str(f), "--max-marks", "c=1")
    assert code == 2 and "row 2, column 4 ('c'): the mark 2 is above the item's maximum mark 1" in err
    g = tmp_path / "half.csv"
    g.write_text("candidate_id,a,b\nA,0.5,1\nB,1,0\n", encoding="utf-8")
    code, _, err = _run(capsys, "pcm", str(g))
    assert code == 2 and "row 2, column 2 ('a'): 0.5 is not a whole mark" in err
