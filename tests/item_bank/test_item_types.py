"""The item-type registry: validation rules, marks, the candidate's view and option shuffles."""

from __future__ import annotations

import copy
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from item_bank.item_types import (
    ITEM_TYPES,
    FieldError,
    candidate_view,
    get_item_type,
    max_mark,
    shuffled_option_order,
    validate_case_study,
    validate_content,
)

SECRET_KEYS = {"key", "rubric", "model_answer", "rationale", "reference", "estimated_facility", "substandards", "scoring"}


KINDS = ["constructed_response", "extended_matching", "multiple_response", "ordering", "sba"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_sample_items_are_valid_and_json_serialisable(sample_item, kind):
    content = sample_item(kind)
    assert validate_content(content) == []
    assert json.loads(json.dumps(content)) == content


def test_the_registry_knows_the_five_types():
    assert set(ITEM_TYPES) == {"sba", "multiple_response", "extended_matching", "ordering", "constructed_response"}
    assert get_item_type("sba").name == "sba"
    with pytest.raises(ValueError):
        get_item_type("true_false")


def _set(path, value):
    def mutate(content):
        target = content
        *parents, last = path
        for step in parents:
            target = target[step]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value
    return mutate


_DELETE = object()


def _trim(name, keep):
    def mutate(content):
        content[name] = content[name][:keep]
    return mutate

RULES = [
    # (type, mutation, field, words in the message)
    ("sba", _set(["key"], ["A", "B"]), "key", "exactly one key"),
    ("sba", _set(["key"], _DELETE), "key", "exactly one key"),
    ("sba", _set(["key"], "Z"), "key", "one of the options"),
    ("sba", _trim("options", 2), "options", "between 3 and 6 options"),
    ("sba", _set(["options", 2, "text"], "  "), "options.2.text", "Option 3 needs some text"),
    ("sba", _set(["options", 2, "text"], "<p> </p>"), "options.2.text", "Option 3 needs some text"),
    ("sba", _set(["options", 1, "id"], "A"), "options.1.id", "same label"),
    ("sba", _set(["options", 1, "id"], "_x"), "options.1.id", "short label"),
    ("sba", _set(["options", 1, "id"], "has space"), "options.1.id", "short label"),
    ("sba", _set(["shuffle"], "yes"), "shuffle", "shuffled"),
    ("sba", _set(["stem"], "<p></p>"), "stem", "stem"),
    ("sba", _set(["rationale"], ""), "rationale", "rationale"),
    ("sba", _set(["reference"], 12), "reference", "text"),
    ("sba", _set(["estimated_facility"], 1.5), "estimated_facility", "0 to 1"),
    ("sba", _set(["estimated_facility"], True), "estimated_facility", "0 to 1"),
    ("sba", _set(["substandards"], _DELETE), "substandards.primary", "primary sub-standard"),
    ("sba", _set(["substandards", "primary"], None), "substandards.primary", "primary sub-standard"),
    ("sba", _set(["substandards", "primary"], "23.1"), "substandards.primary", "standards 1 to 22"),
    ("sba", _set(["substandards", "primary"], "6"), "substandards.primary", "such as 6.3"),
    ("sba", _set(["substandards", "others"], ["7.2", "7.2"]), "substandards.others.1", "more than once"),
    ("sba", _set(["substandards", "others"], ["6.3"]), "substandards.others.0", "more than once"),
    ("sba", _set(["substandards", "others"], ["x"]), "substandards.others.0", "not a code"),
    ("multiple_response", _set(["choose"], 3), "key", "The number of keys (2) must match the number of options candidates choose (3)"),
    ("multiple_response", _set(["choose"], 0), "choose", "how many options"),
    ("multiple_response", _set(["key"], ["A", "A"]), "key", "more than once"),
    ("multiple_response", _set(["key"], ["A", "Q"]), "key", "one of the options"),
    ("multiple_response", _set(["key"], []), "key", "one or more"),
    ("multiple_response", _set(["scoring"], "negative"), "scoring", "scoring rule"),
    ("multiple_response", _trim("options", 3), "options", "between 4 and 10"),
    ("extended_matching", _trim("stems", 1), "stems", "at least 2 stems"),
    ("extended_matching", _set(["stems", 1, "key"], "Z"), "stems.1.key", "Stem 2 needs a key"),
    ("extended_matching", _set(["stems", 1, "text"], ""), "stems.1.text", "Stem 2 needs some text"),
    ("extended_matching", _set(["stems", 1, "id"], "1"), "stems.1.id", "same label"),
    ("extended_matching", _trim("options", 4), "options", "between 5 and 26"),
    ("ordering", _set(["key"], ["A", "B", "C"]), "key", "every option exactly once"),
    ("ordering", _set(["key"], ["A", "A", "B", "C"]), "key", "every option exactly once"),
    ("ordering", _set(["scoring"], "partial"), "scoring", "scoring rule"),
    ("ordering", _trim("options", 2), "options", "between 3 and 8"),
    ("constructed_response", _set(["max_mark"], 4), "max_mark", "The maximum mark (4) must equal the total of the rubric marks (3)"),
    ("constructed_response", _set(["rubric"], []), "rubric", "at least one marking criterion"),
    ("constructed_response", _set(["rubric", 0, "marks"], 0), "rubric.0.marks", "whole number of marks"),
    ("constructed_response", _set(["rubric", 0, "marks"], 1.5), "rubric.0.marks", "whole number of marks"),
    ("constructed_response", _set(["rubric", 1, "criterion"], ""), "rubric.1.criterion", "Criterion 2 needs a description"),
    ("constructed_response", _set(["model_answer"], ""), "model_answer", "model answer"),
    ("constructed_response", _set(["word_limit"], 0), "word_limit", "word limit"),
]


@pytest.mark.parametrize(("kind", "mutate", "field", "words"), RULES)
def test_each_rule_reports_the_field_with_a_clear_message(sample_item, kind, mutate, field, words):
    content = sample_item(kind)
    mutate(content)
    errors = validate_content(content)
    assert any(e.field == field and words in e.message for e in errors), errors
    assert all(isinstance(e, FieldError) and e.message[0].isupper() for e in errors)


def test_an_unknown_or_missing_type_asks_for_one():
    assert validate_content({"type": "essay"}) == [FieldError("type", "Choose an item type")]
    assert validate_content(None) == [FieldError("type", "The item is empty")]


@pytest.mark.parametrize(
    ("kind", "changes", "expected"),
    [
        ("sba", {}, 1),
        ("multiple_response", {"scoring": "partial"}, 2),
        ("multiple_response", {"scoring": "all_or_nothing"}, 1),
        ("extended_matching", {}, 3),
        ("ordering", {"scoring": "adjacent_pairs"}, 3),
        ("ordering", {"scoring": "all_or_nothing"}, 1),
        ("constructed_response", {}, 3),
    ],
)
def test_max_mark(sample_item, kind, changes, expected):
    assert max_mark({**sample_item(kind), **changes}) == expected


def test_candidate_view_of_each_type_has_only_what_a_candidate_may_see(sample_item):
    sba = sample_item("sba")
    assert candidate_view(sba) == {"type": "sba", "stem": sba["stem"], "options": sba["options"]}
    assert candidate_view(sample_item("multiple_response"))["choose"] == 2
    emq = candidate_view(sample_item("extended_matching"))
    assert emq["stems"] == [{"id": s["id"], "text": s["text"]} for s in sample_item("extended_matching")["stems"]]
    assert set(candidate_view(sample_item("ordering"))) == {"type", "stem", "options"}
    assert candidate_view(sample_item("constructed_response")) == {
        "type": "constructed_response", "stem": sample_item("constructed_response")["stem"], "word_limit": 200,
    }
    for kind in KINDS:
        assert not SECRET_KEYS & set(candidate_view(sample_item(kind)))


def test_candidate_view_follows_the_option_order_and_drops_extra_option_fields(sample_item):
    content = sample_item("sba")
    content["options"][0]["is_key"] = False  # a stray field must not reach the candidate
    view = candidate_view(content, option_order=["D", "C", "B", "A"])
    assert [o["id"] for o in view["options"]] == ["D", "C", "B", "A"]
    assert all(set(o) == {"id", "text"} for o in view["options"])
    with pytest.raises(ValueError):
        candidate_view(content, option_order=["A", "B"])
    with pytest.raises(ValueError):
        candidate_view(content, option_order=["A", "A", "B", "C"])


def test_shuffled_option_order(sample_item):
    rng = random.Random(4)
    assert shuffled_option_order(sample_item("constructed_response"), rng) is None
    assert shuffled_option_order({**sample_item("sba"), "shuffle": False}, rng) is None
    order = shuffled_option_order(sample_item("sba"), rng)
    assert sorted(order) == ["A", "B", "C", "D"]
    same_seed = [shuffled_option_order(sample_item("extended_matching"), random.Random(9)) for _ in range(2)]
    assert same_seed[0] == same_seed[1]


def test_ordering_items_are_always_shuffled_and_never_shown_in_the_correct_order(sample_item):
    content = {**sample_item("ordering"), "shuffle": False}
    for seed in range(200):
        order = shuffled_option_order(content, random.Random(seed))
        assert sorted(order) == sorted(content["key"])
        assert order != content["key"]


def test_case_study_rules(sample_case_study):
    assert validate_case_study(sample_case_study) == []
    short = {**sample_case_study, "items": sample_case_study["items"][:2]}
    assert FieldError("items", "A case study needs between 3 and 8 items") in validate_case_study(short)
    long = {**sample_case_study, "items": sample_case_study["items"] * 2}
    assert FieldError("items", "A case study needs between 3 and 8 items") in validate_case_study(long)
    blank = {**sample_case_study, "title": " ", "scenario": "<p></p>"}
    fields = {e.field for e in validate_case_study(blank)}
    assert {"title", "scenario"} <= fields


def test_case_study_item_errors_are_prefixed_with_the_item_index(sample_case_study):
    sample_case_study["items"][1]["key"] = ["A"]
    errors = validate_case_study(sample_case_study)
    assert any(e.field == "items.1.key" for e in errors)
    assert not any(e.field.startswith("items.1") for e in validate_case_study(sample_case_study, items=False))


# --- a property: the candidate's view never leaks secrets --------------------------------------

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8)


