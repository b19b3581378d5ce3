"""Scoring rules for each item type, and double marking of constructed responses."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.psychometrics.scoring_rules import AgreementRule, MarkResult, agreed_mark, mark_response, max_mark

OPTS = [{"id": x, "text": f"option {x}"} for x in "ABCDE"]


def test_single_best_answer():
    item = {"type": "sba", "options": OPTS, "key": "B"}
    assert mark_response(item, "B") == MarkResult(1.0, 1.0)
    assert mark_response(item, "C") == MarkResult(0.0, 1.0)
    assert mark_response(item, None) == MarkResult(0.0, 1.0)


def test_single_best_answer_rejects_unknown_option_and_bad_key():
    with pytest.raises(ValueError, match="not one of the options"):
        mark_response({"type": "sba", "options": OPTS, "key": "B"}, "Z")
    with pytest.raises(ValueError, match="key"):
        mark_response({"type": "sba", "options": OPTS, "key": "Q"}, "A")


@pytest.mark.parametrize(
    "response, aon, partial",
    [
        (["A", "C"], 1, 2),
        (["C", "A"], 1, 2),
        (["A"], 0, 1),
        (["A", "B"], 0, 0),  # +1 −1
        (["B", "D"], 0, 0),  # floored at 0, not −2
        (["A", "C", "D"], 0, 1),
        ([], 0, 0),
        (None, 0, 0),
    ],
)
def test_multiple_response(response, aon, partial):
    item = {"type": "multiple_response", "options": OPTS, "key": ["A", "C"], "choose": 2}
    assert mark_response({**item, "scoring": "all_or_nothing"}, response) == MarkResult(aon, 1.0)
    assert mark_response({**item, "scoring": "partial"}, response) == MarkResult(partial, 2.0)


def test_multiple_response_unknown_rule():
    with pytest.raises(ValueError, match="scoring"):
        mark_response({"type": "multiple_response", "options": OPTS, "key": ["A"], "scoring": "negative"}, ["A"])


@given(st.lists(st.sampled_from("ABCDE"), max_size=5))
def test_partial_credit_stays_within_zero_and_max(resp):
    item = {"type": "multiple_response", "options": OPTS, "key": ["A", "C", "E"], "choose": 3, "scoring": "partial"}
    r = mark_response(item, resp)
    assert 0 <= r.mark <= r.max_mark == 3


def test_extended_matching():
    item = {"type": "extended_matching", "options": OPTS,
            "stems": [{"id": "1", "text": "s1", "key": "C"}, {"id": "2", "text": "s2", "key": "A"}, {"id": "3", "text": "s3", "key": "C"}]}
    assert mark_response(item, {"1": "C", "2": "B", "3": "C"}) == MarkResult(2.0, 3.0)
    assert mark_response(item, {"1": "C"}) == MarkResult(1.0, 3.0)
    assert mark_response(item, None) == MarkResult(0.0, 3.0)
    with pytest.raises(ValueError, match="stem '9'"):
        mark_response(item, {"9": "A"})


@pytest.mark.parametrize(
    "response, aon, pairs",
    [
        (["C", "A", "B", "D"], 1, 3),
        (["A", "B", "D", "C"], 0, 2),  # A-B and B-D kept
        (["D", "B", "A", "C"], 0, 0),  # every pair reversed
        (["C", "A", "D", "B"], 0, 1),
        (None, 0, 0),
    ],
)
def test_ordering(response, aon, pairs):
    item = {"type": "ordering", "options": OPTS[:4], "key": ["C", "A", "B", "D"]}
    assert mark_response({**item, "scoring": "all_or_nothing"}, response) == MarkResult(aon, 1.0)
    assert mark_response({**item, "scoring": "adjacent_pairs"}, response) == MarkResult(pairs, 3.0)


def test_constructed_response_is_not_scored_by_code():
    item = {"type": "constructed_response", "max_mark": 6}
    assert max_mark(item) == 6
    with pytest.raises(ValueError, match="agreed_mark"):
        mark_response(item, "some text")


def test_unknown_type():
    with pytest.raises(ValueError, match="unknown item type"):
        mark_response({"type": "essay"}, None)


def test_max_mark_of_each_type():
    assert max_mark({"type": "sba", "options": OPTS, "key": "A"}) == 1
    assert max_mark({"type": "multiple_response", "options": OPTS, "key": ["A", "B", "C"], "scoring": "partial"}) == 3
    assert max_mark({"type": "ordering", "options": OPTS, "key": list("ABCDE"), "scoring": "adjacent_pairs"}) == 4


def test_agreed_mark_within_tolerance_is_the_mean():
    r = agreed_mark(4, 5, max_mark=6, tolerance=1)
    assert (r.mark, r.status) == (4.5, "agreed")


def test_agreed_mark_needs_a_third_marker():
    r = agreed_mark(2, 5, max_mark=6, tolerance=1)
    assert r.mark is None and r.status == "needs_third_marker"


def test_third_marker_decides_or_joins_the_nearer():
    assert agreed_mark(2, 5, 4, max_mark=6, tolerance=1).mark == 4
    assert agreed_mark(2, 5, 4, max_mark=6, tolerance=1, rule=AgreementRule.THIRD_WITH_NEAREST).mark == 4.5
    # equally near: the lower mark is used
    assert agreed_mark(2, 6, 4, max_mark=6, tolerance=1, rule="third_with_nearest").mark == 3


def test_agreed_mark_rejects_out_of_range():
    with pytest.raises(ValueError, match="outside"):
        agreed_mark(7, 5, max_mark=6)
    with pytest.raises(ValueError, match="tolerance"):
        agreed_mark(1, 1, max_mark=6, tolerance=-1)
