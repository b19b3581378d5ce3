"""Scoring runs through the real delivery services: run, exclude an item, rekey, compare, and the
run's numbers equal the engine's on the exported matrix."""
import csv
import io
import json

import numpy as np
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core.errors import Conflict, Forbidden, ValidationFailed
from core.roles import Role
from assessment.delivery import services as delivery
from scoring.psychometrics import item_analysis
from scoring.runs import exports, queries, services
from scoring.runs.models import ScoringRun, ScoringRunItem, ScoringRunScore
from tests.scoring.runs.conftest import AFTER


def matrix_from_csv(data: bytes):
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    return header, [int(r[0]) for r in body], np.array([[float(v) for v in r[1:]] for r in body])


def test_walkthrough_run_exclude_compare(db, sat_sitting, examiner):
    sitting, people = sat_sitting(24)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    assert not run.is_provisional and run.n_candidates == 24 and run.n_items == 6
    assert run.code_version and run.created_by_id == examiner.id
    items = queries.run_items(db, run.id)
    labels = [i.label for i in items]
    assert all(label.startswith("I") for label in labels) and len(set(labels)) == 6
    assert [i.rule for i in items] == ["sba"] * 6 and {i.key for i in items} == {"B"}
    assert all(i.options and i.facility is not None for i in items)

    # Each candidate's total is the number of keys they chose, from final_responses one by one.
    scores = {c: (marks, total) for c, marks, total in queries.run_scores(db, run.id)}
    for candidate, attempt in people:
        final = delivery.final_responses(db, attempt.id, AFTER)
        assert scores[candidate.id][1] == sum(1 for r in final if r.answer == "B")

    second = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER,
                                  exclude=[labels[0]], reason="Item 1 was ambiguous")
    assert second.id != run.id and second.previous_run_id == run.id and second.n_items == 5
    assert second.settings["exclude"] == [labels[0]] and second.reason == "Item 1 was ambiguous"
    assert db.get(ScoringRun, run.id).n_items == 6  # the old run stays as it was

    a, b, comparison = queries.compare_runs(db, examiner.actor, run.id, second.id, cut=3)
    changed = {c.candidate for c in comparison.candidates}
    expected = {c for c, (marks, _t) in scores.items() if marks[0] > 0}
    assert changed == expected and expected
    assert any(c.outcome_changed for c in comparison.candidates) == bool(comparison.outcome_changes)
    first_item = next(i for i in comparison.items if i.label == labels[0])
    assert ("is_excluded", False, True) in first_item.changes
    assert len(comparison.items) == 6  # every other item's statistics move when one leaves the total


def test_run_numbers_equal_the_engine_on_the_exported_matrix(db, sat_sitting, examiner):
    sitting, _people = sat_sitting(30)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    header, candidates, x = matrix_from_csv(exports.export_bytes(db, examiner.actor, run.id, "responses", "csv"))
    assert header[0] == "candidate" and len(candidates) == 30
    document = json.loads(exports.export_bytes(db, examiner.actor, run.id, "items", "json"))
    assert [i["item"] for i in document["items"]] == header[1:]
    engine = item_analysis(x, items=header[1:], max_scores=[i["max_mark"] for i in document["items"]])
    assert document["run"] == run.id and document["n_candidates"] == 30
    assert document["alpha"] == pytest.approx(engine.summary.alpha, abs=1e-12)
    assert document["sem"] == pytest.approx(engine.summary.sem, abs=1e-12)
    for mine, theirs in zip(document["items"], engine.items):
        for field in ("facility", "pbis", "pbis_corrected", "alpha_if_deleted"):
            assert mine[field] == pytest.approx(getattr(theirs, field), abs=1e-12), (mine["item"], field)


def test_rekey_changes_exactly_the_candidates_who_chose_either_key(db, sat_sitting, examiner):
    sitting, people = sat_sitting(20)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    label = queries.run_items(db, run.id)[2].label
    rekeyed = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER,
                                   rekey={label: "C"}, reason="The key was wrong: C is right")
    item = queries.run_items(db, rekeyed.id)[2]
    assert (item.key, item.original_key) == ("C", "B")
    _a, _b, comparison = queries.compare_runs(db, examiner.actor, run.id, rekeyed.id)
    chose = {candidate.id for candidate, attempt in people
             if delivery.final_responses(db, attempt.id, AFTER)[2].answer in ("B", "C")}
    assert {c.candidate for c in comparison.candidates} == chose
    for change in comparison.candidates:
        assert abs(change.total_b - change.total_a) == 1


def test_second_key_accepted(db, sat_sitting, examiner):
    sitting, people = sat_sitting(12)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    label = queries.run_items(db, run.id)[0].label
    more = services.rerun(db, actor=examiner.actor, run_id=run.id, now=AFTER, second_keys={label: "D"},
                          reason="D is also defensible")
    assert queries.run_items(db, more.id)[0].accepted_keys == ["D"]
    _a, _b, comparison = queries.compare_runs(db, examiner.actor, run.id, more.id)
    chose_d = {c.id for c, a in people if delivery.final_responses(db, a.id, AFTER)[0].answer == "D"}
    assert {c.candidate for c in comparison.candidates} == chose_d


