"""``cop items stats | export-qti | import-qti``."""
from __future__ import annotations

import io
import json
import zipfile

import pytest

from core.roles import Role
from item_bank.models import CaseStudy
from tests.item_bank.conftest import sba_content
from tests.item_bank.exchange.helpers import full_case_study, paper


def test_stats_as_json_has_the_documented_shape(runner, db, make_user):
    exam_paper = paper(db, make_user)
    result = runner.invoke(args=["items", "stats", "--json"])
    assert result.exit_code == 0, result.output
    numbers = json.loads(result.stdout)
    assert set(numbers) == {"case_studies", "items", "by_status", "by_type", "by_theme", "papers"}
    assert numbers["case_studies"] >= 2 and numbers["items"] >= 8
    assert set(numbers["by_theme"]) == {"A", "B", "C", "D"}
    assert {"id": exam_paper.id, "title": exam_paper.title, "published": True} in numbers["papers"]


def test_stats_as_text(runner, db, make_user):
    paper(db, make_user)
    result = runner.invoke(args=["items", "stats"])
    assert result.exit_code == 0, result.output
    assert "Case studies:" in result.output and "multiple response" in result.output
    assert "Certificate of Proficiency — paper A" in result.output


@pytest.mark.parametrize("version", ["2.2", "3.0"])
def test_export_a_case_study_and_a_paper(runner, db, make_user, tmp_path, version):
    case = full_case_study(db, make_user(Role.ITEM_WRITER))
    target = tmp_path / "case.zip"
    result = runner.invoke(args=["items", "export-qti", "--case-study", str(case.case_study_id), "--qti", version,
                                 "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert f"QTI {version}" in result.output
    assert "imsmanifest.xml" in zipfile.ZipFile(target).namelist()

    exam_paper = paper(db, make_user)
    result = runner.invoke(args=["items", "export-qti", "--paper", str(exam_paper.id), "--qti", version,
                                 "-o", str(tmp_path / "paper.zip")])
    assert result.exit_code == 0, result.output
    assert "assessment.xml" in zipfile.ZipFile(tmp_path / "paper.zip").namelist()


@pytest.mark.parametrize("args, message", [
    (["--qti", "2.2", "-o", "x.zip"], "exactly one of"),
    (["--case-study", "1", "--paper", "1", "--qti", "2.2", "-o", "x.zip"], "exactly one of"),
    (["--case-study", "999999", "--qti", "2.2", "-o", "x.zip"], "no such case study"),
    (["--paper", "999999", "--qti", "3.0", "-o", "x.zip"], "no such exam paper"),
    (["--case-study", "1", "--qti", "2.1", "-o", "x.zip"], "'2.1' is not one of"),
])
def test_export_refuses_bad_input_in_one_line(runner, tmp_path, args, message):
    result = runner.invoke(args=["items", "export-qti", *args])
    assert result.exit_code != 0
    assert message in result.output.lower() or message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_export_of_an_unpublished_paper_is_refused(runner, db, make_user, tmp_path):
    draft = paper(db, make_user, published=False)
    result = runner.invoke(args=["items", "export-qti", "--paper", str(draft.id), "--qti", "2.2",
                                 "-o", str(tmp_path / "p.zip")])
    assert result.exit_code == 1
    assert "Error: Only a published paper can be exported" in result.output
    assert not (tmp_path / "p.zip").exists()


def _package(tmp_path, db, make_user, version="3.0"):
    case = full_case_study(db, make_user(Role.ITEM_WRITER))
    target = tmp_path / "bank.zip"
    from item_bank.exchange import services
    from core.roles import SYSTEM
    from tests.item_bank.exchange.helpers import NOW

    target.write_bytes(services.export_case_study(db, actor=SYSTEM, case_study_id=case.case_study_id,
                                                  qti_version=version, now=NOW).data)
    return target


def test_import_as_an_item_writer_prints_the_report_and_progress(runner, db, make_user, tmp_path):
    package = _package(tmp_path, db, make_user)
    importer = make_user(Role.ITEM_WRITER, email="writer.import@example.org")
    result = runner.invoke(args=["items", "import-qti", str(package), "--as", "Writer.Import@example.org"])
    assert result.exit_code == 0, result.output
    assert "5 imported, 0 not imported" in result.stdout
    assert "[5/5]" in result.stderr and "[5/5]" not in result.stdout
    assert db.query(CaseStudy).filter_by(author_id=importer.id).count() == 1


def test_import_as_json(runner, db, make_user, tmp_path):
    package = _package(tmp_path, db, make_user, "2.2")
    writer = make_user(Role.ITEM_WRITER)
    result = runner.invoke(args=["items", "import-qti", str(package), "--as", writer.email, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["imported"], report["skipped"], report["qti_version"]) == (5, 0, "2.2")
    assert report["case_studies"][0]["items"] == 5
    assert all(row["imported"] and row["item_id"] for row in report["items"])


def test_import_reports_a_package_and_exits_zero_when_something_was_imported(runner, make_user, qti_reference):
    writer = make_user(Role.ITEM_WRITER)
    result = runner.invoke(args=["items", "import-qti", str(qti_reference / "examples" / "qti3" / "package-BBQsTest"),
                                 "--as", writer.email, "--json"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["imported"] >= 1 and report["imported"] + report["skipped"] == 22
    assert {row["source"] for row in report["items"]} >= {"id-be3cd3bdd3d4/order-mountains.xml"}


def test_import_exits_non_zero_when_nothing_could_be_imported(runner, make_user, qti_reference):
    writer = make_user(Role.ITEM_WRITER)
    result = runner.invoke(args=["items", "import-qti", str(qti_reference / "examples" / "qti2p2" / "associate.xml"),
                                 "--as", writer.email, "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["imported"] == 0 and "associate" in report["items"][0]["reasons"][0]


@pytest.mark.parametrize("case", ["missing file", "unknown person", "not a writer"])
def test_import_refuses_bad_input_in_one_line(runner, make_user, tmp_path, case):
    package = tmp_path / "item.xml"
    package.write_text("<x/>")
    email = make_user(Role.ITEM_WRITER).email
    if case == "missing file":
        package = tmp_path / "nowhere.zip"
    elif case == "unknown person":
        email = "nobody@example.org"
    else:
        email = make_user(Role.EXAMINER).email
    result = runner.invoke(args=["items", "import-qti", str(package), "--as", email])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output


def test_a_single_item_file_imports(runner, db, make_user, tmp_path):
    from item_bank import qti

    data = qti.export_case_study({"title": "One", "scenario": "<p>A scenario.</p>", "items": [sba_content()]}, "2.2")
    item = zipfile.ZipFile(io.BytesIO(data)).read("cs-1-item-1.xml")
    (tmp_path / "one.xml").write_bytes(item)
    writer = make_user(Role.ITEM_WRITER)
    result = runner.invoke(args=["items", "import-qti", str(tmp_path / "one.xml"), "--as", writer.email])
    # A single item carries no manifest, hence no sub-standard: imported as a draft with a note.
    assert result.exit_code == 0, result.output
    assert "sub-standard" in result.stdout
