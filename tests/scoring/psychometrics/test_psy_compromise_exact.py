"""Hofstee and Beuk when the judges' line passes exactly through a corner of the fail-rate staircase.

The reference here is a brute-force search over the whole curve, in exact arithmetic, written
independently of the engine: every whole score (a riser of the staircase) and every point where
the line reaches a flat step is a candidate, and the cut is the smallest candidate that meets the
defining condition F(c) ≤ f(c) ≤ F(c+) (F the share scoring below c, f the judges' line). For the
curve interpolated between whole marks (Cizek & Bunch 2007, ch. 11) every segment between two
whole marks is solved in turn.
"""

from bisect import bisect_left, bisect_right
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from scoring.psychometrics.standard_setting import beuk, hofstee

HOFSTEE_CASE = dict(scores=[10, 12, 12, 14, 15, 15, 15, 16, 17, 18, 18, 19, 20, 21, 22, 23, 24, 25, 27, 29],
                    min_cut=14, max_cut=20, min_fail=0.10, max_fail=0.40)
BEUK_CASE = dict(scores=[27, 9, 5, 28, 28, 5, 18, 23, 8, 20, 5, 20, 20, 28, 26, 28, 26, 14],
                 cuts=[13, 15, 14], rates=[0.60, 0.75, 0.65])


def test_hofstee_line_through_a_corner_lands_on_it():
    # Line from (14, .40) to (20, .10): at 15 it is .35, exactly F(15+) = 7/20 — the top of the
    # riser at 15. Before the fix, noise made it miss both tests: cut 14 and a false "no intersection".
    c = HOFSTEE_CASE
    r = hofstee(c["scores"], min_cut=c["min_cut"], max_cut=c["max_cut"], min_fail=c["min_fail"], max_fail=c["max_fail"])
    assert r.cut_score == 15 and r.fail_rate == pytest.approx(4 / 20)
    assert r.intersects and r.note == ""


def test_beuk_line_through_a_corner_lands_on_it():
    # Mean cut 14, mean pass rate 2/3: the line passes through (14, fail 1/3) = F(14+) = 6/18.
    c = BEUK_CASE
    r = beuk(c["scores"], c["cuts"], c["rates"])
    assert r.cut_score == 14
    assert r.pass_rate == pytest.approx(13 / 18)


def test_hofstee_reports_the_interpolated_cut_and_the_pass_mark():
    c = HOFSTEE_CASE
    r = hofstee(c["scores"], min_cut=c["min_cut"], max_cut=c["max_cut"], min_fail=c["min_fail"], max_fail=c["max_fail"])
    # Between 15 (F = 4/20) and 16 (F = 7/20) the interpolated curve is .20 + .15 t, the line
    # .35 − .05 t: they meet at t = 3/4, i.e. 15.75; the smallest whole mark at or above is 16.
    assert r.interpolated_cut == 15.75
    assert r.pass_mark == 16 and r.pass_mark_fail_rate == pytest.approx(7 / 20)


def test_hofstee_says_plainly_when_the_line_misses():
    s = np.arange(0, 41, dtype=float)
    high = hofstee(s, min_cut=30, max_cut=35, min_fail=0.01, max_fail=0.05)
    assert not high.intersects and "misses the fail-rate curve inside their rectangle" in high.note
    assert high.interpolated_cut == 30 and high.pass_mark == 30
    low = hofstee(s, min_cut=2.5, max_cut=4.5, min_fail=0.5, max_fail=0.9)
    assert not low.intersects and "misses" in low.note and low.cut_score == 4.5
    assert low.interpolated_cut == 4.5 and low.pass_mark == 5


# ---------------------------------------------------------------- brute force, exact


def _staircase_brute_force(scores, level, slope, at, *, sqrt_slope=None):
    """Smallest c with F(c) ≤ f(c) ≤ F(c+), searching every riser and every flat step.

    ``slope`` is a Fraction (Hofstee) or, with ``sqrt_slope``, a high-precision Decimal (Beuk)."""
    n = len(scores)
    if sqrt_slope is None:
        num = Fraction
        f = lambda c: level - slope * (c - at)  # noqa: E731
        eq = lambda x, y: x == y  # noqa: E731
    else:
        num = lambda v: Decimal(v.numerator) / Decimal(v.denominator)  # noqa: E731
        lv, at_d = num(level), num(at)
        f = lambda c: lv - sqrt_slope * (c - at_d)  # noqa: E731
        eq = lambda x, y: abs(x - y) < Decimal("1e-40")  # noqa: E731

    ordered = sorted(scores)

    def ok(c):
        lo = num(Fraction(bisect_left(ordered, c), n))
        hi = num(Fraction(bisect_right(ordered, c), n))
        y = f(c)
        return (lo < y or eq(lo, y)) and (y < hi or eq(y, hi))

    candidates = [num(Fraction(v)) for v in sorted(set(scores))]
    if (slope if sqrt_slope is None else sqrt_slope) != 0:
        for k in range(n + 1):
            flat = num(Fraction(k, n))
            if sqrt_slope is None:
                candidates.append(at + (level - flat) / slope)
            else:
                candidates.append(num(at) + (num(level) - flat) / sqrt_slope)
    valid = [c for c in candidates if ok(c)]
    assert valid, "the defining condition has a solution"
    return min(valid)


