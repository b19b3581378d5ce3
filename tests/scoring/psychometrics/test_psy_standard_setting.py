"""Standard setting. Angoff's agreement and borderline regression are pinned to R (psych::ICC,
lm; fixtures made by tools/reference/make_fixtures.R) to 1e-10; Hofstee, Beuk and contrasting
groups are checked against a second, independent computation (bisection on the defining
inequality, or brute force); Ebel against a hand-worked grid."""

import csv
from pathlib import Path

import numpy as np
import pytest

from scoring.psychometrics.standard_setting import (
    angoff, beuk, borderline_group, borderline_regression, contrasting_groups, ebel, fail_rate, hofstee,
    intraclass_correlations, pass_mark, ratings_matrix,
)

TOL = 1e-10


@pytest.fixture(scope="module")
def ratings():
    with open(Path(__file__).parent / "fixtures" / "angoff_ratings.csv", newline="") as fh:
        return [(r["judge"], r["item"], float(r["rating"])) for r in csv.DictReader(fh)]


def test_angoff_matches_r(ratings, fixture):
    fx = fixture("angoff.json")
    judges, items, m, used = ratings_matrix(ratings)
    r = angoff(m, judges=judges, items=items)
    assert used == 1 and r.n_judges == 8 and r.n_items == 12
    assert r.cut_score == pytest.approx(fx["cut_score"], abs=TOL)
    assert r.cut_fraction == pytest.approx(fx["cut_score"] / 12, abs=TOL)
    np.testing.assert_allclose(r.judge_cuts, fx["judge_cuts"], atol=TOL)
    assert r.se == pytest.approx(fx["se"], abs=TOL)
    a = r.agreement
    assert (a.icc2, a.icc2k, a.icc3, a.icc3k) == pytest.approx((fx["icc2"], fx["icc2k"], fx["icc3"], fx["icc3k"]), abs=TOL)
    # the cut is also the mean of the judges' cuts (two routes to one number)
    assert r.cut_score == pytest.approx(np.mean(r.judge_cuts), abs=TOL)


def test_removing_an_item_removes_its_ratings(ratings):
    judges, items, m, _ = ratings_matrix(ratings)
    full = angoff(m, judges=judges, items=items)
    cut = angoff(m, judges=judges, items=items, exclude=["Q03", "Q07"])
    assert cut.n_items == 10 and cut.excluded == ("Q03", "Q07")
    assert cut.cut_score == pytest.approx(full.cut_score - m[:, 2].mean() - m[:, 6].mean(), abs=TOL)
    same = angoff(np.delete(m, [2, 6], axis=1), judges=judges)
    assert cut.cut_score == pytest.approx(same.cut_score, abs=TOL)
    assert cut.agreement == same.agreement
    with pytest.raises(ValueError, match="not among"):
        angoff(m, items=items, exclude=["Q99"])


def test_angoff_rounds_and_item_marks():
    records = [("J1", "a", 0.5, 1), ("J1", "b", 0.7, 1), ("J2", "a", 0.6, 1), ("J2", "b", 0.9, 1),
               ("J1", "a", 0.55, 2), ("J1", "b", 0.75, 2), ("J2", "a", 0.6, 2), ("J2", "b", 0.8, 2)]
    j, i, m, used = ratings_matrix(records)
    assert used == 2
    r = angoff(m, judges=j, items=i, max_scores=[1, 4])
    assert r.cut_score == pytest.approx((0.55 + 0.6) / 2 + 4 * (0.75 + 0.8) / 2)
    assert r.max_score == 5
    j1, _, m1, _ = ratings_matrix(records, round=1)
    assert angoff(m1).cut_score == pytest.approx(0.55 + 0.8)
    with pytest.raises(ValueError, match="round 3"):
        ratings_matrix(records, round=3)
    with pytest.raises(ValueError, match="twice"):
        ratings_matrix(records + [("J1", "a", 0.1, 2)])


def test_angoff_refuses_gaps_and_bad_ratings():
    with pytest.raises(ValueError, match="judge J2 has no rating for item b"):
        angoff([[0.5, 0.6], [0.4, np.nan]], judges=["J1", "J2"], items=["a", "b"])
    with pytest.raises(ValueError, match="probabilities"):
        angoff([[0.5, 1.6]])


