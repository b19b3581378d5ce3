"""QTI export from the database and import into draft case studies."""
from __future__ import annotations

import copy
import io
import zipfile

import pytest
from sqlalchemy import func, select

from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import SYSTEM, Role
from item_bank.exchange import services
from item_bank.framework.models import Substandard
from item_bank.models import CaseStudy, CaseStudyVersion, Item, ItemMapping, ItemVersion
from item_bank.qti.manifest import parse_manifest
from item_bank.workflow import Status
from tests.item_bank.conftest import ALL_ITEMS, CASE_STUDY, sba_content
from tests.item_bank.exchange.helpers import NOW, full_case_study, paper

VERSIONS = ["2.2", "3.0"]


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _counts(db) -> tuple[int, ...]:
    return tuple(db.scalar(select(func.count()).select_from(model))
                 for model in (CaseStudy, CaseStudyVersion, Item, ItemVersion, ItemMapping))


def _mapping(db, item_version) -> dict:
    codes = dict(db.execute(select(Substandard.id, Substandard.code)).all())
    primary = [codes[m.substandard_id] for m in item_version.mappings if m.is_primary]
    others = sorted(codes[m.substandard_id] for m in item_version.mappings if not m.is_primary)
    return {"primary": primary[0], "others": others}


# --- export ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_a_case_study_from_the_database_exports_and_every_file_validates(db, writer, xsd, version):
    case = full_case_study(db, writer)
    export = services.export_case_study(db, actor=SYSTEM, case_study_id=case.case_study_id, qti_version=version,
                                        now=NOW)
    files = _members(export.data)
    assert len([n for n in files if "-item-" in n]) == 5
    for name, data in files.items():
        assert xsd.errors(data) == [], name
    assert export.filename.startswith(f"case-study-{case.case_study_id}-v1-") and export.filename.endswith(".zip")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_package_metadata_carries_the_mapping_from_the_mapping_rows(db, writer, version):
    case = full_case_study(db, writer)
    manifest = parse_manifest(_members(services.export_case_study(
        db, actor=SYSTEM, case_study_id=case.case_study_id, qti_version=version, now=NOW).data)["imsmanifest.xml"])
    items = [r for r in manifest.resources if r.type.startswith("imsqti_item")]
    assert [r.substandards for r in items] == [
        {"primary": c["substandards"]["primary"], "others": c["substandards"]["others"]} for c in ALL_ITEMS.values()]
    assert {r.keywords.get("framework-version") for r in items} == {"2022"}


@pytest.mark.parametrize("version", VERSIONS)
def test_a_published_paper_exports_in_order_and_validates(db, make_user, xsd, version):
    exam_paper = paper(db, make_user)
    files = _members(services.export_paper(db, actor=SYSTEM, paper_id=exam_paper.id, qti_version=version,
                                           now=NOW).data)
    assert "assessment.xml" in files
    assert sorted(n for n in files if "-item-" in n) == sorted(
        [f"cs-1-item-{i}.xml" for i in range(1, 6)] + [f"cs-2-item-{i}.xml" for i in range(1, 4)])
    for name, data in files.items():
        assert xsd.errors(data) == [], name


def test_only_a_published_paper_exports(db, make_user):
    draft = paper(db, make_user, published=False)
    with pytest.raises(Conflict, match="published"):
        services.export_paper(db, actor=SYSTEM, paper_id=draft.id, qti_version="2.2", now=NOW)
    with pytest.raises(NotFound):
        services.export_paper(db, actor=SYSTEM, paper_id=draft.id + 999, qti_version="2.2", now=NOW)


