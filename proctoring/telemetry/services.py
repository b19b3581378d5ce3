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

from sqlalchemy import String, func, literal, null, select, union_all
from sqlalchemy.orm import Session, defaultload

from core.errors import Conflict, FieldProblem, ValidationFailed
from core.roles import Actor, Role, require_role
from core.uploads import JPEG, Inspected, UploadRefused, inspect_upload
from assessment.delivery import services as delivery
from assessment.delivery.models import Attempt, AttemptEvent, Sitting
from assessment.delivery.replay import Event, attempt_view
from assessment.delivery.rules import allowed_duration_s
from proctoring import log
from proctoring.media import MediaStore, store_media
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
    # The sitting comes joined with the attempt; its papers (loaded with it by default) are not needed
    # here, so they wait until something asks for them: one statement fewer on every batch.
    attempt = delivery.get_attempt_for(session, actor, attempt_id,
                                       options=(defaultload(Attempt.sitting).lazyload(Sitting.papers),))
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
    view = attempt_view(started_at=attempt.started_at,
                        allowed_s=allowed_duration_s(attempt.duration_s, attempt.extra_time_pct),
                        slot_numbers=(), steps=(), events=events, now=now)
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


def _check_rate(session: Session, target: Target, new: int, limits: Limits, now: dt.datetime,
                recent: tuple[int, dt.datetime | None] | None = None) -> None:
    count, oldest = recent if recent is not None else _recent(session, target, now)
    if count + new > limits.max_events_per_minute:
        wait = RATE_WINDOW - (now - oldest) if oldest is not None else RATE_WINDOW
        retry = max(1, min(60, int(wait.total_seconds()) + 1))
        raise RateLimited(f"Too many events for this attempt: at most {limits.max_events_per_minute} a minute. "
                          f"Send them again in {retry} s.", retry)


def _after_end_mark(target: Target, now: dt.datetime) -> dict:
    """``{}`` while the attempt is open; the after-end mark within the grace; refused later."""
    if target.ended_at is None:
        return {}
    if now - target.ended_at <= dt.timedelta(seconds=AFTER_END_GRACE_S):
        return {"_after_end": True}
    raise AttemptEnded("This exam has ended, so nothing more is recorded from this page.")


def _occurred(at: dt.datetime, now: dt.datetime) -> tuple[dt.datetime, dict]:
    if abs(at - now) > MAX_CLOCK_SKEW:
        return now, {"_client_at": at.astimezone(dt.timezone.utc).isoformat(), "_clamped": True}
    return at, {}


def ingest_events(session: Session, *, target: Target, events: list[dict], limits: Limits,
                  now: dt.datetime) -> list[str]:
    """Append a batch of browser events and heartbeats (already shape-checked by
    ``schemas.BatchInSchema``) to ``target`` (from ``target_for``, which checked who may send);
    returns the acknowledged client ids in the batch's order."""
    order = list(dict.fromkeys(event["id"] for event in events))
    stored, recent = _stored_ids_and_recent(session, target, order, now)
    fresh: dict[str, dict] = {}
    for event in events:
        if event["id"] not in stored and event["id"] not in fresh:
            fresh[event["id"]] = event
    if not fresh:
        return order  # a retry of something already written: the same answer, nothing new
    if len(fresh) > limits.max_batch_events:
        raise ValidationFailed("Too many events in one batch", [FieldProblem(
            "events", f"Send at most {limits.max_batch_events} events at once (this batch has {len(fresh)}).")])
    _check_rate(session, target, len(fresh), limits, now, recent)
    mark = _after_end_mark(target, now)
    for event in sorted(fresh.values(), key=lambda e: e["at"]):
        occurred_at, clamp = _occurred(event["at"], now)
        log.append(session, invigilation_id=target.invigilation.id, kind=LogKind(event["kind"]), now=now,
                   occurred_at=occurred_at, attempt_id=target.attempt.id, client_event_id=event["id"],
                   payload={**event["data"], **clamp, **mark})
    return order


def checked_jpeg(data: bytes, limits: Limits) -> Inspected:
    """The snapshot as it will be kept (core.uploads: a JPEG whose every pixel decodes, with nothing
    hidden after it and its metadata stripped), at most ``MAX_SNAPSHOT_SIDE`` pixels each way;
    refused otherwise. Its size is read from its header, so a huge one is refused before decoding."""
    if len(data) > limits.max_snapshot_bytes:
        raise SnapshotRefused(f"A snapshot can be at most {limits.max_snapshot_bytes // 1024} KB.", too_large=True)
    try:
        snapshot = inspect_upload(data, {JPEG}, name="the snapshot", max_pixels=MAX_SNAPSHOT_SIDE * MAX_SNAPSHOT_SIDE)
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
    snapshot = checked_jpeg(data, limits)
    width, height, data = snapshot.width, snapshot.height, snapshot.data
    _check_rate(session, target, 1, limits, now)
    mark = _after_end_mark(target, now)
    occurred_at, clamp = _occurred(captured_at, now)
    stored = store_media(store, invigilation_id=target.invigilation.id, data=data, content_type="image/jpeg",
                         extension="jpg")
    log.append(session, invigilation_id=target.invigilation.id, kind=LogKind.SNAPSHOT, now=now,
               occurred_at=occurred_at, attempt_id=target.attempt.id, client_event_id=client_event_id,
               payload={"width": width, "height": height, **clamp, **mark}, media_key=stored.key,
               media_sha256=stored.sha256, media_type=stored.content_type, media_size=stored.size)
    return [client_event_id]
