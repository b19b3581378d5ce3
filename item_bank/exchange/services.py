"""QTI import and export against the item-bank tables, reading the bank for the JSON API, and the
numbers behind ``cop items stats``.

**Import: whole items into drafts.** The QTI reader (:mod:`item_bank.qti`) accepts an item when
everything that decides what candidates see and how they are marked can be represented here; an
item that cannot (an unsupported interaction, missing media, an unknown scoring rule) is reported
and left out — never half-imported. An accepted item goes in through
:func:`item_bank.authoring.services.save_item` with ``draft_ok``, inside its own savepoint: it may
still lack what a reviewer needs (a rationale, a sub-standard, a rubric, enough options), which the
report lists as "before review" notes, and submission for review refuses until they are written.
A package with no scenario gets a clearly marked placeholder scenario in the draft.
"""
from __future__ import annotations

import copy
import datetime as dt
import os
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core import audit
from core.db import get_or_raise
from core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from core.roles import Actor, Role, require_role
from item_bank import qti
from item_bank.authoring import services as authoring
from item_bank.framework.models import FrameworkVersion, Standard, Substandard, Theme
from item_bank.item_types import ITEM_TYPES, validate_content
from item_bank.models import CaseStudy, CaseStudyVersion, ExamPaper, ItemMapping, ItemVersion
from item_bank.qti.common import VERSIONS as QTI_VERSIONS
from item_bank.workflow import Status

__all__ = [
    "STAFF_ROLES", "EXPORT_ROLES", "QTI_VERSIONS", "Export", "ImportRow", "ImportOutcome",
    "case_study_dict", "export_case_study", "export_paper", "import_qti",
    "list_case_studies", "get_case_study_version", "stats",
]

# Who may read the bank with keys (the author view) and who may take it out of the platform.
STAFF_ROLES = (Role.ITEM_WRITER, Role.ITEM_REVIEWER, Role.EXAMINER, Role.ADMIN)
EXPORT_ROLES = (Role.EXAMINER,)


# --- reading the bank -----------------------------------------------------------------------------


def _latest_versions():
    latest = (select(CaseStudyVersion.case_study_id, func.max(CaseStudyVersion.number).label("number"))
              .group_by(CaseStudyVersion.case_study_id).subquery())
    return select(CaseStudyVersion).join(
        latest, and_(CaseStudyVersion.case_study_id == latest.c.case_study_id,
                     CaseStudyVersion.number == latest.c.number))


def _status(value: str | None) -> Status | None:
    if value in (None, ""):
        return None
    try:
        return Status(value)
    except ValueError:
        raise ValidationFailed("Unknown status", [FieldProblem(
            "status", f"Status must be one of {', '.join(s.value for s in Status)}")]) from None


def list_case_studies(session: Session, *, actor: Actor, status: str | None = None,
                      theme: str | None = None) -> list[CaseStudyVersion]:
    """The latest version of every case study, optionally only those in ``status`` or with an
    item whose primary sub-standard is in ``theme`` (A–D)."""
    require_role(actor, *STAFF_ROLES)
    query = _latest_versions()
    wanted = _status(status)
    if wanted is not None:
        query = query.where(CaseStudyVersion.status == wanted)
    if theme:
        if not re.fullmatch(r"[A-Za-z]{1,4}", theme):
            raise ValidationFailed("Unknown theme", [FieldProblem("theme", "Theme must be a letter such as A")])
        in_theme = (select(ItemVersion.case_study_version_id)
                    .join(ItemMapping, ItemMapping.item_version_id == ItemVersion.id)
                    .join(Substandard, Substandard.id == ItemMapping.substandard_id)
                    .join(Standard, Standard.id == Substandard.standard_id)
                    .join(Theme, Theme.id == Standard.theme_id)
                    .where(ItemMapping.is_primary, Theme.code == theme.upper()))
        query = query.where(CaseStudyVersion.id.in_(in_theme))
    return list(session.scalars(query.order_by(CaseStudyVersion.case_study_id)))


