"""Recording and approving cut-score decisions through the services."""
import datetime as dt

import numpy as np
import pytest
from sqlalchemy import select

from core.errors import Conflict, Forbidden, ValidationFailed
from core.roles import Role
from scoring.cut_scores import queries, rules, services
from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
from tests.scoring.cut_scores.conftest import NOW

# 10 candidates × 6 items: totals 0..6 in a known spread.
MATRIX = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 1, 0],
                   [1, 1, 0, 1, 0, 0], [1, 0, 1, 0, 0, 0], [1, 1, 1, 0, 0, 1], [0, 1, 0, 0, 0, 0],
                   [1, 1, 1, 1, 0, 1], [0, 0, 0, 0, 0, 0]], dtype=float)
TOTALS = MATRIX.sum(axis=1)  # 6 5 4 4 3 2 4 1 5 0


@pytest.fixture
def run(stored_run, bank_items):
    return stored_run(MATRIX, bank_items(6), sem=0.8)



def test_a_decision_is_recorded_with_the_policy_applied(db, run, examiners):
    decider, _ = examiners
    decision = services.record_decision(db, actor=decider.actor, sitting_id=run.sitting_id, scoring_run_id=run.id,
                                        method="angoff", raw_cut=3.3, standard_error=0.4, k=1.0, rounding="up",
                                        reasons="  The panel's cut.  ", now=NOW)
    # 3.3 + 1 × 0.8 = 4.1, rounded up: 5.
    assert decision.pass_mark == 5.0
    assert decision.policy == {"sem_multiplier": 1.0, "rounding": "up", "sem": 0.8, "adjusted": pytest.approx(4.1)}
    assert decision.reasons == "The panel's cut." and decision.decided_by_id == decider.id
    assert decision.method == rules.Method.ANGOFF and decision.equating is None
    row = queries.decisions(db, decider.actor, run.sitting_id)[0]
    assert row.status is rules.Status.AWAITING and row.decided_by == "Dee Decider"


@pytest.mark.parametrize(("raw", "k", "rounding", "expected"), [
    (3.3, 0.0, "up", 4.0), (3.3, 0.0, "nearest", 3.0), (3.5, 0.0, "nearest", 4.0), (3.9, 0.0, "down", 3.0),
    (3.0, 0.0, "up", 3.0), (3.3, 1.0, "down", 4.0), (3.3, 1.96, "up", 5.0), (5.9, 1.0, "up", 6.0)])
def test_policy_numbers(db, run, examiners, raw, k, rounding, expected):
    decision = services.record_decision(db, actor=examiners[0].actor, sitting_id=run.sitting_id,
                                        scoring_run_id=run.id, method="ebel", raw_cut=raw, standard_error=None, k=k,
                                        rounding=rounding, reasons="Reasons", now=NOW)
    assert decision.pass_mark == expected  # capped at the maximum, 6, for 5.9 + 0.8


def test_a_provisional_run_is_refused_with_a_clear_message(db, stored_run, bank_items, examiners):
    provisional = stored_run(MATRIX, bank_items(6), provisional=True)
    with pytest.raises(ValidationFailed) as refused:
        services.record_decision(db, actor=examiners[0].actor, sitting_id=provisional.sitting_id,
                                 scoring_run_id=provisional.id, method="angoff", raw_cut=3, standard_error=None,
                                 k=0, rounding="up", reasons="Reasons", now=NOW)
    assert refused.value.problems[0].field == "scoring_run_id"
    assert "provisional" in refused.value.problems[0].message
    assert db.scalar(select(CutScoreDecision.id)) is None