def test_export_needs_the_examiner_role_a_known_version_and_valid_items(db, writer, make_user):
    case = full_case_study(db, writer)
    with pytest.raises(Forbidden):
        services.export_case_study(db, actor=writer.actor, case_study_id=case.case_study_id, qti_version="2.2",
                                   now=NOW)
    examiner = make_user(Role.EXAMINER)
    with pytest.raises(ValidationFailed) as error:
        services.export_case_study(db, actor=examiner.actor, case_study_id=case.case_study_id, qti_version="2.1",
                                   now=NOW)
    assert error.value.problems[0].field == "qti"
    with pytest.raises(NotFound):
        services.export_case_study(db, actor=examiner.actor, case_study_id=case.case_study_id, qti_version="2.2",
                                   number=7, now=NOW)
    empty = services.authoring.create_case_study(db, actor=writer.actor, title="Empty", scenario_html="<p>x</p>",
                                                 now=NOW)
    with pytest.raises(Conflict, match="no items"):
        services.export_case_study(db, actor=examiner.actor, case_study_id=empty.case_study_id, qti_version="3.0",
                                   now=NOW)


def test_an_export_is_audited(db, writer, examiner):
    case = full_case_study(db, writer)
    services.export_case_study(db, actor=examiner.actor, case_study_id=case.case_study_id, qti_version="3.0", now=NOW)
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id) == ("case_study.qti_exported", examiner.id)


# --- round trip -----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_export_then_import_through_the_database_preserves_everything(db, writer, make_user, version):
    original = full_case_study(db, writer)
    data = services.export_case_study(db, actor=SYSTEM, case_study_id=original.case_study_id, qti_version=version,
                                      now=NOW).data
    importer = make_user(Role.ITEM_WRITER)
    outcome = services.import_qti(db, actor=importer.actor, data=data, now=NOW)

    assert outcome.qti_version == version
    assert (len(outcome.imported), len(outcome.skipped)) == (5, 0)
    assert len(outcome.case_studies) == 1
    copy_ = db.get(CaseStudy, outcome.case_studies[0]["id"]).latest
    assert copy_.case_study_id != original.case_study_id
    assert (copy_.status, copy_.case_study.author_id) == (Status.DRAFT, importer.id)
    assert copy_.title == original.title and copy_.scenario_html == original.scenario_html
    assert len(copy_.item_versions) == 5
    for before, after in zip(original.item_versions, copy_.item_versions):
        assert after.content == before.content  # stems, options, keys, scoring, rubric, rationale, mapping…
        assert (after.item_type, after.max_mark, after.position) == (before.item_type, before.max_mark, before.position)
        assert _mapping(db, after) == _mapping(db, before)
    assert [r.item_id for r in outcome.imported] == [iv.item_id for iv in copy_.item_versions]


def test_a_paper_round_trip_gives_one_draft_per_case_study(db, make_user):
    exam_paper = paper(db, make_user)
    data = services.export_paper(db, actor=SYSTEM, paper_id=exam_paper.id, qti_version="3.0", now=NOW).data
    outcome = services.import_qti(db, actor=make_user(Role.ITEM_WRITER).actor, data=data, now=NOW)
    assert [c["items"] for c in outcome.case_studies] == [5, 3]
    assert [c["title"] for c in outcome.case_studies] == [e.case_study_version.title for e in exam_paper.entries]


# --- import: only whole, valid items are stored ---------------------------------------------------


# The official examples the reader can represent (item_bank/qti): they import as drafts.
SUPPORTED_OFFICIAL = {"order.xml", "essay.xml", "BG007.xml", "BG009.xml", "QTI3-order.xml",
                      "QTI3multiplechoice2.xml"}


