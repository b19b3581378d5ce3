"""The pure rules of deciding: agreement, discussion, the third assessor, single mode with review, who
may act, independence, the decision clock and the appeal panel."""
import datetime as dt

import pytest

from assessment.eligibility.decisions import rules
from assessment.eligibility.decisions.rules import Judgement, Kind, Mode, Recommendation, Stage

R, F, M = Recommendation.REGISTER, Recommendation.REFUSE, Recommendation.MORE_INFORMATION
TWO, ONE = Mode.TWO_ASSESSORS, Mode.SINGLE_WITH_REVIEW
APPLICANT = 99


def j(kind, who, rec, request=""):
    return Judgement(kind, who, rec, request)


def test_the_mode_follows_the_end_of_the_initial_period():
    ends = dt.date(2027, 9, 1)
    assert rules.mode_on(dt.date(2027, 8, 31), ends) is TWO
    assert rules.mode_on(ends, ends) is ONE


def test_nothing_yet_waits_for_the_first_assessor():
    assert rules.round_state([], TWO).stage is Stage.AWAITING_FIRST
    assert rules.round_state([], ONE).stage is Stage.AWAITING_ASSESSOR


@pytest.mark.parametrize("rec", list(Recommendation))
def test_two_agreeing_assessors_decide(rec):
    state = rules.round_state([j(Kind.FIRST, 1, rec, "x"), j(Kind.FIRST, 2, rec, "y")], TWO)
    assert (state.stage, state.outcome) == (Stage.DECIDED, rec)


def test_agreeing_requests_are_both_sent_once_each():
    state = rules.round_state([j(Kind.FIRST, 1, M, "Payslips"), j(Kind.FIRST, 2, M, "Payslips")], TWO)
    assert state.requests == ("Payslips",)


def test_one_recommendation_waits_for_the_second():
    state = rules.round_state([j(Kind.FIRST, 1, R)], TWO)
    assert state.stage is Stage.AWAITING_FIRST
    assert rules.next_kind(state, 1, APPLICANT) == (None, "You have recorded your recommendation; the second "
                                                          "assessor's is awaited.")
    assert rules.next_kind(state, 2, APPLICANT) == (Kind.FIRST, None)


def test_the_second_assessor_cannot_see_the_first_until_both_are_in():
    waiting = rules.round_state([j(Kind.FIRST, 1, R)], TWO)
    assert not rules.may_see_others(waiting, 2)
    both = rules.round_state([j(Kind.FIRST, 1, R), j(Kind.FIRST, 2, F)], TWO)
    assert rules.may_see_others(both, 2)


def test_disagreement_goes_to_discussion_then_agreement_after_revision():
    rows = [j(Kind.FIRST, 1, R), j(Kind.FIRST, 2, F)]
    assert rules.round_state(rows, TWO).stage is Stage.IN_DISCUSSION
    rows.append(j(Kind.AFTER_DISCUSSION, 2, R))
    state = rules.round_state(rows, TWO)
    assert (state.stage, state.outcome) == (Stage.DECIDED, R)


def test_still_apart_after_both_revise_goes_to_a_third_assessor_who_decides():
    rows = [j(Kind.FIRST, 1, R), j(Kind.FIRST, 2, F), j(Kind.AFTER_DISCUSSION, 1, R)]
    state = rules.round_state(rows, TWO)
    assert state.stage is Stage.IN_DISCUSSION
    assert rules.next_kind(state, 1, APPLICANT)[0] is None  # a revision once
    assert rules.next_kind(state, 2, APPLICANT) == (Kind.AFTER_DISCUSSION, None)
    assert rules.next_kind(state, 3, APPLICANT)[0] is None
    rows.append(j(Kind.AFTER_DISCUSSION, 2, F))
    state = rules.round_state(rows, TWO)
    assert state.stage is Stage.AWAITING_THIRD
    assert rules.next_kind(state, 1, APPLICANT)[0] is None
    assert rules.next_kind(state, 2, APPLICANT)[0] is None
    assert rules.next_kind(state, 3, APPLICANT) == (Kind.THIRD, None)
    rows.append(j(Kind.THIRD, 3, F))
    state = rules.round_state(rows, TWO)
    assert (state.stage, state.outcome, state.assessors) == (Stage.DECIDED, F, (1, 2, 3))


def test_the_applicant_never_assesses():
    for rows, mode in (([], TWO), ([], ONE), ([j(Kind.SINGLE, 1, F)], ONE)):
        assert rules.next_kind(rules.round_state(rows, mode), APPLICANT, APPLICANT) == (
            None, "You cannot assess your own application.")


def test_single_assessor_registers_or_asks_at_once():
    for rec in (R, M):
        state = rules.round_state([j(Kind.SINGLE, 1, rec, "x")], ONE)
        assert (state.stage, state.outcome) == (Stage.DECIDED, rec)


def test_a_single_refusal_waits_for_a_review_by_someone_else():
    state = rules.round_state([j(Kind.SINGLE, 1, F)], ONE)
    assert state.stage is Stage.AWAITING_REVIEW
    assert rules.next_kind(state, 1, APPLICANT)[0] is None
    assert rules.next_kind(state, 2, APPLICANT) == (Kind.REVIEW, None)
    confirmed = rules.round_state([j(Kind.SINGLE, 1, F), j(Kind.REVIEW, 2, F)], ONE)
    overturned = rules.round_state([j(Kind.SINGLE, 1, F), j(Kind.REVIEW, 2, R)], ONE)
    assert (confirmed.outcome, overturned.outcome) == (F, R)


