"""The pure rules: reading a rating as typed, the rounds as a fold, grades from CSV, spreads, plots."""
import pytest

from scoring.standard_setting import charts
from scoring.standard_setting.rules import Grade, parse_grades, parse_percentage, parse_rating, round_state, spread


@pytest.mark.parametrize("text, max_mark, expected", [
    ("0.65", 1, 0.65), ("65", 1, 0.65), ("65%", 1, 0.65), (" .5 ", 1, 0.5), ("1", 1, 1.0), ("0", 1, 0.0),
    ("100", 1, 1.0), ("2.5", 4, 0.625), ("60%", 4, 0.6), ("4", 4, 1.0),
])
def test_a_rating_is_read_as_a_fraction_of_the_items_marks(text, max_mark, expected):
    assert parse_rating(text, max_mark) == pytest.approx(expected)


@pytest.mark.parametrize("text, max_mark, words", [
    ("", 1, "probability from 0 to 1"), ("abc", 1, "probability"), ("-0.2", 1, "probability"),
    ("101", 1, "probability from 0 to 1"), ("120%", 1, "more than 100%"), ("5", 4, "more than the item's 4 marks"),
    ("x", 3, "expected mark, from 0 to 3"),
])
def test_an_out_of_range_or_unreadable_rating_is_refused_with_words_for_the_page(text, max_mark, words):
    with pytest.raises(ValueError, match=words):
        parse_rating(text, max_mark)


def test_percentages():
    assert parse_percentage("45", name="pass mark") == 0.45
    with pytest.raises(ValueError, match="pass mark cannot be more than 100%"):
        parse_percentage("140", name="pass mark")


def test_rounds_fold_over_the_events():
    assert round_state([], 2).is_open and round_state([], 2).round == 1
    closed = round_state([("round_closed", 1)], 2)
    assert (closed.is_open, closed.between_rounds, closed.is_finished) == (False, True, False)
    released = round_state([("round_closed", 1), ("performance_released", 1)], 2)
    assert released.released == (1,)
    second = round_state([("round_closed", 1), ("performance_released", 1), ("round_opened", 2)], 2)
    assert (second.round, second.is_open) == (2, True)
    done = round_state([("round_closed", 1), ("round_opened", 2), ("round_closed", 2)], 2)
    assert done.is_finished and done.closed == (1, 2)
    assert round_state([("round_closed", 1)], 1).is_finished


def test_grades_from_csv_lines():
    grades, problems = parse_grades("candidate, grade\n10, pass\n11, Borderline\n\n12,fail", {"10": 1, "11": 2, "12": 3})
    assert grades == {1: Grade.PASS, 2: Grade.BORDERLINE, 3: Grade.FAIL} and problems == []
    _grades, problems = parse_grades("10, excellent\n99, pass\n10", {"10": 1})
    assert problems == ["Line 1: the grade must be fail, borderline or pass, not excellent",
                        "Line 2: 99 is not a candidate of this sitting's run",
                        "Line 3: give a candidate number and a grade, separated by a comma"]
    assert parse_grades("", {})[1] == ["Enter at least one line: candidate number, grade"]


def test_spread_is_min_median_max():
    s = spread([0.4, 0.7, 0.5, 0.9])
    assert (s.n, s.minimum, s.median, s.maximum) == (4, 0.4, 0.6, 0.9)
    assert spread([]) is None


def test_plots_are_svg_without_inline_style_and_carry_a_title():
    svgs = [charts.distribution_svg([[1, 2], [2, 5], [3, 1]], 3, [("Modified Angoff", 1.7)], title="Dist"),
            charts.hofstee_svg([1, 2, 2, 3], 3, min_cut=1, max_cut=2.5, min_fail=0.1, max_fail=0.5, cut=2,
                               title="Hofstee"),
            charts.spread_svg(["I1", "I2"], [(1, {"I1": [2, 0.4, 0.5, 0.6]}), (2, {"I1": [2, 0.5, 0.5, 0.5]})],
                              title="Spread")]
    for svg in svgs:
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        assert "style=" not in svg and "<script" not in svg
        assert 'role="img"' in svg and "<title" in svg
    assert "Modified Angoff 1.7" in svgs[0]
    assert "Round 2" in svgs[2]


def test_borderline_regression_cut_and_se_match_r():
    """Pinned to R's lm() and predict(se.fit = TRUE) (tests/data/standard_setting/borderline_se.R)."""
    import json
    from pathlib import Path

    from scoring.standard_setting.cuts import borderline_cuts

    ref = json.loads((Path(__file__).resolve().parents[2] / "data" / "standard_setting" / "borderline_se.json")
                     .read_text(encoding="utf-8"))
    names = {1: Grade.FAIL, 2: Grade.BORDERLINE, 3: Grade.PASS}
    [figure] = borderline_cuts(list(zip(ref["scores"], (names[g] for g in ref["grades"]))), 40,
                               ["borderline_regression"])
    assert figure.cut == pytest.approx(ref["cut"], rel=1e-12)
    assert figure.standard_error == pytest.approx(ref["se"], rel=1e-12)
