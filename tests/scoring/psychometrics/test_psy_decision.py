"""Decision quality at the cut. No published worked example could be reproduced exactly from its
stated inputs, so each figure is pinned against an *independent computation*:

- Lord's CSEM and the effective test length: hand-computed values;
- Subkoviak: a hand-computed two-candidate example, and a seeded simulation of two parallel
  administrations (agreement within 4 Monte Carlo standard errors);
- Livingston–Lewis with the two-parameter beta: closed forms (the bivariate beta-binomial for
  consistency, regularised incomplete beta functions for accuracy), 1e-9 absolute;
- Livingston–Lewis with the four-parameter beta: the fitted distribution reproduces Lord's true
  moments (1e-9), and a seeded simulation (τ from the fitted beta, binomial scores) agrees within
  4 Monte Carlo standard errors.
"""

import math

import numpy as np
import pytest
from scipy import special, stats

from scoring.psychometrics.decision import (
    csem_lord, decision_quality, effective_test_length, fit_true_score_beta, keats_factor, livingston_lewis,
    subkoviak,
)
from scoring.psychometrics.reliability import cronbach_alpha, kr21


def test_lord_csem_by_hand():
    assert csem_lord(15, 20) == pytest.approx(math.sqrt(15 * 5 / 19), rel=1e-15)
    assert csem_lord(0, 20) == 0.0 and csem_lord(20, 20) == 0.0
    np.testing.assert_allclose(csem_lord([10, 5], 20), [math.sqrt(100 / 19), math.sqrt(75 / 19)], rtol=1e-15)
    assert csem_lord(10, 20, keats_factor=0.5) == pytest.approx(0.5 * math.sqrt(100 / 19))
    assert keats_factor(0.84, 0.80) == pytest.approx(math.sqrt(0.16 / 0.20))
    with pytest.raises(ValueError):
        csem_lord(21, 20)
    with pytest.raises(ValueError):
        csem_lord(1, 1)


def test_effective_test_length_by_hand():
    # μ = 30, σ² = 36 (divisor N), X_max = 50, ρ = 0.8: (30·20 − 0.8·36)/(36·0.2) = 571.2/7.2 = 79.33 → 79
    t = np.array([24.0, 36.0] * 50)  # mean 30, population variance 36
    assert effective_test_length(t, 50, 0.8) == 79
    with pytest.raises(ValueError, match="between 0 and 1"):
        effective_test_length(t, 50, 1.0)


def test_subkoviak_by_hand():
    # n = 2 items, cut 2, ρ = 0.5, totals 0 and 2 (mean 1): p̂ = 0.25 and 0.75;
    # P = p̂²: 0.0625 and 0.5625. p₀ = mean(P² + (1 − P)²).
    r = subkoviak([0, 2], 2, 2, reliability_coefficient=0.5)
    p = np.array([0.0625, 0.5625])
    p0 = np.mean(p ** 2 + (1 - p) ** 2)
    pc = p.mean() ** 2 + (1 - p.mean()) ** 2
    assert r.agreement == pytest.approx(p0, abs=1e-15)
    assert r.chance == pytest.approx(pc, abs=1e-15)
    assert r.kappa == pytest.approx((p0 - pc) / (1 - pc), abs=1e-15)


def _sat12(scored):
    _, x = scored("sat12")
    return np.nan_to_num(x, nan=0.0)


def test_subkoviak_agrees_with_a_simulation_of_two_administrations(scored):
    x = _sat12(scored)
    n, cut = x.shape[1], 20
    totals = x.sum(axis=1)
    rho = kr21(x)
    r = subkoviak(totals, n, cut, reliability_coefficient=rho)
    p_hat = rho * totals / n + (1 - rho) * totals.mean() / n
    rng = np.random.default_rng(20261205)
    reps = 400
    first = rng.binomial(n, np.tile(p_hat, reps)) >= cut
    second = rng.binomial(n, np.tile(p_hat, reps)) >= cut
    agree = first == second
    se = agree.std() / math.sqrt(agree.size)
    assert abs(agree.mean() - r.agreement) < 4 * se


def _two_parameter_closed_form(a, b, n, need, tau_c):
    """Consistency from the bivariate beta-binomial; accuracy from incomplete beta functions."""
    i = np.arange(n + 1)
    lc = special.gammaln(n + 1) - special.gammaln(i + 1) - special.gammaln(n - i + 1)
    s = i[:, None] + i[None, :]
    joint = np.exp(lc[:, None] + lc[None, :] + special.betaln(a + s, b + 2 * n - s) - special.betaln(a, b))
    passed = i >= need
    consistency = joint[np.ix_(passed, passed)].sum() + joint[np.ix_(~passed, ~passed)].sum()
    marg = np.exp(lc + special.betaln(a + i, b + n - i) - special.betaln(a, b))
    below = special.betainc(a + i, b + n - i, tau_c)  # P(τ < τ_c | X = i)
    false_pass = (marg * below)[passed].sum()
    false_fail = (marg * (1 - below))[~passed].sum()
    return consistency, false_pass, false_fail, marg[passed].sum()


