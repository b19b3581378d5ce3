"""What the telemetry ingest answers when delivery announces a fact (``core.signals``). Connected in
the composition root (``assessment.app.connect_signals``), never by importing this module."""
from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from core.errors import Conflict, DomainError, ValidationFailed
from core.schemas import load
from proctoring.telemetry import services
from proctoring.telemetry.api import BATCH_IN, answer_body, refusal_body


def take_events_riding_on_a_save(session: Session, *, candidate_id: int, attempt_id: int, events: list, now,
                                 **_facts) -> dict:
    """``save_carries_events``: the events a save carried get exactly the rules of ``POST …/events``
    (shape, invigilated sitting, idempotent ids, batch and rate limits, the grace after the end) and
    its answer; a refusal is the answer's ``refused`` (with its ``code``), having written nothing, and
    never a refusal of the save that carried them. The save found the attempt to be the candidate's,
    so the fast path confirms no claim (and loads nobody); anything out of its ordinary takes the
    ordinary path, as a batch sent on its own does."""
    try:
        data = load(BATCH_IN, {"events": events}, "The events are not valid")
        limits = services.Limits.from_config(current_app.config)
        acknowledged = services.ingest_carried_events_fast(session, candidate_id=candidate_id, attempt_id=attempt_id,
                                                           events=data["events"], limits=limits, now=now)
        if acknowledged is None:
            acknowledged = services.ingest_events(session, target=services.target_of(
                session, candidate_id, attempt_id, now), events=data["events"], limits=limits, now=now)
    except ValidationFailed as error:
        return {"acknowledged": [], "refused": {"error": error.message, "code": "invalid"}}
    except Conflict as error:
        return {"acknowledged": [], "refused": refusal_body(error)}
    except DomainError as error:  # not theirs to send (the save already said whose attempt it is)
        return {"acknowledged": [], "refused": {"error": error.message, "code": "refused"}}
    return answer_body(acknowledged)
