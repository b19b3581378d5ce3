"""Exam specs and papers through their services, on both databases."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import Role
from item_bank.authoring import services as authoring
from item_bank.models import ExamPaper, ExamSpec
from item_bank.papers import queries, services
from item_bank.workflow import Status
from tests.item_bank.papers.conftest import NOW, spec_fields


def audit_actions(db, action):
    return db.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def paper_count(db):
    return db.scalar(select(func.count()).select_from(ExamPaper))


def fields_of(error):
    return {p.field: p.message for p in error.problems}


# --- specs -------------------------------------------------------------------------------------

def test_create_spec_stores_it_and_audits(db, examiner, pool):
    spec = services.create_spec(db, actor=examiner.actor, now=NOW, fields=spec_fields(
        standard_rows=[(6, 0, 2)], item_type_mix={"sba": (4, None)},
        enemy_text=f"{pool['aabb']}, {pool['abcd']}", max_exposure=1))
    assert spec.theme_marks == {"A": [2, 0], "B": [2, 0], "C": [2, 0], "D": [2, 0]}
    assert spec.standard_marks == {"6": [0, 2]}
    assert spec.enemy_sets == [[pool["aabb"], pool["abcd"]]]
    assert spec.max_exposure == 1
    [entry] = audit_actions(db, "exam_spec.created")
    assert entry.target_id == str(spec.id) and entry.actor_id == examiner.id


def test_spec_problems_name_their_fields(db, examiner, pool):
    with pytest.raises(ValidationFailed) as caught:
        services.create_spec(db, actor=examiner.actor, now=NOW, fields=spec_fields(
            theme_marks={"A": (2, 0), "B": (2, 0), "C": (2, 0)}, enemy_text=f"{pool['aabb']}, 99999",
            standard_rows=[(23, 1, 2)]))
    found = fields_of(caught.value)
    assert found["theme_D_target"] == "Enter the target marks for theme D"
    assert found["enemy_sets"] == "There is no case study 99999"
    assert found["standards-0-standard"] == "Row 1: there is no standard 23; use a number from 1 to 22"
    assert db.scalar(select(func.count()).select_from(ExamSpec)) == 0


@pytest.mark.parametrize("role", [Role.ITEM_WRITER, Role.ITEM_REVIEWER, Role.ADMIN, Role.CANDIDATE])
def test_only_an_examiner_writes_specs_and_papers(db, make_user, spec, pool, role):
    actor = make_user(role).actor
    calls = [
        lambda: services.create_spec(db, actor=actor, fields=spec_fields(), now=NOW),
        lambda: services.update_spec(db, actor=actor, spec_id=spec.id, fields=spec_fields(), now=NOW),
        lambda: services.copy_spec(db, actor=actor, spec_id=spec.id, now=NOW),
        lambda: services.create_paper(db, actor=actor, spec_id=spec.id, title="P", now=NOW),
        lambda: services.assemble_papers(db, actor=actor, spec_id=spec.id, title="P", n_papers=1, now=NOW),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()


def test_non_examiner_cannot_change_or_publish_a_paper(db, make_user, examiner, spec, pool):
    paper = services.create_paper(db, actor=examiner.actor, spec_id=spec.id, title="P", now=NOW)
    entry = services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=pool["aabb"], now=NOW)
    writer = make_user(Role.ITEM_WRITER).actor
    for call in (
        lambda: services.add_case_study(db, actor=writer, paper_id=paper.id, case_study_id=pool["ccdd"], now=NOW),
        lambda: services.remove_entry(db, actor=writer, paper_id=paper.id, entry_id=entry.id, now=NOW),
        lambda: services.move_entry(db, actor=writer, paper_id=paper.id, entry_id=entry.id, offset=1, now=NOW),
        lambda: services.publish_paper(db, actor=writer, paper_id=paper.id, now=NOW),
    ):
        with pytest.raises(Forbidden):
            call()


def test_update_and_copy_spec(db, examiner, spec):
    services.update_spec(db, actor=examiner.actor, spec_id=spec.id, now=NOW,
                         fields=spec_fields(title="Renamed", duration_min=75))
    assert (spec.title, spec.duration_min) == ("Renamed", 75)
    assert len(audit_actions(db, "exam_spec.updated")) == 1
    copy = services.copy_spec(db, actor=examiner.actor, spec_id=spec.id, now=NOW)
    assert copy.id != spec.id and copy.title == "Copy of Renamed"
    assert copy.theme_marks == spec.theme_marks and copy.duration_min == 75
    with pytest.raises(NotFound):
        services.update_spec(db, actor=examiner.actor, spec_id=99999, fields=spec_fields(), now=NOW)


# --- papers by hand ----------------------------------------------------------------------------

def test_hand_built_paper_conformance_follows_each_change(db, examiner, spec, pool):
    paper = services.create_paper(db, actor=examiner.actor, spec_id=spec.id, title="By hand", now=NOW)
    assert len(audit_actions(db, "exam_paper.created")) == 1
    report = queries.paper_report(db, paper)
    assert not report.conforms and report.entries == []
    assert {c.name: c.actual for c in report.checks}["total_marks"] == "0"

    services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=pool["aabb"], now=NOW)
    checks = {c.name: c for c in queries.paper_report(db, paper).checks}
    assert (checks["theme:A"].actual, checks["theme:A"].met) == ("2", True)
    assert (checks["theme:C"].actual, checks["theme:C"].met) == ("0", False)
    assert not checks["total_marks"].met and not checks["case_studies"].met

    services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=pool["ccdd"], now=NOW)
    report = queries.paper_report(db, paper)
    assert report.conforms and report.unmet == []
    assert report.figures.total_marks == 8 and report.figures.coverage == 8
    assert report.expected_facility == pytest.approx(0.6)
    assert [row.version.case_study_id for row in report.entries] == [pool["aabb"], pool["ccdd"]]
    # The case studies in the paper are no longer offered.
    assert {row.version.case_study_id for row in report.available} == {pool["abcd"], pool["abcd2"]}


def test_adding_refuses_duplicates_and_unapproved_case_studies(db, examiner, spec, pool, make_case_study):
    paper = services.create_paper(db, actor=examiner.actor, spec_id=spec.id, title="By hand", now=NOW)
    services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=pool["aabb"], now=NOW)
    with pytest.raises(Conflict, match="already in this paper"):
        services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=pool["aabb"], now=NOW)
    draft = make_case_study(Status.IN_REVIEW)
    with pytest.raises(Conflict, match="no approved version"):
        services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=draft.case_study_id,
                                now=NOW)
    with pytest.raises(ValidationFailed):
        services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=99999, now=NOW)
    with pytest.raises(ValidationFailed):
        services.create_paper(db, actor=examiner.actor, spec_id=spec.id, title="  ", now=NOW)


def test_latest_approved_version_is_added_and_kept(db, examiner, spec, pool, make_user):
    from item_bank.models import CaseStudy
    from item_bank.review import services as review
    from item_bank.workflow import Action

    case_study = db.get(CaseStudy, pool["aabb"])
    author = case_study.author_id
    from assessment.accounts.models import User

    author_actor = db.get(User, author).actor
    v2 = authoring.start_new_version(db, actor=author_actor, case_study_id=case_study.id, change_note="Tidy", now=NOW)
    reviewer = make_user(Role.ITEM_REVIEWER).actor
    for action in (Action.SUBMIT, Action.START_REVIEW, Action.APPROVE):
        review.transition(db, actor=author_actor if action == Action.SUBMIT else reviewer, version_id=v2.id,
                          action=action, comment="ok", now=NOW)
    paper = services.create_paper(db, actor=examiner.actor, spec_id=spec.id, title="By hand", now=NOW)
    entry = services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=case_study.id, now=NOW)
    assert entry.case_study_version.number == 2


def test_reorder_and_remove(db, examiner, spec, pool):
    paper = services.create_paper(db, actor=examiner.actor, spec_id=spec.id, title="By hand", now=NOW)
    entries = [services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=pool[name], now=NOW)
               for name in ("aabb", "ccdd", "abcd")]
    services.move_entry(db, actor=examiner.actor, paper_id=paper.id, entry_id=entries[2].id, offset=-1, now=NOW)
    order = lambda: [(e.case_study_version.case_study_id, e.position) for e in paper.entries]  # noqa: E731
    assert order() == [(pool["aabb"], 1), (pool["abcd"], 2), (pool["ccdd"], 3)]
    services.move_entry(db, actor=examiner.actor, paper_id=paper.id, entry_id=entries[0].id, offset=-1, now=NOW)
    assert order()[0] == (pool["aabb"], 1)  # already first: nothing moves
    services.remove_entry(db, actor=examiner.actor, paper_id=paper.id, entry_id=entries[0].id, now=NOW)
    assert order() == [(pool["abcd"], 1), (pool["ccdd"], 2)]
    with pytest.raises(NotFound):
        services.remove_entry(db, actor=examiner.actor, paper_id=paper.id, entry_id=entries[0].id, now=NOW)


# --- automatic assembly ------------------------------------------------------------------------

def test_one_paper_assembled_automatically_meets_the_spec(db, examiner, spec, pool):
    [paper] = services.assemble_papers(db, actor=examiner.actor, spec_id=spec.id, title="Auto", n_papers=1, now=NOW)
    report = queries.paper_report(db, paper)
    assert report.conforms
    assert paper.title == "Auto" and not paper.is_published
    assert paper.assembly_note.startswith("Built automatically (optimal)")
    assert all(row.version.status == Status.APPROVED for row in report.entries)
    [entry] = audit_actions(db, "exam_paper.created")
    assert entry.target_id == str(paper.id)


def test_two_parallel_papers_share_no_case_study(db, examiner, spec, pool):
    papers = services.assemble_papers(db, actor=examiner.actor, spec_id=spec.id, title="Spring", n_papers=2, now=NOW)
    assert [p.title for p in papers] == ["Spring – parallel paper 1 of 2", "Spring – parallel paper 2 of 2"]
    chosen = [{e.case_study_version.case_study_id for e in p.entries} for p in papers]
    assert chosen[0].isdisjoint(chosen[1])
    assert sorted(map(sorted, chosen)) == sorted([sorted([pool["aabb"], pool["ccdd"]]),
                                                  sorted([pool["abcd"], pool["abcd2"]])])
    assert all(queries.paper_report(db, p).conforms for p in papers)
    assert len(audit_actions(db, "exam_paper.created")) == 2


def test_an_impossible_spec_is_explained_and_nothing_is_created(db, examiner, pool):
    spec = services.create_spec(db, actor=examiner.actor, now=NOW, fields=spec_fields(
        total_marks=12, min_case_studies=3, max_case_studies=3,
        theme_marks={"A": (2, 0), "B": (2, 0), "C": (2, 0), "D": (6, 0)}))
    with pytest.raises(ValidationFailed) as caught:
        services.assemble_papers(db, actor=examiner.actor, spec_id=spec.id, title="X", n_papers=1, now=NOW)
    assert [p.message for p in caught.value.problems] == [
        "Theme D needs at least 6 marks but the pool holds only 4 marks in theme D."]
    assert {p.field for p in caught.value.problems} == {"assembly"}
    assert paper_count(db) == 0 and audit_actions(db, "exam_paper.created") == []


def test_three_parallel_papers_cannot_come_from_four_case_studies(db, examiner, spec, pool):
    with pytest.raises(ValidationFailed) as caught:
        services.assemble_papers(db, actor=examiner.actor, spec_id=spec.id, title="X", n_papers=3, now=NOW)
    reasons = [p.message for p in caught.value.problems]
    assert "3 parallel papers need 6 case studies (2 each), but the pool has only 4." in reasons
    assert "3 parallel papers need at least 24 marks in all (8 each) but the pool holds only 16." in reasons
    assert paper_count(db) == 0


def test_enemies_and_exposure_are_honoured(db, examiner, pool):
    spec = services.create_spec(db, actor=examiner.actor, now=NOW, fields=spec_fields(
        enemy_text=f"{pool['aabb']}, {pool['ccdd']}", max_exposure=0))
    [paper] = services.assemble_papers(db, actor=examiner.actor, spec_id=spec.id, title="A", n_papers=1, now=NOW)
    assert {e.case_study_version.case_study_id for e in paper.entries} == {pool["abcd"], pool["abcd2"]}
    services.publish_paper(db, actor=examiner.actor, paper_id=paper.id, now=NOW)
    # Both usable pairs are now spent: one is enemies, the other was exposed once.
    with pytest.raises(ValidationFailed) as caught:
        services.assemble_papers(db, actor=examiner.actor, spec_id=spec.id, title="B", n_papers=1, now=NOW)
    assert caught.value.problems


def test_exposure_counts_earlier_published_papers(db, examiner, spec, pool):
    [paper] = services.assemble_papers(db, actor=examiner.actor, spec_id=spec.id, title="A", n_papers=1, now=NOW)
    used = {e.case_study_version.case_study_id for e in paper.entries}
    assert queries.exposure_counts(db) == {}
    services.publish_paper(db, actor=examiner.actor, paper_id=paper.id, now=NOW)
    assert queries.exposure_counts(db) == {cs_id: 1 for cs_id in used}
    # The published paper's own table counts only papers published before it.
    report = queries.paper_report(db, paper)
    assert all(row.summary.exposure == 0 for row in report.entries)


# --- publishing --------------------------------------------------------------------------------

def test_publish_refuses_a_paper_that_does_not_conform(db, examiner, spec, pool):
    paper = services.create_paper(db, actor=examiner.actor, spec_id=spec.id, title="By hand", now=NOW)
    with pytest.raises(Conflict, match="no case studies"):
        services.publish_paper(db, actor=examiner.actor, paper_id=paper.id, now=NOW)
    services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=pool["aabb"], now=NOW)
    with pytest.raises(Conflict) as caught:
        services.publish_paper(db, actor=examiner.actor, paper_id=paper.id, now=NOW)
    message = caught.value.message
    assert "does not meet its spec" in message
    assert "Total marks (needs 8, has 4)" in message
    assert "Theme C marks (needs 2, has 0)" in message and "Theme D marks (needs 2, has 0)" in message
    assert "Theme A marks" not in message
    assert not paper.is_published and audit_actions(db, "exam_paper.published") == []


def test_a_published_paper_is_frozen(db, examiner, spec, pool, clock):
    paper = services.create_paper(db, actor=examiner.actor, spec_id=spec.id, title="By hand", now=NOW)
    first = services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=pool["aabb"], now=NOW)
    services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=pool["ccdd"], now=NOW)
    later = NOW + dt.timedelta(hours=1)
    services.publish_paper(db, actor=examiner.actor, paper_id=paper.id, now=later)
    assert paper.is_published and paper.published_at == later
    [entry] = audit_actions(db, "exam_paper.published")
    assert entry.target_id == str(paper.id)
    frozen = [(e.case_study_version_id, e.position) for e in paper.entries]

    attempts = [
        lambda: services.add_case_study(db, actor=examiner.actor, paper_id=paper.id, case_study_id=pool["abcd"],
                                        now=later),
        lambda: services.remove_entry(db, actor=examiner.actor, paper_id=paper.id, entry_id=first.id, now=later),
        lambda: services.move_entry(db, actor=examiner.actor, paper_id=paper.id, entry_id=first.id, offset=1,
                                    now=later),
        lambda: services.publish_paper(db, actor=examiner.actor, paper_id=paper.id, now=later),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict, match="published and can never change"):
            attempt()
    db.expire_all()
    assert [(e.case_study_version_id, e.position) for e in db.get(ExamPaper, paper.id).entries] == frozen

    # Its spec is now locked too; a copy is editable.
    with pytest.raises(Conflict, match="Copy it as a new spec"):
        services.update_spec(db, actor=examiner.actor, spec_id=spec.id, fields=spec_fields(title="New"), now=later)
    copy = services.copy_spec(db, actor=examiner.actor, spec_id=spec.id, now=later)
    services.update_spec(db, actor=examiner.actor, spec_id=copy.id, fields=spec_fields(title="New"), now=later)
    assert queries.spec_is_locked(db, spec.id) and not queries.spec_is_locked(db, copy.id)


def test_a_new_version_of_a_case_study_leaves_a_published_paper_alone(db, examiner, spec, pool):
    from assessment.accounts.models import User
    from item_bank.models import CaseStudy

    [paper] = services.assemble_papers(db, actor=examiner.actor, spec_id=spec.id, title="A", n_papers=1, now=NOW)
    services.publish_paper(db, actor=examiner.actor, paper_id=paper.id, now=NOW)
    version = paper.entries[0].case_study_version
    author = db.get(User, db.get(CaseStudy, version.case_study_id).author_id)
    authoring.start_new_version(db, actor=author.actor, case_study_id=version.case_study_id, change_note="Edit",
                                now=NOW)
    db.expire_all()
    entry = db.get(ExamPaper, paper.id).entries[0]
    assert entry.case_study_version.number == 1 and entry.case_study_version.status == Status.APPROVED