def get_case_study_version(session: Session, *, actor: Actor, case_study_id: int,
                           number: int | None = None) -> CaseStudyVersion:
    """A case study's version ``number`` (default: its latest), for staff."""
    require_role(actor, *STAFF_ROLES)
    case_study = authoring.get_case_study(session, case_study_id)
    if number is None:
        return case_study.latest
    for version in case_study.versions:
        if version.number == number:
            return version
    raise NotFound(f"Case study {case_study_id} has no version {number}.")


def framework_label(session: Session, version: CaseStudyVersion) -> str:
    framework = session.get(FrameworkVersion, version.case_study.framework_version_id)
    return framework.version if framework is not None else ""


# --- export ---------------------------------------------------------------------------------------


def _codes(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Substandard.id, Substandard.code).where(Substandard.id.in_(ids))).all())


def case_study_dict(session: Session, version: CaseStudyVersion) -> dict[str, Any]:
    """The exchange shape of a case-study version (``item_bank.qti``): title, scenario, items and
    the framework version; each item's mapping comes from its ``item_mappings`` rows."""
    codes = _codes(session, {m.substandard_id for iv in version.item_versions for m in iv.mappings})
    items = []
    for item_version in version.item_versions:
        content = copy.deepcopy(item_version.content)
        if item_version.mappings:
            primary = [codes[m.substandard_id] for m in item_version.mappings if m.is_primary]
            others = {codes[m.substandard_id] for m in item_version.mappings if not m.is_primary}
            stated = (content.get("substandards") or {}).get("others") or []
            ordered = [c for c in stated if c in others] + sorted(others - set(stated))
            content["substandards"] = {"primary": primary[0] if primary else None, "others": ordered}
        items.append(content)
    return {"title": version.title, "scenario": version.scenario_html, "items": items,
            "framework_version": framework_label(session, version)}


@dataclass(frozen=True)
class Export:
    filename: str
    data: bytes


def _qti_version(value: str | None) -> str:
    if value not in QTI_VERSIONS:
        raise ValidationFailed("Unknown QTI version", [FieldProblem(
            "qti", f"Choose QTI {' or '.join(QTI_VERSIONS)}")])
    return value


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "export"


def export_case_study(session: Session, *, actor: Actor, case_study_id: int, qti_version: str,
                      now: dt.datetime, number: int | None = None) -> Export:
    """A case-study version (default: the latest) as a QTI content package."""
    require_role(actor, *EXPORT_ROLES)
    qti_version = _qti_version(qti_version)
    case_study = authoring.get_case_study(session, case_study_id)
    version = case_study.latest
    if number is not None:
        version = next((v for v in case_study.versions if v.number == number), None)
        if version is None:
            raise NotFound(f"Case study {case_study_id} has no version {number}.")
    try:
        data = qti.export_case_study(case_study_dict(session, version), qti_version)
    except ValueError as error:
        raise Conflict(str(error)) from None
    audit.record(session, actor=actor, action="case_study.qti_exported", target_type="case_study_version",
                 target_id=version.id, after={"qti": qti_version, "version": version.number}, now=now)
    suffix = qti_version.replace(".", "")
    return Export(f"case-study-{case_study.id}-v{version.number}-{_slug(version.title)}-qti{suffix}.zip", data)


def export_paper(session: Session, *, actor: Actor, paper_id: int, qti_version: str, now: dt.datetime) -> Export:
    """A published exam paper, its case studies in paper order, as a QTI content package."""
    require_role(actor, *EXPORT_ROLES)
    qti_version = _qti_version(qti_version)
    paper = get_or_raise(session, ExamPaper, paper_id)
    if not paper.is_published:
        raise Conflict("Only a published paper can be exported: publishing freezes what it contains.")
    cases = [case_study_dict(session, entry.case_study_version) for entry in paper.entries]
    try:
        data = qti.export_paper({"title": paper.title, "case_studies": cases}, qti_version)
    except ValueError as error:
        raise Conflict(str(error)) from None
    audit.record(session, actor=actor, action="exam_paper.qti_exported", target_type="exam_paper",
                 target_id=paper.id, after={"qti": qti_version}, now=now)
    return Export(f"paper-{paper.id}-{_slug(paper.title)}-qti{qti_version.replace('.', '')}.zip", data)