def _secret(draw, label):
    # Every secret carries a marker that no visible field can contain, so any leak is found.
    return f"SECRET{label}{draw(st.integers(0, 10**6))}"


@st.composite
def valid_content(draw):
    kind = draw(st.sampled_from(sorted(ITEM_TYPES)))
    low, high = {"sba": (3, 6), "multiple_response": (4, 10), "extended_matching": (5, 26), "ordering": (3, 8)}.get(kind, (0, 0))
    n = draw(st.integers(low, high))
    ids = [chr(ord("A") + i) for i in range(n)]
    options = [{"id": i, "text": f"{draw(_WORD)} {i}"} for i in ids]
    content = {
        "type": kind,
        "stem": f"<p>{draw(_WORD)}</p>",
        "rationale": _secret(draw, "rationale"),
        "reference": _secret(draw, "reference"),
        "estimated_facility": draw(st.none() | st.floats(0, 1)),
        "substandards": {"primary": f"{draw(st.integers(1, 22))}.{draw(st.integers(1, 9))}", "others": []},
    }
    if kind == "sba":
        content |= {"options": options, "key": draw(st.sampled_from(ids)), "shuffle": draw(st.booleans())}
    elif kind == "multiple_response":
        key = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=n - 1, unique=True))
        content |= {"options": options, "key": key, "choose": len(key),
                    "scoring": draw(st.sampled_from(["all_or_nothing", "partial"])), "shuffle": draw(st.booleans())}
    elif kind == "extended_matching":
        stems = [{"id": str(i + 1), "text": draw(_WORD), "key": draw(st.sampled_from(ids))}
                 for i in range(draw(st.integers(2, 5)))]
        content |= {"options": options, "stems": stems, "shuffle": draw(st.booleans())}
    elif kind == "ordering":
        content |= {"options": options, "key": draw(st.permutations(ids)),
                    "scoring": draw(st.sampled_from(["all_or_nothing", "adjacent_pairs"]))}
    else:
        rubric = [{"criterion": _secret(draw, "criterion"), "marks": draw(st.integers(1, 4))}
                  for _ in range(draw(st.integers(1, 4)))]
        content |= {"model_answer": _secret(draw, "model"), "rubric": rubric,
                    "max_mark": sum(r["marks"] for r in rubric), "word_limit": draw(st.none() | st.integers(1, 500))}
    return content


