"""The re-mark after an upheld appeal, the whole way through the real services: the panel upholds the
appeal → marking hears it and the re-mark appears in the queue of a fresh examiner (never an earlier
marker's) and on the results board → an earlier marker is refused → the fresh examiner marks blind →
recording the re-mark makes a new run with the released run's decisions, differing only in this
candidate's total → a new release supersedes the old and the candidate reads the new result."""
import datetime as dt

import pytest
from sqlalchemy import select

from assessment.results import queries as results
from assessment.results import services as release
from assessment.results.appeals import queries, services
from assessment.results.appeals.rules import Status
from core.errors import Conflict, Forbidden, NotFound
from core.roles import Role
from scoring.marking import queries as marking_queries
from scoring.marking import services as marking
from scoring.marking.models import RemarkRequest, Script
from scoring.marking.rules import Round
from scoring.runs.models import ScoringRun, ScoringRunScore
from tests.assessment.results.appeals.remark_builders import UPHELD_AT, release_result_of, upheld_appeal
from tests.assessment.results.conftest import issuer_for_tests
from tests.scoring.marking.conftest import marking_sitting, sit, team  # noqa: F401 - fixtures
from tests.uploads_data import evidence_sealer

REMARKED_AT = UPHELD_AT + dt.timedelta(days=3)


@pytest.fixture
def upheld(db, make_user, marking_sitting, sit, team, tmp_path):  # noqa: F811 - fixtures
    return upheld_appeal(db, make_user, marking_sitting, sit, team, str(tmp_path))


def _totals(db, run_id):
    return dict(db.execute(select(ScoringRunScore.attempt_id, ScoringRunScore.total)
                           .where(ScoringRunScore.run_id == run_id)).all())


