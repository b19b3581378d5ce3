"""Sittings, bookings and reasonable adjustments (use cases that write), and what staff and
candidates read about them: open sittings, a candidate's bookings, a sitting's live list and an
attempt's timeline. Services take ``session, *, actor, now``, flush and never commit.

Names and emails of people come from the ``users`` table by name (DESIGN.md: tables refer to other
packages' tables by foreign-key name), so delivery does not import accounts.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from core import audit
from core.db import Base
from core.errors import Conflict, FieldProblem, Forbidden, NotFound, Problems, ValidationFailed
from core.notifications import notify
from core.roles import Actor, Role, require_role
from assessment.delivery import replay, services
from assessment.delivery.models import (AdjustmentRequest, Attempt, AttemptEvent, Booking, ResponseStep, Sitting,
                                        SittingPaper)
from assessment.delivery.rules import AdjustmentStatus, Decision, allowed_duration_s, can_book, can_cancel
from item_bank.authoring.attachments import MAX_BYTES, _scan, sniff_type, storage_path

ONLINE_WITHIN = dt.timedelta(seconds=60)
EXTRA_TIME_CHOICES = (0, 10, 15, 25, 33, 50, 100)  # per cent; 25 % is the usual recommendation
TEXT_SIZES = {"": "Standard", "large": "Large (150%)", "x-large": "Very large (200%)"}
COLOUR_SCHEMES = {"": "Standard (dark text on white)", "cream": "Dark text on cream",
                  "dark": "Light text on dark grey", "yellow-on-black": "Yellow text on black"}


# ----------------------------------------------------------------------------------------- sittings

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


def published_papers(session: Session) -> list:
    from item_bank.models import ExamPaper  # read-only use of a lower layer's table

    return list(session.scalars(select(ExamPaper).where(ExamPaper.is_published.is_(True)).order_by(ExamPaper.id)))


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
    sitting = get_sitting(session, sitting_id)
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


def get_sitting(session: Session, sitting_id: int) -> Sitting:
    sitting = session.get(Sitting, sitting_id)
    if sitting is None:
        raise NotFound("There is no such sitting.")
    return sitting


def booked_count(session: Session, sitting_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Booking).where(
        Booking.sitting_id == sitting_id, Booking.cancelled_at.is_(None))) or 0


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


# ----------------------------------------------------------------------------------------- bookings

def _active_booking(session: Session, sitting_id: int, candidate_id: int) -> Booking | None:
    return session.scalar(select(Booking).where(Booking.sitting_id == sitting_id, Booking.candidate_id == candidate_id,
                                                Booking.cancelled_at.is_(None)))


def book(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime) -> Booking:
    require_role(actor, Role.CANDIDATE)
    if session.get_bind().dialect.name == "postgresql":
        # Places are counted under this row lock, so two last-minute bookings cannot both take the last place.
        session.execute(text("SELECT id FROM sittings WHERE id = :id FOR UPDATE"), {"id": sitting_id})
    sitting = get_sitting(session, sitting_id)
    decision = can_book(services.window_of(sitting), now, booked=booked_count(session, sitting.id),
                        capacity=sitting.capacity,
                        already_booked=_active_booking(session, sitting.id, actor.user_id) is not None,
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
    booking = _active_booking(session, sitting_id, actor.user_id)
    if booking is None:
        raise NotFound("You have no booking for this sitting.")
    decision = can_cancel(services.window_of(booking.sitting), now)
    if not decision.allowed:
        raise Conflict(decision.reason)
    if session.scalar(select(Attempt.id).where(Attempt.sitting_id == sitting_id,
                                               Attempt.candidate_id == actor.user_id)) is not None:
        raise Conflict("You have already started this sitting, so the booking cannot be cancelled.")
    booking.cancelled_at = now
    session.flush()
    audit.record(session, actor=actor, action="booking.cancelled", target_type="sitting", target_id=sitting_id,
                 after={"booking": booking.id}, now=now)
    return booking


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
    attempts: list[tuple[Attempt, replay.AttemptView]]


def candidate_overview(session: Session, *, actor: Actor, now: dt.datetime) -> CandidateOverview:
    """What a candidate sees on /sittings: practice sittings, sittings open for booking, their bookings
    and attempts."""
    require_role(actor, Role.CANDIDATE)
    practice = list(session.scalars(select(Sitting).where(Sitting.is_practice.is_(True), Sitting.opens_at <= now,
                                                          Sitting.closes_at > now).order_by(Sitting.id)))
    bookings = list(session.scalars(select(Booking).where(Booking.candidate_id == actor.user_id,
                                                          Booking.cancelled_at.is_(None)).order_by(Booking.id)))
    booked_ids = {b.sitting_id for b in bookings}
    attempts = list(session.scalars(select(Attempt).where(Attempt.candidate_id == actor.user_id)
                                    .order_by(Attempt.started_at.desc())))
    views = {a.sitting_id: (a, services.view_of(session, a, now)) for a in attempts}
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
    return CandidateOverview(practice, open_sittings, mine, list(views.values()))


# ------------------------------------------------------------------------------ reasonable adjustments

@dataclass(frozen=True)
class AdjustmentDetails:
    extra_time_pct: int = 0
    rest_breaks: bool = False
    text_size: str = ""
    colour_scheme: str = ""
    uses_screen_reader: bool = False
    other: str = ""
    evidence_filename: str = ""
    evidence: bytes = b""


def evidence_path(upload_folder: str, sha256: str) -> Path:
    """Adjustment evidence (often medical) lives in its own folder, outside the web root."""
    return storage_path(str(Path(upload_folder) / "adjustments"), sha256)


def request_adjustments(session: Session, *, actor: Actor, details: AdjustmentDetails, upload_folder: str,
                        scan_command: str | None, now: dt.datetime) -> AdjustmentRequest:
    require_role(actor, Role.CANDIDATE)
    problems = Problems()
    if details.extra_time_pct not in EXTRA_TIME_CHOICES:
        problems.add("extra_time_pct", "Choose an amount of extra time from the list")
    if details.text_size not in TEXT_SIZES:
        problems.add("text_size", "Choose a text size from the list")
    if details.colour_scheme not in COLOUR_SCHEMES:
        problems.add("colour_scheme", "Choose a colour scheme from the list")
    if len(details.other) > 2000:
        problems.add("other", "Other adjustments must be 2,000 characters or fewer")
    asked = (details.extra_time_pct or details.rest_breaks or details.text_size or details.colour_scheme
             or details.uses_screen_reader or details.other.strip())
    if not problems.items and not asked:
        problems.add("extra_time_pct", "Choose at least one adjustment, or describe what you need under ‘Other’")
    if details.evidence:
        if len(details.evidence) > MAX_BYTES:
            problems.add("evidence", "The file must be smaller than 10 MB")
        elif sniff_type(details.evidence) is None:
            problems.add("evidence", "The file must be a PDF, PNG or JPEG")
    problems.raise_if_any()
    if session.scalar(select(AdjustmentRequest.id).where(AdjustmentRequest.candidate_id == actor.user_id,
                                                         AdjustmentRequest.status == AdjustmentStatus.PENDING)):
        raise Conflict("You already have a request waiting for a decision. You can ask again once it is decided.")
    digest = ""
    if details.evidence:
        try:
            _scan(details.evidence, scan_command)
        except ValidationFailed as error:  # the scanner names the field "file"
            raise ValidationFailed(error.message, [FieldProblem("evidence", error.message)]) from None
        digest = hashlib.sha256(details.evidence).hexdigest()
        path = evidence_path(upload_folder, digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".part")
            temporary.write_bytes(details.evidence)
            temporary.replace(path)  # atomic: a reader never sees half a file
    request = AdjustmentRequest(
        candidate_id=actor.user_id, extra_time_pct=details.extra_time_pct, rest_breaks=details.rest_breaks,
        text_size=details.text_size, colour_scheme=details.colour_scheme,
        uses_screen_reader=details.uses_screen_reader, other=details.other.strip(),
        evidence_filename=(secure_filename(details.evidence_filename) or "evidence")[:200] if digest else "",
        evidence_sha256=digest, status=AdjustmentStatus.PENDING, requested_at=now, decision_reason="")
    session.add(request)
    session.flush()
    audit.record(session, actor=actor, action="adjustments.requested", target_type="adjustment_request",
                 target_id=request.id, after=describe(request), now=now)
    return request


def describe(request: AdjustmentRequest) -> list[str]:
    """The adjustments asked for, in words."""
    found = []
    if request.extra_time_pct:
        found.append(f"{request.extra_time_pct}% extra time")
    if request.rest_breaks:
        found.append("Rest breaks that stop the clock")
    if request.text_size:
        found.append(f"Text size: {TEXT_SIZES.get(request.text_size, request.text_size)}")
    if request.colour_scheme:
        found.append(f"Colour scheme: {COLOUR_SCHEMES.get(request.colour_scheme, request.colour_scheme)}")
    if request.uses_screen_reader:
        found.append("Uses a screen reader")
    if request.other:
        found.append(f"Other: {request.other}")
    return found


def my_adjustments(session: Session, *, actor: Actor) -> list[AdjustmentRequest]:
    require_role(actor, Role.CANDIDATE)
    return list(session.scalars(select(AdjustmentRequest).where(AdjustmentRequest.candidate_id == actor.user_id)
                                .order_by(AdjustmentRequest.id.desc())))


@dataclass(frozen=True)
class QueuedRequest:
    request: AdjustmentRequest
    candidate_name: str
    candidate_email: str


def _people(session: Session, ids) -> dict[int, tuple[str, str]]:
    users = Base.metadata.tables["users"]
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: (row.full_name, row.email)
            for row in session.execute(select(users.c.id, users.c.full_name, users.c.email).where(users.c.id.in_(ids)))}


def adjustment_queue(session: Session, *, actor: Actor) -> list[QueuedRequest]:
    """Every request, pending first (oldest first), then decided ones (newest first)."""
    require_role(actor, Role.ADMIN)
    requests = list(session.scalars(select(AdjustmentRequest).order_by(AdjustmentRequest.requested_at)))
    pending = [r for r in requests if r.status == AdjustmentStatus.PENDING]
    decided = sorted((r for r in requests if r.status != AdjustmentStatus.PENDING),
                     key=lambda r: r.decided_at, reverse=True)
    people = _people(session, [r.candidate_id for r in requests])
    return [QueuedRequest(r, *people.get(r.candidate_id, ("", ""))) for r in pending + decided]


def get_adjustment(session: Session, *, actor: Actor, request_id: int) -> QueuedRequest:
    require_role(actor, Role.ADMIN)
    request = session.get(AdjustmentRequest, request_id)
    if request is None:
        raise NotFound("There is no such request.")
    return QueuedRequest(request, *_people(session, [request.candidate_id]).get(request.candidate_id, ("", "")))


def decide_adjustment(session: Session, *, actor: Actor, request_id: int, approve: bool, reason: str,
                      now: dt.datetime) -> AdjustmentRequest:
    require_role(actor, Role.ADMIN)
    request = get_adjustment(session, actor=actor, request_id=request_id).request
    if request.candidate_id == actor.user_id:
        raise Forbidden("You cannot decide your own request for adjustments.")
    if request.status != AdjustmentStatus.PENDING:
        raise Conflict("This request has already been decided.")
    if not reason.strip():
        raise ValidationFailed("Give a reason", [FieldProblem(
            "reason", "Give a reason for the decision: the candidate will read it")])
    request.status = AdjustmentStatus.APPROVED if approve else AdjustmentStatus.DECLINED
    request.decided_at, request.decided_by_id, request.decision_reason = now, actor.user_id, reason.strip()
    session.flush()
    audit.record(session, actor=actor, action=f"adjustments.{request.status.value}",
                 target_type="adjustment_request", target_id=request.id, after={"reason": request.decision_reason},
                 now=now)
    words = "approved: they will apply to exams you start from now on" if approve else "declined"
    notify(session, user_id=request.candidate_id, message=f"Your request for reasonable adjustments was {words}. "
           f"Reason: {request.decision_reason}", link="/adjustments", now=now)
    return request


# ------------------------------------------------------------------------------------- staff views

def _require_not_candidate_in(session: Session, actor: Actor, sitting: Sitting) -> None:
    """Staff who are candidates in a sitting see nothing of it (DOMAIN.md: separation of roles). The
    practice sitting holds nothing secret, so staff who tried it may still watch it."""
    if sitting.is_practice:
        return
    sitting_id = sitting.id
    booked = session.scalar(select(Booking.id).where(Booking.sitting_id == sitting_id,
                                                     Booking.candidate_id == actor.user_id).limit(1))
    started = session.scalar(select(Attempt.id).where(Attempt.sitting_id == sitting_id,
                                                      Attempt.candidate_id == actor.user_id))
    if booked or started:
        raise Forbidden("You are a candidate in this sitting, so you cannot see or act on its attempts.")


STATUS_LABELS = {None: "Not started", replay.AttemptState.IN_PROGRESS: "In progress",
                 replay.AttemptState.PAUSED: "Paused", replay.AttemptState.SUBMITTED: "Submitted",
                 replay.AttemptState.TIMED_OUT: "Timed out", replay.AttemptState.VOIDED: "Voided"}


@dataclass(frozen=True)
class LiveRow:
    candidate_id: int
    name: str
    email: str
    attempt_id: int | None
    state: replay.AttemptState | None
    answered: int
    total: int
    time_left_s: int | None
    last_save_at: dt.datetime | None
    last_contact_at: dt.datetime | None
    is_online: bool

    @property
    def status(self) -> str:
        return STATUS_LABELS[self.state]

    @property
    def connection(self) -> str:
        if self.state is None or not self.state.is_open:
            return "—"
        return "Online" if self.is_online else "No recent contact"


def live_list(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime) -> tuple[Sitting, list[LiveRow]]:
    """Every booked candidate (and anyone with an attempt, as in the practice sitting) with progress,
    time left, last save and connection state. Two queries for all the evidence, not one per person."""
    require_role(actor, Role.ADMIN, Role.INVIGILATOR)
    sitting = get_sitting(session, sitting_id)
    _require_not_candidate_in(session, actor, sitting)
    attempts = {a.candidate_id: a for a in session.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id))}
    candidates = list(dict.fromkeys([*session.scalars(select(Booking.candidate_id).where(
        Booking.sitting_id == sitting.id, Booking.cancelled_at.is_(None)).order_by(Booking.id)), *attempts]))
    attempt_ids = [a.id for a in attempts.values()]
    steps: dict[int, list[replay.Step]] = defaultdict(list)
    events: dict[int, list[replay.Event]] = defaultdict(list)
    if attempt_ids:
        for s in session.scalars(select(ResponseStep).where(ResponseStep.attempt_id.in_(attempt_ids))):
            steps[s.attempt_id].append(replay.Step(s.seq, s.slot, s.payload, s.client_step_id, s.created_at,
                                                   s.device_id))
        for e in session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id.in_(attempt_ids))
                                 .order_by(AttemptEvent.id)):
            events[e.attempt_id].append(replay.Event(e.kind, e.occurred_at, e.payload or {}))
    people = _people(session, candidates)
    rows = []
    for candidate_id in candidates:
        name, email = people.get(candidate_id, ("", ""))
        attempt = attempts.get(candidate_id)
        if attempt is None:
            rows.append(LiveRow(candidate_id, name, email, None, None, 0, 0, None, None, None, False))
            continue
        a_steps, a_events = steps[attempt.id], events[attempt.id]
        view = replay.attempt_view(started_at=attempt.started_at,
                                   allowed_s=allowed_duration_s(attempt.duration_s, attempt.extra_time_pct),
                                   slot_numbers=[s.slot for s in attempt.slots], steps=a_steps, events=a_events,
                                   now=now)
        last_save = max((s.at for s in a_steps if s.at <= now), default=None)
        last_contact = max([t for t in [last_save, *(e.at for e in a_events)] if t is not None and t <= now],
                           default=None)
        rows.append(LiveRow(candidate_id, name, email, attempt.id, view.state, view.answered, len(view.slots),
                            view.time_left_s if view.state.is_open else None, last_save, last_contact,
                            last_contact is not None and now - last_contact <= ONLINE_WITHIN))
    rows.sort(key=lambda r: (r.name.lower(), r.email))
    return sitting, rows


@dataclass(frozen=True)
class StaffAttempt:
    attempt: Attempt
    name: str
    email: str
    view: replay.AttemptView


def staff_attempt(session: Session, *, actor: Actor, attempt_id: int, now: dt.datetime,
                  roles: tuple[Role, ...] = (Role.ADMIN, Role.INVIGILATOR)) -> StaffAttempt:
    require_role(actor, *roles)
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("There is no such attempt.")
    _require_not_candidate_in(session, actor, attempt.sitting)
    name, email = _people(session, [attempt.candidate_id]).get(attempt.candidate_id, ("", ""))
    return StaffAttempt(attempt, name, email, services.view_of(session, attempt, now))


def add_time(session: Session, *, actor: Actor, attempt_id: int, minutes: int | None, reason: str,
             now: dt.datetime) -> replay.AttemptView:
    staff_attempt(session, actor=actor, attempt_id=attempt_id, now=now)
    if minutes is None or not 1 <= minutes <= 240:
        raise ValidationFailed("Time to add", [FieldProblem("minutes", "Add between 1 and 240 minutes")])
    return services.extend_time(session, actor=actor, attempt_id=attempt_id, seconds=minutes * 60, reason=reason,
                                now=now)


def pause_attempt(session: Session, *, actor: Actor, attempt_id: int, reason: str,
                  now: dt.datetime) -> replay.AttemptView:
    staff_attempt(session, actor=actor, attempt_id=attempt_id, now=now)
    return services.pause(session, actor=actor, attempt_id=attempt_id, reason=reason, now=now)


def resume_attempt(session: Session, *, actor: Actor, attempt_id: int, now: dt.datetime) -> replay.AttemptView:
    staff_attempt(session, actor=actor, attempt_id=attempt_id, now=now)
    return services.resume(session, actor=actor, attempt_id=attempt_id, now=now)


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "step" or an event kind
    seq: int | None = None
    slot: int | None = None
    payload: dict = field(default_factory=dict)
    device_id: str = ""
    actor_name: str = ""
    reason: str = ""
    is_after: bool = False  # after the moment being shown


@dataclass(frozen=True)
class Timeline:
    attempt: Attempt
    name: str
    email: str
    at: dt.datetime
    view: replay.AttemptView
    entries: list[TimelineEntry]


def timeline(session: Session, *, actor: Actor, attempt_id: int, at: dt.datetime | None,
             now: dt.datetime) -> Timeline:
    """Every step and event in order, and the answers replayed as they stood at ``at`` (default now)."""
    found = staff_attempt(session, actor=actor, attempt_id=attempt_id, now=now, roles=(Role.EXAMINER, Role.ADMIN))
    attempt = found.attempt
    moment = max(attempt.started_at, min(at, now)) if at is not None else now
    step_rows = list(session.scalars(select(ResponseStep).where(ResponseStep.attempt_id == attempt.id)))
    event_rows = list(session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt.id)
                                      .order_by(AttemptEvent.id)))
    people = _people(session, [e.actor_id for e in event_rows])
    entries = [TimelineEntry(s.created_at, "step", seq=s.seq, slot=s.slot, payload=s.payload or {},
                             device_id=s.device_id, is_after=s.created_at > moment) for s in step_rows]
    entries += [TimelineEntry(e.occurred_at, e.kind, payload=e.payload or {},
                              actor_name=people.get(e.actor_id, ("", ""))[0] if e.actor_id else "system",
                              reason=e.reason, is_after=e.occurred_at > moment) for e in event_rows]
    order = {id(entry): index for index, entry in enumerate(entries)}
    entries.sort(key=lambda e: (e.at, e.seq if e.seq is not None else 0, order[id(e)]))
    steps = [replay.Step(s.seq, s.slot, s.payload, s.client_step_id, s.created_at, s.device_id) for s in step_rows]
    events = [replay.Event(e.kind, e.occurred_at, e.payload or {}) for e in event_rows]
    view = replay.attempt_view(started_at=attempt.started_at,
                               allowed_s=allowed_duration_s(attempt.duration_s, attempt.extra_time_pct),
                               slot_numbers=[s.slot for s in attempt.slots], steps=steps, events=events, now=moment)
    return Timeline(attempt, found.name, found.email, moment, view, entries)
