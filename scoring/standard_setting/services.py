"""Use cases of a standard-setting exercise: set it up, add judges, rate (Angoff, Ebel, Hofstee,
Beuk), close a round (recording what judges will see and the round's cuts), release performance
data, open the next round, record global grades. Every write is appended; nothing is updated.

Who may do what is checked here (with the rules in ``loading``) and in the routes."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from core.roles import Actor, Role, require_role
from scoring.standard_setting.loading import (  # noqa: F401 - the readers, for the queries and views too
    PaperItem, RoundFigures, events, get_exercise, is_judge, judge_ids, latest_grades, latest_ratings, latest_run,
    paper_items, require_judge, require_lead, require_viewer, round_figures, run_totals, state)
from scoring.standard_setting.models import (
    StandardSettingEvent, StandardSettingExercise, StandardSettingGrade, StandardSettingJudge, StandardSettingRating)
from scoring.standard_setting.rules import (
    DIFFICULTY, JUDGED, MAX_ROUNDS, NEEDS_SCORES, RELEVANCE, EventKind, Method, RatingKind, parse_grades,
    parse_percentage, parse_rating)

TITLE_MAX = 200


# ---- writes ----------------------------------------------------------------------------------------

def create_exercise(session: Session, *, actor: Actor, now: dt.datetime, title: str, exam_paper_id: int | None,
                    sitting_id: int | None, methods, n_rounds: int, shows_spread: bool, shows_performance: bool,
                    judge_emails=()) -> StandardSettingExercise:
    from assessment.delivery.models import Sitting, SittingPaper
    from item_bank.models import ExamPaper

    require_role(actor, Role.EXAMINER)
    problems: list[FieldProblem] = []
    title = (title or "").strip()
    if not title:
        problems.append(FieldProblem("title", "Enter a title for the exercise"))
    elif len(title) > TITLE_MAX:
        problems.append(FieldProblem("title", f"Keep the title under {TITLE_MAX} characters"))
    paper = session.get(ExamPaper, exam_paper_id) if exam_paper_id else None
    if paper is None:
        problems.append(FieldProblem("exam_paper_id", "Choose the exam paper"))
    sitting = None
    if sitting_id:
        sitting = session.get(Sitting, sitting_id)
        if sitting is None or sitting.is_practice:
            problems.append(FieldProblem("sitting_id", "Choose a sitting from the list"))
            sitting = None
        elif paper is not None and not session.scalar(select(SittingPaper.sitting_id).where(
                SittingPaper.sitting_id == sitting.id, SittingPaper.exam_paper_id == paper.id)):
            problems.append(FieldProblem("sitting_id", "That sitting did not use the chosen paper"))
    try:
        chosen = [Method(m) for m in dict.fromkeys(methods or ())]
    except ValueError:
        chosen = []
        problems.append(FieldProblem("methods", "Choose methods from the list"))
    if not chosen and not any(p.field == "methods" for p in problems):
        problems.append(FieldProblem("methods", "Choose at least one method"))
    if sitting_id is None and any(m in NEEDS_SCORES for m in chosen):
        problems.append(FieldProblem("sitting_id", "Hofstee, Beuk and the borderline methods need a scored sitting: "
                                                   "choose one"))
    if not isinstance(n_rounds, int) or not 1 <= n_rounds <= MAX_ROUNDS:
        problems.append(FieldProblem("n_rounds", f"Choose from 1 to {MAX_ROUNDS} rounds"))
    users = []
    for email in judge_emails:
        user = _account(session, email)
        if user is None:
            problems.append(FieldProblem("judges", f"There is no account for {email}"))
        elif user.id == actor.user_id:
            problems.append(FieldProblem("judges", "You lead the exercise, so you cannot also be one of its judges"))
        else:
            users.append(user)
    if problems:
        raise ValidationFailed("The exercise cannot be set up", problems)
    exercise = StandardSettingExercise(title=title, exam_paper_id=paper.id, sitting_id=sitting.id if sitting else None,
                                       lead_id=actor.user_id, created_at=now, methods=[m.value for m in chosen],
                                       n_rounds=n_rounds, shows_spread=bool(shows_spread),
                                       shows_performance=bool(shows_performance) and sitting is not None)
    session.add(exercise)
    session.flush()
    for user in dict((u.id, u) for u in users).values():
        _add_judge(session, actor, now, exercise, user)
    audit.record(session, actor=actor, action="standard_setting.created", target_type="standard_setting_exercise",
                 target_id=exercise.id, after={"title": title, "methods": exercise.methods, "rounds": n_rounds},
                 now=now)
    return exercise


def _account(session: Session, email: str):
    from assessment.accounts.services import find_user_by_email

    return find_user_by_email(session, (email or "").strip())


def _add_judge(session: Session, actor: Actor, now: dt.datetime, exercise, user) -> StandardSettingJudge:
    from assessment.delivery.models import Attempt, Booking

    if exercise.sitting_id is not None and (
            session.scalar(select(Booking.id).where(Booking.sitting_id == exercise.sitting_id,
                                                    Booking.candidate_id == user.id).limit(1))
            or session.scalar(select(Attempt.id).where(Attempt.sitting_id == exercise.sitting_id,
                                                       Attempt.candidate_id == user.id).limit(1))):
        raise ValidationFailed("The judge cannot be added", [FieldProblem(
            "email", f"{user.email} is a candidate in the exercise's sitting, so cannot judge it")])
    from core.notifications import notify

    judge = StandardSettingJudge(exercise_id=exercise.id, user_id=user.id, added_by_id=actor.user_id, added_at=now)
    session.add(judge)
    session.flush()
    notify(session, user_id=user.id, now=now, link=f"/standard-setting/{exercise.id}/judge",
           message=f"You are a judge of the standard-setting exercise “{exercise.title}”.")
    return judge


def add_judge(session: Session, *, actor: Actor, now: dt.datetime, exercise_id: int, email: str) -> StandardSettingJudge:
    exercise = get_exercise(session, exercise_id)
    require_lead(actor, exercise)
    if state(session, exercise).is_finished:
        raise Conflict("The exercise is finished: no judge can join it now.")
    user = _account(session, email)
    if user is None:
        raise ValidationFailed("The judge cannot be added", [FieldProblem("email", f"There is no account for {email}")])
    if user.id == exercise.lead_id:
        raise ValidationFailed("The judge cannot be added", [FieldProblem(
            "email", "You lead the exercise, so you cannot also be one of its judges")])
    if user.id in judge_ids(session, exercise.id):
        raise ValidationFailed("The judge cannot be added", [FieldProblem("email", f"{user.email} is already a judge")])
    judge = _add_judge(session, actor, now, exercise, user)
    audit.record(session, actor=actor, action="standard_setting.judge_added", target_type="standard_setting_exercise",
                 target_id=exercise.id, after={"judge": user.id}, now=now)
    return judge


def _open_round_for_judge(session: Session, actor: Actor, exercise_id: int, method: Method):
    exercise = get_exercise(session, exercise_id)
    require_judge(session, actor, exercise)
    if method.value not in exercise.methods:
        raise NotFound(f"This exercise does not use the {method.label} method.")
    current = state(session, exercise)
    if not current.is_open:
        raise Conflict(f"Round {current.round} is closed: ratings can no longer be changed.")
    return exercise, current.round


def _append(session: Session, *, exercise, actor, rnd, kind, target="", value=None, payload=None, now,
            previous=None) -> StandardSettingRating | None:
    """Append a rating unless it equals the one that counts (a repeated save writes nothing)."""
    payload = payload or {}
    if previous is not None and previous.value == value and (previous.payload or {}) == payload:
        return None
    row = StandardSettingRating(exercise_id=exercise.id, judge_id=actor.user_id, round=rnd, kind=kind, target=target,
                                value=value, payload=payload, created_at=now)
    session.add(row)
    session.flush()
    return row


def rate_angoff(session: Session, *, actor: Actor, now: dt.datetime, exercise_id: int, position: int,
                text: str) -> StandardSettingRating | None:
    exercise, rnd = _open_round_for_judge(session, actor, exercise_id, Method.ANGOFF)
    items = paper_items(session, exercise.exam_paper_id)
    if not 1 <= position <= len(items):
        raise NotFound("There is no such item on the paper.")
    item = items[position - 1]
    try:
        value = parse_rating(text, item.max_mark)
    except ValueError as error:
        raise ValidationFailed("The rating was not saved", [FieldProblem("rating", str(error))]) from None
    previous = latest_ratings(session, exercise.id, rnd, RatingKind.ANGOFF, actor.user_id).get((actor.user_id, item.label))
    return _append(session, exercise=exercise, actor=actor, rnd=rnd, kind=RatingKind.ANGOFF, target=item.label,
                   value=value, now=now, previous=previous)


def rate_ebel(session: Session, *, actor: Actor, now: dt.datetime, exercise_id: int, categories: dict,
              rates: dict) -> int:
    """``categories``: {label: (relevance, difficulty)}; ``rates``: {(relevance, difficulty): text %}
    for the cells the judge used. Returns the number of rows appended."""
    exercise, rnd = _open_round_for_judge(session, actor, exercise_id, Method.EBEL)
    labels = [i.label for i in paper_items(session, exercise.exam_paper_id)]
    problems: list[FieldProblem] = []
    clean_cats: dict[str, tuple[str, str]] = {}
    for label in labels:
        rel, dif = categories.get(label, ("", ""))
        if rel not in RELEVANCE or dif not in DIFFICULTY:
            problems.append(FieldProblem(f"item-{label}", f"Choose the relevance and difficulty of {label}"))
        else:
            clean_cats[label] = (rel, dif)
    clean_rates: dict[tuple[str, str], float] = {}
    for cell in sorted(set(clean_cats.values())):
        try:
            clean_rates[cell] = parse_percentage(rates.get(cell, ""), name=f"expected success for {cell[0]}, {cell[1]}")
        except ValueError as error:
            problems.append(FieldProblem(f"cell-{cell[0]}-{cell[1]}", str(error)))
    if problems:
        raise ValidationFailed("The Ebel judgements were not saved", problems)
    old_items = latest_ratings(session, exercise.id, rnd, RatingKind.EBEL_ITEM, actor.user_id)
    old_cells = latest_ratings(session, exercise.id, rnd, RatingKind.EBEL_CELL, actor.user_id)
    written = 0
    for label, (rel, dif) in clean_cats.items():
        written += _append(session, exercise=exercise, actor=actor, rnd=rnd, kind=RatingKind.EBEL_ITEM, target=label,
                           payload={"relevance": rel, "difficulty": dif}, now=now,
                           previous=old_items.get((actor.user_id, label))) is not None
    for (rel, dif), value in clean_rates.items():
        target = f"{rel}/{dif}"
        written += _append(session, exercise=exercise, actor=actor, rnd=rnd, kind=RatingKind.EBEL_CELL, target=target,
                           value=value, now=now, previous=old_cells.get((actor.user_id, target))) is not None
    return written


def rate_compromise(session: Session, *, actor: Actor, now: dt.datetime, exercise_id: int, method: Method,
                    texts: dict) -> StandardSettingRating | None:
    """Hofstee: min_cut, max_cut (% of the maximum mark), min_fail, max_fail (% of candidates).
    Beuk: cut (% of the maximum mark), pass_rate (% of candidates)."""
    method = Method(method)
    if method not in (Method.HOFSTEE, Method.BEUK):
        raise NotFound("There is no such judgement.")
    exercise, rnd = _open_round_for_judge(session, actor, exercise_id, method)
    names = {"min_cut": "lowest acceptable pass mark", "max_cut": "highest acceptable pass mark",
             "min_fail": "lowest acceptable fail rate", "max_fail": "highest acceptable fail rate",
             "cut": "pass mark", "pass_rate": "expected pass rate"}
    fields = ("min_cut", "max_cut", "min_fail", "max_fail") if method is Method.HOFSTEE else ("cut", "pass_rate")
    problems: list[FieldProblem] = []
    values: dict[str, float] = {}
    for name in fields:
        try:
            values[name] = parse_percentage(texts.get(name, ""), name=names[name])
        except ValueError as error:
            problems.append(FieldProblem(name, str(error)))
    if method is Method.HOFSTEE and not problems:
        if not values["min_cut"] < values["max_cut"]:
            problems.append(FieldProblem("max_cut", "The highest acceptable pass mark must be above the lowest"))
        if not values["min_fail"] < values["max_fail"]:
            problems.append(FieldProblem("max_fail", "The highest acceptable fail rate must be above the lowest"))
    if problems:
        raise ValidationFailed(f"The {method.label} judgement was not saved", problems)
    kind = RatingKind(method.value)
    previous = latest_ratings(session, exercise.id, rnd, kind, actor.user_id).get((actor.user_id, ""))
    return _append(session, exercise=exercise, actor=actor, rnd=rnd, kind=kind, payload=values, now=now,
                   previous=previous)


def _event(session, exercise, actor, now, kind: EventKind, rnd: int, payload: dict, reason: str = ""):
    event = StandardSettingEvent(exercise_id=exercise.id, kind=kind, round=rnd, actor_id=actor.user_id, reason=reason,
                                 payload=payload, created_at=now)
    session.add(event)
    session.flush()
    audit.record(session, actor=actor, action=f"standard_setting.{kind.value}", target_type="standard_setting_exercise",
                 target_id=exercise.id, after={"round": rnd}, now=now)
    return event


def close_round(session: Session, *, actor: Actor, now: dt.datetime, exercise_id: int) -> StandardSettingEvent:
    """Close the open round, recording what judges will see (the spread per item, if the exercise
    shows it) and the round's cuts."""
    exercise = get_exercise(session, exercise_id)
    require_lead(actor, exercise)
    current = state(session, exercise)
    if not current.is_open:
        raise Conflict(f"Round {current.round} is already closed.")
    figures = round_figures(session, exercise, current.round)
    payload = {"cuts": [c.as_dict() for c in figures.cuts], "max_score": figures.max_score,
               "excluded": list(figures.excluded), "run_id": figures.run_id,
               "spread": ({label: [s.n, s.minimum, s.median, s.maximum] for label, s in figures.spread.items()
                           if s is not None} if exercise.shows_spread else {})}
    return _event(session, exercise, actor, now, EventKind.ROUND_CLOSED, current.round, payload)


