"""What review pages read: the reviewer's list, one attempt's timeline, a flag to decide, the outcome
form's facts and the incident report; and, for the results board above, the outcomes awaiting an
examiner. Role checks and separation of roles are here, so a view cannot skip them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import get_or_raise
from core.errors import Forbidden, NotFound
from core.roles import Actor, Role, require_role
from assessment.delivery import services as delivery
from assessment.delivery.models import Attempt, AttemptEvent, Booking, ResponseStep, Sitting
from assessment.delivery.people import names_and_emails
from assessment.delivery.staff.queries import STATUS_LABELS
from proctoring import log
from proctoring.models import FlagReview, Invigilation, InvigilationEvent, InvigilationFlag, InvigilationOutcome
from proctoring.review import timeline as tl
from proctoring.rules import MEDIA_KINDS, FlagDecision, Outcome

REVIEWER_ROLES = (Role.INVIGILATOR, Role.EXAMINER, Role.ADMIN)
PER_PAGE = 100


def _names(session: Session, ids) -> dict[int, str]:
    return {k: v[0] for k, v in names_and_emails(session, [i for i in set(ids) if i]).items()}


# --- Flags and outcomes of invigilations ------------------------------------------------------------

def flag_records(session: Session, invigilation_ids: list[int]) -> dict[int, list[tl.FlagRecord]]:
    """Invigilation id → its flags (oldest first), each with its reviews (oldest first)."""
    if not invigilation_ids:
        return {}
    flags = list(session.scalars(select(InvigilationFlag).where(InvigilationFlag.invigilation_id.in_(invigilation_ids))
                                 .order_by(InvigilationFlag.starts_at, InvigilationFlag.id)))
    reviews = list(session.scalars(select(FlagReview).where(FlagReview.flag_id.in_([f.id for f in flags]))
                                   .order_by(FlagReview.id))) if flags else []
    names = _names(session, [r.reviewer_id for r in reviews])
    by_flag: dict[int, list[tl.ReviewRecord]] = {}
    for r in reviews:
        by_flag.setdefault(r.flag_id, []).append(tl.ReviewRecord(r.flag_id, str(r.decision), r.note,
                                                                  names.get(r.reviewer_id, "?"), r.reviewed_at))
    found: dict[int, list[tl.FlagRecord]] = {}
    for f in flags:
        found.setdefault(f.invigilation_id, []).append(tl.FlagRecord(
            f.id, str(f.kind), str(f.severity), f.starts_at, f.ends_at, tuple(f.evidence_event_ids or ()), f.detail or "",
            tuple(by_flag.get(f.id, ()))))
    return found


def outcome_records(session: Session, invigilation_ids: list[int]) -> dict[int, list[tl.OutcomeRecord]]:
    """Invigilation id → its outcomes, oldest first (the last stands)."""
    if not invigilation_ids:
        return {}
    rows = list(session.scalars(select(InvigilationOutcome).where(
        InvigilationOutcome.invigilation_id.in_(invigilation_ids)).order_by(InvigilationOutcome.id)))
    names = _names(session, [r.reviewer_id for r in rows])
    found: dict[int, list[tl.OutcomeRecord]] = {}
    for r in rows:
        found.setdefault(r.invigilation_id, []).append(tl.OutcomeRecord(r.id, str(r.outcome), r.reasons,
                                                                         names.get(r.reviewer_id, "?"), r.recorded_at))
    return found


# --- The attempt under review ------------------------------------------------------------------------

@dataclass(frozen=True)
class Reviewed:
    attempt: Attempt
    sitting: Sitting
    invigilation: Invigilation
    candidate_name: str
    state_label: str
    is_ended: bool


def invigilation_of(session: Session, attempt: Attempt) -> Invigilation:
    found = log.invigilation_for(session, sitting_id=attempt.sitting_id, candidate_id=attempt.candidate_id,
                                 now=attempt.started_at, create=False)
    if found is None:
        raise NotFound("This attempt was not invigilated, so it has no invigilation record.")
    return found


def reviewed_attempt(session: Session, actor: Actor, attempt_id: int, now: dt.datetime) -> Reviewed:
    """An attempt a reviewer may read: invigilators, examiners and administrators who are not candidates
    in its sitting (and never the candidate)."""
    require_role(actor, *REVIEWER_ROLES)
    attempt = get_or_raise(session, Attempt, attempt_id, "There is no such attempt.")
    delivery.require_not_candidate_in(session, actor, attempt.sitting)
    if actor.user_id == attempt.candidate_id:
        raise Forbidden("You cannot review your own attempt.")
    invigilation = invigilation_of(session, attempt)
    view = delivery.view_of(session, attempt, now)
    name = _names(session, [attempt.candidate_id]).get(attempt.candidate_id, "")
    return Reviewed(attempt, attempt.sitting, invigilation, name, STATUS_LABELS[view.state], not view.state.is_open)


def timeline_records(session: Session, reviewed: Reviewed) -> dict:
    """Everything of one attempt as the pure timeline's records (keyword arguments of build_timeline)."""
    attempt, invigilation = reviewed.attempt, reviewed.invigilation
    events = list(session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt.id)
                                  .order_by(AttemptEvent.occurred_at, AttemptEvent.id)))
    steps = list(session.execute(select(ResponseStep.seq, ResponseStep.slot, ResponseStep.created_at)
                                 .where(ResponseStep.attempt_id == attempt.id).order_by(ResponseStep.seq)))
    rows = log.rows(session, invigilation.id)
    people = [e.actor_id for e in events] + [e.payload.get("requested_by_id") for e in events if e.payload] + \
        [r.actor_id for r in rows]
    names = _names(session, people)

    def who(user_id):
        return names.get(user_id, "?") if user_id else ""

    return {
        "events": [tl.AttemptEventRecord(e.id, str(e.kind), e.occurred_at, who(e.actor_id), e.reason or "",
                                         dict(e.payload or {}), who((e.payload or {}).get("requested_by_id")))
                   for e in events],
        "steps": [tl.StepRecord(seq, slot, at) for seq, slot, at in steps],
        "log": [tl.LogRecord(r.id, r.seq, str(r.kind), r.occurred_at, who(r.actor_id), r.reason or "",
                             dict(r.payload or {}), bool(r.media_key) and r.kind in MEDIA_KINDS, r.media_type or "")
                for r in rows],
        "flags": flag_records(session, [invigilation.id]).get(invigilation.id, []),
        "outcomes": outcome_records(session, [invigilation.id]).get(invigilation.id, []),
    }


