"""The candidate's JSON autosave API (``/api/v1/attempts/<id>``), used by the exam player.

Every endpoint answers for the signed-in candidate's own attempt only (anyone else's is 404, staff
get 403). A refused save answers 409 with ``{"error", "code", "state"}``: ``code`` is ``stale``
(another window saved since this page last looked: reload the state and resend), ``read_only``
(another window or device has taken the attempt over), ``attempt_ended`` (the attempt is over: the
refusal is recorded) or ``paused`` (paused by staff or on a rest break: ``state.on_break`` says which);
``state`` is the attempt's current state, so the page can carry on without another request. A save
whose answer does not fit its item is 422 and writes nothing. While the attempt is paused no item
content is sent at all (the attempt answers its state with ``content_withheld``; attachments 409).
Documented in ``docs/exam-player.md``.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, send_file, url_for
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from core import db, signals
from core.uploads import download_name
from core.clock import utcnow
from core.errors import Conflict, DomainError, NotFound
from core.roles import Role
from core.web import claim_holds_clause, current_actor, roles_required
from assessment.delivery import candidate, services
from assessment.delivery.replay import AttemptState
from assessment.delivery.rules import allowed_duration_s
from assessment.delivery.schemas import AckSchema, BreakInSchema, ClaimInSchema, SaveInSchema, dump_state, load, load_save

bp = Blueprint("delivery_api", __name__, url_prefix="/api/v1/attempts")


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _state(attempt, now, device_id: str | None) -> dict:
    session = db.session()
    view, saved_at = services.view_and_saved_times(session, attempt, now)
    return dump_state(view, now=now, device_id=device_id, saved_at=saved_at)


def _refused(error: Conflict, attempt, now, device_id: str | None):
    """409 with the code the player acts on and the current state. A late save's refusal was recorded
    by the service, so it is committed too."""
    db.session().commit()
    state = _state(attempt, now, device_id)
    code = getattr(error, "code", "")
    if not code:
        code = "paused" if state["state"] == AttemptState.PAUSED.value else "conflict"
    return jsonify({"error": error.message, "code": code, "state": state}), 409


def _device_arg() -> str | None:
    device_id = request.args.get("device_id")
    return device_id[:64] if device_id else None


@bp.get("/<int:attempt_id>")
@roles_required(Role.CANDIDATE)
def attempt(attempt_id: int):
    """State and content: the items (candidate views, frozen option order), the case studies with
    their attachments, and each slot's saved state. ``?device_id=`` says whether that window is
    read-only."""
    session = db.session()
    found = candidate.own_attempt(session, current_actor(), attempt_id)
    return jsonify(_attempt_body(session, found, utcnow(), _device_arg()))


def _attempt_body(session, found, now, device_id: str | None, state: dict | None = None) -> dict:
    """What the exam load answers (and a claim that asks ``with_exam``): the attempt, its state for
    ``device_id``'s window (``state``, if the caller has it) and, unless the clock is stopped, the content."""
    state = state if state is not None else _state(found, now, device_id)
    body = {
        "id": found.id, "title": found.sitting.title, "is_practice": found.sitting.is_practice,
        "allowed_s": allowed_duration_s(found.duration_s, found.extra_time_pct),
        "extra_time_pct": found.extra_time_pct, "has_rest_breaks": found.has_rest_breaks,
        "preferences": found.preferences or {},
        **state,
        "links": {"review": url_for("player.review", attempt_id=found.id),
                  "receipt": url_for("player.receipt", attempt_id=found.id),
                  "player": url_for("player.player", attempt_id=found.id)},
    }
    # While the clock is stopped (a rest break, a pause by staff) the paper is not sent at all:
    # otherwise a break would be unlimited reading time. The player asks again when it ends.
    if state["state"] == AttemptState.PAUSED.value:
        return {**body, "content_withheld": True}
    content = candidate.exam_content(session, found, _content_cache())
    for case_study in content["case_studies"]:
        for attachment in case_study["attachments"]:
            attachment["url"] = url_for("delivery_api.attachment", attempt_id=found.id, attachment_id=attachment["id"])
    return {**body, "content_withheld": False, **content}


def _content_cache() -> candidate.ExamContentCache:
    """The app's cache of rendered exam content (one per app instance: see ``ExamContentCache``)."""
    cache = current_app.extensions.get("cop.exam_content")
    if cache is None:
        cache = current_app.extensions["cop.exam_content"] = candidate.ExamContentCache()
    return cache


def _state_fast(claim: tuple[int, int, str | None], attempt_id: int):
    """The state poll, every candidate's page every few seconds: the cookie's claim confirmed inside
    ``services.state_fast``'s first query. None hands the request to :func:`state`."""
    claim_holds = claim_holds_clause()
    if claim_holds is None:
        return None
    now = utcnow()
    found = services.state_fast(db.session(), claim=claim, claim_holds=claim_holds, attempt_id=attempt_id, now=now)
    if found is None:
        return None
    view, saved_at = found
    return jsonify(dump_state(view, now=now, device_id=_device_arg(), saved_at=saved_at))


