"""Hypothesis on the command line's file readers: any bytes give a result or one clear line and a
non-zero exit status, never a traceback, and a refused file writes nothing.

- the psychometrics commands' CSV files (``python -m scoring …``: responses, keys, ratings, scores…);
- ``cop eligibility check FACTS.json``;
- ``cop framework import FILE.json``;
- ``cop items import-qti PACKAGE`` (a .zip, a folder's worth of XML in a zip, or one .xml).

The files are arbitrary bytes, or well-formed CSV / JSON / XML / zip whose contents are arbitrary, so
that both the decoders and the code behind them are reached. Bounded and derandomised (docs/fuzzing.md).
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import warnings
import zipfile

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st
from sqlalchemy import text

from assessment.models import metadata
from core.roles import Role

EXAMPLES = int(os.environ.get("COP_FUZZ_EXAMPLES", "15"))
FUZZ = settings(max_examples=EXAMPLES * 2, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

CELLS = st.one_of(st.sampled_from(["", "0", "1", "2", "A", "B", "C", "0.5", "-1", "nan", "inf", "-inf", "1e309",
                                   "9" * 400, " 1 ", "NaN", "-0", "x", "i1", "i2", "g1", "g2", "high", "easy",
                                   "essential", "medium", "fail", "pass", "borderline"]),
                  st.text(max_size=6))


def encoded(strategy):
    """Text as the bytes of a file: UTF-8, with a BOM, UTF-16, Latin-1 or with a NUL in it."""
    return st.tuples(strategy, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "nul"])).map(
        lambda pair: (pair[0] + "\x00").encode("utf-8", "surrogatepass") if pair[1] == "nul"
        else pair[0].encode(pair[1], "surrogatepass" if pair[1].startswith("utf") else "replace"))


def csv_text(columns: tuple[str, ...]):
    header = st.one_of(st.just(list(columns)), st.permutations(list(columns)),
                       st.lists(st.sampled_from([*columns, "", "x", "i1"]), max_size=6))

    def write(pair):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(pair[0])
        writer.writerows(pair[1])
        return out.getvalue()

    return st.tuples(header, st.lists(st.lists(CELLS, max_size=7), max_size=8)).map(write)


def csv_file(columns: tuple[str, ...]):
    return st.one_of(encoded(csv_text(columns)), st.binary(max_size=200))


RESPONSES = ("candidate", "i1", "i2", "i3")
FILES = {
    "responses": RESPONSES, "key": ("item", "key"), "max_marks": ("item", "max_score"),
    "ratings": ("judge", "item", "rating", "round"), "items": ("item", "relevance", "difficulty", "max_score"),
    "rates": ("relevance", "difficulty", "rate"), "scores": ("candidate", "score", "grade"),
    "judges": ("judge", "cut", "pass_rate"), "anchors": ("item", "difficulty"), "groups": ("candidate", "group"),
    "testlets": ("item", "testlet"),
}
# Each psychometrics command with the files it reads ({name} is a generated file) and its other options.
COMMANDS = [
    ["item-analysis", "{responses}"],
    ["item-analysis", "{responses}", "--key", "{key}", "--max-marks", "{max_marks}"],
    ["angoff", "{ratings}"],
    ["ebel", "{items}", "--rates", "{rates}"],
    ["hofstee", "{scores}", "--max-score", "10", "--min-cut", "2", "--max-cut", "8", "--min-fail", "0.1",
     "--max-fail", "0.5"],
    ["beuk", "{scores}", "--judges", "{judges}", "--max-score", "10"],
    ["borderline-regression", "{scores}"],
    ["rasch", "{responses}", "--anchors", "{anchors}"],
    ["dif", "{responses}", "--groups", "{groups}", "--reference", "g1", "--focal", "g2"],
    ["decision", "{responses}", "--cut", "1"],
    ["testlets", "{responses}", "--testlets", "{testlets}"],
    ["pcm", "{responses}"],
    ["q3", "{responses}", "--testlets", "{testlets}"],
]


def run_psychometrics(argv: list[str]) -> tuple[int, str, str]:
    from scoring.psychometrics.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse's own refusals
            status = exit_.code
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(a.strip("{}-") for a in c[:4:2]))
def test_any_csv_gives_a_result_or_one_line_and_status_2(tmp_path, command):
    names = [a.strip("{}") for a in command if a.startswith("{")]

    @FUZZ
    @given(files=st.fixed_dictionaries({name: csv_file(FILES[name]) for name in names}))
    @example(files={name: b"" for name in names})
    @example(files={name: b"\xff\xfe\x00\x00garbage" for name in names})
    def run(files):
        for name, data in files.items():
            (tmp_path / f"{name}.csv").write_bytes(data)
        argv = [a.format(**{n: str(tmp_path / f"{n}.csv") for n in names}) if a.startswith("{") else a
                for a in command]
        status, out, err = run_psychometrics(argv)
        assert status in (0, 2), (status, err)
        if status == 0:
            json.loads(out)  # a result, as JSON
        else:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err

    run()


# --- the app's own commands (click), against the database ------------------------------------------


def row_counts(db) -> dict[str, int]:
    tables = [table.name for table in metadata.sorted_tables]
    query = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{name}")' for name in tables)
    return dict(zip(tables, db.execute(text(query)).one()))


def assert_one_line_refusal(result, statuses=(1, 2)):
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in statuses, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, result.output


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | st.floats(allow_nan=False)
    | st.text(max_size=12) | st.sampled_from(["2026-01-01", "1999-12-31", "yes", "degree", "UK", "case_manager"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20)


def facts_objects():
    """Objects with the facts' own keys (and an experience list with its own keys), arbitrary values."""
    from assessment.eligibility.facts import EXPERIENCE_KEYS, FACTS_KEYS

    values = JSON_VALUES | st.sampled_from(["cm", "cm_training", "UK", "France", 0.5, 1, 4, -1, 1e308, True])
    experience = st.dictionaries(st.sampled_from(EXPERIENCE_KEYS), values, max_size=len(EXPERIENCE_KEYS))
    facts = st.dictionaries(st.sampled_from(FACTS_KEYS), values, max_size=len(FACTS_KEYS))
    return st.tuples(facts, st.lists(experience, max_size=3) | values).map(
        lambda pair: {**pair[0], "experience": pair[1]})


