"""Classical item analysis pinned to R (psych 2.2.9, psychometric 2.3; see the fixtures'
"generated_by") on public data. Tolerance for every CTT figure: 1e-10 absolute."""

import itertools

import numpy as np
import pytest

from scoring.psychometrics.distractors import distractor_analysis, group_weights
from scoring.psychometrics.item_analysis import (
    FlagThresholds, biserial, item_analysis, item_analysis_from_choices, upper_lower_discrimination,
)
from scoring.psychometrics.reliability import cronbach_alpha, kr20, kr21, reliability, standard_error_of_measurement

TOL = 1e-10
SETS = ["lsat6", "lsat7", "sat12", "cttdata"]


@pytest.fixture(scope="module", params=SETS)
def case(request, scored, fixture):
    items, x = scored(request.param)
    return x, item_analysis(x, items=items), fixture(f"ctt_{request.param}.json")


def col(result, name):
    return np.array([getattr(i, name) for i in result.items])


def test_facility(case):
    x, r, fx = case
    np.testing.assert_allclose(col(r, "facility"), fx["facility"], rtol=0, atol=TOL)


def test_alpha_matches_psych_and_psychometric(case):
    x, r, fx = case
    assert r.summary.alpha == pytest.approx(fx["alpha"], abs=TOL)
    assert r.summary.alpha == pytest.approx(fx["alpha_psychometric"], abs=TOL)
    assert r.summary.kr20 == r.summary.alpha  # KR-20 is alpha on 0/1 items


def test_alpha_if_item_deleted(case):
    x, r, fx = case
    np.testing.assert_allclose(col(r, "alpha_if_deleted"), fx["alpha_drop"], rtol=0, atol=TOL)


def test_point_biserials_match_psych_and_psychometric(case):
    x, r, fx = case
    np.testing.assert_allclose(col(r, "pbis"), fx["item_total_r"], rtol=0, atol=TOL)
    np.testing.assert_allclose(col(r, "pbis_corrected"), fx["item_rest_r"], rtol=0, atol=TOL)
    np.testing.assert_allclose(col(r, "pbis"), fx["item_total_r_psychometric"], rtol=0, atol=TOL)
    np.testing.assert_allclose(col(r, "pbis_corrected"), fx["item_rest_r_psychometric"], rtol=0, atol=TOL)


def test_biserial_is_psych_rescaled_from_its_n_minus_1_sd(case):
    # psych::biserial divides by sd() (n − 1); ours is the population form: ratio √(n/(n−1)).
    x, r, fx = case
    n = x.shape[0]
    expected = np.array(fx["biserial_psych"], dtype=float) * np.sqrt(n / (n - 1))
    np.testing.assert_allclose(col(r, "biserial"), expected, rtol=0, atol=TOL)


def test_kr21_sem_and_distribution(case):
    x, r, fx = case
    s = r.summary
    assert s.kr21 == pytest.approx(fx["kr21"], abs=TOL)
    assert s.sem == pytest.approx(fx["sem"], abs=TOL)
    d = s.distribution
    assert (d.mean, d.sd, d.min, d.max) == pytest.approx((fx["mean"], fx["sd"], fx["min"], fx["max"]), abs=TOL)
    np.testing.assert_allclose([v for _, v in d.percentiles], fx["percentiles"], rtol=0, atol=TOL)


def test_upper_lower_27_matches_independent_r_computation(case):
    x, r, fx = case
    np.testing.assert_allclose(col(r, "discrimination_ul27"), fx["ul27_fractional_ties"], rtol=0, atol=TOL)


@pytest.mark.parametrize("name", ["sat12", "cttdata"])
def test_distractor_analysis_matches_r(name, choices, fixture):
    items, ch, keys, options = choices(name)
    fx = fixture(f"ctt_{name}.json")
    result = distractor_analysis(ch, keys, options=options, items=items)
    for got, want in zip(result, fx["options"]):
        assert [o.option for o in got.options] == want["options"]
        np.testing.assert_allclose([o.proportion for o in got.options], want["proportion"], rtol=0, atol=TOL)
        np.testing.assert_allclose([o.pbis_rest for o in got.options],
                                   [np.nan if v is None else v for v in want["pbis_rest"]], rtol=0, atol=TOL)
        assert got.omitted == pytest.approx(want["omitted"], abs=TOL)


