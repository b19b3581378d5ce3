"""Release, its refusals, a release that supersedes another, and examiners' decisions to withhold,
void or reinstate a result — through the services, on a sitting scored by the real services."""
import datetime as dt

import pytest
from sqlalchemy import select

from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.mail import MailMessage
from core.notifications import Notification
from core.roles import Role
from assessment.results import services
from assessment.results.models import CandidateResult, ExaminerResultDecision, ResultRelease
from tests.assessment.results.conftest import RELEASED_AT, issuer_for_tests


def _release(db, scored, **kwargs):
    values = dict(actor=scored.examiner.actor, sitting_id=scored.sitting.id, run_id=scored.run.id,
                  decision_id=scored.decision.id, now=RELEASED_AT, issuer=issuer_for_tests())
    values.update(kwargs)
    return services.release_results(db, **values)


def _results(db, release):
    return {r.candidate_id: r for r in db.scalars(select(CandidateResult).where(CandidateResult.release_id == release.id))}


def test_a_release_gives_every_candidate_a_result_with_feedback_by_theme(db, scored):
    from scoring.runs.models import ScoringRunScore

    release = _release(db, scored, base_url="https://exam.example.org/")
    assert (release.scoring_run_id, release.cut_score_decision_id, release.pass_mark) == (scored.run.id,
                                                                                         scored.decision.id, 3.0)
    assert release.supersedes_id is None and release.released_by_id == scored.examiner.id
    results = _results(db, release)
    scores = {s.candidate_id: s for s in db.scalars(select(ScoringRunScore).where(ScoringRunScore.run_id == scored.run.id))}
    assert set(results) == {candidate.id for candidate, _attempt in scored.people}
    for candidate_id, result in results.items():
        assert result.score == scores[candidate_id].total
        assert result.outcome == ("pass" if result.score >= 3 else "fail")
        assert (result.max_score, result.pass_mark) == (6.0, 3.0)
        assert set(result.theme_feedback) == {"A", "B", "C"}  # the paper's items map to themes A, B and C
        assert set(result.theme_feedback.values()) <= {"above", "at", "below"}
    # The feedback is the rule's on the candidate's own marks: theme A is items 1 and 4.
    some = scores[scored.people[0][0].id]
    share_a = (some.marks[0] + some.marks[3]) / 2
    expected = "at" if abs(share_a - 0.5) <= 0.1 else ("above" if share_a > 0.5 else "below")
    assert results[some.candidate_id].theme_feedback["A"] == expected


def test_a_release_queues_an_email_and_a_notification_for_each_candidate(db, scored):
    received = []

    def hear(sender, release_id):
        received.append((sender, release_id))

    from core import signals

    signals.results_released.connect(hear)
    try:
        release = _release(db, scored, base_url="https://exam.example.org/")
    finally:
        signals.results_released.disconnect(hear)
    assert received == [(db, release.id)]
    candidate = scored.people[0][0]
    [message] = db.scalars(select(MailMessage).where(MailMessage.user_id == candidate.id))
    assert message.to_address == candidate.email and message.sent_at is None
    assert f"https://exam.example.org/results/sittings/{scored.sitting.id}" in message.body
    assert "pass" not in message.body.lower().replace("password", "")  # the e-mail never carries the result
    [note] = db.scalars(select(Notification).where(Notification.user_id == candidate.id))
    assert note.link == f"/results/sittings/{scored.sitting.id}" and "ready" in note.message
    assert db.scalar(select(MailMessage.id).where(MailMessage.user_id == scored.examiner.id)) is None


def test_release_refuses_a_provisional_run_and_an_unapproved_decision_with_every_reason(db, scored, make_decision):
    from scoring.runs.models import ScoringRun

    provisional = ScoringRun(sitting_id=scored.sitting.id, exam_paper_id=scored.run.exam_paper_id, is_provisional=True,
                             outstanding_scripts=2, code_version="t", created_at=RELEASED_AT, n_candidates=12,
                             n_items=6, max_score=6.0)
    db.add(provisional)
    db.flush()
    unapproved = make_decision(scored.sitting, scored.run, 4.0, approved=False)
    with pytest.raises(ValidationFailed) as refused:
        _release(db, scored, run_id=provisional.id, decision_id=unapproved.id)
    fields = {p.field: p.message for p in refused.value.problems}
    assert "provisional" in fields["run"] and "not been approved" in fields["decision"]
    assert db.scalar(select(ResultRelease.id)) is None and db.scalar(select(MailMessage.id)) is None


