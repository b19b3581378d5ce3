"""What pages, the CLI and other packages read about cut-score decisions (role checks included,
except in ``approved_decision``, which results read on the system's behalf)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.errors import NotFound
from core.roles import Actor, Role, require_role
from assessment.accounts.models import User
from assessment.delivery.models import Sitting
from scoring.cut_scores import equating, rules
from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
from scoring.cut_scores.services import get_decision
from scoring.psychometrics.standard_setting.policy import PassMark
from scoring.runs import queries as run_queries
from scoring.runs.models import ScoringRun
from scoring.runs.services import get_run


def approved_decision(session: Session, sitting_id: int, scoring_run_id: int | None = None
                      ) -> CutScoreDecision | None:
    """The decision that stands: the latest approved decision of the sitting (of that run, when
    given). None when nothing has been approved."""
    query = (select(CutScoreDecision).join(CutScoreApproval, CutScoreApproval.decision_id == CutScoreDecision.id)
             .where(CutScoreDecision.sitting_id == sitting_id))
    if scoring_run_id is not None:
        query = query.where(CutScoreDecision.scoring_run_id == scoring_run_id)
    return session.scalar(query.order_by(CutScoreDecision.id.desc()).limit(1))


@dataclass(frozen=True)
class DecisionRow:
    id: int
    sitting_id: int
    sitting_title: str
    scoring_run_id: int
    method: str
    raw_cut: float
    standard_error: float | None
    policy: dict
    pass_mark: float
    decided_by_id: int
    decided_by: str
    decided_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None
    status: rules.Status

    @property
    def method_name(self) -> str:
        return rules.METHOD_NAMES[rules.Method(self.method)]

    def as_dict(self) -> dict:
        return {"id": self.id, "sitting": self.sitting_id, "run": self.scoring_run_id, "method": str(self.method),
                "raw_cut": self.raw_cut, "standard_error": self.standard_error, "policy": self.policy,
                "pass_mark": self.pass_mark, "decided_by": self.decided_by, "decided_at": self.decided_at.isoformat(),
                "approved_by": self.approved_by,
                "approved_at": self.approved_at.isoformat() if self.approved_at else None,
                "status": self.status.value}


def decisions(session: Session, actor: Actor, sitting_id: int | None = None) -> list[DecisionRow]:
    """Every decision (of one sitting, when given), oldest first, with its status."""
    require_role(actor, Role.EXAMINER)
    decider, approver = aliased(User), aliased(User)
    query = (select(CutScoreDecision, Sitting.title, decider.full_name, approver.full_name,
                    CutScoreApproval.approved_at)
             .join(Sitting, Sitting.id == CutScoreDecision.sitting_id)
             .join(decider, decider.id == CutScoreDecision.decided_by_id)
             .outerjoin(CutScoreApproval, CutScoreApproval.decision_id == CutScoreDecision.id)
             .outerjoin(approver, approver.id == CutScoreApproval.approved_by_id)
             .order_by(CutScoreDecision.id))
    if sitting_id is not None:
        if session.get(Sitting, sitting_id) is None:
            raise NotFound("There is no such sitting.")
        query = query.where(CutScoreDecision.sitting_id == sitting_id)
    found = session.execute(query).all()
    status = rules.statuses([rules.DecisionFacts(d.id, d.scoring_run_id, at is not None)
                             for d, _t, _n, _a, at in found])
    return [DecisionRow(d.id, d.sitting_id, title, d.scoring_run_id, str(d.method), d.raw_cut, d.standard_error,
                        d.policy or {}, d.pass_mark, d.decided_by_id, decided_by, d.decided_at, approved_by, at,
                        status[d.id])
            for d, title, decided_by, approved_by, at in found]


@dataclass(frozen=True)
class SittingDecisions:
    sitting: Sitting
    rows: list[DecisionRow]
    final_runs: list[run_queries.RunRow]
    provisional_runs: list[run_queries.RunRow]
    standing: CutScoreDecision | None


def sitting_decisions(session: Session, actor: Actor, sitting_id: int) -> SittingDecisions:
    sitting, runs, _papers = run_queries.sitting_page(session, actor, sitting_id)
    return SittingDecisions(sitting, decisions(session, actor, sitting_id),
                            [r for r in runs if not r.is_provisional], [r for r in runs if r.is_provisional],
                            approved_decision(session, sitting_id))


def run_totals(session: Session, run_id: int) -> list[float]:
    return [total for _c, _m, total in run_queries.run_scores(session, run_id)]


def preview(session: Session, actor: Actor, run_id: int, raw_cut: float, k: float, rounding: str
            ) -> tuple[PassMark, rules.Impact]:
    """The pass mark a decision would give, and its impact on the run (nothing is written).
    ValueError with the policy's message when the numbers do not make a pass mark."""
    run = get_run(session, actor, run_id)
    result = rules.apply_policy(raw_cut, sem=run.sem, k=k, rounding=rounding, max_score=run.max_score)
    return result, rules.impact(run_totals(session, run.id), result.pass_mark, run.sem)


@dataclass(frozen=True)
class DecisionPage:
    decision: CutScoreDecision
    row: DecisionRow
    run: ScoringRun
    approval: CutScoreApproval | None
    impact: rules.Impact
    may_approve: bool
    why_not: str  # why this examiner cannot approve it (empty when they can)
    later: list[DecisionRow]