def test_bad_decisions_are_refused_with_every_reason_and_nothing_written(db, sat_sitting, examiner):
    sitting, _people = sat_sitting(6)
    with pytest.raises(ValidationFailed) as refused:
        services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER, exclude=["I999999"],
                             rekey={"I999998": "B"})
    fields = [p.field for p in refused.value.problems]
    assert fields == ["exclude", "rekey", "reason"]
    assert db.scalar(select(ScoringRun.id).where(ScoringRun.sitting_id == sitting.id)) is None


def test_only_examiners_score_and_an_open_sitting_is_refused(db, sat_sitting, examiner, make_user):
    sitting, _people = sat_sitting(4)
    with pytest.raises(Forbidden):
        services.run_scoring(db, actor=make_user(Role.ADMIN).actor, sitting_id=sitting.id, now=AFTER)
    from tests.assessment.delivery.conftest import T0
    import datetime as dt
    with pytest.raises(Conflict):
        # Before anyone submitted, attempts were open.
        services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=T0 + dt.timedelta(minutes=10))


@pytest.mark.parametrize("table, change", [("scoring_runs", "reason = 'tampered'"),
                                           ("scoring_run_items", "facility = 0.5"),
                                           ("scoring_run_scores", "total = 99")])
def test_a_run_is_immutable(db, sat_sitting, examiner, table, change):
    sitting, _people = sat_sitting(4)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    with pytest.raises(IntegrityError, match="append-only"):
        with db.begin_nested():
            column = "id" if table == "scoring_runs" else "run_id"
            db.execute(text(f"UPDATE {table} SET {change} WHERE {column} = :id"), {"id": run.id})
    models = {"scoring_runs": ScoringRun, "scoring_run_items": ScoringRunItem, "scoring_run_scores": ScoringRunScore}
    assert db.scalars(select(models[table])).first() is not None


def test_a_run_with_unfinished_marking_is_provisional_and_then_final(db, sat_sitting, examiner, make_written_paper,
                                                                     make_user):
    from scoring.marking.models import Mark, Script
    sitting, people = sat_sitting(8, papers=[make_written_paper()])
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    assert run.is_provisional and run.outstanding_scripts > 0 and "Provisional" in run.notes[0]
    items = queries.run_items(db, run.id)
    assert items[2].rule.startswith("constructed_response") and items[2].max_mark == 3

    # Both markers agree on every written answer: the next run is final and takes their marks.
    first, second = make_user(Role.EXAMINER), make_user(Role.EXAMINER)
    written = {}
    for n, (candidate, attempt) in enumerate(people):
        answer = delivery.final_responses(db, attempt.id, AFTER)[2].answer
        if not answer:
            continue
        script = Script(sitting_id=sitting.id, attempt_id=attempt.id, slot=3, item_version_id=items[2].item_version_id,
                        candidate_number=str(100000 + n), answer={"text": answer}, max_mark=3, created_at=AFTER)
        db.add(script)
        db.flush()
        db.add_all([Mark(script_id=script.id, marker_id=first.id, round="first", mark=n % 4, justification="ok",
                         created_at=AFTER),
                    Mark(script_id=script.id, marker_id=second.id, round="second", mark=n % 4, justification="ok",
                         created_at=AFTER)])
        written[candidate.id] = float(n % 4)
    db.flush()
    final = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    assert not final.is_provisional and final.outstanding_scripts == 0
    rows = db.scalars(select(ScoringRunScore).where(ScoringRunScore.run_id == final.id)).all()
    label = items[2].label
    for row in rows:
        assert row.marks[2] == written.get(row.candidate_id, 0.0)
        if row.candidate_id in written:
            assert row.constructed_marks == {label: written[row.candidate_id]}


def test_item_statistics_reach_the_item_bank(db, sat_sitting, examiner):
    from item_bank.statistics.models import ItemStatistic
    sitting, _people = sat_sitting(10)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    excluded = services.rerun(db, actor=examiner.actor, run_id=run.id, now=AFTER,
                              exclude=[queries.run_items(db, run.id)[0].label], reason="Flawed stem")
    recorded = db.scalars(select(ItemStatistic).where(ItemStatistic.sitting_id == sitting.id)).all()
    by_run = {r: {s.item_version_id: s for s in recorded if s.scoring_run_id == r} for r in (run.id, excluded.id)}
    assert len(by_run[run.id]) == 6 and len(by_run[excluded.id]) == 5
    for item in queries.run_items(db, run.id):
        stat = by_run[run.id][item.item_version_id]
        assert stat.facility == pytest.approx(item.facility) and stat.flags == item.flags
