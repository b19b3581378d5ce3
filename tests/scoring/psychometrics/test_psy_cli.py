"""`python -m scoring …` on the public data sets and on bad files."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scoring.psychometrics.cli import main

ROOT = Path(__file__).resolve().parents[3]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_item_analysis_with_key_on_sat12(capsys, data_dir, fixture):
    code, out, err = run(capsys, "item-analysis", str(data_dir / "sat12_responses.csv"), "--key", str(data_dir / "sat12_key.csv"))
    assert code == 0, err
    doc = json.loads(out)
    fx = fixture("ctt_sat12.json")
    assert (doc["n_candidates"], doc["n_items"]) == (600, 32)
    assert set(doc["test"]) >= {"mean", "sd", "min", "max", "alpha", "kr20", "kr21", "sem"}
    assert doc["test"]["alpha"] == pytest.approx(fx["alpha"], abs=1e-10)
    item = doc["items"][31]
    assert set(item) >= {"item", "facility", "pbis", "pbis_corrected", "biserial", "discrimination_ul27",
                         "alpha_if_deleted", "flags", "options"}
    assert "possible_miskey" in item["flags"]
    assert [o["option"] for o in item["options"]] == ["1", "2", "3", "4", "5"]
    assert item["options"][2]["pbis_rest"] == pytest.approx(fx["options"][31]["pbis_rest"][2], abs=1e-10)


def test_item_analysis_of_scores_and_text_format(capsys, data_dir, tmp_path):
    code, out, _ = run(capsys, "item-analysis", str(data_dir / "lsat7_scored.csv"), "--format", "text",
                       "--plot", str(tmp_path / "d.svg"), "--cut", "3")
    assert code == 0 and "alpha" in out and "Item1" in out
    svg = (tmp_path / "d.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "cut score 3.00" in svg


def test_option_curves_plot(capsys, data_dir, tmp_path):
    code, _, err = run(capsys, "item-analysis", str(data_dir / "cttdata_responses.csv"), "--key", str(data_dir / "cttdata_key.csv"),
                       "--plot", str(tmp_path / "o.svg"), "--plot-item", "i05")
    assert code == 0, err
    assert "Option curves" in (tmp_path / "o.svg").read_text()


def test_rasch_on_lsat6(capsys, data_dir, fixture, tmp_path):
    code, out, err = run(capsys, "rasch", str(data_dir / "lsat6_scored.csv"), "--plot", str(tmp_path / "r.svg"))
    assert code == 0, err
    doc = json.loads(out)
    np.testing.assert_allclose([i["difficulty"] for i in doc["items"]], fixture("rasch_lsat6.json")["exact_difficulty"], atol=1e-6)
    assert doc["score_table"][0]["theta_ml"] is None and doc["score_table"][0]["theta_wle"] < -2
    assert (tmp_path / "r.svg").exists()


def test_rasch_with_anchors(capsys, data_dir, tmp_path):
    anchors = tmp_path / "anchors.csv"
    anchors.write_text("item,difficulty\nItem1,-1.25\nItem3,1.24\n")
    code, out, err = run(capsys, "rasch", str(data_dir / "lsat6_scored.csv"), "--anchors", str(anchors))
    assert code == 0, err
    items = json.loads(out)["items"]
    assert items[0]["difficulty"] == -1.25 and items[0]["anchored"] and not items[1]["anchored"]


def test_angoff(capsys, fixtures_dir, fixture, tmp_path):
    code, out, err = run(capsys, "angoff", str(fixtures_dir / "angoff_ratings.csv"), "--exclude", "Q12",
                         "--sem", "1.5", "--plot", str(tmp_path / "a.svg"))
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) >= {"cut_score", "cut_fraction", "se", "sd_judges", "judges", "n_items", "n_judges"}
    assert doc["n_items"] == 11 and doc["n_judges"] == 8
    assert doc["pass_mark"]["pass_mark"] == np.ceil(doc["cut_score"] + 1.5)


def test_hofstee_beuk_ebel_borderline(capsys, fixtures_dir, tmp_path):
    scores = fixtures_dir / "borderline.csv"
    code, out, err = run(capsys, "hofstee", str(scores), "--max-score", "40", "--min-cut", "15", "--max-cut", "25",
                         "--min-fail", "0.05", "--max-fail", "0.3", "--plot", str(tmp_path / "h.svg"))
    assert code == 0, err
    assert set(json.loads(out)) >= {"cut_score", "fail_rate", "intersects"}
    judges = tmp_path / "judges.csv"
    judges.write_text("judge,cut,pass_rate\nA,18,0.8\nB,20,0.75\nC,22,0.7\n")
    code, out, err = run(capsys, "beuk", str(scores), "--judges", str(judges), "--max-score", "40", "--plot", str(tmp_path / "b.svg"))
    assert code == 0, err
    assert "cut_score" in json.loads(out) and (tmp_path / "b.svg").exists()
    items = tmp_path / "items.csv"
    items.write_text("item,relevance,difficulty\nq1,Essential,easy\nq2,essential,easy\nq3,important,hard\n")
    rates = tmp_path / "rates.csv"
    rates.write_text("relevance,difficulty,rate\nessential,easy,0.9\nimportant,hard,0.4\n")
    code, out, err = run(capsys, "ebel", str(items), "--rates", str(rates), "--format", "text")
    assert code == 0, err
    assert "cut_score: 2.2000" in out
    code, out, err = run(capsys, "borderline-regression", str(scores), "--plot", str(tmp_path / "br.svg"))
    assert code == 0, err
    assert "borderline_group" in json.loads(out) and (tmp_path / "br.svg").exists()


@pytest.mark.parametrize(
    "content, key, expected",
    [
        ("", None, "the file is empty"),
        ("candidate_id,q1,q2\nA,1,0\nB,1\n", None, "row 3: has 2 cells but the header has 3"),
        ("candidate_id,q1,q2\nA,1,0\nB,x,1\n", None, "row 3, column 2 ('q1'): 'x' is not a score"),
        ("candidate_id,q1,q2\nA,A,B\nB,B,B\n", "item,key\nq1,A\nq9,B\n", "key.csv, row 3, column 1 ('item'): item 'q9' is not a column"),
        ("candidate_id,q1,q2\nA,A,B\nB,B,B\n", "item,key\nq1,A\n", "column 3 ('q2'): item has no key"),
        ("candidate_id,q1,q2\nA,A,B\nB,B,B\n", "item\nq1\n", "missing column(s) key"),
        ("candidate_id,q1\n", None, "no data rows"),
    ],
)
def test_bad_input_names_file_row_and_column(capsys, tmp_path, content, key, expected):
    responses = tmp_path / "responses.csv"
    responses.write_text(content)
    argv = ["item-analysis", str(responses)]
    if key is not None:
        (tmp_path / "key.csv").write_text(key)
        argv += ["--key", str(tmp_path / "key.csv")]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert expected in err and "Traceback" not in err


def test_bad_scores_file_and_engine_refusal(capsys, tmp_path):
    scores = tmp_path / "scores.csv"
    scores.write_text("candidate,score\nA,10\nB,ten\n")
    code, _, err = run(capsys, "hofstee", str(scores), "--max-score", "40", "--min-cut", "1", "--max-cut", "2",
                       "--min-fail", "0.1", "--max-fail", "0.2")
    assert code == 2 and "scores.csv, row 3, column 2 ('score'): 'ten' is not a score" in err
    resp = tmp_path / "r.csv"
    resp.write_text("id,a,b\n1,1,0\n2,1,1\n3,1,0\n")  # item a: everybody right
    code, _, err = run(capsys, "rasch", str(resp))
    assert code == 2 and "a" in err and "Traceback" not in err
    code, _, err = run(capsys, "item-analysis", str(tmp_path / "missing.csv"))
    assert code == 2 and "no such file" in err


def test_python_dash_m_entry_point(data_dir):
    done = subprocess.run([sys.executable, "-m", "scoring", "item-analysis", str(data_dir / "lsat6_scored.csv")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["n_items"] == 5
    bad = subprocess.run([sys.executable, "-m", "scoring", "item-analysis", "/nonexistent.csv"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_psychometrics_imports_nothing_of_ours():
    """The package is a bottom layer: numpy, scipy, matplotlib and the standard library only."""
    package = ROOT / "scoring" / "psychometrics"
    ours = {"core", "item_bank", "assessment", "proctoring", "scoring", "flask", "sqlalchemy"}
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in ours, f"{path.relative_to(ROOT)} imports {name}"


# ---------------------------------------------------------------- hostile and careless files


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"candidate_id,q1,q2\nA,1,0\nB\x00,1,1\n", "responses.csv, row 3, column 1: the cell contains a NUL character"),
        (b"candidate_id,q1,q2\nA,1,0\nB,1,1\x00\n", "responses.csv, row 3, column 3: the cell contains a NUL character"),
        (b"candidate_id,q1,q2\nA,1,0\nB\xff,1,1\n", "responses.csv, row 3: not valid UTF-8 text (byte 0xff"),
        # a lone surrogate (U+D800) written as UTF-8 bytes: strict UTF-8 refuses it
        (b"candidate_id,q1,q2\nA,1,0\nB\xed\xa0\x80,1,1\n", "responses.csv, row 3: not valid UTF-8 text (byte 0xed"),
        (b"\xef\xbb\xbfcandidate_id,q1\nA,1\nB,\xc3\n", "responses.csv, row 3: not valid UTF-8 text"),
    ],
)
@pytest.mark.parametrize("command", ["item-analysis", "rasch"])
def test_nul_and_invalid_utf8_are_refused_with_one_line(capsys, tmp_path, content, expected, command):
    responses = tmp_path / "responses.csv"
    responses.write_bytes(content)
    code, out, err = run(capsys, command, str(responses))
    assert code == 2 and out == ""
    assert err.strip() == f"error: {expected}" or (err.startswith(f"error: {expected}") and err.count("\n") == 1)


@pytest.mark.parametrize("command, files", [
    ("hofstee", ["--max-score", "40", "--min-cut", "1", "--max-cut", "2", "--min-fail", "0.1", "--max-fail", "0.2"]),
    ("angoff", []),
])
def test_every_reader_refuses_nul(capsys, tmp_path, command, files):
    f = tmp_path / "in.csv"
    if command == "hofstee":
        f.write_bytes(b"candidate,score\nA,10\nB,1\x001\n")
    else:
        f.write_bytes(b"judge,item,rating\nJ\x001,q1,0.5\n")
    code, out, err = run(capsys, command, str(f), *files)
    assert code == 2 and out == "" and "contains a NUL character" in err and err.count("\n") == 1


def test_command_line_arguments_that_are_not_utf8_are_refused(tmp_path, data_dir):
    # On Linux an argument with bytes that are not UTF-8 reaches Python as lone surrogates.
    done = subprocess.run([sys.executable.encode(), b"-m", b"scoring", b"angoff",
                           str(ROOT / "tests/scoring/psychometrics/fixtures/angoff_ratings.csv").encode(),
                           b"--exclude", b"Q01,\xff"], cwd=ROOT, capture_output=True, timeout=120)
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode("utf-8", "backslashreplace").strip() == "error: --exclude: 'Q01,\\udcff' is not valid UTF-8 text"


@pytest.mark.parametrize("command, content, extra", [
    ("item-analysis", "candidate_id,q1,q2\nA,1,0\nB,1,1\nA,0,0\n", []),
    ("rasch", "candidate_id,q1,q2\nA,1,0\nB,1,1\nA,0,0\n", []),
    ("hofstee", "candidate,score\nA,10\nB,12\nA,14\n",
     ["--max-score", "40", "--min-cut", "1", "--max-cut", "20", "--min-fail", "0.1", "--max-fail", "0.5"]),
    ("borderline-regression", "candidate,score,grade\nA,10,1\nB,12,2\nA,14,3\n", []),
])
def test_duplicate_candidate_ids_are_refused(capsys, tmp_path, command, content, extra):
    f = tmp_path / "data.csv"
    f.write_text(content)
    code, out, err = run(capsys, command, str(f), *extra)
    assert code == 2 and out == ""
    assert err == "error: data.csv, row 4, column 1 ('candidate_id'): candidate 'A' appears twice (first on row 2); " \
                  "each candidate must have one row\n".replace("'candidate_id'", "'candidate_id'" if command in ("item-analysis", "rasch") else "'candidate'")


def test_a_single_candidate_gets_a_clear_rasch_message(capsys, tmp_path):
    f = tmp_path / "one.csv"
    f.write_text("candidate_id,a,b,c\nA,1,0,1\n")
    code, out, err = run(capsys, "rasch", str(f))
    assert code == 2 and out == ""
    assert err == "error: Rasch calibration needs responses from at least 2 candidates; got 1\n"


# ---------------------------------------------------------------- maximum marks


TEN_MARK = "candidate_id,essay,q2\n" + "".join(
    f"C{i},{e},{q}\n" for i, (e, q) in enumerate(zip([8, 8, 7, 6, 5, 4, 4, 2, 2, 1], [1, 1, 1, 0, 1, 0, 1, 0, 0, 0])))


@pytest.mark.parametrize("how", ["list", "file"])
def test_maximum_marks_from_the_command_line(capsys, tmp_path, how):
    # A 10-mark item whose best score was 8: facility is 4.7 / 10, not 4.7 / 8.
    responses = tmp_path / "marks.csv"
    responses.write_text(TEN_MARK)
    code, out, err = run(capsys, "item-analysis", str(responses))
    assert code == 0, err
    essay = json.loads(out)["items"][0]
    assert essay["facility"] == pytest.approx(0.5875) and essay["max_score"] == 8
    assert any("--max-marks" in n for n in essay["notes"])
    if how == "list":
        spec = "essay=10"
    else:
        spec = str(tmp_path / "maxima.csv")
        (tmp_path / "maxima.csv").write_text("item,max_score\nessay,10\nq2,1\n")
    code, out, err = run(capsys, "item-analysis", str(responses), "--max-marks", spec)
    assert code == 0, err
    doc = json.loads(out)
    essay, q2 = doc["items"]
    assert essay["facility"] == pytest.approx(0.47) and essay["max_score"] == 10
    assert not any("max score" in n for n in essay["notes"])
    assert q2["facility"] == pytest.approx(0.5) and q2["max_score"] == 1
    assert doc["test"]["max_score"] == 11
    # the upper–lower index is a fraction of the item's maximum too
    from scoring.psychometrics import upper_lower_discrimination

    x = np.array([[int(v) for v in line.split(",")[1:]] for line in TEN_MARK.splitlines()[1:]], dtype=float)
    assert essay["discrimination_ul27"] == pytest.approx(upper_lower_discrimination(x, [10, 1])[0])


@pytest.mark.parametrize("spec, expected", [
    ("essay=7", "marks.csv, row 2, column 2 ('essay'): the score 8 is above the item's maximum mark 7"),
    ("nope=3", "--max-marks nope: item 'nope' is not an item of marks.csv"),
    ("essay=0", "--max-marks essay: '0' is not a maximum mark"),
    ("essay=ten", "--max-marks essay: 'ten' is not a maximum mark"),
    ("essay=10,essay=12", "item 'essay' is given twice"),
    ("essay", "no such file"),
])
def test_bad_maximum_marks_are_refused(capsys, tmp_path, spec, expected):
    responses = tmp_path / "marks.csv"
    responses.write_text(TEN_MARK)
    code, out, err = run(capsys, "item-analysis", str(responses), "--max-marks", spec)
    assert code == 2 and out == "" and expected in err


def test_angoff_weights_multi_mark_items(capsys, tmp_path):
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("judge,item,rating\nJ1,q1,0.5\nJ1,q2,0.7\nJ2,q1,0.6\nJ2,q2,0.9\n")
    code, out, err = run(capsys, "angoff", str(ratings))
    assert code == 0, err
    assert json.loads(out)["cut_score"] == pytest.approx(0.55 + 0.8)
    code, out, err = run(capsys, "angoff", str(ratings), "--max-marks", "q2=4")
    assert code == 0, err
    doc = json.loads(out)
    # cut = Σ max mark × mean rating = 1 × 0.55 + 4 × 0.8
    assert doc["cut_score"] == pytest.approx(0.55 + 3.2) and doc["max_score"] == 5
    assert [j["cut_score"] for j in doc["judges"]] == pytest.approx([0.5 + 2.8, 0.6 + 3.6])
    assert doc["cut_fraction"] == pytest.approx(3.75 / 5)


def test_blank_cells_are_omitted_responses_scored_zero_and_counted(capsys, tmp_path):
    f = tmp_path / "blanks.csv"
    f.write_text("candidate_id,a,b,c\n1,1,,1\n2,,0,1\n3,1,1,0\n4,0,1,\n")
    code, out, err = run(capsys, "item-analysis", str(f))
    assert code == 0, err
    doc = json.loads(out)
    assert [i["facility"] for i in doc["items"]] == pytest.approx([0.5, 0.5, 0.5])
    assert "3 empty cell(s) scored 0 as omitted responses" in doc["test"]["notes"]
    # the Rasch command reads a blank as 0 too: the same result as the file with the zeros written in
    filled = tmp_path / "filled.csv"
    filled.write_text("candidate_id,a,b,c\n1,1,0,1\n2,0,0,1\n3,1,1,0\n4,0,1,0\n")
    assert run(capsys, "rasch", str(f)) == run(capsys, "rasch", str(filled))
