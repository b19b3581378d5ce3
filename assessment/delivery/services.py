"""Delivery use cases. Every write appends evidence (steps or events); state is replayed from it.

The save protocol (DESIGN.md): a retry with the same client step id is answered with the stored
acknowledgement and writes nothing; a save equal to the slot's current state writes nothing; a save
that saw an older sequence number gets 409; a save after the end is refused *and recorded*; only the
device that last claimed the attempt may save.
"""
from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Integer, and_, bindparam, func, insert, literal_column, null, select, text, true, union_all
from sqlalchemy.orm import Session, aliased

from core import audit, signals
from core.db import DriverStatement, built_for_claim, claim_parameters, get_or_raise, insert_on_conflict
from core.errors import Conflict, DomainError, FieldProblem, Forbidden, NotFound, ValidationFailed
from core.roles import Actor, Role, require_role
from assessment.delivery import replay
from assessment.delivery.evidence import fold_attempts
from assessment.delivery.models import (AdjustmentRequest, Attempt, AttemptEvent, AttemptSlot, AttemptStorageKey,
                                        Booking, ResponseStep, Sitting)
from assessment.delivery.rules import (ENDING_KINDS, AdjustmentStatus, Window, allowed_duration_s, can_start,
                                       receipt_code)
from item_bank import item_types


class AttemptEnded(Conflict):
    code = "attempt_ended"


class StaleSequence(Conflict):
    code = "stale"

    def __init__(self, message: str, view: replay.AttemptView) -> None:
        super().__init__(message)
        self.view = view


class DeviceReplaced(Conflict):
    code = "read_only"


class Paused(Conflict):
    """The clock is stopped (a rest break, or a pause by staff): the paper is not to be read or
    answered. The state in the 409 body says which (``on_break``)."""

    code = "paused"


@dataclass(frozen=True)
class Ack:
    """A save's acknowledgement. ``view`` is the attempt's state after it; on the fast path its
    ``slots`` hold the saved slot only (``replay.view_for_save``), which is all an acknowledgement
    tells."""
    seq: int
    slot: int
    written: bool
    view: replay.AttemptView


def window_of(sitting: Sitting) -> Window:
    return Window(sitting.booking_opens_at, sitting.booking_closes_at, sitting.opens_at, sitting.closes_at)


def _lock_attempt(session: Session, attempt_id: int) -> Attempt:
    if session.get_bind().dialect.name == "postgresql":
        # One save at a time per attempt: sequence numbers are handed out under this row lock.
        session.execute(text("SELECT id FROM attempts WHERE id = :id FOR UPDATE"), {"id": attempt_id})
    return get_or_raise(session, Attempt, attempt_id)