def test_iqitems_omitted_responses_score_zero_in_every_statistic(scored, fixture):
    # psychTools::iqitems has unanswered items (NA). The convention (DOMAIN.md; R's CTT::score,
    # psych::score.multiple.choice) scores an omission 0, so every statistic — facility, the
    # correlations, the 27 % groups, alpha — is that of the matrix with the gaps filled by 0:
    # ctt_iqitems_omitted.json is psych::alpha on that matrix, and the script's 27 % index on it.
    # (Before, the engine left the gaps out item by item and pairwise, and disagreed with itself.)
    items, x = scored("iqitems_scored")
    fx = fixture("ctt_iqitems_omitted.json")
    assert items == fx["items"] and x.shape == (fx["n"], fx["k"])
    assert int(np.isnan(x).sum()) == fx["n_omitted"] > 0
    r = item_analysis(x, items=items)
    assert r.summary.alpha == pytest.approx(fx["alpha"], abs=TOL)
    np.testing.assert_allclose(col(r, "alpha_if_deleted"), fx["alpha_drop"], rtol=0, atol=TOL)
    np.testing.assert_allclose(col(r, "facility"), fx["facility"], rtol=0, atol=TOL)
    np.testing.assert_allclose(col(r, "pbis"), fx["item_total_r"], rtol=0, atol=TOL)
    np.testing.assert_allclose(col(r, "pbis_corrected"), fx["item_rest_r"], rtol=0, atol=TOL)
    np.testing.assert_allclose(col(r, "discrimination_ul27"), fx["ul27_fractional_ties"], rtol=0, atol=TOL)
    assert [i.n for i in r.items] == [fx["n"]] * fx["k"]
    assert np.isfinite(r.summary.kr21)
    assert any(f"{fx['n_omitted']} empty cell(s) scored 0" in n for n in r.summary.notes)
    # the same answer whether the caller fills the gaps or leaves them empty
    xz = np.where(np.isnan(x), 0.0, x)
    r0 = item_analysis(xz, items=items)
    assert r0.summary.alpha == r.summary.alpha and col(r0, "pbis").tolist() == col(r, "pbis").tolist()
    assert cronbach_alpha(x) == pytest.approx(fx["alpha"], abs=TOL)
    np.testing.assert_allclose(upper_lower_discrimination(x), fx["ul27_fractional_ties"], rtol=0, atol=TOL)


@pytest.mark.parametrize("value", [0.0, 1.0])
def test_constant_items_are_left_out_of_alpha_as_psych_does(scored, fixture, value):
    # psych::alpha deletes an item with no variance (with a warning) before computing alpha, so its
    # alpha is alpha of the other items: here LSAT-6 as R computed it (ctt_lsat6.json).
    items, x = scored("lsat6")
    fx = fixture("ctt_lsat6.json")
    with_constant = np.column_stack([x[:, :2], np.full(x.shape[0], value), x[:, 2:]])
    names = items[:2] + ["Same"] + items[2:]
    r = item_analysis(with_constant, items=names)
    assert r.summary.alpha == pytest.approx(fx["alpha"], abs=TOL)
    assert r.summary.kr20 == r.summary.alpha
    assert r.summary.kr21 == pytest.approx(fx["kr21"], abs=TOL)
    drop = col(r, "alpha_if_deleted")
    np.testing.assert_allclose(np.delete(drop, 2), fx["alpha_drop"], rtol=0, atol=TOL)
    assert drop[2] == pytest.approx(fx["alpha"], abs=TOL)
    assert r.summary.constant_items == ("Same",)
    assert any("leaves out 1 item(s)" in n and "Same" in n for n in r.summary.notes)
    assert cronbach_alpha(with_constant) == pytest.approx(fx["alpha"], abs=TOL)
    rel = reliability(with_constant, items=names)
    assert rel.constant_items == ("Same",) and rel.alpha == pytest.approx(fx["alpha"], abs=TOL)
    # SEM uses the SD of the totals, which a constant item does not change
    assert r.summary.sem == pytest.approx(fx["sem"], abs=TOL)


def test_the_cli_names_the_constant_items(capsys, tmp_path):
    import json

    from scoring.psychometrics.cli import main

    f = tmp_path / "c.csv"
    f.write_text("candidate_id,a,b,c,d\n1,1,1,0,1\n2,1,0,0,1\n3,1,1,1,0\n4,1,0,0,0\n5,1,1,1,1\n")
    assert main(["item-analysis", str(f)]) == 0
    test = json.loads(capsys.readouterr().out)["test"]
    assert test["constant_items"] == ["a"]
    assert test["alpha"] == pytest.approx(cronbach_alpha(np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 0, 0], [1, 1, 1.0]])))