# --- import ---------------------------------------------------------------------------------------


@dataclass
class ImportRow:
    """What happened to one item of the package."""

    source: str
    identifier: str | None
    title: str | None
    item_type: str | None
    imported: bool = False
    case_study_id: int | None = None
    case_study_title: str | None = None
    item_id: int | None = None
    reasons: list[str] = field(default_factory=list)  # why it was not imported
    notes: list[str] = field(default_factory=list)  # how an imported item was adapted


@dataclass
class ImportOutcome:
    qti_version: str | None
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the package as a whole
    case_studies: list[dict[str, Any]] = field(default_factory=list)  # [{"id", "title", "items"}]

    @property
    def imported(self) -> list[ImportRow]:
        return [r for r in self.rows if r.imported]

    @property
    def skipped(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.imported]

    def to_dict(self) -> dict[str, Any]:
        return {"qti_version": self.qti_version, "imported": len(self.imported), "skipped": len(self.skipped),
                "case_studies": self.case_studies, "problems": self.problems,
                "items": [asdict(r) for r in self.rows]}


def _reason(problem: FieldProblem) -> str:
    if problem.field.startswith("substandards"):
        return f"needs a sub-standard: {problem.message}"
    return f"{problem.message} ({problem.field})"


_REVIEW_NOTES = ("Needs attention before review", "No sub-standard mapping came with the item")


NO_SCENARIO = ("<p><strong>This case study was imported without a scenario.</strong> "
               "Write the scenario before submitting it for review.</p>")


def _read(data: bytes | str | os.PathLike) -> qti.ImportReport:
    try:
        return qti.import_package(data)
    except qti.PackageRefused as error:
        raise ValidationFailed("The package is too large to import", [FieldProblem(
            "file", f"The package is too large to import, so nothing was imported. {error}")]) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, UnicodeError) as error:
        raise ValidationFailed("The file cannot be read", [FieldProblem(
            "file", f"The file is not a QTI package or item that can be read: {error}")]) from None


def import_qti(session: Session, *, actor: Actor, data: bytes | str | os.PathLike, now: dt.datetime,
               progress: Callable[[int, int, ImportRow], None] | None = None) -> ImportOutcome:
    """Import a QTI 2.2 / 3.0 package or single item into draft case studies owned by ``actor``.

    Each item is stored whole or not at all (see the module docstring); ``progress(done, total,
    row)`` is called after each item.
    """
    require_role(actor, Role.ITEM_WRITER)
    report = _read(data)
    outcome = ImportOutcome(report.version, problems=[p.message for p in report.problems])
    rows = [ImportRow(i.source, i.identifier, i.title, i.item_type, reasons=[p.message for p in i.problems])
            for i in report.items]
    total, done = len(rows), 0

    def step(row: ImportRow) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, row)

    for row, item in zip(rows, report.items):
        if not item.imported:
            step(row)
    for index, case in enumerate(report.case_studies):
        members = [(row, item) for row, item in zip(rows, report.items)
                   if item.imported and item.case_study == index]
        _store_case_study(session, actor, case, members, outcome, now, step)
    outcome.rows = rows
    audit.record(session, actor=actor, action="item_bank.qti_imported", target_type="import",
                 after={"qti": report.version, "imported": len(outcome.imported), "skipped": len(outcome.skipped),
                        "case_studies": [c["id"] for c in outcome.case_studies]}, now=now)
    return outcome