@settings(max_examples=200)
@given(valid_content(), st.randoms(use_true_random=False))
def test_candidate_view_never_contains_keys_rubrics_or_rationales(content, rng):
    assert validate_content(content) == []
    order = shuffled_option_order(content, rng)
    view = candidate_view(copy.deepcopy(content), option_order=order)
    text = json.dumps(view)
    assert "SECRET" not in text
    assert not SECRET_KEYS & set(view)
    for option in view.get("options", []):
        assert set(option) == {"id", "text"}
    for stem in view.get("stems", []):
        assert set(stem) == {"id", "text"}
    assert max_mark(content) >= 1


# --- candidates' answers (the exam's save path) -------------------------------------------------------

from item_bank.item_types import (  # noqa: E402
    ANSWER_CHECKS, MAX_WRITTEN_CHARS, answer_status, validate_answer, validate_struck,
)


def test_every_type_has_an_answer_check():
    assert set(ANSWER_CHECKS) == set(ITEM_TYPES)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("empty", [None, "", [], {}])
def test_an_empty_answer_is_always_allowed_and_unanswered(sample_item, kind, empty):
    content = sample_item(kind)
    assert validate_answer(content, empty) == []
    assert answer_status(content, empty) == "unanswered"


def _ids(content):
    return [o["id"] for o in content.get("options", [])]


