"""The demo's released result and its open appeal, in one test because each needs the whole demo
loaded (the slowest set-up in the suite): after the demo load, the finished sitting has a final run, an
approved decision and a release, and the demo candidate has a result with feedback by theme; then the
demo candidate has one appeal with a panel of three (two registered case managers) appointed and not
yet decided, and an upheld re-mark would go to the demo examiner, who gave none of its marks. Loading
again adds nothing."""
import datetime as dt

from sqlalchemy import func, select

from assessment.accounts.services import find_user_by_email
from assessment.demo import load_demo
from assessment.demo_scoring import FINISHED_SITTING_TITLE
from assessment.results.appeals import queries
from assessment.results.appeals.demo import load_demo_appeal
from assessment.results.appeals.models import Appeal
from assessment.results.appeals.rules import Status
from assessment.results.demo import load_demo_release
from assessment.results.models import CandidateResult, ResultRelease
from scoring.marking import queries as marking_queries
from scoring.marking.models import Script
from scoring.runs.models import ScoringRun
from tests.assessment.results.conftest import issuer_for_tests

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


def test_the_demo_sitting_has_a_released_result_and_an_open_appeal(db):
    load_demo(db, now=NOW, password="demo password 123", hash_profile="fast")
    assert load_demo_release(db, sitting_title=FINISHED_SITTING_TITLE, now=NOW, issuer=issuer_for_tests())
    [release] = db.scalars(select(ResultRelease))
    run = db.get(ScoringRun, release.scoring_run_id)
    assert not run.is_provisional and run.n_candidates == 301 and run.reason.startswith("Marking finished")
    candidate = find_user_by_email(db, "candidate@example.org")
    mine = db.scalar(select(CandidateResult).where(CandidateResult.candidate_id == candidate.id))
    assert mine.outcome == "pass" and mine.score >= release.pass_mark
    assert set(mine.theme_feedback) == {"A", "B", "C"}  # the demo paper's themes
    assert mine.theme_feedback["C"] == "below" and "above" in mine.theme_feedback.values()
    assert release.released_at <= NOW
    assert not load_demo_release(db, sitting_title=FINISHED_SITTING_TITLE, now=NOW, issuer=issuer_for_tests())  # once only
    assert db.scalar(select(func.count()).select_from(ResultRelease)) == 1

    assert load_demo_appeal(db, sitting_title=FINISHED_SITTING_TITLE, now=NOW)
    [appeal] = db.scalars(select(Appeal)).all()
    view = queries.appeal_view(db, appeal.id)
    assert view.candidate_name == "Casey Candidate" and view.status is Status.PANEL_CONVENING
    assert view.appeal.lodged_at <= NOW and view.outcome is None
    members = view.panel.members
    assert len(members) == 3 and sum(m.panellist.is_registered_case_manager for m in members) == 2
    assert all(m.response is None for m in members)
    assert not load_demo_appeal(db, sitting_title=FINISHED_SITTING_TITLE, now=NOW)  # once only
    assert db.scalar(select(func.count()).select_from(Appeal)) == 1
    # Were it upheld for a re-mark, the demo examiner (the lead) may re-mark: they gave none of its marks.
    examiner = find_user_by_email(db, "examiner@example.org")
    script = db.scalar(select(Script).where(Script.attempt_id == appeal.attempt_id, Script.seed_of_id.is_(None)))
    sources = queries.conflict_sources(db, appeal.attempt_id)
    assert script is not None and examiner.id not in sources.marker_ids
    assert marking_queries.pools_of(db, examiner.actor, appeal.sitting_id)