def test_icc_from_shrout_and_fleiss_table():
    # Shrout & Fleiss (1979), Table 2: 6 targets × 4 judges; they report ICC(2,1) = .29,
    # ICC(3,1) = .71, ICC(2,4) = .62, ICC(3,4) = .91.
    data = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], dtype=float)
    icc = intraclass_correlations(data.T)  # judges × items
    assert (round(icc.icc2, 2), round(icc.icc3, 2), round(icc.icc2k, 2), round(icc.icc3k, 2)) == (0.29, 0.71, 0.62, 0.91)


def test_ebel_hand_worked_grid():
    cats = [("essential", "easy")] * 4 + [("essential", "medium")] * 3 + [("important", "hard")] * 2 + [("questionable", "easy")]
    rates = {("essential", "easy"): 0.95, ("essential", "medium"): 0.80, ("important", "hard"): 0.40,
             ("questionable", "easy"): 0.50, ("acceptable", "hard"): 0.1}
    r = ebel(cats, rates, max_scores=[1] * 9 + [2])
    # 4 × .95 + 3 × .80 + 2 × .40 + 2 marks × .50 = 3.8 + 2.4 + 0.8 + 1.0
    assert r.cut_score == pytest.approx(8.0) and r.max_score == 11
    assert r.cut_fraction == pytest.approx(8 / 11)
    assert {(c.relevance, c.difficulty): c.n_items for c in r.cells} == {
        ("essential", "easy"): 4, ("essential", "medium"): 3, ("important", "hard"): 2, ("questionable", "easy"): 1}
    with pytest.raises(ValueError, match="no success rate"):
        ebel([("essential", "hard")], rates)


def _bisect(pred, lo, hi):
    """Smallest c in [lo, hi] with pred(c) true, for a predicate false then true."""
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if pred(mid) else (mid, hi)
    return hi


def _hofstee_by_bisection(s, a, b, p, q):
    line = lambda c: q - (q - p) * (c - a) / (b - a)  # noqa: E731
    # the curve reaches the line at the first c where the fail rate just above c is ≥ the line
    return _bisect(lambda c: np.mean(s <= c) >= line(c), a - 100, b + 100)


@pytest.mark.parametrize("seed", range(8))
def test_hofstee_agrees_with_bisection(seed):
    rng = np.random.default_rng(seed)
    s = np.clip(np.round(rng.normal(28, 6, 300)), 0, 40)
    a, b = 20 + seed % 3, 32
    p, q = 0.05, 0.35
    r = hofstee(s, min_cut=a, max_cut=b, min_fail=p, max_fail=q)
    assert r.intersects
    assert r.cut_score == pytest.approx(_hofstee_by_bisection(s, a, b, p, q), abs=1e-9)
    assert r.fail_rate == pytest.approx(np.mean(s < r.cut_score))


def test_hofstee_crossing_a_jump_and_a_flat_piece():
    s = np.array([10] * 5 + [20] * 5, dtype=float)  # fail rate 0 up to 10, 0.5 up to 20, then 1
    r = hofstee(s, min_cut=0, max_cut=30, min_fail=0.0, max_fail=1.0)  # line 1 − c/30
    # the line meets the flat piece F = 0.5 (cuts 10 < c ≤ 20) at c = 15
    assert r.cut_score == pytest.approx(15.0) and r.fail_rate == 0.5
    r = hofstee(s, min_cut=0, max_cut=40, min_fail=0.0, max_fail=0.3)  # line 0.3 − 0.3c/40
    assert r.cut_score == 10.0 and r.fail_rate == 0.0  # crosses the jump at 10


def test_hofstee_when_the_line_misses_the_curve():
    s = np.arange(0, 41, dtype=float)
    high = hofstee(s, min_cut=30, max_cut=35, min_fail=0.01, max_fail=0.05)  # curve above the line
    assert not high.intersects and high.cut_score == 30 and "lowest acceptable cut" in high.note
    low = hofstee(s, min_cut=2, max_cut=4, min_fail=0.5, max_fail=0.9)  # curve below the line
    assert not low.intersects and low.cut_score == 4 and "highest acceptable cut" in low.note
    assert low.fail_rate == fail_rate(s, 4)
    with pytest.raises(ValueError, match="min_cut"):
        hofstee(s, min_cut=5, max_cut=5, min_fail=0.1, max_fail=0.2)


