"""Taking in what the player sends during an invigilated attempt: bounded, idempotent on the client's
event ids, and appended to the invigilation's hash-chained log with ``proctoring.log.append`` (the
client's time as ``occurred_at``, the server's as ``received_at``).

Rules, in the order they are applied to a batch (``ingest_events``) or a snapshot (``ingest_snapshot``):

1. the attempt is the candidate's own (others: not found) and its sitting requires invigilation
   (otherwise 409, nothing written);
2. ids already in the log are acknowledged again and written nowhere (a retried batch gets the same
   answer), and an id repeated inside one batch is written once;
3. more than ``INVIGILATION_MAX_BATCH_EVENTS`` new events in one batch: 422, nothing written;
4. more than ``INVIGILATION_MAX_EVENTS_PER_MINUTE`` rows received for the attempt in the last 60 s,
   counting this batch: ``RateLimited`` (429 with Retry-After), nothing written;
5. the attempt has ended: within ``AFTER_END_GRACE_S`` of its end the rows are written with
   ``payload["_after_end"] = true`` (the page closing after submission: the policy does not flag
   them); later, ``AttemptEnded`` (409) and nothing written;
6. a client time more than ``MAX_CLOCK_SKEW`` from the server's is *clamped* to the server's time,
   and the client's own time is kept in ``payload["_client_at"]`` (evidence is never dropped for a
   wrong clock; the review sees both).

Only the attempt's events are folded (not its answers), so ingest costs the autosave path one small
query, not a replay.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (Integer, String, and_, bindparam, func, insert, literal, literal_column, null, select, true,
                        type_coerce, union_all, update)
from sqlalchemy.orm import Session

from core.db import DriverStatement, built_for_claim, claim_parameters
from core.errors import Conflict, DomainError, FieldProblem, ValidationFailed
from core.roles import Actor, Role, require_role
from core.uploads import JPEG, Inspected, UploadRefused, inspect_upload
from assessment.delivery import services as delivery
from assessment.delivery.models import Attempt, AttemptEvent, Sitting
from assessment.delivery.replay import Event, attempt_view
from assessment.delivery.rules import allowed_duration_s
from proctoring import log
from proctoring.media import MediaStore, MediaUnavailable, store_media
from proctoring.models import Invigilation, InvigilationEvent
from proctoring.rules import LogKind

AFTER_END_GRACE_S = 120
"""Telemetry received this long after the attempt ended is still recorded (marked ``_after_end``):
the page closing after submission sends its last heartbeat and ``page_closing``."""
MAX_CLOCK_SKEW = dt.timedelta(days=1)
MAX_SNAPSHOT_SIDE = 2048  # pixels: a snapshot is ~320×240; a declared size beyond this is refused before decoding
RATE_WINDOW = dt.timedelta(seconds=60)


class NotInvigilated(Conflict):
    code = "not_invigilated"


class AttemptEnded(Conflict):
    code = "attempt_ended"


class RateLimited(Conflict):
    """Too many rows for one attempt in the last minute: answered 429 with ``retry_after_s``."""

    http_status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class SnapshotRefused(ValidationFailed):
    """Not a JPEG we can decode, or too large (``too_large`` → 413)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message, [FieldProblem("body", message)])
        self.too_large = too_large


@dataclass(frozen=True)
class Limits:
    max_batch_events: int
    max_events_per_minute: int
    max_snapshot_bytes: int

    @classmethod
    def from_config(cls, config) -> "Limits":
        return cls(int(config["INVIGILATION_MAX_BATCH_EVENTS"]), int(config["INVIGILATION_MAX_EVENTS_PER_MINUTE"]),
                   int(config["INVIGILATION_MAX_SNAPSHOT_BYTES"]))


@dataclass(frozen=True)
class Target:
    """The attempt being invigilated, its invigilation and, if it has ended, when."""

    attempt: Attempt
    invigilation: Invigilation
    ended_at: dt.datetime | None


def target_for(session: Session, actor: Actor, attempt_id: int, now: dt.datetime) -> Target:
    """The candidate's own attempt (anyone else's: not found) in a sitting that requires invigilation."""
    require_role(actor, Role.CANDIDATE)
    return target_of(session, actor.user_id, attempt_id, now)


