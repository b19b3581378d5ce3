"""What the candidate's dashboard reads: their bookings and attempts (delivery's overview), their
requests for adjustments and the decisions, and the next steps that follow from them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.roles import Actor
from assessment.delivery.adjustments import queries as adjustment_queries
from assessment.delivery.models import AdjustmentRequest
from assessment.delivery.rules import AdjustmentStatus
from assessment.delivery.sittings import queries as sitting_queries
from assessment.home.rules import CandidateFacts, Sitting, Step, next_steps


@dataclass(frozen=True)
class CandidateDashboard:
    overview: sitting_queries.CandidateOverview
    adjustments: list[AdjustmentRequest]  # newest first
    steps: list[Step]
    results: list = ()  # assessment.results.queries.MyResult, newest sitting first


def _sitting(sitting) -> Sitting:
    return Sitting(sitting.id, sitting.title, sitting.opens_at, sitting.closes_at)


def candidate_dashboard(session: Session, *, actor: Actor, now: dt.datetime) -> CandidateDashboard:
    overview = sitting_queries.candidate_overview(session, actor=actor, now=now)
    adjustments = adjustment_queries.my_adjustments(session, actor=actor)
    latest = {}
    for attempt, view in overview.attempts:  # newest first: the latest try at each sitting
        latest.setdefault(attempt.sitting_id, (attempt, view))
    practice = overview.practice[0] if overview.practice else None
    facts = CandidateFacts(
        in_progress=[_sitting(a.sitting) for a, v in latest.values() if v.state.is_open],
        open_to_start=[_sitting(b.booking.sitting) for b in overview.bookings
                       if b.is_open_now and b.attempt_state is None],
        booked_later=[_sitting(b.booking.sitting) for b in overview.bookings
                      if b.attempt_state is None and now < b.booking.sitting.opens_at],
        open_for_booking=sum(1 for o in overview.open_sittings if o.decision.allowed),
        practice=_sitting(practice) if practice else None,
        practice_tries=sum(1 for a, _v in overview.attempts if practice and a.sitting_id == practice.id),
        adjustments_pending=any(r.status == AdjustmentStatus.PENDING for r in adjustments))
    from assessment.results.queries import my_results

    return CandidateDashboard(overview, adjustments, next_steps(facts), my_results(session, actor))
