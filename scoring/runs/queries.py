"""What pages, the CLI and exports read about scoring runs (role checks included)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.roles import Actor, Role, require_role
from assessment.delivery.models import Sitting
from item_bank.models import ExamPaper
from scoring.runs import rules
from scoring.runs.models import ScoringRun, ScoringRunItem, ScoringRunScore
from scoring.runs.services import get_run


@dataclass(frozen=True)
class RunRow:
    id: int
    sitting_id: int
    sitting_title: str
    created_at: object
    is_provisional: bool
    reason: str
    n_candidates: int
    alpha: float | None
    exam_paper_id: int
    paper_title: str

    @property
    def status(self) -> str:
        return "provisional" if self.is_provisional else "final"


def runs(session: Session, actor: Actor, sitting_id: int | None = None) -> list[RunRow]:
    require_role(actor, Role.EXAMINER)
    query = (select(ScoringRun.id, ScoringRun.sitting_id, Sitting.title, ScoringRun.created_at,
                    ScoringRun.is_provisional, ScoringRun.reason, ScoringRun.n_candidates, ScoringRun.alpha,
                    ScoringRun.exam_paper_id, ExamPaper.title)
             .join(Sitting, Sitting.id == ScoringRun.sitting_id)
             .join(ExamPaper, ExamPaper.id == ScoringRun.exam_paper_id).order_by(ScoringRun.id))
    if sitting_id is not None:
        if session.get(Sitting, sitting_id) is None:
            raise NotFound("There is no such sitting.")
        query = query.where(ScoringRun.sitting_id == sitting_id)
    return [RunRow(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class SittingRow:
    id: int
    title: str
    n_runs: int


def sittings(session: Session, actor: Actor) -> list[SittingRow]:
    """Real (not practice) sittings, with how many runs each has."""
    require_role(actor, Role.EXAMINER)
    counts = dict(session.execute(select(ScoringRun.sitting_id, func.count()).group_by(ScoringRun.sitting_id)).all())
    return [SittingRow(s.id, s.title, counts.get(s.id, 0))
            for s in session.scalars(select(Sitting).where(Sitting.is_practice.is_(False)).order_by(Sitting.opens_at))]


def run_items(session: Session, run_id: int) -> list[ScoringRunItem]:
    return list(session.scalars(select(ScoringRunItem).where(ScoringRunItem.run_id == run_id)
                                .order_by(ScoringRunItem.position)))


def run_scores(session: Session, run_id: int) -> list[tuple[int, list, float]]:
    """(candidate, marks in item order, total) for every candidate, by candidate number."""
    return [tuple(row) for row in session.execute(
        select(ScoringRunScore.candidate_id, ScoringRunScore.marks, ScoringRunScore.total)
        .where(ScoringRunScore.run_id == run_id).order_by(ScoringRunScore.candidate_id))]


def _item_fields(item: ScoringRunItem) -> dict:
    return {field: getattr(item, field) for field in rules.COMPARED_ITEM_FIELDS}


def compare_runs(session: Session, actor: Actor, run_a: int, run_b: int, cut: float | None = None):
    a, b = get_run(session, actor, run_a), get_run(session, actor, run_b)
    if a.sitting_id != b.sitting_id:
        from core.errors import ValidationFailed
        raise ValidationFailed("Only runs of the same sitting can be compared.")
    if a.exam_paper_id != b.exam_paper_id:
        from core.errors import ValidationFailed
        raise ValidationFailed(f"Run {a.id} scored paper {a.exam_paper_id} and run {b.id} scored paper "
                               f"{b.exam_paper_id}: only runs of the same paper can be compared, since parallel "
                               "papers have different items and candidates.")
    totals = {run.id: {c: t for c, _m, t in run_scores(session, run.id)} for run in (a, b)}
    items = {run.id: {i.label: _item_fields(i) for i in run_items(session, run.id)} for run in (a, b)}
    return a, b, rules.compare(totals[a.id], totals[b.id], items[a.id], items[b.id], cut)


@dataclass(frozen=True)
class RunPage:
    run: ScoringRun
    sitting: Sitting
    items: list[ScoringRunItem]
    siblings: list[RunRow]  # every run of the same sitting
    paper_title: str = ""

    @property
    def same_paper(self) -> list[RunRow]:
        """The other runs this run can be compared with: those of the same paper."""
        return [r for r in self.siblings if r.exam_paper_id == self.run.exam_paper_id]

    @property
    def kept(self) -> list[ScoringRunItem]:
        return [i for i in self.items if not i.is_excluded]


def run_page(session: Session, actor: Actor, run_id: int) -> RunPage:
    run = get_run(session, actor, run_id)
    paper = session.get(ExamPaper, run.exam_paper_id)
    return RunPage(run, session.get(Sitting, run.sitting_id), run_items(session, run.id),
                   runs(session, actor, run.sitting_id), paper.title if paper else "")


def sitting_page(session: Session, actor: Actor, sitting_id: int) -> tuple[Sitting, list[RunRow], list[tuple[int, str]]]:
    """The sitting, its runs, and the papers its candidates sat (a run scores one of them)."""
    from assessment.delivery.services import require_not_candidate_in
    from scoring.runs.services import papers_sat

    require_role(actor, Role.EXAMINER)
    sitting = session.get(Sitting, sitting_id)
    if sitting is None or sitting.is_practice:
        raise NotFound("There is no such sitting.")
    require_not_candidate_in(session, actor, sitting)
    return sitting, runs(session, actor, sitting_id), papers_sat(session, sitting_id)


@dataclass(frozen=True)
class QualityPage:
    """A run's case-study and local-dependence figures (stored at run time) and, for a cut, the
    decision figures (computed on request from the stored scores: the run itself never changes)."""

    fixed: dict
    cut: float | None
    cut_text: str
    cut_problem: str
    cut_source: str  # "query", "pass mark setting" or ""
    decision: dict | None

    @property
    def flagged(self) -> list[dict]:
        return [p for p in self.fixed.get("dependence", {}).get("pairs", []) if p["flagged"]]


def run_matrix(session: Session, run_id: int, items: list[ScoringRunItem]):
    """The run's stored scores as candidates × kept items, and the kept items' maximum marks."""
    import numpy as np

    kept = [j for j, item in enumerate(items) if not item.is_excluded]
    rows = [[marks[j] for j in kept] for _c, marks, _t in run_scores(session, run_id)]
    return np.array(rows, dtype=float).reshape(len(rows), len(kept)), [items[j].max_mark for j in kept]


def run_quality(session: Session, actor: Actor, run_id: int, cut_text: str | None = None) -> QualityPage:
    """``cut_text`` as typed (``?cut=`` or ``--cut``); without it, the sitting's pass mark setting."""
    from scoring.marking.models import MarkingSetting
    from scoring.runs import quality
    from scoring.runs.services import STATISTICS

    run = get_run(session, actor, run_id)
    items = run_items(session, run.id)
    x, tops = run_matrix(session, run.id, items)
    fixed = (run.settings or {}).get(STATISTICS)
    if fixed is None:  # a run made before these figures were stored: compute them, store nothing
        from item_bank.models import CaseStudyVersion, ItemVersion

        kept = [i for i in items if not i.is_excluded]
        found = dict(session.execute(select(ItemVersion.id, CaseStudyVersion).join(
            CaseStudyVersion, CaseStudyVersion.id == ItemVersion.case_study_version_id)
            .where(ItemVersion.id.in_([i.item_version_id for i in kept]))).all())
        testlets = [f"CS{found[i.item_version_id].case_study_id}" for i in kept]
        titles = {f"CS{v.case_study_id}": v.title for v in found.values()}
        fixed = quality.fixed_statistics(x, [i.label for i in kept], testlets, titles, tops)
    source = ""
    cut_text = (cut_text or "").strip()
    if cut_text:
        source = "query"
    else:
        setting = session.get(MarkingSetting, run.sitting_id)
        if setting is not None and setting.pass_mark is not None:
            cut_text, source = f"{setting.pass_mark:g}", "pass mark setting"
    cut, problem = quality.parse_cut(cut_text, run.max_score)
    decision = quality.decision_figures(x, tops, cut) if cut is not None else None
    return QualityPage(fixed, cut, cut_text, problem, source, decision)
