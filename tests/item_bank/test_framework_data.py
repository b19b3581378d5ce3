"""Checks on the Standards of Proficiency data file (item_bank/framework_data)."""

import json
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_FILE = REPO_ROOT / "item_bank" / "framework_data" / "standards-of-proficiency-2022.json"

EXPECTED_THEMES = {
    "A": range(1, 5),
    "B": range(5, 13),
    "C": range(13, 19),
    "D": range(19, 23),
}

# Sub-standards per standard, counted from the source document. A lost or
# merged paragraph changes one of these and fails the test.
EXPECTED_SUBSTANDARD_COUNTS = {
    1: 4, 2: 9, 3: 9, 4: 4,
    5: 3, 6: 4, 7: 8, 8: 6, 9: 4, 10: 3, 11: 7, 12: 3,
    13: 4, 14: 2, 15: 2, 16: 5, 17: 3, 18: 4,
    19: 3, 20: 5, 21: 3, 22: 3,
}

# Standards without a heading in the document, and the titles given to them.
EXPECTED_DERIVED_TITLES = {
    5: "Positive Working Relationships",
    12: "Monitoring Progress",
    21: "Evaluation and Research",
}

# Headings the OCR put in the wrong place; each must sit on this standard.
EXPECTED_HEADINGS = {
    1: "Duty of Care",
    6: "Holistic Assessment",
    7: "Planning",
    10: "Advising",
    11: "Coordination",
    22: "Education and Training",
}


@pytest.fixture(scope="module")
def framework():
    with DATA_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)


def _standards(framework):
    return [s for theme in framework["themes"] for s in theme["standards"]]


def _all_texts(framework):
    """Every human-readable string in the file, with a label saying where it is."""
    yield "name", framework["name"]
    yield "version", framework["version"]
    yield "source", framework["source"]
    yield "competent_level", framework["competent_level"]
    for value in framework["core_values"]:
        yield f"core value {value['name']!r} name", value["name"]
        yield f"core value {value['name']!r} text", value["text"]
    for theme in framework["themes"]:
        yield f"theme {theme['code']} title", theme["title"]
        yield f"theme {theme['code']} summary", theme["summary"]
        for std in theme["standards"]:
            yield f"standard {std['number']} title", std["title"]
            yield f"standard {std['number']} statement", std["statement"]
            for sub in std["substandards"]:
                yield f"sub-standard {sub['code']}", sub["text"]


def test_file_is_utf8_json_with_two_space_indent():
    raw = DATA_FILE.read_text(encoding="utf-8")
    data = json.loads(raw)
    assert raw == json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_top_level_shape(framework):
    assert set(framework) == {
        "name", "version", "source", "core_values", "competent_level", "themes",
    }
    assert framework["name"] == "Standards of Proficiency"
    assert framework["version"] == "2022"


def test_four_themes_in_order(framework):
    assert [t["code"] for t in framework["themes"]] == ["A", "B", "C", "D"]
    for theme in framework["themes"]:
        assert set(theme) == {"code", "title", "summary", "standards"}


def test_standards_one_to_twenty_two_once_in_order(framework):
    numbers = [s["number"] for s in _standards(framework)]
    assert numbers == list(range(1, 23))


def test_each_standard_in_its_theme(framework):
    for theme in framework["themes"]:
        numbers = [s["number"] for s in theme["standards"]]
        assert numbers == list(EXPECTED_THEMES[theme["code"]]), theme["code"]


def test_standard_shape(framework):
    for std in _standards(framework):
        assert set(std) == {
            "number", "title", "title_derived", "statement", "substandards",
        }, std["number"]
        assert isinstance(std["number"], int)
        assert isinstance(std["title_derived"], bool)
        assert std["statement"].endswith("must"), std["number"]
        for sub in std["substandards"]:
            assert set(sub) == {"code", "text"}, sub


def test_substandard_codes_contiguous(framework):
    seen = set()
    for std in _standards(framework):
        codes = [sub["code"] for sub in std["substandards"]]
        expected = [f"{std['number']}.{i}" for i in range(1, len(codes) + 1)]
        assert codes == expected, std["number"]
        assert seen.isdisjoint(codes)
        seen.update(codes)


def test_substandard_counts(framework):
    counts = {s["number"]: len(s["substandards"]) for s in _standards(framework)}
    assert counts == EXPECTED_SUBSTANDARD_COUNTS
    assert sum(counts.values()) == 98


def test_derived_titles_exactly_where_expected(framework):
    derived = {s["number"]: s["title"] for s in _standards(framework) if s["title_derived"]}
    assert derived == EXPECTED_DERIVED_TITLES
    for title in derived.values():
        assert 2 <= len(title.split()) <= 5


def test_misplaced_headings_restored(framework):
    titles = {s["number"]: s["title"] for s in _standards(framework)}
    for number, title in EXPECTED_HEADINGS.items():
        assert titles[number] == title
    assert len(set(titles.values())) == 22


def test_no_empty_or_padded_text(framework):
    for where, text in _all_texts(framework):
        assert isinstance(text, str), where
        assert text.strip(), where
        assert text == text.strip(), where


def test_no_ocr_artefacts(framework):
    for where, text in _all_texts(framework):
        assert "  " not in text, where
        assert not text.endswith("-"), where
        assert not re.search(r"-\s", text), where  # hyphen left by a line break
        assert not re.search(r"(^|\n)\s*[e¢•]\s", text), where  # bullet residue
        assert "¢" not in text, where
        assert not re.match(r"\d+\.\d+", text), where  # label left in the text
        assert "'’" not in text, where
        assert "gualif" not in text, where
        assert "\n" not in text or where in {"competent_level"}, where


def test_four_core_values(framework):
    names = [v["name"] for v in framework["core_values"]]
    assert names == ["Inclusivity and Diversity", "Compassion", "Person-centred", "Empowerment"]
    for value in framework["core_values"]:
        assert set(value) == {"name", "text"}
        assert value["text"].startswith("Case managers")


def test_competent_level_defined(framework):
    text = framework["competent_level"]
    assert text.strip()
    assert text.startswith("The competent level of proficiency is")
    assert "Competent denotes a case manager who can plan effectively." in text
