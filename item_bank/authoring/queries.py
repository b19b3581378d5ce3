"""Reading the item bank: filtered lists, full-text search, coverage, history. Reads only."""
from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from item_bank import item_types
from item_bank.framework.models import FrameworkVersion, Standard, Substandard, Theme
from item_bank.models import CaseStudy, CaseStudyVersion, ExamPaper, ExamPaperEntry, ItemMapping, ItemVersion
from item_bank.statistics import queries as statistics_queries
from item_bank.statistics.models import ItemStatistic
from item_bank.workflow import Status


FLAGGED_CHOICES = {"": "Either", "flagged": "Flagged", "not_flagged": "Not flagged"}


@dataclass(frozen=True)
class BankFilters:
    text: str = ""
    theme: str = ""
    standard: int | None = None
    substandard: str = ""
    item_type: str = ""
    status: str = ""
    author_id: int | None = None
    facility_min: float | None = None
    facility_max: float | None = None
    used: str = ""  # "", "used", "never"
    # On each item's current statistics (item_bank.statistics.queries): "", "flagged", "not_flagged".
    flagged: str = ""
    problems: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args) -> BankFilters:
        problems: list[str] = []

        def number(name: str, label: str, kind=float, low=0.0, high=1.0):
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            try:
                value = kind(raw)
            except ValueError:
                problems.append(f"{label} must be a number")
                return None
            if not low <= value <= high:
                problems.append(f"{label} must be between {low:g} and {high:g}")
                return None
            return value

        status = (args.get("status") or "").strip()
        if status and status not in {s.value for s in Status}:
            problems.append("Choose a status from the list")
            status = ""
        flagged = (args.get("flagged") or "").strip()
        if flagged not in FLAGGED_CHOICES:
            problems.append("Choose flagged or not flagged from the list")
            flagged = ""
        filters = cls(text=(args.get("q") or "").strip(), theme=(args.get("theme") or "").strip().upper()[:1],
                      standard=number("standard", "Standard", int, 1, 99),
                      substandard=(args.get("substandard") or "").strip(), item_type=(args.get("type") or "").strip(),
                      status=status, author_id=number("author", "Author", int, 1, 10**9),
                      facility_min=number("facility_min", "Lowest facility"),
                      facility_max=number("facility_max", "Highest facility"),
                      used=(args.get("used") or "").strip(), flagged=flagged, problems=tuple(problems))
        if filters.facility_min is not None and filters.facility_max is not None \
                and filters.facility_min > filters.facility_max:
            problems.append("The lowest facility must not be above the highest")
            filters = cls(**{**filters.__dict__, "problems": tuple(problems)})
        return filters


def latest_versions_query():
    latest = (select(CaseStudyVersion.case_study_id, func.max(CaseStudyVersion.number).label("number"))
              .group_by(CaseStudyVersion.case_study_id).subquery())
    return select(CaseStudyVersion).join(latest, and_(CaseStudyVersion.case_study_id == latest.c.case_study_id,
                                                      CaseStudyVersion.number == latest.c.number))


def _published_case_study_ids():
    return (select(CaseStudyVersion.case_study_id).join(ExamPaperEntry,
            ExamPaperEntry.case_study_version_id == CaseStudyVersion.id)
            .join(ExamPaper, ExamPaper.id == ExamPaperEntry.exam_paper_id).where(ExamPaper.is_published))


def search_bank(session: Session, filters: BankFilters, limit: int = 200) -> list[CaseStudyVersion]:
    """The latest version of every case study that matches all the filters (an item-level filter
    matches when any item of that version matches)."""
    query = latest_versions_query()
    for word in filters.text.lower().split():
        query = query.where(CaseStudyVersion.search_text.like(f"%{word}%"))
    if filters.status:
        query = query.where(CaseStudyVersion.status == Status(filters.status))
    if filters.author_id:
        query = query.join(CaseStudy, CaseStudy.id == CaseStudyVersion.case_study_id).where(
            CaseStudy.author_id == filters.author_id)
    item_conditions = []
    if filters.item_type:
        item_conditions.append(ItemVersion.item_type == filters.item_type)
    # Facility and flags are the observed ones: the latest run of each item's most recent sitting.
    statistics_conditions = []
    if filters.facility_min is not None:
        statistics_conditions.append(ItemStatistic.facility >= filters.facility_min)
    if filters.facility_max is not None:
        statistics_conditions.append(ItemStatistic.facility <= filters.facility_max)
    if filters.flagged == "flagged":
        statistics_conditions.append(ItemStatistic.is_flagged.is_(True))
    elif filters.flagged == "not_flagged":
        statistics_conditions.append(ItemStatistic.is_flagged.is_(False))
    if statistics_conditions:
        item_conditions.append(ItemVersion.item_id.in_(statistics_queries.item_ids_with_latest(*statistics_conditions)))
    mapping_conditions = []
    if filters.substandard:
        mapping_conditions.append(Substandard.code == filters.substandard)
    if filters.standard:
        mapping_conditions.append(Standard.number == filters.standard)
    if filters.theme:
        mapping_conditions.append(Theme.code == filters.theme)
    if item_conditions or mapping_conditions:
        items = select(ItemVersion.case_study_version_id).where(*item_conditions)
        if mapping_conditions:
            items = (items.join(ItemMapping, ItemMapping.item_version_id == ItemVersion.id)
                     .join(Substandard, Substandard.id == ItemMapping.substandard_id)
                     .join(Standard, Standard.id == Substandard.standard_id)
                     .join(Theme, Theme.id == Standard.theme_id).where(*mapping_conditions))
        query = query.where(CaseStudyVersion.id.in_(items))
    if filters.used == "used":
        query = query.where(CaseStudyVersion.case_study_id.in_(_published_case_study_ids()))
    elif filters.used == "never":
        query = query.where(CaseStudyVersion.case_study_id.not_in(_published_case_study_ids()))
    return list(session.scalars(query.order_by(CaseStudyVersion.updated_at.desc()).limit(limit)))