@bp.get("/<int:attempt_id>/state")
@roles_required(Role.CANDIDATE, fast_path=_state_fast)
def state(attempt_id: int):
    """The state alone (no content): what the player polls."""
    found = candidate.own_attempt(db.session(), current_actor(), attempt_id)
    return jsonify(_state(found, utcnow(), _device_arg()))


@bp.get("/<int:attempt_id>/storage-key")
@roles_required(Role.CANDIDATE)
def storage_key(attempt_id: int):
    """The key the player encrypts its queues in localStorage with (AES-GCM, 256 bits, base64url).
    The page keeps it in memory only; like every answer here it is sent ``no-store`` (see
    ``_no_store``), so no cache keeps it either."""
    session = db.session()
    key = services.storage_key_for(session, current_actor(), attempt_id, utcnow())
    session.commit()
    return jsonify({"key": key, "algorithm": "AES-GCM"})


@bp.post("/<int:attempt_id>/claim")
@roles_required(Role.CANDIDATE)
def claim(attempt_id: int):
    """This window takes the attempt over; any other becomes read-only (recorded). The answer is the
    window's state or, with ``with_exam``, what the exam load answers and the storage key: the player
    opens with one request instead of three, each 150 ms and more on a slow link, and a start storm
    costs the server a third fewer requests."""
    session = db.session()
    found = candidate.own_attempt(session, current_actor(), attempt_id)
    data = load(ClaimInSchema(), request.get_json(silent=True))
    now = utcnow()
    claimed = services.claim_device(session, actor=current_actor(), attempt_id=found.id,
                                    device_id=data["device_id"], now=now)
    state = dump_state(claimed.after, now=now, device_id=data["device_id"], saved_at=claimed.saved_at)
    if not data["with_exam"]:
        session.commit()
        return jsonify(state)
    # What GET /storage-key answers (null where that refuses: an ended attempt whose key is gone),
    # so that opening the player is one request. The content is read before the commit: one
    # transaction, and nothing is answered until it has committed.
    key = services.storage_key_if_any(session, found, now, is_open=claimed.before.state.is_open)
    body = {**_attempt_body(session, found, now, data["device_id"], state), "storage_key": key}
    session.commit()
    return jsonify(body)


def _save(data: dict, attempt_id: int, candidate_id: int, now):
    """The ordinary path's save and, if it asked, the messages (:func:`_messages_asked`)."""
    ack = services.save_response(db.session(), actor=current_actor(), attempt_id=attempt_id, slot=data["slot"],
                                 payload=data["payload"], seen_seq=data["seen_seq"],
                                 client_step_id=data["client_step_id"], device_id=data["device_id"], now=now)
    return ack, _messages_asked(db.session(), data, attempt_id, candidate_id)


# Stateless: one instance of each serves every request (building a schema costs more than using it).
ACK = AckSchema()
SAVE_IN = SaveInSchema()

EVENTS_NOT_TAKEN = {"acknowledged": [], "refused": {
    "code": "not_taken", "error": "These events were not recorded with the save: send them on their own."}}


def _carry_events(session, attempt_id: int, candidate_id: int, events: list[dict] | None, now) -> dict | None:
    """What becomes of the invigilation events an acknowledged save carried (None: it carried none):
    heartbeats ride on saves, so an invigilated candidate makes about half the requests. Called after
    the save's commit, in a transaction of its own, exactly as a request of their own would be:
    invigilation takes them (``core.signals.save_carries_events``) and nothing that befalls them —
    refused, or raced by the same ids sent on their own — touches the save. (Inside the save's
    transaction the attempt's row lock was held while waiting for the invigilation's, and a batch sent
    on its own, holding that and inserting rows that refer to the attempt, deadlocked with it.) The
    player sends any not acknowledged on their own, where they get their ordinary answer."""
    if not events:
        return None
    try:
        answers = [answer for _receiver, answer in signals.save_carries_events.send(
            session, candidate_id=candidate_id, attempt_id=attempt_id, events=events, now=now)
            if answer is not None]
        answer = answers[0] if answers else EVENTS_NOT_TAKEN
        if answer.get("refused"):
            session.rollback()  # a refusal writes nothing, whatever the receiver had begun
        else:
            session.commit()
    except SQLAlchemyError:
        session.rollback()
        answer = EVENTS_NOT_TAKEN
    return answer


def _messages_asked(session, data: dict, attempt_id: int, candidate_id: int) -> list[dict] | None:
    """The invigilator's messages when the save asked for them (``core.signals.save_asks_messages``),
    so that a candidate who is answering needs no poll of its own for them; None when it did not ask
    or nobody answered. Read inside the save's transaction, just before its commit: a read takes no
    lock and waits for none, and there it costs the save one statement, where a transaction of its
    own after the commit cost three round trips more (BEGIN, the read, ROLLBACK) and half what the
    poll it replaces costs (docs/performance.md). A database error here fails the request as one in
    the save itself would: rolled back whole, nothing stored or acknowledged, and the player's outbox
    sends the save again."""
    if not data.get("messages"):
        return None
    answers = [answer for _receiver, answer in signals.save_asks_messages.send(
        session, attempt_id=attempt_id, candidate_id=candidate_id) if answer is not None]
    return answers[0] if answers else None