def test_the_official_examples_import_as_drafts_or_are_reported_whole(db, writer, qti_reference):
    """Every official example either imports whole into a draft (with notes of what review will
    need) or is reported with its reasons; an item is never half-imported."""
    from item_bank.models import ItemVersion

    examples = qti_reference / "examples"
    sources = [examples / "qti2p2", examples / "qti3" / "package-BBQsTest",
               *sorted((examples / "qti3" / "items").glob("*.xml")),
               *sorted(p for p in (examples / "qti2p2").glob("*.xml") if p.name != "imsmanifest.xml")]
    imported_names = set()
    for source in sources:
        before = _counts(db)
        outcome = services.import_qti(db, actor=writer.actor, data=source, now=NOW)
        assert outcome.rows or outcome.problems, source
        for row in outcome.skipped:
            assert row.reasons, (source, row.source)
        after = _counts(db)
        assert after[3] - before[3] == len(outcome.imported)  # one stored item version per imported row
        for row in outcome.imported:
            imported_names.add(source.name)
            stored = db.scalar(select(ItemVersion).where(ItemVersion.item_id == row.item_id))
            assert stored.case_study_version.status == Status.DRAFT
            assert stored.content["stem"] and stored.content["type"] == row.item_type
            if not stored.content.get("rationale"):
                assert any("rationale" in note for note in row.notes)  # what review will need is said
    assert SUPPORTED_OFFICIAL <= imported_names

    order = services.import_qti(db, actor=writer.actor, data=examples / "qti3" / "items" / "QTI3-order.xml", now=NOW)
    assert order.rows[0].imported
    assert any(n.startswith("Before review") and "sub-standard" in n for n in order.rows[0].notes)
    version = db.get(CaseStudy, order.case_studies[0]["id"]).latest
    from item_bank.review.services import submission_problems
    assert submission_problems(version)  # cannot go to review until completed
    associate = services.import_qti(db, actor=writer.actor, data=examples / "qti2p2" / "associate.xml", now=NOW)
    assert not associate.rows[0].imported and "associate" in associate.rows[0].reasons[0]


def test_an_official_example_completed_with_a_rationale_and_a_mapping_imports_as_a_draft(db, writer, qti_reference):
    """The official QTI 2.2 order item, given what the bank needs (a rationale in a scorer rubric
    block, a scenario block and a sub-standard in the manifest), imports whole."""
    item = (qti_reference / "examples" / "qti2p2" / "order.xml").read_text(encoding="utf-8")
    body_start = item.index(">", item.index("<itemBody")) + 1
    item = (item[:body_start] + '<div class="cop-scenario"><p>Jo was hurt in a collision.</p></div>'
            + item[body_start:])
    body_end = item.index("</itemBody>")
    item = (item[:body_end] + '<rubricBlock view="scorer" class="cop-rationale"><p>Chronological order.</p>'
            "</rubricBlock>" + item[body_end:])
    manifest = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:imsmd="http://ltsc.ieee.org/xsd/LOM"
  identifier="m1"><metadata><schema>QTIv2.2 Package</schema><schemaversion>1.0.0</schemaversion></metadata>
  <organizations/><resources><resource identifier="order" type="imsqti_item_xmlv2p2" href="order.xml">
  <metadata><imsmd:lom><imsmd:classification><imsmd:purpose><imsmd:source>LOMv1.0</imsmd:source>
  <imsmd:value>competency</imsmd:value></imsmd:purpose><imsmd:taxonPath><imsmd:source><imsmd:string
  language="en">Standards of Proficiency</imsmd:string></imsmd:source><imsmd:taxon><imsmd:id>2.4</imsmd:id>
  <imsmd:entry><imsmd:string language="en">primary</imsmd:string></imsmd:entry></imsmd:taxon></imsmd:taxonPath>
  </imsmd:classification></imsmd:lom></metadata><file href="order.xml"/></resource></resources></manifest>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", manifest)
        archive.writestr("order.xml", item)
    outcome = services.import_qti(db, actor=writer.actor, data=buffer.getvalue(), now=NOW)
    assert [r.reasons for r in outcome.rows] == [[]]
    stored = db.get(CaseStudy, outcome.case_studies[0]["id"]).latest
    assert stored.status == Status.DRAFT and stored.case_study.author_id == writer.id
    content = stored.item_versions[0].content
    assert content["type"] == "ordering" and content["substandards"] == {"primary": "2.4", "others": []}
    assert content["rationale"] == "Chronological order."
    assert len(content["options"]) == len(content["key"]) >= 3


def _package_of(db, writer, items, version="2.2"):
    """Our own export of a (valid) case study, with its item contents swapped for ``items`` in the
    manifest and XML — built by exporting a case study made of these items directly."""
    from item_bank import qti

    return qti.export_case_study({"title": "Imported", "scenario": "<p>A scenario.</p>", "items": items,
                                  "framework_version": "2022"}, version)


