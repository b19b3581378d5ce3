"""What the live invigilator reads: one card per candidate of a sitting (state, time left, check-in,
latest snapshot, flags, messages, a pending end and the connectivity strip), and the pending end
requests. Grouped queries: as many statements for 25 candidates as for one."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import get_or_raise
from core.errors import Forbidden
from core.roles import Actor, Role, require_role
from assessment.delivery import replay
from assessment.delivery import services as delivery
from assessment.delivery.evidence import fold_attempts
from assessment.delivery.models import Attempt, AttemptEvent, Booking, ResponseStep, Sitting
from assessment.delivery.people import names_and_emails
from proctoring.live import rules
from proctoring.live.services import CONFIRM_ROLES, LIVE_ROLES, current_allocation, pending_request
from proctoring.models import Invigilation, InvigilationEvent, InvigilationFlag
from proctoring.rules import ActionReason, LogKind

CHECKIN_DECISIONS = (LogKind.CHECKIN_SUBMITTED, LogKind.CHECKIN_APPROVED, LogKind.CHECKIN_REJECTED,
                     LogKind.CHECKIN_WAIVED)
CHECKIN_LABELS = {None: "Not checked in", LogKind.CHECKIN_SUBMITTED: "Waiting for the ID check",
                  LogKind.CHECKIN_APPROVED: "Approved", LogKind.CHECKIN_REJECTED: "Rejected (may try again)",
                  LogKind.CHECKIN_WAIVED: "Waived"}
STATE_LABELS = {None: "Not started", replay.AttemptState.IN_PROGRESS: "In progress",
                replay.AttemptState.PAUSED: "Paused", replay.AttemptState.SUBMITTED: "Submitted",
                replay.AttemptState.TIMED_OUT: "Timed out", replay.AttemptState.VOIDED: "Voided"}
_LOGGED = (*CHECKIN_DECISIONS, LogKind.MESSAGE_SENT, LogKind.MESSAGE_ACKNOWLEDGED, LogKind.END_REQUESTED,
           LogKind.END_CONFIRMED, LogKind.END_CANCELLED)


def flag_label(kind: str) -> str:
    return str(kind).replace("_", " ").capitalize()


@dataclass(frozen=True)
class Message:
    id: int
    text: str
    sent_at: dt.datetime
    sender: str
    acknowledged_at: dt.datetime | None


@dataclass(frozen=True)
class Flag:
    id: int
    kind: str
    severity: str
    starts_at: dt.datetime
    detail: str

    @property
    def label(self) -> str:
        return flag_label(self.kind)


@dataclass(frozen=True)
class Card:
    candidate_id: int
    name: str
    email: str
    invigilator: str
    is_mine: bool
    attempt_id: int | None
    state: replay.AttemptState | None
    time_left_s: int | None
    answered: int
    total: int
    checkin: str
    snapshot_event_id: int | None
    flags: tuple[Flag, ...]
    messages: tuple[Message, ...]
    end_requested_by: str
    strip: rules.Strip
    stopped_by_break: bool = False  # paused by the candidate's own rest break, not by staff

    @property
    def state_label(self) -> str:
        if self.state == replay.AttemptState.PAUSED and self.stopped_by_break:
            return "On a rest break"
        return STATE_LABELS[self.state]

    @property
    def unacknowledged(self) -> int:
        return sum(1 for m in self.messages if m.acknowledged_at is None)

    @property
    def connection(self) -> str:
        if self.state is None or not self.state.is_open:
            return "Not sitting"
        if self.state == replay.AttemptState.PAUSED:
            return "Paused"
        return "Lost" if self.strip.lost_now else "Connected"

    def fingerprint(self) -> tuple:
        """What the card shows: a new fingerprint is an update to send."""
        return (self.invigilator, self.is_mine, self.attempt_id, self.state, self.stopped_by_break,
                None if self.time_left_s is None else self.time_left_s // 60, self.answered, self.checkin,
                self.snapshot_event_id, tuple(f.id for f in self.flags),
                tuple((m.id, m.acknowledged_at) for m in self.messages), self.end_requested_by,
                tuple(c.state for c in self.strip.cells), self.strip.lost_now)


@dataclass(frozen=True)
class Dashboard:
    sitting: Sitting
    cards: list[Card]
    showing_all: bool
    allocated_to_me: int


def dashboard(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime, show_all: bool | None,
              heartbeat_interval_s: int) -> Dashboard:
    """The sitting's candidates as cards: those allocated to the actor by default (administrators
    see everyone by default), everyone when ``show_all``."""
    require_role(actor, *LIVE_ROLES)
    sitting = get_or_raise(session, Sitting, sitting_id)
    delivery.require_not_candidate_in(session, actor, sitting)
    if show_all is None:
        show_all = actor.has(Role.ADMIN)
    attempts = {a.candidate_id: a for a in session.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id)
                                                           .order_by(Attempt.attempt_no))}
    candidates = list(dict.fromkeys([*session.scalars(select(Booking.candidate_id).where(
        Booking.sitting_id == sitting.id, Booking.cancelled_at.is_(None)).order_by(Booking.id)), *attempts]))
    allocation = current_allocation(session, sitting.id)
    mine = [c for c in candidates if c in allocation and allocation[c].invigilator_id == actor.user_id]
    shown = candidates if show_all else mine
    attempt_ids = [attempts[c].id for c in shown if c in attempts]
    in_view = select(Attempt.id).where(Attempt.id.in_(attempt_ids))
    folded = fold_attempts(session, [attempts[c] for c in shown if c in attempts], in_view, now)
    people = names_and_emails(session, [*shown, *(allocation[c].invigilator_id for c in shown if c in allocation)])

    window_start = now - dt.timedelta(seconds=rules.STRIP_WINDOW_S + rules.STRIP_CELL_S
                                      + rules.LOST_AFTER_INTERVALS * heartbeat_interval_s)
    invigilations = dict(session.execute(select(Invigilation.candidate_id, Invigilation.id).where(
        Invigilation.sitting_id == sitting.id, Invigilation.candidate_id.in_(shown))).all())
    inv_ids = list(invigilations.values())
    logged: dict[int, list[InvigilationEvent]] = defaultdict(list)
    for row in session.scalars(select(InvigilationEvent).where(InvigilationEvent.invigilation_id.in_(inv_ids),
                                                               InvigilationEvent.kind.in_(_LOGGED))
                               .order_by(InvigilationEvent.seq)):
        logged[row.invigilation_id].append(row)
    beats: dict[int, list[dt.datetime]] = defaultdict(list)
    for inv_id, at in session.execute(select(InvigilationEvent.invigilation_id, InvigilationEvent.received_at).where(
            InvigilationEvent.invigilation_id.in_(inv_ids), InvigilationEvent.kind == LogKind.HEARTBEAT,
            InvigilationEvent.received_at >= window_start, InvigilationEvent.received_at <= now)):
        beats[inv_id].append(at)
    snapshots = dict(session.execute(select(InvigilationEvent.invigilation_id, func.max(InvigilationEvent.id)).where(
        InvigilationEvent.invigilation_id.in_(inv_ids), InvigilationEvent.kind == LogKind.SNAPSHOT,
        InvigilationEvent.media_key.is_not(None)).group_by(InvigilationEvent.invigilation_id)).all())
    flags: dict[int, list[Flag]] = defaultdict(list)
    for flag in session.scalars(select(InvigilationFlag).where(InvigilationFlag.invigilation_id.in_(inv_ids))
                                .order_by(InvigilationFlag.id)):
        flags[flag.invigilation_id].append(Flag(flag.id, str(flag.kind), str(flag.severity), flag.starts_at,
                                                flag.detail))
    saves: dict[int, list[dt.datetime]] = defaultdict(list)
    for attempt_id, at in session.execute(select(ResponseStep.attempt_id, ResponseStep.created_at).where(
            ResponseStep.attempt_id.in_(attempt_ids), ResponseStep.created_at >= window_start,
            ResponseStep.created_at <= now)):
        saves[attempt_id].append(at)
    clock_events: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for attempt_id, kind, at in session.execute(select(AttemptEvent.attempt_id, AttemptEvent.kind,
                                                       AttemptEvent.occurred_at).where(
            AttemptEvent.attempt_id.in_(attempt_ids),
            AttemptEvent.kind.in_(["paused", "resumed", "break_started", "break_ended", "submitted", "auto_submitted",
                                   "voided"])).order_by(AttemptEvent.id)):
        clock_events[attempt_id].append((str(kind), at))
    senders = names_and_emails(session, [r.actor_id for rows in logged.values() for r in rows])

    cards = []
    for candidate_id in shown:
        name, email = people.get(candidate_id, ("", ""))
        held = allocation.get(candidate_id)
        inv_id = invigilations.get(candidate_id)
        rows = logged.get(inv_id, [])
        attempt = attempts.get(candidate_id)
        view = folded[attempt.id].view if attempt is not None else None
        decisions = [r for r in rows if r.kind in CHECKIN_DECISIONS]
        acks = {r.payload.get("message_event_id"): r.received_at
                for r in rows if r.kind == LogKind.MESSAGE_ACKNOWLEDGED}
        messages = tuple(Message(r.id, r.payload.get("text", ""), r.received_at, senders.get(r.actor_id, ("", ""))[0],
                                 acks.get(r.id)) for r in rows if r.kind == LogKind.MESSAGE_SENT)
        pending = pending_request(rows, attempt.id) if attempt is not None else None
        strip = rules.connectivity_strip(
            now=now, started_at=attempt.started_at if attempt else None,
            ended_at=(view.ended_at or now) if view is not None and not view.state.is_open else None,
            heartbeats=beats.get(inv_id, []), saves=saves.get(attempt.id, []) if attempt else [],
            stopped=rules.stopped_spells(clock_events.get(attempt.id, [])) if attempt else [],
            heartbeat_interval_s=heartbeat_interval_s)
        cards.append(Card(
            candidate_id=candidate_id, name=name, email=email,
            invigilator=people.get(held.invigilator_id, ("", ""))[0] if held else "",
            is_mine=held is not None and held.invigilator_id == actor.user_id,
            attempt_id=attempt.id if attempt else None, state=view.state if view else None,
            time_left_s=view.time_left_s if view is not None and view.state.is_open else None,
            answered=view.answered if view else 0, total=len(view.slots) if view else 0,
            checkin=CHECKIN_LABELS[decisions[-1].kind if decisions else None],
            snapshot_event_id=snapshots.get(inv_id), flags=tuple(flags.get(inv_id, [])), messages=messages,
            end_requested_by=senders.get(pending.actor_id, ("someone", ""))[0] if pending else "",
            strip=strip, stopped_by_break=bool(view and view.on_break)))
    cards.sort(key=lambda c: (c.name.lower(), c.email))
    return Dashboard(sitting, cards, show_all, len(mine))


@dataclass(frozen=True)
class EndRequest:
    event_id: int
    attempt_id: int
    sitting_title: str
    candidate: str
    requested_by: str
    requested_by_id: int
    requested_at: dt.datetime
    reason: str
    text: str


def pending_end_requests(session: Session, *, actor: Actor) -> list[EndRequest]:
    """Requests to end an attempt that wait for a second person, in sittings the actor may act on."""
    require_role(actor, *CONFIRM_ROLES)
    rows = list(session.scalars(select(InvigilationEvent).where(InvigilationEvent.kind.in_(
        [LogKind.END_REQUESTED, LogKind.END_CONFIRMED, LogKind.END_CANCELLED])).order_by(InvigilationEvent.id)))
    by_inv: dict[int, list[InvigilationEvent]] = defaultdict(list)
    for row in rows:
        by_inv[row.invigilation_id].append(row)
    pending = []
    for inv_rows in by_inv.values():
        for attempt_id in {r.attempt_id for r in inv_rows if r.attempt_id is not None}:
            found = pending_request(inv_rows, attempt_id)
            if found is not None:
                pending.append(found)
    result = []
    for row in sorted(pending, key=lambda r: r.id):
        attempt = session.get(Attempt, row.attempt_id)
        try:
            delivery.require_not_candidate_in(session, actor, attempt.sitting)
        except Forbidden:  # a sitting this person sits is not theirs to see
            continue
        people = names_and_emails(session, [attempt.candidate_id, row.actor_id])
        result.append(EndRequest(row.id, attempt.id, attempt.sitting.title,
                                 people.get(attempt.candidate_id, ("", ""))[0],
                                 people.get(row.actor_id, ("", ""))[0], row.actor_id, row.received_at,
                                 ActionReason(row.payload["reason_code"]).label, row.payload.get("text", "")))
    return result


def attempt_panel(session: Session, *, actor: Actor, attempt_id: int, now: dt.datetime, heartbeat_interval_s: int
                  ) -> tuple[Attempt, Card]:
    """One attempt's card, for the page where an invigilator acts on it."""
    require_role(actor, *LIVE_ROLES)
    attempt = get_or_raise(session, Attempt, attempt_id, "There is no such attempt.")
    board = dashboard(session, actor=actor, sitting_id=attempt.sitting_id, now=now, show_all=True,
                      heartbeat_interval_s=heartbeat_interval_s)
    card = next(c for c in board.cards if c.candidate_id == attempt.candidate_id)
    return attempt, card
