"""The fairness arithmetic, with numbers checked by hand (hypergeometric probabilities written out)."""
from __future__ import annotations

import pytest

from proctoring.fairness.rules import (ANY_FLAG, DISMISSED_FLAG, FlagFact, bonferroni_threshold, compare_groups,
                                       fisher_p, kind_rates, measures_of, multiple_comparisons_note)
from proctoring.rules import FlagDecision, FlagKind

C, D = FlagDecision.CONFIRMED, FlagDecision.DISMISSED
FLAGS = [FlagFact(1, FlagKind.NO_FACE, C), FlagFact(1, FlagKind.NO_FACE, D), FlagFact(2, FlagKind.NO_FACE, None),
         FlagFact(2, FlagKind.TAB_HIDDEN, D), FlagFact(9, FlagKind.NO_FACE, C)]  # unit 9 is outside


def test_kind_rates_count_flags_candidates_and_reviews():
    every, no_face, tab = kind_rates([1, 2, 3, 4], FLAGS)
    assert (every.kind, every.label, no_face.kind, tab.kind) == (None, "Any flag", FlagKind.NO_FACE, FlagKind.TAB_HIDDEN)
    assert (every.n_candidates, every.n_flags, every.n_flagged, every.n_confirmed, every.n_dismissed,
            every.n_unreviewed) == (4, 4, 2, 1, 2, 1)
    assert every.flags_per_candidate == 1.0 and every.share_flagged == 0.5
    assert every.share_confirmed == pytest.approx(1 / 3) and every.share_dismissed == pytest.approx(2 / 3)
    assert (no_face.n_flags, no_face.n_flagged, no_face.share_confirmed, no_face.n_unreviewed) == (3, 2, 0.5, 1)
    assert no_face.flags_per_candidate == 0.75
    assert (tab.n_flags, tab.share_flagged, tab.share_confirmed, tab.share_dismissed) == (1, 0.25, 0.0, 1.0)
    assert tab.as_json()["label"] == "Away from the exam's tab"


def test_no_candidates_and_no_reviews_give_no_rates():
    [empty] = kind_rates([], FLAGS)
    assert (empty.n_candidates, empty.flags_per_candidate, empty.share_flagged, empty.share_confirmed) == \
        (0, None, None, None)
    [unreviewed, _] = kind_rates([2, 3], [FlagFact(2, FlagKind.NO_FACE)])
    assert unreviewed.share_confirmed is None and unreviewed.share_dismissed is None


def test_fisher_exact_matches_hand_computed_values():
    # Margins 4/4 and 4/4 of 8 (the tea-tasting table): P(k) = C(4,k)C(4,4-k)/70 = 1,16,36,16,1 /70;
    # two-sided: the tables no more likely than k=3: (1+16+16+1)/70.
    assert fisher_p(3, 4, 1, 4) == pytest.approx(34 / 70)
    # All of one group and none of the other, 5 and 5: 2 / C(10,5).
    assert fisher_p(0, 5, 5, 5) == pytest.approx(2 / 252)
    assert fisher_p(2, 4, 2, 4) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        fisher_p(5, 4, 0, 4)


def test_each_group_against_the_rest_with_small_groups_suppressed():
    groups = {**{u: "a" for u in (1, 2, 3, 4)}, **{u: "b" for u in (5, 6, 7, 8)}, 9: "c", 10: "c"}
    labels = {"a": "Alpha", "b": "Beta", "c": "Gamma"}
    alpha, beta, gamma = compare_groups(groups, labels, {1, 2, 3, 5, 42}, min_group=3)
    # Alpha: 3 of 4 against 1 of 6. Margins 4/6 and 4/6 of 10: P(k) = C(4,k)C(6,4-k)/210 =
    # 15, 80, 90, 24, 1 for k = 0..4; two-sided from k=3 (24): (15 + 24 + 1)/210.
    assert (alpha.label, alpha.suppressed, alpha.n_group, alpha.k_group) == ("Alpha", False, 4, 3)
    assert (alpha.rate_group, alpha.rate_rest, alpha.ratio) == (0.75, pytest.approx(1 / 6), pytest.approx(4.5))
    assert alpha.p_value == pytest.approx(40 / 210)
    # Beta: 1 of 4 against 3 of 6; from k=1 (80): (15 + 80 + 24 + 1)/210.
    assert (beta.rate_group, beta.rate_rest, beta.ratio) == (0.25, 0.5, 0.5)
    assert beta.p_value == pytest.approx(120 / 210)
    # Gamma has 2 (< 3): nothing about it is shown, not even its size.
    assert gamma.suppressed and gamma.as_json() == {"group": "c", "label": "Gamma", "suppressed": True}


def test_a_rest_smaller_than_the_minimum_suppresses_the_group_too():
    groups = {**{u: "a" for u in range(5)}, 5: "b", 6: "b"}
    assert [r.suppressed for r in compare_groups(groups, {}, {0}, min_group=3)] == [True, True]


def test_a_rest_with_no_one_flagged_has_no_ratio():
    groups = {**{u: "a" for u in range(3)}, **{u: "b" for u in range(3, 6)}}
    a, b = compare_groups(groups, {}, {0}, min_group=3)
    assert a.ratio is None and a.rate_rest == 0 and b.ratio == 0.0
    with pytest.raises(ValueError):
        compare_groups(groups, {}, set(), min_group=0)


def test_measures_any_dismissed_and_each_kind():
    found = measures_of(FLAGS)
    assert [(m.key, units) for m, units in found] == [
        (ANY_FLAG.key, {1, 2, 9}), (DISMISSED_FLAG.key, {1, 2}), ("no_face", {1, 2, 9}), ("tab_hidden", {2})]


def test_the_multiple_comparisons_note_in_plain_words():
    assert bonferroni_threshold(10) == 0.005 and bonferroni_threshold(0) is None
    note = multiple_comparisons_note(10)
    assert "10 comparisons" in note and "about 0.5 of them" in note and "p below 0.0050" in note
    assert "not proof of bias" in note
    assert "One comparison" in multiple_comparisons_note(1)
    assert "No group could be compared" in multiple_comparisons_note(0)