@dataclass(frozen=True)
class TimelinePage:
    reviewed: Reviewed
    page: tl.Page
    categories: list[str]  # the filters applied (empty: everything)
    counts: dict[str, int]  # entries per category, before filtering
    flags: list[tl.FlagRecord]
    outcome: tl.OutcomeRecord | None
    where: dict[int, tuple[int, str]]  # log row id → (page, anchor), in the filtered list
    per_page: int


def timeline(session: Session, actor: Actor, attempt_id: int, *, now: dt.datetime, categories: list[str],
             page: int = 1, per_page: int = PER_PAGE, heartbeat_interval_s: float = 15) -> TimelinePage:
    reviewed = reviewed_attempt(session, actor, attempt_id, now)
    records = timeline_records(session, reviewed)
    entries = tl.build_timeline(**records, heartbeat_interval_s=heartbeat_interval_s)
    chosen = [c for c in categories if c in tl.CATEGORIES]
    shown = tl.select_categories(entries, chosen)
    outcomes = records["outcomes"]
    return TimelinePage(reviewed, tl.paginate(shown, page, per_page), chosen, tl.category_counts(entries),
                        records["flags"], outcomes[-1] if outcomes else None, tl.locate(shown, per_page), per_page)


@dataclass(frozen=True)
class FlagToDecide:
    reviewed: Reviewed
    flag: tl.FlagRecord
    evidence: list[tl.LogRecord]
    where: dict[int, tuple[int, str]]  # log row id → (page, anchor) on the unfiltered timeline


