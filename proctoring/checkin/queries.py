"""What the check-in pages read: a candidate's check-in state, the queue of check-ins waiting for a
person, and one check-in to review. Reads only; writes are ``services.py``'s."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import get_or_raise
from core.errors import NotFound
from core.roles import Actor, Role, require_role
from assessment.delivery.models import Booking, Sitting
from assessment.delivery.people import names_and_emails
from assessment.delivery.services import require_not_candidate_in
from proctoring import log
from proctoring.checkin import rules
from proctoring.checkin.rules import CheckinState, CheckinStatus, Entry
from proctoring.models import Invigilation, InvigilationEvent
from proctoring.rules import LogKind

STAFF_ROLES = (Role.INVIGILATOR, Role.ADMIN)


def _entry(row: InvigilationEvent) -> Entry:
    return Entry(id=row.id, kind=str(row.kind), at=row.received_at, reason=row.reason or "",
                 payload=dict(row.payload or {}), has_media=bool(row.media_key))


def state_of(session: Session, *, sitting_id: int, candidate_id: int) -> CheckinState:
    """Where the candidate's check-in in the sitting stands (not started when there is no log yet)."""
    invigilation = log.invigilation_for(session, sitting_id=sitting_id, candidate_id=candidate_id,
                                        now=dt.datetime.now(dt.timezone.utc), create=False)
    if invigilation is None:
        return CheckinState()
    return rules.fold(_entry(r) for r in log.rows(session, invigilation.id, kinds=set(rules.CHECKIN_KINDS)))


def is_booked(session: Session, sitting_id: int, candidate_id: int) -> bool:
    return session.scalar(select(Booking.id).where(Booking.sitting_id == sitting_id,
                                                   Booking.candidate_id == candidate_id,
                                                   Booking.cancelled_at.is_(None)).limit(1)) is not None


def candidates_sitting(session: Session, actor: Actor, sitting_id: int) -> Sitting:
    """The invigilated sitting the signed-in candidate booked; any other is 'not found' for them."""
    require_role(actor, Role.CANDIDATE)
    sitting = get_or_raise(session, Sitting, sitting_id)
    if not sitting.requires_invigilation or sitting.is_practice:
        raise NotFound("This sitting is not invigilated remotely, so there is no check-in for it.")
    if not is_booked(session, sitting.id, actor.user_id):
        raise NotFound("You have not booked this sitting.")
    return sitting


def staff_sitting(session: Session, actor: Actor, sitting_id: int) -> Sitting:
    """An invigilated sitting for an invigilator or administrator who is not a candidate in it."""
    require_role(actor, *STAFF_ROLES)
    sitting = get_or_raise(session, Sitting, sitting_id)
    require_not_candidate_in(session, actor, sitting)
    if not sitting.requires_invigilation or sitting.is_practice:
        raise NotFound("This sitting is not invigilated remotely, so it has no check-ins.")
    return sitting


@dataclass(frozen=True)
class QueueRow:
    candidate_id: int
    name: str
    email: str
    state: CheckinState
    waiting_s: int


@dataclass(frozen=True)
class Queue:
    sitting: Sitting
    waiting: list[QueueRow]       # submitted, oldest first
    needs_help: list[QueueRow]    # still in progress, with a step the candidate cannot do alone
    counts: dict[CheckinStatus, int]
    not_started: int


def queue(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime) -> Queue:
    """The sitting's check-ins for a person to check: one query for every booked candidate's rows."""
    sitting = staff_sitting(session, actor, sitting_id)
    booked = set(session.scalars(select(Booking.candidate_id).where(Booking.sitting_id == sitting.id,
                                                                    Booking.cancelled_at.is_(None))))
    query = (select(Invigilation.candidate_id, InvigilationEvent)
             .join(InvigilationEvent, InvigilationEvent.invigilation_id == Invigilation.id)
             .where(Invigilation.sitting_id == sitting.id, InvigilationEvent.kind.in_(sorted(rules.CHECKIN_KINDS)))
             .order_by(Invigilation.candidate_id, InvigilationEvent.seq))
    per_candidate: dict[int, list[Entry]] = {}
    for candidate_id, row in session.execute(query):
        per_candidate.setdefault(candidate_id, []).append(_entry(row))
    people = names_and_emails(session, booked | set(per_candidate))
    counts = {status: 0 for status in CheckinStatus}
    waiting, helping = [], []
    for candidate_id in sorted(booked | set(per_candidate)):
        state = rules.fold(per_candidate.get(candidate_id, []))
        counts[state.status] += 1
        name, email = people.get(candidate_id, ("(unknown)", ""))
        row = QueueRow(candidate_id, name, email, state, rules.waiting_seconds(state, now))
        if state.status is CheckinStatus.SUBMITTED:
            waiting.append(row)
        elif state.needs_help and state.status is CheckinStatus.IN_PROGRESS:
            helping.append(row)
    waiting.sort(key=lambda r: (r.state.submitted_at, r.candidate_id))
    return Queue(sitting, waiting, helping, counts, counts[CheckinStatus.NOT_STARTED])


@dataclass(frozen=True)
class Decided:
    kind: LogKind
    at: dt.datetime
    by: str
    reason: str
    reason_code: str


@dataclass(frozen=True)
class Review:
    sitting: Sitting
    candidate_id: int
    name: str
    email: str
    state: CheckinState
    history: list[Decided]


def review(session: Session, *, actor: Actor, sitting_id: int, candidate_id: int) -> Review:
    """One candidate's check-in for a person to compare photo and ID: the rows of this round (the
    page shows them through the evidence route, which records each view) and earlier decisions."""
    sitting = staff_sitting(session, actor, sitting_id)
    invigilation = log.invigilation_for(session, sitting_id=sitting.id, candidate_id=candidate_id,
                                        now=dt.datetime.now(dt.timezone.utc), create=False)
    if invigilation is None:
        raise NotFound("This candidate has not started a check-in in this sitting.")
    rows = log.rows(session, invigilation.id, kinds=set(rules.CHECKIN_KINDS))
    state = rules.fold(_entry(r) for r in rows)
    decisions = [r for r in rows if r.kind in (LogKind.CHECKIN_APPROVED, LogKind.CHECKIN_REJECTED,
                                               LogKind.CHECKIN_WAIVED)]
    people = names_and_emails(session, {candidate_id, *(r.actor_id for r in decisions)})
    history = [Decided(r.kind, r.received_at, people.get(r.actor_id, ("(unknown)", ""))[0], r.reason or "",
                       str((r.payload or {}).get("reason_code", ""))) for r in decisions]
    name, email = people.get(candidate_id, ("(unknown)", ""))
    return Review(sitting, candidate_id, name, email, state, history)


def candidate_status(session: Session, *, sitting: Sitting, candidate_id: int) -> CheckinState | None:
    """The check-in state shown on the candidate's pages, or None when the sitting has no check-in."""
    if not sitting.requires_invigilation or sitting.is_practice:
        return None
    return state_of(session, sitting_id=sitting.id, candidate_id=candidate_id)
