"""Case studies as testlets, local dependence (Yen's Q3) and decision quality at a cut, in every
run and on its page: the run's figures equal the engine's on the run's exported matrix."""
import json

import numpy as np
import pytest

from core.roles import Role
from scoring.psychometrics.decision import decision_quality
from scoring.psychometrics.dependence import case_study_dependence, q3_matrix
from scoring.psychometrics.rasch import rasch_cml
from scoring.psychometrics.testlets import reliability_by_testlet
from scoring.runs import exports, queries, quality, services
from scoring.runs.services import STATISTICS
from tests.scoring.runs.conftest import AFTER, answers_for
from tests.scoring.runs.test_runs import matrix_from_csv


def planted(n_candidates=60, seed=11):
    """Simulated answers in which question 2 copies question 1 (both of the first case study)."""
    grid = answers_for(n_candidates, 6, seed=seed)
    for row in grid:
        row[1] = row[0]
    return grid


def exported(db, actor, run):
    header, _candidates, x = matrix_from_csv(exports.export_bytes(db, actor, run.id, "responses", "csv"))
    document = json.loads(exports.export_bytes(db, actor, run.id, "items", "json"))
    return header[1:], x, [i["max_mark"] for i in document["items"]]


def case_studies(db, run):
    from item_bank.models import ItemVersion
    return [f"CS{db.get(ItemVersion, i.item_version_id).case_study_version.case_study_id}"
            for i in queries.run_items(db, run.id) if not i.is_excluded]


def test_testlet_alpha_and_q3_equal_the_engine_on_the_exported_matrix(db, sat_sitting, examiner):
    sitting, _people = sat_sitting(60, answers=planted())
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    labels, x, _tops = exported(db, examiner.actor, run)
    testlets = case_studies(db, run)
    assert len(set(testlets)) == 2

    stored = run.settings[STATISTICS]
    engine = reliability_by_testlet(x, testlets, items=labels)
    assert stored["testlets"]["alpha"] == pytest.approx(engine.testlet_alpha, abs=1e-12)
    assert stored["testlets"]["item_alpha"] == pytest.approx(run.alpha, abs=1e-12)
    assert [r["testlet"] for r in stored["testlets"]["rows"]] == list(engine.testlets)
    assert [r["title"] for r in stored["testlets"]["rows"]] == ["Case study 1", "Case study 2"]

    q3 = q3_matrix(x, rasch_cml(x, items=labels).difficulty, items=labels)
    pairs = case_study_dependence(q3, dict(zip(labels, testlets)))
    dep = stored["dependence"]
    assert dep["model"].startswith("Rasch model") and dep["mean_q3"] == pytest.approx(q3.mean_q3, abs=1e-9)
    assert len(dep["pairs"]) == len(pairs) == 6
    for mine, theirs in zip(dep["pairs"], pairs):
        assert (mine["item_a"], mine["item_b"], mine["flagged"]) == (theirs.item_a, theirs.item_b, theirs.flagged)
        assert mine["q3"] == pytest.approx(theirs.q3, abs=1e-9)
    flagged = [p for p in dep["pairs"] if p["flagged"]]
    assert [(p["item_a"], p["item_b"]) for p in flagged] == [(labels[0], labels[1])]

    assert set(run.settings) == {"exclude", "rekey", "second_keys", STATISTICS}

    # The items export carries the stored figures as they are.
    document = json.loads(exports.export_bytes(db, examiner.actor, run.id, "items", "json"))
    assert document["testlets"] == stored["testlets"] and document["dependence"] == dep


def test_a_run_too_small_for_the_rasch_model_says_so(db, sat_sitting, examiner):
    grid = [["B"] * 6, [None] * 6, ["B"] * 6]  # every score extreme
    sitting, _people = sat_sitting(3, answers=grid)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    dep = run.settings[STATISTICS]["dependence"]
    assert "could not be fitted" in dep["problem"] and "pairs" not in dep