def test_release_refuses_a_run_or_decision_of_another_sitting(db, scored, sat_sitting, examiner, make_decision):
    from scoring.runs import services as runs
    from tests.assessment.results.conftest import AFTER

    other, _people = sat_sitting(6)
    other_run = runs.run_scoring(db, actor=examiner.actor, sitting_id=other.id, now=AFTER)
    other_decision = make_decision(other, other_run, 2.0)
    with pytest.raises(ValidationFailed) as refused:
        _release(db, scored, run_id=other_run.id, decision_id=other_decision.id)
    assert {p.field for p in refused.value.problems} == {"run", "decision"}


def test_a_decision_made_on_another_run_with_another_maximum_is_refused(db, scored, examiner):
    from scoring.runs import services as runs

    label = scored.run.items[0].label
    fewer = runs.rerun(db, actor=examiner.actor, run_id=scored.run.id, now=RELEASED_AT, exclude=[label],
                       reason="Item 1 was ambiguous")
    with pytest.raises(ValidationFailed, match="cannot be released") as refused:
        _release(db, scored, run_id=fewer.id)
    assert "whose maximum differs" in refused.value.problems[0].message


def test_only_an_examiner_who_is_not_a_candidate_in_the_sitting_may_release(db, scored, make_user):
    with pytest.raises(Forbidden):
        _release(db, scored, actor=make_user(Role.ADMIN).actor)
    candidate = scored.people[0][0]
    from core.roles import Actor

    both = Actor(candidate.id, "candidate and examiner", frozenset({Role.CANDIDATE, Role.EXAMINER}))
    with pytest.raises(Forbidden, match="candidate in this sitting"):
        _release(db, scored, actor=both)
    with pytest.raises(NotFound):
        _release(db, scored, sitting_id=999999)


def test_a_new_release_supersedes_with_reasons_and_the_first_stays(db, scored, make_decision):
    first = _release(db, scored)
    higher = make_decision(scored.sitting, scored.run, 5.0)
    with pytest.raises(ValidationFailed) as refused:
        _release(db, scored, decision_id=higher.id, reasons="  ")
    assert "give the reasons" in refused.value.problems[0].message
    assert db.scalar(select(ResultRelease.id).where(ResultRelease.id != first.id)) is None
    second = _release(db, scored, decision_id=higher.id, reasons="The board corrected the pass mark after review",
                      now=RELEASED_AT + dt.timedelta(days=2))
    assert second.supersedes_id == first.id and second.reasons.startswith("The board corrected")
    assert services.current_release(db, scored.sitting.id).id == second.id
    before, after = _results(db, first), _results(db, second)
    assert all(r.pass_mark == 3.0 for r in before.values()) and all(r.pass_mark == 5.0 for r in after.values())
    assert any(before[c].outcome == "pass" and after[c].outcome == "fail" for c in before)
    candidate = scored.people[0][0]
    subjects = list(db.scalars(select(MailMessage.subject).where(MailMessage.user_id == candidate.id)
                               .order_by(MailMessage.id)))
    assert subjects[1].startswith("Your corrected result")