@pytest.mark.parametrize("seed", range(6))
def test_beuk_agrees_with_bisection(seed):
    rng = np.random.default_rng(100 + seed)
    s = np.clip(np.round(rng.normal(60, 12, 400)), 0, 100)
    cuts = rng.normal(55, 4, 7)
    rates = np.clip(rng.normal(0.75, 0.06, 7), 0, 1)
    r = beuk(s, cuts, rates)
    mx, my, slope = cuts.mean(), rates.mean(), rates.std(ddof=1) / cuts.std(ddof=1)
    expected = _bisect(lambda c: my + slope * (c - mx) >= np.mean(s > c), -500, 500)
    assert r.cut_score == pytest.approx(expected, abs=1e-9)
    assert r.pass_rate == pytest.approx(np.mean(s >= r.cut_score))
    assert (r.mean_cut, r.mean_pass_rate) == pytest.approx((mx, my))


def test_beuk_needs_two_judges_and_handles_agreement_on_the_cut():
    s = np.arange(0, 50, dtype=float)
    with pytest.raises(ValueError, match="at least 2 judges"):
        beuk(s, [30], [0.6])
    assert beuk(s, [30, 30], [0.6, 0.7]).cut_score == 30


def test_borderline_regression_matches_lm(fixtures_dir, fixture):
    with open(fixtures_dir / "borderline.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    s = [float(r["score"]) for r in rows]
    g = [float(r["grade"]) for r in rows]
    fx = fixture("borderline.json")
    r = borderline_regression(s, g, borderline_grade=2)
    assert (r.cut_score, r.intercept, r.slope, r.r_squared) == pytest.approx(
        (fx["cut_score"], fx["intercept"], fx["slope"], fx["r_squared"]), abs=TOL)
    bg = borderline_group(s, g, borderline_grade=2)
    assert (bg.mean, bg.median) == pytest.approx((fx["borderline_group_mean"], fx["borderline_group_median"]), abs=TOL)
    assert bg.cut_score == bg.median
    with pytest.raises(ValueError, match="same global grade"):
        borderline_regression([1, 2, 3], [2, 2, 2])
    with pytest.raises(ValueError, match="borderline"):
        borderline_group([1, 2], [3, 4])


def test_contrasting_groups_by_brute_force():
    rng = np.random.default_rng(9)
    comp = rng.random(200) < 0.6
    s = np.round(np.where(comp, rng.normal(30, 5, 200), rng.normal(22, 5, 200)))
    r = contrasting_groups(s, comp)
    errors = {c: int(((s >= c) & ~comp).sum() + ((s < c) & comp).sum()) for c in range(0, 60)}
    best = min(errors.values())
    assert r.false_passes + r.false_fails == best
    assert r.cut_score == max(c for c, e in errors.items() if e == best and (c in s or c == s.max() + 1))
    with pytest.raises(ValueError, match="competent and not competent"):
        contrasting_groups([1, 2], [True, True])


@pytest.mark.parametrize(
    "cut, sem, k, rounding, expected",
    [
        (30.2, 0, 0, "up", 31),
        (30.0000000000004, 0, 0, "up", 30),  # floating-point noise is not a mark
        (30.2, 2.0, 1, "up", 33),
        (30.2, 2.0, 1.96, "up", 35),
        (30.5, 0, 0, "nearest", 31),
        (30.49, 0, 0, "nearest", 30),
        (30.7, 0, 0, "down", 30),
        (30.7, 0, 0, "none", 30.7),
    ],
)
def test_pass_mark_policy(cut, sem, k, rounding, expected):
    assert pass_mark(cut, sem=sem, k=k, rounding=rounding).pass_mark == pytest.approx(expected)


def test_pass_mark_is_capped_and_validated():
    assert pass_mark(39.5, sem=2, k=1, max_score=40).pass_mark == 40
    with pytest.raises(ValueError, match="SEM"):
        pass_mark(30, sem=-1)
