"""What the results pages read: the examiners' results board of a sitting, the release form's
choices and its confirmation, and a candidate's own result (role checks included)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.roles import Actor, Role, require_role
from assessment.accounts.models import User
from assessment.delivery.models import Attempt, Sitting
from assessment.results import rules
from assessment.results.models import CandidateResult, ResultRelease
from assessment.results.services import (check_release, current_release, examined_sitting, examiner_actions,
                                         invigilation_pending)
from item_bank.framework.models import Theme
from proctoring.review.queries import has_outcome
from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
from scoring.marking.models import Script
from scoring.runs.models import ScoringRun, ScoringRunItem, ScoringRunScore

OPEN_SCRIPT_WORDS = {
    "unmarked": "Awaiting the first and second markers",
    "marked_once": "Awaiting the second marker",
    "awaiting_third": "Awaiting the third marker",
}
OPEN_APPEAL_REMARK = "Awaiting a re-mark after an appeal"


@dataclass(frozen=True)
class SittingRow:
    id: int
    title: str
    closes_at: dt.datetime
    n_runs: int
    released_at: dt.datetime | None


def sittings(session: Session, actor: Actor) -> list[SittingRow]:
    """Real sittings, newest first, with their runs and whether results are out."""
    require_role(actor, Role.EXAMINER)
    runs = dict(session.execute(select(ScoringRun.sitting_id, func.count()).group_by(ScoringRun.sitting_id)).all())
    released = dict(session.execute(select(ResultRelease.sitting_id, func.max(ResultRelease.released_at))
                                    .group_by(ResultRelease.sitting_id)).all())
    return [SittingRow(s.id, s.title, s.closes_at, runs.get(s.id, 0), released.get(s.id))
            for s in session.scalars(select(Sitting).where(Sitting.is_practice.is_(False))
                                     .order_by(Sitting.opens_at.desc()))]


def candidate_numbers(session: Session, sitting_id: int) -> dict[int, str]:
    """Attempt id → the pseudonymous candidate number markers use; an attempt with no written answer
    has none, and is shown by its attempt number instead (never by name)."""
    numbers = dict(session.execute(select(Script.attempt_id, Script.candidate_number).where(
        Script.sitting_id == sitting_id, Script.seed_of_id.is_(None))).all())
    for (attempt_id,) in session.execute(select(Attempt.id).where(Attempt.sitting_id == sitting_id)):
        numbers.setdefault(attempt_id, f"attempt {attempt_id}")
    return numbers


@dataclass(frozen=True)
class DecisionRow:
    decision: CutScoreDecision
    is_approved: bool


def decisions(session: Session, sitting_id: int) -> list[DecisionRow]:
    approved = set(session.scalars(select(CutScoreApproval.decision_id).join(
        CutScoreDecision, CutScoreDecision.id == CutScoreApproval.decision_id)
        .where(CutScoreDecision.sitting_id == sitting_id)))
    return [DecisionRow(d, d.id in approved) for d in session.scalars(
        select(CutScoreDecision).where(CutScoreDecision.sitting_id == sitting_id).order_by(CutScoreDecision.id.desc()))]


def sitting_runs(session: Session, sitting_id: int) -> list[ScoringRun]:
    return list(session.scalars(select(ScoringRun).where(ScoringRun.sitting_id == sitting_id)
                                .order_by(ScoringRun.id.desc())))


@dataclass(frozen=True)
class NearCut:
    candidate_number: str
    total: float


@dataclass(frozen=True)
class OpenScript:
    candidate_number: str
    slot: int
    waiting_for: str


@dataclass(frozen=True)
class ExaminerDecisionRow:
    candidate_number: str
    action: rules.ExaminerAction
    reasons: str
    decided_by: str
    decided_at: dt.datetime


@dataclass(frozen=True)
class ReleaseRow:
    release: ResultRelease
    released_by: str
    counts: dict[str, int]
    is_current: bool


@dataclass(frozen=True)
class InvigilationOutcomeRow:
    attempt_id: int
    candidate_number: str
    outcome_label: str
    reasons: str
    reviewer: str
    recorded_at: dt.datetime


@dataclass
class Board:
    sitting: Sitting
    runs: list[ScoringRun]
    run: ScoringRun | None
    items: list[ScoringRunItem]
    decisions: list[DecisionRow]
    decision: CutScoreDecision | None  # the newest approved decision: the board's cut
    totals: list[float]
    near_cut: list[NearCut]
    open_scripts: list[OpenScript]
    examiner_decisions: list[ExaminerDecisionRow]
    withheld_or_voided: dict[str, str]  # candidate number → outcome imposed now
    releases: list[ReleaseRow]
    # Invigilation outcomes awaiting an examiner's decision (withheld pending one, or referred for
    # misconduct) with no examiner decision since; a release is refused while any is listed. A flag
    # or an outcome alone never withholds or voids a result.
    invigilation_outcomes: list[InvigilationOutcomeRow] = field(default_factory=list)

    @property
    def pass_mark(self) -> float | None:
        return self.decision.pass_mark if self.decision else None

    @property
    def pass_rate(self) -> float | None:
        return None if self.pass_mark is None else rules.pass_rate(self.totals, self.pass_mark)

    @property
    def current(self) -> ReleaseRow | None:
        return next((r for r in self.releases if r.is_current), None)


def board(session: Session, actor: Actor, sitting_id: int, run_id: int | None = None,
          now: dt.datetime | None = None) -> Board:
    from scoring.marking.queries import open_appeal_scripts, script_outcomes

    sitting = examined_sitting(session, actor, sitting_id)
    runs = sitting_runs(session, sitting.id)
    run = next((r for r in runs if r.id == run_id), None) if run_id else None
    if run_id and run is None:
        raise NotFound("There is no such scoring run of this sitting.")
    run = run or next((r for r in runs if not r.is_provisional), runs[0] if runs else None)
    rows = decisions(session, sitting.id)
    decision = next((d.decision for d in rows if d.is_approved), None)
    numbers = candidate_numbers(session, sitting.id)
    totals: list[tuple[int, float]] = []
    items: list[ScoringRunItem] = []
    if run is not None:
        items = sorted(run.items, key=lambda i: i.position)
        totals = [tuple(r) for r in session.execute(select(ScoringRunScore.attempt_id, ScoringRunScore.total)
                                                    .where(ScoringRunScore.run_id == run.id))]
    near = []
    if decision is not None and run is not None:
        near = sorted((NearCut(numbers.get(a, f"attempt {a}"), t) for a, t in totals
                       if rules.near_cut(t, decision.pass_mark, run.sem)), key=lambda n: (n.total, n.candidate_number))
    scripts = {s.id: s for s in session.scalars(select(Script).where(Script.sitting_id == sitting.id,
                                                                     Script.seed_of_id.is_(None)))}
    open_scripts = []
    if scripts:
        for script_id, outcome in script_outcomes(session, sitting.id, now=now).items():
            if outcome.status.value in OPEN_SCRIPT_WORDS:
                script = scripts[script_id]
                open_scripts.append(OpenScript(script.candidate_number, script.slot,
                                               OPEN_SCRIPT_WORDS[outcome.status.value]))
    # Re-marks after an appeal upheld for one: resolved before, open again until a fresh examiner marks them.
    open_scripts.extend(OpenScript(s.candidate_number, s.slot, OPEN_APPEAL_REMARK)
                        for s in open_appeal_scripts(session, sitting.id))
    open_scripts.sort(key=lambda o: (o.candidate_number, o.slot))
    names = {}
    history = examiner_actions(session, sitting.id)
    people = {r.decided_by_id for rows_ in history.values() for r in rows_}
    releases = list(session.scalars(select(ResultRelease).where(ResultRelease.sitting_id == sitting.id)
                                    .order_by(ResultRelease.id.desc())))
    people |= {r.released_by_id for r in releases}
    if people:
        names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(people))).all())
    examiner_rows = sorted((ExaminerDecisionRow(numbers.get(a, f"attempt {a}"), rules.ExaminerAction(r.action),
                                                r.reasons, names.get(r.decided_by_id, "?"), r.decided_at)
                            for a, rows_ in history.items() for r in rows_), key=lambda e: e.decided_at, reverse=True)
    imposed = {numbers.get(a, f"attempt {a}"): outcome.label for a, rows_ in history.items()
               if (outcome := rules.standing_outcome([r.action for r in rows_])) is not None}
    counts = {}
    if releases:
        for release_id, outcome, n in session.execute(
                select(CandidateResult.release_id, CandidateResult.outcome, func.count())
                .where(CandidateResult.release_id.in_([r.id for r in releases]))
                .group_by(CandidateResult.release_id, CandidateResult.outcome)):
            counts.setdefault(release_id, {})[outcome] = n
    release_rows = [ReleaseRow(r, names.get(r.released_by_id, "?"), counts.get(r.id, {}), index == 0)
                    for index, r in enumerate(releases)]
    pending = [InvigilationOutcomeRow(p.attempt_id, numbers.get(p.attempt_id, f"attempt {p.attempt_id}"),
                                      p.outcome_label, p.reasons, p.reviewer, p.recorded_at)
               for p in invigilation_pending(session, sitting.id)]
    return Board(sitting, runs, run, items, rows, decision, [t for _a, t in totals], near, open_scripts,
                 examiner_rows, imposed, release_rows, pending)


@dataclass(frozen=True)
class AttemptChoice:
    attempt_id: int
    candidate_number: str


def attempt_choices(session: Session, actor: Actor, sitting_id: int) -> tuple[Sitting, list[AttemptChoice]]:
    sitting = examined_sitting(session, actor, sitting_id)
    numbers = candidate_numbers(session, sitting.id)
    return sitting, sorted((AttemptChoice(a, n) for a, n in numbers.items()), key=lambda c: c.candidate_number)


@dataclass(frozen=True)
class ReleaseChoices:
    sitting: Sitting
    runs: list[ScoringRun]
    decisions: list[DecisionRow]
    previous: ResultRelease | None


def release_choices(session: Session, actor: Actor, sitting_id: int) -> ReleaseChoices:
    sitting = examined_sitting(session, actor, sitting_id)
    return ReleaseChoices(sitting, sitting_runs(session, sitting.id), decisions(session, sitting.id),
                          current_release(session, sitting.id))


@dataclass(frozen=True)
class ReleasePreview:
    sitting: Sitting
    run: ScoringRun
    decision: CutScoreDecision
    previous: ResultRelease | None
    counts: dict[str, int]  # outcome value → candidates
    reasons: str


def release_preview(session: Session, actor: Actor, sitting_id: int, run_id: int | None, decision_id: int | None,
                    reasons: str) -> ReleasePreview:
    """What a release would do, for the confirmation page; the same refusals as the release itself."""
    sitting = examined_sitting(session, actor, sitting_id)
    run, decision, previous = check_release(session, sitting, run_id, decision_id, reasons)
    imposed = {a: rules.standing_outcome([r.action for r in rows])
               for a, rows in examiner_actions(session, sitting.id).items()}
    counts = {o.value: 0 for o in rules.Outcome}
    for attempt_id, total in session.execute(select(ScoringRunScore.attempt_id, ScoringRunScore.total)
                                             .where(ScoringRunScore.run_id == run.id)):
        counts[rules.outcome_of(total, decision.pass_mark, imposed.get(attempt_id)).value] += 1
    return ReleasePreview(sitting, run, decision, previous, counts, (reasons or "").strip())


# --- The candidate's side ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThemeLine:
    code: str
    title: str
    standing: rules.Standing


@dataclass(frozen=True)
class CandidateResultPage:
    sitting: Sitting
    attempt: Attempt
    candidate_name: str
    release: ResultRelease | None
    result: CandidateResult | None
    themes: list[ThemeLine]
    has_incident_report: bool = False  # an invigilation outcome exists: the candidate may read the report

    @property
    def outcome(self) -> rules.Outcome | None:
        return rules.Outcome(self.result.outcome) if self.result else None


def _own_attempt(session: Session, actor: Actor, sitting_id: int) -> Attempt:
    require_role(actor, Role.CANDIDATE)
    attempt = session.scalar(select(Attempt).where(Attempt.sitting_id == sitting_id,
                                                   Attempt.candidate_id == actor.user_id,
                                                   Attempt.is_practice.is_(False)).order_by(Attempt.id.desc()).limit(1))
    if attempt is None:
        raise NotFound("You have no result for this sitting.")
    return attempt


def candidate_result(session: Session, actor: Actor, sitting_id: int) -> CandidateResultPage:
    """The signed-in candidate's own result in a sitting: nothing before release; only theirs."""
    attempt = _own_attempt(session, actor, sitting_id)
    release = current_release(session, sitting_id)
    result = None
    if release is not None:
        result = session.scalar(select(CandidateResult).where(CandidateResult.release_id == release.id,
                                                              CandidateResult.attempt_id == attempt.id))
    themes = []
    if result is not None and result.theme_feedback:
        titles = {}
        for code, title in session.execute(select(Theme.code, Theme.title).order_by(Theme.id)):
            titles[code] = title  # the newest framework version's title wins
        themes = [ThemeLine(code, titles.get(code, f"Theme {code}"), rules.Standing(value))
                  for code, value in result.theme_feedback.items()]
    person = session.get(User, actor.user_id)
    return CandidateResultPage(attempt.sitting, attempt, person.full_name if person else "", release, result, themes,
                               has_outcome(session, attempt))


@dataclass(frozen=True)
class MyResult:
    sitting_id: int
    title: str
    released_at: dt.datetime | None


def my_results(session: Session, actor: Actor) -> list[MyResult]:
    """The candidate's real sittings with an ended or started attempt, and whether results are out."""
    if not actor.has(Role.CANDIDATE):
        return []
    sittings_ = list(session.execute(select(Sitting.id, Sitting.title).join(Attempt, Attempt.sitting_id == Sitting.id)
                                     .where(Attempt.candidate_id == actor.user_id, Attempt.is_practice.is_(False))
                                     .distinct().order_by(Sitting.id.desc())))
    released = dict(session.execute(select(ResultRelease.sitting_id, func.max(ResultRelease.released_at))
                                    .where(ResultRelease.sitting_id.in_([s for s, _t in sittings_]))
                                    .group_by(ResultRelease.sitting_id)).all()) if sittings_ else {}
    return [MyResult(s, t, released.get(s)) for s, t in sittings_]

