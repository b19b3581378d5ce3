"""Equating between two stored runs whose papers have written (constructed-response) items marked
out of 2 or 3: the query, the equated decision, ``cop cutscores equate`` and the equating page,
on the seeded pair of papers pinned to eRm (tests/data/psychometrics/pcm_equating). On the stored
new paper I22 is out of 3 where nobody scored 3: the empty category is merged and said so, and the
numbers are unchanged (test_equating_pcm.py shows that a maximum nobody reached changes nothing)."""
import json

import pytest
from scoring.cut_scores import queries, services
from scoring.cut_scores.rules import Method
from tests.scoring.cut_scores.conftest import NOW
from tests.scoring.cut_scores.test_equating_pcm import NEW, OLD, R


NEW_TOPS = [3.0 if label == "I22" else top for label, top in zip(NEW.labels, NEW.max_marks)]
NOTE = ("{} on the new paper: marks 2, 3 counted as one category (no candidate with a total between 0 and "
        "full marks had mark 3).")  # the stored label of I22 goes in the braces


def _kinds(tops):
    """Items worth more than 1 mark are written answers (constructed response), as on a real paper."""
    return ["constructed_response" if top > 1 else "sba" for top in tops]


@pytest.fixture
def two_runs(stored_run, bank_items, examiners, db):
    """The earlier run (OLD) with an approved cut of 9.4 marks, and the later one (NEW) sharing I1–I6."""
    items = bank_items(14)
    old = stored_run(OLD.matrix, items[:10], max_marks=list(OLD.max_marks), item_types=_kinds(OLD.max_marks))
    new = stored_run(NEW.matrix, items[:6] + items[10:], max_marks=NEW_TOPS, item_types=_kinds(NEW_TOPS))
    decider, approver = examiners
    decision = services.record_decision(db, actor=decider.actor, sitting_id=old.sitting_id, scoring_run_id=old.id,
                                        method="angoff", raw_cut=R["cut"], standard_error=0.6, k=0.0, rounding="up",
                                        reasons="The panel's cut on the spring paper", now=NOW)
    services.approve_decision(db, actor=approver.actor, decision_id=decision.id, comment="", now=NOW)
    return old, new, decision, NOTE.format(f"I{items[NEW.labels.index('I22') + 4].item_id}")


def test_equate_runs_with_written_items_is_pinned_to_eRm(db, two_runs, examiners):
    old, new, decision, note = two_runs
    view = queries.equate_runs(db, examiners[0].actor, old.id, new.id, "mean_mean")
    assert view.problem == "" and view.source.id == decision.id
    e = view.result
    assert e.model == "pcm" and e.old_max == 17 and e.new_max == 18 and e.notes == (note,)
    assert e.shift == pytest.approx(R["shift"], abs=1e-4)
    assert e.theta == pytest.approx(R["theta"], abs=1e-4)
    assert e.equated_cut == pytest.approx(R["equated_cut"], abs=1e-4)
    by_position = dict(zip([f"I{i}" for i in range(1, 7)], (a.displacement for a in e.anchors)))
    assert by_position == pytest.approx(R["displacement"], abs=1e-4)
    assert [a.drifted for a in e.anchors] == [False, False, False, False, True, False]  # I5 was made harder
    assert view.pass_mark.pass_mark == 10.0  # the earlier policy (k = 0, up) on 9.755


def test_an_equated_decision_on_written_items_records_the_model(db, two_runs, examiners):
    old, new, decision, note = two_runs
    equated = services.record_equated_decision(db, actor=examiners[1].actor, from_run_id=old.id, to_run_id=new.id,
                                               link="anchored", k=1.0, rounding="nearest",
                                               reasons="Carried from the spring paper", now=NOW)
    assert equated.method == Method.EQUATED and equated.sitting_id == new.sitting_id
    record = equated.equating
    assert record["model"] == "pcm" and record["link"] == "anchored" and record["notes"] == [note]
    assert record["from_run"] == old.id and record["from_decision"] == decision.id and len(record["anchors"]) == 6
    assert record["theta"] == pytest.approx(R["theta"], abs=1e-4)
    assert equated.raw_cut == pytest.approx(record["equated_cut"])
    assert equated.pass_mark == round(equated.raw_cut + new.sem)


def test_cli_and_page_equate_written_items(app, client, db, runner, two_runs, examiners):
    old, new, _decision, note = two_runs
    db.commit()
    out = runner.invoke(args=["cutscores", "equate", "--from-run", str(old.id), "--to-run", str(new.id),
                              "--link", "mean_mean", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["model"] == "pcm" and doc["equated_cut"] == pytest.approx(R["equated_cut"], abs=1e-4)
    out = runner.invoke(args=["cutscores", "equate", "--from-run", str(old.id), "--to-run", str(new.id)])
    assert out.exit_code == 0, out.output
    assert "Model: Partial credit model" in out.output and "mean of their thresholds" in out.output
    assert "moved" in out.output and f"Note: {note}" in out.output
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = examiners[0].get_id()
        flask_session["_fresh"] = True
    page = client.get(f"/scoring/runs/{new.id}/equating?from_run={old.id}&link=mean_mean")
    assert page.status_code == 200, page.text
    assert f"{R['equated_cut']:.2f} of 18 marks" in page.text and note in page.text
    assert "Partial credit model (items marked out of more than 1)" in page.text
    assert "location (the mean of the item's thresholds)" in page.text and "Anchor items (6)" in page.text
    assert "style=" not in page.text
    url = f"/scoring/runs/{new.id}/equating/decision?from_run={old.id}&link=mean_mean"
    done = client.post(url, data={"k": "0", "rounding": "up", "reasons": "Carried from spring", "action": "record",
                                  "shown_pass_mark": "10"})
    assert done.status_code == 302, done.text
    page = client.get(done.headers["Location"])
    assert "partial credit model" in page.text and "Where the equated cut came from" in page.text
    assert note in page.text