def release_performance(session: Session, *, actor: Actor, now: dt.datetime, exercise_id: int) -> StandardSettingEvent:
    """Show judges the sitting's performance data for the round just closed: each item's facility in
    the latest scoring run and the pass rate the round's cut would give."""
    from scoring.runs.models import ScoringRunItem

    exercise = get_exercise(session, exercise_id)
    require_lead(actor, exercise)
    current = state(session, exercise)
    if not exercise.shows_performance:
        raise Conflict("This exercise does not show performance data to its judges.")
    if current.is_open:
        raise Conflict("Close the round first: performance data is shown between rounds.")
    if current.round in current.released:
        raise Conflict(f"Performance data for round {current.round} has already been released.")
    run = latest_run(session, exercise)
    if run is None:
        raise Conflict("The sitting has no scoring run yet, so there is no performance data.")
    closed = [e for e in events(session, exercise.id) if e.kind == EventKind.ROUND_CLOSED and e.round == current.round][-1]
    facility = {i.label: i.facility for i in session.scalars(select(ScoringRunItem).where(ScoringRunItem.run_id == run.id))}
    impacts = [{"method": c["method"], "cut": c["cut"], "pass_rate": c["pass_rate"]}
               for c in closed.payload.get("cuts", []) if c.get("cut") is not None]
    payload = {"run_id": run.id, "n_candidates": run.n_candidates, "facility": facility, "impact": impacts}
    return _event(session, exercise, actor, now, EventKind.PERFORMANCE_RELEASED, current.round, payload)


