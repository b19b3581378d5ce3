"""What pages, services and other packages read about appeals: the results a candidate may appeal,
one appeal as its audience sees it, the lists, the sources of a conflict of interest, and the
evidence holds a retention job must respect."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from assessment.accounts.models import User
from assessment.delivery.models import Attempt, AttemptEvent, Sitting
from assessment.results.appeals import rules
from assessment.results.appeals.models import (Appeal, AppealEvidence, AppealOutcome, AppealPanel, AppealPanellist,
                                               AppealWithdrawal,
                                               AppealPanelResponse, AppealRemark, ResitEntitlement)
from assessment.results.models import CandidateResult, ExaminerResultDecision, ResultRelease
from core.errors import NotFound
from core.roles import Actor, Role
from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
from scoring.marking.models import Mark, MarkingAllocation, Script
from scoring.marking.queries import RemarkProgress, remark_progress as marking_remark_progress
from scoring.marking.rules import Pool
from scoring.standard_setting.models import StandardSettingExercise, StandardSettingJudge


# --- releases and results --------------------------------------------------------------------------

def standing_release(session: Session, sitting_id: int) -> ResultRelease | None:
    """The latest release of a sitting: the one that stands."""
    return session.scalar(select(ResultRelease).where(ResultRelease.sitting_id == sitting_id)
                          .order_by(ResultRelease.released_at.desc(), ResultRelease.id.desc()).limit(1))


def standing_result(session: Session, attempt_id: int) -> tuple[CandidateResult, ResultRelease] | None:
    """An attempt's result in the release of its sitting that stands (None: not released)."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        return None
    release = standing_release(session, attempt.sitting_id)
    if release is None:
        return None
    result = session.scalar(select(CandidateResult).where(CandidateResult.release_id == release.id,
                                                          CandidateResult.attempt_id == attempt_id))
    return None if result is None else (result, release)


def _closed_ids():
    """The appeals that are over: decided by a panel, or withdrawn by the candidate."""
    return select(AppealOutcome.appeal_id).union(select(AppealWithdrawal.appeal_id))


def open_appeal_of(session: Session, attempt_id: int) -> Appeal | None:
    """The attempt's appeal that is neither decided nor withdrawn, if any."""
    return session.scalar(select(Appeal).where(Appeal.attempt_id == attempt_id, Appeal.id.not_in(
        _closed_ids())).order_by(Appeal.id.desc()).limit(1))


@dataclass(frozen=True)
class AppealableResult:
    result: CandidateResult
    release: ResultRelease
    sitting_title: str
    closes_at: dt.datetime
    open_appeal_id: int | None
    problem: str | None  # why it cannot be appealed now, in words for the candidate


def appealable_results(session: Session, *, actor: Actor, now: dt.datetime, window_days: int
                       ) -> list[AppealableResult]:
    """The candidate's standing results, each with its appeal window and whether an appeal can be made now."""
    attempts = list(session.scalars(select(Attempt).where(Attempt.candidate_id == actor.user_id,
                                                          Attempt.is_practice.is_(False)).order_by(Attempt.id)))
    found = []
    for attempt in attempts:
        standing = standing_result(session, attempt.id)
        if standing is None:
            continue
        result, release = standing
        found.append(_appealable(session, result, release, attempt.sitting.title, now, window_days))
    return found


def _appealable(session: Session, result: CandidateResult, release: ResultRelease, title: str, now: dt.datetime,
                window_days: int) -> AppealableResult:
    open_appeal = open_appeal_of(session, result.attempt_id)
    problem = rules.window_problem(release.released_at, now, window_days)
    if open_appeal is not None:
        problem = "You already have an open appeal against this result. You can follow it below."
    elif problem is None and result.outcome == "withheld":
        problem = ("This result is withheld while an examiner decides on it. You can appeal once the decision "
                   "is released.")
    return AppealableResult(result, release, title, rules.window_closes_at(release.released_at, window_days),
                            open_appeal.id if open_appeal else None, problem)


def appealable_result(session: Session, *, actor: Actor, candidate_result_id: int, now: dt.datetime,
                      window_days: int) -> AppealableResult:
    """One result the candidate is about to appeal. Someone else's result, or one that is not the
    standing result of its attempt, is not found (a result's existence is not told to others)."""
    result = session.get(CandidateResult, candidate_result_id)
    if result is None or result.candidate_id != actor.user_id:
        raise NotFound("There is no such result of yours to appeal.")
    standing = standing_result(session, result.attempt_id)
    if standing is None or standing[0].id != result.id:
        raise NotFound("This result has been replaced by a later release. Appeal the result that stands now.")
    sitting = session.get(Sitting, standing[1].sitting_id)
    return _appealable(session, result, standing[1], sitting.title if sitting else "", now, window_days)