def test_an_upheld_appeal_is_re_marked_by_a_fresh_examiner_and_carried_by_a_new_run_and_release(db, upheld):
    appeal, sitting, team = upheld.appeal, upheld.sitting, upheld.team
    attempt = upheld.attempts["appellant"]
    [script] = db.scalars(select(Script).where(Script.attempt_id == attempt.id)).all()
    [request] = db.scalars(select(RemarkRequest)).all()
    assert (request.appeal_id, request.attempt_id, request.requested_at) == (appeal.id, attempt.id, UPHELD_AT)

    # The re-mark appears for the fresh examiner (candidate number only) and on the results board.
    queue = marking.open_queue(db, upheld.fresh.actor, sitting.id, UPHELD_AT)
    assert [(e.script_id, e.round, e.candidate_number, e.is_done) for e in queue if e.round is Round.APPEAL] == [
        (script.id, Round.APPEAL, script.candidate_number, False)]
    for marker in ("first", "second"):  # the earlier markers are not asked
        assert not [e for e in marking.open_queue(db, team[marker].actor, sitting.id, UPHELD_AT)
                    if e.round is Round.APPEAL]
    board = results.board(db, upheld.scorer.actor, sitting.id)
    assert [(o.candidate_number, o.slot, o.waiting_for) for o in board.open_scripts] == [
        (script.candidate_number, script.slot, "Awaiting a re-mark after an appeal")]

    # Nothing to record until the written answer is marked again.
    with pytest.raises(Conflict, match="still wait for their mark after the appeal"):
        services.record_remark(db, actor=upheld.scorer.actor, appeal_id=appeal.id, reasons="Done", now=REMARKED_AT)

    # An earlier marker is refused, however allocated; so is anyone before marking is asked.
    for marker in ("first", "second"):
        with pytest.raises(Forbidden, match="You marked this candidate's written answers before the appeal"):
            marking.give_mark(db, team[marker].actor, script.id, "appeal", 4, "Looked again", REMARKED_AT)
        with pytest.raises(Forbidden, match="before the appeal"):
            marking_queries.marking_page(db, team[marker].actor, script.id, "appeal")
    other = db.scalar(select(Script).where(Script.attempt_id == upheld.attempts["steady"].id))
    with pytest.raises(NotFound):  # no appeal asked for this candidate's answers
        marking.give_mark(db, upheld.fresh.actor, other.id, "appeal", 4, "Not asked", REMARKED_AT)

    # The fresh examiner marks blind: the earlier marks are hidden until theirs is in.
    page = marking_queries.marking_page(db, upheld.fresh.actor, script.id, "appeal")
    assert page.my_mark is None and page.answer == "The answer of the appellant candidate."
    with pytest.raises(NotFound):
        marking_queries.revealed_marks(db, upheld.fresh.actor, script.id)
    marking.give_mark(db, upheld.fresh.actor, script.id, "appeal", 4, "Meets every criterion", REMARKED_AT)
    shown = marking_queries.revealed_marks(db, upheld.fresh.actor, script.id)
    assert (shown.first.mark, shown.second.mark, shown.appeal.mark, shown.outcome.mark) == (1, 1, 4, 4)
    assert shown.outcome.reason == "Marked again after an appeal: the re-mark of 4 stands in place of 1"
    with pytest.raises(Conflict, match="cannot be changed"):
        marking.give_mark(db, upheld.fresh.actor, script.id, "appeal", 3, "Second thoughts", REMARKED_AT,
                          reason="Changed my mind")
    assert marking_queries.script_outcomes(db, sitting.id)[script.id].mark == 4
    assert [e.is_done for e in marking.open_queue(db, upheld.fresh.actor, sitting.id, REMARKED_AT)
            if e.round is Round.APPEAL] == [True]
    assert results.board(db, upheld.scorer.actor, sitting.id).open_scripts == []

    # Recording the re-mark makes the new run, with the released run's decisions.
    remark = services.record_remark(db, actor=upheld.scorer.actor, appeal_id=appeal.id,
                                    reasons="Re-marked by Fran Fresh", now=REMARKED_AT)
    run = db.get(ScoringRun, remark.scoring_run_id)
    assert run.reason == f"Re-mark after appeal {appeal.id}"
    assert (run.sitting_id, run.exam_paper_id, run.is_provisional) == (sitting.id, upheld.run.exam_paper_id, False)
    assert run.settings["exclude"] == upheld.run.settings["exclude"] and len(run.settings["exclude"]) == 1
    assert [(i.label, i.is_excluded) for i in run.items] == [(i.label, i.is_excluded) for i in upheld.run.items]
    before, after = _totals(db, upheld.run.id), _totals(db, run.id)
    for name in ("steady", "third"):
        assert after[upheld.attempts[name].id] == before[upheld.attempts[name].id]
    assert after[attempt.id] == before[attempt.id] - 1 + 4
    assert queries.appeal_view(db, appeal.id).status is Status.REMARKED
    with pytest.raises(Conflict, match="already recorded"):
        services.record_remark(db, actor=upheld.scorer.actor, appeal_id=appeal.id, reasons="Again", now=REMARKED_AT)

    # A new release on the new run supersedes the old; the candidate reads the new result.
    new = release.release_results(db, actor=upheld.scorer.actor, sitting_id=sitting.id, run_id=run.id,
                                  decision_id=upheld.decision.id, reasons=f"Re-mark after appeal {appeal.id}",
                                  now=REMARKED_AT + dt.timedelta(days=1), issuer=issuer_for_tests())
    assert new.supersedes_id == upheld.release.id
    page = results.candidate_result(db, upheld.candidates["appellant"].actor, sitting.id)
    assert page.release.id == new.id
    assert page.result.score == after[attempt.id]
    assert page.result.outcome == ("pass" if after[attempt.id] >= 3 else "fail")


def test_a_lead_with_no_earlier_mark_may_re_mark_once_but_not_an_unallocated_examiner(db, upheld, make_user):
    script = db.scalar(select(Script).where(Script.attempt_id == upheld.attempts["appellant"].id))
    outsider = make_user(Role.EXAMINER)
    with pytest.raises(Forbidden, match="no marking allocation"):
        marking.give_mark(db, outsider.actor, script.id, "appeal", 2, "Not mine to mark", REMARKED_AT)
    mark = marking.give_mark(db, upheld.team["lead"].actor, script.id, "appeal", 2, "Two criteria met", REMARKED_AT)
    assert mark.round is Round.APPEAL
    with pytest.raises(Conflict, match="Another examiner has already re-marked"):
        marking.give_mark(db, upheld.fresh.actor, script.id, "appeal", 4, "Too late", REMARKED_AT)