def flag_to_decide(session: Session, actor: Actor, flag_id: int, now: dt.datetime, *,
                   heartbeat_interval_s: float = 15) -> FlagToDecide:
    flag = get_or_raise(session, InvigilationFlag, flag_id, "There is no such flag.")
    invigilation = session.get(Invigilation, flag.invigilation_id)
    attempt_id = flag.attempt_id or session.scalar(
        select(Attempt.id).where(Attempt.sitting_id == invigilation.sitting_id,
                                 Attempt.candidate_id == invigilation.candidate_id).order_by(Attempt.id.desc()))
    if attempt_id is None:
        raise NotFound("This flag belongs to no attempt.")
    reviewed = reviewed_attempt(session, actor, attempt_id, now)
    record = next(f for f in flag_records(session, [invigilation.id])[invigilation.id] if f.id == flag.id)
    ids = list(record.evidence_ids)
    rows = list(session.scalars(select(InvigilationEvent).where(InvigilationEvent.id.in_(ids),
                                                                InvigilationEvent.invigilation_id == invigilation.id)
                                .order_by(InvigilationEvent.seq))) if ids else []
    evidence = [tl.LogRecord(r.id, r.seq, str(r.kind), r.occurred_at, "", r.reason or "", dict(r.payload or {}),
                             bool(r.media_key) and r.kind in MEDIA_KINDS, r.media_type or "") for r in rows]
    where = tl.locate(tl.build_timeline(**timeline_records(session, reviewed),
                                        heartbeat_interval_s=heartbeat_interval_s), PER_PAGE)
    return FlagToDecide(reviewed, record, evidence, where)


# --- The reviewer's list -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewRow:
    attempt_id: int
    sitting_id: int
    sitting_title: str
    candidate_name: str
    state_label: str
    open_flags: int
    confirmed: int
    dismissed: int
    outcome: Outcome | None

    @property
    def outcome_words(self) -> str:
        return self.outcome.label if self.outcome else "Awaiting review"


@dataclass(frozen=True)
class ReviewList:
    sitting: Sitting | None
    rows: list[ReviewRow]
    sittings: list[Sitting] = field(default_factory=list)  # the sittings the list may be narrowed to


def review_list(session: Session, actor: Actor, *, now: dt.datetime, sitting_id: int | None = None) -> ReviewList:
    """Invigilations of ended attempts, with their flags (open / confirmed / dismissed) and outcome.
    Sittings in which the reviewer is a candidate are left out (or refused when asked for)."""
    require_role(actor, *REVIEWER_ROLES)
    sitting = None
    if sitting_id is not None:
        sitting = get_or_raise(session, Sitting, sitting_id)
        delivery.require_not_candidate_in(session, actor, sitting)
    query = select(Invigilation, Attempt).join(Attempt, (Attempt.sitting_id == Invigilation.sitting_id)
                                               & (Attempt.candidate_id == Invigilation.candidate_id))
    if sitting is not None:
        query = query.where(Invigilation.sitting_id == sitting.id)
    pairs = list(session.execute(query.order_by(Attempt.sitting_id.desc(), Attempt.id)))
    own = set(session.scalars(select(Attempt.sitting_id).where(Attempt.candidate_id == actor.user_id)))
    own |= set(session.scalars(select(Booking.sitting_id).where(Booking.candidate_id == actor.user_id)))
    flags = flag_records(session, [i.id for i, _a in pairs])
    outcomes = outcome_records(session, [i.id for i, _a in pairs])
    names = _names(session, [a.candidate_id for _i, a in pairs])
    rows, sittings = [], {}
    for invigilation, attempt in pairs:
        if attempt.sitting.is_practice or (attempt.sitting_id in own) or attempt.candidate_id == actor.user_id:
            continue
        view = delivery.view_of(session, attempt, now)
        if view.state.is_open:
            continue
        sittings[attempt.sitting_id] = attempt.sitting
        decided = [f.decision for f in flags.get(invigilation.id, [])]
        latest = outcomes.get(invigilation.id, [])
        rows.append(ReviewRow(attempt.id, attempt.sitting_id, attempt.sitting.title,
                              names.get(attempt.candidate_id, ""), STATUS_LABELS[view.state],
                              sum(1 for d in decided if d is None), decided.count(FlagDecision.CONFIRMED),
                              decided.count(FlagDecision.DISMISSED),
                              Outcome(latest[-1].outcome) if latest else None))
    rows.sort(key=lambda r: (r.outcome is not None, -r.open_flags, r.sitting_title, r.candidate_name.lower()))
    return ReviewList(sitting, rows, sorted(sittings.values(), key=lambda s: s.opens_at, reverse=True))