def test_every_problem_is_said_at_once_and_nothing_is_written(db, run, examiners):
    with pytest.raises(ValidationFailed) as refused:
        services.record_decision(db, actor=examiners[0].actor, sitting_id=run.sitting_id, scoring_run_id=run.id,
                                 method="guesswork", raw_cut=7, standard_error=-1, k=0, rounding="up", reasons=" ",
                                 now=NOW)
    assert {p.field for p in refused.value.problems} == {"method", "raw_cut", "standard_error", "reasons"}
    with pytest.raises(ValidationFailed) as refused:
        services.record_decision(db, actor=examiners[0].actor, sitting_id=run.sitting_id, scoring_run_id=run.id,
                                 method="angoff", raw_cut=3, standard_error=None, k=5, rounding="up",
                                 reasons="Reasons", now=NOW)
    assert [p.field for p in refused.value.problems] == ["k"]
    assert db.scalar(select(CutScoreDecision.id)) is None


def test_an_equated_method_needs_the_equating_page(db, run, examiners):
    with pytest.raises(ValidationFailed) as refused:
        services.record_decision(db, actor=examiners[0].actor, sitting_id=run.sitting_id, scoring_run_id=run.id,
                                 method="equated", raw_cut=3, standard_error=None, k=0, rounding="up",
                                 reasons="Reasons", now=NOW)
    assert refused.value.problems[0].field == "method"


def test_a_run_of_another_sitting_is_refused(db, run, stored_run, bank_items, examiners):
    other = stored_run(MATRIX, bank_items(6))
    with pytest.raises(ValidationFailed, match="not of this sitting"):
        services.record_decision(db, actor=examiners[0].actor, sitting_id=other.sitting_id, scoring_run_id=run.id,
                                 method="angoff", raw_cut=3, standard_error=None, k=0, rounding="up",
                                 reasons="Reasons", now=NOW)


def test_only_examiners_decide_and_approve(db, run, make_user, examiners):
    writer = make_user(Role.ITEM_WRITER)
    with pytest.raises(Forbidden):
        services.record_decision(db, actor=writer.actor, sitting_id=run.sitting_id, scoring_run_id=run.id,
                                 method="angoff", raw_cut=3, standard_error=None, k=0, rounding="up",
                                 reasons="Reasons", now=NOW)
    decision = services.record_decision(db, actor=examiners[0].actor, sitting_id=run.sitting_id,
                                        scoring_run_id=run.id, method="angoff", raw_cut=3, standard_error=None, k=0,
                                        rounding="up", reasons="Reasons", now=NOW)
    with pytest.raises(Forbidden):
        services.approve_decision(db, actor=writer.actor, decision_id=decision.id, comment="", now=NOW)


def test_the_decider_cannot_approve_their_own_decision(db, run, examiners):
    decider, approver = examiners
    decision = services.record_decision(db, actor=decider.actor, sitting_id=run.sitting_id, scoring_run_id=run.id,
                                        method="angoff", raw_cut=3, standard_error=None, k=0, rounding="up",
                                        reasons="Reasons", now=NOW)
    with pytest.raises(Forbidden, match="second examiner"):
        services.approve_decision(db, actor=decider.actor, decision_id=decision.id, comment="", now=NOW)
    page = queries.decision_page(db, decider.actor, decision.id)
    assert not page.may_approve and "You made this decision" in page.why_not
    assert queries.decision_page(db, approver.actor, decision.id).may_approve
    assert queries.approved_decision(db, run.sitting_id) is None


def test_approval_sets_the_marking_pass_mark_and_is_final(db, run, examiners):
    from scoring.marking.models import MarkingSetting

    decider, approver = examiners
    decision = services.record_decision(db, actor=decider.actor, sitting_id=run.sitting_id, scoring_run_id=run.id,
                                        method="angoff", raw_cut=3.3, standard_error=None, k=0, rounding="up",
                                        reasons="Reasons", now=NOW)
    assert db.get(MarkingSetting, run.sitting_id) is None
    approval = services.approve_decision(db, actor=approver.actor, decision_id=decision.id, comment=" Agreed ",
                                         now=NOW + dt.timedelta(hours=1))
    assert approval.comment == "Agreed" and approval.approved_by_id == approver.id
    assert db.get(MarkingSetting, run.sitting_id).pass_mark == 4.0
    assert queries.approved_decision(db, run.sitting_id).id == decision.id
    assert queries.approved_decision(db, run.sitting_id, run.id).id == decision.id
    with pytest.raises(Conflict, match="already been approved"):
        services.approve_decision(db, actor=approver.actor, decision_id=decision.id, comment="", now=NOW)
    page = queries.decision_page(db, approver.actor, decision.id)
    assert page.row.status is rules.Status.APPROVED and page.row.approved_by == "Abe Approver"
    # Impact at 4: totals 6 5 4 4 3 2 4 1 5 0 → 6 pass; within 4 ± 0.8: 4, 4, 4 (and nothing at 3.2..4.8 else).
    assert (page.impact.n_pass, page.impact.n_candidates, page.impact.n_within_sem) == (6, 10, 3)


