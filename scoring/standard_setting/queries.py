"""What pages, exports and the cut-score decision read about standard-setting exercises (access
checked here as well as in the routes)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.roles import Actor, Role
from scoring.standard_setting import services
from scoring.standard_setting.models import StandardSettingExercise, StandardSettingJudge, StandardSettingRating
from scoring.standard_setting.rules import (
    DIFFICULTY, JUDGED, RELEVANCE, EventKind, Method, RatingKind, RoundState)
from scoring.standard_setting.loading import PaperItem, RoundFigures


@dataclass(frozen=True)
class ExerciseCut:
    """A cut for the cut-score decision: in marks of the scored paper, with its standard error,
    from the latest closed round of a judged method (``round`` None for the borderline methods)."""

    method: str
    cut: float
    standard_error: float | None
    round: int | None


def exercise_cuts(session: Session, exercise_id: int) -> list[ExerciseCut]:
    """The latest closed round's cut of each judged method and the borderline methods' cuts, as they
    stand against the sitting's latest scoring run (an item excluded since leaves the cut)."""
    exercise = services.get_exercise(session, exercise_id)
    current = services.state(session, exercise)
    out: list[ExerciseCut] = []
    judged = [m for m in exercise.methods if Method(m) in JUDGED]
    seen: set[str] = set()
    figures = {}
    for rnd in sorted(set(current.closed), reverse=True):
        figures[rnd] = services.round_figures(session, exercise, rnd)
        for figure in figures[rnd].cuts:
            if figure.method in judged and figure.method not in seen and figure.cut is not None:
                seen.add(figure.method)
                out.append(ExerciseCut(figure.method, float(figure.cut), figure.standard_error, rnd))
    if set(exercise.methods) - set(judged):
        latest = figures.get(current.round) or services.round_figures(session, exercise, current.round)
        for figure in latest.cuts:
            if figure.round is None and figure.cut is not None:
                out.append(ExerciseCut(figure.method, float(figure.cut), figure.standard_error, None))
    order = {m: n for n, m in enumerate(exercise.methods)}
    return sorted(out, key=lambda c: order.get(c.method, 99))


@dataclass(frozen=True)
class ExerciseRow:
    id: int
    title: str
    paper_title: str
    role: str  # "lead", "judge" or "examiner"
    state: RoundState
    n_rounds: int


def exercises(session: Session, actor: Actor) -> list[ExerciseRow]:
    """The exercises a person leads or judges; examiners see every exercise."""
    from item_bank.models import ExamPaper

    judged = set(session.scalars(select(StandardSettingJudge.exercise_id)
                                 .where(StandardSettingJudge.user_id == actor.user_id)))
    query = select(StandardSettingExercise).order_by(StandardSettingExercise.id.desc())
    if not actor.has(Role.EXAMINER):
        if not judged:
            return []
        query = query.where(StandardSettingExercise.id.in_(judged))
    rows = []
    for exercise in session.scalars(query):
        role = ("lead" if exercise.lead_id == actor.user_id else "judge" if exercise.id in judged else "examiner")
        rows.append(ExerciseRow(exercise.id, exercise.title, session.get(ExamPaper, exercise.exam_paper_id).title, role,
                                services.state(session, exercise), exercise.n_rounds))
    return rows


@dataclass(frozen=True)
class JudgeProgress:
    user_id: int
    name: str
    email: str
    angoff_done: int
    ebel_done: int
    hofstee_done: bool
    beuk_done: bool


@dataclass(frozen=True)
class ClosedRound:
    round: int
    closed_at: object
    payload: dict
    performance: dict | None
    released_at: object = None


@dataclass
class Dashboard:
    exercise: StandardSettingExercise
    paper_title: str
    sitting_title: str | None
    lead_name: str
    state: RoundState
    items: list[PaperItem]
    judges: list[JudgeProgress]
    live: RoundFigures
    closed: list[ClosedRound]
    totals: list[float] = field(default_factory=list)
    histogram: list = field(default_factory=list)
    hofstee: dict | None = None  # judges' means and the curve's inputs for the plot
    n_grades: int = 0

    @property
    def methods(self) -> list[Method]:
        return [Method(m) for m in self.exercise.methods]


