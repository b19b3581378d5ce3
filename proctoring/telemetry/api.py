"""The telemetry ingest API of an invigilated attempt (``/api/v1/invigilation/attempts/<id>/…``),
used by ``static/js/player/invigilation.js``. Like the autosave API: the signed-in candidate's own
attempt only (anyone else's is 404, staff 403, signed out 401 JSON), the CSRF token in the
``X-CSRFToken`` header, ``Cache-Control: no-store``.

- ``POST …/events`` ``{"events": [{"id", "kind", "at", "data"}]}`` → ``{"acknowledged": [ids],
  "settings": {"snapshot_interval_s", "heartbeat_interval_s"}}``; with ``"messages": true`` the answer
  also has ``messages``, as ``GET …/messages`` lists them (the player's heartbeats sent on their own
  look for messages, so its message poll can wait).
- ``POST …/snapshots`` a raw ``image/jpeg`` body with ``X-Client-Event-Id`` and ``X-Captured-At``
  (ISO 8601) headers → the same answer.

Refusals: 422 ``{"error", "fields"}`` (shape, bounds; nothing written), 413 (snapshot too large),
415 (not ``image/jpeg``), 429 with ``Retry-After`` (too many events a minute), 503 with ``Retry-After``
and ``code`` ``media_unavailable`` (the media store is full or read-only: nothing written, send the
snapshot again later), 409 ``{"error",
"code"}`` with ``code`` ``attempt_ended`` (after the grace) or ``not_invigilated``. The rules are
``services.py``'s; documented in ``docs/invigilation-telemetry.md``.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from marshmallow import ValidationError, fields
from sqlalchemy.exc import IntegrityError

from core import db
from core.clock import utcnow
from core.errors import Conflict, DomainError, FieldProblem, ValidationFailed
from core.roles import Role
from core.schemas import load
from core.web import accepts_body, claim_holds_clause, current_actor, roles_required
from proctoring.live import services as live
from proctoring.live.api import messages_body
from proctoring.media import MediaUnavailable
from proctoring.telemetry import services
from proctoring.telemetry.schemas import CLIENT_ID, BatchInSchema

bp = Blueprint("invigilation_api", __name__, url_prefix="/api/v1/invigilation/attempts")


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def answer_body(acknowledged: list[str]) -> dict:
    """What an ingest answers: the ids stored (now or before) and the intervals the player keeps."""
    config = current_app.config
    return {"acknowledged": acknowledged,
            "settings": {"snapshot_interval_s": config["INVIGILATION_SNAPSHOT_INTERVAL_S"],
                         "heartbeat_interval_s": config["INVIGILATION_HEARTBEAT_INTERVAL_S"]}}


def _answer(acknowledged: list[str]):
    return jsonify(answer_body(acknowledged))


def _once_more_if_raced(write, target):
    """``write(target)``; if a retry of the same ids raced the first delivery (both passed the
    "already stored?" check, the other committed first), once more with the attempt loaded afresh:
    it is now a retry and gets the stored acknowledgement."""
    session = db.session()
    attempt_id = target.attempt.id
    try:
        return write(target)
    except IntegrityError:
        session.rollback()
        return write(services.target_for(session, current_actor(), attempt_id, utcnow()))


def refusal_body(error: Conflict) -> dict:
    """The ``error`` and the ``code`` the player acts on; a rate refusal says when to try again."""
    body = {"error": error.message, "code": getattr(error, "code", "conflict")}
    retry_after = getattr(error, "retry_after_s", None)
    if retry_after is not None:
        body["retry_after_s"] = retry_after
    return body


def _refused(error: Conflict):
    """409 (or 429) with :func:`refusal_body`."""
    body = refusal_body(error)
    response = jsonify(body)
    response.status_code = error.http_status
    if "retry_after_s" in body:
        response.headers["Retry-After"] = str(body["retry_after_s"])
    return response


def _events_fast(claim: tuple[int, int, str | None], attempt_id: int):
    """A batch of events, every invigilated candidate's every 15 s: the cookie's claim confirmed inside
    ``services.ingest_events_fast``'s first query. None hands the request to :func:`events`."""
    claim_holds = claim_holds_clause()
    if claim_holds is None:
        return None
    try:
        data = load(BATCH_IN, request.get_json(silent=True), "The events are not valid")
    except DomainError:
        return None  # the ordinary path gives the 422 (or 404 first, for someone else's attempt)
    session = db.session()
    now = utcnow()
    try:
        acknowledged = services.ingest_events_fast(session, attempt_id=attempt_id, events=data["events"],
                                                   limits=services.Limits.from_config(current_app.config), now=now,
                                                   claim=claim, claim_holds=claim_holds)
    except IntegrityError:
        session.rollback()  # raced by the same ids: the ordinary path answers it as a retry
        return None
    if acknowledged is None:
        return None
    body = answer_body(acknowledged)
    if data["messages"]:
        body["messages"] = messages_body(live.messages_of(session, attempt_id=attempt_id, candidate_id=claim[0]))
    session.commit()
    return jsonify(body)