def test_sat12_item32_is_flagged_as_a_possible_miskey(choices):
    items, ch, keys, options = choices("sat12")
    r = item_analysis_from_choices(ch, keys, items=items, options=options)
    flagged = [i.item for i in r.items if "possible_miskey" in i.flags]
    assert flagged == ["Item32"]
    item32 = r.items[-1]
    assert "distractor_attracts_strong" in item32.flags
    assert any("option 3" in n for n in item32.notes)
    # with the alternative key the item behaves
    alt = list(keys)
    alt[-1] = "3"
    r2 = item_analysis_from_choices(ch, alt, items=items, options=options)
    assert "possible_miskey" not in r2.items[-1].flags and r2.items[-1].pbis_corrected > 0.2


def test_flags_follow_the_board_thresholds(scored):
    items, x = scored("lsat6")
    strict = item_analysis(x, thresholds=FlagThresholds(min_facility=0.0, max_facility=0.75, min_discrimination=0.0))
    easy = [i.item for i in strict.items if "too_easy" in i.flags]
    assert easy == [i.item for i in strict.items if i.facility > 0.75]
    lax = item_analysis(x, thresholds=FlagThresholds(min_facility=0.0, max_facility=1.0, min_discrimination=0.0))
    assert all(not i.flags for i in lax.items)
    with pytest.raises(ValueError, match="facility"):
        FlagThresholds(min_facility=0.9, max_facility=0.1)


def test_tie_rule_equals_the_average_over_every_order_of_tied_candidates():
    # Independent computation: enumerate every way of ordering the tied candidates, take the plain
    # "first g / last g" groups for each, and average. The fractional rule must equal that mean.
    rng = np.random.default_rng(3)
    x = (rng.random((11, 4)) < 0.5).astype(float)
    totals = x.sum(axis=1)
    g = int(np.floor(0.27 * 11 + 0.5))
    blocks = [np.flatnonzero(totals == v) for v in np.unique(totals)]
    results = []
    for combo in itertools.product(*(itertools.permutations(b) for b in blocks)):
        order = [i for perm in combo for i in perm]  # ascending total, ties in this order
        results.append(x[order[-g:]].mean(axis=0) - x[order[:g]].mean(axis=0))
    assert len(results) > 1  # the data do have ties at the boundaries
    np.testing.assert_allclose(upper_lower_discrimination(x), np.mean(results, axis=0), atol=1e-12)


def test_group_weights_sum_to_group_size():
    up, lo, g = group_weights(np.array([5, 5, 5, 4, 3, 3, 2, 1, 1, 1.0]))
    assert g == 3 and up.sum() == pytest.approx(3) and lo.sum() == pytest.approx(3)
    assert up[:3].tolist() == [1, 1, 1] and lo[-3:].tolist() == [1, 1, 1]


# ---------------------------------------------------------------- degenerate data


def test_item_everyone_gets_right_gives_nan_with_a_reason():
    x = np.array([[1, 0, 1], [1, 1, 0], [1, 1, 1], [1, 0, 0]], dtype=float)
    r = item_analysis(x)
    first = r.items[0]
    assert first.facility == 1.0
    assert np.isnan(first.pbis) and np.isnan(first.pbis_corrected) and np.isnan(first.biserial)
    assert any("scored the same" in n for n in first.notes)
    assert np.isfinite(r.summary.alpha)


def test_candidate_who_omits_everything_scores_zero():
    x = np.array([[0, 0, 0], [1, 1, 0], [1, 1, 1], [1, 0, 0]], dtype=float)
    r = item_analysis(x)
    assert r.summary.distribution.min == 0 and r.summary.n_candidates == 4


def test_one_candidate_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 2 candidates"):
        item_analysis(np.array([[1, 0, 1]], dtype=float))


def test_zero_variance_totals():
    x = np.array([[1, 0], [0, 1], [1, 0]], dtype=float)  # every total is 1
    r = item_analysis(x)
    assert np.isnan(r.summary.alpha) and any("zero variance" in n for n in r.summary.notes)
    assert np.isnan(r.summary.sem)


def test_single_item_paper():
    r = item_analysis(np.array([[1], [0], [1]], dtype=float))
    assert np.isnan(r.summary.alpha) and np.isnan(r.items[0].alpha_if_deleted)


def test_candidate_with_every_cell_empty_scores_zero():
    x = np.array([[1, 0], [np.nan, np.nan], [1, 1]])
    r = item_analysis(x)
    assert r.summary.distribution.min == 0
    assert col(r, "facility").tolist() == [2 / 3, 1 / 3]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="2-D"):
        item_analysis([1, 0, 1])
    with pytest.raises(ValueError, match="negative"):
        item_analysis([[1, -1], [0, 1]])
    with pytest.raises(ValueError, match="numeric"):
        item_analysis([["a", 1], [0, 1]])
    with pytest.raises(ValueError, match="above their max"):
        item_analysis([[2, 1], [0, 1]], max_scores=[1, 1])


