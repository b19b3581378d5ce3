"""The demo's finished sitting: after ``load_demo`` an examiner finds submitted attempts, a scoring
run with item statistics in the bank, a flagged item and a script awaiting the third marker (in
the demo examiner's queue); a second load adds nothing."""
import datetime as dt

from sqlalchemy import func, select

from assessment.accounts.services import find_user_by_email
from assessment.delivery import services as delivery
from assessment.delivery.models import Attempt, ResponseStep, Sitting
from assessment.demo import load_demo
from assessment.demo_scoring import FINISHED_SITTING_TITLE, N_CANDIDATES
from item_bank.statistics.models import ItemStatistic
from scoring.marking import queries as marking_queries
from scoring.marking.models import Mark, Script
from scoring.marking.rules import Round, Status
from scoring.runs.models import ScoringRun, ScoringRunItem

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


def _counts(db) -> dict:
    return {table.__name__: db.scalar(select(func.count()).select_from(table))
            for table in (Sitting, Attempt, ResponseStep, Script, Mark, ScoringRun, ScoringRunItem, ItemStatistic)}


def test_the_demo_has_a_finished_double_marked_and_scored_sitting_and_loads_once(db):
    load_demo(db, now=NOW, password="demo password 123", hash_profile="fast")
    sitting = db.scalar(select(Sitting).where(Sitting.title == FINISHED_SITTING_TITLE))
    assert sitting is not None and not sitting.is_practice

    attempts = list(db.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id)))
    assert len(attempts) == N_CANDIDATES
    states = {delivery.view_of(db, attempt, NOW).state.value for attempt in attempts}
    assert states == {"submitted"}
    answers = [r.answer for a in attempts[:50] for r in delivery.final_responses(db, a.id, NOW)]
    assert any(answer in (None, "", [], {}) for answer in answers)  # some responses are omitted

    # Double marking: every written answer has a first and a second mark; before any pass mark, exactly
    # one awaited a third (the demo examiner gave it, for the final run the cut-score decision needs).
    outcomes = marking_queries.script_outcomes(db, sitting.id)
    assert len(outcomes) > N_CANDIDATES
    assert {outcome.status for outcome in outcomes.values()} == {Status.RESOLVED, Status.AWAITING_THIRD}
    assert len(db.scalars(select(Mark).where(Mark.round == Round.THIRD)).all()) == 1
    # Once the approved pass mark is known, marks either side of it wait for the third marker.
    examiner = find_user_by_email(db, "examiner@example.org")
    queue = marking_queries.queue_for(db, examiner.actor, sitting.id)
    assert queue and {(e.round, e.is_done) for e in queue} == {(Round.THIRD, False), (Round.THIRD, True)}

    # A provisional run (the third mark was outstanding), its statistics in the bank, a flagged item;
    # then a final run carrying the demo's approved cut-score decision.
    from scoring.cut_scores.queries import approved_decision
    final = db.scalar(select(ScoringRun).where(ScoringRun.sitting_id == sitting.id,
                                               ScoringRun.is_provisional.is_(False)))
    decision = approved_decision(db, sitting.id)
    assert decision.scoring_run_id == final.id and decision.method == "angoff"
    assert decision.pass_mark == 33.0 and decision.decided_by_id == examiner.id
    run = db.scalar(select(ScoringRun).where(ScoringRun.sitting_id == sitting.id).order_by(ScoringRun.id))
    assert run.n_candidates == N_CANDIDATES and run.is_provisional and run.outstanding_scripts == 1
    assert run.alpha is not None and run.alpha > 0.5
    # Yen's Q3 is reported: categories of written and partly-right items that no informative
    # candidate reached are merged for the partial credit model, and the run's notes say which.
    dependence = run.settings["statistics"]["dependence"]
    assert "problem" not in dependence and dependence["model"] == "partial credit model"
    assert dependence["pairs"] and dependence["mean_q3"] is not None
    merged = [note for note in run.notes if "counted as one category" in note]
    assert merged and merged == dependence["notes"]
    items = list(db.scalars(select(ScoringRunItem).where(ScoringRunItem.run_id == run.id)))
    flagged = [item for item in items if "possible_miskey" in item.flags]
    assert len(flagged) == 1 and flagged[0].item_type == "sba"
    statistics = list(db.scalars(select(ItemStatistic).where(ItemStatistic.scoring_run_id == run.id)))
    assert len(statistics) == len(items)
    assert [s.item_version_id for s in statistics if s.is_flagged] == [flagged[0].item_version_id]
    # The distractors mean something: every option of a selected-response item is chosen by someone.
    sba = [item for item in items if item.item_type == "sba"]
    assert all(len([o for o in item.options if o["proportion"]]) >= 3 for item in sba)

    before = _counts(db)
    load_demo(db, now=NOW + dt.timedelta(days=1), password=None, hash_profile="fast")
    assert _counts(db) == before
