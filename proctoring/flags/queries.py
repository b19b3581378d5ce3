"""Reading flags: an invigilation's or a sitting's, each with its latest review (the one that stands)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from proctoring.models import FlagReview, Invigilation, InvigilationFlag


@dataclass(frozen=True)
class FlagWithReview:
    flag: InvigilationFlag
    review: FlagReview | None  # the latest person's decision, if any
    candidate_id: int

    @property
    def is_open(self) -> bool:
        """Not yet reviewed by anyone."""
        return self.review is None


def _with_reviews(session: Session, query) -> list[FlagWithReview]:
    latest = (select(FlagReview.flag_id, func.max(FlagReview.id).label("review_id"))
              .group_by(FlagReview.flag_id).subquery())
    rows = session.execute(
        query.add_columns(FlagReview, Invigilation.candidate_id)
        .join(Invigilation, Invigilation.id == InvigilationFlag.invigilation_id)
        .outerjoin(latest, latest.c.flag_id == InvigilationFlag.id)
        .outerjoin(FlagReview, FlagReview.id == latest.c.review_id)
        .order_by(InvigilationFlag.starts_at, InvigilationFlag.id))
    return [FlagWithReview(flag, review, candidate_id) for flag, review, candidate_id in rows]


def flags_of(session: Session, invigilation_id: int) -> list[FlagWithReview]:
    """One invigilation's flags in time order, each with its latest review."""
    return _with_reviews(session, select(InvigilationFlag).where(InvigilationFlag.invigilation_id == invigilation_id))


def flags_of_sitting(session: Session, sitting_id: int) -> list[FlagWithReview]:
    """Every flag of a sitting's invigilations in time order, each with its latest review."""
    return _with_reviews(session, select(InvigilationFlag).where(
        InvigilationFlag.invigilation_id.in_(select(Invigilation.id).where(Invigilation.sitting_id == sitting_id))))
