"""The demo's released result: after the demo load, the finished sitting has a final run, an approved
decision and a release, and the demo candidate has a result with feedback by theme; once only."""
import datetime as dt

from sqlalchemy import func, select

from assessment.accounts.services import find_user_by_email
from assessment.demo import load_demo
from assessment.demo_scoring import FINISHED_SITTING_TITLE
from assessment.results.demo import load_demo_release
from assessment.results.models import CandidateResult, ResultRelease
from scoring.runs.models import ScoringRun
from tests.assessment.results.conftest import issuer_for_tests

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


def test_the_demo_sitting_has_a_released_result_for_the_demo_candidate(db):
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