def test_single_best_answer_takes_one_of_its_options(sample_item):
    content = sample_item("sba")
    first = _ids(content)[0]
    assert validate_answer(content, first) == []
    for bad in ("Z", [first], {"1": first}, 3, True):
        [problem] = validate_answer(content, bad)
        assert problem.field == "answer"


def test_multiple_response_takes_at_most_choose_distinct_options(sample_item):
    content = sample_item("multiple_response")
    ids, choose = _ids(content), content["choose"]
    assert validate_answer(content, ids[:choose]) == []
    assert answer_status(content, ids[:choose]) == "answered"
    assert validate_answer(content, ids[:1]) == [] and answer_status(content, ids[:1]) == ("incomplete" if choose > 1
                                                                                         else "answered")
    assert "at most" in validate_answer(content, ids[:choose + 1])[0].message
    assert validate_answer(content, [ids[0], ids[0]])
    assert validate_answer(content, [ids[0], "Z"])
    assert validate_answer(content, ids[0])


def test_extended_matching_takes_one_option_per_stem_among_its_stems(sample_item):
    content = sample_item("extended_matching")
    stems, ids = [s["id"] for s in content["stems"]], _ids(content)
    full = {stem: ids[0] for stem in stems}
    assert validate_answer(content, full) == [] and answer_status(content, full) == "answered"
    part = {stems[0]: ids[1]}
    assert validate_answer(content, part) == [] and answer_status(content, part) == "incomplete"
    assert validate_answer(content, {"no-such-stem": ids[0]})
    assert validate_answer(content, {stems[0]: "Z"})
    assert validate_answer(content, {stems[0]: [ids[0]]})
    assert validate_answer(content, [ids[0]])


def test_ordering_takes_a_permutation_of_its_options(sample_item):
    content = sample_item("ordering")
    ids = _ids(content)
    assert validate_answer(content, list(reversed(ids))) == []
    assert validate_answer(content, ids[:-1])
    assert validate_answer(content, ids + [ids[0]])
    assert validate_answer(content, ids[:-1] + ["Z"])
    assert validate_answer(content, {"1": ids[0]})


def test_a_written_answer_is_text_within_the_hard_cap_and_may_run_over_its_word_limit(sample_item):
    content = {**sample_item("constructed_response"), "word_limit": 5}
    assert validate_answer(content, "one two three") == [] and answer_status(content, "one two three") == "answered"
    assert validate_answer(content, "a " * 10) == [] and answer_status(content, "a " * 10) == "over_limit"
    assert validate_answer(content, "x" * MAX_WRITTEN_CHARS) == []
    assert "at most" in validate_answer(content, "x" * (MAX_WRITTEN_CHARS + 1))[0].message
    assert MAX_WRITTEN_CHARS > 2000 * 12  # above the longest word limit a writer can set
    assert validate_answer(content, ["text"])
    assert "NUL" in validate_answer(content, "a\x00b")[0].message
    assert "surrogate" in validate_answer(content, "a\ud800b")[0].message


@pytest.mark.parametrize("kind", KINDS)
def test_struck_out_options_are_among_the_items_options(sample_item, kind):
    content = sample_item(kind)
    ids = _ids(content)
    assert validate_struck(content, []) == [] and validate_struck(content, None) == []
    if ids:
        assert validate_struck(content, ids[:2]) == []
        assert validate_struck(content, [ids[0], ids[0]])
    assert validate_struck(content, ["Z"])
    assert validate_struck(content, "A")


@settings(max_examples=200)
@given(answer=st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner,
                                                                                       max_size=3), max_leaves=8),
       kind=st.sampled_from(KINDS))
def test_answer_checks_never_raise_and_always_name_the_field(answer, kind):
    from tests.item_bank.conftest import ALL_ITEMS  # the same samples as the fixture

    content = copy.deepcopy(ALL_ITEMS[kind])
    problems = validate_answer(content, answer) + validate_struck(content, answer)
    assert all(isinstance(p, FieldError) and p.field in ("answer", "struck") for p in problems)
