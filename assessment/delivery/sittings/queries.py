"""What staff and candidates read about sittings: published papers to choose from, one sitting,
places taken, every sitting with its counts, and a candidate's overview (practice sittings,
sittings open for booking, their bookings and attempts)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import get_or_raise
from core.errors import NotFound
from core.roles import Actor, Role, require_role
from assessment.delivery import replay, services
from assessment.delivery.models import Attempt, Booking, Sitting
from assessment.delivery.rules import Decision, allowed_duration_s, can_book, can_cancel
from assessment.delivery.sittings.rules import PaperFacts


def published_papers(session: Session) -> list:
    from item_bank.models import ExamPaper  # read-only use of a lower layer's table

    return list(session.scalars(select(ExamPaper).where(ExamPaper.is_published.is_(True)).order_by(ExamPaper.id)))


def paper_facts(session: Session, paper_ids: list[int]) -> list[PaperFacts]:
    """What decides whether papers are parallel, in the order given: spec, time allowed, total marks
    (the sum of the items' marks, which may differ from the spec's target within its tolerance)."""
    # Read-only use of a lower layer's tables.
    from item_bank.models import ExamPaper, ExamPaperEntry, ExamSpec, ItemVersion

    marks = dict(session.execute(
        select(ExamPaperEntry.exam_paper_id, func.sum(ItemVersion.max_mark))
        .join(ItemVersion, ItemVersion.case_study_version_id == ExamPaperEntry.case_study_version_id)
        .where(ExamPaperEntry.exam_paper_id.in_(paper_ids)).group_by(ExamPaperEntry.exam_paper_id)).all())
    rows = {row.id: row for row in session.execute(
        select(ExamPaper.id, ExamPaper.title, ExamPaper.exam_spec_id, ExamSpec.title.label("spec_title"),
               ExamSpec.duration_min).join(ExamSpec, ExamSpec.id == ExamPaper.exam_spec_id)
        .where(ExamPaper.id.in_(paper_ids)))}
    return [PaperFacts(rows[i].title, rows[i].exam_spec_id, rows[i].spec_title, rows[i].duration_min,
                       int(marks.get(i, 0))) for i in dict.fromkeys(paper_ids) if i in rows]


def booked_count(session: Session, sitting_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Booking).where(
        Booking.sitting_id == sitting_id, Booking.cancelled_at.is_(None))) or 0


def active_booking(session: Session, sitting_id: int, candidate_id: int) -> Booking | None:
    return session.scalar(select(Booking).where(Booking.sitting_id == sitting_id, Booking.candidate_id == candidate_id,
                                                Booking.cancelled_at.is_(None)))


@dataclass(frozen=True)
class SittingRow:
    sitting: Sitting
    booked: int
    attempts: int


def all_sittings(session: Session, *, actor: Actor) -> list[SittingRow]:
    require_role(actor, Role.ADMIN, Role.INVIGILATOR)
    booked = dict(session.execute(select(Booking.sitting_id, func.count()).where(Booking.cancelled_at.is_(None))
                                  .group_by(Booking.sitting_id)).all())
    started = dict(session.execute(select(Attempt.sitting_id, func.count()).group_by(Attempt.sitting_id)).all())
    return [SittingRow(s, booked.get(s.id, 0), started.get(s.id, 0))
            for s in session.scalars(select(Sitting).order_by(Sitting.opens_at.desc(), Sitting.id.desc()))]


@dataclass(frozen=True)
class OpenSitting:
    sitting: Sitting
    places_left: int
    decision: Decision


@dataclass(frozen=True)
class MyBooking:
    booking: Booking
    can_cancel: Decision
    is_open_now: bool  # the exam window is open: the candidate may start
    attempt_state: replay.AttemptState | None


@dataclass(frozen=True)
class CandidateOverview:
    practice: list[Sitting]
    open_sittings: list[OpenSitting]
    bookings: list[MyBooking]
    attempts: list[tuple[Attempt, replay.AttemptView]]  # every try, newest first
    extra_time_pct: int = 0  # approved: applies to attempts started from now on

    def allowed_s(self, sitting: Sitting) -> int:
        """The time this candidate has for ``sitting``, as the start page and the timer count it: an
        open attempt's own (fixed when it started), otherwise the sitting's with approved extra time."""
        for attempt, view in self.attempts:
            if attempt.sitting_id == sitting.id and view.state.is_open:
                return allowed_duration_s(attempt.duration_s, attempt.extra_time_pct)
        return allowed_duration_s(sitting.duration_s, self.extra_time_pct)


def candidate_overview(session: Session, *, actor: Actor, now: dt.datetime) -> CandidateOverview:
    """What a candidate sees on /sittings: practice sittings, sittings open for booking, their bookings
    and attempts."""
    require_role(actor, Role.CANDIDATE)
    practice = list(session.scalars(select(Sitting).where(Sitting.is_practice.is_(True), Sitting.opens_at <= now,
                                                          Sitting.closes_at > now).order_by(Sitting.id)))
    bookings = list(session.scalars(select(Booking).where(Booking.candidate_id == actor.user_id,
                                                          Booking.cancelled_at.is_(None)).order_by(Booking.id)))
    booked_ids = {b.sitting_id for b in bookings}
    attempts = [(a, services.view_of(session, a, now)) for a in session.scalars(
        select(Attempt).where(Attempt.candidate_id == actor.user_id)
        .order_by(Attempt.started_at.desc(), Attempt.attempt_no.desc()))]
    views: dict[int, tuple[Attempt, replay.AttemptView]] = {}
    for attempt, view in attempts:
        views.setdefault(attempt.sitting_id, (attempt, view))  # the latest try at each sitting
    open_sittings = []
    for sitting in session.scalars(select(Sitting).where(Sitting.is_practice.is_(False),
                                                         Sitting.booking_opens_at <= now,
                                                         Sitting.booking_closes_at > now).order_by(Sitting.opens_at)):
        if sitting.id in booked_ids:
            continue
        booked = booked_count(session, sitting.id)
        decision = can_book(services.window_of(sitting), now, booked=booked, capacity=sitting.capacity,
                            already_booked=False)
        open_sittings.append(OpenSitting(sitting, max(0, sitting.capacity - booked), decision))
    mine = [MyBooking(b, can_cancel(services.window_of(b.sitting), now),
                      b.sitting.opens_at <= now < b.sitting.closes_at,
                      views[b.sitting_id][1].state if b.sitting_id in views else None) for b in bookings]
    adjustments = services.approved_adjustments(session, actor.user_id)
    return CandidateOverview(practice, open_sittings, mine, attempts,
                             adjustments.extra_time_pct if adjustments else 0)


def cancel_decision(session: Session, booking: Booking, now: dt.datetime) -> Decision:
    """Whether a booking can be cancelled now: until booking closes, and never once started."""
    decision = can_cancel(services.window_of(booking.sitting), now)
    if decision.allowed and services.latest_attempt(session, booking.sitting_id, booking.candidate_id) is not None:
        return Decision(False, "You have already started this sitting, so the booking cannot be cancelled.")
    return decision


@dataclass(frozen=True)
class BookingChoice:
    """What a candidate confirms before booking: the sitting, their time for it, and whether they may."""

    sitting: Sitting
    decision: Decision
    places_left: int
    allowed_s: int
    extra_time_pct: int


def booking_choice(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime) -> BookingChoice:
    require_role(actor, Role.CANDIDATE)
    sitting = get_or_raise(session, Sitting, sitting_id)
    booked = booked_count(session, sitting.id)
    decision = can_book(services.window_of(sitting), now, booked=booked, capacity=sitting.capacity,
                        already_booked=active_booking(session, sitting.id, actor.user_id) is not None,
                        is_practice=sitting.is_practice)
    adjustments = services.approved_adjustments(session, actor.user_id)
    pct = adjustments.extra_time_pct if adjustments else 0
    return BookingChoice(sitting, decision, max(0, sitting.capacity - booked),
                         allowed_duration_s(sitting.duration_s, pct), pct)


@dataclass(frozen=True)
class CancellationChoice:
    """What a candidate confirms before cancelling a booking."""

    booking: Booking
    decision: Decision


def cancellation_choice(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime) -> CancellationChoice:
    require_role(actor, Role.CANDIDATE)
    booking = active_booking(session, sitting_id, actor.user_id)
    if booking is None:
        raise NotFound("You have no booking for this sitting.")
    return CancellationChoice(booking, cancel_decision(session, booking, now))