def _acknowledged(session, ack, data: dict, attempt_id: int, candidate_id: int, messages: list[dict] | None, now):
    """The acknowledgement, with what rode on the save: the messages it asked for (read before its
    commit) and the events it carried (taken after it)."""
    body = ACK.dump(ack)
    carried = _carry_events(session, attempt_id, candidate_id, data.get("events"), now)
    if carried is not None:
        body["events"] = carried
    if messages is not None:
        body["messages"] = messages
    return jsonify(body)


def _save_fast(claim: tuple[int, int, str | None], attempt_id: int):
    """The ordinary autosave, every few seconds from every candidate: the cookie's claim confirmed
    inside ``services.save_response_fast``'s first query. None hands the request to
    :func:`save_response`."""
    claim_holds = claim_holds_clause()
    if claim_holds is None:
        return None
    try:
        data = load_save(SAVE_IN, request.get_json(silent=True))
    except DomainError:
        return None  # the ordinary path gives the 422 (or 404 first, for someone else's attempt)
    session = db.session()
    now = utcnow()
    try:
        ack = services.save_response_fast(session, claim=claim, claim_holds=claim_holds, attempt_id=attempt_id,
                                          slot=data["slot"], payload=data["payload"], seen_seq=data["seen_seq"],
                                          client_step_id=data["client_step_id"], device_id=data["device_id"],
                                          now=now)
        if ack is None:
            return None
        messages = _messages_asked(session, data, attempt_id, claim[0])
        session.commit()
    except IntegrityError:
        session.rollback()  # a retry raced its first delivery: the ordinary path answers it as a retry
        return None
    return _acknowledged(session, ack, data, attempt_id, claim[0], messages, now)


@bp.post("/<int:attempt_id>/responses")
@roles_required(Role.CANDIDATE, fast_path=_save_fast)
def save_response(attempt_id: int):
    """Save one slot's whole state, with any invigilation ``events`` riding on it
    (:func:`_carry_events`) and, with ``messages``, the invigilator's messages in the answer
    (:func:`_messages_asked`). A retry with the same ``client_step_id`` is answered with the stored
    acknowledgement and writes nothing."""
    session = db.session()
    found = candidate.own_attempt(session, current_actor(), attempt_id)
    data = load_save(SAVE_IN, request.get_json(silent=True))
    now = utcnow()
    try:
        try:
            ack, messages = _save(data, found.id, found.candidate_id, now)
            session.commit()
        except IntegrityError:
            # Two deliveries of the same save raced (a retry while the first was still running): the
            # other one won, so this one is now a retry and gets the stored acknowledgement.
            session.rollback()
            ack, messages = _save(data, found.id, found.candidate_id, now)
            session.commit()
    except Conflict as error:
        return _refused(error, found, now, data["device_id"])
    return _acknowledged(session, ack, data, found.id, found.candidate_id, messages, now)


@bp.post("/<int:attempt_id>/submit")
@roles_required(Role.CANDIDATE)
def submit(attempt_id: int):
    session = db.session()
    found = candidate.own_attempt(session, current_actor(), attempt_id)
    now = utcnow()
    try:
        services.submit_attempt(session, actor=current_actor(), attempt_id=found.id, now=now)
    except Conflict as error:
        return _refused(error, found, now, None)
    session.commit()
    return jsonify({**_state(found, now, None), "receipt": services.receipt_for(session, found, now),
                    "receipt_url": url_for("player.receipt", attempt_id=found.id)})


@bp.post("/<int:attempt_id>/break")
@roles_required(Role.CANDIDATE)
def rest_break(attempt_id: int):
    """Start or end a rest break (the clock stops); only with approved rest breaks (403 otherwise)."""
    session = db.session()
    found = candidate.own_attempt(session, current_actor(), attempt_id)
    data = load(BreakInSchema(), request.get_json(silent=True))
    now = utcnow()
    try:
        services.take_break(session, actor=current_actor(), attempt_id=found.id, now=now,
                            end=data["action"] == "end")
    except Conflict as error:
        return _refused(error, found, now, None)
    session.commit()
    return jsonify(_state(found, now, None))


@bp.get("/<int:attempt_id>/attachments/<int:attachment_id>")
@roles_required(Role.CANDIDATE)
def attachment(attempt_id: int, attachment_id: int):
    """An attachment of a case study in this attempt (and no other)."""
    from item_bank.authoring.attachments import storage_path

    session = db.session()
    found = candidate.own_attempt(session, current_actor(), attempt_id)
    stored = candidate.attachment_in(session, found, attachment_id)
    now = utcnow()
    view = services.view_of(session, found, now)
    if view.state == AttemptState.PAUSED:  # a document of the paper is content too
        return _refused(services.Paused(services.paused_message(view)), found, now, None)
    path = storage_path(current_app.config["UPLOAD_FOLDER"], stored.sha256)
    if not path.is_file():
        raise NotFound("The attachment's file is missing. Tell the invigilator or the register.")
    return send_file(path, mimetype=stored.content_type, download_name=download_name(stored.filename, "attachment"), as_attachment=False,
                     max_age=0)
