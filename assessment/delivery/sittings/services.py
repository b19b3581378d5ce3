"""Sittings and bookings, the use cases that write: administrators create and edit sittings;
candidates book a place and cancel it. Services take ``session, *, actor, now``, flush and never
commit."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from core import audit
from core.db import get_or_raise
from core.errors import Conflict, NotFound, Problems
from core.roles import Actor, Role, require_role
from assessment.delivery import services
from assessment.delivery.models import Booking, Sitting, SittingPaper
from assessment.delivery.rules import can_book
from assessment.delivery.sittings.queries import (active_booking, booked_count, cancel_decision, paper_facts,
                                                  published_papers)
from assessment.delivery.sittings.rules import parallel_problems


@dataclass(frozen=True)
class SittingDetails:
    """What an administrator enters for a sitting (times aware, UTC or any zone)."""

    title: str
    paper_ids: list[int]
    booking_opens_at: dt.datetime | None
    booking_closes_at: dt.datetime | None
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    duration_min: int | None
    capacity: int | None
    requires_invigilation: bool = True
    is_practice: bool = False


def _check_details(session: Session, details: SittingDetails) -> Problems:
    problems = Problems()
    if not details.title.strip():
        problems.add("title", "Enter a title for the sitting")
    elif len(details.title.strip()) > 200:
        problems.add("title", "Title must be 200 characters or fewer")
    published = {paper.id for paper in published_papers(session)}
    if not details.paper_ids:
        problems.add("paper_ids", "Choose at least one published exam paper")
    elif set(details.paper_ids) - published:
        problems.add("paper_ids", "Choose only published exam papers")
    else:
        for reason in parallel_problems(paper_facts(session, details.paper_ids)):
            problems.add("paper_ids", reason)
    names = {"booking_opens_at": "when booking opens", "booking_closes_at": "when booking closes",
             "opens_at": "when the exam window opens", "closes_at": "when the exam window closes"}
    for name, words in names.items():
        if getattr(details, name) is None and not (details.is_practice and name.startswith("booking")):
            problems.add(name, f"Enter {words}")
    if details.opens_at and details.closes_at and details.opens_at >= details.closes_at:
        problems.add("closes_at", "The exam window must close after it opens")
    if not details.is_practice:
        b_open, b_close = details.booking_opens_at, details.booking_closes_at
        if b_open and b_close and b_open >= b_close:
            problems.add("booking_closes_at", "Booking must close after it opens")
        if b_close and details.opens_at and b_close > details.opens_at:
            problems.add("booking_closes_at", "Booking must close before, or when, the exam window opens")
    if details.duration_min is None:
        problems.add("duration_min", "Enter the time allowed in minutes")
    elif not 1 <= details.duration_min <= 600:
        problems.add("duration_min", "Time allowed must be between 1 and 600 minutes")
    if details.capacity is None:
        problems.add("capacity", "Enter the number of places")
    elif details.capacity < 1:
        problems.add("capacity", "The number of places must be 1 or more")
    return problems


def _apply(session: Session, sitting: Sitting, details: SittingDetails) -> None:
    sitting.title = details.title.strip()
    sitting.is_practice = details.is_practice
    sitting.opens_at, sitting.closes_at = details.opens_at, details.closes_at
    if details.is_practice:  # no booking: the practice sitting is open to every candidate
        sitting.booking_opens_at = sitting.booking_closes_at = details.opens_at
    else:
        sitting.booking_opens_at, sitting.booking_closes_at = details.booking_opens_at, details.booking_closes_at
    sitting.duration_s = details.duration_min * 60
    sitting.capacity = details.capacity
    sitting.requires_invigilation = details.requires_invigilation
    wanted = list(dict.fromkeys(details.paper_ids))
    for link in [link for link in sitting.papers if link.exam_paper_id not in wanted]:
        sitting.papers.remove(link)
    have = {link.exam_paper_id for link in sitting.papers}
    for paper_id in wanted:
        if paper_id not in have:
            sitting.papers.append(SittingPaper(exam_paper_id=paper_id))
    session.flush()


def _summary(sitting: Sitting) -> dict:
    return {"title": sitting.title, "papers": [p.exam_paper_id for p in sitting.papers],
            "booking": [sitting.booking_opens_at.isoformat(), sitting.booking_closes_at.isoformat()],
            "window": [sitting.opens_at.isoformat(), sitting.closes_at.isoformat()],
            "duration_s": sitting.duration_s, "capacity": sitting.capacity, "is_practice": sitting.is_practice,
            "requires_invigilation": sitting.requires_invigilation}


def create_sitting(session: Session, *, actor: Actor, details: SittingDetails, now: dt.datetime) -> Sitting:
    require_role(actor, Role.ADMIN)
    _check_details(session, details).raise_if_any()
    sitting = Sitting(created_by_id=actor.user_id, created_at=now)
    session.add(sitting)
    _apply(session, sitting, details)
    audit.record(session, actor=actor, action="sitting.created", target_type="sitting", target_id=sitting.id,
                 after=_summary(sitting), now=now)
    return sitting


def update_sitting(session: Session, *, actor: Actor, sitting_id: int, details: SittingDetails,
                   now: dt.datetime) -> Sitting:
    require_role(actor, Role.ADMIN)
    sitting = get_or_raise(session, Sitting, sitting_id)
    problems = _check_details(session, details)
    booked = booked_count(session, sitting.id)
    if details.capacity is not None and details.capacity >= 1 and details.capacity < booked:
        problems.add("capacity", f"The number of places cannot be fewer than the {booked} people already booked")
    problems.raise_if_any()
    before = _summary(sitting)
    _apply(session, sitting, details)
    audit.record(session, actor=actor, action="sitting.updated", target_type="sitting", target_id=sitting.id,
                 before=before, after=_summary(sitting), now=now)
    return sitting


def book(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime) -> Booking:
    require_role(actor, Role.CANDIDATE)
    if session.get_bind().dialect.name == "postgresql":
        # Places are counted under this row lock, so two last-minute bookings cannot both take the last place.
        session.execute(text("SELECT id FROM sittings WHERE id = :id FOR UPDATE"), {"id": sitting_id})
    sitting = get_or_raise(session, Sitting, sitting_id)
    decision = can_book(services.window_of(sitting), now, booked=booked_count(session, sitting.id),
                        capacity=sitting.capacity,
                        already_booked=active_booking(session, sitting.id, actor.user_id) is not None,
                        is_practice=sitting.is_practice)
    if not decision.allowed:
        raise Conflict(decision.reason)
    booking = Booking(sitting_id=sitting.id, candidate_id=actor.user_id, booked_at=now)
    session.add(booking)
    session.flush()
    audit.record(session, actor=actor, action="booking.created", target_type="sitting", target_id=sitting.id,
                 after={"booking": booking.id}, now=now)
    return booking


def cancel_booking(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime) -> Booking:
    require_role(actor, Role.CANDIDATE)
    booking = active_booking(session, sitting_id, actor.user_id)
    if booking is None:
        raise NotFound("You have no booking for this sitting.")
    decision = cancel_decision(session, booking, now)
    if not decision.allowed:
        raise Conflict(decision.reason)
    booking.cancelled_at = now
    session.flush()
    audit.record(session, actor=actor, action="booking.cancelled", target_type="sitting", target_id=sitting_id,
                 after={"booking": booking.id}, now=now)
    return booking