def test_a_dismissed_appeal_asks_marking_for_nothing(db, make_user, marking_sitting, sit, team, tmp_path):  # noqa: F811
    found = upheld_appeal(db, make_user, marking_sitting, sit, team, str(tmp_path), outcome="dismissed")
    assert db.scalars(select(RemarkRequest)).all() == []
    assert marking_queries.open_appeal_scripts(db, found.sitting.id) == []


def _sign_in(client, user):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True


def test_the_pages_refuse_an_earlier_marker_and_show_the_re_mark_waiting(client, db, upheld, clock):
    clock.set(REMARKED_AT)
    script = db.scalar(select(Script).where(Script.attempt_id == upheld.attempts["appellant"].id))
    _sign_in(client, upheld.team["first"])
    refused = client.get(f"/marking/scripts/{script.id}/appeal")
    assert refused.status_code == 403
    assert "marked this candidate&#39;s written answers before the appeal" in refused.text
    _sign_in(client, upheld.fresh)
    queue = client.get(f"/marking/sittings/{upheld.sitting.id}/queue")
    assert queue.status_code == 200 and "Re-marks after appeal" in queue.text
    assert script.candidate_number in queue.text and "Appellant Candidate" not in queue.text
    page = client.get(f"/marking/scripts/{script.id}/appeal")
    assert page.status_code == 200 and "Meets some criteria" not in page.text  # the earlier marks stay hidden
    saved = client.post(f"/marking/scripts/{script.id}/appeal", data={"mark": "4", "justification": "All met"})
    assert saved.status_code == 302
    _sign_in(client, upheld.scorer)
    remark = client.get(f"/appeals/remarks/{upheld.appeal.id}")
    assert remark.status_code == 200 and "Marked " in remark.text and "scoring_run_id" not in remark.text
    recorded = client.post(f"/appeals/remarks/{upheld.appeal.id}", data={"reasons": "Re-marked by Fran Fresh"})
    assert recorded.status_code == 302
    assert queries.appeal_view(db, upheld.appeal.id).status is Status.REMARKED


def test_an_attempt_without_written_answers_needs_no_re_mark_and_gets_its_run_at_once(db, scored, make_user,
                                                                                     tmp_path):
    """A paper of single best answers only: the re-mark asks marking for nothing, and recording it makes
    the new run straight away, with every total as before."""
    from tests.assessment.results.conftest import RELEASED_AT

    released = release.release_results(db, actor=scored.examiner.actor, sitting_id=scored.sitting.id,
                                       run_id=scored.run.id, decision_id=scored.decision.id, now=RELEASED_AT,
                                       issuer=issuer_for_tests())
    candidate, attempt = scored.people[0]
    result = release_result_of(db, released.id, attempt.id)
    appeal = services.lodge_appeal(db, actor=candidate.actor, candidate_result_id=result.id, grounds=["other"],
                                   statement="Please check my answers.", files=[], upload_folder=str(tmp_path), sealer=evidence_sealer(),
                                   scan_command=None, window_days=28, now=RELEASED_AT + dt.timedelta(days=1))
    admin, managers = make_user(Role.ADMIN), [make_user(name=f"Manager {n}") for n in range(3)]
    for manager in managers:
        manager.is_registered_case_manager = True
    db.flush()
    later = RELEASED_AT + dt.timedelta(days=2)
    services.appoint_panel(db, actor=admin.actor, appeal_id=appeal.id, member_ids=[m.id for m in managers],
                           reasons="", now=later)
    for manager in managers:
        services.respond_to_appointment(db, actor=manager.actor, appeal_id=appeal.id, has_conflict=False,
                                        statement="", now=later)
    services.record_outcome(db, actor=managers[0].actor, appeal_id=appeal.id, outcome="upheld_remark",
                            reasons="Look again", now=later)
    assert queries.remark_progress(db, appeal.id).scripts == []
    remark = services.record_remark(db, actor=scored.examiner.actor, appeal_id=appeal.id,
                                    reasons="No written answers to mark again", now=later + dt.timedelta(days=1))
    assert _totals(db, remark.scoring_run_id) == _totals(db, scored.run.id)