def open_next_round(session: Session, *, actor: Actor, now: dt.datetime, exercise_id: int) -> StandardSettingEvent:
    exercise = get_exercise(session, exercise_id)
    require_lead(actor, exercise)
    current = state(session, exercise)
    if current.is_open:
        raise Conflict(f"Round {current.round} is still open.")
    if current.is_finished:
        raise Conflict(f"The exercise had {exercise.n_rounds} round{'s' if exercise.n_rounds != 1 else ''}: it is finished.")
    return _event(session, exercise, actor, now, EventKind.ROUND_OPENED, current.round + 1, {})


def record_grades(session: Session, *, actor: Actor, now: dt.datetime, exercise_id: int, text: str) -> int:
    """Global grades per script (attempt number, fail / borderline / pass) as CSV lines; a grade equal
    to the one that stands writes nothing. Examiners who are not judges of the exercise record them."""
    exercise = get_exercise(session, exercise_id)
    require_viewer(session, actor, exercise)
    if not ({Method.BORDERLINE_REGRESSION.value, Method.BORDERLINE_GROUP.value} & set(exercise.methods)):
        raise Conflict("This exercise uses no borderline method.")
    run = latest_run(session, exercise)
    if run is None:
        raise Conflict("The sitting has no scoring run yet.")
    known = {str(a): a for a, _t in run_totals(session, run)}
    grades, problems = parse_grades(text, known)
    if problems:
        raise ValidationFailed("The grades were not recorded", [FieldProblem("grades", p) for p in problems])
    standing = latest_grades(session, exercise.id)
    written = 0
    for attempt, grade in grades.items():
        if standing.get(attempt) == grade:
            continue
        session.add(StandardSettingGrade(exercise_id=exercise.id, attempt_id=attempt, grade=grade,
                                         recorded_by_id=actor.user_id, created_at=now))
        written += 1
    session.flush()
    audit.record(session, actor=actor, action="standard_setting.grades_recorded",
                 target_type="standard_setting_exercise", target_id=exercise.id, after={"grades": written}, now=now)
    return written


def judged_methods(exercise: StandardSettingExercise) -> list[Method]:
    return [Method(m) for m in exercise.methods if Method(m) in JUDGED]