def test_the_latest_approved_decision_wins(db, run, examiners, stored_run, bank_items):
    from scoring.marking.models import MarkingSetting

    decider, approver = examiners

    def decide(cut, who=decider):
        return services.record_decision(db, actor=who.actor, sitting_id=run.sitting_id, scoring_run_id=run.id,
                                        method="angoff", raw_cut=cut, standard_error=None, k=0, rounding="up",
                                        reasons="Reasons", now=NOW)

    first = decide(2.5)
    services.approve_decision(db, actor=approver.actor, decision_id=first.id, comment="", now=NOW)
    second = decide(4.2)  # a changed mind is a new decision
    assert queries.approved_decision(db, run.sitting_id).id == first.id  # until it is approved
    third = decide(3.6, who=approver)
    statuses = {r.id: r.status for r in queries.decisions(db, decider.actor, run.sitting_id)}
    assert statuses == {first.id: rules.Status.APPROVED, second.id: rules.Status.SUPERSEDED,
                        third.id: rules.Status.AWAITING}
    with pytest.raises(Conflict, match="later decision"):
        services.approve_decision(db, actor=approver.actor, decision_id=second.id, comment="", now=NOW)
    services.approve_decision(db, actor=decider.actor, decision_id=third.id, comment="", now=NOW)
    assert queries.approved_decision(db, run.sitting_id).id == third.id
    assert db.get(MarkingSetting, run.sitting_id).pass_mark == 4.0
    statuses = {r.id: r.status for r in queries.decisions(db, decider.actor, run.sitting_id)}
    assert statuses[first.id] is rules.Status.SUPERSEDED and statuses[third.id] is rules.Status.APPROVED
    assert db.scalar(select(CutScoreApproval.id).where(CutScoreApproval.decision_id == second.id)) is None


def test_an_examiner_who_is_a_candidate_in_the_sitting_sees_nothing(db, run, examiners):
    from assessment.delivery.models import Booking

    decider, approver = examiners
    decision = services.record_decision(db, actor=decider.actor, sitting_id=run.sitting_id, scoring_run_id=run.id,
                                        method="angoff", raw_cut=3, standard_error=None, k=0, rounding="up",
                                        reasons="Reasons", now=NOW)
    db.add(Booking(sitting_id=run.sitting_id, candidate_id=approver.id, booked_at=NOW))
    db.flush()
    with pytest.raises(Forbidden):
        services.approve_decision(db, actor=approver.actor, decision_id=decision.id, comment="", now=NOW)


def test_decisions_are_audited(db, run, examiners):
    from core.audit import AuditEntry

    decision = services.record_decision(db, actor=examiners[0].actor, sitting_id=run.sitting_id,
                                        scoring_run_id=run.id, method="hofstee", raw_cut=3, standard_error=None,
                                        k=0, rounding="up", reasons="Reasons", now=NOW)
    services.approve_decision(db, actor=examiners[1].actor, decision_id=decision.id, comment="", now=NOW)
    actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.target_type.in_(
        ["cut_score_decision", "sitting"])).order_by(AuditEntry.id)))
    assert actions == ["cut_scores.decide", "cut_scores.approve", "marking.pass_mark"]
