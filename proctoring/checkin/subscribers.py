"""What check-in answers when delivery announces a fact (``core.signals``). Connected in the
composition root (``assessment.app.connect_signals``), never by importing this module."""
from __future__ import annotations

from sqlalchemy.orm import Session

from proctoring.checkin import queries, rules


def refuse_start_until_checked_in(session: Session, *, candidate_id: int, sitting, **_facts) -> str | None:
    """``attempt_starting``: an invigilated, non-practice sitting starts only once a person has
    approved the candidate's check-in or waived it (and consent has not been withdrawn). Returns the
    sentence the candidate reads, saying what to do next."""
    state = queries.candidate_status(session, sitting=sitting, candidate_id=candidate_id)
    if state is None:
        return None
    return rules.start_refusal(state)
