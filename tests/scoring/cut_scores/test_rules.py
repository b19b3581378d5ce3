"""Pure rules of decisions: the policy (through the engine's pass_mark), impact and statuses."""
import pytest

from scoring.cut_scores.rules import DecisionFacts, Status, apply_policy, impact, statuses
from scoring.psychometrics.standard_setting.policy import pass_mark


def test_policy_is_the_engines_pass_mark_on_whole_marks():
    result = apply_policy(30.2, sem=2.5, k=1.0, rounding="up", max_score=50)
    assert result == pass_mark(30.2, sem=2.5, k=1.0, rounding="up", step=1.0, max_score=50)
    assert result.adjusted == pytest.approx(32.7) and result.pass_mark == 33.0
    assert apply_policy(30.2, sem=2.5, k=1.0, rounding="down", max_score=50).pass_mark == 32.0
    assert apply_policy(30.0000000001, sem=None, k=0, rounding="up", max_score=50).pass_mark == 30.0  # noise


@pytest.mark.parametrize(("cut", "sem", "k", "rounding", "message"), [
    (0, 1, 0, "up", "more than 0"), (51, 1, 0, "up", "at most the run's maximum score, 50"),
    (float("nan"), 1, 0, "up", "more than 0"), (30, 1, -1, "up", "k must be between 0 and 3"),
    (30, None, 1, "up", "no SEM"), (30, 1, 0, "none", "whole mark")])
def test_bad_policy_numbers_say_why(cut, sem, k, rounding, message):
    with pytest.raises(ValueError, match=message):
        apply_policy(cut, sem=sem, k=k, rounding=rounding, max_score=50)


def test_impact_counts_passes_and_candidates_within_one_sem():
    result = impact([10, 11.5, 12, 12.9, 13, 14, 20], 12.0, 1.0)
    assert (result.n_pass, result.n_candidates) == (5, 7)
    assert result.pass_rate == pytest.approx(5 / 7)
    assert result.n_within_sem == 4 and (result.lowest_within, result.highest_within) == (11.0, 13.0)
    assert impact([1, 2], 2.0, None).n_within_sem is None


def test_statuses_latest_approved_stands_per_run():
    facts = [DecisionFacts(1, 10, True), DecisionFacts(2, 10, False), DecisionFacts(3, 10, False),
             DecisionFacts(4, 11, True), DecisionFacts(5, 11, True), DecisionFacts(6, 12, False)]
    assert statuses(facts) == {1: Status.APPROVED, 2: Status.SUPERSEDED, 3: Status.AWAITING,
                               4: Status.SUPERSEDED, 5: Status.APPROVED, 6: Status.AWAITING}


def test_the_exercise_prefill_hook_reads_the_exercises_package_when_it_is_there(monkeypatch):
    import sys
    import types
    from collections import namedtuple

    import scoring.standard_setting
    from scoring.cut_scores.queries import ExerciseCutChoice, exercise_cuts

    monkeypatch.delitem(sys.modules, "scoring.standard_setting.queries", raising=False)
    if not hasattr(scoring.standard_setting, "queries"):
        assert exercise_cuts(None, 1) == []  # not on this branch yet: nothing is pre-filled
    ExerciseCut = namedtuple("ExerciseCut", "method cut standard_error round")
    fake = types.ModuleType("scoring.standard_setting.queries")
    fake.exercise_cuts = lambda session, exercise_id: [ExerciseCut("angoff", 30.25, 1.1, 2)]
    monkeypatch.setitem(sys.modules, "scoring.standard_setting.queries", fake)
    monkeypatch.setattr(scoring.standard_setting, "queries", fake, raising=False)
    assert exercise_cuts(None, 7) == [ExerciseCutChoice("angoff", 30.25, 1.1, 2)]
