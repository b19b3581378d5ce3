"""Factories for the exchange tests and the route table (importable, unlike conftest.py).

They write through the real services (or, for exam papers, whose services are another area's, the
rows directly), flush and never commit."""
from __future__ import annotations

import copy
import datetime as dt

from core.roles import Role
from item_bank.authoring import services as authoring
from item_bank.models import ExamPaper, ExamPaperEntry, ExamSpec
from item_bank.review import services as review
from item_bank.workflow import Action
from tests.item_bank.conftest import ALL_ITEMS, CASE_STUDY, sba_content

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


def full_case_study(db, writer, *, title=CASE_STUDY["title"], items=None):
    """A draft with one item of every type (the shared samples), written by ``writer``."""
    version = authoring.create_case_study(db, actor=writer.actor, title=title,
                                          scenario_html=CASE_STUDY["scenario"], now=NOW)
    for content in items if items is not None else ALL_ITEMS.values():
        authoring.save_item(db, actor=writer.actor, version_id=version.id, content=copy.deepcopy(content), now=NOW)
    db.refresh(version)
    return version


def approve(db, version, writer, reviewer):
    for action, actor in ((Action.SUBMIT, writer), (Action.START_REVIEW, reviewer), (Action.APPROVE, reviewer)):
        review.transition(db, actor=actor.actor, version_id=version.id, action=action, comment="Fine", now=NOW)
    db.refresh(version)
    return version


def sba_case_study(db, writer, title="Mrs Okafor: spinal cord injury", n_items=3):
    version = authoring.create_case_study(db, actor=writer.actor, title=title,
                                          scenario_html="<p>Mrs Okafor has a financial deputy.</p>", now=NOW)
    for index in range(n_items):
        authoring.save_item(db, actor=writer.actor, version_id=version.id, now=NOW,
                            content=sba_content(primary=("19.2", "13.1", "1.1")[index % 3],
                                                stem=f"Question {index + 1}: what next?"))
    db.refresh(version)
    return version


def paper(db, make_user, *, published=True, title="Certificate of Proficiency — paper A"):
    """An exam paper of two approved case studies (one of every item type, then three SBAs)."""
    writer, reviewer = make_user(Role.ITEM_WRITER), make_user(Role.ITEM_REVIEWER)
    examiner = make_user(Role.EXAMINER)
    versions = [approve(db, full_case_study(db, writer), writer, reviewer),
                approve(db, sba_case_study(db, writer), writer, reviewer)]
    spec = ExamSpec(title="Demo spec", total_marks=14, duration_min=120, min_case_studies=1, max_case_studies=4,
                    theme_marks={"A": [3, 3], "B": [6, 6], "C": [2, 2], "D": [2, 2]},
                    created_by_id=examiner.id, created_at=NOW, updated_at=NOW)
    db.add(spec)
    db.flush()
    exam_paper = ExamPaper(title=title, exam_spec_id=spec.id, is_published=published, created_by_id=examiner.id,
                           created_at=NOW, published_at=NOW if published else None)
    exam_paper.entries = [ExamPaperEntry(case_study_version_id=v.id, position=i) for i, v in enumerate(versions, 1)]
    db.add(exam_paper)
    db.flush()
    return exam_paper