def target_of(session: Session, candidate_id: int, attempt_id: int, now: dt.datetime) -> Target:
    """:func:`target_for` for a caller that already knows who the signed-in candidate is (a save that
    carried the events)."""
    # The sitting comes joined with the attempt (its papers only when asked for).
    attempt = delivery.get_attempt_of(session, candidate_id, attempt_id)
    if not attempt.sitting.requires_invigilation:
        raise NotInvigilated("This exam is not invigilated, so the player sends nothing to record.")
    invigilation = log.invigilation_for(session, sitting_id=attempt.sitting_id, candidate_id=attempt.candidate_id,
                                        now=now)
    return Target(attempt, invigilation, _ended_at(session, attempt, now))


def _ended_at(session: Session, attempt: Attempt, now: dt.datetime) -> dt.datetime | None:
    """When the attempt ended (submitted, voided or timed out), from its life events alone."""
    events = [Event(kind, at, payload or {}) for kind, at, payload in session.execute(
        select(AttemptEvent.kind, AttemptEvent.occurred_at, AttemptEvent.payload)
        .where(AttemptEvent.attempt_id == attempt.id).order_by(AttemptEvent.id))]
    return _ended_from(attempt.started_at, allowed_duration_s(attempt.duration_s, attempt.extra_time_pct), events,
                       now)


def _ended_from(started_at: dt.datetime, allowed_s: int, events: list[Event], now: dt.datetime) -> dt.datetime | None:
    view = attempt_view(started_at=started_at, allowed_s=allowed_s, slot_numbers=(), steps=(), events=events, now=now)
    return view.ended_at


def _stored_ids(session: Session, invigilation_id: int, client_ids: list[str]) -> set[str]:
    if not client_ids:
        return set()
    return set(session.scalars(select(InvigilationEvent.client_event_id).where(
        InvigilationEvent.invigilation_id == invigilation_id, InvigilationEvent.client_event_id.in_(client_ids))))


