"""The pure rules of appeals: the window, the grounds, each source of a conflict, the panel's make-up
and where an appeal stands."""
import datetime as dt

import pytest

from assessment.results.appeals import rules
from assessment.results.appeals.rules import Candidate, ConflictKind, ConflictSources, Outcome, PanelState, Status

RELEASED = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)


def test_the_window_closes_the_given_number_of_days_after_release():
    assert rules.window_closes_at(RELEASED, 28) == dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("offset, allowed", [
    (dt.timedelta(0), True), (dt.timedelta(days=28), True), (dt.timedelta(days=28, seconds=1), False),
    (dt.timedelta(seconds=-1), False)])
def test_an_appeal_may_be_lodged_only_inside_the_window(offset, allowed):
    problem = rules.window_problem(RELEASED, RELEASED + offset, 28)
    assert (problem is None) is allowed


def test_the_window_message_names_the_number_of_days():
    assert "within 14 days" in rules.window_problem(RELEASED, RELEASED + dt.timedelta(days=15), 14)


def test_grounds_must_be_chosen_from_the_list():
    assert rules.grounds_problem([]) == "Choose at least one ground for your appeal"
    assert rules.grounds_problem(["bribery"]) == "Choose the grounds from the list"
    assert rules.grounds_problem(["marking_error", "other"]) is None
    assert {g.value for g in rules.Ground} == {"procedural_irregularity", "marking_error", "adjustments_not_provided",
                                              "technical_failure", "other"}


SOURCES = ConflictSources(candidate_id=1, marker_ids=frozenset({2}), invigilator_ids=frozenset({3}),
                          standard_setter_ids=frozenset({4}), examiner_ids=frozenset({5}),
                          declared_ids=frozenset({6}))


@pytest.mark.parametrize("person, kind", [(1, ConflictKind.CANDIDATE), (2, ConflictKind.MARKER),
                                          (3, ConflictKind.INVIGILATOR), (4, ConflictKind.STANDARD_SETTER),
                                          (5, ConflictKind.EXAMINER), (6, ConflictKind.DECLARED)])
def test_each_source_is_a_conflict(person, kind):
    assert rules.conflicts_of(person, SOURCES) == [kind]


def test_someone_with_no_part_has_no_conflict_and_several_parts_are_all_named():
    assert rules.conflicts_of(9, SOURCES) == []
    both = ConflictSources(candidate_id=1, marker_ids=frozenset({2}), examiner_ids=frozenset({2}))
    assert rules.conflicts_of(2, both) == [ConflictKind.MARKER, ConflictKind.EXAMINER]
    assert rules.conflict_sentence("Mo", rules.conflicts_of(2, both)) == (
        "Mo cannot sit on this panel: they marked a written answer of this attempt and examined this sitting "
        "(decided or approved its pass mark, or released, withheld or voided its results).")


def _messages(members):
    return [p.message for p in rules.panel_problems(members, SOURCES)]


def _panel(*members):
    return [Candidate(i, f"Person {i}", manager) for i, manager in members]


def test_a_valid_panel_has_three_people_two_registered_case_managers_and_no_conflict():
    assert rules.panel_problems(_panel((10, True), (11, True), (12, False)), SOURCES) == []
    assert rules.panel_problems(_panel((10, True), (11, True), (12, True)), SOURCES) == []


def test_fewer_than_two_registered_case_managers_is_refused():
    assert _messages(_panel((10, True), (11, False), (12, False))) == [
        "At least 2 members of the panel must be registered case managers; only 1 is."]
    assert _messages(_panel((10, False), (11, False), (12, False))) == [
        "At least 2 members of the panel must be registered case managers; none are."]


def test_the_panel_has_exactly_three_different_people():
    assert "Choose three different people." in _messages(_panel((10, True), (10, True), (11, True)))
    assert "A panel has exactly 3 members." in _messages(_panel((10, True), (11, True)))
    assert "A panel has exactly 3 members." in _messages(_panel((10, True), (11, True), (12, True), (13, True)))


def test_a_conflicted_member_is_named_with_the_reason():
    problems = rules.panel_problems(_panel((10, True), (11, True), (3, True)), SOURCES)
    assert problems == [rules.PanelProblem("Person 3 cannot sit on this panel: they invigilated this attempt.", 2)]


@pytest.mark.parametrize("panel, outcome, remarked, status", [
    (None, None, False, Status.AWAITING_PANEL),
    (PanelState(3, 1, 0), None, False, Status.PANEL_CONVENING),
    (PanelState(3, 2, 1), None, False, Status.AWAITING_PANEL),  # a declared conflict breaks the panel
    (PanelState(3, 3, 0), None, False, Status.PANEL_SITTING),
    (PanelState(3, 3, 0), Outcome.DISMISSED, False, Status.DISMISSED),
    (PanelState(3, 3, 0), Outcome.UPHELD_REMARK, False, Status.REMARK_REQUESTED),
    (PanelState(3, 3, 0), Outcome.UPHELD_REMARK, True, Status.REMARKED),
    (PanelState(3, 3, 0), Outcome.UPHELD_VOID_RESIT, False, Status.VOIDED),
])
def test_where_an_appeal_stands(panel, outcome, remarked, status):
    assert rules.appeal_status(panel, outcome, remarked) is status
    assert status.is_open is (outcome is None)
