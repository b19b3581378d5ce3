"""Exam specs and exam papers: write a spec, build a paper by hand or automatically, publish it.

A spec that a published paper was built against never changes (copy it instead); a published
paper never changes at all — every service below that changes a paper refuses with ``Conflict``.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from core.roles import Actor, Role, require_role
from item_bank.assembly import AssemblyStatus, assemble
from item_bank.assembly.inputs import and_list
from item_bank.models import CaseStudy, ExamPaper, ExamPaperEntry, ExamSpec
from item_bank.papers import queries, rules

MAX_PARALLEL_PAPERS = 4


def _require_examiner(actor: Actor) -> None:
    require_role(actor, Role.EXAMINER)


# --- specs -------------------------------------------------------------------------------------

def _checked(session: Session, fields: rules.SpecFields) -> dict:
    checked = rules.check_spec(fields, known_standards=queries.current_standard_numbers(session))
    problems = [FieldProblem(name, message) for name, message in checked.problems]
    missing = sorted(checked.enemy_ids - queries.existing_case_study_ids(session, checked.enemy_ids))
    if missing:
        words = "There is no case study" if len(missing) == 1 else "There are no case studies"
        problems.append(FieldProblem("enemy_sets", f"{words} {and_list([str(i) for i in missing])}"))
    if problems:
        raise ValidationFailed("The exam spec has problems", problems)
    return checked.values


def create_spec(session: Session, *, actor: Actor, fields: rules.SpecFields, now: dt.datetime) -> ExamSpec:
    _require_examiner(actor)
    values = _checked(session, fields)
    spec = ExamSpec(**values, created_by_id=actor.user_id, created_at=now, updated_at=now)
    session.add(spec)
    session.flush()
    audit.record(session, actor=actor, action="exam_spec.created", target_type="exam_spec", target_id=spec.id,
                 after=values, now=now)
    return spec


def update_spec(session: Session, *, actor: Actor, spec_id: int, fields: rules.SpecFields,
                now: dt.datetime) -> ExamSpec:
    _require_examiner(actor)
    spec = queries.get_spec(session, spec_id)
    _refuse_if_locked(session, spec)
    values = _checked(session, fields)
    before = {name: getattr(spec, name) for name in values}
    for name, value in values.items():
        setattr(spec, name, value)
    spec.updated_at = now
    session.flush()
    audit.record(session, actor=actor, action="exam_spec.updated", target_type="exam_spec", target_id=spec.id,
                 before=before, after=values, now=now)
    return spec


def _refuse_if_locked(session: Session, spec: ExamSpec) -> None:
    if queries.spec_is_locked(session, spec.id):
        raise Conflict(f"The exam spec “{spec.title}” cannot be changed: a published paper was built against it. "
                       f"Copy it as a new spec instead.")


def copy_spec(session: Session, *, actor: Actor, spec_id: int, now: dt.datetime) -> ExamSpec:
    """A new, editable spec with the same constraints."""
    _require_examiner(actor)
    original = queries.get_spec(session, spec_id)
    title = f"Copy of {original.title}"[:200]
    copy = ExamSpec(
        title=title, total_marks=original.total_marks, total_marks_tolerance=original.total_marks_tolerance,
        duration_min=original.duration_min, min_case_studies=original.min_case_studies,
        max_case_studies=original.max_case_studies, max_exposure=original.max_exposure,
        theme_marks=dict(original.theme_marks or {}), standard_marks=dict(original.standard_marks or {}),
        item_type_mix=dict(original.item_type_mix or {}),
        enemy_sets=[list(enemies) for enemies in original.enemy_sets or []],
        created_by_id=actor.user_id, created_at=now, updated_at=now)
    session.add(copy)
    session.flush()
    audit.record(session, actor=actor, action="exam_spec.created", target_type="exam_spec", target_id=copy.id,
                 after={"copied_from": original.id, "title": title}, now=now)
    return copy


# --- papers by hand ----------------------------------------------------------------------------

def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("Enter a title for the paper", [FieldProblem("title", "Enter a title for the paper")])
    if len(title) > 200:
        raise ValidationFailed("The title is too long",
                               [FieldProblem("title", "The title must be 200 characters or fewer")])
    return title


def create_paper(session: Session, *, actor: Actor, spec_id: int, title: str, now: dt.datetime) -> ExamPaper:
    """An empty draft paper, to be built by hand against ``spec_id``."""
    _require_examiner(actor)
    spec = queries.get_spec(session, spec_id)
    title = _check_title(title)
    paper = ExamPaper(title=title, exam_spec_id=spec.id, created_by_id=actor.user_id, created_at=now,
                      assembly_note="Built by hand.")
    session.add(paper)
    session.flush()
    audit.record(session, actor=actor, action="exam_paper.created", target_type="exam_paper", target_id=paper.id,
                 after={"title": title, "spec": spec.id, "how": "by hand"}, now=now)
    return paper


def _draft(session: Session, actor: Actor, paper_id: int) -> ExamPaper:
    _require_examiner(actor)
    paper = queries.get_paper(session, paper_id)
    if paper.is_published:
        raise Conflict(f"The paper “{paper.title}” is published and can never change.")
    return paper


def add_case_study(session: Session, *, actor: Actor, paper_id: int, case_study_id: int,
                   now: dt.datetime) -> ExamPaperEntry:
    """Add the latest approved version of a case study at the end of a draft paper."""
    paper = _draft(session, actor, paper_id)
    case_study = session.get(CaseStudy, case_study_id)
    if case_study is None:
        raise ValidationFailed("There is no such case study",
                               [FieldProblem("case_study_id", f"There is no case study {case_study_id}")])
    version = case_study.latest_approved
    if version is None:
        raise Conflict(f"Case study {case_study_id} has no approved version; only approved case studies can go "
                       f"into a paper.")
    if any(entry.case_study_version.case_study_id == case_study_id for entry in paper.entries):
        raise Conflict(f"Case study {case_study_id} is already in this paper.")
    entry = ExamPaperEntry(case_study_version_id=version.id, position=len(paper.entries) + 1)
    paper.entries.append(entry)
    session.flush()
    return entry


def _entry_in(paper: ExamPaper, entry_id: int) -> ExamPaperEntry:
    for entry in paper.entries:
        if entry.id == entry_id:
            return entry
    raise NotFound("That case study is not in this paper.")


def remove_entry(session: Session, *, actor: Actor, paper_id: int, entry_id: int, now: dt.datetime) -> None:
    paper = _draft(session, actor, paper_id)
    entry = _entry_in(paper, entry_id)
    paper.entries.remove(entry)
    session.flush()
    _renumber(paper, list(paper.entries))
    session.flush()


def delete_draft_paper(session: Session, *, actor: Actor, paper_id: int, now: dt.datetime) -> str:
    """Delete a draft paper and its list of case studies (the case studies stay in the bank); a
    published paper is evidence of what candidates sat and is never deleted. Returns the title."""
    paper = _draft(session, actor, paper_id)
    before = {"title": paper.title, "spec": paper.exam_spec_id,
              "case_study_versions": [entry.case_study_version_id for entry in paper.entries]}
    session.delete(paper)
    session.flush()
    audit.record(session, actor=actor, action="exam_paper.deleted", target_type="exam_paper", target_id=paper_id,
                 now=now, before=before)
    return before["title"]


def move_entry(session: Session, *, actor: Actor, paper_id: int, entry_id: int, offset: int,
               now: dt.datetime) -> None:
    """Move a case study ``offset`` places (−1 up, +1 down); past either end does nothing."""
    paper = _draft(session, actor, paper_id)
    ordered = list(paper.entries)
    index = ordered.index(_entry_in(paper, entry_id))
    target = index + offset
    if not 0 <= target < len(ordered):
        return
    ordered.insert(target, ordered.pop(index))
    _renumber(paper, ordered)
    session.flush()
    session.expire(paper, ["entries"])


def _renumber(paper: ExamPaper, ordered: list[ExamPaperEntry]) -> None:
    for position, entry in enumerate(ordered, start=1):
        entry.position = position


# --- automatic assembly ------------------------------------------------------------------------

def assemble_papers(session: Session, *, actor: Actor, spec_id: int, title: str, n_papers: int,
                    now: dt.datetime, time_limit_s: float = 20.0) -> list[ExamPaper]:
    """Choose case studies from the approved pool for ``n_papers`` parallel draft papers (no case
    study shared) that each meet the spec; or, creating nothing, say precisely why none can."""
    _require_examiner(actor)
    spec = queries.get_spec(session, spec_id)
    title = _check_title(title)
    if not 1 <= n_papers <= MAX_PARALLEL_PAPERS:
        raise ValidationFailed("Choose how many papers",
                               [FieldProblem("n_papers", f"Choose from 1 to {MAX_PARALLEL_PAPERS} papers")])
    pool_versions = queries.approved_pool(session)
    summaries = queries.summarise_versions(session, pool_versions, queries.exposure_counts(session))
    version_of = {version.case_study_id: version for version in pool_versions if version.id in summaries.by_version}
    pool = [summaries.by_version[version.id] for version in version_of.values()]
    result = assemble(rules.constraints_of(spec), pool, n_papers, time_limit_s=time_limit_s)
    if not result.ok:
        reasons = result.infeasible or result.notes or ["No paper could be assembled."]
        raise ValidationFailed("No paper can meet this spec" if result.status == AssemblyStatus.INFEASIBLE
                               else "No paper was found in time",
                               [FieldProblem("assembly", reason) for reason in reasons])
    papers = []
    for number, case_study_ids in enumerate(result.papers, start=1):
        paper_title = title if n_papers == 1 else f"{title} – parallel paper {number} of {n_papers}"
        figures = result.figures[number - 1]
        note = (f"Built automatically ({result.status.value}): {figures.total_marks} marks, "
                f"{figures.coverage} distinct sub-standards, expected facility {figures.expected_facility:.2f} "
                f"(target {result.facility_target:.2f}).")
        if n_papers > 1:
            note += f" One of {n_papers} parallel papers sharing no case study."
        facility_notes = [n for cs_id in case_study_ids for n in summaries.notes.get(version_of[cs_id].id, ())]
        note = " ".join([note, *result.notes, *facility_notes])
        paper = ExamPaper(title=paper_title[:200], exam_spec_id=spec.id, created_by_id=actor.user_id,
                          created_at=now, assembly_note=note)
        paper.entries = [ExamPaperEntry(case_study_version_id=version_of[cs_id].id, position=position)
                         for position, cs_id in enumerate(case_study_ids, start=1)]
        session.add(paper)
        papers.append(paper)
    session.flush()
    siblings = [paper.id for paper in papers]
    for paper in papers:
        audit.record(session, actor=actor, action="exam_paper.created", target_type="exam_paper",
                     target_id=paper.id, now=now,
                     after={"title": paper.title, "spec": spec.id, "how": "automatically",
                            "case_studies": [entry.case_study_version.case_study_id for entry in paper.entries],
                            "parallel_with": [pid for pid in siblings if pid != paper.id]})
    return papers


# --- publishing --------------------------------------------------------------------------------

def publish_paper(session: Session, *, actor: Actor, paper_id: int, now: dt.datetime) -> ExamPaper:
    """Freeze a draft that meets its spec in full: its case-study versions and their order."""
    paper = _draft(session, actor, paper_id)
    report = queries.paper_report(session, paper)
    if not report.entries:
        raise Conflict("The paper has no case studies yet.")
    stale = [row for row in report.entries if row.problem]
    if stale:
        raise Conflict("The paper cannot be published: " + " ".join(row.problem for row in stale))
    if report.unmet:
        unmet = "; ".join(f"{check.label} (needs {check.required}, has {check.actual})" for check in report.unmet)
        raise Conflict(f"The paper does not meet its spec, so it cannot be published. Not met: {unmet}.")
    paper.is_published = True
    paper.published_at = now
    session.flush()
    audit.record(session, actor=actor, action="exam_paper.published", target_type="exam_paper", target_id=paper.id,
                 now=now, after={"title": paper.title, "spec": paper.exam_spec_id,
                                 "case_study_versions": [[row.version.case_study_id, row.version.number]
                                                         for row in report.entries]})
    return paper