def _recent(session: Session, target: Target, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """How many rows the attempt received in the last minute, and the oldest of them."""
    row = session.execute(_recent_statement(target, now)).one()
    return row.n, row.oldest


def _recent_statement(target: Target, now: dt.datetime):
    return select(literal(None, String).label("id"), func.count().label("n"),
                  func.min(InvigilationEvent.received_at).label("oldest")).where(
        InvigilationEvent.attempt_id == target.attempt.id, InvigilationEvent.received_at > now - RATE_WINDOW)


def _stored_ids_and_recent(session: Session, target: Target, client_ids: list[str],
                           now: dt.datetime) -> tuple[set[str], tuple[int, dt.datetime | None]]:
    """:func:`_stored_ids` and :func:`_recent` in one round trip, as a batch needs both: the count row
    first (its id is null), then one row per id already in the log."""
    stored = (select(InvigilationEvent.client_event_id, null(), null())
              .where(InvigilationEvent.invigilation_id == target.invigilation.id,
                     InvigilationEvent.client_event_id.in_(client_ids)))
    ids, counted = set(), (0, None)
    for client_id, count, oldest in session.execute(union_all(_recent_statement(target, now), stored)):
        if client_id is None:
            counted = (count, oldest)
        else:
            ids.add(client_id)
    return ids, counted


def _check_rate(recent: tuple[int, dt.datetime | None], new: int, limits: Limits, now: dt.datetime) -> None:
    """Rule 4, given how many rows the attempt received in the last minute and the oldest of them."""
    count, oldest = recent
    if count + new > limits.max_events_per_minute:
        wait = RATE_WINDOW - (now - oldest) if oldest is not None else RATE_WINDOW
        retry = max(1, min(60, int(wait.total_seconds()) + 1))
        raise RateLimited(f"Too many events for this attempt: at most {limits.max_events_per_minute} a minute. "
                          f"Send them again in {retry} s.", retry)


def _after_end_mark(ended_at: dt.datetime | None, now: dt.datetime) -> dict:
    """``{}`` while the attempt is open; the after-end mark within the grace; refused later."""
    if ended_at is None:
        return {}
    if now - ended_at <= dt.timedelta(seconds=AFTER_END_GRACE_S):
        return {"_after_end": True}
    raise AttemptEnded("This exam has ended, so nothing more is recorded from this page.")


def _occurred(at: dt.datetime, now: dt.datetime) -> tuple[dt.datetime, dict]:
    if abs(at - now) > MAX_CLOCK_SKEW:
        return now, {"_client_at": at.astimezone(dt.timezone.utc).isoformat(), "_clamped": True}
    return at, {}


def _new_entries(events: list[dict], stored: set[str], recent: tuple[int, dt.datetime | None],
                 ended_at: dt.datetime | None, limits: Limits, now: dt.datetime) -> list[dict]:
    """What a batch appends (rules 2 to 6), each entry ``log.append``'s keywords but the invigilation
    and ``now``, in the order the events happened; none for a retry of ids already stored. Raises the
    refusals, having written nothing."""
    fresh: dict[str, dict] = {}
    for event in events:
        if event["id"] not in stored and event["id"] not in fresh:
            fresh[event["id"]] = event
    if not fresh:
        return []
    if len(fresh) > limits.max_batch_events:
        raise ValidationFailed("Too many events in one batch", [FieldProblem(
            "events", f"Send at most {limits.max_batch_events} events at once (this batch has {len(fresh)}).")])
    _check_rate(recent, len(fresh), limits, now)
    mark = _after_end_mark(ended_at, now)
    entries = []
    for event in sorted(fresh.values(), key=lambda e: e["at"]):
        occurred_at, clamp = _occurred(event["at"], now)
        entries.append({"kind": LogKind(event["kind"]), "occurred_at": occurred_at, "client_event_id": event["id"],
                        "payload": {**event["data"], **clamp, **mark}})
    return entries


def ingest_events(session: Session, *, target: Target, events: list[dict], limits: Limits,
                  now: dt.datetime) -> list[str]:
    """Append a batch of browser events and heartbeats (already shape-checked by
    ``schemas.BatchInSchema``) to ``target`` (from ``target_for``, which checked who may send);
    returns the acknowledged client ids in the batch's order."""
    order = list(dict.fromkeys(event["id"] for event in events))
    stored, recent = _stored_ids_and_recent(session, target, order, now)
    for entry in _new_entries(events, stored, recent, target.ended_at, limits, now):
        log.append(session, invigilation_id=target.invigilation.id, now=now, attempt_id=target.attempt.id, **entry)
    return order


# ---------------------------------------------------------------------------- the batch's fast path
#
# A heartbeat batch comes from every invigilated candidate every 15 s, on its own or riding on a
# save. Its ordinary path loads the person, the attempt with its sitting and the invigilation as
# objects, then appends through the ORM: about ten round trips and 5–8 ms of the app's CPU
# (docs/performance.md, "A ninth pass"). The fast path keeps the same rules and the same chain in four statements
# on the driver (core.db.DriverStatement), no object loaded: the chain's head, locked, with who may
# send and the attempt's clock; the attempt's life events, the last minute's count and the ids already
# stored, in one round trip; the rows; the head moved on.

FAST_BATCH_IDS = 8
"""The most distinct ids a batch may have for the fast path (one statement is built for each count,
its ids bound one by one); a larger batch, rare (the player sends what it queued while offline),
takes the ordinary path."""


def _head_read(claim_holds):
    """The attempt's clock and its invigilation's chain head, the head's row locked (a chain is appended
    to by one request at a time), and whether the claim holds: only the claimed person's own attempt in
    an invigilated sitting with an invigilation already made is a row."""
    return (delivery.claimed_own_attempt(claim_holds, Attempt.started_at, Attempt.duration_s, Attempt.extra_time_pct,
                                         Invigilation.id, Invigilation.next_seq, Invigilation.last_hash)
            .join_from(Attempt, Sitting, Sitting.id == Attempt.sitting_id)
            .join_from(Attempt, Invigilation, and_(Invigilation.sitting_id == Attempt.sitting_id,
                                                   Invigilation.candidate_id == Attempt.candidate_id))
            .where(Sitting.requires_invigilation == true())
            .with_for_update(of=Invigilation))


# A save that carried the events has just found the attempt to be the candidate's: no claim to confirm.
_HEAD_OF_CANDIDATE = DriverStatement(_head_read(true()))

# SQLite has no row locks: a write first takes its one write lock (as ``log._locked`` does), so two
# batches never chain onto the same head. Writes nothing; only the claimed person's own invigilation.
_HOLD_HEAD_SQLITE = DriverStatement(
    update(Invigilation).values(next_seq=Invigilation.next_seq)
    .where(Invigilation.id.in_(select(Invigilation.id).join(Attempt, and_(
        Attempt.sitting_id == Invigilation.sitting_id, Attempt.candidate_id == Invigilation.candidate_id))
        .where(Attempt.id == bindparam("attempt_id", type_=Integer),
               Attempt.candidate_id == bindparam("claim_user_id", type_=Integer)))))

_BATCH_READS: dict[int, DriverStatement] = {}


def _batch_read(count: int) -> DriverStatement:
    """The attempt's life events (``src`` 1, in order), the rows it received in the last minute and the
    oldest of them (``src`` 0) and which of ``count`` ids are already stored (``src`` 2): one round
    trip. Built once per count; ``attempt_id``, ``invigilation_id``, ``since`` and ``id_0``… are bound
    at execution."""
    found = _BATCH_READS.get(count)
    if found is None:
        attempt_id = bindparam("attempt_id", type_=Integer)
        names = ("src", "label", "at", "n", "payload")

        def part(*columns):
            return select(*(column.label(name) for column, name in zip(columns, names)))

        # The first part's types convert every part's values (JSON, UTC times); a kind is read as text.
        events = part(literal_column("1"), type_coerce(AttemptEvent.kind, String), AttemptEvent.occurred_at,
                      AttemptEvent.id, AttemptEvent.payload).where(AttemptEvent.attempt_id == attempt_id)
        recent = part(literal_column("0"), null(), func.min(InvigilationEvent.received_at), func.count(), null()) \
            .where(InvigilationEvent.attempt_id == attempt_id,
                   InvigilationEvent.received_at > bindparam("since", type_=InvigilationEvent.received_at.type))
        stored = part(literal_column("2"), InvigilationEvent.client_event_id, null(), null(), null()).where(
            InvigilationEvent.invigilation_id == bindparam("invigilation_id", type_=Integer),
            InvigilationEvent.client_event_id.in_([bindparam(f"id_{k}", type_=String) for k in range(count)]))
        both = union_all(events, recent, stored).subquery()
        found = _BATCH_READS[count] = DriverStatement(select(both).order_by(both.c.src, both.c.n))
    return found


# The row's insert and the head's move, every value a bind parameter typed as its column.
_INSERT_ENTRY = DriverStatement(insert(InvigilationEvent).values({
    column.key: bindparam(column.key, type_=column.type)
    for column in InvigilationEvent.__table__.columns if column.key != "id"}))
_MOVE_HEAD = DriverStatement(
    update(Invigilation).where(Invigilation.id == bindparam("invigilation_id", type_=Integer))
    .values(next_seq=bindparam("head_seq", type_=Integer), last_hash=bindparam("head_hash", type_=String)))


def ingest_events_fast(session: Session, *, claim: tuple[int, int, str | None], claim_holds, attempt_id: int,
                       events: list[dict], limits: Limits, now: dt.datetime) -> list[str] | None:
    """:func:`ingest_events` for a batch sent on its own, with the cookie's ``claim`` confirmed with the
    candidate role in its first query (``claim_holds``, the installed clause). Same rules, same chain,
    no object loaded; the caller commits.

    Returns None for anything out of the ordinary — a claim that no longer holds, anyone else's
    attempt, a sitting not invigilated, a first batch (no invigilation yet), more than
    ``FAST_BATCH_IDS`` ids, a refusal — having written nothing: the caller then runs the ordinary
    path, which answers (and refuses) exactly as it always has."""
    return _ingest_fast(session, built_for_claim(claim_holds, "invigilation head", _head_read),
                        {"attempt_id": attempt_id, **claim_parameters(claim, Role.CANDIDATE)},
                        attempt_id=attempt_id, events=events, limits=limits, now=now)


def ingest_carried_events_fast(session: Session, *, candidate_id: int, attempt_id: int, events: list[dict],
                               limits: Limits, now: dt.datetime) -> list[str] | None:
    """:func:`ingest_events_fast` for the events a save carried: the save has just found the attempt to
    be ``candidate_id``'s, so there is no claim to confirm. The same None for anything unusual."""
    return _ingest_fast(session, _HEAD_OF_CANDIDATE, {"attempt_id": attempt_id, "claim_user_id": candidate_id},
                        attempt_id=attempt_id, events=events, limits=limits, now=now)


def _ingest_fast(session: Session, head_read: DriverStatement, owner: dict, *, attempt_id: int, events: list[dict],
                 limits: Limits, now: dt.datetime) -> list[str] | None:
    """Both events fast paths: ``head_read`` bound with ``owner`` finds the chain head only for whoever may send."""
    order = list(dict.fromkeys(event["id"] for event in events))
    if len(order) > FAST_BATCH_IDS:
        return None
    head = _fast_head(session, head_read, owner, attempt_id=attempt_id, ids=order, now=now)
    if head is None:
        return None
    try:
        entries = _new_entries(events, head.stored, head.recent, head.ended_at, limits, now)
    except DomainError:
        return None
    _fast_append(session, head, attempt_id, entries, now)
    return order


@dataclass(frozen=True)
class _FastHead:
    """What a fast path read in its first two statements: the chain's head (locked), the attempt's end
    if it ended, the last minute's rows (their count and the oldest's time) and which ids are stored."""

    invigilation_id: int
    next_seq: int
    last_hash: str
    ended_at: dt.datetime | None
    recent: tuple[int, dt.datetime | None]
    stored: set[str]


def _fast_head(session: Session, head_read: DriverStatement, owner: dict, *, attempt_id: int, ids: list[str],
               now: dt.datetime) -> _FastHead | None:
    """The first two statements of every fast path (SQLite's write lock before them); None when whoever
    ``owner`` names may not send to this attempt, or it has no invigilation yet."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        _HOLD_HEAD_SQLITE.rows(connection, owner)
    head = head_read.rows(connection, owner)
    if not head or not head[0][-1]:
        return None
    started_at, duration_s, extra_time_pct, invigilation_id, next_seq, last_hash, _holds = head[0]
    life, recent, stored = [], (0, None), set()
    for src, label, at, count, payload in _batch_read(len(ids)).rows(connection, {
            "attempt_id": attempt_id, "invigilation_id": invigilation_id, "since": now - RATE_WINDOW,
            **{f"id_{k}": client_id for k, client_id in enumerate(ids)}}):
        if src == 0:
            recent = (count, at)
        elif src == 1:
            life.append(Event(label, at, payload or {}))
        else:
            stored.add(label)
    ended_at = _ended_from(started_at, allowed_duration_s(duration_s, extra_time_pct), life, now)
    return _FastHead(invigilation_id, next_seq, last_hash, ended_at, recent, stored)


def _fast_append(session: Session, head: _FastHead, attempt_id: int, entries: list[dict], now: dt.datetime) -> None:
    """The rows after the head, chained as ``log.append`` chains them, and the head moved on."""
    connection = session.connection()
    rows, (head_seq, head_hash) = log.chained((head.next_seq, head.last_hash), [
        log.new_entry(invigilation_id=head.invigilation_id, now=now, attempt_id=attempt_id, **entry)
        for entry in entries])
    for row in rows:
        _INSERT_ENTRY.rows(connection, row)
    if rows:
        _MOVE_HEAD.rows(connection, {"invigilation_id": head.invigilation_id, "head_seq": head_seq,
                                     "head_hash": head_hash})


SNAPSHOT_DECODE_SCALE = 8
"""A snapshot's pixels are made at 1/8 of its size while it is checked (``core.uploads``'
``jpeg_scale``): every block of every scan is still entropy-decoded, so a damaged snapshot is refused
exactly as by the full decode, for the part of the check's CPU that made pixels nobody looks at."""


