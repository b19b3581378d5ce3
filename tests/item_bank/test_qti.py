"""QTI 2.2 / 3.0 exchange: exports validate against the official schemas, the official examples
import or are reported precisely, and export → import gives back what was exported."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from item_bank.item_types import validate_content
from item_bank.qti import export_case_study, export_paper, import_item_xml, import_package, schemas
from item_bank.qti.manifest import parse_manifest
from item_bank.sanitise import sanitise_html

VERSIONS = ["2.2", "3.0"]


@pytest.fixture(scope="session")
def xsd(qti_reference):
    return schemas(qti_reference / "xsd")


def _members(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _paper(sample_case_study):
    second = copy.deepcopy(sample_case_study)
    second["title"] = "Mrs Okafor: spinal cord injury and a directly employed support team"
    second["scenario"] = "<p>Mrs Okafor has a financial deputy.</p>"
    second["items"] = second["items"][:3]
    return {"title": "Certificate of Proficiency — paper A", "case_studies": [sample_case_study, second]}


# --- export validates ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_every_file_of_an_exported_case_study_validates(xsd, sample_case_study, version):
    files = _members(export_case_study(sample_case_study, version))
    assert "imsmanifest.xml" in files
    items = [n for n in files if "-item-" in n]
    assert len(items) == len(sample_case_study["items"])
    for name, data in files.items():
        assert xsd.errors(data) == [], name


@pytest.mark.parametrize("version", VERSIONS)
def test_every_file_of_an_exported_paper_validates(xsd, sample_case_study, version):
    files = _members(export_paper(_paper(sample_case_study), version))
    assert "assessment.xml" in files
    for name, data in files.items():
        assert xsd.errors(data) == [], name
    test = etree.fromstring(files["assessment.xml"])
    sections = [e for e in test.iter() if etree.QName(e).localname in ("assessmentSection", "qti-assessment-section")]
    assert [s.get("title") for s in sections] == [cs["title"] for cs in _paper(sample_case_study)["case_studies"]]
    refs = [e.get("href") for e in test.iter() if etree.QName(e).localname in ("assessmentItemRef", "qti-assessment-item-ref")]
    assert refs == [f"cs-1-item-{i}.xml" for i in range(1, 6)] + [f"cs-2-item-{i}.xml" for i in range(1, 4)]


def test_the_validators_do_reject_broken_documents(xsd, sample_case_study):
    for version in VERSIONS:
        files = _members(export_case_study(sample_case_study, version))
        item = files["cs-1-item-1.xml"].replace(b'identifier="RESPONSE"', b'identifier="1 bad"', 1)
        assert xsd.errors(item)
        manifest = files["imsmanifest.xml"].replace(b"<imsmd:classification>", b"<imsmd:classification><imsmd:bogus/>", 1)
        assert xsd.errors(manifest)


def test_qti_3_shares_the_scenario_as_a_stimulus_and_2_2_repeats_it(sample_case_study):
    v3 = _members(export_case_study(sample_case_study, "3.0"))
    assert b"qti-assessment-stimulus" in v3["cs-1-scenario.xml"]
    assert all(b'qti-assessment-stimulus-ref identifier="cs-1-scenario"' in v3[f"cs-1-item-{i}.xml"] for i in range(1, 6))
    assert not any(b"cop-scenario" in v3[f"cs-1-item-{i}.xml"] for i in range(1, 6))
    v2 = _members(export_case_study(sample_case_study, "2.2"))
    assert all(b'class="cop-scenario"' in v2[f"cs-1-item-{i}.xml"] for i in range(1, 6))


@pytest.mark.parametrize("version", VERSIONS)
def test_the_manifest_carries_the_mapping_type_and_scoring_rule(sample_case_study, version):
    manifest = parse_manifest(_members(export_case_study(sample_case_study, version))["imsmanifest.xml"])
    items = [r for r in manifest.resources if r.type.startswith("imsqti_item")]
    assert [r.keywords["type"] for r in items] == [i["type"] for i in sample_case_study["items"]]
    assert items[1].keywords["scoring"] == "partial"
    assert items[3].keywords["scoring"] == "adjacent_pairs"
    assert items[0].substandards == {"primary": "6.3", "others": ["7.2"]}
    assert items[2].substandards == {"primary": "4.2", "others": ["5.1", "9.3"]}
    assert all(r.case_study == ("cs-1", sample_case_study["title"]) for r in items)
    assert manifest.title == sample_case_study["title"]


@pytest.mark.parametrize("version", VERSIONS)
def test_item_xml_uses_the_agreed_interactions_and_scoring(sample_case_study, version):
    files = _members(export_case_study(sample_case_study, version))
    text = {i: files[f"cs-1-item-{i}.xml"].decode() for i in range(1, 6)}
    spell = (lambda two, three: two if version == "2.2" else three)
    assert spell('maxChoices="1"', 'max-choices="1"') in text[1] and "match_correct" in text[1]
    assert spell('maxChoices="2"', 'max-choices="2"') in text[2] and "map_response" in text[2]
    assert spell('lowerBound="0"', 'lower-bound="0"') in text[2]
    assert spell('mappedValue="-1"', 'mapped-value="-1"') in text[2]
    assert spell("matchInteraction", "qti-match-interaction") in text[3] and "map_response" in text[3]
    assert spell("orderInteraction", "qti-order-interaction") in text[4] and "match_correct" in text[4]
    assert spell("extendedTextInteraction", "qti-extended-text-interaction") in text[5]
    assert 'view="scorer"' in text[5] and spell('normalMaximum="3"', 'normal-maximum="3"') in text[5]
    assert spell('externalScored="human"', 'external-scored="human"') in text[5]
    assert "responseProcessing" not in text[5] and "qti-response-processing" not in text[5]


def test_export_refuses_invalid_items_and_unknown_versions(sample_case_study):
    sample_case_study["items"][0]["key"] = None
    with pytest.raises(ValueError, match="item 1 key"):
        export_case_study(sample_case_study)
    with pytest.raises(ValueError, match="QTI version"):
        export_case_study(_paper(sample_case_study)["case_studies"][1], version="2.1")
    with pytest.raises(ValueError):
        export_paper([])


def test_export_sanitises_rich_text_it_is_given(xsd, sample_case_study):
    sample_case_study["scenario"] = "<p onclick='x()'>Hello<script>alert(1)</script></p>"
    sample_case_study["items"][0]["stem"] = "<p>Stem <a href='https://x'>link</a></p>"
    files = _members(export_case_study(sample_case_study, "2.2"))
    assert b"script" not in files["cs-1-item-1.xml"] and b"onclick" not in files["cs-1-item-1.xml"]
    assert b"href" not in files["cs-1-item-1.xml"]
    assert xsd.errors(files["cs-1-item-1.xml"]) == []


# --- round trip ---------------------------------------------------------------------------------


def _variants(sample_case_study):
    """The sample case study, and one with the other scoring rules and settings."""
    other = copy.deepcopy(sample_case_study)
    other["title"] = "Alex: vocational return to work"
    sba, mr, emq, order, cr = other["items"]
    sba["shuffle"] = False
    sba["estimated_facility"] = None
    mr["scoring"] = "all_or_nothing"
    mr["shuffle"] = True
    emq["shuffle"] = False
    order["scoring"] = "all_or_nothing"
    del cr["word_limit"]
    cr["model_answer"] = "First line.\nSecond line with <angle> & ampersand."
    cr["rationale"] = "Line one.\n\nLine two."
    return [sample_case_study, other]


@pytest.mark.parametrize("version", VERSIONS)
def test_round_trip_of_a_case_study_keeps_everything(sample_case_study, version):
    for original in _variants(sample_case_study):
        report = import_package(export_case_study(original, version))
        assert report.version == version
        assert report.problems == ()
        assert [i.imported for i in report.items] == [True] * 5
        assert all(i.notes == () for i in report.items), [i.notes for i in report.items]
        [imported] = report.case_studies
        assert imported["title"] == original["title"]
        assert imported["scenario"] == sanitise_html(original["scenario"])
        assert imported["framework_version"] == "2022"
        assert imported["items"] == original["items"]


@pytest.mark.parametrize("version", VERSIONS)
def test_round_trip_of_a_paper_keeps_case_studies_apart_and_in_order(sample_case_study, version):
    paper = _paper(sample_case_study)
    report = import_package(export_paper(paper, version))
    assert [cs["title"] for cs in report.case_studies] == [cs["title"] for cs in paper["case_studies"]]
    for imported, original in zip(report.case_studies, paper["case_studies"]):
        assert imported["scenario"] == sanitise_html(original["scenario"])
        assert imported["items"] == original["items"]
    assert [(i.case_study, i.position) for i in report.items] == [(0, p) for p in range(5)] + [(1, p) for p in range(3)]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_single_exported_item_imports_without_its_package_metadata(sample_case_study, version):
    files = _members(export_case_study(sample_case_study, version))
    report = import_item_xml(files["cs-1-item-2.xml"])
    [item] = report.items
    assert item.imported and item.item_type == "multiple_response"
    assert any("sub-standard" in note for note in item.notes)
    content = report.case_studies[0]["items"][0]
    assert content["substandards"] == {"primary": None, "others": []}
    expected = {k: v for k, v in sample_case_study["items"][1].items() if k not in ("substandards", "estimated_facility")}
    assert {k: v for k, v in content.items() if k not in ("substandards", "estimated_facility")} == expected
    assert [e.field for e in validate_content(content)] == ["substandards.primary"]
    # Without the metadata, adjacent-pairs scoring falls back to what the item says: all or nothing.
    order = import_item_xml(files["cs-1-item-4.xml"]).case_studies[0]["items"][0]
    assert order["scoring"] == "all_or_nothing"


# --- the official examples ----------------------------------------------------------------------

IMPORTED, SKIPPED = "imported", "skipped"

# Every official example item: imported (as which type), or skipped (with which problem).
EXPECTED_ITEMS = {
    "qti2p2/associate.xml": (SKIPPED, "unsupported_interaction"),
    "qti2p2/choice.xml": (SKIPPED, "missing_media"),
    "qti2p2/choice_multiple.xml": (SKIPPED, "unknown_scoring"),
    "qti2p2/essay.xml": (IMPORTED, "constructed_response"),
    "qti2p2/extended_text.xml": (SKIPPED, "missing_media"),
    "qti2p2/extended_text_rubric.xml": (SKIPPED, "missing_media"),
    "qti2p2/inline_choice.xml": (SKIPPED, "unsupported_interaction"),
    "qti2p2/likert.xml": (SKIPPED, "missing_key"),
    "qti2p2/match.xml": (SKIPPED, "unknown_scoring"),
    "qti2p2/order.xml": (IMPORTED, "ordering"),
    "qti2p2/order_partial_scoring.xml": (SKIPPED, "unknown_scoring"),
    "qti2p2/text_entry.xml": (SKIPPED, "unsupported_interaction"),
    "qti3/items/BG007.xml": (IMPORTED, "sba"),
    "qti3/items/BG009.xml": (IMPORTED, "constructed_response"),
    "qti3/items/BG010.xml": (SKIPPED, "unsupported_interaction"),
    "qti3/items/QTI3-associate.xml": (SKIPPED, "unsupported_interaction"),
    "qti3/items/QTI3-inline-choice.xml": (SKIPPED, "unsupported_interaction"),
    "qti3/items/QTI3-match.xml": (SKIPPED, "unknown_scoring"),
    "qti3/items/QTI3-order.xml": (IMPORTED, "ordering"),
    "qti3/items/QTI3multiplechoice2.xml": (IMPORTED, "multiple_response"),
    "qti3/items/essay.xml": (IMPORTED, "constructed_response"),
}

# The BBQs package, in the order of its test.
EXPECTED_BBQ = [
    ("id-5c1b1e2d56bd/either-or.xml", SKIPPED, {"unsupported_content"}),
    ("id-75bd778a3504/essay-vacation.xml", IMPORTED, "constructed_response"),
    ("id-992e8bd3c9ac/hotspot-maximum.xml", SKIPPED, {"unsupported_media", "unsupported_interaction"}),
    ("id-f8e13982226c/jumble-gapMatch.xml", SKIPPED, {"unsupported_interaction"}),
    ("id-377d71221b04/jumble-inlineChoice.xml", SKIPPED, {"unsupported_interaction"}),
    ("id-7e4520cd463f/Likert-choice-questionSet.xml", SKIPPED, {"unknown_scoring"}),
    ("id-2a2cfb9f4dde/Likert-match-questionSet.xml", SKIPPED, {"unknown_scoring"}),
    ("id-200e2c3f7d76/matching-associate-trigDeriv.xml", SKIPPED, {"unsupported_content", "unsupported_interaction"}),
    ("id-7f35b6c393d5/matching-match-trigDeriv.xml", SKIPPED, {"unsupported_content", "unknown_scoring"}),
    ("id-3cd82285401e/MultipleAnswer-choice-materials.xml", SKIPPED, {"unknown_scoring"}),
    ("id-371b0f88774a/MultipleChoice-choice-polynomials.xml", SKIPPED, {"unsupported_content", "unknown_scoring"}),
    ("id-90b59b73c8e4/upload-file.xml", SKIPPED, {"unsupported_interaction"}),
    ("id-e475c3c922f6/order-maths.xml", SKIPPED, {"unsupported_content", "unknown_scoring"}),
    ("id-be3cd3bdd3d4/order-mountains.xml", SKIPPED, {"unsupported_media", "unknown_scoring"}),
    ("id-8167235c360b/QuizBowl-multi-geometry.xml", SKIPPED, {"unsupported_interaction"}),
    ("id-1ccd6e04685f/ShortAnswer-extText-postcard.xml", IMPORTED, "constructed_response"),
    ("id-bd44a757f562/SineRule-001.xml", SKIPPED, {"unsupported_content", "unsupported_interaction"}),
    ("id-13b92f311fc0/SineRule-002-maths.xml", SKIPPED, {"unsupported_content", "unsupported_interaction"}),
    ("id-c0bdd9a130c7/text_entry-calculus.xml", SKIPPED, {"unsupported_interaction"}),
    ("id-d565dbe89933/text_entry-Lycidas.xml", SKIPPED, {"unsupported_interaction"}),
    ("id-83210b60ed8f/TF-choice.xml", IMPORTED, "sba"),
    ("id-f9f3153e2ba4/TheAnswer-001.xml", SKIPPED, {"unsupported_interaction"}),
]


def test_the_expectations_cover_every_official_example(qti_reference):
    examples = qti_reference / "examples"
    singles = {str(p.relative_to(examples)) for p in examples.glob("qti2p2/*.xml")} | {
        str(p.relative_to(examples)) for p in examples.glob("qti3/items/*.xml")}
    assert singles - {"qti2p2/imsmanifest.xml"} == set(EXPECTED_ITEMS)
    package = examples / "qti3" / "package-BBQsTest"
    items = {str(p.relative_to(package)) for p in package.glob("id-*/*.xml")}
    assert items == {source for source, _, _ in EXPECTED_BBQ}


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED_ITEMS.items()))
def test_each_official_example_item_imports_or_is_reported(qti_reference, name, expected):
    report = import_item_xml(qti_reference / "examples" / name)
    [item] = report.items
    outcome, detail = expected
    if outcome == IMPORTED:
        assert item.imported and item.problems == ()
        assert item.item_type == detail
        [case] = report.case_studies
        [content] = case["items"]
        assert content["type"] == detail and content["stem"]
        assert content["substandards"]["primary"] is None
        assert any("sub-standard" in note for note in item.notes)
    else:
        assert not item.imported
        assert report.case_studies == []
        assert detail in {p.code for p in item.problems}
        assert all(p.message for p in item.problems)


def test_imported_official_items_keep_their_keys_and_options(qti_reference):
    examples = qti_reference / "examples"
    order = import_item_xml(examples / "qti2p2" / "order.xml").case_studies[0]["items"][0]
    assert order["key"] == ["DriverC", "DriverA", "DriverB"]
    assert [o["text"] for o in order["options"]] == ["Rubens Barrichello", "Jenson Button", "Michael Schumacher"]
    assert order["scoring"] == "all_or_nothing"
    assert "Grand Prix of Bahrain" in order["stem"]
    mr = import_item_xml(examples / "qti3" / "items" / "QTI3multiplechoice2.xml").case_studies[0]["items"][0]
    assert (mr["key"], mr["choose"], mr["scoring"]) == (["H", "O"], 2, "all_or_nothing")
    assert len(mr["options"]) == 6
    [report_item] = import_item_xml(examples / "qti3" / "items" / "QTI3multiplechoice2.xml").items
    assert any("up to 6 options" in note for note in report_item.notes)
    tf = import_item_xml(examples / "qti3" / "items" / "BG007.xml")
    assert tf.case_studies[0]["items"][0]["key"] == "true"
    assert any("between 3 and 6 options" in note for note in tf.items[0].notes)


def test_the_official_match_example_is_reported_with_its_scoring(qti_reference):
    [item] = import_item_xml(qti_reference / "examples" / "qti2p2" / "match.xml").items
    [problem] = item.problems
    assert problem.code == "unknown_scoring"
    assert "D M +0.5" in problem.message


def test_the_official_qti_3_package_imports_what_it_can(qti_reference):
    report = import_package(qti_reference / "examples" / "qti3" / "package-BBQsTest")
    assert report.version == "3.0"
    assert [i.source for i in report.items] == [source for source, _, _ in EXPECTED_BBQ]
    for item, (source, outcome, detail) in zip(report.items, EXPECTED_BBQ):
        if outcome == IMPORTED:
            assert item.imported and item.item_type == detail, source
        else:
            assert not item.imported and {p.code for p in item.problems} == detail, (source, item.problems)
    [case] = report.case_studies
    assert case["title"] == "BBQs test package"
    assert [i["type"] for i in case["items"]] == ["constructed_response", "constructed_response", "sba"]
    tf = case["items"][2]
    assert tf["key"] == "ChoiceB" and "8 faces" in tf["rationale"]
    assert any("Feedback" in n for n in report.items[20].notes)
    json.dumps(report.to_dict())


def test_the_official_qti_2_2_manifest_reports_each_listed_file(qti_reference, tmp_path):
    folder = qti_reference / "examples" / "qti2p2"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.glob("*.xml"):
            archive.write(path, path.name)
    report = import_package(buffer.getvalue())
    assert report.version == "2.2"
    by_source = {i.source: i for i in report.items}
    assert len(by_source) == len(parse_manifest((folder / "imsmanifest.xml").read_bytes()).resources)
    for name, (outcome, detail) in EXPECTED_ITEMS.items():
        if name.startswith("qti2p2/"):
            item = by_source[name.removeprefix("qti2p2/")]
            assert item.imported == (outcome == IMPORTED)
            assert item.item_type == detail if outcome == IMPORTED else detail in {p.code for p in item.problems}
    missing = [i for i in report.items if i.problems and i.problems[0].code == "missing_file"]
    assert {i.source for i in missing} >= {"adaptive.xml", "hotspot.xml", "gap_match.xml"}
    assert len(missing) == len(by_source) - 12
    assert [len(cs["items"]) for cs in report.case_studies] == [2]


# --- hostile and broken input -------------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


_MANIFEST = b"""<?xml version="1.0"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="m"><organizations/><resources>
<resource identifier="r1" type="imsqti_item_xmlv2p2" href="%s"><file href="%s"/></resource>
</resources></manifest>"""


def test_paths_outside_the_package_are_treated_as_missing(tmp_path, sample_case_study):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(_members(export_case_study(sample_case_study, "2.2"))["cs-1-item-1.xml"])
    package = tmp_path / "package"
    package.mkdir()
    (package / "imsmanifest.xml").write_bytes(_MANIFEST % (b"../secret.xml", b"../secret.xml"))
    report = import_package(package)
    assert [p.code for p in report.items[0].problems] == ["missing_file"]
    report = import_package(_zip({"imsmanifest.xml": _MANIFEST % (b"../secret.xml", b"../secret.xml")}))
    assert [p.code for p in report.items[0].problems] == ["missing_file"]


def test_external_entities_are_not_expanded(tmp_path, qti_reference):
    (tmp_path / "leak.txt").write_text("TOP SECRET")
    original = (qti_reference / "examples" / "qti2p2" / "order.xml").read_text()
    hostile = original.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY leak SYSTEM "{(tmp_path / "leak.txt").as_uri()}">]>',
    ).replace("Jenson Button", "&leak;")
    report = import_item_xml(hostile.encode())
    assert "TOP SECRET" not in json.dumps(report.to_dict())


@pytest.mark.parametrize("hostile", ["&#0;", "&#xD800;", "\x00"])
def test_text_no_database_can_store_leaves_the_item_out_with_the_reason(qti_reference, hostile):
    original = (qti_reference / "examples" / "qti2p2" / "order.xml").read_text()
    report = import_item_xml(original.replace("Jenson Button", f"Jenson{hostile}Button").encode("utf-8"))
    assert report.case_studies == []
    [item] = report.items
    assert not item.imported and [p.code for p in item.problems] == ["invalid_xml"]


def test_deep_nesting_and_entity_expansion_are_refused_quickly():
    deep = b"<a>" * 100_000 + b"</a>" * 100_000
    assert [p.code for p in import_item_xml(deep).items[0].problems] == ["invalid_xml"]
    entities = "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 10 if n else "lol" * 10}">' for n in range(10))
    laughs = f'<?xml version="1.0"?><!DOCTYPE x [{entities}]><x>&e9;</x>'.encode()
    report = import_item_xml(laughs)
    assert not report.items[0].imported


def test_broken_input_is_reported_not_raised():
    assert [p.code for p in import_item_xml(b"<not xml").items[0].problems] == ["invalid_xml"]
    assert [p.code for p in import_package(b"plain text").items[0].problems] == ["invalid_xml"]
    assert [p.code for p in import_package(_zip({"readme.txt": b"hi"})).problems] == ["missing_file"]
    assert [p.code for p in import_package(_zip({"imsmanifest.xml": b"<oops"})).problems] == ["invalid_xml"]
    report = import_package(_zip({"imsmanifest.xml": _MANIFEST % (b"a.xml", b"a.xml"), "a.xml": b"<x/>"}))
    assert [p.code for p in report.items[0].problems] == ["not_an_item"]


def test_an_item_with_a_supported_interaction_but_media_is_left_out_whole(tmp_path, sample_case_study):
    files = _members(export_case_study(sample_case_study, "2.2"))
    with_image = files["cs-1-item-1.xml"].replace(
        b'<div class="cop-stem">', b'<div class="cop-stem"><p><img src="chart.png" alt="chart"/></p>', 1)
    files["cs-1-item-1.xml"] = with_image
    files["chart.png"] = b"\x89PNG"
    report = import_package(_zip(files))
    assert not report.items[0].imported
    assert [p.code for p in report.items[0].problems] == ["unsupported_media"]
    assert [i["type"] for i in report.case_studies[0]["items"]] == ["multiple_response", "extended_matching",
                                                                    "ordering", "constructed_response"]
    del files["chart.png"]
    assert [p.code for p in import_package(_zip(files)).items[0].problems] == ["missing_media"]


def test_a_path_to_a_zip_file_and_to_an_item_file_both_import(tmp_path, sample_case_study):
    package = tmp_path / "case.zip"
    package.write_bytes(export_case_study(sample_case_study, "3.0"))
    assert len(import_package(package).imported) == 5
    item = tmp_path / "item.xml"
    item.write_bytes(_members(export_case_study(sample_case_study, "2.2"))["cs-1-item-1.xml"])
    assert import_package(item).items[0].imported
    assert import_package(Path(item)).case_studies[0]["scenario"] == sanitise_html(sample_case_study["scenario"])


# --- property: any sanitised rich text survives the trip ----------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TEXT = st.text(alphabet="ab &<>é\"'", max_size=6).map(lambda t: "a" + t)


@st.composite
def _inline(draw):
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["text", "em", "strong", "br", "nested"]))
        text = draw(_TEXT)
        parts.append({"text": text, "em": f"<em>{text}</em>", "strong": f"<strong>{text}</strong>",
                      "br": f"{text}<br>", "nested": f"<strong>{text}<em>{text}</em></strong>"}[kind])
    return "".join(parts)


@st.composite
def _rich_text(draw):
    """Rich text as an editor produces it: blocks of inline content (deliberately malformed
    nesting, such as a paragraph inside a heading, is normalised by the parsers instead)."""
    blocks = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["p", "h2", "h3", "h4", "ul", "ol", "table"]))
        if kind in ("ul", "ol"):
            blocks.append(f"<{kind}>" + "".join(f"<li>{draw(_inline())}</li>" for _ in range(draw(st.integers(1, 3)))) + f"</{kind}>")
        elif kind == "table":
            blocks.append(f'<table><caption>{draw(_inline())}</caption><thead><tr><th scope="col">{draw(_TEXT)}</th></tr></thead>'
                          f'<tbody><tr><td rowspan="2">{draw(_inline())}</td></tr></tbody></table>')
        else:
            blocks.append(f"<{kind}>{draw(_inline())}</{kind}>")
    return sanitise_html("".join(blocks))


@pytest.mark.parametrize("version", VERSIONS)
def test_a_paragraph_typed_inside_a_heading_round_trips(sample_case_study, version):
    # Found by the property test below: "<h2>a<p>a</p></h2>" came back as "<h2>a</h2><p>a</p>".
    fragment = sanitise_html("<h2>a<p>a</p></h2>")
    case = copy.deepcopy(sample_case_study)
    case["scenario"] = fragment
    case["items"][0]["stem"] = fragment
    report = import_package(export_case_study(case, version))
    assert report.case_studies[0]["scenario"] == fragment
    assert report.case_studies[0]["items"][0]["stem"] == fragment


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stem=_rich_text(), scenario=_rich_text(), version=st.sampled_from(VERSIONS))
def test_any_sanitised_stem_and_scenario_round_trip(sample_case_study, stem, scenario, version):
    case = copy.deepcopy(sample_case_study)
    case["scenario"] = scenario
    case["items"][0]["stem"] = stem
    report = import_package(export_case_study(case, version))
    assert report.case_studies[0]["scenario"] == scenario
    assert report.case_studies[0]["items"][0]["stem"] == stem
