"""Empty score categories merged before a partial-credit fit (``collapse_empty_categories``)."""

import numpy as np
import pytest

from scoring.psychometrics.dependence import q3_matrix
from scoring.psychometrics.rasch import collapse_empty_categories, pcm_cml
from scoring.psychometrics.simulate import simulate_rasch


def _matrix_with_empty_middle(seed: int = 3):
    """Six 0/1 items from the Rasch simulator and one item out of 2 on which nobody scored 1."""
    sim = simulate_rasch(200, [-1.0, -0.5, 0.0, 0.3, 0.6, 1.0], seed=seed)
    x = sim.responses.astype(float)
    rng = np.random.default_rng(seed)
    strong = sim.abilities + rng.normal(0, 0.5, size=200) > 0
    written = np.where(strong, 2.0, 0.0)  # marks 0 and 2 only: the middle category is empty
    return np.column_stack([x, written]), [1] * 6 + [2]


def test_an_item_with_an_empty_middle_category_is_fitted_after_collapsing():
    x, tops = _matrix_with_empty_middle()
    with pytest.raises(ValueError, match=r"item7 \(mark 1\)"):
        pcm_cml(x, max_scores=tops)

    collapsed = collapse_empty_categories(x, tops)
    assert collapsed.changed == (6,) and collapsed.degenerate == ()
    assert collapsed.recode[6] == (0, 0, 1)  # the empty mark 1 joins the category below it
    assert collapsed.empty[6] == (1,) and collapsed.merged(6) == [[0, 1]]
    assert collapsed.max_scores == (1, 1, 1, 1, 1, 1, 1)
    assert np.array_equal(collapsed.responses[:, 6], x[:, 6] / 2)  # 2 → 1, 0 → 0
    assert np.array_equal(collapsed.responses[:, :6], x[:, :6])  # the other items are untouched

    fitted = pcm_cml(collapsed.responses, max_scores=list(collapsed.max_scores))
    by_hand = pcm_cml(np.column_stack([x[:, :6], x[:, 6] / 2]), max_scores=[1] * 7)
    assert np.allclose(np.concatenate(fitted.thresholds), np.concatenate(by_hand.thresholds), atol=1e-10)
    q3 = q3_matrix(collapsed.responses, fitted)
    assert np.isfinite(q3.mean_q3) and q3.n_candidates_used > 100


def test_an_empty_lowest_category_joins_the_one_above_and_a_full_set_is_left_alone():
    x = np.array([[1, 0, 2], [2, 1, 1], [1, 1, 2], [2, 0, 1], [1, 1, 1]], dtype=float)
    collapsed = collapse_empty_categories(x, [2, 1, 2])
    assert collapsed.recode[0] == (0, 0, 1)  # nobody scored 0 on the first item
    assert collapsed.recode[1] == (0, 1) and collapsed.recode[2][1:] == (0, 1)
    full = np.array([[0, 1], [1, 0], [2, 0], [1, 1], [0, 0]], dtype=float)
    untouched = collapse_empty_categories(full, [2, 1])
    assert untouched.changed == () and np.array_equal(untouched.responses, full)


def test_categories_reached_only_by_extreme_candidates_are_merged_until_none_is_empty():
    # Only the candidate with a full score has mark 3 on the first item; once it is merged, mark 2
    # is reached only by candidates who are now at full score, and so on: the loop repeats.
    x = np.array([[3, 1], [2, 1], [1, 0], [0, 1], [1, 1], [0, 0]], dtype=float)
    collapsed = collapse_empty_categories(x, [3, 1])
    assert collapsed.max_scores[0] < 3 and 0 in collapsed.changed
    pcm_cml(collapsed.responses, max_scores=list(collapsed.max_scores))  # fits: no category is empty


def test_an_item_left_with_one_category_is_reported_as_degenerate():
    x = np.array([[0, 1, 2], [1, 0, 2], [1, 1, 2], [0, 0, 2], [1, 0, 2]], dtype=float)  # everyone has 2 on the third
    collapsed = collapse_empty_categories(x, [1, 1, 2])
    assert collapsed.degenerate == (2,) and collapsed.max_scores == (1, 1, 0)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="whole marks"):
        collapse_empty_categories([[0.5, 1], [1, 0]], [1, 1])
    with pytest.raises(ValueError, match="above its item's maximum"):
        collapse_empty_categories([[3, 1], [1, 0]], [2, 1])