def last_used(session: Session, case_study_ids: list[int]) -> dict[int, object]:
    rows = session.execute(
        select(CaseStudyVersion.case_study_id, func.max(ExamPaper.published_at))
        .join(ExamPaperEntry, ExamPaperEntry.case_study_version_id == CaseStudyVersion.id)
        .join(ExamPaper, ExamPaper.id == ExamPaperEntry.exam_paper_id)
        .where(ExamPaper.is_published, CaseStudyVersion.case_study_id.in_(case_study_ids))
        .group_by(CaseStudyVersion.case_study_id))
    return dict(rows.all())


def review_queue(session: Session) -> list[CaseStudyVersion]:
    return list(session.scalars(select(CaseStudyVersion).where(
        CaseStudyVersion.status.in_([Status.SUBMITTED, Status.IN_REVIEW])).order_by(CaseStudyVersion.updated_at)))


def written_by(session: Session, user_id: int) -> list[CaseStudyVersion]:
    query = latest_versions_query().join(CaseStudy, CaseStudy.id == CaseStudyVersion.case_study_id).where(
        CaseStudy.author_id == user_id)
    return list(session.scalars(query.order_by(CaseStudyVersion.updated_at.desc())))


@dataclass
class CoverageCell:
    code: str
    text: str
    approved_items: int


@dataclass
class CoverageRow:
    theme: str
    number: int
    title: str
    approved_items: int
    cells: list[CoverageCell] = field(default_factory=list)


def coverage(session: Session, framework: FrameworkVersion) -> list[CoverageRow]:
    """Approved items per standard and sub-standard (by primary mapping), counting each case
    study's latest approved version once."""
    latest_approved = (select(CaseStudyVersion.case_study_id, func.max(CaseStudyVersion.number).label("number"))
                       .where(CaseStudyVersion.status == Status.APPROVED)
                       .group_by(CaseStudyVersion.case_study_id).subquery())
    counts = dict(session.execute(
        select(ItemMapping.substandard_id, func.count())
        .join(ItemVersion, ItemVersion.id == ItemMapping.item_version_id)
        .join(CaseStudyVersion, CaseStudyVersion.id == ItemVersion.case_study_version_id)
        .join(latest_approved, and_(latest_approved.c.case_study_id == CaseStudyVersion.case_study_id,
                                    latest_approved.c.number == CaseStudyVersion.number))
        .where(ItemMapping.is_primary).group_by(ItemMapping.substandard_id)).all())
    rows = []
    for theme in framework.themes:
        for standard in theme.standards:
            cells = [CoverageCell(s.code, s.text, counts.get(s.id, 0)) for s in standard.substandards]
            rows.append(CoverageRow(theme.code, standard.number, standard.title,
                                    sum(c.approved_items for c in cells), cells))
    return rows


def version_by_number(session: Session, case_study_id: int, number: int) -> CaseStudyVersion | None:
    return session.scalar(select(CaseStudyVersion).where(CaseStudyVersion.case_study_id == case_study_id,
                                                         CaseStudyVersion.number == number))


def candidate_preview(versions: list[CaseStudyVersion], *, type_names: dict[str, str],
                      attachment_url) -> dict:
    """What the exam player would be given for these case-study versions, in this order: the same
    allow-listed candidate view of each item (no key, rubric, model answer or rationale), numbered
    through, and options in a shuffled order as in an exam (an ordering item is never shown in its
    correct order). The shuffle is seeded by the version, so the preview is the same each time."""
    case_studies, items = [], []
    for version in versions:
        case_studies.append({
            "id": version.id, "title": version.title, "scenario_html": version.scenario_html,
            "attachments": [{"id": a.id, "filename": a.filename, "description": a.description,
                             "url": attachment_url(a)} for a in version.attachments],
        })
        for item_version in version.item_versions:
            content = item_version.content
            order = item_types.shuffled_option_order(content, Random(f"{version.id}:{item_version.item_id}"))
            view = item_types.candidate_view(content, order)
            items.append({**view, "slot": len(items) + 1, "case_study_id": version.id,
                          "type_label": type_names.get(view["type"], view["type"]),
                          "max_mark": item_version.max_mark})
    return {"case_studies": case_studies, "items": items}