def test_items_that_break_a_rule_here_are_reported_and_the_rest_imported(db, writer):
    good = sba_content(primary="6.3")
    unknown_code = sba_content(primary="22.9")  # a valid-looking code that is not in the Standards
    data = _package_of(db, writer, [good, unknown_code, copy.deepcopy(ALL_ITEMS["ordering"])])
    before = _counts(db)
    outcome = services.import_qti(db, actor=writer.actor, data=data, now=NOW)
    assert [r.imported for r in outcome.rows] == [True, False, True]
    assert outcome.rows[1].reasons == ["needs a sub-standard: There is no sub-standard 22.9 in the Standards this "
                                       "case study was written against"]
    after = _counts(db)
    assert after[0] - before[0] == 1 and after[3] - before[3] == 2  # one case study, two item versions
    version = db.get(CaseStudy, outcome.case_studies[0]["id"]).latest
    assert [iv.position for iv in version.item_versions] == [1, 2]


def test_a_case_study_with_more_than_eight_items_keeps_the_first_eight(db, writer):
    data = _package_of(db, writer, [sba_content(stem=f"Question {i}") for i in range(9)])
    outcome = services.import_qti(db, actor=writer.actor, data=data, now=NOW)
    assert [r.imported for r in outcome.rows] == [True] * 8 + [False]
    assert outcome.rows[-1].reasons == ["A case study has at most 8 items."]


def test_a_case_study_without_a_scenario_gets_a_marked_placeholder(db, writer):
    from item_bank import qti

    data = qti.export_case_study({"title": "No scenario", "scenario": "", "items": [sba_content()]}, "3.0")
    outcome = services.import_qti(db, actor=writer.actor, data=data, now=NOW)
    assert [r.imported for r in outcome.rows] == [True]
    assert any("no scenario" in note for note in outcome.rows[0].notes)
    version = db.get(CaseStudy, outcome.case_studies[0]["id"]).latest
    assert "imported without a scenario" in version.scenario_html


def test_import_needs_an_item_writer_and_a_readable_file(db, make_user, framework):
    with pytest.raises(Forbidden):
        services.import_qti(db, actor=make_user(Role.EXAMINER).actor, data=b"<x/>", now=NOW)
    writer = make_user(Role.ITEM_WRITER)
    outcome = services.import_qti(db, actor=writer.actor, data=b"not xml at all", now=NOW)
    assert outcome.imported == [] and "not well-formed" in outcome.rows[0].reasons[0]
    outcome = services.import_qti(db, actor=writer.actor, data=b"PK\x03\x04broken", now=NOW)
    assert outcome.imported == []


def test_progress_is_reported_for_every_item(db, writer):
    data = _package_of(db, writer, [sba_content(stem=f"Question {i}") for i in range(3)])
    seen = []
    services.import_qti(db, actor=writer.actor, data=data, now=NOW,
                        progress=lambda done, total, row: seen.append((done, total, row.imported)))
    assert seen == [(1, 3, True), (2, 3, True), (3, 3, True)]


# --- stats ----------------------------------------------------------------------------------------


def test_stats_count_latest_versions_by_status_type_and_theme(db, make_user):
    exam_paper = paper(db, make_user)
    writer = make_user(Role.ITEM_WRITER)
    full_case_study(db, writer, title="A draft")
    numbers = services.stats(db)
    assert numbers["case_studies"] >= 3
    assert set(numbers["by_status"]) == {s.value for s in Status}
    assert numbers["by_status"]["approved"] >= 2 and numbers["by_status"]["draft"] >= 1
    assert set(numbers["by_type"]) == set(ALL_ITEMS)
    assert set(numbers["by_theme"]) == {"A", "B", "C", "D"}
    assert sum(numbers["by_theme"].values()) == numbers["items"] == sum(numbers["by_type"].values())
    assert {"id": exam_paper.id, "title": exam_paper.title, "published": True} in numbers["papers"]
