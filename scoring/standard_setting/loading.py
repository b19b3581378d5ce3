"""Reading an exercise for the services and the queries: the exercise, its judges and round state,
the paper's items, the sitting's latest scoring run, the ratings and grades that count, and the
figures of a round. Access rules live here too, so services and queries check them the same way.

Who may do what: the lead is the examiner who set the exercise up; judges are the accounts on its
judge list, whatever their roles. The lead is not a judge of their own exercise: the lead's
dashboard shows every judge's ratings and the running cut while a round is open, so ratings the
lead gave could not be independent of the panel's."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Forbidden, NotFound
from core.roles import Actor, Role, require_role
from scoring.standard_setting import cuts as cut_rules
from scoring.standard_setting.models import (
    StandardSettingEvent, StandardSettingExercise, StandardSettingGrade, StandardSettingJudge, StandardSettingRating)
from scoring.standard_setting.rules import Grade, Method, RatingKind, RoundState, round_state, spread


# ---- loading -------------------------------------------------------------------------------------

def get_exercise(session: Session, exercise_id: int) -> StandardSettingExercise:
    exercise = session.get(StandardSettingExercise, exercise_id)
    if exercise is None:
        raise NotFound("There is no such standard-setting exercise.")
    return exercise


def judge_ids(session: Session, exercise_id: int) -> list[int]:
    return list(session.scalars(select(StandardSettingJudge.user_id)
                                .where(StandardSettingJudge.exercise_id == exercise_id)
                                .order_by(StandardSettingJudge.id)))


def is_judge(session: Session, actor: Actor, exercise: StandardSettingExercise) -> bool:
    return actor.user_id is not None and actor.user_id in judge_ids(session, exercise.id)


def require_judge(session: Session, actor: Actor, exercise: StandardSettingExercise) -> None:
    if not is_judge(session, actor, exercise):
        raise Forbidden("You are not a judge of this standard-setting exercise.")


def require_lead(actor: Actor, exercise: StandardSettingExercise) -> None:
    require_role(actor, Role.EXAMINER)
    if actor.user_id != exercise.lead_id:
        raise Forbidden("Only the exercise's lead examiner can do this.")


def require_viewer(session: Session, actor: Actor, exercise: StandardSettingExercise) -> None:
    """The lead's dashboard and the record: the lead and examiners who are not judges of the exercise
    (a judge must not see the others' ratings while rounds are open)."""
    require_role(actor, Role.EXAMINER)
    if actor.user_id != exercise.lead_id and is_judge(session, actor, exercise):
        raise Forbidden("You are a judge of this exercise: the panel's ratings are shown to you between rounds.")


def state(session: Session, exercise: StandardSettingExercise) -> RoundState:
    return round_state(session.execute(select(StandardSettingEvent.kind, StandardSettingEvent.round)
                                       .where(StandardSettingEvent.exercise_id == exercise.id)
                                       .order_by(StandardSettingEvent.id)).all(), exercise.n_rounds)


def events(session: Session, exercise_id: int) -> list[StandardSettingEvent]:
    return list(session.scalars(select(StandardSettingEvent).where(StandardSettingEvent.exercise_id == exercise_id)
                                .order_by(StandardSettingEvent.id)))


@dataclass(frozen=True)
class PaperItem:
    position: int
    label: str
    item_id: int
    item_version_id: int
    max_mark: float
    case_study_version_id: int


def paper_items(session: Session, exam_paper_id: int) -> list[PaperItem]:
    """The paper's items in the order a candidate meets them, labelled as scoring runs label them."""
    from item_bank.models import ExamPaper
    from scoring.runs.rules import item_label

    paper = session.get(ExamPaper, exam_paper_id)
    if paper is None:
        raise NotFound("There is no such exam paper.")
    out: list[PaperItem] = []
    for entry in sorted(paper.entries, key=lambda e: e.position):
        for version in sorted(entry.case_study_version.item_versions, key=lambda v: v.position):
            out.append(PaperItem(len(out) + 1, item_label(version.item_id), version.item_id, version.id,
                                 float(version.max_mark), entry.case_study_version_id))
    return out


def latest_run(session: Session, exercise: StandardSettingExercise):
    from scoring.runs.models import ScoringRun

    if exercise.sitting_id is None:
        return None
    return session.scalar(select(ScoringRun).where(ScoringRun.sitting_id == exercise.sitting_id)
                          .order_by(ScoringRun.id.desc()).limit(1))


def run_totals(session: Session, run) -> list[tuple[int, float]]:
    """(attempt, total) of every candidate in the run."""
    from scoring.runs.models import ScoringRunScore

    if run is None:
        return []
    return [tuple(r) for r in session.execute(select(ScoringRunScore.attempt_id, ScoringRunScore.total)
                                              .where(ScoringRunScore.run_id == run.id)
                                              .order_by(ScoringRunScore.attempt_id))]


def latest_ratings(session: Session, exercise_id: int, rnd: int, kind: RatingKind,
                   judge_id: int | None = None) -> dict[tuple[int, str], StandardSettingRating]:
    """The rating that counts per (judge, target): the latest row."""
    query = (select(StandardSettingRating).where(StandardSettingRating.exercise_id == exercise_id,
                                                 StandardSettingRating.round == rnd,
                                                 StandardSettingRating.kind == kind)
             .order_by(StandardSettingRating.id))
    if judge_id is not None:
        query = query.where(StandardSettingRating.judge_id == judge_id)
    return {(r.judge_id, r.target): r for r in session.scalars(query)}


def latest_grades(session: Session, exercise_id: int) -> dict[int, Grade]:
    rows = session.execute(select(StandardSettingGrade.attempt_id, StandardSettingGrade.grade)
                           .where(StandardSettingGrade.exercise_id == exercise_id)
                           .order_by(StandardSettingGrade.id)).all()
    return {attempt: Grade(grade) for attempt, grade in rows}


# ---- the figures of a round ------------------------------------------------------------------------

@dataclass(frozen=True)
class RoundFigures:
    round: int
    cuts: list  # CutFigure, one per method of the exercise
    spread: dict  # label -> Spread of the round's Angoff ratings
    max_score: float
    excluded: tuple[str, ...]
    run_id: int | None


def round_figures(session: Session, exercise: StandardSettingExercise, rnd: int) -> RoundFigures:
    items = paper_items(session, exercise.exam_paper_id)
    run = latest_run(session, exercise)
    excluded = tuple((run.settings or {}).get("exclude", [])) if run is not None else ()
    totals = [t for _a, t in run_totals(session, run)]
    scored_max = run.max_score if run is not None else float(sum(i.max_mark for i in items))
    info = [cut_rules.ItemInfo(i.position, i.label, i.max_mark) for i in items]
    methods = list(exercise.methods)
    figures = []
    angoff_rows = latest_ratings(session, exercise.id, rnd, RatingKind.ANGOFF)
    by_judge: dict[int, dict[str, float]] = {}
    for (judge, label), row in angoff_rows.items():
        by_judge.setdefault(judge, {})[label] = float(row.value)
    if Method.ANGOFF in methods:
        figures.append(cut_rules.angoff_cut(info, by_judge, rnd, excluded=excluded, totals=totals))
    if Method.EBEL in methods:
        categories: dict[int, dict] = {}
        rates: dict[int, dict] = {}
        for (judge, label), row in latest_ratings(session, exercise.id, rnd, RatingKind.EBEL_ITEM).items():
            categories.setdefault(judge, {})[label] = (row.payload["relevance"], row.payload["difficulty"])
        for (judge, cell), row in latest_ratings(session, exercise.id, rnd, RatingKind.EBEL_CELL).items():
            rates.setdefault(judge, {})[tuple(cell.split("/"))] = float(row.value)
        figures.append(cut_rules.ebel_cut(info, categories, rates, rnd, excluded=excluded, totals=totals))
    if Method.HOFSTEE in methods:
        judgements = {j: tuple(row.payload[k] for k in ("min_cut", "max_cut", "min_fail", "max_fail"))
                      for (j, _t), row in latest_ratings(session, exercise.id, rnd, RatingKind.HOFSTEE).items()}
        figures.append(cut_rules.hofstee_cut(judgements, totals, scored_max, rnd))
    if Method.BEUK in methods:
        judgements = {j: (row.payload["cut"], row.payload["pass_rate"])
                      for (j, _t), row in latest_ratings(session, exercise.id, rnd, RatingKind.BEUK).items()}
        figures.append(cut_rules.beuk_cut(judgements, totals, scored_max, rnd))
    if Method.BORDERLINE_REGRESSION in methods or Method.BORDERLINE_GROUP in methods:
        grades = latest_grades(session, exercise.id)
        pairs = [(t, grades[a]) for a, t in run_totals(session, run) if a in grades]
        figures.extend(cut_rules.borderline_cuts(pairs, scored_max, methods))
    spreads = {i.label: spread(r[i.label] for r in by_judge.values() if i.label in r) for i in items}
    return RoundFigures(rnd, figures, spreads, scored_max, excluded, run.id if run is not None else None)