def test_polytomous_items():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, size=(50, 6)).astype(float)
    r = item_analysis(x, max_scores=[3] * 6)
    np.testing.assert_allclose(col(r, "facility"), x.mean(axis=0) / 3)
    assert np.all(np.isnan(col(r, "biserial")))
    assert np.isnan(r.summary.kr20) and np.isnan(r.summary.kr21)
    assert r.summary.alpha == pytest.approx(cronbach_alpha(x))
    r2 = item_analysis(x)
    assert any("observed" in n for n in r2.items[0].notes)


def test_reliability_helpers_agree_with_the_definitions(scored):
    _, x = scored("lsat7")
    k = x.shape[1]
    var_items = x.var(axis=0, ddof=1).sum()
    var_total = x.sum(axis=1).var(ddof=1)
    assert cronbach_alpha(x) == pytest.approx(k / (k - 1) * (1 - var_items / var_total), abs=TOL)
    assert kr20(x) == cronbach_alpha(x)
    assert kr21(x) <= kr20(x)
    rel = reliability(x)
    assert rel.sem == pytest.approx(standard_error_of_measurement(rel.sd, rel.alpha))
    with pytest.raises(ValueError, match="exceed 1"):
        standard_error_of_measurement(1.0, 1.5)


def test_biserial_nan_when_facility_is_extreme():
    x = np.array([[1, 0], [1, 1], [1, 0]], dtype=float)
    assert np.isnan(biserial(x)[0])


@pytest.mark.parametrize("marks", [[0, 1], [0, 1, 2, 3], [0, 0.5, 1, 1.5]])
def test_covariance_matches_numpy_for_whole_and_fractional_marks(marks):
    # Whole marks take the exact single-precision cross-product route; half marks the centred
    # double-precision one. Both must equal numpy's own covariance.
    from scoring.psychometrics.reliability import item_covariance

    rng = np.random.default_rng(len(marks))
    x = rng.choice(np.array(marks, dtype=float), size=(3000, 12))
    np.testing.assert_allclose(item_covariance(x), np.cov(x, rowvar=False), rtol=0, atol=1e-13)


# ---------------------------------------------------------------- the miskey flag's guard


def _random_paper(n, k, seed):
    rng = np.random.default_rng(seed)
    return rng.choice(list("ABCD"), size=(n, k)).astype(object), list(rng.choice(list("ABCD"), size=k))


@pytest.mark.parametrize("seed", range(5))
def test_the_miskey_flag_does_not_fire_on_random_answers_from_50_candidates(seed):
    ch, keys = _random_paper(50, 20, seed)
    r = item_analysis_from_choices(ch, keys)
    assert [i.item for i in r.items if "possible_miskey" in i.flags] == []
    assert any("possible-miskey check needs at least 100 candidates" in n for n in r.summary.notes)
    # without the guard the old rule (distractor above 0.05 and above the key) fires on most items
    old = [i for i in r.items
           if any(not o.is_key and o.pbis_rest > 0.05 and o.pbis_rest > next(x for x in i.options.options if x.is_key).pbis_rest
                  for o in i.options.options)]
    assert len(old) >= 5


@pytest.mark.parametrize("seed", range(3))
def test_the_miskey_flag_does_not_fire_on_random_answers_from_600_candidates(seed):
    ch, keys = _random_paper(600, 32, 100 + seed)
    r = item_analysis_from_choices(ch, keys)
    assert [i.item for i in r.items if "possible_miskey" in i.flags] == []
    assert not any("possible-miskey" in n for n in r.summary.notes)


def test_sat12_item32_is_still_flagged_and_the_guard_is_by_sample_size(choices):
    items, ch, keys, options = choices("sat12")
    full = item_analysis_from_choices(ch, keys, items=items, options=options)
    assert [i.item for i in full.items if "possible_miskey" in i.flags] == ["Item32"]
    # the same item among the first 99 candidates: below the guard, so no check and a note
    small = item_analysis_from_choices(ch[:99], keys, items=items, options=options)
    assert not any("possible_miskey" in i.flags for i in small.items)
    assert any("needs at least 100 candidates; with 99" in n for n in small.summary.notes)
    with pytest.raises(ValueError, match="miskey_confidence"):
        FlagThresholds(miskey_confidence=1.0)
