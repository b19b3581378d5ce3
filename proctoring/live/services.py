"""What the live invigilator does: messages to a candidate, actions on an attempt with a reason,
ending an attempt with a second person, and sharing a sitting's candidates among invigilators.

Every write is a row of the candidate's invigilation log with the actor (and the privileged ones an
audit entry too); the clock itself is moved only by delivery's services (``pause``, ``resume``,
``extend_time``, ``end_attempt``), which keep their own checks."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import Integer, bindparam, literal, select
from sqlalchemy.orm import Session

from core import audit
from core.db import DriverStatement, built_for_claim, claim_parameters, get_or_raise
from core.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from core.roles import Actor, Role, require_role
from assessment.accounts.models import User
from assessment.delivery import services as delivery
from assessment.delivery.models import Attempt, Booking, Sitting
from proctoring import log
from proctoring.live import rules
from proctoring.models import Invigilation, InvigilationEvent, InvigilatorAllocation
from proctoring.rules import ActionReason, LogKind

LIVE_ROLES = (Role.INVIGILATOR, Role.ADMIN)
CONFIRM_ROLES = (Role.INVIGILATOR, Role.EXAMINER, Role.ADMIN)


def _attempt_for_staff(session: Session, actor: Actor, attempt_id: int, roles=LIVE_ROLES) -> Attempt:
    require_role(actor, *roles)
    attempt = get_or_raise(session, Attempt, attempt_id, "There is no such attempt.")
    delivery.require_not_candidate_in(session, actor, attempt.sitting)
    return attempt


def invigilation_of(session: Session, attempt: Attempt, now: dt.datetime) -> Invigilation:
    return log.invigilation_for(session, sitting_id=attempt.sitting_id, candidate_id=attempt.candidate_id, now=now)


def _reason(reason_code: str | None, text: str | None) -> tuple[ActionReason, str]:
    problems = []
    try:
        code = ActionReason(reason_code or "")
    except ValueError:
        code = None
        problems.append(FieldProblem("reason_code", "Choose a reason from the list"))
    text = (text or "").strip()
    if not text:
        problems.append(FieldProblem("text", "Say what happened: the text is kept with the attempt"))
    elif len(text) > 2000:
        problems.append(FieldProblem("text", "The text must be 2,000 characters or fewer"))
    if problems:
        raise ValidationFailed("Give a reason", problems)
    return code, text


# ------------------------------------------------------------------------------------ messages

def send_message(session: Session, *, actor: Actor, attempt_id: int, text: str, now: dt.datetime) -> InvigilationEvent:
    """A message from an invigilator to a candidate during their attempt (shown in the player)."""
    attempt = _attempt_for_staff(session, actor, attempt_id)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Write a message", [FieldProblem("text", "Write the message to the candidate")])
    if len(text) > rules.MESSAGE_MAX_CHARS:
        raise ValidationFailed("Message too long", [FieldProblem(
            "text", f"The message must be {rules.MESSAGE_MAX_CHARS} characters or fewer (it has {len(text)})")])
    if not delivery.view_of(session, attempt, now).state.is_open:
        raise Conflict("This attempt has ended, so the candidate would not see a message.")
    row = log.append(session, invigilation_id=invigilation_of(session, attempt, now).id, kind=LogKind.MESSAGE_SENT,
                     now=now, attempt_id=attempt.id, actor_id=actor.user_id, payload={"text": text})
    audit.record(session, actor=actor, action="invigilation.message_sent", target_type="attempt",
                 target_id=attempt.id, after={"event_id": row.id}, now=now)
    return row


def candidate_messages(session: Session, *, actor: Actor, attempt_id: int) -> list[tuple[Message, bool]]:
    """The messages sent to the candidate's own attempt, oldest first, each with whether it was acknowledged."""
    require_role(actor, Role.CANDIDATE)
    attempt = delivery.get_attempt_for(session, actor, attempt_id)
    return messages_of(session, attempt_id=attempt.id, candidate_id=attempt.candidate_id)


class Message(NamedTuple):
    """A row of the invigilation log that the candidate's side of messages reads."""
    id: int
    invigilation_id: int
    kind: LogKind
    payload: dict
    received_at: dt.datetime
    attempt_id: int | None