def test_decision_figures_equal_the_engine(db, sat_sitting, examiner):
    sitting, _people = sat_sitting(40)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    labels, x, tops = exported(db, examiner.actor, run)
    page = queries.run_quality(db, examiner.actor, run.id, "3.5")
    engine = decision_quality(x, 3.5, max_scores=tops)
    d = page.decision
    assert page.cut == 3.5 and page.cut_source == "query" and not page.cut_problem
    assert d["csem_at_cut"] == pytest.approx(engine.csem_at_cut)
    assert d["within_one_csem"] == engine.within_one_csem
    assert d["subkoviak"]["agreement"] == pytest.approx(engine.subkoviak.agreement)
    ll = engine.livingston_lewis
    assert d["livingston_lewis"]["accuracy"] == pytest.approx(ll.accuracy)
    assert d["livingston_lewis"]["consistency"] == pytest.approx(ll.consistency)
    assert d["livingston_lewis"]["false_pass"] == pytest.approx(ll.false_pass)
    assert d["livingston_lewis"]["false_fail"] == pytest.approx(ll.false_fail)
    assert d["livingston_lewis"]["expected_misclassified"] == pytest.approx(ll.misclassified * 40)


def test_the_sittings_pass_mark_setting_is_the_default_cut(db, sat_sitting, examiner):
    from scoring.marking.models import MarkingSetting
    sitting, _people = sat_sitting(12)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    assert queries.run_quality(db, examiner.actor, run.id).decision is None
    db.add(MarkingSetting(sitting_id=sitting.id, tolerance=1, rounding="half_up", pass_mark=4, updated_at=AFTER))
    db.flush()
    page = queries.run_quality(db, examiner.actor, run.id)
    assert page.cut == 4 and page.cut_source == "pass mark setting"
    assert queries.run_quality(db, examiner.actor, run.id, "2").cut == 2


@pytest.mark.parametrize("text", ["abc", "-1", "0", "7", "nan", "inf", "1e400", "3,5"])
def test_bad_cuts_are_refused_plainly(text):
    cut, problem = quality.parse_cut(text, 6)
    assert cut is None and problem == "Enter a pass mark as a number above 0 and at most 6, the maximum total"


def test_run_page_lists_the_planted_pair_and_the_figures_at_a_cut(client, db, sat_sitting, login_as, clock):
    sitting, _people = sat_sitting(60, answers=planted())
    clock.set(AFTER)
    examiner = login_as(Role.EXAMINER)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    labels = [i.label for i in queries.run_items(db, run.id)]
    db.commit()

    page = client.get(f"/scoring/runs/{run.id}")
    assert page.status_code == 200 and "Alpha over case-study scores" in page.text
    assert (f"Items {labels[0]} and {labels[1]} of case study &#39;Case study 1&#39; give each other away: Q3"
            in page.text)
    assert "within ±1 CSEM" not in page.text  # no cut yet

    page = client.get(f"/scoring/runs/{run.id}?cut=3")
    assert page.status_code == 200 and "Candidates within ±1 CSEM of the pass mark" in page.text
    assert "Decision accuracy (Livingston–Lewis)" in page.text and "Expected misclassified" in page.text
    assert "style=" not in page.text


@pytest.mark.parametrize("text", ["abc", "-2", "99", "nan", "4.5.6"])
def test_bad_cut_on_the_page_is_a_clear_message_never_500(client, db, sat_sitting, login_as, clock, text):
    sitting, _people = sat_sitting(8)
    clock.set(AFTER)
    examiner = login_as(Role.EXAMINER)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    db.commit()
    page = client.get(f"/scoring/runs/{run.id}?cut={text}")
    assert page.status_code == 422
    assert "There is a problem" in page.text and "Enter a pass mark as a number above 0 and at most 6" in page.text
    assert 'aria-invalid="true"' in page.text and "Decision accuracy" not in page.text