def _names(session: Session, ids) -> dict[int, tuple[str, str]]:
    from assessment.accounts.models import User

    ids = list(ids)
    if not ids:
        return {}
    return {u.id: (u.full_name, u.email) for u in session.scalars(select(User).where(User.id.in_(ids)))}


def _closed_rounds(session: Session, exercise_id: int) -> list[ClosedRound]:
    out: dict[int, ClosedRound] = {}
    for event in services.events(session, exercise_id):
        if event.kind == EventKind.ROUND_CLOSED:
            out[event.round] = ClosedRound(event.round, event.created_at, event.payload, None)
        elif event.kind == EventKind.PERFORMANCE_RELEASED and event.round in out:
            prev = out[event.round]
            out[event.round] = ClosedRound(prev.round, prev.closed_at, prev.payload, event.payload, event.created_at)
    return [out[r] for r in sorted(out)]


def dashboard(session: Session, actor: Actor, exercise_id: int) -> Dashboard:
    from assessment.delivery.models import Sitting
    from item_bank.models import ExamPaper

    exercise = services.get_exercise(session, exercise_id)
    services.require_viewer(session, actor, exercise)
    current = services.state(session, exercise)
    items = services.paper_items(session, exercise.exam_paper_id)
    ids = services.judge_ids(session, exercise.id)
    names = _names(session, [*ids, exercise.lead_id])
    counts: dict[tuple[int, str], set] = {}
    rows = session.execute(select(StandardSettingRating.judge_id, StandardSettingRating.kind,
                                  StandardSettingRating.target)
                           .where(StandardSettingRating.exercise_id == exercise.id,
                                  StandardSettingRating.round == current.round)).all()
    for judge, kind, target in rows:
        counts.setdefault((judge, RatingKind(kind).value), set()).add(target)
    judges = [JudgeProgress(j, *names[j], len(counts.get((j, "angoff"), ())), len(counts.get((j, "ebel_item"), ())),
                            bool(counts.get((j, "hofstee"))), bool(counts.get((j, "beuk")))) for j in ids]
    live = services.round_figures(session, exercise, current.round)
    run = services.latest_run(session, exercise)
    totals = [t for _a, t in services.run_totals(session, run)]
    hofstee = None
    if Method.HOFSTEE in exercise.methods and totals:
        rows = services.latest_ratings(session, exercise.id, current.round, RatingKind.HOFSTEE)
        if rows:
            from scoring.standard_setting.cuts import hofstee_means

            lo, hi, f_lo, f_hi = hofstee_means({j: tuple(r.payload[k] for k in ("min_cut", "max_cut", "min_fail",
                                                                                "max_fail"))
                                                for (j, _t), r in rows.items()}, live.max_score)
            cut = next((c.cut for c in live.cuts if c.method == Method.HOFSTEE.value), None)
            hofstee = {"min_cut": lo, "max_cut": hi, "min_fail": f_lo, "max_fail": f_hi, "cut": cut}
    sitting = session.get(Sitting, exercise.sitting_id) if exercise.sitting_id else None
    return Dashboard(exercise, session.get(ExamPaper, exercise.exam_paper_id).title,
                     sitting.title if sitting else None, names[exercise.lead_id][0], current, items, judges, live,
                     _closed_rounds(session, exercise.id), totals, run.histogram if run is not None else [], hofstee,
                     len(services.latest_grades(session, exercise.id)))


@dataclass
class JudgeHome:
    exercise: StandardSettingExercise
    paper_title: str
    state: RoundState
    items: list[PaperItem]
    mine: dict  # label -> fraction (current round)
    mine_by_round: dict  # round -> {label: fraction}
    closed: list[ClosedRound]
    compromise: dict  # method -> payload (current round)
    ebel_done: int

    @property
    def methods(self) -> list[Method]:
        return [Method(m) for m in self.exercise.methods if Method(m) in JUDGED]