def _store_case_study(session: Session, actor: Actor, case: dict[str, Any], members, outcome: ImportOutcome,
                      now: dt.datetime, step) -> None:
    title = str(case.get("title") or "Imported case study").strip()
    scenario = case.get("scenario") or ""
    if not (scenario or "").strip():
        scenario = NO_SCENARIO
        for row, _item in members:
            row.notes.append("Before review: the package had no scenario, so the draft has a placeholder; "
                             "write the scenario.")
    case_savepoint = session.begin_nested()
    try:
        version = authoring.create_case_study(session, actor=actor, title=title, scenario_html=scenario, now=now)
    except ValidationFailed as error:
        case_savepoint.rollback()
        why = "; ".join(p.message for p in error.problems) or error.message
        if not (case.get("scenario") or "").strip():
            why += " (the package has no shared stimulus or scenario for these items)"
        for row, item in members:
            row.reasons.append(f"its case study “{title}” cannot be created: {why}")
            # Say what the item itself would need too, so one round of fixes is enough.
            row.reasons.extend(_reason(FieldProblem(e.field, e.message))
                               for e in validate_content(case["items"][item.position]))
            step(row)
        return
    stored = []
    framework = framework_label(session, version)
    for row, item in members:
        content = case["items"][item.position]
        savepoint = session.begin_nested()
        try:
            item_version = authoring.save_item(session, actor=actor, version_id=version.id, content=content, now=now,
                                               draft_ok=True)
        except ValidationFailed as error:
            savepoint.rollback()
            row.reasons.extend(_reason(p) for p in error.problems)
            if case.get("framework_version") and case["framework_version"] != framework \
                    and any(p.field.startswith("substandards") for p in error.problems):
                row.reasons.append(f"it was mapped against Standards version {case['framework_version']}, "
                                   f"but new items are written against version {framework}")
        except Conflict as error:
            savepoint.rollback()
            row.reasons.append(error.message)
        else:
            savepoint.commit()
            row.imported = True
            row.item_id = item_version.item_id
            row.notes = [*row.notes, *(n for n in item.notes if not n.startswith(_REVIEW_NOTES)),
                         *(f"Before review: {e.message}" for e in validate_content(item_version.content))]
            stored.append(row)
        step(row)
    if not stored:
        # Nothing of it could be kept: the case study is not created either.
        case_savepoint.rollback()
        return
    case_savepoint.commit()
    for row in stored:
        row.case_study_id, row.case_study_title = version.case_study_id, version.title
    outcome.case_studies.append({"id": version.case_study_id, "title": version.title, "items": len(stored)})


# --- statistics -----------------------------------------------------------------------------------


def stats(session: Session) -> dict[str, Any]:
    """Counts over the latest version of every case study (and the papers), for ``cop items stats``."""
    latest = list(session.scalars(_latest_versions()))
    item_versions = [iv for version in latest for iv in version.item_versions]
    by_status = Counter(v.status.value for v in latest)
    by_type = Counter(iv.item_type for iv in item_versions)
    theme_of = dict(session.execute(
        select(Substandard.id, Theme.code).join(Standard, Standard.id == Substandard.standard_id)
        .join(Theme, Theme.id == Standard.theme_id)).all())
    themes = sorted(set(session.scalars(select(Theme.code).join(FrameworkVersion).where(FrameworkVersion.is_current))))
    by_theme = Counter({code: 0 for code in themes})
    for item_version in item_versions:
        for mapping in item_version.mappings:
            if mapping.is_primary and mapping.substandard_id in theme_of:
                by_theme[theme_of[mapping.substandard_id]] += 1
    papers = session.scalars(select(ExamPaper).order_by(ExamPaper.id))
    return {
        "case_studies": session.scalar(select(func.count()).select_from(CaseStudy)) or 0,
        "items": len(item_versions),
        "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
        "by_type": {name: by_type.get(name, 0) for name in ITEM_TYPES},
        "by_theme": dict(sorted(by_theme.items())),
        "papers": [{"id": p.id, "title": p.title, "published": p.is_published} for p in papers],
    }