_MESSAGE_COLUMNS = (InvigilationEvent.id, InvigilationEvent.invigilation_id, InvigilationEvent.kind,
                    InvigilationEvent.payload, InvigilationEvent.received_at, InvigilationEvent.attempt_id)
# Each a bound value, not one expanding list: a statement run on the driver is compiled once, before
# its parameters are known.
_MESSAGE_KINDS = [literal(kind, type_=InvigilationEvent.kind.type)
                  for kind in sorted({LogKind.MESSAGE_SENT, LogKind.MESSAGE_ACKNOWLEDGED})]

# Built once and run on the driver (core.db.DriverStatement): a save or a heartbeat that asks for the
# messages (every few seconds from every candidate who is answering) pays for the rows, not for the
# ORM's or SQLAlchemy's execution.
_MESSAGES_OF = DriverStatement(
    select(*_MESSAGE_COLUMNS)
    .join(Invigilation, Invigilation.id == InvigilationEvent.invigilation_id)
    .join(Attempt, (Attempt.sitting_id == Invigilation.sitting_id)
          & (Attempt.candidate_id == Invigilation.candidate_id))
    .where(Attempt.id == bindparam("attempt_id", type_=Integer),
           Attempt.candidate_id == bindparam("candidate_id", type_=Integer),
           InvigilationEvent.kind.in_(_MESSAGE_KINDS))
    .order_by(InvigilationEvent.seq))


def _sent_and_acknowledged(rows, attempt_id: int) -> list[tuple[Message, bool]]:
    """The messages sent to the attempt, each with whether the candidate has acknowledged it."""
    found = [Message(*row) for row in rows]
    acknowledged = {m.payload.get("message_event_id") for m in found if m.kind == LogKind.MESSAGE_ACKNOWLEDGED}
    return [(m, m.id in acknowledged) for m in found if m.kind == LogKind.MESSAGE_SENT and m.attempt_id == attempt_id]


def messages_of(session: Session, *, attempt_id: int, candidate_id: int) -> list[tuple[Message, bool]]:
    """:func:`candidate_messages` for a caller that has already found the attempt to be this
    candidate's (an autosave asking for them): one statement, from the attempt through
    the candidate's invigilation in its sitting to the log's message rows. Nothing for a sitting
    that is not invigilated, or an attempt that is not the candidate's."""
    rows = _MESSAGES_OF.rows(session.connection(), {"attempt_id": attempt_id, "candidate_id": candidate_id})
    return _sent_and_acknowledged(rows, attempt_id)


def _own_messages(claim_holds):
    """The claimed person's own attempt (no row for anyone else's) with whether their claim holds,
    joined to its message rows (none: one row of NULLs beside the claim)."""
    own = delivery.claimed_own_attempt(claim_holds, Attempt.sitting_id, Attempt.candidate_id).subquery("own")
    return (select(own.c.claim_holds, *_MESSAGE_COLUMNS).select_from(own)
            .outerjoin(Invigilation, (Invigilation.sitting_id == own.c.sitting_id)
                       & (Invigilation.candidate_id == own.c.candidate_id))
            .outerjoin(InvigilationEvent, (InvigilationEvent.invigilation_id == Invigilation.id)
                       & InvigilationEvent.kind.in_(_MESSAGE_KINDS))
            .order_by(InvigilationEvent.seq))


def messages_fast(session: Session, *, claim: tuple[int, int, str | None], claim_holds,
                  attempt_id: int) -> list[tuple[Message, bool]] | None:
    """:func:`candidate_messages` for the player's poll in one statement, no person or attempt loaded:
    the cookie's ``claim`` is confirmed, with the candidate role, in the same query
    (``core.web.CLAIM_HOLDS``). None for anyone else's attempt or a claim that no longer holds: the
    caller then runs the ordinary path, which answers as it always has (404, 401, 403)."""
    rows = built_for_claim(claim_holds, "own messages", _own_messages).rows(
        session.connection(), {"attempt_id": attempt_id, **claim_parameters(claim, Role.CANDIDATE)})
    if not rows or not rows[0][0]:
        return None
    return _sent_and_acknowledged([row[1:] for row in rows if row[1] is not None], attempt_id)