def test_cli_quality_json_equals_the_page_figures_and_refuses_a_bad_cut(runner, db, sat_sitting, examiner, clock):
    sitting, _people = sat_sitting(40, answers=planted(40))
    clock.set(AFTER)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    db.commit()
    result = runner.invoke(args=["scoring", "quality", "--run", str(run.id), "--cut", "3", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    expected = queries.run_quality(db, examiner.actor, run.id, "3")
    assert document["testlets"] == run.settings[STATISTICS]["testlets"]
    assert document["dependence"] == run.settings[STATISTICS]["dependence"]
    assert document["decision"]["livingston_lewis"] == pytest.approx(expected.decision["livingston_lewis"])

    text = runner.invoke(args=["scoring", "quality", "--run", str(run.id), "--cut", "3"])
    assert text.exit_code == 0 and "give each other away" in text.output and "within ±1 CSEM" in text.output

    bad = runner.invoke(args=["scoring", "quality", "--run", str(run.id), "--cut", "seven"])
    assert bad.exit_code != 0 and "--cut: Enter a pass mark as a number above 0 and at most 6" in bad.output


def test_written_answers_use_the_partial_credit_model(db, sat_sitting, examiner, make_written_paper, make_user):
    from scoring.marking.models import Mark, Script
    from scoring.psychometrics.rasch import pcm_cml
    sitting, people = sat_sitting(30, papers=[make_written_paper()])
    first, second = make_user(Role.EXAMINER), make_user(Role.EXAMINER)
    provisional = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    items = queries.run_items(db, provisional.id)
    from assessment.delivery import services as delivery
    for n, (_candidate, attempt) in enumerate(people):
        answer = delivery.final_responses(db, attempt.id, AFTER)[2].answer
        if not answer:
            continue
        script = Script(sitting_id=sitting.id, attempt_id=attempt.id, slot=3, item_version_id=items[2].item_version_id,
                        candidate_number=str(200000 + n), answer={"text": answer}, max_mark=3, created_at=AFTER)
        db.add(script)
        db.flush()
        db.add_all([Mark(script_id=script.id, marker_id=who.id, round=round_, mark=n % 4, justification="ok",
                         created_at=AFTER) for who, round_ in ((first, "first"), (second, "second"))])
    db.flush()
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    labels, x, tops = exported(db, examiner.actor, run)
    dep = run.settings[STATISTICS]["dependence"]
    assert dep["model"] == "partial credit model", dep
    q3 = q3_matrix(x, pcm_cml(x, items=labels, max_scores=tops), items=labels)
    assert dep["mean_q3"] == pytest.approx(q3.mean_q3, abs=1e-9)
    assert [p["q3"] for p in dep["pairs"]] == pytest.approx([q3.q3[0, 1], q3.q3[0, 2], q3.q3[1, 2]], abs=1e-9)


@pytest.mark.parametrize("grid", [[["B"] * 6, [None] * 6, ["B"] * 6], [["B"] * 6, ["B"] * 6]])
def test_a_degenerate_run_page_says_what_cannot_be_computed(client, db, sat_sitting, login_as, clock, grid):
    sitting, _people = sat_sitting(len(grid), answers=grid)
    clock.set(AFTER)
    examiner = login_as(Role.EXAMINER)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    db.commit()
    for cut in ("1", "3", "6"):
        page = client.get(f"/scoring/runs/{run.id}?cut={cut}")
        assert page.status_code == 200
        assert "could not be fitted to this run&#39;s scores" in page.text


def test_a_flagged_pair_in_words():
    pair = {"item_a": "I12", "item_b": "I13", "title": "Graham, 58, after a fall at home", "q3": 0.3111,
            "above_mean": 0.2449}
    assert quality.flag_sentence(pair) == ("Items I12 and I13 of case study 'Graham, 58…' give each other away: "
                                           "Q3 0.31, 0.24 above the mean")
