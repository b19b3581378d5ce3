"""The demo item bank (``item_bank/demo_bank.json``): its shape, its coverage of the Standards of
Proficiency, and some item-writing quality rules.

Pure: reads two JSON files, no database.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BANK_PATH = REPO_ROOT / "item_bank" / "demo_bank.json"
FRAMEWORK_PATH = REPO_ROOT / "item_bank" / "framework_data" / "standards-of-proficiency-2022.json"

BANK = json.loads(BANK_PATH.read_text(encoding="utf-8"))
CASES = BANK["case_studies"]
ITEMS = [(case["key"], i, item) for case in CASES for i, item in enumerate(case["items"])]
ITEM_IDS = [f"{key}-{i}" for key, i, _ in ITEMS]

FRAMEWORK = json.loads(FRAMEWORK_PATH.read_text(encoding="utf-8"))
THEME_OF = {
    sub["code"]: theme["code"]
    for theme in FRAMEWORK["themes"]
    for standard in theme["standards"]
    for sub in standard["substandards"]
}

TYPES = ("sba", "multiple_response", "extended_matching", "ordering", "constructed_response")
STATUSES = {"approved", "in_review", "draft", "submitted", "changes_requested"}
COMMON_KEYS = {"type", "stem", "rationale", "reference", "estimated_facility", "substandards"}
TYPE_KEYS = {
    "sba": {"options", "key", "shuffle"},
    "multiple_response": {"options", "choose", "key", "scoring", "shuffle"},
    "extended_matching": {"options", "stems", "shuffle"},
    "ordering": {"options", "key", "scoring"},
    "constructed_response": {"model_answer", "rubric", "max_mark", "word_limit"},
}
CASE_KEYS = {"key", "title", "scenario", "status", "second_version", "items"}
ALLOWED_TAGS = {"h2", "h3", "h4", "p", "br", "ul", "ol", "li", "strong", "em",
                "table", "caption", "thead", "tbody", "tr", "th", "td"}
VOID_TAGS = {"br"}
SCOPES = {"row", "col", "rowgroup", "colgroup"}

# The situations the bank must cover, each with words its scenario must mention.
REQUIRED_CASES = {
    "rtc-brain-injury": ["Rehabilitation Code", "solicitor", "brain injury"],
    "spinal-cord-injury-deputy": ["spinal cord injury", "deputy", "directly employed"],
    "vocational-return-to-work": ["fit note", "employer"],
    "nhs-complex-needs-package": ["NHS Continuing Healthcare", "integrated care board"],
    "child-cerebral-palsy": ["cerebral palsy", "EHCP", "school"],
    "capacity-best-interests": ["capacity"],
    "conflict-of-interest": ["insurer", "owned by"],
    "safeguarding-concern": ["bank card", "bruise"],
    "records-data-protection": ["access request", "closed"],
}


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _words(html: str) -> int:
    return len(_text(html).split())


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed")
        for name, value in attrs:
            if not (tag == "th" and name == "scope" and value in SCOPES):
                self.problems.append(f"attribute {name}={value!r} on <{tag}> is not allowed")
        if tag == "th" and not any(name == "scope" for name, _ in attrs):
            self.problems.append("<th> without scope")
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unbalanced </{tag}>")
        else:
            self.stack.pop()


def _html_problems(html: str) -> list[str]:
    parser = _TagCollector()
    parser.feed(html)
    parser.close()
    return parser.problems + [f"unclosed <{tag}>" for tag in parser.stack]


def _scenarios():
    for case in CASES:
        yield case["key"], case["scenario"]
        if case["second_version"]:
            yield f"{case['key']} (second version)", case["second_version"]["scenario"]


# --- the bank as a whole ------------------------------------------------------------------------


def test_bank_is_an_object_with_case_studies():
    assert set(BANK) == {"case_studies"}
    assert isinstance(CASES, list)


def test_bank_is_two_space_indented_utf8():
    raw = BANK_PATH.read_text(encoding="utf-8")
    assert raw == json.dumps(BANK, indent=2, ensure_ascii=False) + "\n"


def test_counts():
    assert len(CASES) >= 12
    assert len(ITEMS) >= 60


def test_case_study_keys_are_unique_slugs():
    keys = [case["key"] for case in CASES]
    assert len(keys) == len(set(keys))
    for key in keys:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key


@pytest.mark.parametrize("key", sorted(REQUIRED_CASES))
def test_required_situation_is_covered(key):
    by_key = {case["key"]: case for case in CASES}
    assert key in by_key, f"missing case study {key}"
    text = _text(by_key[key]["scenario"]).lower()
    for phrase in REQUIRED_CASES[key]:
        assert phrase.lower() in text, f"{key}: scenario does not mention {phrase!r}"


def test_at_least_three_further_situations():
    assert len({case["key"] for case in CASES} - set(REQUIRED_CASES)) >= 3


def test_statuses():
    statuses = Counter(case["status"] for case in CASES)
    assert set(statuses) <= STATUSES
    assert statuses["approved"] >= 8
    assert statuses["in_review"] >= 2
    assert statuses["draft"] >= 1


def test_exactly_one_approved_case_study_has_a_second_version():
    with_second = [case for case in CASES if case["second_version"] is not None]
    assert len(with_second) == 1
    case = with_second[0]
    assert case["status"] == "approved"
    second = case["second_version"]
    assert set(second) == {"scenario_change", "scenario"}
    change = second["scenario_change"].strip()
    assert change and change.endswith(".") and change.count(". ") == 0, "one sentence"
    assert second["scenario"] != case["scenario"]


def test_item_types_are_all_well_represented():
    types = Counter(item["type"] for _, _, item in ITEMS)
    assert set(types) == set(TYPES)
    for kind in TYPES:
        assert types[kind] >= 6, kind
    assert types["constructed_response"] >= 8


def test_every_theme_is_covered_by_primary_substandards():
    themes = Counter(THEME_OF[item["substandards"]["primary"]] for _, _, item in ITEMS)
    for theme in "ABCD":
        assert themes[theme] >= 6, theme


def test_breadth_of_primary_substandards():
    assert len({item["substandards"]["primary"] for _, _, item in ITEMS}) >= 40


def test_sba_keys_are_not_cued():
    sbas = [item for _, _, item in ITEMS if item["type"] == "sba"]
    keys = Counter(item["key"] for item in sbas)
    assert len(keys) >= 4, "keys should not sit in the same one or two positions"
    assert max(keys.values()) <= 0.35 * len(sbas)
    longest = sum(
        1 for item in sbas
        if max(item["options"], key=lambda o: len(o["text"]))["id"] == item["key"]
    )
    assert longest <= 0.4 * len(sbas), "the key is too often the longest option"


# --- each case study ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case["key"] for case in CASES])
def test_case_study_shape(case):
    assert set(case) == CASE_KEYS
    assert case["title"].strip()
    assert case["status"] in STATUSES
    assert 3 <= len(case["items"]) <= 8
    assert len({item["type"] for item in case["items"]}) >= 2, "mix at least two item types"
    themes = {THEME_OF[item["substandards"]["primary"]] for item in case["items"]}
    assert len(themes) >= 2, "items should span at least two themes"


@pytest.mark.parametrize("name,html", list(_scenarios()), ids=[name for name, _ in _scenarios()])
def test_scenario_html_and_length(name, html):
    assert _html_problems(html) == []
    assert 150 <= _words(html) <= 350, _words(html)


def test_scenarios_survive_sanitising_unchanged():
    from item_bank.sanitise import sanitise_html

    for name, html in _scenarios():
        assert sanitise_html(html) == html, name


def test_some_scenarios_have_lists_and_tables():
    assert sum("<table>" in case["scenario"] for case in CASES) >= 4
    assert sum("<ul>" in case["scenario"] or "<ol>" in case["scenario"] for case in CASES) >= 4


# --- each item ----------------------------------------------------------------------------------


def _ids(options):
    return [option["id"] for option in options]


def _letters(n):
    return [chr(ord("A") + i) for i in range(n)]


@pytest.mark.parametrize("item", [item for _, _, item in ITEMS], ids=ITEM_IDS)
def test_item_common_fields(item):
    assert item["type"] in TYPES
    assert set(item) == COMMON_KEYS | TYPE_KEYS[item["type"]]
    assert _text(item["stem"]) and _html_problems(item["stem"]) == []
    assert _text(item["rationale"]) and len(item["rationale"]) <= 700
    assert isinstance(item["reference"], str) and item["reference"].strip()
    facility = item["estimated_facility"]
    assert isinstance(facility, float) and 0.3 <= facility <= 0.9


@pytest.mark.parametrize("item", [item for _, _, item in ITEMS], ids=ITEM_IDS)
def test_item_substandards_exist_in_the_framework(item):
    mapping = item["substandards"]
    assert set(mapping) == {"primary", "others"}
    assert mapping["primary"] in THEME_OF, mapping["primary"]
    assert isinstance(mapping["others"], list)
    for code in mapping["others"]:
        assert code in THEME_OF, code
    codes = [mapping["primary"], *mapping["others"]]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("item", [item for _, _, item in ITEMS], ids=ITEM_IDS)
def test_item_type_shape(item):
    kind = item["type"]
    if kind == "constructed_response":
        rubric = item["rubric"]
        assert 2 <= len(rubric) <= 4
        for row in rubric:
            assert set(row) == {"criterion", "marks"}
            assert row["criterion"].strip()
            assert isinstance(row["marks"], int) and row["marks"] >= 1
        assert item["max_mark"] == sum(row["marks"] for row in rubric)
        assert 3 <= item["max_mark"] <= 6
        assert item["word_limit"] in (150, 200)
        assert item["model_answer"].strip()
        return

    options = item["options"]
    for option in options:
        assert set(option) == {"id", "text"} and option["text"].strip()
    ids = _ids(options)
    assert ids == _letters(len(ids)), "option ids run A, B, C, ..."

    if kind == "sba":
        assert 4 <= len(options) <= 5
        assert item["key"] in ids
        assert item["shuffle"] is True
    elif kind == "multiple_response":
        assert 5 <= len(options) <= 8
        assert item["choose"] in (2, 3)
        assert len(item["key"]) == item["choose"] == len(set(item["key"]))
        assert set(item["key"]) <= set(ids)
        assert item["scoring"] in ("partial", "all_or_nothing")
        assert item["shuffle"] is True
    elif kind == "extended_matching":
        assert 6 <= len(options) <= 10
        stems = item["stems"]
        assert 3 <= len(stems) <= 4
        assert [stem["id"] for stem in stems] == [str(n) for n in range(1, len(stems) + 1)]
        for stem in stems:
            assert set(stem) == {"id", "text", "key"} and stem["text"].strip()
            assert stem["key"] in ids
        assert item["shuffle"] is False
    elif kind == "ordering":
        assert 4 <= len(options) <= 6
        assert sorted(item["key"]) == sorted(ids) and len(item["key"]) == len(ids)
        assert item["key"] != ids, "the correct order must not be the listed order"
        assert item["scoring"] in ("adjacent_pairs", "all_or_nothing")


@pytest.mark.parametrize("item", [item for _, _, item in ITEMS], ids=ITEM_IDS)
def test_item_writing_rules(item):
    blob = json.dumps(item).lower()
    assert "all of the above" not in blob and "none of the above" not in blob
    # A negatively phrased question must make the negative stand out in bold.
    unbolded = re.sub(r"<strong>.*?</strong>", " ", item["stem"])
    for question in re.findall(r"[^.?!]*\?", _text(unbolded)):
        assert not re.search(r"\b(not|never|except|least)\b", question, re.I), question


# --- the item-type registry ---------------------------------------------------------------------


def test_every_item_validates_against_the_item_type_registry():
    from item_bank.item_types import validate_content

    problems = {
        item_id: validate_content(item)
        for item_id, (_, _, item) in zip(ITEM_IDS, ITEMS)
    }
    assert {k: v for k, v in problems.items() if v} == {}


def test_every_case_study_validates_against_the_item_type_registry():
    from item_bank.item_types import validate_case_study

    for case in CASES:
        assert validate_case_study(case) == [], case["key"]
