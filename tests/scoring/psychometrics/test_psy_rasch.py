"""Rasch engine pinned to R (eRm 1.0.2, psychotools 0.7.2; fixtures' "generated_by") and to an
exact CML maximum computed in R by Newton steps on psychotools' elementary symmetric functions.

Tolerances: difficulties 5e-4 of eRm (its nlm stops ~1e-4 short of the maximum) and 1e-6 of the
exact maximum; SEs 1e-6 of psychotools (analytic Hessian) and 5e-4 of eRm (numerical Hessian);
abilities 1e-8 of R's uniroot on the same equations; fit 1e-4 of eRm (it inherits eRm's offsets).
"""

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import expit

from scoring.psychometrics.rasch import (
    ability_table, carry_cut_score, conditional_terms, elementary_symmetric_functions, expected_score,
    item_fit, mean_mean_link, person_abilities, rasch_cml, theta_for_score,
)
from scoring.psychometrics.simulate import simulate_rasch

SETS = ["lsat6", "lsat7", "sat12", "raschdat1"]


@pytest.fixture(scope="module", params=SETS + ["raschdat1_booklets"])
def case(request, scored, fixture):
    items, x = scored(request.param)
    return x, rasch_cml(x, items=items), fixture(f"rasch_{request.param}.json")


def test_difficulties_match_erm_within_5e4(case):
    x, cal, fx = case
    # eRm reports easiness β; the fixture stores −β
    np.testing.assert_allclose(cal.difficulty, fx["erm_difficulty"], rtol=0, atol=5e-4)
    np.testing.assert_allclose(cal.se, fx["erm_se"], rtol=0, atol=5e-4)