def _interpolated_brute_force(scores, level, slope, at, lo_mark, hi_mark):
    n = len(scores)
    ordered = sorted(scores)
    F = lambda m: Fraction(bisect_left(ordered, m), n)  # noqa: E731
    f = lambda c: level - slope * (c - at)  # noqa: E731
    roots = []
    for m in range(lo_mark, hi_mark):
        # on [m, m+1]: F(m) + (F(m+1) − F(m)) t = f(m) − slope t
        d = F(m + 1) - F(m) + slope
        t = (f(m) - F(m)) / d
        if 0 <= t <= 1:
            roots.append(m + t)
    assert roots
    return min(roots)


decimals = st.integers(0, 20).map(lambda i: round(i * 0.05, 2))


@seed(20261205)
@settings(max_examples=3000, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(scores=st.lists(st.integers(0, 30), min_size=1, max_size=40),
       a=st.integers(0, 28), width=st.sampled_from([1, 1.5, 2, 3, 4, 5, 6, 8, 10]),
       p=decimals, q=decimals)
def test_hofstee_matches_brute_force_over_the_curve(scores, a, width, p, q):
    if not p < q:
        p, q = min(p, q), max(p, q)
        if p == q:
            q = round(p + 0.05, 2) if p < 1 else 1.0
            p = min(p, 0.95)
    b = a + width
    r = hofstee(scores, min_cut=a, max_cut=b, min_fail=p, max_fail=q)
    fa, fb, fp, fq = Fraction(str(a)), Fraction(str(b)), Fraction(str(p)), Fraction(str(q))
    slope = (fq - fp) / (fb - fa)
    expected = _staircase_brute_force(scores, fq, slope, fa)
    inside = fa <= expected <= fb
    assert r.intersects == inside
    assert r.cut_score == pytest.approx(float(min(max(expected, fa), fb)), abs=1e-12)
    assert r.fail_rate == pytest.approx(np.mean(np.array(scores) < r.cut_score), abs=1e-12)
    t = _interpolated_brute_force(scores, fq, slope, fa, min(0, a) - 2, max(30, int(b)) + 3)
    t = min(max(t, fa), fb)
    assert r.interpolated_cut == pytest.approx(float(t), abs=1e-12)
    assert r.pass_mark == -(-t.numerator // t.denominator)  # the smallest whole mark ≥ t


@seed(20261206)
@settings(max_examples=800, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(scores=st.lists(st.integers(0, 30), min_size=2, max_size=30),
       judges=st.lists(st.tuples(st.integers(0, 30), decimals), min_size=2, max_size=5))
def test_beuk_matches_brute_force_over_the_curve(scores, judges):
    cuts = [c for c, _ in judges]
    rates = [p for _, p in judges]
    if len(set(cuts)) == 1:
        return  # a vertical line: the cut is the judges' common cut (tested elsewhere)
    r = beuk(scores, cuts, rates)
    fc = [Fraction(c) for c in cuts]
    fr = [Fraction(str(p)) for p in rates]
    mx, my = sum(fc) / len(fc), sum(fr) / len(fr)
    ratio = sum((v - my) ** 2 for v in fr) / sum((v - mx) ** 2 for v in fc)
    getcontext().prec = 80
    sqrt_slope = (Decimal(ratio.numerator) / Decimal(ratio.denominator)).sqrt()
    expected = _staircase_brute_force(scores, 1 - my, ratio, mx, sqrt_slope=sqrt_slope)
    assert r.cut_score == pytest.approx(float(expected), abs=1e-9)


def test_the_cli_shows_the_staircase_cut_the_interpolated_cut_and_the_pass_mark(tmp_path, capsys):
    import json

    from scoring.psychometrics.cli import main

    c = HOFSTEE_CASE
    scores = tmp_path / "scores.csv"
    scores.write_text("candidate,score\n" + "".join(f"C{i},{v}\n" for i, v in enumerate(c["scores"])))
    argv = ["hofstee", str(scores), "--max-score", "30", "--min-cut", "14", "--max-cut", "20",
            "--min-fail", "0.10", "--max-fail", "0.40"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["cut_score"], doc["interpolated_cut"], doc["operational_pass_mark"]) == (15, 15.75, 16)
    assert doc["operational_fail_rate"] == pytest.approx(0.35)
    assert doc["intersects"] is True and doc["note"] == ""
    assert main(argv + ["--plot", str(tmp_path / "h.svg")]) == 0
    capsys.readouterr()
    assert "pass mark 16 (interpolated cut 15.75)" in (tmp_path / "h.svg").read_text()
    assert main(argv + ["--format", "text"]) == 0
    text = capsys.readouterr().out
    assert "interpolated_cut: 15.7500" in text and "operational_pass_mark: 16.0000" in text
    assert main(["hofstee", str(scores), "--max-score", "30", "--min-cut", "25", "--max-cut", "28",
                 "--min-fail", "0.01", "--max-fail", "0.05"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["intersects"] is False and "misses the fail-rate curve" in doc["note"]


def test_beuk_with_judges_agreeing_on_a_cut_whose_float_sd_is_not_zero():
    """Three cuts of 31.1 have a float SD of 4e-15 but no spread at all: the line is vertical, the
    cut is theirs (this raised ZeroDivisionError when the float SD decided)."""
    import numpy as np

    from scoring.psychometrics.standard_setting.compromise import beuk

    assert np.array([31.1] * 3).std(ddof=1) > 0
    result = beuk(np.arange(60) % 45, [31.1, 31.1, 31.1], [0.6, 0.7, 0.8])
    assert result.cut_score == pytest.approx(31.1) and result.sd_cut == 0.0
    assert result.pass_rate == pytest.approx(np.mean(np.arange(60) % 45 >= 31.1))
