"""The agreement rule, rounding and the range of a mark (pure)."""
import pytest

from scoring.marking import rules


@pytest.mark.parametrize("value, rounding, expected", [
    (2.5, "whole", 3), (1.5, "whole", 2), (2.25, "half", 2.5), (2.75, "half", 3), (2.2, "half", 2), (0.5, "whole", 1),
])
def test_rounding_is_half_up(value, rounding, expected):
    assert rules.round_half_up(value, rounding) == expected


def test_within_tolerance_is_agreed_as_the_rounded_mean():
    outcome = rules.outcome(2, 3, tolerance=1, rounding="half")
    assert (outcome.status, outcome.mark) == ("resolved", 2.5)


def test_beyond_tolerance_waits_for_the_third_marker_whose_mark_stands():
    assert rules.outcome(1, 3, tolerance=1).status == "awaiting_third"
    outcome = rules.outcome(1, 3, 2.5, tolerance=1)
    assert (outcome.status, outcome.mark) == ("resolved", 2.5)


def test_either_side_of_the_cut_needs_a_third_marker_only_once_a_cut_exists():
    assert rules.outcome(2, 3, tolerance=1, cut=None, rest=10).status == "resolved"
    assert rules.outcome(2, 3, tolerance=1, cut=13, rest=10).status == "awaiting_third"
    assert rules.outcome(2, 3, tolerance=1, cut=12, rest=10).status == "resolved"  # both pass


def test_one_mark_is_not_enough():
    assert rules.outcome(2, None).status == "marked_once"
    assert rules.outcome(None, None).status == "unmarked"


@pytest.mark.parametrize("value, problem", [(4, None), (0, None), (1.5, None), (4.5, "between 0 and 4"),
                                            (-0.5, "between 0 and 4"), (1.2, "steps of 0.5"),
                                            (float("nan"), "as a number")])
def test_mark_range_and_steps(value, problem):
    found = rules.mark_problem(value, 4)
    assert (found is None) if problem is None else (problem in found)


def test_a_mark_after_an_appeal_stands_over_the_agreed_mark_and_says_so():
    outcome = rules.outcome(2, 3, tolerance=1, rounding="whole", appeal=4)
    assert (outcome.status, outcome.mark) == ("resolved", 4)
    assert outcome.reason == "Marked again after an appeal: the re-mark of 4 stands in place of 3"


def test_a_mark_after_an_appeal_stands_over_the_third_markers_and_even_a_lower_one():
    assert rules.outcome(1, 3, 2.5, tolerance=1, appeal=1.5).mark == 1.5
    outcome = rules.outcome(1, 3, None, tolerance=1, appeal=2)  # no third mark yet: the re-mark settles it
    assert (outcome.status, outcome.mark) == ("resolved", 2)
    assert outcome.reason == "Marked again after an appeal: the re-mark of 2 stands"


def test_without_an_appeal_mark_the_outcome_is_unchanged():
    assert rules.outcome(2, 3, tolerance=1, appeal=None) == rules.outcome(2, 3, tolerance=1)