def json_file(structured):
    return st.one_of(
        structured.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")),
        st.binary(max_size=120),
        st.sampled_from([b"NaN", b"[Infinity]", b"{\"a\": -Infinity}", b"[" * 5_000, b"9" * 5_000, b"\xef\xbb\xbf{}", b"1e999999",
                         b"\"\\ud800\"", b"{\"a\": 1, \"a\": 2}"]),
    )


def test_any_facts_file_gives_a_decision_or_one_line_and_status_2(runner, db, tmp_path):
    path = tmp_path / "facts.json"

    @FUZZ
    @given(data=json_file(facts_objects() | st.lists(facts_objects(), max_size=3) | JSON_VALUES))
    @example(data=b"[" * 5_000)
    @example(data=b"\x80")
    def run(data):
        path.write_bytes(data)
        before = row_counts(db)
        result = runner.invoke(args=["eligibility", "check", str(path)])
        if result.exit_code == 0:
            json.loads(result.output)
        else:
            assert_one_line_refusal(result, statuses=(2,))
        assert row_counts(db) == before  # checking facts never writes

    run()


def framework_documents():
    from item_bank.framework.rules import BUNDLED_FRAMEWORK

    bundled = json.loads(BUNDLED_FRAMEWORK.read_text(encoding="utf-8"))

    def mutate(pair):
        document, (path, value) = json.loads(json.dumps(bundled)), pair
        target = document
        for key in path[:-1]:  # walk down as far as the keys fit the document
            if isinstance(target, list) and target and isinstance(key, int):
                target = target[key % len(target)]
            elif isinstance(target, dict) and isinstance(key, str) and key in target:
                target = target[key]
        if isinstance(target, dict) and isinstance(path[-1], str):
            target[path[-1]] = value
        elif isinstance(target, list) and target and isinstance(path[-1], int):
            target[path[-1] % len(target)] = value
        return document

    keys = st.lists(st.one_of(st.sampled_from(sorted(_all_keys(bundled))), st.integers(0, 50)), min_size=1,
                    max_size=5)
    return st.tuples(keys, JSON_VALUES).map(mutate) | JSON_VALUES


