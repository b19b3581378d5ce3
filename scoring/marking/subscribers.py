"""What marking answers when a higher layer announces a fact (``core.signals``). Connected in the
composition root (``assessment.app.connect_signals``), never by importing this module."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core.clock import utcnow
from scoring.marking import services

UPHELD_REMARK = "upheld_remark"  # the outcome's value as appeals send it (marking does not import appeals)


def remark_after_appeal(session: Session, *, appeal_id: int, attempt_id: int, outcome: str | None = None,
                        now: dt.datetime | None = None, **_facts) -> None:
    """``appeal_closed``: an appeal upheld for a re-mark puts the attempt's written answers in the
    queue of re-marks after appeal; any other outcome asks nothing of marking."""
    if outcome == UPHELD_REMARK:
        services.request_remark(session, appeal_id=appeal_id, attempt_id=attempt_id, now=now or utcnow())
