"""The bootstrap standard errors of the compromise cuts (in the engine): seeded and reproducible,
centred on the method's own cut, and larger when judges disagree more or candidates are fewer."""
import numpy as np
import pytest

from scoring.psychometrics.standard_setting import beuk, beuk_bootstrap, hofstee, hofstee_bootstrap

RNG = np.random.default_rng(42)
SCORES = np.clip(np.round(RNG.normal(30, 6, 400)), 0, 50)
HOFSTEE = np.array([[24, 34, 0.10, 0.30], [26, 33, 0.08, 0.25], [25, 36, 0.12, 0.35], [23, 32, 0.05, 0.28]])


def test_hofstee_bootstrap_is_seeded_and_centred_on_the_cut():
    a = hofstee_bootstrap(SCORES, HOFSTEE, n_boot=200, seed=7)
    b = hofstee_bootstrap(SCORES, HOFSTEE, n_boot=200, seed=7)
    assert a == b
    m = HOFSTEE.mean(axis=0)
    assert a.cut_score == hofstee(SCORES, min_cut=m[0], max_cut=m[1], min_fail=m[2], max_fail=m[3]).cut_score
    assert 0 < a.se < 3 and a.used == a.replicates == 200
    assert hofstee_bootstrap(SCORES, HOFSTEE, n_boot=200, seed=8).se != a.se


def test_hofstee_se_is_zero_when_nothing_can_vary():
    one_judge = HOFSTEE[:1]
    flat = np.full(50, 30.0)
    assert hofstee_bootstrap(flat, one_judge, n_boot=50).se == 0.0


def test_beuk_bootstrap_grows_with_judges_disagreement():
    cuts, rates = [27, 28, 29, 30], [0.75, 0.72, 0.70, 0.66]
    agree = beuk_bootstrap(SCORES, cuts, rates, n_boot=300, seed=1)
    assert agree.cut_score == beuk(SCORES, cuts, rates).cut_score
    disagree = beuk_bootstrap(SCORES, [20, 26, 32, 38], [0.9, 0.75, 0.6, 0.4], n_boot=300, seed=1)
    assert disagree.se > agree.se > 0


def test_beuk_bootstrap_survives_resamples_where_every_judge_is_the_same():
    result = beuk_bootstrap(SCORES[:30], [25, 31], [0.8, 0.6], n_boot=100, seed=3)
    assert result.used == 100 and np.isfinite(result.se)


def test_fewer_candidates_give_a_larger_se():
    many = hofstee_bootstrap(SCORES, HOFSTEE, n_boot=200, seed=2)
    few = hofstee_bootstrap(SCORES[:40], HOFSTEE, n_boot=200, seed=2)
    assert few.se > many.se


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="one row of"):
        hofstee_bootstrap(SCORES, [[1, 2, 3]])
    with pytest.raises(ValueError, match="n_boot"):
        beuk_bootstrap(SCORES, [1, 2], [0.5, 0.6], n_boot=1)
