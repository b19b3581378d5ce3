"""Reading exam specs, papers and the approved pool, and summarising case-study versions for
conformance and assembly. Nothing here writes."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from core.db import get_or_raise
from item_bank.assembly import (CaseStudySummary, ConstraintCheck, PaperFigures, SpecConstraints,
                                conformance, paper_figures)
from item_bank.framework.models import FrameworkVersion, Standard, Substandard, Theme
from item_bank.models import CaseStudy, CaseStudyVersion, ExamPaper, ExamPaperEntry, ExamSpec, ItemVersion
from item_bank.papers import rules
from item_bank.workflow import Status


# --- specs and papers --------------------------------------------------------------------------

def get_spec(session: Session, spec_id: int) -> ExamSpec:
    return get_or_raise(session, ExamSpec, spec_id)


def get_paper(session: Session, paper_id: int) -> ExamPaper:
    return get_or_raise(session, ExamPaper, paper_id)


def spec_is_locked(session: Session, spec_id: int) -> bool:
    """A spec that a published paper was built against can no longer change."""
    return bool(session.scalar(select(func.count()).select_from(ExamPaper).where(
        ExamPaper.exam_spec_id == spec_id, ExamPaper.is_published.is_(True))))


@dataclass(frozen=True)
class SpecRow:
    spec: ExamSpec
    n_papers: int
    n_published: int

    @property
    def is_locked(self) -> bool:
        return self.n_published > 0


def list_specs(session: Session) -> list[SpecRow]:
    counts: dict[int, list[int]] = {}
    for spec_id, is_published, count in session.execute(
            select(ExamPaper.exam_spec_id, ExamPaper.is_published, func.count(ExamPaper.id))
            .group_by(ExamPaper.exam_spec_id, ExamPaper.is_published)):
        pair = counts.setdefault(spec_id, [0, 0])
        pair[0] += count
        if is_published:
            pair[1] += count
    specs = session.scalars(select(ExamSpec).order_by(ExamSpec.created_at.desc(), ExamSpec.id.desc()))
    return [SpecRow(spec, *counts.get(spec.id, (0, 0))) for spec in specs]


def list_papers(session: Session, spec_id: int | None = None) -> list[ExamPaper]:
    query = select(ExamPaper).order_by(ExamPaper.created_at.desc(), ExamPaper.id.desc())
    if spec_id is not None:
        query = query.where(ExamPaper.exam_spec_id == spec_id)
    return list(session.scalars(query))


def existing_case_study_ids(session: Session, ids: Iterable[int]) -> set[int]:
    wanted = set(ids)
    if not wanted:
        return set()
    return set(session.scalars(select(CaseStudy.id).where(CaseStudy.id.in_(wanted))))


def current_standard_numbers(session: Session) -> frozenset[int] | None:
    """The standard numbers of the current framework (None before one is imported)."""
    numbers = frozenset(session.scalars(
        select(Standard.number).join(FrameworkVersion, Standard.framework_version_id == FrameworkVersion.id)
        .where(FrameworkVersion.is_current.is_(True))))
    return numbers or None


# --- the approved pool and exposure ------------------------------------------------------------

def approved_pool(session: Session) -> list[CaseStudyVersion]:
    """The latest approved version of every case study that has one, by case-study id."""
    versions = session.scalars(select(CaseStudyVersion).where(CaseStudyVersion.status == Status.APPROVED)
                               .order_by(CaseStudyVersion.case_study_id, CaseStudyVersion.number))
    latest: dict[int, CaseStudyVersion] = {}
    for version in versions:
        latest[version.case_study_id] = version
    return [latest[cs_id] for cs_id in sorted(latest)]


def exposure_counts(session: Session, *, before: dt.datetime | None = None,
                    excluding_paper_id: int | None = None) -> dict[int, int]:
    """Case-study id → how many published papers (published before ``before``, if given)
    contained any version of it."""
    query = (select(CaseStudyVersion.case_study_id, func.count(distinct(ExamPaper.id)))
             .join(ExamPaperEntry, ExamPaperEntry.case_study_version_id == CaseStudyVersion.id)
             .join(ExamPaper, ExamPaper.id == ExamPaperEntry.exam_paper_id)
             .where(ExamPaper.is_published.is_(True))
             .group_by(CaseStudyVersion.case_study_id))
    if before is not None:
        query = query.where(ExamPaper.published_at < before)
    if excluding_paper_id is not None:
        query = query.where(ExamPaper.id != excluding_paper_id)
    return {cs_id: count for cs_id, count in session.execute(query)}


@dataclass(frozen=True)
class Summaries:
    by_version: dict[int, CaseStudySummary]  # case-study version id → summary
    notes: dict[int, tuple[str, ...]] = field(default_factory=dict)  # version id → notes
    problems: dict[int, str] = field(default_factory=dict)  # version id → why it cannot be summarised


def summarise_versions(session: Session, versions: Sequence[CaseStudyVersion],
                       exposure: dict[int, int]) -> Summaries:
    """Each version as a ``CaseStudySummary`` (identified by its case study's id, which enemy sets
    and exposure use)."""
    substandard_ids = {m.substandard_id for v in versions for iv in v.item_versions for m in iv.mappings}
    framework: dict[int, tuple[str, int, str]] = {}
    if substandard_ids:
        rows = session.execute(select(Substandard.id, Substandard.code, Standard.number, Theme.code)
                               .join(Standard, Substandard.standard_id == Standard.id)
                               .join(Theme, Standard.theme_id == Theme.id)
                               .where(Substandard.id.in_(substandard_ids)))
        framework = {sid: (code, number, theme) for sid, code, number, theme in rows}
    by_version: dict[int, CaseStudySummary] = {}
    notes: dict[int, tuple[str, ...]] = {}
    problems: dict[int, str] = {}
    for version in versions:
        facts = [_facts(item_version, framework) for item_version in version.item_versions]
        result = rules.summarise(version.case_study_id, version.title, facts,
                                 exposure=exposure.get(version.case_study_id, 0))
        if result.summary is None:
            problems[version.id] = result.problem
        else:
            by_version[version.id] = result.summary
            if result.notes:
                notes[version.id] = result.notes
    return Summaries(by_version, notes, problems)


def _facts(item_version: ItemVersion, framework: dict[int, tuple[str, int, str]]) -> rules.ItemFacts:
    primary = next((framework.get(m.substandard_id) for m in item_version.mappings if m.is_primary), None)
    codes = frozenset(framework[m.substandard_id][0] for m in item_version.mappings
                      if m.substandard_id in framework)
    return rules.ItemFacts(
        max_mark=item_version.max_mark, item_type=item_version.item_type,
        estimated_facility=item_version.estimated_facility,
        primary_theme=primary[2] if primary else None, primary_standard=primary[1] if primary else None,
        substandards=codes)


# --- a paper as the examiner sees it -----------------------------------------------------------

@dataclass(frozen=True)
class EntryRow:
    entry: ExamPaperEntry
    version: CaseStudyVersion
    summary: CaseStudySummary | None
    problem: str
    newer_approved: int | None  # a later approved version number, if one exists


@dataclass(frozen=True)
class PoolRow:
    version: CaseStudyVersion
    summary: CaseStudySummary | None
    problem: str


@dataclass(frozen=True)
class PaperReport:
    paper: ExamPaper
    spec: ExamSpec
    constraints: SpecConstraints
    entries: list[EntryRow]
    checks: list[ConstraintCheck]
    figures: PaperFigures | None
    notes: list[str]
    available: list[PoolRow]  # approved case studies not in the paper (drafts only)

    @property
    def conforms(self) -> bool:
        return bool(self.entries) and all(check.met for check in self.checks) \
            and not any(row.problem for row in self.entries)

    @property
    def unmet(self) -> list[ConstraintCheck]:
        return [check for check in self.checks if not check.met]

    @property
    def expected_facility(self) -> float | None:
        if self.figures is None or math.isnan(self.figures.expected_facility):
            return None
        return self.figures.expected_facility


def paper_report(session: Session, paper: ExamPaper) -> PaperReport:
    """The paper's case studies in order, the conformance table, its figures and, for a draft,
    the approved case studies that could still be added."""
    spec = paper.spec
    constraints = rules.constraints_of(spec)
    if paper.is_published:
        # Exposure as it stood when the paper was published: earlier papers only.
        exposure = exposure_counts(session, before=paper.published_at, excluding_paper_id=paper.id)
    else:
        exposure = exposure_counts(session)
    versions = [entry.case_study_version for entry in paper.entries]
    pool = [] if paper.is_published else approved_pool(session)
    in_paper = {version.case_study_id for version in versions}
    available = [version for version in pool if version.case_study_id not in in_paper]
    summaries = summarise_versions(session, versions + available, exposure)
    latest_approved = {version.case_study_id: version.number for version in pool}

    entries = []
    for entry, version in zip(paper.entries, versions):
        problem = summaries.problems.get(version.id, "")
        if not problem and version.status != Status.APPROVED and not paper.is_published:
            problem = f"Version {version.number} is now {version.status.label.lower()}; remove it."
        newer = latest_approved.get(version.case_study_id)
        entries.append(EntryRow(entry, version, summaries.by_version.get(version.id), problem,
                                newer if newer and newer > version.number else None))
    selected = [row.summary for row in entries if row.summary is not None]
    checks = conformance(constraints, selected)
    figures = paper_figures(selected) if selected else None
    notes = [note for version in versions for note in summaries.notes.get(version.id, ())]
    return PaperReport(
        paper=paper, spec=spec, constraints=constraints, entries=entries, checks=checks, figures=figures,
        notes=notes,
        available=[PoolRow(version, summaries.by_version.get(version.id), summaries.problems.get(version.id, ""))
                   for version in available])

