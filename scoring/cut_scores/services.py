"""Use cases of cut-score decisions that write: recording a decision on a final run of a sitting, and
its approval by a second examiner. Each takes ``actor`` and ``now``, checks everything, flushes and
never commits. Decisions and approvals are append-only: a changed mind is a new decision."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, FieldProblem, Forbidden, NotFound, Problems, ValidationFailed
from core.roles import Actor, Role, require_role
from scoring.cut_scores import rules
from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
from scoring.cut_scores.rules import Method
from scoring.runs.models import ScoringRun
from scoring.runs.services import get_run


def final_run(session: Session, actor: Actor, run_id: int, sitting_id: int | None = None) -> ScoringRun:
    """A run a decision may apply to: of this sitting, and final (marking finished)."""
    run = get_run(session, actor, run_id)
    if sitting_id is not None and run.sitting_id != sitting_id:
        raise ValidationFailed("The run is not of this sitting.",
                               [FieldProblem("scoring_run_id", "Choose a run of this sitting")])
    if run.is_provisional:
        raise ValidationFailed(
            "A provisional run cannot carry a decision.",
            [FieldProblem("scoring_run_id", f"Run {run.id} is provisional (marking of written answers was not "
                                            "finished): a pass mark is decided on a final run")])
    return run


def _exercise(session: Session, exercise_id: int | None, run: ScoringRun, problems: Problems) -> None:
    if exercise_id is None:
        return
    from scoring.standard_setting.models import StandardSettingExercise

    exercise = session.get(StandardSettingExercise, exercise_id)
    if exercise is None:
        problems.add("exercise_id", "There is no such standard-setting exercise")
    elif exercise.exam_paper_id != run.exam_paper_id:
        problems.add("exercise_id", "That exercise set the standard of another paper")


def record_decision(session: Session, *, actor: Actor, sitting_id: int, scoring_run_id: int, method: Method | str,
                    raw_cut: float, standard_error: float | None, k: float, rounding: str, reasons: str,
                    now: dt.datetime, exercise_id: int | None = None, equating: dict | None = None
                    ) -> CutScoreDecision:
    """Record an examiner's decision on the pass mark. Refuses a provisional run and collects every
    problem with the input before refusing."""
    require_role(actor, Role.EXAMINER)
    if actor.user_id is None:
        raise Forbidden("A decision is an examiner's: it needs a person who signed in.")
    run = final_run(session, actor, scoring_run_id, sitting_id)
    problems = Problems()
    try:
        method = Method(method)
    except ValueError:
        problems.add("method", "Choose the method the cut comes from")
    if standard_error is not None and not (standard_error >= 0 and standard_error < run.max_score):
        problems.add("standard_error", f"The standard error must be 0 or more and below {run.max_score:g}")
    reasons = (reasons or "").strip()
    if not reasons:
        problems.add("reasons", "Give the reasons for the decision: they are kept with it for any appeal")
    elif len(reasons) > rules.REASONS_MAX:
        problems.add("reasons", f"Keep the reasons under {rules.REASONS_MAX} characters")
    result = None
    try:
        result = rules.apply_policy(raw_cut, sem=run.sem, k=k, rounding=rounding, max_score=run.max_score)
    except ValueError as error:
        field = "k" if str(error).startswith("k ") or "SEM" in str(error) else (
            "rounding" if "round" in str(error) else "raw_cut")
        problems.add(field, str(error)[:1].upper() + str(error)[1:])
    _exercise(session, exercise_id, run, problems)
    if method == Method.EQUATED and not equating:
        problems.add("method", "An equated cut comes from the equating page, which records where it came from")
    problems.raise_if_any("The decision cannot be recorded")
    decision = CutScoreDecision(
        sitting_id=run.sitting_id, scoring_run_id=run.id, exercise_id=exercise_id, method=method,
        raw_cut=float(raw_cut), standard_error=None if standard_error is None else float(standard_error),
        policy={**rules.policy_of(k, rounding), "sem": run.sem, "adjusted": result.adjusted},
        pass_mark=result.pass_mark, reasons=reasons, decided_by_id=actor.user_id, decided_at=now,
        equating=equating if method == Method.EQUATED else None)
    session.add(decision)
    session.flush()
    audit.record(session, actor=actor, action="cut_scores.decide", target_type="cut_score_decision",
                 target_id=decision.id, after={"sitting": run.sitting_id, "run": run.id, "method": method.value,
                                               "raw_cut": decision.raw_cut, "pass_mark": decision.pass_mark},
                 now=now)
    return decision


def get_decision(session: Session, actor: Actor, decision_id: int) -> CutScoreDecision:
    require_role(actor, Role.EXAMINER)
    decision = session.get(CutScoreDecision, decision_id)
    if decision is None:
        raise NotFound("There is no such cut-score decision.")
    get_run(session, actor, decision.scoring_run_id)  # an examiner sitting the exam sees nothing of it
    return decision


def approve_decision(session: Session, *, actor: Actor, decision_id: int, comment: str, now: dt.datetime
                     ) -> CutScoreApproval:
    """A second examiner approves the decision; the sitting's marking pass mark takes its pass mark."""
    from scoring.marking.services import apply_approved_pass_mark

    decision = get_decision(session, actor, decision_id)
    if actor.user_id is None or actor.user_id == decision.decided_by_id:
        raise Forbidden("A decision is approved by a second examiner, never by the one who made it.")
    if session.scalar(select(CutScoreApproval.id).where(CutScoreApproval.decision_id == decision.id)) is not None:
        raise Conflict("This decision has already been approved.")
    later = session.scalar(select(CutScoreDecision.id).where(
        CutScoreDecision.scoring_run_id == decision.scoring_run_id, CutScoreDecision.id > decision.id).limit(1))
    if later is not None:
        raise Conflict(f"A later decision ({later}) on the same run supersedes this one: approve that one instead.")
    comment = (comment or "").strip()
    if len(comment) > rules.COMMENT_MAX:
        raise ValidationFailed("The comment is too long.",
                               [FieldProblem("comment", f"Keep the comment under {rules.COMMENT_MAX} characters")])
    approval = CutScoreApproval(decision_id=decision.id, approved_by_id=actor.user_id, approved_at=now,
                                comment=comment)
    session.add(approval)
    session.flush()
    audit.record(session, actor=actor, action="cut_scores.approve", target_type="cut_score_decision",
                 target_id=decision.id, after={"pass_mark": decision.pass_mark, "comment": comment}, now=now)
    from scoring.cut_scores.queries import approved_decision

    standing = approved_decision(session, decision.sitting_id)  # the latest approved decision of the sitting
    apply_approved_pass_mark(session, actor, decision.sitting_id, standing.pass_mark, now, standing.id)
    return approval


def record_equated_decision(session: Session, *, actor: Actor, from_run_id: int, to_run_id: int, link: str,
                            k: float, rounding: str, reasons: str, now: dt.datetime) -> CutScoreDecision:
    """Record the standard carried from ``from_run`` (its approved decision) onto ``to_run`` as a
    decision with method "equated": the cut is the equating's, never typed, and the decision keeps
    where it came from (runs, decision, link, θ, anchors and their displacement)."""
    from scoring.cut_scores.queries import equate_runs

    run = final_run(session, actor, to_run_id)
    view = equate_runs(session, actor, from_run_id, run.id, link)
    if view.result is None:
        raise ValidationFailed("The equating cannot be done.", [FieldProblem("link", view.problem)])
    return record_decision(session, actor=actor, sitting_id=run.sitting_id, scoring_run_id=run.id,
                           method=Method.EQUATED, raw_cut=view.result.equated_cut, standard_error=None, k=k,
                           rounding=rounding, reasons=reasons, now=now, equating=view.record())