def judge_home(session: Session, actor: Actor, exercise_id: int) -> JudgeHome:
    from item_bank.models import ExamPaper

    exercise = services.get_exercise(session, exercise_id)
    services.require_judge(session, actor, exercise)
    current = services.state(session, exercise)
    items = services.paper_items(session, exercise.exam_paper_id)
    by_round: dict[int, dict[str, float]] = {}
    for rnd in range(1, current.round + 1):
        by_round[rnd] = {label: r.value for (_j, label), r in
                         services.latest_ratings(session, exercise.id, rnd, RatingKind.ANGOFF, actor.user_id).items()}
    compromise = {}
    for kind in (RatingKind.HOFSTEE, RatingKind.BEUK):
        row = services.latest_ratings(session, exercise.id, current.round, kind, actor.user_id).get((actor.user_id, ""))
        if row is not None:
            compromise[kind.value] = row.payload
    ebel_done = len(services.latest_ratings(session, exercise.id, current.round, RatingKind.EBEL_ITEM, actor.user_id))
    closed = _closed_rounds(session, exercise.id) if exercise.shows_spread or exercise.shows_performance else []
    return JudgeHome(exercise, session.get(ExamPaper, exercise.exam_paper_id).title, current, items,
                     by_round.get(current.round, {}), by_round, closed, compromise, ebel_done)


@dataclass
class AngoffItemPage:
    exercise: StandardSettingExercise
    state: RoundState
    item: PaperItem
    n_items: int
    preview: dict  # the candidate's view of the item's case study, this item only
    standards: list[tuple[str, str, bool]]  # code, text, is primary
    mine: float | None
    earlier: list[tuple[int, float | None, list | None, float | None]]  # round, my rating, spread, facility


def angoff_item(session: Session, actor: Actor, exercise_id: int, position: int, *, type_names,
                attachment_url) -> AngoffItemPage:
    from item_bank.authoring.queries import candidate_preview
    from item_bank.framework.models import Substandard
    from item_bank.models import CaseStudyVersion, ItemMapping

    exercise = services.get_exercise(session, exercise_id)
    services.require_judge(session, actor, exercise)
    if Method.ANGOFF.value not in exercise.methods:
        raise NotFound("This exercise does not use the Angoff method.")
    current = services.state(session, exercise)
    items = services.paper_items(session, exercise.exam_paper_id)
    if not 1 <= position <= len(items):
        raise NotFound("There is no such item on the paper.")
    item = items[position - 1]
    version = session.get(CaseStudyVersion, item.case_study_version_id)
    preview = candidate_preview([version], type_names=type_names, attachment_url=attachment_url)
    first = next(i.position for i in items if i.case_study_version_id == item.case_study_version_id)
    # The one item being rated, drawn alone (the player numbers it "1 of 1"; the page's heading gives
    # its place on the paper).
    preview = {"case_studies": preview["case_studies"],
               "items": [{**view, "slot": 1} for n, view in enumerate(preview["items"]) if first + n == position]}
    standards = [(code, text, primary) for code, text, primary in session.execute(
        select(Substandard.code, Substandard.text, ItemMapping.is_primary)
        .join(ItemMapping, ItemMapping.substandard_id == Substandard.id)
        .where(ItemMapping.item_version_id == item.item_version_id)
        .order_by(ItemMapping.is_primary.desc(), Substandard.code))]
    mine_rows = services.latest_ratings(session, exercise.id, current.round, RatingKind.ANGOFF, actor.user_id)
    mine = mine_rows.get((actor.user_id, item.label))
    earlier = []
    for closed in _closed_rounds(session, exercise.id):
        if closed.round >= current.round and current.is_open:
            continue
        own = services.latest_ratings(session, exercise.id, closed.round, RatingKind.ANGOFF, actor.user_id)
        row = own.get((actor.user_id, item.label))
        facility = (closed.performance or {}).get("facility", {}).get(item.label) if closed.performance else None
        earlier.append((closed.round, row.value if row else None, closed.payload.get("spread", {}).get(item.label),
                        facility))
    return AngoffItemPage(exercise, current, item, len(items), preview, standards,
                          mine.value if mine else None, earlier)