def acknowledge_message(session: Session, *, actor: Actor, attempt_id: int, message_event_id: int,
                        now: dt.datetime) -> InvigilationEvent | Message:
    """The candidate has read a message ("I have read this"). Saying so twice writes nothing more."""
    for row, acknowledged in candidate_messages(session, actor=actor, attempt_id=attempt_id):
        if row.id == message_event_id:
            if acknowledged:
                return row
            return log.append(session, invigilation_id=row.invigilation_id, kind=LogKind.MESSAGE_ACKNOWLEDGED,
                              now=now, attempt_id=attempt_id, actor_id=actor.user_id,
                              payload={"message_event_id": row.id})
    raise NotFound("There is no such message.")


# ------------------------------------------------------------------------------------- actions

def take_action(session: Session, *, actor: Actor, attempt_id: int, action: str, reason_code: str | None,
                text: str | None, now: dt.datetime, minutes: int | None = None) -> InvigilationEvent:
    """Pause, resume or add time, with a reason from the fixed list and free text. Delivery moves the
    clock (and audits it); the invigilation log gets an ``action_taken`` row with the actor."""
    attempt = _attempt_for_staff(session, actor, attempt_id)
    try:
        chosen = rules.Action(action or "")
    except ValueError:
        raise ValidationFailed("Choose an action", [FieldProblem("action", "Choose pause, resume or add time")]) \
            from None
    if chosen is rules.Action.ADD_TIME and not minutes:
        raise ValidationFailed("Time to add", [FieldProblem("minutes", "Enter the minutes to add")])
    code, text = _reason(reason_code, text)
    said = f"{code.label}: {text}"
    if chosen is rules.Action.PAUSE:
        delivery.pause(session, actor=actor, attempt_id=attempt.id, reason=said, now=now)
    elif chosen is rules.Action.RESUME:
        delivery.resume(session, actor=actor, attempt_id=attempt.id, reason=said, now=now)
    else:
        delivery.extend_time(session, actor=actor, attempt_id=attempt.id, seconds=minutes * 60, reason=said, now=now)
    payload = {"action": chosen.value, "reason_code": code.value, "text": text}
    if chosen is rules.Action.ADD_TIME:
        payload["minutes"] = minutes
    return log.append(session, invigilation_id=invigilation_of(session, attempt, now).id, kind=LogKind.ACTION_TAKEN,
                      now=now, attempt_id=attempt.id, actor_id=actor.user_id, payload=payload, reason=text)


def _end_rows(session: Session, invigilation_id: int) -> list[InvigilationEvent]:
    return log.rows(session, invigilation_id,
                    kinds={LogKind.END_REQUESTED, LogKind.END_CONFIRMED, LogKind.END_CANCELLED})


def pending_request(rows: list[InvigilationEvent], attempt_id: int) -> InvigilationEvent | None:
    """The attempt's end request that is neither confirmed nor cancelled, if any."""
    closed = {r.payload.get("request_event_id") for r in rows if r.kind != LogKind.END_REQUESTED}
    open_ = [r for r in rows if r.kind == LogKind.END_REQUESTED and r.attempt_id == attempt_id and r.id not in closed]
    return open_[-1] if open_ else None


def request_end(session: Session, *, actor: Actor, attempt_id: int, reason_code: str | None, text: str | None,
                now: dt.datetime) -> InvigilationEvent:
    """The first of the two people an early end needs: recorded, and nothing happens to the attempt yet."""
    attempt = _attempt_for_staff(session, actor, attempt_id)
    code, text = _reason(reason_code, text)
    if not delivery.view_of(session, attempt, now).state.is_open:
        raise Conflict("This attempt has already ended.")
    invigilation = invigilation_of(session, attempt, now)
    if pending_request(_end_rows(session, invigilation.id), attempt.id) is not None:
        raise Conflict("Ending this attempt has already been asked for: it waits for a second person.")
    row = log.append(session, invigilation_id=invigilation.id, kind=LogKind.END_REQUESTED, now=now,
                     attempt_id=attempt.id, actor_id=actor.user_id, payload={"reason_code": code.value, "text": text},
                     reason=text)
    audit.record(session, actor=actor, action="invigilation.end_requested", target_type="attempt",
                 target_id=attempt.id, after={"reason_code": code.value, "text": text}, now=now)
    return row


