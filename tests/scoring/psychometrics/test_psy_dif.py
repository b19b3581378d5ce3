"""Mantel–Haenszel DIF pinned to R's ``mantelhaen.test`` (R 4.2.2; tools/reference/make_dif_fixtures.R)
on psychotools' VerbalAggression (real groups: gender) and on sat12 with a seeded split stored in
the fixture. Tolerance: 1e-10 relative on α_MH, the chi-squares, p-values and the confidence
interval (whose width pins the Robins–Breslow–Greenland SE). The ETS delta and the A/B/C rule are
checked against hand-computed examples."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from scoring.psychometrics.dif import (
    MantelHaenszel, dif_analysis, ets_category, ets_polytomous_category, mantel_haenszel, mantel_polytomous,
)

TOL = 1e-10


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def read_verbal():
    """VerbalAggression as written by make_dif_fixtures.R: (items, gender, 0/1/2 responses)."""
    with open(FIXTURES / "verbal_aggression.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    items = rows[0][2:]
    gender = [r[1] for r in rows[1:]]
    resp = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
    return items, gender, resp


@pytest.fixture(scope="module")
def verbal():
    return read_verbal()


def _compare(result, expected):
    assert len(result.items) == len(expected)
    for it, fx in zip(result.items, expected):
        mh = it.mh
        assert mh.n_strata == fx["n_strata"], it.item
        assert mh.alpha_mh == pytest.approx(fx["alpha_mh"], rel=TOL), it.item
        assert mh.chi_square == pytest.approx(fx["chi_square"], rel=TOL), it.item
        assert mh.p_value == pytest.approx(fx["p_value"], rel=TOL), it.item
        assert mh.chi_square_uncorrected == pytest.approx(fx["chi_square_uncorrected"], rel=TOL), it.item
        assert mh.p_value_uncorrected == pytest.approx(fx["p_value_uncorrected"], rel=TOL), it.item
        np.testing.assert_allclose(mh.conf_int, fx["conf_int"], rtol=TOL, atol=0)
        # D-DIF and its SE follow from α and the CI: SE(ln α) = ln(upper/lower) / (2 z_0.975)
        assert mh.d_dif == pytest.approx(-2.35 * math.log(fx["alpha_mh"]), rel=TOL)
        se = math.log(fx["conf_int"][1] / fx["conf_int"][0]) / (2 * 1.959963984540054)
        assert mh.d_dif_se == pytest.approx(2.35 * se, rel=1e-9)


def test_verbal_aggression_matches_mantelhaen_test_including_studied_item(verbal, fixture):
    items, gender, resp = verbal
    fx = fixture("dif_verbal_aggression.json")
    r = dif_analysis(resp > 0, gender, reference="female", focal="male", items=items)
    assert (r.n_reference, r.n_focal) == (243, 73)
    assert r.studied_item_in_matching
    _compare(r, fx["including_studied"])


def test_verbal_aggression_matches_mantelhaen_test_excluding_studied_item(verbal, fixture):
    items, gender, resp = verbal
    fx = fixture("dif_verbal_aggression.json")
    r = dif_analysis(resp > 0, gender, reference="female", focal="male", items=items, include_studied=False)
    _compare(r, fx["excluding_studied"])


def test_sat12_seeded_split_matches_mantelhaen_test(scored, fixture):
    items, x = scored("sat12")
    fx = fixture("dif_sat12.json")
    r = dif_analysis(x, fx["group"], reference="R", focal="F", items=items)  # NaN (omitted) scores 0
    _compare(r, fx["including_studied"])


def test_single_item_function_equals_the_analysis(verbal):
    items, gender, resp = verbal
    x = (resp > 0).astype(float)
    one = mantel_haenszel(x[:, 3], gender, x.sum(axis=1), reference="female", focal="male")
    assert one == dif_analysis(x, gender, reference="female", focal="male").items[3].mh


def test_hand_computed_two_strata():
    """Two strata, worked by hand: stratum 1 A,B,C,D = 8,2,5,5 (T 20); stratum 2 = 6,4,3,7 (T 20).
    α = (8·5/20 + 6·7/20) / (2·5/20 + 4·3/20) = (2 + 2.1) / (0.5 + 0.6) = 4.1 / 1.1."""
    rows = []
    for stratum, cells in ((1, (8, 2, 5, 5)), (2, (6, 4, 3, 7))):
        for g, y, n in (("R", 1, cells[0]), ("R", 0, cells[1]), ("F", 1, cells[2]), ("F", 0, cells[3])):
            rows += [(stratum, g, y)] * n
    m, g, y = (np.array(c) for c in zip(*rows))
    mh = mantel_haenszel(y, g, m, reference="R", focal="F")
    assert mh.alpha_mh == pytest.approx(4.1 / 1.1, rel=1e-14)
    assert mh.d_dif == pytest.approx(-2.35 * math.log(4.1 / 1.1), rel=1e-14)
    # Σ A − Σ E = (8 − 10·13/20) + (6 − 10·9/20) = 1.5 + 1.5 = 3;
    # Σ Var = 10·10·13·7/(400·19) + 10·10·9·11/(400·19) = (9100 + 9900)/7600 = 2.5
    assert mh.chi_square_uncorrected == pytest.approx(9 / 2.5, rel=1e-14)
    assert mh.chi_square == pytest.approx(2.5 ** 2 / 2.5, rel=1e-14)
    assert (mh.n_reference, mh.n_focal, mh.n_strata) == (20, 20, 2)


def _mh(d, se, p):
    nan = float("nan")
    return MantelHaenszel(math.exp(-d / 2.35), se / 2.35, nan, p, nan, nan, (nan, nan), d, se, 1, 1, 1)


@pytest.mark.parametrize("d, se, p, expected", [
    (-0.9, 0.1, 1e-6, ("A", "")),      # |D| < 1 although significant
    (-2.0, 0.2, 0.06, ("A", "")),      # large but not significant at 0.05
    (-1.2, 0.1, 1e-6, ("B", "−")),     # 1 ≤ |D| < 1.5
    (1.6, 0.5, 1e-6, ("B", "+")),      # |D| ≥ 1.5 but (1.6 − 1)/0.5 = 1.2 < 1.645
    (-1.6, 0.3, 1e-6, ("C", "−")),     # (1.6 − 1)/0.3 = 2 > 1.645
    (1.5, 0.30, 1e-6, ("C", "+")),     # boundary |D| = 1.5, z = 1.667 > 1.645
    (1.5, 0.31, 1e-6, ("B", "+")),     # z = 1.613 < 1.645
    (1.0, 0.01, 0.049, ("B", "+")),    # |D| = 1 is not "< 1"
])
def test_ets_categories_by_hand(d, se, p, expected):
    assert ets_category(_mh(d, se, p)) == expected


def test_ets_two_sided_variant_is_stricter():
    # z = 1.8: C at one-sided 0.05 (1.645); B when the caller asks for 1.96 (alpha_one = 0.025).
    mh = _mh(-1.9, 0.5, 1e-6)
    assert ets_category(mh) == ("C", "−")
    assert ets_category(mh, alpha_one=0.025) == ("B", "−")


def test_purification_drops_c_items_from_the_matching_score():
    rng = np.random.default_rng(7)
    n = 2000
    theta = rng.normal(size=n)
    g = np.where(rng.random(n) < 0.5, "R", "F")
    b = np.linspace(-1.5, 1.5, 12)
    shift = np.zeros(12)
    shift[0] = 1.5  # item 1 is much harder for the focal group
    logits = theta[:, None] - b[None, :] - shift[None, :] * (g == "F")[:, None]
    x = (rng.random((n, 12)) < 1 / (1 + np.exp(-logits))).astype(float)
    plain = dif_analysis(x, g, reference="R", focal="F")
    assert plain.items[0].category == "C" and plain.items[0].direction == "−"
    pure = dif_analysis(x, g, reference="R", focal="F", purify=True)
    assert pure.excluded_from_matching == ("item1",)
    assert pure.items[0].category == "C"
    # other items now matched on a criterion free of item 1
    assert pure.items[5].mh != plain.items[5].mh


def test_candidates_outside_the_two_groups_take_no_part():
    x = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 0]], dtype=float)
    g = ["R", "F", "R", "F", None, ""]
    r = dif_analysis(x, g, reference="R", focal="F")
    assert (r.n_reference, r.n_focal) == (2, 2)


def test_undefined_when_no_stratum_has_both_groups():
    x = np.array([[1, 1], [1, 1], [0, 0], [0, 0]], dtype=float)
    r = dif_analysis(x, ["R", "R", "F", "F"], reference="R", focal="F")
    it = r.items[0]
    assert math.isnan(it.mh.alpha_mh) and math.isnan(it.mh.chi_square)
    assert it.category == "" and it.mh.notes


@pytest.mark.parametrize("kwargs, message", [
    (dict(reference="R", focal="R"), "must differ"),
    (dict(reference="X", focal="F"), "reference group"),
    (dict(reference="R", focal="Y"), "focal group"),
])
def test_bad_groups_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dif_analysis(np.eye(3), ["R", "F", "R"], **kwargs)


def test_negative_scores_and_bad_group_vector_are_refused():
    with pytest.raises(ValueError, match="negative"):
        dif_analysis(np.array([[-1.0, 1.0], [0.0, 1.0]]), ["R", "F"], reference="R", focal="F")
    with pytest.raises(ValueError, match="one entry per candidate"):
        dif_analysis(np.eye(3), ["R", "F"], reference="R", focal="F")


def test_polytomous_items_match_the_r_mantel_and_smd(verbal, fixture):
    """Pinned to coin::independence_test (coin 1.4.2; Mantel's chi-square as a stratified
    permutation test) and to an independent R coding of Mantel (1963) and the SMD
    (make_dif_fixtures.R), which R itself checks against mantelhaen.test(correct = FALSE) on the
    0/1 version."""
    items, gender, resp = verbal
    fx = fixture("dif_polytomous_verbal_aggression.json")
    r = dif_analysis(resp, gender, reference="female", focal="male", items=items)
    for it, f in zip(r.items, fx["items_dif"]):
        pd = it.polytomous
        assert it.mh is None and pd is not None
        assert pd.chi_square == pytest.approx(f["chi_square"], rel=TOL), it.item
        assert pd.p_value == pytest.approx(f["p_value"], rel=TOL), it.item
        assert pd.chi_square == pytest.approx(f["chi_square_coin"], rel=TOL), it.item
        assert pd.p_value == pytest.approx(f["p_value_coin"], rel=TOL), it.item
        assert pd.smd == pytest.approx(f["smd"], rel=TOL, abs=1e-14), it.item
        assert pd.item_sd == pytest.approx(f["item_sd"], rel=TOL), it.item
        assert it.category == ets_polytomous_category(pd.p_value, pd.smd / pd.item_sd)


def test_mantel_on_a_binary_item_is_the_uncorrected_mh_chi_square(verbal, fixture):
    items, gender, resp = verbal
    x = (resp > 0).astype(float)
    fx = fixture("dif_verbal_aggression.json")["including_studied"]
    for j in (0, 7, 23):
        pd = mantel_polytomous(x[:, j], gender, x.sum(axis=1), reference="female", focal="male")
        assert pd.chi_square == pytest.approx(fx[j]["chi_square_uncorrected"], rel=TOL)


@pytest.mark.parametrize("p, ratio, expected", [
    (0.2, 0.5, "AA"), (0.01, 0.17, "AA"), (0.01, -0.18, "BB"), (0.01, 0.25, "BB"), (0.01, -0.26, "CC"),
    (float("nan"), 0.3, ""),
])
def test_ets_polytomous_categories_by_hand(p, ratio, expected):
    assert ets_polytomous_category(p, ratio) == expected


def test_smd_by_hand():
    # stratum 0: focal scores 2, 0 (mean 1), reference 1, 1 (mean 1); stratum 1: focal 2 (mean 2),
    # reference 0, 1 (mean 0.5); stratum 2: focal only (ignored by the SMD).
    # focal weights over strata with both groups: 2/3, 1/3 → SMD = 2/3·0 + 1/3·1.5 = 0.5
    y = [2, 0, 1, 1, 2, 0, 1, 2]
    g = ["F", "F", "R", "R", "F", "R", "R", "F"]
    m = [0, 0, 0, 0, 1, 1, 1, 2]
    pd = mantel_polytomous(y, g, m, reference="R", focal="F")
    assert pd.smd == pytest.approx(0.5, abs=1e-15)
    assert pd.n_strata == 2


def _write_verbal(tmp_path, dichotomous=True):
    items, gender, resp = read_verbal()
    x = (resp > 0).astype(int) if dichotomous else resp.astype(int)
    lines = ["candidate," + ",".join(items)] + [f"V{i + 1:03d}," + ",".join(map(str, r)) for i, r in enumerate(x)]
    (tmp_path / "resp.csv").write_text("\n".join(lines) + "\n")
    g = ["candidate,group"] + [f"V{i + 1:03d},{s}" for i, s in enumerate(gender)]
    (tmp_path / "groups.csv").write_text("\n".join(g) + "\n")
    return tmp_path / "resp.csv", tmp_path / "groups.csv"


def test_cli_dif_matches_r(tmp_path, capsys, fixture):
    import json

    from scoring.psychometrics.cli import main

    resp, groups = _write_verbal(tmp_path)
    code = main(["dif", str(resp), "--groups", str(groups), "--reference", "female", "--focal", "male"])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    fx = fixture("dif_verbal_aggression.json")["including_studied"]
    assert (doc["n_reference"], doc["n_focal"]) == (243, 73)
    for row, f in zip(doc["items"], fx):
        assert row["alpha_mh"] == pytest.approx(f["alpha_mh"], rel=TOL)
        assert row["p_value"] == pytest.approx(f["p_value"], rel=TOL)
        assert row["category"] in {"A", "B", "C"}
    assert set(doc["items"][0]) >= {"item", "category", "direction", "d_dif", "d_dif_se", "chi_square"}


def test_cli_dif_refuses_unknown_group_and_analyses_polytomous_scores(tmp_path, capsys, fixture):
    import json

    from scoring.psychometrics.cli import main

    resp, groups = _write_verbal(tmp_path)
    assert main(["dif", str(resp), "--groups", str(groups), "--reference", "female", "--focal", "other"]) == 2
    assert "no candidate" in capsys.readouterr().err
    resp, groups = _write_verbal(tmp_path, dichotomous=False)
    assert main(["dif", str(resp), "--groups", str(groups), "--reference", "female", "--focal", "male"]) == 0
    doc = json.loads(capsys.readouterr().out)
    fx = fixture("dif_polytomous_verbal_aggression.json")["items_dif"]
    assert doc["items"][0]["method"] == "Mantel"
    assert doc["items"][0]["chi_square"] == pytest.approx(fx[0]["chi_square"], rel=TOL)
    assert doc["items"][0]["smd"] == pytest.approx(fx[0]["smd"], rel=TOL)
    assert doc["items"][0]["category"] in {"AA", "BB", "CC"}


def test_no_continuity_correction_when_the_difference_is_below_a_half():
    # one stratum: A,B,C,D = 3,1,2,2 (T 8): E(A) = 4·5/8 = 2.5, Σ A − Σ E = 0.5 → corrected = 0;
    # A,B,C,D = 2,2,2,1 (T 7): E(A) = 4·4/7, difference −2/7, |·| < ½ → no correction, as R.
    mh = mantel_haenszel([1, 1, 1, 0, 1, 1, 0, 0], list("RRRRFFFF"), [0] * 8, reference="R", focal="F")
    assert mh.chi_square == 0.0 and mh.chi_square_uncorrected > 0
    mh = mantel_haenszel([1, 1, 0, 0, 1, 1, 0], list("RRRRFFF"), [0] * 7, reference="R", focal="F")
    assert mh.chi_square == mh.chi_square_uncorrected > 0


def test_cli_dif_refuses_a_candidate_missing_from_the_responses(tmp_path, capsys):
    from scoring.psychometrics.cli import main

    resp, groups = _write_verbal(tmp_path)
    groups.write_text(groups.read_text() + "X999,male\n")
    assert main(["dif", str(resp), "--groups", str(groups), "--reference", "female", "--focal", "male"]) == 2
    assert "'X999' is not in the responses file" in capsys.readouterr().err


def test_cli_dif_leaves_out_unlisted_and_blank_group_candidates(tmp_path, capsys):
    import json

    from scoring.psychometrics.cli import main

    resp, groups = _write_verbal(tmp_path)
    lines = groups.read_text().splitlines()
    lines[1] = lines[1].split(",")[0] + ","      # V001: blank group
    del lines[2]                                # V002: not listed
    groups.write_text("\n".join(lines) + "\n")
    assert main(["dif", str(resp), "--groups", str(groups), "--reference", "female", "--focal", "male", "--purify"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_reference"] + doc["n_focal"] == 314 and doc["purified"] is True
    assert isinstance(doc["excluded_from_matching"], list)