def test_difficulties_and_se_match_psychotools(case):
    x, cal, fx = case
    np.testing.assert_allclose(cal.difficulty, fx["psychotools_difficulty"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(cal.se, fx["psychotools_se"], rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", SETS)  # the R Newton reference covers complete data only
def test_reaches_the_exact_cml_maximum(name, scored, fixture):
    items, x = scored(name)
    cal = rasch_cml(x, items=items)
    fx = fixture(f"rasch_{name}.json")
    np.testing.assert_allclose(cal.difficulty, fx["exact_difficulty"], rtol=0, atol=1e-6)
    assert cal.max_gradient < 1e-8
    assert abs(cal.difficulty.sum()) < 1e-10


def test_item_fit_matches_erm(case):
    x, cal, fx = case
    fit = item_fit(x, cal.difficulty)
    np.testing.assert_allclose(fit.outfit, fx["erm_outfit"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(fit.infit, fx["erm_infit"], rtol=0, atol=1e-4)


@pytest.mark.parametrize("name", SETS)
def test_raw_score_table_matches_r(name, fixture):
    fx = fixture(f"rasch_{name}.json")
    table = ability_table(fx["exact_difficulty"])
    np.testing.assert_allclose(table.theta_ml[1:-1], fx["ml"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(table.theta_wle, fx["wle"], rtol=0, atol=1e-8)
    erm = np.array([np.nan if v is None else v for v in fx["erm_ml"]], dtype=float)
    ok = ~np.isnan(erm)
    np.testing.assert_allclose(table.theta_ml[1:-1][ok], erm[ok], rtol=0, atol=1e-4)
    assert np.isnan(table.theta_ml[0]) and np.isnan(table.theta_ml[-1])


def test_wle_maximises_the_jeffreys_penalised_likelihood():
    # Independent characterisation (Warm 1989): for the Rasch model the WLE maximises
    # log L(θ) + ½ log I(θ). Check with a generic optimiser.
    d = np.array([-1.5, -0.4, 0.0, 0.3, 1.2, 2.0])
    table = ability_table(d)
    for r in range(d.size + 1):
        def neg(t, r=r):
            p = expit(t - d)
            return -(r * t - np.log1p(np.exp(t - d)).sum() + 0.5 * np.log((p * (1 - p)).sum()))
        best = minimize_scalar(neg, bounds=(-15, 15), method="bounded", options={"xatol": 1e-11})
        assert table.theta_wle[r] == pytest.approx(best.x, abs=1e-6)
    info = (expit(table.theta_wle[2] - d) * (1 - expit(table.theta_wle[2] - d))).sum()
    assert table.se_wle[2] == pytest.approx(1 / np.sqrt(info))


def test_elementary_symmetric_functions_and_derivatives_by_brute_force():
    rng = np.random.default_rng(11)
    eps = np.exp(rng.normal(size=6))
    n = rng.integers(0, 9, size=7).astype(float)
    patterns = np.array(list(itertools.product([0, 1], repeat=6)))
    raw = patterns.sum(axis=1)
    weight = np.prod(np.where(patterns == 1, eps, 1.0), axis=1)
    gamma = np.array([weight[raw == r].sum() for r in range(7)])
    np.testing.assert_allclose(elementary_symmetric_functions(eps), gamma, rtol=1e-13)
    expected, cov = np.zeros(6), np.zeros((6, 6))
    for r in range(7):
        p = weight[raw == r] / gamma[r]
        xs = patterns[raw == r]
        mu = p @ xs
        expected += n[r] * mu
        cov += n[r] * ((xs.T * p) @ xs - np.outer(mu, mu))
    log_norm, e, info = conditional_terms(eps, n)
    assert log_norm == pytest.approx(n @ np.log(gamma))
    np.testing.assert_allclose(e, expected, rtol=1e-12)
    np.testing.assert_allclose(info, cov, atol=1e-12)


def test_person_abilities_lookup(scored):
    _, x = scored("lsat6")
    cal = rasch_cml(x)
    p = person_abilities(x, cal.difficulty)
    t = ability_table(cal.difficulty)
    raw = x.sum(axis=1).astype(int)
    np.testing.assert_array_equal(p.theta_wle, t.theta_wle[raw])
    assert np.isnan(p.theta_ml[raw == 0]).all()


# ---------------------------------------------------------------- recovery on simulated data


def test_parameter_recovery():
    true = np.linspace(-2, 2, 25)
    sim = simulate_rasch(4000, true, seed=20240611)
    cal = rasch_cml(sim.responses)
    z = (cal.difficulty - (true - true.mean())) / cal.se
    assert np.all(np.abs(z) < 4)  # no item further than 4 SE from the truth
    assert np.sqrt(np.mean(z**2)) < 1.5  # and SEs are honest on average
    table = ability_table(cal.difficulty)
    wle = table.theta_wle[sim.responses.sum(axis=1).astype(int)]
    # 25 items give a reliability near 0.8, so the estimates correlate about √0.8 with the truth
    assert np.corrcoef(wle, sim.abilities)[0, 1] > 0.85
    assert abs(np.mean(wle - sim.abilities)) < 0.05


def test_simulator_is_seeded():
    a = simulate_rasch(50, [0.0, 1.0], seed=1).responses
    b = simulate_rasch(50, [0.0, 1.0], seed=1).responses
    c = simulate_rasch(50, [0.0, 1.0], seed=2).responses
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_anchored_calibration_reproduces_a_shifted_free_calibration():
    sim = simulate_rasch(1500, np.linspace(-1.5, 1.5, 12), seed=5)
    free = rasch_cml(sim.responses)
    names = free.items
    shift = 0.37
    anchors = {names[i]: free.difficulty[i] + shift for i in (0, 4, 9)}
    anchored = rasch_cml(sim.responses, anchors=anchors)
    np.testing.assert_allclose(anchored.difficulty, free.difficulty + shift, atol=1e-8)
    assert anchored.anchored[0] and anchored.se[0] == 0 and anchored.se[1] > 0


def test_equating_two_forms_through_common_items():
    # Form A: items 0–19; form B: items 10–29 (10 in common); B's candidates are abler.
    true = np.linspace(-2, 2, 30)
    a = simulate_rasch(3000, true[:20], seed=1)
    b = simulate_rasch(3000, true[10:], seed=2, ability_mean=0.5)
    cal_a = rasch_cml(a.responses, items=[f"q{i}" for i in range(20)])
    anchors = {f"q{i}": cal_a.difficulty[i] for i in range(10, 20)}
    cal_b = rasch_cml(b.responses, items=[f"q{i}" for i in range(10, 30)], anchors=anchors)
    # on A's scale, B's new items sit where the truth says (after A's centring shift)
    shift = -true[:20].mean()
    np.testing.assert_allclose(cal_b.difficulty[10:], true[20:] + shift, atol=0.15)
    # mean/mean linking of a free calibration of B lands close to the anchored one
    free_b = rasch_cml(b.responses, items=[f"q{i}" for i in range(10, 30)])
    link = mean_mean_link({f"q{i}": v for i, v in zip(range(20), cal_a.difficulty)},
                          {f"q{i}": v for i, v in zip(range(10, 30), free_b.difficulty)})
    assert len(link.common_items) == 10
    linked = np.array([link.linked[f"q{i}"] for i in range(20, 30)])
    np.testing.assert_allclose(linked, cal_b.difficulty[10:], atol=0.05)
    # a cut of 12/20 on A carries to B through θ
    carried = carry_cut_score(12, cal_a.difficulty, cal_b.difficulty)
    assert expected_score(carried.theta, cal_a.difficulty)[0] == pytest.approx(12)
    assert carried.to_score == pytest.approx(expected_score(carried.theta, cal_b.difficulty)[0])
    assert theta_for_score(12, cal_a.difficulty)[0] == pytest.approx(carried.theta)


def test_mean_mean_link_arithmetic():
    link = mean_mean_link({"a": 0.5, "b": 1.5, "c": 0.0}, {"a": 0.0, "b": 1.0, "d": 2.0})
    assert link.shift == pytest.approx(0.5) and link.common_items == ("a", "b")
    assert link.linked == {"a": 0.5, "b": 1.5, "d": 2.5}
    with pytest.raises(ValueError, match="no common items"):
        mean_mean_link({"a": 0}, {"b": 0})


# ---------------------------------------------------------------- degenerate input


def test_item_everyone_answers_correctly_is_refused_by_name():
    x = simulate_rasch(200, [0, 0.5, 1], seed=3).responses
    x[:, 1] = 1.0
    with pytest.raises(ValueError, match="item2"):
        rasch_cml(x)


def test_only_extreme_scores_is_refused():
    with pytest.raises(ValueError, match="zero or full"):
        rasch_cml(np.array([[0, 0, 0], [1, 1, 1]], dtype=float))


def test_non_binary_and_bad_anchor_refused():
    with pytest.raises(ValueError, match="0, 1 or NaN"):
        rasch_cml([[0, 2], [1, 0]])
    x = simulate_rasch(100, [0, 1], seed=1).responses
    with pytest.raises(ValueError, match="anchor item"):
        rasch_cml(x, anchors={"nope": 0.0})
    with pytest.raises(ValueError, match="strictly between"):
        theta_for_score(0, [0.0, 1.0])


def test_one_candidate_gets_a_clear_message_not_a_list_of_items():
    # Before, one candidate was told that nobody / everybody answered each item correctly.
    with pytest.raises(ValueError, match=r"^Rasch calibration needs responses from at least 2 candidates; got 1$"):
        rasch_cml(np.array([[1.0, 0.0, 1.0]]))