def _open_request(session: Session, actor: Actor, request_event_id: int) -> tuple[InvigilationEvent, Attempt]:
    require_role(actor, *CONFIRM_ROLES)
    row = session.get(InvigilationEvent, request_event_id)
    if row is None or row.kind != LogKind.END_REQUESTED or row.attempt_id is None:
        raise NotFound("There is no such request to end an attempt.")
    attempt = _attempt_for_staff(session, actor, row.attempt_id, CONFIRM_ROLES)
    pending = pending_request(_end_rows(session, row.invigilation_id), attempt.id)
    if pending is None or pending.id != row.id:
        raise Conflict("This request has already been confirmed or cancelled.")
    return row, attempt


def confirm_end(session: Session, *, actor: Actor, request_event_id: int, now: dt.datetime) -> InvigilationEvent:
    """The second person confirms: delivery ends the attempt (answers kept, marking told) and the log
    records who confirmed. The person who asked cannot confirm their own request."""
    row, attempt = _open_request(session, actor, request_event_id)
    if row.actor_id == actor.user_id:
        raise Forbidden("You asked for this attempt to end, so someone else must confirm it.")
    reason = f"{ActionReason(row.payload['reason_code']).label}: {row.payload.get('text', '')}"
    delivery.end_attempt(session, actor=actor, attempt_id=attempt.id, requested_by_id=row.actor_id, reason=reason,
                         now=now)
    return log.append(session, invigilation_id=row.invigilation_id, kind=LogKind.END_CONFIRMED, now=now,
                      attempt_id=attempt.id, actor_id=actor.user_id, payload={"request_event_id": row.id})


def cancel_end(session: Session, *, actor: Actor, request_event_id: int, note: str, now: dt.datetime
               ) -> InvigilationEvent:
    """Withdraw a request (its author or anyone who could confirm it), with a note."""
    row, attempt = _open_request(session, actor, request_event_id)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Give a reason", [FieldProblem("note", "Say why the attempt should not end")])
    cancelled = log.append(session, invigilation_id=row.invigilation_id, kind=LogKind.END_CANCELLED, now=now,
                           attempt_id=attempt.id, actor_id=actor.user_id, payload={"request_event_id": row.id},
                           reason=note[:2000])
    audit.record(session, actor=actor, action="invigilation.end_cancelled", target_type="attempt",
                 target_id=attempt.id, after={"request_event_id": row.id, "note": note[:2000]}, now=now)
    return cancelled


# ---------------------------------------------------------------------------------- allocation

def invigilators(session: Session) -> list[User]:
    """Everyone who holds the invigilator role (enabled accounts), by name."""
    users = session.scalars(select(User).where(User.is_enabled.is_(True)).order_by(User.full_name, User.id))
    return [u for u in users if Role.INVIGILATOR in u.roles]


def booked_candidates(session: Session, sitting_id: int) -> list[int]:
    return list(session.scalars(select(Booking.candidate_id).where(
        Booking.sitting_id == sitting_id, Booking.cancelled_at.is_(None)).order_by(Booking.id)))


def current_allocation(session: Session, sitting_id: int) -> dict[int, InvigilatorAllocation]:
    """The standing allocation per candidate (the latest row)."""
    latest: dict[int, InvigilatorAllocation] = {}
    for row in session.scalars(select(InvigilatorAllocation).where(InvigilatorAllocation.sitting_id == sitting_id)
                               .order_by(InvigilatorAllocation.id)):
        latest[row.candidate_id] = row
    return latest


def _check_invigilators(session: Session, sitting: Sitting, ids: list[int], field: str) -> None:
    allowed = {u.id for u in invigilators(session)}
    if not ids:
        raise ValidationFailed("Choose invigilators", [FieldProblem(field, "Choose at least one invigilator")])
    if any(i not in allowed for i in ids):
        raise ValidationFailed("Not an invigilator",
                               [FieldProblem(field, "Choose only people with the invigilator role")])
    candidates_here = set(booked_candidates(session, sitting.id)) | set(
        session.scalars(select(Attempt.candidate_id).where(Attempt.sitting_id == sitting.id)))
    if not sitting.is_practice and candidates_here & set(ids):
        raise ValidationFailed("A candidate cannot invigilate", [FieldProblem(
            field, "Someone chosen is a candidate in this sitting, so cannot invigilate it")])


