"""Exam specs as typed, and case-study summaries (item_bank.papers.rules) — pure, no database."""
from types import SimpleNamespace

import pytest

from item_bank.assembly import SpecConstraints
from item_bank.papers import rules


def fields(**changes):
    base = dict(title="Spring sitting", total_marks=40, total_marks_tolerance=2, duration_min=120,
                min_case_studies=4, max_case_studies=6,
                theme_marks={"A": (10, 2), "B": (10, 2), "C": (10, 2), "D": (10, 2)})
    base.update(changes)
    return rules.SpecFields(**base)


def problems(checked):
    return dict(checked.problems)


def test_a_valid_spec_becomes_constraints_and_stored_values():
    checked = rules.check_spec(fields(standard_rows=[(6, 2, 8), (None, None, None), (13, 1, None)],
                                      item_type_mix={"sba": (5, None), "ordering": (None, 3)},
                                      enemy_text="3, 7\n\n9 12 15", max_exposure=2))
    assert checked.ok, checked.problems
    assert isinstance(checked.constraints, SpecConstraints)
    assert checked.values["theme_marks"] == {"A": [10, 2], "B": [10, 2], "C": [10, 2], "D": [10, 2]}
    # A row with only a minimum runs up to the most marks a paper may carry.
    assert checked.values["standard_marks"] == {"6": [2, 8], "13": [1, 42]}
    assert checked.values["item_type_mix"] == {"sba": [5, None], "ordering": [0, 3]}
    assert checked.values["enemy_sets"] == [[3, 7], [9, 12, 15]]
    assert checked.enemy_ids == {3, 7, 9, 12, 15}
    assert [r.name for r in checked.constraints.requirements()][:3] == ["total_marks", "case_studies", "theme:A"]


def test_every_theme_needs_a_target_and_tolerance():
    checked = rules.check_spec(fields(theme_marks={"A": (10, 2), "B": (None, 1), "C": (10, None)}))
    found = problems(checked)
    assert found["theme_B_target"] == "Enter the target marks for theme B"
    assert found["theme_C_tolerance"] == "Enter the tolerance for theme C (0 for none)"
    assert "theme_D_target" in found and "theme_D_tolerance" in found
    assert checked.constraints is None


def test_field_rules_are_reported_beside_their_fields():
    found = problems(rules.check_spec(fields(
        title=" ", total_marks_tolerance=40, duration_min=0, min_case_studies=5, max_case_studies=3,
        theme_marks={"A": (10, 12), "B": (10, 2), "C": (10, 2), "D": (10, 2)}, max_exposure=-1)))
    assert found["title"] == "Enter a title for the exam spec"
    assert found["total_marks_tolerance"].startswith("The total marks tolerance (40) must be smaller")
    assert found["duration_min"] == "The time allowed must be between 1 and 600 minutes"
    assert found["max_case_studies"] == "The greatest number of case studies must be at least the least number (5)"
    assert found["theme_A_tolerance"] == "Theme A tolerance (12) cannot be more than its target (10)"
    assert found["max_exposure"] == "The maximum exposure must be 0 or more"


def test_the_engine_judges_the_themes_together():
    checked = rules.check_spec(fields(theme_marks={"A": (20, 0), "B": (20, 0), "C": (10, 0), "D": (10, 0)}))
    assert problems(checked) == {"themes": "The theme minimums add up to 60 marks, more than the total allows (38–42)."}
    single = problems(rules.check_spec(fields(theme_marks={"A": (50, 2), "B": (1, 1), "C": (1, 1), "D": (1, 1)})))
    assert single["theme_A_target"] == "Theme A needs at least 48 marks, more than the paper's total."


def test_standard_rows_blank_rows_ignored_partial_rows_explained():
    found = problems(rules.check_spec(fields(standard_rows=[
        (None, None, None), (None, 2, 4), (30, 1, 2), (6, None, None), (7, 5, 2), (7, 1, 2)]),
        known_standards=frozenset(range(1, 23))))
    assert found == {
        "standards-1-standard": "Row 2: enter the standard number, or clear the row",
        "standards-2-standard": "Row 3: there is no standard 30; use a number from 1 to 22",
        "standards-3-min_marks": "Row 4: enter a minimum or a maximum number of marks",
        "standards-4-max_marks": "Row 5: the maximum must be at least the minimum (5)",
    }


def test_item_type_mix_minimum_above_maximum():
    found = problems(rules.check_spec(fields(item_type_mix={"multiple_response": (4, 2)})))
    assert found == {"type_multiple_response_max":
                     "The maximum number of multiple response items must be at least the minimum (4)"}


@pytest.mark.parametrize("text, message", [
    ("3, x7", "Line 1: “x7” is not a case study number; use numbers such as 3, 7"),
    ("3, 7\n5", "Line 2: an enemy set needs at least two different case studies"),
    ("4, 4", "Line 1: an enemy set needs at least two different case studies"),
    ("0, 2", "Line 1: “0” is not a case study number; use numbers such as 3, 7"),
])
def test_enemy_sets_must_name_two_case_studies_a_line(text, message):
    assert problems(rules.check_spec(fields(enemy_text=text))) == {"enemy_sets": message}


def test_stored_spec_round_trips_into_constraints():
    checked = rules.check_spec(fields(standard_rows=[(6, 2, 8)], item_type_mix={"sba": (5, None)},
                                      enemy_text="3, 7", max_exposure=1))
    stored = SimpleNamespace(**checked.values)
    assert rules.constraints_of(stored) == checked.constraints
    assert rules.enemy_text(stored.enemy_sets) == "3, 7"


def item(mark=1, item_type="sba", facility=0.6, theme="A", standard=1, codes=("1.1",)):
    return rules.ItemFacts(mark, item_type, facility, theme, standard, frozenset(codes))


def test_summary_counts_marks_by_primary_theme_and_standard():
    result = rules.summarise(7, "Jo", [item(), item(2, "ordering", 0.3, "B", 6, ("6.3", "1.1")),
                                       item(1, "sba", 0.9, "B", 6, ("6.2",))], exposure=2)
    summary = result.summary
    assert summary.marks_by_theme == {"A": 1, "B": 3}
    assert summary.marks_by_standard == {1: 1, 6: 3}
    assert summary.item_type_counts == {"sba": 2, "ordering": 1}
    assert summary.substandards == {"1.1", "6.3", "6.2"}
    assert summary.total_marks == 4
    assert summary.expected_facility == pytest.approx((0.6 + 0.6 + 0.9) / 4)
    assert summary.exposure == 2
    assert result.notes == ()


def test_a_missing_facility_counts_as_a_half_with_a_note():
    result = rules.summarise(7, "Jo", [item(facility=None), item(facility=0.9)])
    assert result.summary.expected_facility == pytest.approx(0.7)
    assert result.notes == ("Case study 7: 1 item has no estimated facility; 0.5 was assumed.",)


def test_an_item_without_a_primary_sub_standard_cannot_be_summarised():
    result = rules.summarise(7, "Jo", [item(), item(theme=None, standard=None)])
    assert result.summary is None
    assert "no primary sub-standard (item 2)" in result.problem


def test_texts_for_the_tables():
    assert rules.type_counts_text({"ordering": 1, "sba": 3}) == "3 single best answer, 1 ordering"
    assert rules.theme_marks_text({"C": 4, "A": 2}) == "A 2, C 4"