def test_a_round_keeps_the_mode_it_began_in():
    # Begun by two assessors before the initial period ended, it stays a two-assessor round.
    assert rules.round_state([j(Kind.FIRST, 1, R)], ONE).mode is TWO
    assert rules.round_state([j(Kind.SINGLE, 1, F)], TWO).stage is Stage.AWAITING_REVIEW


def test_a_review_may_only_confirm_or_overturn():
    assert rules.judgement_problems(Kind.REVIEW, "more_information", ["other"], "n", "r") == {
        "recommendation": "Choose a recommendation"}


@pytest.mark.parametrize("rec,codes,notes,ask,expected", [
    ("register", ["meets_all_conditions"], "", "", {}),
    ("register", [], "", "", {"reason_codes": "Choose at least one reason"}),
    ("refuse", ["meets_all_conditions"], "why", "", {"reason_codes": "Choose at least one reason for refusing"}),
    ("refuse", ["hours"], "", "", {"notes": "Explain the refusal: the applicant reads the reasons"}),
    ("more_information", ["hours_not_evidenced"], "", "", {"request": "Say what the applicant must send or answer"}),
    ("refuse", ["nonsense"], "why", "", {"reason_codes": "Choose the reasons from the list"}),
    ("", [], "", "", {"recommendation": "Choose a recommendation"}),
])
def test_judgement_problems(rec, codes, notes, ask, expected):
    assert rules.judgement_problems(Kind.FIRST, rec, codes, notes, ask) == expected


def test_every_engine_unmet_code_has_a_label():
    for code in ("role", "hours", "uk", "competent_level", "standards", "membership", "certificate"):
        assert code in rules.REASON_LABELS


# --- the clock ---------------------------------------------------------------------------------------------

MON = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)


def day(n, hour=9):
    return MON + dt.timedelta(days=n, hours=hour - 9)


def test_the_clock_runs_from_submission():
    clock = rules.decision_clock([("submitted", MON)], day(10))
    assert (clock.days, clock.working_days, clock.paused, clock.stopped) == (10, 8, False, False)


def test_the_clock_does_not_start_before_submission():
    assert rules.decision_clock([], day(3)).elapsed == dt.timedelta(0)


def test_the_clock_pauses_while_information_is_requested_and_resumes_on_the_answer():
    events = [("submitted", MON), ("assessed", day(1)), ("information_requested", day(3))]
    paused = rules.decision_clock(events, day(20))
    assert (paused.days, paused.paused) == (3, True)
    resumed = rules.decision_clock(events + [("information_provided", day(13))], day(20))
    assert (resumed.days, resumed.paused) == (3 + 7, False)


def test_the_clock_stops_at_the_decision():
    events = [("submitted", MON), ("information_requested", day(2)), ("information_provided", day(5)),
              ("registered", day(9))]
    clock = rules.decision_clock(events, day(100))
    assert (clock.days, clock.stopped) == (6, True)
    assert not rules.is_overdue(clock, 1)


def test_events_out_of_order_are_folded_in_time_order():
    events = [("information_provided", day(5)), ("submitted", MON), ("information_requested", day(2))]
    assert rules.decision_clock(events, day(6)).days == 3


def test_overdue_against_the_target():
    assert rules.is_overdue(rules.decision_clock([("submitted", MON)], day(61)), 60)
    assert not rules.is_overdue(rules.decision_clock([("submitted", MON)], day(60)), 60)


def test_working_days_skip_weekends():
    # Friday to the next Monday: one working day (the Monday).
    friday = day(4)
    assert rules.decision_clock([("submitted", friday)], day(7)).working_days == 1


# --- appeals ---------------------------------------------------------------------------------------------

def test_the_appeal_window():
    refused = MON
    assert rules.appeal_window_problem(refused, day(28), 28) is None
    assert "within 28 days" in rules.appeal_window_problem(refused, day(28, hour=10), 28)


def test_a_panel_needs_three_people_two_registered_case_managers_none_conflicted():
    sources = rules.PanelConflicts(applicant_id=9, assessor_ids=frozenset({1}), declared_ids=frozenset({2}))
    cm = lambda i, name="P": rules.PanelCandidate(i, name, True)  # noqa: E731
    assert rules.panel_problems([cm(3), cm(4), rules.PanelCandidate(5, "Q", False)], sources) == []
    problems = rules.panel_problems([cm(1, "Ann"), cm(2, "Bob"), rules.PanelCandidate(9, "Cy", False)], sources)
    assert problems == [(0, "Ann cannot sit on this panel: they assessed the application."),
                        (1, "Bob cannot sit on this panel: they declared a conflict of interest."),
                        (2, "Cy cannot sit on this panel: they are the applicant.")]
    assert rules.panel_problems([cm(3), rules.PanelCandidate(4, "x", False), rules.PanelCandidate(5, "y", False)],
                                sources) == [(None, "At least 2 members of the panel must be registered case "
                                                    "managers; 1 is.")]
    assert (None, "Choose 3 different people.") in rules.panel_problems([cm(3), cm(3), cm(4)], sources)


def test_panel_stage():
    assert rules.panel_stage(0, 0, 0, False) is rules.PanelStage.AWAITING_PANEL
    assert rules.panel_stage(3, 1, 0, False) is rules.PanelStage.CONVENING
    assert rules.panel_stage(3, 2, 1, False) is rules.PanelStage.AWAITING_PANEL
    assert rules.panel_stage(3, 3, 0, False) is rules.PanelStage.SITTING
    assert rules.panel_stage(3, 3, 0, True) is rules.PanelStage.DECIDED
