"""Equating between two stored runs, recording the equated decision, and the ``cop cutscores`` commands."""
import json

import pytest

from core.errors import NotFound, ValidationFailed
from scoring.cut_scores import queries, services
from scoring.cut_scores.rules import Method
from tests.scoring.cut_scores.conftest import NOW
from tests.scoring.cut_scores.test_equating import NEW, OLD, R


@pytest.fixture
def two_runs(stored_run, bank_items, examiners, db):
    """An earlier run (OLD) with an approved cut of 5.3 marks, and a later one (NEW) sharing 6 items."""
    items = bank_items(14)
    old = stored_run(OLD.matrix, items[:10])
    new = stored_run(NEW.matrix, items[:6] + items[10:])
    decider, approver = examiners
    decision = services.record_decision(db, actor=decider.actor, sitting_id=old.sitting_id, scoring_run_id=old.id,
                                        method="angoff", raw_cut=R["cut"], standard_error=0.5, k=0.0, rounding="up",
                                        reasons="The panel's cut", now=NOW)
    services.approve_decision(db, actor=approver.actor, decision_id=decision.id, comment="", now=NOW)
    return old, new, decision


def test_equate_runs_matches_the_pure_equating(db, two_runs, examiners):
    old, new, decision = two_runs
    view = queries.equate_runs(db, examiners[0].actor, old.id, new.id, "mean_mean")
    assert view.problem == "" and view.source.id == decision.id
    assert view.result.equated_cut == pytest.approx(R["equated_cut"], abs=2e-3)
    assert len(view.result.anchors) == 6
    assert view.pass_mark.pass_mark == 6.0  # the earlier policy (k = 0, up) on 5.95
    assert [s.run_id for s in queries.equating_sources(db, examiners[0].actor, new)] == [old.id]


def test_an_equated_decision_records_where_its_cut_came_from(db, two_runs, examiners):
    old, new, decision = two_runs
    equated = services.record_equated_decision(db, actor=examiners[1].actor, from_run_id=old.id, to_run_id=new.id,
                                               link="anchored", k=1.0, rounding="nearest",
                                               reasons="Carried from the spring paper", now=NOW)
    assert equated.method == Method.EQUATED and equated.sitting_id == new.sitting_id
    assert equated.equating["from_run"] == old.id and equated.equating["from_decision"] == decision.id
    assert equated.equating["link"] == "anchored" and len(equated.equating["anchors"]) == 6
    assert equated.raw_cut == pytest.approx(equated.equating["equated_cut"])
    assert equated.pass_mark == round(equated.raw_cut + new.sem)


def test_equating_without_an_approved_standard_or_enough_anchors_is_refused(db, stored_run, bank_items, examiners):
    items = bank_items(14)
    old = stored_run(OLD.matrix, items[:10])
    new = stored_run(NEW.matrix, items[:6] + items[10:])
    with pytest.raises(NotFound, match="no approved cut-score decision"):
        queries.equate_runs(db, examiners[0].actor, old.id, new.id)
    decision = services.record_decision(db, actor=examiners[0].actor, sitting_id=old.sitting_id,
                                        scoring_run_id=old.id, method="ebel", raw_cut=5.3, standard_error=None, k=0,
                                        rounding="up", reasons="Reasons", now=NOW)
    services.approve_decision(db, actor=examiners[1].actor, decision_id=decision.id, comment="", now=NOW)
    fewer = stored_run(NEW.matrix, items[:4] + items[10:14] + bank_items(2))
    view = queries.equate_runs(db, examiners[0].actor, old.id, fewer.id)
    assert view.result is None and "share 4 item(s)" in view.problem
    with pytest.raises(ValidationFailed, match="cannot be done"):
        services.record_equated_decision(db, actor=examiners[0].actor, from_run_id=old.id, to_run_id=fewer.id,
                                         link="anchored", k=0, rounding="up", reasons="Reasons", now=NOW)


def test_cli_lists_and_equates(app, db, runner, two_runs):
    old, new, decision = two_runs
    db.commit()
    out = runner.invoke(args=["cutscores", "list", "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [(r["id"], r["status"], r["pass_mark"]) for r in rows] == [(decision.id, "approved", 6.0)]
    out = runner.invoke(args=["cutscores", "list", "--sitting", str(new.sitting_id)])
    assert out.exit_code == 0 and "No cut-score decisions." in out.output
    out = runner.invoke(args=["cutscores", "list"])
    assert f"run {old.id}" in out.output and "approved" in out.output
    out = runner.invoke(args=["cutscores", "equate", "--from-run", str(old.id), "--to-run", str(new.id),
                              "--link", "mean_mean", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["equated_cut"] == pytest.approx(R["equated_cut"], abs=2e-3) and len(doc["anchors"]) == 6
    out = runner.invoke(args=["cutscores", "equate", "--from-run", str(old.id), "--to-run", str(new.id)])
    assert out.exit_code == 0 and "equated cut" in out.output and "displacement" in out.output


def test_cli_bad_input_is_one_line(app, db, runner, two_runs):
    old, new, _decision = two_runs
    db.commit()
    out = runner.invoke(args=["cutscores", "equate", "--from-run", str(new.id), "--to-run", str(old.id)])
    assert out.exit_code == 1 and out.output.strip().count("\n") == 0
    assert "no approved cut-score decision" in out.output
    out = runner.invoke(args=["cutscores", "list", "--sitting", "999999"])
    assert out.exit_code == 1 and "no such sitting" in out.output