# --- conflicts of interest ---------------------------------------------------------------------------

def conflict_sources(session: Session, attempt_id: int, appeal_id: int | None = None) -> rules.ConflictSources:
    """Everyone who had a hand in an attempt's result, by the part they played; the one place that
    reads them (``rules.conflicts_of`` judges)."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("There is no such attempt.")
    markers = session.scalars(select(Mark.marker_id).join(Script, Script.id == Mark.script_id)
                              .where(Script.attempt_id == attempt_id))
    invigilators = session.scalars(select(AttemptEvent.actor_id).where(
        AttemptEvent.attempt_id == attempt_id, AttemptEvent.actor_id.is_not(None),
        AttemptEvent.actor_id != attempt.candidate_id))
    # Setting the standard: the lead and the judges of an exercise of this sitting, or of the paper sat.
    exercises = select(StandardSettingExercise.id).where(or_(
        StandardSettingExercise.sitting_id == attempt.sitting_id,
        StandardSettingExercise.exam_paper_id == attempt.exam_paper_id))
    setters = {*session.scalars(select(StandardSettingExercise.lead_id).where(StandardSettingExercise.id.in_(exercises))),
               *session.scalars(select(StandardSettingJudge.user_id).where(StandardSettingJudge.exercise_id.in_(exercises)))}
    decisions = select(CutScoreDecision.id).where(CutScoreDecision.sitting_id == attempt.sitting_id)
    examiners = {*session.scalars(select(CutScoreDecision.decided_by_id).where(
                     CutScoreDecision.sitting_id == attempt.sitting_id)),
                 *session.scalars(select(CutScoreApproval.approved_by_id).where(
                     CutScoreApproval.decision_id.in_(decisions))),
                 # A release decides every result in it, withheld and voided ones included.
                 *session.scalars(select(ResultRelease.released_by_id).where(
                     ResultRelease.sitting_id == attempt.sitting_id)),
                 # An examiner who withheld, voided or reinstated this result.
                 *session.scalars(select(ExaminerResultDecision.decided_by_id).where(
                     ExaminerResultDecision.attempt_id == attempt_id))}
    declared: set[int] = set()
    if appeal_id is not None:
        declared = set(session.scalars(
            select(AppealPanellist.user_id).join(AppealPanel, AppealPanel.id == AppealPanellist.panel_id)
            .join(AppealPanelResponse, AppealPanelResponse.panellist_id == AppealPanellist.id)
            .where(AppealPanel.appeal_id == appeal_id, AppealPanelResponse.has_conflict.is_(True))))
    return rules.ConflictSources(candidate_id=attempt.candidate_id, marker_ids=frozenset(markers),
                                 invigilator_ids=frozenset(invigilators), standard_setter_ids=frozenset(setters),
                                 examiner_ids=frozenset(examiners), declared_ids=frozenset(declared))


# --- one appeal ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Member:
    panellist: AppealPanellist
    name: str
    response: AppealPanelResponse | None

    @property
    def state(self) -> str:
        if self.response is None:
            return "Not yet answered"
        return "Declared a conflict" if self.response.has_conflict else "Accepted: no conflict"


@dataclass(frozen=True)
class PanelView:
    panel: AppealPanel
    appointed_by: str
    members: list[Member]

    @property
    def state(self) -> rules.PanelState:
        return rules.PanelState(members=len(self.members),
                                accepted=sum(1 for m in self.members if m.response and not m.response.has_conflict),
                                declined=sum(1 for m in self.members if m.response and m.response.has_conflict))


@dataclass(frozen=True)
class AppealView:
    appeal: Appeal
    candidate_name: str
    sitting_title: str
    result: CandidateResult
    release: ResultRelease
    evidence: list[AppealEvidence]
    panels: list[PanelView]  # oldest first; the last one sits
    outcome: AppealOutcome | None
    outcome_by: str
    remark: AppealRemark | None
    entitlement: ResitEntitlement | None
    status: rules.Status
    scripts: list[str] = field(default_factory=list)  # candidate numbers of the attempt's written answers
    withdrawal: AppealWithdrawal | None = None

    @property
    def panel(self) -> PanelView | None:
        return self.panels[-1] if self.panels else None

    @property
    def ground_labels(self) -> list[str]:
        return [rules.Ground(g).label for g in self.appeal.grounds]

    def member_for(self, user_id: int | None) -> Member | None:
        panel = self.panel
        return next((m for m in panel.members if m.panellist.user_id == user_id), None) if panel else None


def _names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def appeal_view(session: Session, appeal_id: int) -> AppealView:
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound("There is no such appeal.")
    panels = list(session.scalars(select(AppealPanel).where(AppealPanel.appeal_id == appeal.id)
                                  .order_by(AppealPanel.id)))
    panellists = list(session.scalars(select(AppealPanellist).where(
        AppealPanellist.panel_id.in_([p.id for p in panels])).order_by(AppealPanellist.id))) if panels else []
    responses = {r.panellist_id: r for r in session.scalars(select(AppealPanelResponse).where(
        AppealPanelResponse.panellist_id.in_([p.id for p in panellists])))} if panellists else {}
    outcome = session.scalar(select(AppealOutcome).where(AppealOutcome.appeal_id == appeal.id))
    remark = session.scalar(select(AppealRemark).where(AppealRemark.appeal_id == appeal.id))
    withdrawal = session.scalar(select(AppealWithdrawal).where(AppealWithdrawal.appeal_id == appeal.id))
    names = _names(session, [appeal.candidate_id, *(p.user_id for p in panellists),
                             *(p.appointed_by_id for p in panels), outcome.recorded_by_id if outcome else None])
    views = [PanelView(p, names.get(p.appointed_by_id, ""),
                       [Member(m, names.get(m.user_id, ""), responses.get(m.id)) for m in panellists
                        if m.panel_id == p.id]) for p in panels]
    status = rules.appeal_status(views[-1].state if views else None, outcome.outcome if outcome else None,
                                 remarked=remark is not None, withdrawn=withdrawal is not None)
    sitting = session.get(Sitting, appeal.sitting_id)
    scripts = sorted(set(session.scalars(select(Script.candidate_number).where(
        Script.attempt_id == appeal.attempt_id, Script.seed_of_id.is_(None)))))
    return AppealView(
        appeal=appeal, candidate_name=names.get(appeal.candidate_id, ""), sitting_title=sitting.title if sitting else "",
        result=session.get(CandidateResult, appeal.candidate_result_id), release=session.get(ResultRelease,
                                                                                            appeal.release_id),
        evidence=list(session.scalars(select(AppealEvidence).where(AppealEvidence.appeal_id == appeal.id)
                                      .order_by(AppealEvidence.id))),
        panels=views, outcome=outcome, outcome_by=names.get(outcome.recorded_by_id, "") if outcome else "",
        remark=remark, entitlement=session.scalar(select(ResitEntitlement).where(ResitEntitlement.appeal_id == appeal.id)),
        status=status, scripts=scripts, withdrawal=withdrawal)


def is_panellist(session: Session, appeal_id: int, user_id: int | None) -> bool:
    """Whether the person was appointed to any panel of this appeal (a member who declared a conflict
    still reads what they were shown)."""
    if user_id is None:
        return False
    return session.scalar(select(AppealPanellist.id).join(AppealPanel, AppealPanel.id == AppealPanellist.panel_id)
                          .where(AppealPanel.appeal_id == appeal_id, AppealPanellist.user_id == user_id)
                          .limit(1)) is not None


def visible_appeal(session: Session, *, actor: Actor, appeal_id: int) -> AppealView:
    """An appeal for its candidate, an administrator or someone appointed to its panel; for anyone
    else it does not exist."""
    view = appeal_view(session, appeal_id)
    if view.appeal.candidate_id == actor.user_id or actor.has(Role.ADMIN) \
            or is_panellist(session, appeal_id, actor.user_id):
        return view
    raise NotFound("There is no such appeal.")


# --- lists -----------------------------------------------------------------------------------------

def my_appeals(session: Session, *, actor: Actor) -> list[AppealView]:
    """The candidate's own appeals, newest first; never anyone else's."""
    ids = session.scalars(select(Appeal.id).where(Appeal.candidate_id == actor.user_id).order_by(Appeal.id.desc()))
    return [appeal_view(session, i) for i in ids]


def all_appeals(session: Session) -> list[AppealView]:
    """Every appeal, open ones first, each group newest first."""
    views = [appeal_view(session, i) for i in session.scalars(select(Appeal.id).order_by(Appeal.id.desc()))]
    return [v for v in views if v.status.is_open] + [v for v in views if not v.status.is_open]


def my_panels(session: Session, *, actor: Actor) -> list[AppealView]:
    """The appeals whose current panel has this person on it."""
    ids = session.scalars(select(AppealPanel.appeal_id).join(AppealPanellist, AppealPanellist.panel_id == AppealPanel.id)
                          .where(AppealPanellist.user_id == actor.user_id).distinct())
    views = [appeal_view(session, i) for i in sorted(set(ids), reverse=True)]
    return [v for v in views if v.member_for(actor.user_id) is not None]


def remark_requests(session: Session) -> list[AppealView]:
    """Appeals upheld for a re-mark, waiting for the examiners' new run first."""
    ids = session.scalars(select(AppealOutcome.appeal_id).where(
        AppealOutcome.outcome == rules.Outcome.UPHELD_REMARK).order_by(AppealOutcome.id))
    views = [appeal_view(session, i) for i in ids]
    return [v for v in views if v.remark is None] + [v for v in views if v.remark is not None]