# --- For the results board (layer 5 reads this) -----------------------------------------------------

@dataclass(frozen=True)
class AwaitingOutcome:
    attempt_id: int
    candidate_id: int
    outcome: Outcome
    reasons: str
    reviewer: str
    recorded_at: dt.datetime


def outcomes_awaiting_examiner(session: Session, sitting_id: int) -> list[AwaitingOutcome]:
    """The sitting's attempts whose latest invigilation outcome awaits an examiner (withheld pending an
    examiner's decision, or referred for misconduct). Whether an examiner has decided since is the
    results package's to say: it owns those decisions."""
    pairs = list(session.execute(select(Invigilation, Attempt).join(
        Attempt, (Attempt.sitting_id == Invigilation.sitting_id) & (Attempt.candidate_id == Invigilation.candidate_id))
        .where(Invigilation.sitting_id == sitting_id, Attempt.is_practice.is_(False)).order_by(Attempt.id)))
    outcomes = outcome_records(session, [i.id for i, _a in pairs])
    found = []
    for invigilation, attempt in pairs:
        rows = outcomes.get(invigilation.id)
        if rows and Outcome(rows[-1].outcome).awaits_examiner:
            last = rows[-1]
            found.append(AwaitingOutcome(attempt.id, attempt.candidate_id, Outcome(last.outcome), last.reasons,
                                         last.reviewer, last.at))
    return found


def has_outcome(session: Session, attempt: Attempt) -> bool:
    invigilation = log.invigilation_for(session, sitting_id=attempt.sitting_id, candidate_id=attempt.candidate_id,
                                        now=attempt.started_at, create=False)
    return invigilation is not None and session.scalar(
        select(InvigilationOutcome.id).where(InvigilationOutcome.invigilation_id == invigilation.id).limit(1)) is not None


# --- The incident report -----------------------------------------------------------------------------

@dataclass(frozen=True)
class IncidentReport:
    reviewed: Reviewed
    for_candidate: bool
    entries: list[tl.Entry]  # what was recorded, without heartbeats' detail or evidence views
    flags: list[tl.FlagRecord]
    outcomes: list[tl.OutcomeRecord]
    media: list[tl.LogRecord]  # listed by time, never embedded
    generated_at: dt.datetime


REPORT_CATEGORIES = ("attempt", "checkin", "connection", "browser", "camera", "messages", "actions", "flags", "review")


def incident_report(session: Session, actor: Actor, attempt_id: int, now: dt.datetime) -> IncidentReport:
    """The report of one attempt's invigilation: for staff reviewers; for the candidate, their own,
    and only once an outcome has been recorded (before that: not found)."""
    attempt = session.get(Attempt, attempt_id)
    if actor.has(*REVIEWER_ROLES) and not (attempt is not None and attempt.candidate_id == actor.user_id):
        reviewed = reviewed_attempt(session, actor, attempt_id, now)
        for_candidate = False
    else:
        require_role(actor, Role.CANDIDATE)
        if attempt is None or attempt.candidate_id != actor.user_id or not has_outcome(session, attempt):
            raise NotFound("There is no incident report for you here.")
        view = delivery.view_of(session, attempt, now)
        name = _names(session, [attempt.candidate_id]).get(attempt.candidate_id, "")
        reviewed = Reviewed(attempt, attempt.sitting, invigilation_of(session, attempt), name,
                            STATUS_LABELS[view.state], not view.state.is_open)
        for_candidate = True
    records = timeline_records(session, reviewed)
    # Pictures are listed by time on their own, never embedded; face counts stay in the account.
    entries = [e for e in tl.select_categories(tl.build_timeline(**records), REPORT_CATEGORIES)
               if e.media_event_id is None]
    media = [r for r in records["log"] if r.has_media]
    return IncidentReport(reviewed, for_candidate, entries, records["flags"], records["outcomes"], media, now)