def checked_jpeg(data: bytes, limits: Limits) -> Inspected:
    """The snapshot as it will be kept (core.uploads: a JPEG whose every block decodes, with nothing
    hidden after it and its metadata stripped), at most ``MAX_SNAPSHOT_SIDE`` pixels each way;
    refused otherwise. Its size is read from its header, so a huge one is refused before decoding.
    The bytes kept are the file as sent, less its metadata: the smaller decode is only the check."""
    if len(data) > limits.max_snapshot_bytes:
        raise SnapshotRefused(f"A snapshot can be at most {limits.max_snapshot_bytes // 1024} KB.", too_large=True)
    try:
        snapshot = inspect_upload(data, {JPEG}, name="the snapshot", max_pixels=MAX_SNAPSHOT_SIDE * MAX_SNAPSHOT_SIDE,
                                  jpeg_scale=SNAPSHOT_DECODE_SCALE)
    except UploadRefused as error:
        raise SnapshotRefused({"kind": "A snapshot must be a JPEG image.",
                               "too_many_pixels": f"A snapshot can be at most {MAX_SNAPSHOT_SIDE} pixels on each "
                                                  f"side."}.get(error.reason, f"{error.message}.")) from None
    if snapshot.width > MAX_SNAPSHOT_SIDE or snapshot.height > MAX_SNAPSHOT_SIDE:
        raise SnapshotRefused(f"A snapshot can be at most {MAX_SNAPSHOT_SIDE} pixels on each side.")
    return snapshot


