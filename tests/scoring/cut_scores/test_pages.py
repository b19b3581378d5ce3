"""The decision pages: record (the pass mark shown before it is recorded), refusals beside the
field, approval hidden from the decider and given by a second examiner, and the equating page."""
import pytest
from sqlalchemy import select

from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
from tests.scoring.cut_scores.test_decisions import MATRIX
from tests.scoring.cut_scores.test_equating import NEW, OLD, R


def _sign_in(client, user):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True


FORM = {"method": "angoff", "exercise_id": "", "raw_cut": "3.3", "standard_error": "0.4", "k": "1",
        "rounding": "up", "reasons": "The panel's Angoff cut after round two."}


def test_record_check_then_confirm_and_approve(client, db, stored_run, bank_items, examiners):
    run = stored_run(MATRIX, bank_items(6), sem=0.8)
    decider, approver = examiners
    _sign_in(client, decider)
    page = client.get(f"/scoring/sittings/{run.sitting_id}/cut-scores")
    assert page.status_code == 200 and "No decision has been recorded" in page.text
    url = f"/scoring/sittings/{run.sitting_id}/cut-scores/new"
    assert client.get(url).status_code == 200

    checked = client.post(url, data={**FORM, "scoring_run_id": str(run.id), "action": "check"})
    assert checked.status_code == 200
    assert "Pass mark 5" in checked.text and "6 of 10 candidates" not in checked.text
    assert "3 of 10 candidates (30.0%)" in checked.text  # totals ≥ 5: 6, 5, 5
    assert db.scalar(select(CutScoreDecision.id)) is None  # nothing is written until confirmed

    # Recording numbers other than the ones shown is refused: check again.
    changed = client.post(url, data={**FORM, "raw_cut": "2", "scoring_run_id": str(run.id), "action": "record",
                                     "shown_pass_mark": "5"})
    assert changed.status_code == 422 and "the pass mark is 3" in changed.text
    assert db.scalar(select(CutScoreDecision.id)) is None

    done = client.post(url, data={**FORM, "scoring_run_id": str(run.id), "action": "record",
                                  "shown_pass_mark": "5"})
    assert done.status_code == 302
    decision = db.scalar(select(CutScoreDecision))
    assert decision.pass_mark == 5.0 and decision.decided_by_id == decider.id
    page = client.get(done.headers["Location"])
    assert "Awaiting approval" in page.text and "Approve the decision" not in page.text
    assert "You made this decision" in page.text
    refused = client.post(f"/cut-scores/{decision.id}/approve", data={"comment": ""})
    assert refused.status_code == 403

    _sign_in(client, approver)
    page = client.get(f"/cut-scores/{decision.id}")
    assert "Approve the decision" in page.text and "2 candidate(s) with totals from 4.20 to 5.80" in page.text
    approved = client.post(f"/cut-scores/{decision.id}/approve", data={"comment": "Agreed at the board"})
    assert approved.status_code == 302
    assert db.scalar(select(CutScoreApproval.comment)) == "Agreed at the board"
    page = client.get(f"/scoring/sittings/{run.sitting_id}/cut-scores")
    assert "The pass mark that stands is <strong>5</strong>" in page.text and "Approved" in page.text


def test_bad_input_is_said_beside_the_field(client, db, stored_run, bank_items, examiners):
    run = stored_run(MATRIX, bank_items(6))
    provisional = stored_run(MATRIX, bank_items(6), provisional=True, sitting=db.get(
        __import__("assessment.delivery.models", fromlist=["Sitting"]).Sitting, run.sitting_id))
    _sign_in(client, examiners[0])
    url = f"/scoring/sittings/{run.sitting_id}/cut-scores/new"
    page = client.post(url, data={**FORM, "scoring_run_id": str(provisional.id), "action": "check"})
    assert page.status_code == 422 and "is provisional" in page.text and 'href="#scoring_run_id"' in page.text
    page = client.post(url, data={**FORM, "scoring_run_id": str(run.id), "raw_cut": "lots", "reasons": "",
                                  "action": "check"})
    assert page.status_code == 422
    assert "Enter the cut in marks, like 31 or 30.75" in page.text and "Give the reasons" in page.text
    page = client.post(url, data={**FORM, "scoring_run_id": str(run.id), "raw_cut": "60", "action": "check"})
    assert page.status_code == 422 and "at most the run&#39;s maximum score, 6" in page.text
    assert db.scalar(select(CutScoreDecision.id)) is None


def test_equating_page_and_equated_decision(client, db, stored_run, bank_items, examiners):
    from scoring.cut_scores import services
    from tests.scoring.cut_scores.conftest import NOW

    items = bank_items(14)
    old, new = stored_run(OLD.matrix, items[:10]), stored_run(NEW.matrix, items[:6] + items[10:])
    decider, approver = examiners
    decision = services.record_decision(db, actor=decider.actor, sitting_id=old.sitting_id, scoring_run_id=old.id,
                                        method="angoff", raw_cut=R["cut"], standard_error=0.5, k=0.0, rounding="up",
                                        reasons="The panel's cut", now=NOW)
    services.approve_decision(db, actor=approver.actor, decision_id=decision.id, comment="", now=NOW)
    _sign_in(client, decider)
    page = client.get(f"/scoring/runs/{new.id}/equating")
    assert page.status_code == 200 and f"Run {old.id} of" in page.text
    page = client.get(f"/scoring/runs/{new.id}/equating?from_run={old.id}&link=mean_mean")
    assert page.status_code == 200
    assert f"{R['equated_cut']:.2f} of 10 marks" in page.text and "Anchor items (6)" in page.text
    url = f"/scoring/runs/{new.id}/equating/decision?from_run={old.id}&link=mean_mean"
    form = client.get(url)
    assert form.status_code == 200 and f"{R['equated_cut']:.2f} marks on this paper" in form.text
    checked = client.post(url, data={"k": "0", "rounding": "up", "reasons": "Carried from spring", "action": "check"})
    assert "Pass mark 6" in checked.text
    done = client.post(url, data={"k": "0", "rounding": "up", "reasons": "Carried from spring", "action": "record",
                                  "shown_pass_mark": "6"})
    assert done.status_code == 302
    page = client.get(done.headers["Location"])
    assert "Equated from an earlier paper" in page.text and "Where the equated cut came from" in page.text
    assert "style=" not in page.text


@pytest.mark.parametrize("path", ["/cut-scores/999999", "/scoring/sittings/999999/cut-scores"])
def test_missing_things_are_404(client, login_as, path):
    from core.roles import Role

    login_as(Role.EXAMINER)
    assert client.get(path).status_code == 404