@bp.post("/<int:attempt_id>/events")
@roles_required(Role.CANDIDATE, fast_path=_events_fast)
def events(attempt_id: int):
    """A batch of events; with ``messages``, the invigilator's messages in the answer too. They are read
    in the batch's transaction, just before its commit, as an autosave that asks reads them (a read
    takes no lock; a database error fails the batch whole, and the player sends it again)."""
    session = db.session()
    now = utcnow()
    try:
        target = services.target_for(session, current_actor(), attempt_id, now)  # 404 before the body is read
        data = load(BATCH_IN, request.get_json(silent=True), "The events are not valid")
        limits = services.Limits.from_config(current_app.config)
        acknowledged = _once_more_if_raced(lambda t: services.ingest_events(
            session, target=t, events=data["events"], limits=limits, now=now), target)
    except Conflict as error:
        session.rollback()
        return _refused(error)
    body = answer_body(acknowledged)
    if data["messages"]:
        body["messages"] = messages_body(live.messages_of(session, attempt_id=target.attempt.id,
                                                          candidate_id=target.attempt.candidate_id))
    session.commit()
    return jsonify(body)


BATCH_IN = BatchInSchema()  # stateless: one instance serves every request


_CAPTURED_AT = fields.AwareDateTime(format="iso")


def _snapshot_headers() -> tuple[str, object]:
    client_id = request.headers.get("X-Client-Event-Id", "")
    problems = []
    try:
        CLIENT_ID(client_id)
    except ValidationError as error:
        problems.append(FieldProblem("X-Client-Event-Id", " ".join(error.messages)))
    captured_at = None
    try:
        captured_at = _CAPTURED_AT.deserialize(request.headers.get("X-Captured-At", ""))
    except ValidationError:
        problems.append(FieldProblem("X-Captured-At", "Send the capture time as ISO 8601 with a time zone"))
    if problems:
        raise ValidationFailed("The snapshot's headers are not valid", problems)
    return client_id, captured_at


def _snapshot_body(limits: services.Limits) -> bytes:
    """The snapshot's bytes, read from the request once (the fast path and the ordinary one both ask),
    never more than the limit and one byte in memory."""
    if "snapshot_body" not in g:
        g.snapshot_body = request.stream.read(limits.max_snapshot_bytes + 1)
    return g.snapshot_body


def _snapshot_fast(claim: tuple[int, int, str | None], attempt_id: int):
    """A webcam snapshot, every invigilated candidate's every 30 s: the cookie's claim confirmed inside
    ``services.ingest_snapshot_fast``'s first query. None hands the request to :func:`snapshots`,
    which answers anything unusual (a body of another type or size, bad headers, any refusal)."""
    claim_holds = claim_holds_clause()
    if claim_holds is None or request.mimetype != "image/jpeg" or not request.content_length:
        return None
    limits = services.Limits.from_config(current_app.config)
    if request.content_length > limits.max_snapshot_bytes:
        return None
    try:
        client_id, captured_at = _snapshot_headers()
    except ValidationFailed:
        return None
    session = db.session()
    try:
        acknowledged = services.ingest_snapshot_fast(
            session, claim=claim, claim_holds=claim_holds, attempt_id=attempt_id, client_event_id=client_id,
            captured_at=captured_at, data=_snapshot_body(limits), store=current_app.extensions["cop.media"],
            limits=limits, now=utcnow())
    except IntegrityError:
        session.rollback()  # raced by the same id: the ordinary path answers it as a retry
        return None
    if acknowledged is None:
        return None
    session.commit()
    return _answer(acknowledged)


@bp.post("/<int:attempt_id>/snapshots")
@roles_required(Role.CANDIDATE, fast_path=_snapshot_fast)
@accepts_body("image/jpeg")
def snapshots(attempt_id: int):
    session = db.session()
    now = utcnow()
    limits = services.Limits.from_config(current_app.config)
    try:
        target = services.target_for(session, current_actor(), attempt_id, now)
        if request.mimetype != "image/jpeg":
            return jsonify({"error": "Send the snapshot as image/jpeg.", "code": "unsupported_type"}), 415
        if (request.content_length or 0) > limits.max_snapshot_bytes:
            raise services.SnapshotRefused(f"A snapshot can be at most {limits.max_snapshot_bytes // 1024} KB.",
                                           too_large=True)
        client_id, captured_at = _snapshot_headers()
        data = _snapshot_body(limits)
        acknowledged = _once_more_if_raced(lambda t: services.ingest_snapshot(
            session, target=t, client_event_id=client_id, captured_at=captured_at, data=data,
            store=current_app.extensions["cop.media"], limits=limits, now=now), target)
    except services.SnapshotRefused as error:
        session.rollback()
        if error.too_large:
            return jsonify({"error": error.message, "code": "too_large"}), 413
        raise
    except MediaUnavailable as error:
        # Nothing written: the player keeps the snapshot queued and sends it again after Retry-After;
        # the operators are told here, and the invigilator sees the queue grow in the heartbeats.
        session.rollback()
        current_app.logger.error("Snapshot %s of attempt %s not stored, the media store refused it: %s",
                                 request.headers.get("X-Client-Event-Id", ""), attempt_id, error.cause)
        response = jsonify({"error": f"{error.message} The snapshot is kept on your device and will be sent "
                                     "again.", "code": "media_unavailable", "retry_after_s": error.retry_after_s})
        response.status_code = error.http_status
        response.headers["Retry-After"] = str(error.retry_after_s)
        return response
    except Conflict as error:
        session.rollback()
        return _refused(error)
    session.commit()
    return _answer(acknowledged)
