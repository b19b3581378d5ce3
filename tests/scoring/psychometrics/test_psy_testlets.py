"""Testlet scores and testlet alpha pinned to psych::alpha (psych 2.2.9) on the testlet-score matrix
of psychotools' VerbalAggression, the four situations being the testlets
(tools/reference/make_dif_fixtures.R). Tolerance 1e-10 absolute."""

import math

import numpy as np
import pytest

from scoring.psychometrics.testlets import reliability_by_testlet, scores_by_testlet

from .test_psy_dif import read_verbal

TOL = 1e-10


@pytest.mark.parametrize("version", ["polytomous", "dichotomous"])
def test_testlet_alpha_matches_psych(version, fixture):
    items, _, resp = read_verbal()
    x = resp if version == "polytomous" else (resp > 0).astype(float)
    fx = fixture("testlets_verbal_aggression.json")[version]
    situation = [name[:2] for name in items]
    ts = scores_by_testlet(x, situation, items=items)
    assert ts.testlets == tuple(fx["testlets"])
    np.testing.assert_array_equal(ts.scores[:5], fx["first_scores"])
    r = reliability_by_testlet(x, situation, items=items)
    assert r.testlet_alpha == pytest.approx(fx["testlet_alpha"], abs=TOL)
    np.testing.assert_allclose(r.testlet_alpha_if_deleted, fx["testlet_alpha_drop"], rtol=0, atol=TOL)
    assert r.item_alpha == pytest.approx(fx["item_alpha"], abs=TOL)
    np.testing.assert_allclose(r.mean, fx["testlet_mean"], rtol=0, atol=TOL)
    np.testing.assert_allclose(r.sd, fx["testlet_sd"], rtol=0, atol=TOL)
    assert r.n_items == (6, 6, 6, 6)
    assert r.testlet_alpha < r.item_alpha  # the dependence within situations inflates item alpha


def test_standalone_items_are_their_own_testlets_and_omitted_scores_zero():
    x = np.array([[1, np.nan, 1, 0], [0, 1, 1, 1], [1, 1, 0, 0]], dtype=float)
    ts = scores_by_testlet(x, ["C1", "C1", None, ""], items=["a", "b", "c", "d"])
    assert ts.testlets == ("C1", "c", "d")
    assert ts.items == (("a", "b"), ("c",), ("d",))
    np.testing.assert_array_equal(ts.scores, [[1, 1, 0], [1, 1, 1], [2, 0, 0]])


def test_one_item_per_testlet_gives_item_alpha():
    rng = np.random.default_rng(3)
    x = (rng.random((50, 5)) < 0.6).astype(float)
    r = reliability_by_testlet(x, [None] * 5)
    assert r.testlet_alpha == r.item_alpha
    assert any("one item" in n for n in r.notes)


def test_bad_input():
    with pytest.raises(ValueError, match="one per item"):
        scores_by_testlet(np.eye(3), ["a", "b"])
    with pytest.raises(ValueError, match="same name"):
        scores_by_testlet(np.eye(3), ["item3", "item3", None])
    with pytest.raises(ValueError, match="at least 2 candidates"):
        reliability_by_testlet(np.ones((1, 3)), ["a", "a", "b"])
    r = reliability_by_testlet(np.array([[1, 1, 0], [0, 0, 1]], dtype=float), ["a", "a", "a"])
    assert math.isnan(r.testlet_alpha) and r.notes


def test_cli_testlets_writes_scores_and_matches_psych(tmp_path, capsys, fixture):
    import csv
    import json

    from scoring.psychometrics.cli import main

    items, _, resp = read_verbal()
    lines = ["candidate," + ",".join(items)] + [f"V{i + 1:03d}," + ",".join(str(int(v)) for v in r) for i, r in enumerate(resp)]
    (tmp_path / "resp.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "tl.csv").write_text("item,testlet\n" + "".join(f"{n},{n[:2]}\n" for n in items))
    code = main(["testlets", str(tmp_path / "resp.csv"), "--testlets", str(tmp_path / "tl.csv"),
                 "--scores", str(tmp_path / "out.csv")])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = json.loads(out)
    fx = fixture("testlets_verbal_aggression.json")["polytomous"]
    assert doc["testlet_alpha"] == pytest.approx(fx["testlet_alpha"], abs=TOL)
    assert doc["item_alpha"] == pytest.approx(fx["item_alpha"], abs=TOL)
    assert [t["testlet"] for t in doc["testlets"]] == ["S1", "S2", "S3", "S4"]
    with open(tmp_path / "out.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["candidate", "S1", "S2", "S3", "S4"]
    assert [float(v) for v in rows[1][1:]] == fx["first_scores"][0]


def test_cli_testlets_refuses_unknown_item(tmp_path, capsys):
    from scoring.psychometrics.cli import main

    (tmp_path / "resp.csv").write_text("candidate,a,b\nc1,1,0\nc2,0,1\n")
    (tmp_path / "tl.csv").write_text("item,testlet\nz,T1\n")
    assert main(["testlets", str(tmp_path / "resp.csv"), "--testlets", str(tmp_path / "tl.csv")]) == 2
    assert "'z' is not a column" in capsys.readouterr().err
