"""The pure rules of a result: pass or fail, feedback by theme, near the cut, the resit date."""
import datetime as dt
import math

import pytest

from assessment.results import rules
from assessment.results.rules import ExaminerAction, Outcome, Standing


@pytest.mark.parametrize(("total", "pass_mark", "expected"), [
    (12, 12, Outcome.PASS), (12.5, 12, Outcome.PASS), (11.5, 12, Outcome.FAIL), (0, 0, Outcome.PASS),
    (11.999999999999, 12, Outcome.PASS),  # a float sum of half marks is not a fail
])
def test_pass_when_the_total_reaches_the_pass_mark(total, pass_mark, expected):
    assert rules.outcome_of(total, pass_mark) is expected


def test_an_examiners_decision_stands_above_the_score():
    assert rules.outcome_of(30, 12, Outcome.WITHHELD) is Outcome.WITHHELD
    assert rules.outcome_of(3, 12, Outcome.VOIDED) is Outcome.VOIDED
    with pytest.raises(ValueError):
        rules.outcome_of(math.nan, 12)


def test_the_latest_examiner_decision_stands_and_reinstating_lifts_it():
    assert rules.standing_outcome([]) is None
    assert rules.standing_outcome(["withhold"]) is Outcome.WITHHELD
    assert rules.standing_outcome([ExaminerAction.WITHHOLD, ExaminerAction.VOID]) is Outcome.VOIDED
    assert rules.standing_outcome(["withhold", "reinstate"]) is None
    assert rules.standing_outcome(["void", "reinstate", "withhold"]) is Outcome.WITHHELD


@pytest.mark.parametrize(("share", "expected"), [
    (0.60, Standing.AT), (0.70, Standing.AT), (0.50, Standing.AT),  # the band's edges are "at"
    (0.71, Standing.ABOVE), (0.49, Standing.BELOW), (1.0, Standing.ABOVE), (0.0, Standing.BELOW),
])
def test_standing_against_a_pass_fraction_of_sixty_per_cent(share, expected):
    assert rules.standing(share, 0.6, band=0.10) is expected


def test_a_zero_band_leaves_only_the_pass_fraction_itself_at_the_standard():
    assert rules.standing(0.6, 0.6, band=0) is Standing.AT
    assert rules.standing(0.61, 0.6, band=0) is Standing.ABOVE
    with pytest.raises(ValueError):
        rules.standing(0.5, 0.6, band=-0.1)


def test_theme_feedback_from_the_items_mapped_to_each_theme():
    # Pass mark 6 of 10: pass fraction 0.6. Theme A: items 1 and 2 (3 + 1 of 4 + 2 = 4/6 = 0.67: at).
    # Theme B: item 3 (0 of 2: below). Theme C: item 4 (2 of 2: above), and item 2 maps to C too
    # (2 + 1 of 2 + 2 = 0.75: above). Theme D: only the excluded item 5: no feedback.
    themes = [{"A"}, {"A", "C"}, {"B"}, {"C"}, {"D"}]
    marks = [3, 1, 0, 2, None]
    tops = [4, 2, 2, 2, 1]
    feedback = rules.theme_feedback(themes, marks, tops, pass_mark=6, max_score=10, band=0.10)
    assert feedback == {"A": "at", "B": "below", "C": "above"}
    assert list(feedback) == ["A", "B", "C"]  # in theme order


def test_theme_feedback_counts_an_item_once_per_theme_and_moves_with_the_band():
    themes = [["A", "A"], ["A"]]
    assert rules.theme_feedback(themes, [1, 0], [1, 1], pass_mark=3, max_score=4, band=0.3) == {"A": "at"}
    assert rules.theme_feedback(themes, [1, 0], [1, 1], pass_mark=3, max_score=4, band=0.2) == {"A": "below"}


def test_theme_feedback_refuses_mismatched_lists_and_an_empty_paper():
    with pytest.raises(ValueError):
        rules.theme_feedback([{"A"}], [1, 2], [1, 1], pass_mark=1, max_score=2)
    with pytest.raises(ValueError):
        rules.theme_feedback([], [], [], pass_mark=0, max_score=0)


def test_near_the_cut_is_within_one_sem_either_side():
    assert rules.near_cut(10, 12, 2.0) and rules.near_cut(14, 12, 2.0)
    assert not rules.near_cut(9.9, 12, 2.0) and not rules.near_cut(14.1, 12, 2.0)
    assert not rules.near_cut(12, 12, None) and not rules.near_cut(12, 12, math.nan)


def test_pass_rate():
    assert rules.pass_rate([1, 2, 3, 4], 3) == 0.5
    assert rules.pass_rate([], 3) is None


def test_resit_date_is_the_interval_after_release():
    released = dt.datetime(2026, 12, 20, 23, 30, tzinfo=dt.timezone.utc)
    assert rules.resit_from(released, 90) == dt.date(2027, 3, 20)
    with pytest.raises(ValueError):
        rules.resit_from(released, -1)


def test_reasons():
    assert rules.reasons_problem("", required=False) is None
    assert rules.reasons_problem("  ", required=True) == "Enter the reasons"
    assert rules.reasons_problem("too short", required=True).startswith("Give the reasons in at least")
    assert rules.reasons_problem("A miskeyed item was found", required=True) is None
    assert rules.reasons_problem("x" * 4001, required=True) == "Reasons must be 4000 characters or fewer"