def get_attempt_for(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    """The candidate's own attempt; anyone else's is 'not found', so ids reveal nothing."""
    return get_attempt_of(session, actor.user_id, attempt_id)


def get_attempt_of(session: Session, candidate_id: int | None, attempt_id: int) -> Attempt:
    """:func:`get_attempt_for` for a caller that already knows who the signed-in candidate is."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.candidate_id != candidate_id:
        raise NotFound("There is no such attempt.")
    return attempt


def storage_key_for(session: Session, actor: Actor, attempt_id: int, now: dt.datetime) -> str:
    """The key the exam player encrypts what it keeps in the browser with, for the attempt's own
    candidate only (anyone else's attempt is 'not found', like every other player call). Made on
    first use: two windows asking at once both get the one that was stored first. Never made for an
    attempt that has ended: its key may have been deleted by the retention sweep, and a new one would
    open nothing a browser still holds."""
    key = storage_key_if_any(session, get_attempt_for(session, actor, attempt_id), now)
    if key is None:
        raise AttemptEnded("This exam has ended, so the player has nothing more to keep on this device.")
    return key


def storage_key_if_any(session: Session, attempt: Attempt, now: dt.datetime, *,
                       is_open: bool | None = None) -> str | None:
    """``storage_key_for`` for an attempt already found for its candidate, with None where that
    refuses (an ended attempt whose key is gone). ``is_open``: whether the attempt is open, for a
    caller that has just folded it (the claim), so that it is not folded again."""
    stored = session.get(AttemptStorageKey, attempt.id)
    if stored is not None:
        return stored.key
    if not (is_open if is_open is not None else view_of(session, attempt, now).state.is_open):
        return None
    # One statement whoever wins: two requests making the first key at once both get the stored one.
    made = session.scalar(insert_on_conflict(session, AttemptStorageKey)
                          .values(attempt_id=attempt.id, key=secrets.token_urlsafe(32), created_at=now)
                          .on_conflict_do_nothing(index_elements=[AttemptStorageKey.attempt_id])
                          .returning(AttemptStorageKey.key))
    if made is not None:
        return made
    return session.scalars(select(AttemptStorageKey.key).where(AttemptStorageKey.attempt_id == attempt.id)
                           .execution_options(populate_existing=True)).one()


def latest_attempt(session: Session, sitting_id: int, candidate_id: int) -> Attempt | None:
    """The candidate's latest try at a sitting (a real sitting has at most one)."""
    return session.scalars(select(Attempt).where(Attempt.sitting_id == sitting_id,
                                                 Attempt.candidate_id == candidate_id)
                           .order_by(Attempt.attempt_no.desc()).limit(1)).first()


def approved_adjustments(session: Session, candidate_id: int) -> AdjustmentRequest | None:
    return session.scalars(select(AdjustmentRequest).where(
        AdjustmentRequest.candidate_id == candidate_id, AdjustmentRequest.status == AdjustmentStatus.APPROVED)
        .order_by(AdjustmentRequest.decided_at.desc())).first()


_STEP_COLUMNS = (ResponseStep.seq, ResponseStep.slot, ResponseStep.payload, ResponseStep.client_step_id,
                 ResponseStep.created_at, ResponseStep.device_id)


def _events(session: Session, attempt_id: int) -> list[replay.Event]:
    rows = session.execute(select(AttemptEvent.kind, AttemptEvent.occurred_at, AttemptEvent.payload)
                           .where(AttemptEvent.attempt_id == attempt_id).order_by(AttemptEvent.id))
    return [replay.Event(kind, at, payload or {}) for kind, at, payload in rows]


def evidence(session: Session, attempt_id: int) -> tuple[list[replay.Step], list[replay.Event]]:
    """Every step and event of an attempt: for timelines and replay to any past moment."""
    steps = [replay.Step(*row) for row in session.execute(
        select(*_STEP_COLUMNS).where(ResponseStep.attempt_id == attempt_id).order_by(ResponseStep.seq))]
    return steps, _events(session, attempt_id)


def latest_steps(session: Session, attempt_id: int) -> list[replay.Step]:
    """Each slot's last step only. The server never writes a step after the attempt ends, so for the
    state *now* these fold to exactly what all the steps would; the cost stays flat however many
    saves an attempt has had (autosave is the hot path)."""
    latest = (select(func.max(ResponseStep.seq)).where(ResponseStep.attempt_id == attempt_id)
              .group_by(ResponseStep.slot))
    return [replay.Step(*row) for row in session.execute(
        select(*_STEP_COLUMNS).where(ResponseStep.attempt_id == attempt_id, ResponseStep.seq.in_(latest)))]


def slot_numbers(session: Session, attempt_id: int) -> list[int]:
    return list(session.scalars(select(AttemptSlot.slot).where(AttemptSlot.attempt_id == attempt_id)
                                .order_by(AttemptSlot.slot)))


def _allowed_s(attempt: Attempt) -> int:
    return allowed_duration_s(attempt.duration_s, attempt.extra_time_pct)


def _fold(session: Session, attempt: Attempt, steps, events, now: dt.datetime) -> replay.AttemptView:
    return replay.attempt_view(started_at=attempt.started_at, allowed_s=_allowed_s(attempt),
                               slot_numbers=slot_numbers(session, attempt.id), steps=steps, events=events, now=now)


def _evidence_now_statement(*, lateral: bool):
    """Built once: the statement of :func:`_evidence_now`, with ``attempt_id`` bound at execution
    (building and hashing a three-part union on every request cost more than running it).

    Each slot's latest step is found from the slot, through the index on (attempt, slot, seq): one
    short probe a slot, however many steps the attempt has. (Grouping the attempt's steps by slot read
    every step on every save: 1.5 ms of PostgreSQL's time at 500 steps, growing all sitting.) On
    PostgreSQL a ``LATERAL`` subquery with ``LIMIT 1`` makes the probe the only plan there is; with a
    correlated ``max`` instead, its planner sometimes hashed all of the attempt's steps. SQLite has no
    ``LATERAL`` and always probes for the correlated ``max``."""
    attempt_id = bindparam("attempt_id", type_=Integer)
    names = ("src", "n", "slot", "payload", "label", "at", "device")

    def part(*columns):
        return select(*(column.label(name) for column, name in zip(columns, names)))

    if lateral:
        latest = (select(ResponseStep.seq, ResponseStep.slot, ResponseStep.payload, ResponseStep.client_step_id,
                         ResponseStep.created_at, ResponseStep.device_id)
                  .where(ResponseStep.attempt_id == AttemptSlot.attempt_id, ResponseStep.slot == AttemptSlot.slot)
                  .order_by(ResponseStep.seq.desc()).limit(1).lateral("latest"))
        steps = part(literal_column("0"), latest.c.seq, latest.c.slot, latest.c.payload, latest.c.client_step_id,
                     latest.c.created_at, latest.c.device_id) \
            .select_from(AttemptSlot).join(latest, true()).where(AttemptSlot.attempt_id == attempt_id)
    else:
        earlier = aliased(ResponseStep)
        latest_seq = (select(func.max(earlier.seq))
                      .where(earlier.attempt_id == AttemptSlot.attempt_id, earlier.slot == AttemptSlot.slot)
                      .scalar_subquery())
        steps = part(literal_column("0"), ResponseStep.seq, ResponseStep.slot, ResponseStep.payload,
                     ResponseStep.client_step_id, ResponseStep.created_at, ResponseStep.device_id) \
            .select_from(AttemptSlot) \
            .join(ResponseStep, and_(ResponseStep.attempt_id == AttemptSlot.attempt_id,
                                     ResponseStep.seq == latest_seq)) \
            .where(AttemptSlot.attempt_id == attempt_id)
    events = part(literal_column("1"), AttemptEvent.id, null(), AttemptEvent.payload, AttemptEvent.kind,
                  AttemptEvent.occurred_at, null()).where(AttemptEvent.attempt_id == attempt_id)
    slots = part(literal_column("2"), AttemptSlot.slot, null(), null(), null(), null(), null()) \
        .where(AttemptSlot.attempt_id == attempt_id)
    both = union_all(steps, events, slots).subquery()
    return select(both).order_by(both.c.src, both.c.n)


_EVIDENCE_NOW = DriverStatement(_evidence_now_statement(lateral=False))
_EVIDENCE_NOW_LATERAL = DriverStatement(_evidence_now_statement(lateral=True))


def _evidence_now_driven(dialect_name: str) -> DriverStatement:
    """The state read for a database: ``LATERAL`` on PostgreSQL, the correlated form elsewhere."""
    return _EVIDENCE_NOW_LATERAL if dialect_name == "postgresql" else _EVIDENCE_NOW


def evidence_now_statement(dialect_name: str):
    """The state read's Core statement for a database (its plan is tested)."""
    return _evidence_now_driven(dialect_name).statement


def _evidence_now(session: Session, attempt_id: int) -> tuple[list[replay.Step], list[replay.Event], list[int]]:
    """What the state *now* folds: each slot's latest step, every event and the slot numbers, in one
    round trip (three queries joined by UNION ALL, told apart by ``src``). The state is read on every
    request a candidate makes, so its round trips are the hot path's."""
    # Straight on the driver (core.db.DriverStatement): the ORM's execution, then SQLAlchemy's, cost a
    # save more than the rows did. The flush is what the ORM's autoflush did: an event added earlier in
    # the request is part of "now".
    session.flush()
    connection = session.connection()
    rows = _evidence_now_driven(connection.dialect.name).rows(connection, {"attempt_id": attempt_id})
    found_steps, found_events, numbers = [], [], []
    for src, n, slot, payload, label, at, device in rows:
        if src == 0:
            found_steps.append(replay.Step(n, slot, payload, label, at, device))
        elif src == 1:
            found_events.append(replay.Event(label, at, payload or {}))
        else:
            numbers.append(n)
    return found_steps, found_events, numbers


def _save_state_statement():
    """Built once: what an autosave folds (``replay.latest_for_save``) — the saved slot's last step
    and the attempt's last step, each one probe of an index ((attempt, slot, seq) and (attempt, seq))
    however long the paper — and every event, in one round trip. ``attempt_id`` and ``slot`` are bound
    at execution. The limits are literal, so that a prepared statement's generic plan is still a
    probe."""
    attempt_id = bindparam("attempt_id", type_=Integer)
    step_columns = (ResponseStep.seq.label("n"), ResponseStep.slot, ResponseStep.payload,
                    ResponseStep.client_step_id.label("label"), ResponseStep.created_at.label("at"),
                    ResponseStep.device_id.label("device"))

    def last_step(*where):
        found = (select(*step_columns).where(ResponseStep.attempt_id == attempt_id, *where)
                 .order_by(ResponseStep.seq.desc()).limit(literal_column("1")).subquery())
        return select(literal_column("0").label("src"), *found.c)

    events = select(literal_column("1"), AttemptEvent.id, null(), AttemptEvent.payload, AttemptEvent.kind,
                    AttemptEvent.occurred_at, null()).where(AttemptEvent.attempt_id == attempt_id)
    both = union_all(last_step(ResponseStep.slot == bindparam("slot", type_=Integer)), last_step(), events).subquery()
    return select(both).order_by(both.c.src, both.c.n)


_SAVE_STATE = DriverStatement(_save_state_statement())


def save_state_statement():
    """The save's state read's Core statement (its plan is tested)."""
    return _SAVE_STATE.statement


def _fold_for_save(attempt_started_at: dt.datetime, allowed_s: int, session: Session, attempt_id: int, slot: int,
                   now: dt.datetime) -> replay.AttemptView:
    """The state a save needs (``replay.view_for_save``: the attempt's state and the saved slot's),
    read under the attempt's row lock, straight on the driver as :func:`_evidence_now` is."""
    steps, events = {}, []
    for src, n, step_slot, payload, label, at, device in _SAVE_STATE.rows(
            session.connection(), {"attempt_id": attempt_id, "slot": slot}):
        if src == 0:
            steps[n] = replay.Step(n, step_slot, payload, label, at, device)
        else:
            events.append(replay.Event(label, at, payload or {}))
    return replay.view_for_save(started_at=attempt_started_at, allowed_s=allowed_s, slot=slot,
                                steps=[steps[n] for n in sorted(steps)], events=events, now=now)


def _fold_now(attempt_started_at: dt.datetime, allowed_s: int, session: Session, attempt_id: int,
              now: dt.datetime) -> tuple[replay.AttemptView, list[replay.Step]]:
    """The state now, and the latest steps it was folded from (their times are the saved times)."""
    steps, events, numbers = _evidence_now(session, attempt_id)
    return replay.attempt_view(started_at=attempt_started_at, allowed_s=allowed_s, slot_numbers=numbers,
                               steps=steps, events=events, now=now), steps


def view_of(session: Session, attempt: Attempt, now: dt.datetime) -> replay.AttemptView:
    """The attempt as it stands now."""
    return _fold_now(attempt.started_at, _allowed_s(attempt), session, attempt.id, now)[0]


def view_and_saved_times(session: Session, attempt: Attempt,
                         now: dt.datetime) -> tuple[replay.AttemptView, dict[int, dt.datetime | None]]:
    """The attempt as it stands now, and when each slot's current state was saved (None: never) —
    from the same one read, for the player's state (a page that kept unsent edits compares them)."""
    return _view_and_saved_times(attempt.started_at, _allowed_s(attempt), session, attempt.id, now)


def _view_and_saved_times(started_at: dt.datetime, allowed_s: int, session: Session, attempt_id: int,
                          now: dt.datetime) -> tuple[replay.AttemptView, dict[int, dt.datetime | None]]:
    view, steps = _fold_now(started_at, allowed_s, session, attempt_id, now)
    return view, _saved_times(view, steps)


def _saved_times(view: replay.AttemptView, steps: list[replay.Step]) -> dict[int, dt.datetime | None]:
    """When each slot's state in ``view`` was saved (None: never), from the steps it was folded from."""
    at_seq = {step.seq: step.at for step in steps}
    return {number: at_seq.get(state.seq) for number, state in view.slots.items()}


def view_at(session: Session, attempt: Attempt, moment: dt.datetime) -> replay.AttemptView:
    """The attempt as it stood at ``moment`` (any past instant), from all its evidence."""
    steps, events = evidence(session, attempt.id)
    return _fold(session, attempt, steps, events, moment)


def _event(session: Session, attempt: Attempt, kind: str, now: dt.datetime, *, actor_id: int | None = None,
           payload: dict | None = None, reason: str = "", flush: bool = True) -> AttemptEvent:
    """Record one event. ``flush=False`` leaves it to the next flush, which sends the events added
    since the last one as one insert (their ids keep the order they were added in)."""
    event = AttemptEvent(attempt_id=attempt.id, kind=kind, payload=payload or {}, actor_id=actor_id, reason=reason,
                         occurred_at=now)
    session.add(event)
    if flush:
        session.flush()
    return event


def start_attempt(session: Session, *, actor: Actor, sitting_id: int, device_id: str, now: dt.datetime,
                  rng: random.Random | None = None) -> Attempt:
    """Start (or resume) the candidate's attempt at a sitting: pick a paper, freeze its items and
    option orders, apply approved adjustments, and claim the attempt for this device.

    A real sitting has one attempt per candidate: asking again resumes it (or returns it, ended). The
    practice exam can be taken again: once a try has ended, asking again starts the next try."""
    require_role(actor, Role.CANDIDATE)
    sitting = get_or_raise(session, Sitting, sitting_id)
    existing = latest_attempt(session, sitting.id, actor.user_id)
    if existing is not None and not (sitting.is_practice and existing.is_practice
                                     and not view_of(session, existing, now).state.is_open):
        claim_device(session, actor=actor, attempt_id=existing.id, device_id=device_id, now=now)
        return existing
    booked = session.scalar(select(Booking.id).where(Booking.sitting_id == sitting.id,
                                                     Booking.candidate_id == actor.user_id,
                                                     Booking.cancelled_at.is_(None))) is not None
    decision = can_start(window_of(sitting), now, is_booked=booked, is_practice=sitting.is_practice)
    if not decision.allowed:
        raise Conflict(decision.reason)
    vetoes = [reason for _fn, reason in signals.attempt_starting.send(session, candidate_id=actor.user_id,
                                                                      sitting=sitting) if reason]
    if vetoes:
        raise Conflict(vetoes[0])
    if not sitting.papers:
        raise Conflict("This sitting has no exam paper yet.")
    from item_bank.models import ExamPaperEntry, ItemVersion  # read-only use of a lower layer's tables

    rng = rng or random.Random(secrets.randbits(64))
    paper_id = rng.choice(sitting.papers).exam_paper_id
    # The paper's questions in order, in one statement: loading the paper's object graph (entries,
    # case studies, questions, their mappings and attachments) cost a start a quarter of its time.
    questions = session.execute(
        select(ExamPaperEntry.case_study_version_id, ItemVersion.id, ItemVersion.content, ItemVersion.max_mark)
        .join(ItemVersion, ItemVersion.case_study_version_id == ExamPaperEntry.case_study_version_id)
        .where(ExamPaperEntry.exam_paper_id == paper_id)
        .order_by(ExamPaperEntry.position, ItemVersion.position)).all()
    adjustments = approved_adjustments(session, actor.user_id)
    attempt = Attempt(sitting_id=sitting.id, candidate_id=actor.user_id, exam_paper_id=paper_id, started_at=now,
                      attempt_no=existing.attempt_no + 1 if existing is not None else 1,
                      is_practice=sitting.is_practice,
                      duration_s=sitting.duration_s,
                      extra_time_pct=adjustments.extra_time_pct if adjustments else 0,
                      has_rest_breaks=bool(adjustments and adjustments.rest_breaks),
                      preferences={"text_size": adjustments.text_size, "colour_scheme": adjustments.colour_scheme,
                                   "screen_reader": adjustments.uses_screen_reader} if adjustments else {})
    session.add(attempt)
    session.flush()
    # One multi-row insert, not sixteen objects for the unit of work: ``attempt.slots`` loads them
    # when asked for.
    if questions:
        session.execute(insert(AttemptSlot), [
            {"attempt_id": attempt.id, "slot": number, "case_study_version_id": case_study_version_id,
             "item_version_id": item_version_id, "option_order": item_types.shuffled_option_order(content, rng),
             "max_mark": max_mark}
            for number, (case_study_version_id, item_version_id, content, max_mark) in enumerate(questions, start=1)])
    # Both events go in one insert, at the audit entry's flush.
    _event(session, attempt, "started", now, actor_id=actor.user_id,
           payload={"exam_paper_id": paper_id, "extra_time_pct": attempt.extra_time_pct,
                    "attempt_no": attempt.attempt_no}, flush=False)
    _event(session, attempt, "device_claimed", now, actor_id=actor.user_id, payload={"device_id": device_id},
           flush=False)
    audit.record(session, actor=actor, action="attempt.started", target_type="attempt", target_id=attempt.id,
                 after={"sitting": sitting.id, "paper": paper_id, "attempt_no": attempt.attempt_no}, now=now)
    return attempt


@dataclass(frozen=True)
class Claimed:
    """A claim's outcome: the attempt before it (whether it is open, which a claim never changes),
    after it, and when each slot's state was saved (``view_and_saved_times``)."""

    before: replay.AttemptView
    after: replay.AttemptView
    saved_at: dict[int, dt.datetime | None]


def claim_device(session: Session, *, actor: Actor, attempt_id: int, device_id: str, now: dt.datetime) -> Claimed:
    """This device (browser tab) now drives the attempt; any other becomes read-only. Recorded.

    The state after the claim is the same fold with the claim's event added, not a second read: the
    player opens with a claim, so in a start storm every candidate would pay that read."""
    attempt = get_attempt_for(session, actor, attempt_id)
    steps, events, numbers = _evidence_now(session, attempt.id)
    fold = partial(replay.attempt_view, started_at=attempt.started_at, allowed_s=_allowed_s(attempt),
                   slot_numbers=numbers, steps=steps, now=now)
    before = after = fold(events=events)
    if before.state.is_open and before.active_device != device_id:
        claim = _event(session, attempt, "device_claimed", now, actor_id=actor.user_id,
                       payload={"device_id": device_id, "previous": before.active_device})
        after = fold(events=[*events, replay.Event(claim.kind, claim.occurred_at, claim.payload)])
    return Claimed(before, after, _saved_times(after, steps))


def _check_payload(session: Session, attempt_id: int, slot: int, payload: dict) -> None:
    """The answer and the ruled-out options must fit the slot's item (``item_types.validate_answer``):
    a wrong shape or value is refused before anything is written."""
    from item_bank.models import ItemVersion  # read-only use of a lower layer's table

    row = session.scalar(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt_id, AttemptSlot.slot == slot))
    if row is None:  # a field of the body, not the address: the request does not fit the exam
        raise ValidationFailed("The answer does not fit this exam",
                               [FieldProblem("slot", "There is no such question in this exam.")])
    content = session.get(ItemVersion, row.item_version_id).content
    problems = [FieldProblem(f"payload.{p.field}", p.message)
                for p in (item_types.validate_answer(content, payload.get("answer"))
                          + item_types.validate_struck(content, payload.get("struck")))]
    if problems:
        raise ValidationFailed("The answer does not fit this question", problems)


def paused_message(view: replay.AttemptView) -> str:
    if view.on_break:
        return "You are on a rest break, so the questions are hidden and answers cannot be changed until you end it."
    return "The exam is paused, so the questions are hidden and answers cannot be changed until it resumes."


def save_response(session: Session, *, actor: Actor, attempt_id: int, slot: int, payload: dict, seen_seq: int,
                  client_step_id: str, device_id: str, now: dt.datetime) -> Ack:
    attempt = get_attempt_for(session, actor, attempt_id)
    attempt = _lock_attempt(session, attempt.id)
    stored = session.scalar(select(ResponseStep).where(ResponseStep.attempt_id == attempt.id,
                                                       ResponseStep.client_step_id == client_step_id))
    if stored is not None:  # a retry of a save we already acknowledged
        return Ack(stored.seq, stored.slot, False, view_of(session, attempt, now))
    _check_payload(session, attempt.id, slot, payload)
    view = view_of(session, attempt, now)
    if not view.state.is_open:
        _event(session, attempt, "late_response_rejected", now, actor_id=actor.user_id,
               payload={"slot": slot, "client_step_id": client_step_id, "state": view.state.value})
        raise AttemptEnded("This exam has ended, so answers can no longer be changed. "
                           "Everything saved before the end has been kept.")
    if view.state == replay.AttemptState.PAUSED:
        raise Paused(paused_message(view))
    if device_id != view.active_device:
        raise DeviceReplaced("This exam is open in another window or device, so this one is read-only.")
    current = view.slots[slot]
    proposed = replay.slot_state(payload, 0)
    # A save equal to the slot's state writes nothing, whatever sequence the page saw: that also
    # answers the retry of a save that was itself acknowledged as "nothing to write".
    if (current.answer, current.flagged, current.struck) == (proposed.answer, proposed.flagged, proposed.struck):
        return Ack(view.last_seq, slot, False, view)
    if seen_seq != view.last_seq:
        raise StaleSequence("Your answers changed elsewhere; this page has been brought up to date.", view)
    step = ResponseStep(attempt_id=attempt.id, seq=view.last_seq + 1, slot=slot, payload=payload,
                        client_step_id=client_step_id, device_id=device_id, created_at=now)
    session.add(step)
    session.flush()
    # The new state is the old one with this slot replaced: no second replay on the hot path.
    return Ack(step.seq, slot, True, replay.with_step(view, replay.Step(step.seq, slot, payload, client_step_id,
                                                                          now, device_id)))


def claimed_own_attempt(claim_holds, *columns):
    """A select of ``columns`` and, last, whether the person's claim holds (``claim_holds``, the
    ``core.web.CLAIM_HOLDS`` clause), from the claimed person's own attempt only: anyone else's is no
    row. ``attempt_id`` and the claim are bound at execution. The first query of every candidate's
    fast path, here and in invigilation."""
    return (select(*columns, claim_holds.label("claim_holds"))
            .where(Attempt.id == bindparam("attempt_id", type_=Integer),
                   Attempt.candidate_id == bindparam("claim_user_id", type_=Integer)))


def _own_clock(claim_holds):
    """The attempt's clock (start, duration, extra time) and whether the person's claim holds."""
    return claimed_own_attempt(claim_holds, Attempt.started_at, Attempt.duration_s, Attempt.extra_time_pct)


def state_fast(session: Session, *, claim: tuple[int, int, str | None], claim_holds, attempt_id: int,
               now: dt.datetime) -> tuple[replay.AttemptView, dict[int, dt.datetime | None]] | None:
    """The player's state poll's ordinary case in two statements, no objects loaded: the attempt's
    clock with whether the signed-in person's ``claim`` still holds with the candidate role, then what
    :func:`view_and_saved_times` answers. None (nothing read that matters) for anyone else's attempt or
    a claim that no longer holds: the caller then runs the ordinary path, which answers as it always
    has (404, 401)."""
    rows = built_for_claim(claim_holds, "own clock", _own_clock).rows(
        session.connection(), {"attempt_id": attempt_id, **claim_parameters(claim, Role.CANDIDATE)})
    if not rows or not rows[0][3]:
        return None
    started_at, duration_s, extra_time_pct, _holds = rows[0]
    return _view_and_saved_times(started_at, allowed_duration_s(duration_s, extra_time_pct), session, attempt_id,
                                 now)


def _save_fast_read(claim_holds):
    """Lock the attempt and read, in the same round trip, whether the person's claim holds, whether the
    step is a retry and the slot's item (built once: ``core.db.built_for_claim``); ``attempt_id``,
    ``client_step_id``, ``slot`` and the claim's parameters are bound at execution. Only the claimed
    person's own attempt is locked: anyone else's reads as no row at all."""
    return built_for_claim(claim_holds, "save", _save_read)


def _save_read(claim_holds):
    from item_bank.models import ItemVersion  # read-only use of a lower layer's table

    retry = (select(ResponseStep.seq).where(ResponseStep.attempt_id == Attempt.id,
                                            ResponseStep.client_step_id == bindparam("client_step_id")))
    content = (select(ItemVersion.content).join(AttemptSlot, AttemptSlot.item_version_id == ItemVersion.id)
               .where(AttemptSlot.attempt_id == Attempt.id, AttemptSlot.slot == bindparam("slot", type_=Integer)))
    return (_own_clock(claim_holds)
            .add_columns(retry.scalar_subquery().label("retry_seq"),
                         retry.with_only_columns(ResponseStep.slot).scalar_subquery().label("retry_slot"),
                         content.scalar_subquery().label("content"))
            .with_for_update(of=Attempt))


# The step's insert, every value a bind parameter typed as its column (the driver gets what the
# column's type makes of it: JSON, a UTC time).
_INSERT_STEP = DriverStatement(insert(ResponseStep).values({
    column.key: bindparam(column.key, type_=column.type)
    for column in ResponseStep.__table__.columns if column.key != "id"}))


def save_response_fast(session: Session, *, claim: tuple[int, int, str | None], claim_holds, attempt_id: int,
                       slot: int, payload: dict, seen_seq: int, client_step_id: str, device_id: str,
                       now: dt.datetime) -> Ack | None:
    """The autosave's ordinary case in three statements: lock the attempt and read, in the same query,
    whether the signed-in person's ``claim`` (user id, session version, sign-in token digest) still
    holds with the candidate role, whether this step is a retry and the slot's item; the state the
    save needs (:func:`_fold_for_save`: the slot's last step, the attempt's, the events); the insert.
    Core statements, no objects loaded; the caller commits.

    Returns None for anything out of the ordinary — a claim that no longer holds, not this
    candidate's attempt, no such slot, an answer that does not fit, a stale sequence, a paused or ended
    attempt, another device — having written nothing: the caller then runs :func:`save_response`,
    which answers (and records) exactly as it always has. Same rules, same evidence: the sequence is
    handed out under the row lock, a retry is answered from the stored step, a save equal to the
    slot's state writes nothing."""
    # Straight on the driver, in the session's transaction (core.db.DriverStatement), skipping the ORM
    # and SQLAlchemy's execution (and the autoflush: the fast path runs first in its request, so nothing
    # is pending).
    connection = session.connection()
    rows = _save_fast_read(claim_holds).rows(connection, {
        "attempt_id": attempt_id, "client_step_id": client_step_id, "slot": slot,
        **claim_parameters(claim, Role.CANDIDATE)})
    if not rows:
        return None
    started_at, duration_s, extra_time_pct, holds, retry_seq, retry_slot, content = rows[0]
    if not holds:
        return None
    allowed_s = allowed_duration_s(duration_s, extra_time_pct)
    if retry_seq is not None:  # a retry of a save we already acknowledged
        return Ack(retry_seq, retry_slot, False, _fold_for_save(started_at, allowed_s, session, attempt_id,
                                                                retry_slot, now))
    if content is None or item_types.validate_answer(content, payload.get("answer")) \
            or item_types.validate_struck(content, payload.get("struck")):
        return None
    view = _fold_for_save(started_at, allowed_s, session, attempt_id, slot, now)
    if view.state != replay.AttemptState.IN_PROGRESS or device_id != view.active_device:
        return None
    current = view.slots[slot]
    proposed = replay.slot_state(payload, 0)
    if (current.answer, current.flagged, current.struck) == (proposed.answer, proposed.flagged, proposed.struck):
        return Ack(view.last_seq, slot, False, view)
    if seen_seq != view.last_seq:
        return None
    seq = view.last_seq + 1
    _INSERT_STEP.rows(connection, {"attempt_id": attempt_id, "seq": seq, "slot": slot, "payload": payload,
                                   "client_step_id": client_step_id, "device_id": device_id, "created_at": now})
    return Ack(seq, slot, True, replay.with_step(view, replay.Step(seq, slot, payload, client_step_id, now,
                                                                     device_id)))


def submit_attempt(session: Session, *, actor: Actor, attempt_id: int, now: dt.datetime) -> replay.AttemptView:
    attempt = _lock_attempt(session, get_attempt_for(session, actor, attempt_id).id)
    view = view_of(session, attempt, now)
    if not view.state.is_open:
        raise AttemptEnded("This exam has already ended.")
    _event(session, attempt, "submitted", now, actor_id=actor.user_id)
    final = view_of(session, attempt, now)
    audit.record(session, actor=actor, action="attempt.submitted", target_type="attempt", target_id=attempt.id,
                 after={"answered": final.answered, "receipt": receipt_code(attempt.id, final.final_answers())},
                 now=now)
    signals.attempt_submitted.send(session, attempt_id=attempt.id)
    return final


MAX_TIME_ADDED_MIN = 240  # the one limit on time added to an attempt at once; the page says the same


def require_not_candidate_in(session: Session, actor: Actor, sitting: Sitting) -> None:
    """Staff who are candidates in a sitting see and act on nothing of it (DOMAIN.md: separation of
    roles). The practice sitting holds nothing secret, so staff who tried it may still watch it."""
    if sitting.is_practice:
        return
    booked = session.scalar(select(Booking.id).where(Booking.sitting_id == sitting.id,
                                                     Booking.candidate_id == actor.user_id).limit(1))
    started = session.scalar(select(Attempt.id).where(Attempt.sitting_id == sitting.id,
                                                      Attempt.candidate_id == actor.user_id))
    if booked or started:
        raise Forbidden("You are a candidate in this sitting, so you cannot see or act on its attempts.")


def _staff_attempt(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    """Every staff action on an attempt passes here: the role, the attempt, separation of roles."""
    require_role(actor, Role.ADMIN, Role.INVIGILATOR)
    attempt = _lock_attempt(session, attempt_id)
    require_not_candidate_in(session, actor, attempt.sitting)
    return attempt


def _need_reason(reason: str) -> None:
    if not reason.strip():
        from core.errors import FieldProblem, ValidationFailed
        raise ValidationFailed("Give a reason", [FieldProblem("reason", "Give a reason: it is kept with the attempt")])


def extend_time(session: Session, *, actor: Actor, attempt_id: int, seconds: int, reason: str,
                now: dt.datetime) -> replay.AttemptView:
    attempt = _staff_attempt(session, actor, attempt_id)
    _need_reason(reason)
    if not 60 <= seconds <= MAX_TIME_ADDED_MIN * 60:
        from core.errors import FieldProblem, ValidationFailed
        raise ValidationFailed("Time to add", [FieldProblem(
            "minutes", f"Add between 1 and {MAX_TIME_ADDED_MIN} minutes")])
    if not view_of(session, attempt, now).state.is_open:
        raise AttemptEnded("This attempt has ended; time can no longer be added.")
    _event(session, attempt, "time_extended", now, actor_id=actor.user_id, payload={"seconds": seconds}, reason=reason)
    audit.record(session, actor=actor, action="attempt.time_extended", target_type="attempt", target_id=attempt.id,
                 after={"seconds": seconds, "reason": reason}, now=now)
    return view_of(session, attempt, now)


def pause(session: Session, *, actor: Actor, attempt_id: int, reason: str, now: dt.datetime) -> replay.AttemptView:
    attempt = _staff_attempt(session, actor, attempt_id)
    _need_reason(reason)
    view = view_of(session, attempt, now)
    if view.state != replay.AttemptState.IN_PROGRESS:
        raise Conflict("Only an attempt in progress can be paused.")
    _event(session, attempt, "paused", now, actor_id=actor.user_id, payload={"reason": reason}, reason=reason)
    audit.record(session, actor=actor, action="attempt.paused", target_type="attempt", target_id=attempt.id,
                 after={"reason": reason}, now=now)
    return view_of(session, attempt, now)


def resume(session: Session, *, actor: Actor, attempt_id: int, now: dt.datetime,
           reason: str = "") -> replay.AttemptView:
    """Start the clock again: end a pause by staff, or end a candidate's rest break on their behalf
    (an invigilator may need to, e.g. when the candidate cannot). Recorded with who and why."""
    attempt = _staff_attempt(session, actor, attempt_id)
    view = view_of(session, attempt, now)
    if view.state != replay.AttemptState.PAUSED:
        raise Conflict("This attempt is not paused and not on a rest break, so there is nothing to resume.")
    if view.on_break:
        _event(session, attempt, "break_ended", now, actor_id=actor.user_id, payload={"by": "staff"},
               reason=reason or "Rest break ended by staff")
        audit.record(session, actor=actor, action="attempt.break_ended", target_type="attempt",
                     target_id=attempt.id, after={"reason": reason or "Rest break ended by staff"}, now=now)
    else:
        _event(session, attempt, "resumed", now, actor_id=actor.user_id, reason=reason)
        audit.record(session, actor=actor, action="attempt.resumed", target_type="attempt", target_id=attempt.id,
                     after={"reason": reason} if reason else None, now=now)
    return view_of(session, attempt, now)


def end_attempt(session: Session, *, actor: Actor, attempt_id: int, requested_by_id: int, reason: str,
                now: dt.datetime) -> replay.AttemptView:
    """End a candidate's attempt early on staff's decision. Two people are needed: ``requested_by_id``
    asked for it and ``actor`` (another invigilator, an examiner or an administrator) confirms it now.
    The answers saved so far stand, as on a submission (the row is a ``submitted`` event whose
    payload says it was ended by staff), and marking hears of it as of any submission."""
    require_role(actor, Role.ADMIN, Role.INVIGILATOR, Role.EXAMINER)
    attempt = _lock_attempt(session, attempt_id)
    require_not_candidate_in(session, actor, attempt.sitting)
    if requested_by_id == actor.user_id:
        raise Forbidden("Ending an attempt needs a second person: someone other than whoever asked must confirm it.")
    _need_reason(reason)
    if not view_of(session, attempt, now).state.is_open:
        raise AttemptEnded("This attempt has already ended.")
    _event(session, attempt, "submitted", now, actor_id=actor.user_id, reason=reason,
           payload={"ended_by_staff": True, "requested_by_id": requested_by_id, "confirmed_by_id": actor.user_id})
    final = view_of(session, attempt, now)
    audit.record(session, actor=actor, action="attempt.ended_by_staff", target_type="attempt", target_id=attempt.id,
                 after={"reason": reason, "requested_by_id": requested_by_id, "answered": final.answered}, now=now)
    signals.attempt_submitted.send(session, attempt_id=attempt.id)
    return final


def take_break(session: Session, *, actor: Actor, attempt_id: int, now: dt.datetime, end: bool = False) -> replay.AttemptView:
    """A rest break stops the clock; only for candidates whose adjustments allow breaks."""
    attempt = _lock_attempt(session, get_attempt_for(session, actor, attempt_id).id)
    if not attempt.has_rest_breaks:
        raise Forbidden("Rest breaks are not part of your approved adjustments.")
    view = view_of(session, attempt, now)
    if end:
        if not view.on_break:
            raise Conflict("You are not on a break.")
        _event(session, attempt, "break_ended", now, actor_id=actor.user_id)
    else:
        if view.state != replay.AttemptState.IN_PROGRESS:
            raise Conflict("A break can only start while the exam is in progress.")
        _event(session, attempt, "break_started", now, actor_id=actor.user_id, payload={"reason": "Rest break"})
    return view_of(session, attempt, now)


def close_overdue(session: Session, *, now: dt.datetime) -> list[int]:
    """Record ``auto_submitted`` for every attempt whose deadline has passed without a submission,
    so the audit trail shows when it closed (its state was already derived as timed out). Grouped
    queries fold every open attempt at once (``evidence.fold_attempts``), and the closing events go
    in one batch: as many statements for a thousand open attempts as for one."""
    ended = select(AttemptEvent.attempt_id).where(AttemptEvent.kind.in_(ENDING_KINDS))
    still_open = select(Attempt.id).where(Attempt.id.not_in(ended))
    attempts = list(session.scalars(select(Attempt).where(Attempt.id.in_(still_open)).order_by(Attempt.id)))
    folded = fold_attempts(session, attempts, still_open, now)
    closing = []
    for attempt in attempts:
        view = folded[attempt.id].view
        if view.state == replay.AttemptState.TIMED_OUT:
            closing.append({"attempt_id": attempt.id, "kind": "auto_submitted", "actor_id": None, "reason": "",
                            "payload": {"deadline": view.deadline.isoformat(), "answered": view.answered},
                            "occurred_at": now})
    if closing:
        session.execute(insert(AttemptEvent), closing)  # one statement for the batch
    closed = [row["attempt_id"] for row in closing]
    for attempt_id in closed:
        signals.attempt_submitted.send(session, attempt_id=attempt_id)
    return closed


@dataclass(frozen=True)
class FinalResponse:
    slot: int
    item_version_id: int
    option_order: list | None
    answer: object
    max_mark: int


def final_responses(session: Session, attempt_id: int, now: dt.datetime) -> list[FinalResponse]:
    """What scoring reads: each slot's last answer saved before the attempt ended. Refuses an
    attempt that is still open (its answers are not final yet)."""
    attempt = get_or_raise(session, Attempt, attempt_id)
    view = view_of(session, attempt, now)
    if view.state.is_open:
        raise Conflict("This attempt is still open; its responses are not final.")
    return [FinalResponse(s.slot, s.item_version_id, s.option_order, view.slots[s.slot].answer, s.max_mark)
            for s in attempt.slots]


def receipt_for(session: Session, attempt: Attempt, now: dt.datetime) -> str:
    return receipt_code(attempt.id, view_of(session, attempt, now).final_answers())


__all__ = ["Ack", "AttemptEnded", "DeviceReplaced", "DomainError", "StaleSequence", "final_responses",
           "save_response", "start_attempt", "submit_attempt"]