@dataclass(frozen=True)
class Person:
    user_id: int
    label: str


def panel_choices(session: Session) -> list[Person]:
    """Everyone who may be proposed for a panel (enabled accounts), registered case managers first;
    the conflict checks happen when the panel is appointed."""
    users = session.scalars(select(User).where(User.is_enabled.is_(True))
                            .order_by(User.is_registered_case_manager.desc(), User.full_name, User.id))
    return [Person(u.id, f"{u.full_name} ({u.email})" + (", registered case manager" if u.is_registered_case_manager
                                                          else "")) for u in users]


def resit_entitlements(session: Session, candidate_id: int) -> list[ResitEntitlement]:
    """The candidate's resits at no cost, granted by appeals (a booking flow with fees honours these)."""
    return list(session.scalars(select(ResitEntitlement).where(ResitEntitlement.candidate_id == candidate_id)
                                .order_by(ResitEntitlement.id)))


def voided_by_appeal(session: Session, sitting_id: int) -> set[int]:
    """Attempts of a sitting that an appeal voided: the next release of the sitting records them as
    voided (release services read this)."""
    return set(session.scalars(select(Appeal.attempt_id).join(AppealOutcome, AppealOutcome.appeal_id == Appeal.id)
                               .where(Appeal.sitting_id == sitting_id,
                                      AppealOutcome.outcome == rules.Outcome.UPHELD_VOID_RESIT)))