@pytest.mark.parametrize("cut", [12, 19.5, 25])
def test_livingston_lewis_two_parameter_matches_closed_forms(scored, cut):
    x = _sat12(scored)
    totals = x.sum(axis=1)
    rho = cronbach_alpha(x)
    ll = livingston_lewis(totals, 32, cut, reliability_coefficient=rho, four_parameter=False)
    g = ll.true_score
    assert g.model == "two-parameter beta"
    n = ll.effective_length
    need = math.ceil(n * cut / 32 - 1e-9)
    cons, fp, ff, pbar = _two_parameter_closed_form(g.alpha, g.beta, n, need, cut / 32)
    assert ll.consistency == pytest.approx(cons, abs=1e-9)
    assert ll.false_pass == pytest.approx(fp, abs=1e-9)
    assert ll.false_fail == pytest.approx(ff, abs=1e-9)
    assert ll.misclassified == pytest.approx(fp + ff, abs=1e-9)
    assert ll.accuracy == pytest.approx(1 - fp - ff, abs=1e-9)
    chance = pbar ** 2 + (1 - pbar) ** 2
    assert ll.kappa == pytest.approx((cons - chance) / (1 - chance), abs=1e-8)
    # the two-parameter fit reproduces Lord's first two true moments
    xr = n * totals / 32
    m1 = xr.mean() / n
    m2 = (xr * (xr - 1)).mean() / (n * (n - 1))
    assert g.alpha / (g.alpha + g.beta) == pytest.approx(m1, abs=1e-12)
    assert stats.beta.var(g.alpha, g.beta) == pytest.approx(m2 - m1 ** 2, abs=1e-12)


def _cttdata(scored):
    _, x = scored("cttdata")
    return np.nan_to_num(x, nan=0.0)


def test_four_parameter_beta_reproduces_lords_true_moments(scored):
    x = _cttdata(scored)
    totals = x.sum(axis=1)
    n = effective_test_length(totals, 20, cronbach_alpha(x))
    xr = n * totals / 20
    g = fit_true_score_beta(xr, n)
    assert g.model == "four-parameter beta"
    fact, moments = np.ones_like(xr), []
    for j in range(4):
        fact = fact * (xr - j)
        moments.append(fact.mean() / math.prod(n - i for i in range(j + 1)))
    w = g.upper - g.lower
    for j, m in enumerate(moments, start=1):
        fitted = sum(math.comb(j, r) * g.lower ** (j - r) * w ** r * stats.beta.moment(r, g.alpha, g.beta)
                     for r in range(j + 1))
        assert fitted == pytest.approx(m, abs=1e-9)


def test_four_parameter_livingston_lewis_agrees_with_a_simulation(scored):
    x = _cttdata(scored)
    totals = x.sum(axis=1)
    cut = 12
    ll = livingston_lewis(totals, 20, cut, reliability_coefficient=cronbach_alpha(x))
    g, n = ll.true_score, ll.effective_length
    assert g.model == "four-parameter beta"
    rng = np.random.default_rng(1995)
    m = 400_000
    tau = g.lower + (g.upper - g.lower) * rng.beta(g.alpha, g.beta, m)
    need = math.ceil(ll.cut_rescaled - 1e-9)
    one = rng.binomial(n, tau) >= need
    two = rng.binomial(n, tau) >= need
    truly = tau >= ll.true_cut
    for got, sample in ((ll.false_pass, one & ~truly), (ll.false_fail, ~one & truly), (ll.consistency, one == two)):
        se = math.sqrt(sample.mean() * (1 - sample.mean()) / m)
        assert abs(got - sample.mean()) < 4 * se


