"""The candidate's side of messages: ``/api/v1/invigilation/attempts/<id>/messages``, polled by the
exam player (``static/js/player/messages.js``), and "I have read this". The signed-in candidate's own
attempt only (anyone else's is 404, staff get 403), JSON only, never cached."""
from __future__ import annotations

from flask import Blueprint, jsonify

from core import db
from core.clock import utcnow
from core.roles import Role
from core.web import claim_holds_clause, current_actor, roles_required
from proctoring.live import services

bp = Blueprint("invigilation_messages_api", __name__, url_prefix="/api/v1/invigilation/attempts")


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def messages_body(found) -> list[dict]:
    """The messages as the player reads them, from this API or riding on a save's acknowledgement."""
    return [{"id": row.id, "text": row.payload.get("text", ""), "sent_at": row.received_at.isoformat(),
             "acknowledged": acknowledged} for row, acknowledged in found]


def _messages(attempt_id: int) -> dict:
    return {"messages": messages_body(services.candidate_messages(db.session(), actor=current_actor(),
                                                                  attempt_id=attempt_id))}


def _messages_fast(claim: tuple[int, int, str | None], attempt_id: int):
    """The poll, from every invigilated candidate's page: the cookie's claim confirmed inside
    ``services.messages_fast``'s one query. None hands the request to :func:`messages`."""
    claim_holds = claim_holds_clause()
    if claim_holds is None:
        return None
    found = services.messages_fast(db.session(), claim=claim, claim_holds=claim_holds, attempt_id=attempt_id)
    return None if found is None else jsonify({"messages": messages_body(found)})


@bp.get("/<int:attempt_id>/messages")
@roles_required(Role.CANDIDATE, fast_path=_messages_fast)
def messages(attempt_id: int):
    return jsonify(_messages(attempt_id))


@bp.post("/<int:attempt_id>/messages/<int:message_id>/acknowledge")
@roles_required(Role.CANDIDATE)
def acknowledge(attempt_id: int, message_id: int):
    services.acknowledge_message(db.session(), actor=current_actor(), attempt_id=attempt_id,
                                 message_event_id=message_id, now=utcnow())
    db.session().commit()
    return jsonify(_messages(attempt_id))
