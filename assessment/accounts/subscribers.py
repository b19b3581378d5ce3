"""What accounts answers when a lower layer announces a fact (``core.signals``). Connected in the
composition root (``assessment.app.connect_signals``), never by importing this module."""
from __future__ import annotations

from sqlalchemy.orm import Session

from assessment.accounts.models import User


def refuse_disabled_account(session: Session, *, candidate_id: int, **_facts) -> str | None:
    """``attempt_starting``: a disabled account starts no exam, even from a session opened before it
    was disabled (the service may be reached by the API or the CLI, not only by signing in)."""
    user = session.get(User, candidate_id)
    if user is None or not user.is_enabled:
        return "Your account is disabled, so you cannot start an exam. Contact the exams team."
    return None
