"""What live invigilation answers when delivery announces a fact (``core.signals``). Connected in
the composition root (``assessment.app.connect_signals``), never by importing this module."""
from __future__ import annotations

from sqlalchemy.orm import Session

from proctoring.live import services
from proctoring.live.api import messages_body


def messages_for_a_save(session: Session, *, attempt_id: int, candidate_id: int, **_facts) -> list[dict]:
    """``save_asks_messages``: the invigilator's messages to the attempt, as ``GET …/messages`` lists
    them (none when the sitting is not invigilated), so the player's poll can wait while it saves."""
    return messages_body(services.messages_of(session, attempt_id=attempt_id, candidate_id=candidate_id))
