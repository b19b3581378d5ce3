"""The results board lists invigilation outcomes that await an examiner's decision, and a release is
refused while one has none; withholding, voiding or letting the result stand is the examiner's."""
import datetime as dt

import pytest

from core.errors import ValidationFailed
from core.roles import Role
from assessment.results import queries, services
from proctoring import log
from proctoring.review import services as review
from tests.assessment.results.conftest import RELEASED_AT, issuer_for_tests

REVIEWED_AT = RELEASED_AT - dt.timedelta(days=5)


@pytest.fixture
def outcome(db, scored, make_user):
    """``outcome(index, category)``: a reviewer's outcome on the index-th candidate's invigilation."""
    reviewer = make_user(Role.INVIGILATOR, name="Rhea Reviewer")

    def record(index, category, at=REVIEWED_AT):
        candidate, attempt = scored.people[index]
        log.invigilation_for(db, sitting_id=scored.sitting.id, candidate_id=candidate.id, now=at)
        return review.record_outcome(db, actor=reviewer.actor, attempt_id=attempt.id, outcome=category,
                                     reasons="A second person was seen in the room.", now=at)

    return record


def _release(db, scored, **kwargs):
    return services.release_results(db, actor=scored.examiner.actor, sitting_id=scored.sitting.id,
                                    run_id=scored.run.id, decision_id=scored.decision.id, now=RELEASED_AT,
                                    issuer=issuer_for_tests(), **kwargs)


def test_only_outcomes_awaiting_an_examiner_are_listed(db, scored, outcome):
    outcome(0, "withheld_pending_examiner")
    outcome(1, "refer_for_misconduct")
    outcome(2, "concern_noted")
    outcome(3, "no_concern")
    board = queries.board(db, scored.examiner.actor, scored.sitting.id)
    listed = {row.attempt_id: row.outcome_label for row in board.invigilation_outcomes}
    assert listed == {scored.people[0][1].id: "Result withheld pending an examiner's decision",
                      scored.people[1][1].id: "Refer for misconduct"}
    assert board.invigilation_outcomes[0].reviewer == "Rhea Reviewer"


def test_a_later_outcome_replaces_the_earlier(db, scored, outcome):
    outcome(0, "withheld_pending_examiner")
    outcome(0, "concern_noted", at=REVIEWED_AT + dt.timedelta(hours=1))
    assert queries.board(db, scored.examiner.actor, scored.sitting.id).invigilation_outcomes == []


def test_the_release_is_refused_until_an_examiner_decides(db, scored, outcome):
    outcome(0, "withheld_pending_examiner")
    with pytest.raises(ValidationFailed) as refused:
        _release(db, scored)
    problem = next(p for p in refused.value.problems if p.field == "invigilation")
    assert problem.message.startswith("1 invigilation outcome awaits an examiner's decision: candidate ")
    assert "result withheld pending an examiner's decision" in problem.message
    # The preview of the release (the confirmation page) refuses the same.
    with pytest.raises(ValidationFailed):
        queries.release_preview(db, scored.examiner.actor, scored.sitting.id, scored.run.id, scored.decision.id, "")


@pytest.mark.parametrize("action, expected", [("withhold", "withheld"), ("void", "voided"), ("reinstate", None)])
def test_an_examiner_decision_clears_it_and_the_release_follows_the_decision(db, scored, outcome, action, expected):
    outcome(0, "refer_for_misconduct")
    candidate, attempt = scored.people[0]
    services.decide_on_result(db, actor=scored.examiner.actor, sitting_id=scored.sitting.id, attempt_id=attempt.id,
                              action=action, reasons="Read the timeline and the evidence.",
                              now=REVIEWED_AT + dt.timedelta(days=1))
    assert queries.board(db, scored.examiner.actor, scored.sitting.id).invigilation_outcomes == []
    release = _release(db, scored)
    from sqlalchemy import select

    from assessment.results.models import CandidateResult

    result = db.scalar(select(CandidateResult).where(CandidateResult.release_id == release.id,
                                                     CandidateResult.attempt_id == attempt.id))
    assert result.outcome == (expected or ("pass" if result.score >= 3 else "fail"))


def test_an_examiner_decision_before_the_outcome_does_not_count(db, scored, outcome):
    candidate, attempt = scored.people[0]
    services.decide_on_result(db, actor=scored.examiner.actor, sitting_id=scored.sitting.id, attempt_id=attempt.id,
                              action="withhold", reasons="Held while the invigilation is reviewed.",
                              now=REVIEWED_AT - dt.timedelta(days=1))
    outcome(0, "withheld_pending_examiner")
    assert [r.attempt_id for r in queries.board(db, scored.examiner.actor, scored.sitting.id).invigilation_outcomes] \
        == [attempt.id]


def test_the_board_page_says_it_plainly_and_links_the_timeline(client, db, scored, outcome):
    outcome(0, "withheld_pending_examiner")
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = scored.examiner.get_id()
    page = client.get(f"/results/board/{scored.sitting.id}").get_data(as_text=True)
    attempt_id = scored.people[0][1].id
    assert "Results cannot be released yet: 1 invigilation outcome awaits an examiner's decision" in page
    assert f"/invigilation/attempts/{attempt_id}/timeline" in page
    assert f"/results/board/{scored.sitting.id}/decisions?attempt={attempt_id}" in page
    form = client.get(f"/results/board/{scored.sitting.id}/decisions?attempt={attempt_id}").get_data(as_text=True)
    assert f'<option selected value="{attempt_id}">' in form or f'value="{attempt_id}" selected' in form
