"""Automatic assembly on the demo bank: two parallel papers meet the demo spec; an impossible spec
is reported precisely and creates nothing."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from assessment.accounts.services import find_user_by_email
from assessment.demo import DEMO_SPEC_TITLE, load_demo
from core.errors import ValidationFailed
from item_bank.models import ExamPaper, ExamSpec
from item_bank.papers import queries, services
from item_bank.papers.rules import SpecFields

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def demo(db):
    load_demo(db, now=NOW, password="demo password 123", hash_profile="fast", with_scored_sitting=False)
    return find_user_by_email(db, "examiner@example.org")


def test_the_demo_paper_is_published_and_meets_the_demo_spec(db, demo):
    spec = db.scalar(select(ExamSpec).where(ExamSpec.title == DEMO_SPEC_TITLE))
    paper = db.scalar(select(ExamPaper).where(ExamPaper.exam_spec_id == spec.id, ExamPaper.is_published))
    report = queries.paper_report(db, paper)
    assert report.checks and report.conforms


def test_two_parallel_papers_from_the_demo_bank_meet_the_demo_spec(db, demo):
    spec = db.scalar(select(ExamSpec).where(ExamSpec.title == DEMO_SPEC_TITLE))
    first, second = services.assemble_papers(db, actor=demo.actor, spec_id=spec.id, title="Parallel", n_papers=2,
                                             now=NOW)
    ids = [{e.case_study_version.case_study_id for e in p.entries} for p in (first, second)]
    assert ids[0] and ids[1] and not ids[0] & ids[1]  # no case study shared
    for paper in (first, second):
        report = queries.paper_report(db, paper)
        assert report.conforms, [(r.label, r.required, r.actual) for r in report.checks if not r.met]


def test_an_impossible_spec_is_reported_precisely_and_creates_nothing(db, demo):
    fields = SpecFields(title="Too much theme D", total_marks=45, total_marks_tolerance=5, duration_min=90,
                        min_case_studies=3, max_case_studies=3,
                        theme_marks={"A": (15, 10), "B": (20, 12), "C": (4, 4), "D": (8, 0)})
    spec = services.create_spec(db, actor=demo.actor, fields=fields, now=NOW)
    papers_before = db.scalar(select(func.count()).select_from(ExamPaper))
    with pytest.raises(ValidationFailed) as error:
        services.assemble_papers(db, actor=demo.actor, spec_id=spec.id, title="Impossible", n_papers=1, now=NOW)
    reasons = " ".join(p.message for p in error.value.problems)
    assert "Theme D" in reasons
    assert db.scalar(select(func.count()).select_from(ExamPaper)) == papers_before