def test_decision_quality_counts_candidates_within_one_csem():
    rng = np.random.default_rng(11)
    theta = rng.normal(size=300)
    b = np.linspace(-1.5, 1.5, 20)
    x = (rng.random((300, 20)) < 1 / (1 + np.exp(-(theta[:, None] - b)))).astype(float)
    x[0, 0] = np.nan  # omitted: scores 0
    d = decision_quality(x, 12)
    totals = np.nan_to_num(x).sum(axis=1)
    csem = math.sqrt(12 * 8 / 19)
    assert d.csem_at_cut == pytest.approx(csem)
    assert d.within_one_csem == int(np.sum(np.abs(totals - 12) <= csem))
    assert d.pass_rate == pytest.approx(np.mean(totals >= 12))
    assert d.subkoviak is not None and 0 < d.subkoviak.kappa < 1
    ll = d.livingston_lewis
    assert ll.misclassified == pytest.approx(ll.false_pass + ll.false_fail)
    assert 0.5 < ll.accuracy < 1 and 0.5 < ll.consistency < 1
    assert ll.consistency <= ll.accuracy + 1e-12  # two fallible decisions agree less often than one is right
    k = decision_quality(x, 12, keats=True)
    assert k.csem_at_cut == pytest.approx(csem * keats_factor(cronbach_alpha(np.nan_to_num(x)), kr21(np.nan_to_num(x))))


def test_polytomous_items_skip_subkoviak_and_need_max_scores():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, size=(200, 8)).astype(float) + (rng.normal(size=(200, 1)) > 0)
    x = np.clip(x, 0, 3)
    with pytest.raises(ValueError, match="max_scores"):
        decision_quality(x, 12)
    d = decision_quality(x, 12, max_scores=[3] * 8)
    assert d.subkoviak is None
    assert any("Subkoviak" in n for n in d.notes) and any("approximation" in n for n in d.notes)


@pytest.mark.parametrize("cut", [0, 21])
def test_cut_outside_the_scale_is_refused(cut):
    with pytest.raises(ValueError, match="cut"):
        decision_quality(np.eye(20), cut)


def test_cli_decision_on_sat12(capsys, data_dir, scored):
    import json

    from scoring.psychometrics.cli import main

    code = main(["decision", str(data_dir / "sat12_scored.csv"), "--cut", "20"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    d = decision_quality(_sat12(scored), 20)
    assert doc["csem_at_cut"] == pytest.approx(math.sqrt(20 * 12 / 31))
    assert doc["within_one_csem"] == d.within_one_csem
    assert doc["subkoviak"]["kappa"] == pytest.approx(d.subkoviak.kappa)
    ll = doc["livingston_lewis"]
    assert ll["misclassified"] == pytest.approx(ll["false_pass"] + ll["false_fail"])
    assert ll["accuracy"] == pytest.approx(d.livingston_lewis.accuracy)


def test_cli_decision_needs_max_marks_for_polytomous_scores(tmp_path, capsys):
    from scoring.psychometrics.cli import main

    (tmp_path / "r.csv").write_text("candidate,a,b,c\n" + "".join(f"c{i},{i % 3},{(i // 3) % 3},{i % 2}\n" for i in range(30)))
    assert main(["decision", str(tmp_path / "r.csv"), "--cut", "3"]) == 2
    assert "--max-marks" in capsys.readouterr().err
    assert main(["decision", str(tmp_path / "r.csv"), "--cut", "3", "--max-marks", "a=2,b=2,c=1"]) == 0
    assert main(["decision", str(tmp_path / "r.csv"), "--cut", "3", "--max-marks", "a=1,b=2,c=1"]) == 2
    assert "above the item's maximum" in capsys.readouterr().err


def test_cli_decision_two_parameter_and_keats(capsys, data_dir, scored):
    import json

    from scoring.psychometrics.cli import main

    f = str(data_dir / "cttdata_scored.csv")
    assert main(["decision", f, "--cut", "12"]) == 0
    four = json.loads(capsys.readouterr().out)
    assert four["livingston_lewis"]["true_score_model"] == "four-parameter beta"
    assert main(["decision", f, "--cut", "12", "--two-parameter", "--keats"]) == 0
    two = json.loads(capsys.readouterr().out)
    assert two["livingston_lewis"]["true_score_model"] == "two-parameter beta"
    assert two["csem_method"] == "Lord binomial, Keats-adjusted"
    x = _cttdata(scored)
    assert two["csem_at_cut"] == pytest.approx(math.sqrt(12 * 8 / 19) * keats_factor(cronbach_alpha(x), kr21(x)))


@pytest.mark.parametrize("x", [
    np.ones((10, 5)),                                                        # nothing varies
    np.array([[1, 0, 1], [0, 1, 1]], dtype=float),                           # totals equal: no variance
    np.column_stack([np.ones(20), np.arange(20) % 2, np.ones(20)]),          # one item varies
])
def test_degenerate_data_give_notes_not_errors(x):
    d = decision_quality(x, 2)
    assert d.subkoviak is None and d.livingston_lewis is None
    assert any("Subkoviak not computed" in n for n in d.notes)
    assert any("Livingston–Lewis not computed" in n for n in d.notes)
    assert math.isnan(d.reliability)