def test_withheld_and_voided_results_carry_no_score_or_feedback(db, scored):
    (a, attempt_a), (b, attempt_b), (c, attempt_c) = scored.people[:3]
    actor, sid, now = scored.examiner.actor, scored.sitting.id, RELEASED_AT - dt.timedelta(days=1)
    services.decide_on_result(db, actor=actor, sitting_id=sid, attempt_id=attempt_a.id, action="withhold",
                              reasons="Awaiting the review of an invigilation incident", now=now)
    services.decide_on_result(db, actor=actor, sitting_id=sid, attempt_id=attempt_b.id, action="void",
                              reasons="Another person was seen answering", now=now)
    services.decide_on_result(db, actor=actor, sitting_id=sid, attempt_id=attempt_c.id, action="withhold",
                              reasons="Awaiting the review of an invigilation incident", now=now)
    services.decide_on_result(db, actor=actor, sitting_id=sid, attempt_id=attempt_c.id, action="reinstate",
                              reasons="The review found no concern", now=now)
    results = _results(db, _release(db, scored))
    assert (results[a.id].outcome, results[a.id].score, results[a.id].theme_feedback) == ("withheld", None, {})
    assert (results[b.id].outcome, results[b.id].score) == ("voided", None)
    assert results[c.id].outcome in ("pass", "fail") and results[c.id].score is not None
    assert len(list(db.scalars(select(ExaminerResultDecision)))) == 4  # every decision stays


def test_an_examiner_decision_needs_reasons_a_candidate_of_the_sitting_and_something_to_reinstate(db, scored,
                                                                                                  make_user):
    actor, sid = scored.examiner.actor, scored.sitting.id
    attempt = scored.people[0][1]
    with pytest.raises(ValidationFailed) as refused:
        services.decide_on_result(db, actor=actor, sitting_id=sid, attempt_id=999999, action="shred", reasons="",
                                  now=RELEASED_AT)
    assert {p.field for p in refused.value.problems} == {"attempt", "action", "reasons"}
    with pytest.raises(ValidationFailed, match="problem") as refused:
        services.decide_on_result(db, actor=actor, sitting_id=sid, attempt_id=attempt.id, action="reinstate",
                                  reasons="Nothing to lift here at all", now=RELEASED_AT)
    assert refused.value.problems[0].message == "This result is neither withheld nor voided"
    with pytest.raises(Forbidden):
        services.decide_on_result(db, actor=make_user(Role.INVIGILATOR).actor, sitting_id=sid, attempt_id=attempt.id,
                                  action="void", reasons="An invigilator cannot do this", now=RELEASED_AT)
    assert db.scalar(select(ExaminerResultDecision.id)) is None


def test_a_run_with_no_candidates_has_nothing_to_release(db, scored, make_decision):
    from scoring.runs.models import ScoringRun

    empty = ScoringRun(sitting_id=scored.sitting.id, exam_paper_id=scored.run.exam_paper_id, is_provisional=False,
                       code_version="t", created_at=RELEASED_AT, n_candidates=0, n_items=6, max_score=6.0)
    db.add(empty)
    db.flush()
    with pytest.raises(Conflict, match="nothing to release"):
        _release(db, scored, run_id=empty.id)


def test_an_appeal_upheld_with_void_and_resit_voids_the_result_in_the_next_release(db, scored):
    from assessment.results.appeals.models import Appeal, AppealOutcome, AppealPanel

    first = _release(db, scored)
    (a, attempt_a), (b, _attempt_b) = scored.people[:2]
    result_a = _results(db, first)[a.id]
    at = RELEASED_AT + dt.timedelta(days=10)
    appeal = Appeal(candidate_result_id=result_a.id, release_id=first.id, sitting_id=scored.sitting.id,
                    attempt_id=attempt_a.id, candidate_id=a.id, grounds=["technical_failure"],
                    statement="The exam froze for twenty minutes", lodged_at=at)
    db.add(appeal)
    db.flush()
    panel = AppealPanel(appeal_id=appeal.id, appointed_by_id=scored.examiner.id, appointed_at=at, reasons="")
    db.add(panel)
    db.flush()
    db.add(AppealOutcome(appeal_id=appeal.id, panel_id=panel.id, outcome="upheld_void_resit",
                         reasons="The platform failed", recorded_by_id=scored.examiner.id, recorded_at=at))
    db.flush()
    second = _release(db, scored, reasons="An appeal voided one attempt", now=at + dt.timedelta(days=1))
    results = _results(db, second)
    assert (results[a.id].outcome, results[a.id].score) == ("voided", None)
    assert results[b.id].outcome == _results(db, first)[b.id].outcome  # nobody else changes
