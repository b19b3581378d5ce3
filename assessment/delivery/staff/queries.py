"""What invigilators, examiners and administrators read: a sitting's live list, one attempt, and an
attempt's timeline replayed to any moment. Staff who are candidates in a sitting see nothing of it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import get_or_raise
from core.roles import Actor, Role, require_role
from assessment.delivery import replay, services
from assessment.delivery.models import Attempt, AttemptEvent, Booking, ResponseStep, Sitting
from assessment.delivery.evidence import fold_attempts
from assessment.delivery.people import names_and_emails
from assessment.delivery.rules import allowed_duration_s

ONLINE_WITHIN = dt.timedelta(seconds=60)


STATUS_LABELS = {None: "Not started", replay.AttemptState.IN_PROGRESS: "In progress",
                 replay.AttemptState.PAUSED: "Paused", replay.AttemptState.SUBMITTED: "Submitted",
                 replay.AttemptState.TIMED_OUT: "Timed out", replay.AttemptState.VOIDED: "Voided"}


@dataclass(frozen=True)
class LiveRow:
    candidate_id: int
    name: str
    email: str
    attempt_id: int | None
    state: replay.AttemptState | None
    answered: int
    total: int
    time_left_s: int | None
    last_save_at: dt.datetime | None
    last_contact_at: dt.datetime | None
    is_online: bool

    @property
    def status(self) -> str:
        return STATUS_LABELS[self.state]

    @property
    def connection(self) -> str:
        if self.state is None or not self.state.is_open:
            return "—"
        return "Online" if self.is_online else "No recent contact"


def live_list(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime) -> tuple[Sitting, list[LiveRow]]:
    """Every booked candidate (and anyone with an attempt, as in the practice sitting) with progress,
    time left, last save and connection state. Grouped queries for all the evidence (evidence.py), as
    many for a hundred candidates as for two."""
    require_role(actor, Role.ADMIN, Role.INVIGILATOR)
    sitting = get_or_raise(session, Sitting, sitting_id)
    services.require_not_candidate_in(session, actor, sitting)
    in_sitting = select(Attempt.id).where(Attempt.sitting_id == sitting.id)
    # In attempt-number order, so a practice candidate's latest try is the one listed.
    attempts = {a.candidate_id: a for a in session.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id)
                                                           .order_by(Attempt.attempt_no))}
    candidates = list(dict.fromkeys([*session.scalars(select(Booking.candidate_id).where(
        Booking.sitting_id == sitting.id, Booking.cancelled_at.is_(None)).order_by(Booking.id)), *attempts]))
    folded = fold_attempts(session, list(attempts.values()), in_sitting, now)
    people = names_and_emails(session, candidates)
    rows = []
    for candidate_id in candidates:
        name, email = people.get(candidate_id, ("", ""))
        attempt = attempts.get(candidate_id)
        if attempt is None:
            rows.append(LiveRow(candidate_id, name, email, None, None, 0, 0, None, None, None, False))
            continue
        view, last_save = folded[attempt.id].view, folded[attempt.id].last_save_at
        last_contact = max([t for t in (last_save, folded[attempt.id].last_event_at) if t is not None], default=None)
        rows.append(LiveRow(candidate_id, name, email, attempt.id, view.state, view.answered, len(view.slots),
                            view.time_left_s if view.state.is_open else None, last_save, last_contact,
                            last_contact is not None and now - last_contact <= ONLINE_WITHIN))
    rows.sort(key=lambda r: (r.name.lower(), r.email))
    return sitting, rows


@dataclass(frozen=True)
class StaffAttempt:
    attempt: Attempt
    name: str
    email: str
    view: replay.AttemptView


def staff_attempt(session: Session, *, actor: Actor, attempt_id: int, now: dt.datetime,
                  roles: tuple[Role, ...] = (Role.ADMIN, Role.INVIGILATOR)) -> StaffAttempt:
    require_role(actor, *roles)
    attempt = get_or_raise(session, Attempt, attempt_id)
    services.require_not_candidate_in(session, actor, attempt.sitting)
    name, email = names_and_emails(session, [attempt.candidate_id]).get(attempt.candidate_id, ("", ""))
    return StaffAttempt(attempt, name, email, services.view_of(session, attempt, now))


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "step" or an event kind
    seq: int | None = None
    slot: int | None = None
    payload: dict = field(default_factory=dict)
    device_id: str = ""
    actor_name: str = ""
    reason: str = ""
    is_after: bool = False  # after the moment being shown


@dataclass(frozen=True)
class Timeline:
    attempt: Attempt
    name: str
    email: str
    at: dt.datetime
    view: replay.AttemptView
    entries: list[TimelineEntry]


def timeline(session: Session, *, actor: Actor, attempt_id: int, at: dt.datetime | None,
             now: dt.datetime) -> Timeline:
    """Every step and event in order, and the answers replayed as they stood at ``at`` (default now)."""
    found = staff_attempt(session, actor=actor, attempt_id=attempt_id, now=now, roles=(Role.EXAMINER, Role.ADMIN))
    attempt = found.attempt
    moment = max(attempt.started_at, min(at, now)) if at is not None else now
    step_rows = list(session.scalars(select(ResponseStep).where(ResponseStep.attempt_id == attempt.id)))
    event_rows = list(session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt.id)
                                      .order_by(AttemptEvent.id)))
    people = names_and_emails(session, [e.actor_id for e in event_rows])
    entries = [TimelineEntry(s.created_at, "step", seq=s.seq, slot=s.slot, payload=s.payload or {},
                             device_id=s.device_id, is_after=s.created_at > moment) for s in step_rows]
    entries += [TimelineEntry(e.occurred_at, e.kind, payload=e.payload or {},
                              actor_name=people.get(e.actor_id, ("", ""))[0] if e.actor_id else "system",
                              reason=e.reason, is_after=e.occurred_at > moment) for e in event_rows]
    order = {id(entry): index for index, entry in enumerate(entries)}
    entries.sort(key=lambda e: (e.at, e.seq if e.seq is not None else 0, order[id(e)]))
    steps = [replay.Step(s.seq, s.slot, s.payload, s.client_step_id, s.created_at, s.device_id) for s in step_rows]
    events = [replay.Event(e.kind, e.occurred_at, e.payload or {}) for e in event_rows]
    view = replay.attempt_view(started_at=attempt.started_at,
                               allowed_s=allowed_duration_s(attempt.duration_s, attempt.extra_time_pct),
                               slot_numbers=[s.slot for s in attempt.slots], steps=steps, events=events, now=moment)
    return Timeline(attempt, found.name, found.email, moment, view, entries)