def allocate(session: Session, *, actor: Actor, sitting_id: int, invigilator_ids: list[int], now: dt.datetime,
             per_invigilator: int) -> int:
    """Share the sitting's booked candidates among the chosen invigilators (``rules.allocate``) and
    write a row for each candidate whose invigilator changes. Returns how many rows were written."""
    require_role(actor, Role.ADMIN)
    sitting = get_or_raise(session, Sitting, sitting_id)
    delivery.require_not_candidate_in(session, actor, sitting)
    invigilator_ids = list(dict.fromkeys(invigilator_ids))
    _check_invigilators(session, sitting, invigilator_ids, "invigilators")
    standing = current_allocation(session, sitting.id)
    try:
        plan = rules.allocate(booked_candidates(session, sitting.id), invigilator_ids, per_invigilator=per_invigilator,
                              current={c: row.invigilator_id for c, row in standing.items()})
    except rules.TooFewInvigilators as error:
        raise ValidationFailed("Too few invigilators", [FieldProblem("invigilators", str(error))]) from None
    written = 0
    for candidate_id, invigilator_id in plan.items():
        if candidate_id in standing and standing[candidate_id].invigilator_id == invigilator_id:
            continue
        session.add(InvigilatorAllocation(sitting_id=sitting.id, candidate_id=candidate_id,
                                          invigilator_id=invigilator_id, allocated_by_id=actor.user_id,
                                          allocated_at=now, note="Allocation"))
        written += 1
    session.flush()
    audit.record(session, actor=actor, action="invigilation.allocated", target_type="sitting", target_id=sitting.id,
                 after={"invigilators": invigilator_ids, "changed": written}, now=now)
    return written


def hand_over(session: Session, *, actor: Actor, sitting_id: int, candidate_ids: list[int],
              to_invigilator_id: int | None, note: str, now: dt.datetime, per_invigilator: int) -> int:
    """Move candidates to another invigilator with a note: an invigilator moves their own, an
    administrator anyone's. The receiver may not go above the number one invigilator watches."""
    require_role(actor, *LIVE_ROLES)
    sitting = get_or_raise(session, Sitting, sitting_id)
    delivery.require_not_candidate_in(session, actor, sitting)
    problems = []
    if not candidate_ids:
        problems.append(FieldProblem("candidates", "Choose the candidates to hand over"))
    if not (note or "").strip():
        problems.append(FieldProblem("note", "Write a note for the invigilator taking over"))
    if problems:
        raise ValidationFailed("Hand-over", problems)
    if to_invigilator_id is None:
        raise ValidationFailed("Hand-over", [FieldProblem("to_invigilator", "Choose who takes over")])
    _check_invigilators(session, sitting, [to_invigilator_id], "to_invigilator")
    standing = current_allocation(session, sitting.id)
    booked = set(booked_candidates(session, sitting.id))
    for candidate_id in candidate_ids:
        if candidate_id not in booked:
            raise ValidationFailed("Hand-over", [FieldProblem("candidates", "Choose candidates of this sitting")])
        held = standing.get(candidate_id)
        if not actor.has(Role.ADMIN) and (held is None or held.invigilator_id != actor.user_id):
            raise Forbidden("You can hand over only the candidates allocated to you.")
    moving = [c for c in dict.fromkeys(candidate_ids)
              if standing.get(c) is None or standing[c].invigilator_id != to_invigilator_id]
    load = sum(1 for row in standing.values() if row.invigilator_id == to_invigilator_id)
    if load + len(moving) > per_invigilator:
        raise ValidationFailed("Hand-over", [FieldProblem(
            "to_invigilator", f"That invigilator would watch {load + len(moving)} candidates; at most "
                              f"{per_invigilator} are allowed")])
    for candidate_id in moving:
        session.add(InvigilatorAllocation(sitting_id=sitting.id, candidate_id=candidate_id,
                                          invigilator_id=to_invigilator_id, allocated_by_id=actor.user_id,
                                          allocated_at=now, note=note.strip()[:2000]))
    session.flush()
    audit.record(session, actor=actor, action="invigilation.handed_over", target_type="sitting", target_id=sitting.id,
                 after={"candidates": moving, "to": to_invigilator_id, "note": note.strip()[:2000]}, now=now)
    return len(moving)