# --- evidence holds --------------------------------------------------------------------------------

@dataclass(frozen=True)
class EvidenceHold:
    """Why an attempt's evidence (recordings, snapshots, logs, answers) may not be deleted now."""

    attempt_id: int
    reason: str
    appeal_id: int
    since: dt.datetime


def evidence_holds(session: Session, attempt_id: int) -> list[EvidenceHold]:
    """The holds on an attempt's evidence: one per open appeal. A retention job deletes an attempt's
    evidence only when this is empty (and hears ``appeal_opened`` / ``appeal_closed``)."""
    return [EvidenceHold(a.attempt_id, "An appeal against this attempt's result is open.", a.id, a.lodged_at)
            for a in session.scalars(select(Appeal).where(Appeal.attempt_id == attempt_id, Appeal.id.not_in(
                _closed_ids())).order_by(Appeal.id))]


def held_attempt_ids(session: Session) -> set[int]:
    """Every attempt whose evidence is held by an open appeal, in one query (for a retention sweep)."""
    return set(session.scalars(select(Appeal.attempt_id).where(Appeal.id.not_in(_closed_ids()))))


def remark_progress(session: Session, appeal_id: int) -> RemarkProgress:
    """How far marking has got with the re-mark an appeal asked for (``scoring.marking`` records it)."""
    return marking_remark_progress(session, appeal_id)


def evidence_file(view: AppealView, evidence_id: int) -> AppealEvidence:
    found = next((e for e in view.evidence if e.id == evidence_id), None)
    if found is None:
        raise NotFound("There is no such file.")
    return found


def conflicted_people(session: Session, sources: rules.ConflictSources) -> list[str]:
    """Everyone the conflict rules exclude from a panel, each in a sentence saying why."""
    ids = {sources.candidate_id, *sources.marker_ids, *sources.invigilator_ids, *sources.standard_setter_ids,
           *sources.examiner_ids, *sources.declared_ids}
    names = _names(session, ids)
    return [rules.conflict_sentence(names.get(i, f"Person {i}"), rules.conflicts_of(i, sources))
            for i in sorted(ids, key=lambda i: (names.get(i, ""), i))]


def marking_leads(session: Session, sitting_id: int) -> list[int]:
    """The sitting's lead examiners of marking (told of a re-mark request)."""
    return list(session.scalars(select(MarkingAllocation.examiner_id).where(
        MarkingAllocation.sitting_id == sitting_id, MarkingAllocation.pool == Pool.LEAD,
        MarkingAllocation.withdrawn_at.is_(None)).order_by(MarkingAllocation.examiner_id)))