def ingest_snapshot(session: Session, *, target: Target, client_event_id: str, captured_at: dt.datetime,
                    data: bytes, store: MediaStore, limits: Limits, now: dt.datetime) -> list[str]:
    """Store one webcam JPEG in the media store (never in the database) and append a ``snapshot`` row
    with its key, SHA-256 and size to ``target`` (from ``target_for``). A retry of a stored id
    writes nothing."""
    if _stored_ids(session, target.invigilation.id, [client_event_id]):
        return [client_event_id]
    entry = _snapshot_entry(target.invigilation.id, client_event_id, captured_at, data, store,
                            _recent(session, target, now), target.ended_at, limits, now)
    log.append(session, invigilation_id=target.invigilation.id, now=now, attempt_id=target.attempt.id, **entry)
    return [client_event_id]


def _snapshot_entry(invigilation_id: int, client_event_id: str, captured_at: dt.datetime, data: bytes,
                    store: MediaStore, recent: tuple[int, dt.datetime | None], ended_at: dt.datetime | None,
                    limits: Limits, now: dt.datetime) -> dict:
    """A new snapshot's row (``log.append``'s keywords but the invigilation, the attempt and ``now``),
    its file put in the media store: the JPEG checked, the rate, the attempt's end. Raises the
    refusals, and ``MediaUnavailable``, having written nothing."""
    snapshot = checked_jpeg(data, limits)
    _check_rate(recent, 1, limits, now)
    mark = _after_end_mark(ended_at, now)
    occurred_at, clamp = _occurred(captured_at, now)
    stored = store_media(store, invigilation_id=invigilation_id, data=snapshot.data, content_type="image/jpeg",
                         extension="jpg")
    return {"kind": LogKind.SNAPSHOT, "occurred_at": occurred_at, "client_event_id": client_event_id,
            "payload": {"width": snapshot.width, "height": snapshot.height, **clamp, **mark},
            "media_key": stored.key, "media_sha256": stored.sha256, "media_type": stored.content_type,
            "media_size": stored.size}