@dataclass
class EbelPage:
    exercise: StandardSettingExercise
    state: RoundState
    items: list[PaperItem]
    categories: dict  # label -> (relevance, difficulty)
    rates: dict  # "relevance/difficulty" -> fraction
    relevance: tuple = RELEVANCE
    difficulty: tuple = DIFFICULTY


def ebel_page(session: Session, actor: Actor, exercise_id: int) -> EbelPage:
    exercise = services.get_exercise(session, exercise_id)
    services.require_judge(session, actor, exercise)
    if Method.EBEL.value not in exercise.methods:
        raise NotFound("This exercise does not use the Ebel method.")
    current = services.state(session, exercise)
    cats = {label: (r.payload["relevance"], r.payload["difficulty"]) for (_j, label), r in
            services.latest_ratings(session, exercise.id, current.round, RatingKind.EBEL_ITEM, actor.user_id).items()}
    rates = {cell: r.value for (_j, cell), r in
             services.latest_ratings(session, exercise.id, current.round, RatingKind.EBEL_CELL, actor.user_id).items()}
    return EbelPage(exercise, current, services.paper_items(session, exercise.exam_paper_id), cats, rates)


def compromise_page(session: Session, actor: Actor, exercise_id: int, method: Method):
    exercise = services.get_exercise(session, exercise_id)
    services.require_judge(session, actor, exercise)
    method = Method(method)
    if method.value not in exercise.methods or method not in (Method.HOFSTEE, Method.BEUK):
        raise NotFound(f"This exercise does not use the {method.label} method.")
    current = services.state(session, exercise)
    row = services.latest_ratings(session, exercise.id, current.round, RatingKind(method.value),
                                  actor.user_id).get((actor.user_id, ""))
    run = services.latest_run(session, exercise)
    return exercise, current, (row.payload if row else {}), (run.max_score if run is not None else None)


def record_rows(session: Session, actor: Actor, exercise_id: int):
    """Every rating of every round, in the order given, with the judge's name (the record)."""
    exercise = services.get_exercise(session, exercise_id)
    services.require_viewer(session, actor, exercise)
    ratings = list(session.scalars(select(StandardSettingRating)
                                   .where(StandardSettingRating.exercise_id == exercise.id)
                                   .order_by(StandardSettingRating.id)))
    names = _names(session, {r.judge_id for r in ratings})
    return exercise, ratings, names


def setup_choices(session: Session, actor: Actor) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Published papers, and real sittings with the paper(s) they used, for the set-up form."""
    from assessment.delivery.models import Sitting, SittingPaper
    from core.roles import require_role
    from item_bank.models import ExamPaper

    require_role(actor, Role.EXAMINER)
    papers = [(p.id, p.title) for p in session.scalars(select(ExamPaper).where(ExamPaper.is_published.is_(True))
                                                        .order_by(ExamPaper.id))]
    titles = dict(papers)
    sittings = []
    for sitting in session.scalars(select(Sitting).where(Sitting.is_practice.is_(False)).order_by(Sitting.opens_at)):
        used = [titles.get(pid, "") for pid in session.scalars(select(SittingPaper.exam_paper_id)
                                                                .where(SittingPaper.sitting_id == sitting.id))]
        sittings.append((sitting.id, f"{sitting.title} ({', '.join(u for u in used if u)})"))
    return papers, sittings


def judge_attachment(session: Session, actor: Actor, exercise_id: int, attachment_id: int):
    """An attachment of a case study on the exercise's paper, for its judges (who may hold no role,
    so the item bank's own download is closed to them)."""
    from item_bank.models import Attachment

    exercise = services.get_exercise(session, exercise_id)
    services.require_judge(session, actor, exercise)
    attachment = session.get(Attachment, attachment_id)
    versions = {i.case_study_version_id for i in services.paper_items(session, exercise.exam_paper_id)}
    if attachment is None or attachment.case_study_version_id not in versions:
        raise NotFound("There is no such attachment on this paper.")
    return attachment
