"""``cop scoring …`` and the export formats."""
import csv
import io
import json

import pytest
from openpyxl import load_workbook

from scoring.runs import exports, rules
from scoring.runs.models import ScoringRun
from tests.scoring.runs.conftest import AFTER


@pytest.fixture
def scored(db, sat_sitting, clock):
    sitting, people = sat_sitting(12)
    clock.set(AFTER)
    return sitting, people


def test_run_runs_compare_export(runner, db, scored, tmp_path):
    sitting, _people = scored
    result = runner.invoke(args=["scoring", "run", "--sitting", str(sitting.id)])
    assert result.exit_code == 0, result.output
    first = int(result.output.strip())
    run = db.get(ScoringRun, first)
    label = run.items[1].label
    result = runner.invoke(args=["scoring", "run", "--sitting", str(sitting.id), "--exclude", label,
                                 "--rekey", f"{run.items[2].label}=C", "--reason", "Board decision 12"])
    assert result.exit_code == 0, result.output
    second = int(result.output.strip())
    decisions = {k: v for k, v in db.get(ScoringRun, second).settings.items() if k != "statistics"}
    assert decisions == {"exclude": [label], "rekey": {run.items[2].label: "C"}, "second_keys": {}}

    listed = json.loads(runner.invoke(args=["scoring", "runs", "--json"]).output)
    assert [(r["id"], r["sitting"], r["status"]) for r in listed] == [(first, sitting.id, "final"),
                                                                      (second, sitting.id, "final")]
    result = runner.invoke(args=["scoring", "compare", str(first), str(second), "--cut", "3"])
    assert result.exit_code == 0 and "Candidates whose total changes" in result.output
    assert f"{label}: is_excluded False → True" in result.output

    for what, fmt in [("responses", "csv"), ("scores", "csv"), ("items", "json"), ("responses", "xlsx"),
                      ("scores", "json")]:
        out = tmp_path / f"{what}.{fmt}"
        result = runner.invoke(args=["scoring", "export", "--run", str(second), "--what", what, "--format", fmt,
                                     "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    rows = list(csv.reader(io.StringIO((tmp_path / "responses.csv").read_bytes().decode(), newline="")))
    assert rows[0][0] == "candidate" and label not in rows[0] and len(rows) == 13 and len(rows[0]) == 6
    document = json.loads((tmp_path / "items.json").read_text())
    assert set(document) == {"run", "n_candidates", "alpha", "sem", "items", "testlets", "dependence"}
    assert set(document["items"][0]) == {"item", "max_mark", "facility", "pbis", "pbis_corrected",
                                         "alpha_if_deleted", "flags"}
    sheet = load_workbook(tmp_path / "responses.xlsx").active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == rows[0]


def test_bad_input_is_one_line_a_non_zero_exit_and_nothing_written(runner, db, scored, tmp_path):
    sitting, _people = scored
    out = tmp_path / "x.csv"
    cases = [
        (["scoring", "run", "--sitting", "999999"], "There is no such sitting."),
        (["scoring", "run", "--sitting", str(sitting.id), "--exclude", "I999999", "--reason", "r"],
         "I999999 is not an item of this sitting's paper"),
        (["scoring", "run", "--sitting", str(sitting.id), "--rekey", "nonsense"], "write a corrected key as ITEM=KEY"),
        (["scoring", "run", "--sitting", str(sitting.id), "--exclude", "I1"], "Give the reason"),
        (["scoring", "export", "--run", "999999", "--what", "items", "--format", "json", "-o", str(out)],
         "There is no such scoring run."),
        (["scoring", "export", "--run", "1", "--what", "marks", "--format", "json", "-o", str(out)],
         "Invalid value for '--what'"),
        (["scoring", "export", "--run", "1", "--what", "items", "--format", "json", "-o",
          str(tmp_path / "no" / "such.json")], "There is no folder"),
        (["scoring", "compare", "999998", "999999"], "There is no such scoring run."),
    ]
    for args, expected in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert expected in result.output, (args, result.output)
        assert "Traceback" not in result.output
        assert sum(line.startswith("Error:") for line in result.output.splitlines()) == 1
    assert not out.exists()
    assert db.query(ScoringRun).count() == 0


HOSTILE = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "plain"]


def test_formula_cells_are_neutralised_in_csv_and_xlsx():
    rows = [[value, 1.5, -0.25] for value in HOSTILE]
    text = exports.tabular_bytes("t", ["candidate", "a", "b"], rows, "csv").decode()
    parsed = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert [r[0] for r in parsed] == ["'" + v for v in HOSTILE[:-1]] + ["plain"]
    assert [r[2] for r in parsed] == ["-0.25"] * len(HOSTILE)  # numbers stay numbers
    book = load_workbook(io.BytesIO(exports.tabular_bytes("t", ["candidate", "a", "b"], rows, "xlsx")))
    cells = [row[0] for row in book.active.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells)
    assert [c.value for c in cells][:4] == ["'" + v for v in HOSTILE[:4]]


def test_rules_parse_keys():
    sba = {"type": "sba", "options": [{"id": o} for o in "ABCD"], "key": "B"}
    assert rules.parse_key(sba, "c") == "C"
    with pytest.raises(ValueError, match="not one of the item's options"):
        rules.parse_key(sba, "E")
    emq = {"type": "extended_matching", "options": [{"id": o} for o in "ABC"], "stems": [{"id": "1"}, {"id": "2"}]}
    assert rules.parse_key(emq, "1:A,2:C") == {"1": "A", "2": "C"}
    with pytest.raises(ValueError, match="every stem"):
        rules.parse_key(emq, "1:A")
    with pytest.raises(ValueError, match="cannot be corrected"):
        rules.parse_key({"type": "constructed_response"}, "A")
    assert rules.parse_rekey(" I12 = C ") == ("I12", "C")