def _all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _all_keys(v)}
    return set()


def test_any_framework_file_is_imported_or_refused_in_one_line_writing_nothing(runner, db, tmp_path):
    path = tmp_path / "framework.json"

    @FUZZ
    @given(data=json_file(framework_documents()))
    @example(data=b"[" * 5_000)
    @example(data=b"\x80")
    def run(data):
        path.write_bytes(data)
        before = row_counts(db)
        result = runner.invoke(args=["framework", "import", str(path)])
        if result.exit_code != 0:
            assert_one_line_refusal(result)
            assert row_counts(db) == before

    run()


QTI_ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p2" identifier="{ident}" title="{title}"
    adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>{key}</value></correctResponse>
  </responseDeclaration>
  <itemBody><choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">
    <prompt>{prompt}</prompt>
    <simpleChoice identifier="A">{a}</simpleChoice><simpleChoice identifier="B">B</simpleChoice>
  </choiceInteraction></itemBody>
</assessmentItem>
"""
MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M">
  <resources><resource identifier="R" type="imsqti_item_xmlv2p2" href="{href}"><file href="{href}"/></resource>
  </resources></manifest>
"""


def qti_items():
    xml_text = st.text(alphabet=st.characters(exclude_characters="<&\""), max_size=12)
    return st.builds(lambda ident, title, key, prompt, a: QTI_ITEM.format(ident=ident, title=title, key=key,
                                                                         prompt=prompt, a=a),
                     st.sampled_from(["i1", "", "1bad", "x" * 300]), xml_text, st.sampled_from(["A", "B", "Z", ""]),
                     xml_text, xml_text)


def qti_files():
    def zipped(pair):
        item, manifest_href, extra = pair
        out = io.BytesIO()
        with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as archive:
            warnings.simplefilter("ignore", UserWarning)  # a duplicate name in the archive is part of the fuzz
            archive.writestr("imsmanifest.xml", MANIFEST.format(href=manifest_href))
            archive.writestr("item.xml", item)
            for name, data in extra:
                archive.writestr(name, data)
        return out.getvalue()

    names = st.sampled_from(["../evil.xml", "/abs.xml", "a/b.xml", "imsmanifest.xml", "x.png", "big.xml"])
    return st.one_of(
        st.tuples(st.just(".xml"), qti_items().map(str.encode)),
        st.tuples(st.just(".xml"), st.binary(max_size=200)),
        st.tuples(st.just(".zip"), st.tuples(qti_items(), st.sampled_from(["item.xml", "missing.xml", "../x.xml"]),
                                             st.lists(st.tuples(names, st.binary(max_size=50)), max_size=2)).map(zipped)),
        st.tuples(st.just(".zip"), st.binary(max_size=200)),
    )


def test_any_qti_file_is_imported_or_refused_without_a_traceback(runner, db, make_user, tmp_path):
    writer = make_user(Role.ITEM_WRITER)
    db.commit()

    @FUZZ
    @given(file=qti_files())
    def run(file):
        suffix, data = file
        path = tmp_path / f"package{suffix}"
        path.write_bytes(data)
        before = row_counts(db)
        result = runner.invoke(args=["items", "import-qti", str(path), "--as", writer.email])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        if result.exit_code != 0:
            assert result.exit_code == 1, result.output
            # Nothing imported: no case study, version or item was written (the import's own record may be).
            after = row_counts(db)
            assert {t: after[t] for t in ("case_studies", "case_study_versions", "items", "item_versions")} == \
                {t: before[t] for t in ("case_studies", "case_study_versions", "items", "item_versions")}

    run()