def ingest_snapshot_fast(session: Session, *, claim: tuple[int, int, str | None], claim_holds, attempt_id: int,
                         client_event_id: str, captured_at: dt.datetime, data: bytes, store: MediaStore,
                         limits: Limits, now: dt.datetime) -> list[str] | None:
    """:func:`ingest_snapshot` with the cookie's ``claim`` confirmed with the candidate role in its first
    query, as :func:`ingest_events_fast`: the same rules and the same chain in four statements (the
    head locked with the claim and the attempt's clock; the life events, the rate count and whether
    the id is stored; the row; the head moved on) and the file's write, no object loaded; the caller
    commits. The file is written while the head is locked, which holds up only this candidate's own
    telemetry, and only for a write the ordinary path makes too.

    None for anything out of the ordinary — the events fast path's cases, a JPEG refused, the rate
    reached, the attempt ended, the media store failing — having written no row (a file written
    before a refusal cannot be: the store is the last step before the row): the ordinary path then
    answers exactly as it always has (a failing store is tried once more there, and answered 503)."""
    head = _fast_head(session, built_for_claim(claim_holds, "invigilation head", _head_read),
                      {"attempt_id": attempt_id, **claim_parameters(claim, Role.CANDIDATE)},
                      attempt_id=attempt_id, ids=[client_event_id], now=now)
    if head is None:
        return None
    if client_event_id not in head.stored:
        try:
            entry = _snapshot_entry(head.invigilation_id, client_event_id, captured_at, data, store, head.recent,
                                    head.ended_at, limits, now)
        except (DomainError, MediaUnavailable):
            return None
        _fast_append(session, head, attempt_id, [entry], now)
    return [client_event_id]