def decision_page(session: Session, actor: Actor, decision_id: int) -> DecisionPage:
    decision = get_decision(session, actor, decision_id)
    run = session.get(ScoringRun, decision.scoring_run_id)
    rows = decisions(session, actor, decision.sitting_id)
    row = next(r for r in rows if r.id == decision.id)
    approval = session.scalar(select(CutScoreApproval).where(CutScoreApproval.decision_id == decision.id))
    later = [r for r in rows if r.scoring_run_id == decision.scoring_run_id and r.id > decision.id]
    why_not = ""
    if approval is not None:
        why_not = "This decision has been approved."
    elif later:
        why_not = f"A later decision ({later[-1].id}) on the same run supersedes this one."
    elif actor.user_id == decision.decided_by_id:
        why_not = "You made this decision, so a second examiner approves it."
    return DecisionPage(decision, row, run, approval, rules.impact(run_totals(session, run.id), decision.pass_mark,
                                                                   run.sem),
                        not why_not, why_not, later)


# ---- The one place a decision's cut would be pre-filled from a standard-setting exercise ----------

@dataclass(frozen=True)
class ExerciseCutChoice:
    method: str
    cut: float
    standard_error: float | None
    round: int | None


def exercise_cuts(session: Session, exercise_id: int) -> list[ExerciseCutChoice]:
    """The cuts an exercise produced (the latest round of each method), to pre-fill a decision; the
    examiner confirms or changes them and says why."""
    from scoring.standard_setting import queries as exercise_queries

    return [ExerciseCutChoice(str(c.method), float(c.cut), None if c.standard_error is None else float(c.standard_error),
                              c.round) for c in exercise_queries.exercise_cuts(session, exercise_id)]


def exercises_for_sitting(session: Session, sitting_id: int) -> list[tuple[int, str]]:
    """The standard-setting exercises of this sitting, or of a paper its runs scored; newest first."""
    from sqlalchemy import or_

    from scoring.standard_setting.models import StandardSettingExercise

    papers = select(ScoringRun.exam_paper_id).where(ScoringRun.sitting_id == sitting_id)
    return [(e.id, e.title) for e in session.scalars(
        select(StandardSettingExercise).where(or_(StandardSettingExercise.sitting_id == sitting_id,
                                                  StandardSettingExercise.exam_paper_id.in_(papers)))
        .order_by(StandardSettingExercise.id.desc()))]


# ---- Equating -------------------------------------------------------------------------------------

def run_paper(session: Session, run: ScoringRun) -> equating.Paper:
    items = run_queries.run_items(session, run.id)
    matrix, tops = run_queries.run_matrix(session, run.id, items)
    return equating.Paper(matrix, [i.label for i in items if not i.is_excluded], [float(t) for t in tops])


@dataclass(frozen=True)
class EquatingSource:
    run_id: int
    sitting_title: str
    decision: CutScoreDecision


def equating_sources(session: Session, actor: Actor, to_run: ScoringRun) -> list[EquatingSource]:
    """Final runs of other sittings whose standard was approved (the standing decision of that run)."""
    require_role(actor, Role.EXAMINER)
    out = []
    for run_id, title in session.execute(
            select(ScoringRun.id, Sitting.title).join(Sitting, Sitting.id == ScoringRun.sitting_id)
            .where(ScoringRun.sitting_id != to_run.sitting_id, ScoringRun.is_provisional.is_(False))
            .order_by(ScoringRun.id.desc())):
        decision = session.scalar(select(CutScoreDecision).join(CutScoreApproval)
                                  .where(CutScoreDecision.scoring_run_id == run_id)
                                  .order_by(CutScoreDecision.id.desc()).limit(1))
        if decision is not None:
            out.append(EquatingSource(run_id, title, decision))
    return out


@dataclass(frozen=True)
class EquatingView:
    from_run: ScoringRun
    to_run: ScoringRun
    source: CutScoreDecision
    result: equating.Equated | None
    problem: str
    pass_mark: PassMark | None  # the source decision's policy applied to the equated cut on the new run

    def record(self) -> dict:
        """What an equated decision stores about where its cut came from."""
        assert self.result is not None
        return {**self.result.as_dict(), "from_run": self.from_run.id, "from_decision": self.source.id,
                "to_run": self.to_run.id}


def equate_runs(session: Session, actor: Actor, from_run_id: int, to_run_id: int,
                link: str = equating.Link.ANCHORED) -> EquatingView:
    """Carry the standing approved decision of ``from_run`` onto ``to_run``. A problem (no approved
    decision, too few anchors, marks the models cannot use, a calibration that fails) is said in
    ``problem``. Papers with items marked out of more than 1 are equated with the partial credit model."""
    from_run, to_run = get_run(session, actor, from_run_id), get_run(session, actor, to_run_id)
    source = approved_decision(session, from_run.sitting_id, from_run.id)
    if source is None:
        raise NotFound(f"Run {from_run.id} has no approved cut-score decision to carry.")
    if from_run.id == to_run.id:
        return EquatingView(from_run, to_run, source, None, "Choose a run of another paper to equate to.", None)
    try:
        result = equating.equate(run_paper(session, from_run), run_paper(session, to_run), source.raw_cut, link)
    except equating.EquatingRefused as error:
        return EquatingView(from_run, to_run, source, None, str(error), None)
    policy = source.policy or {}
    k = float(policy.get("sem_multiplier", 0.0)) if to_run.sem is not None else 0.0
    mark = rules.apply_policy(result.equated_cut, sem=to_run.sem, k=k, rounding=policy.get("rounding", "up"),
                              max_score=to_run.max_score)
    return EquatingView(from_run, to_run, source, result, "", mark)
