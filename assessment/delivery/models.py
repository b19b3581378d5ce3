"""Exam delivery: sittings, bookings, reasonable adjustments, attempts with frozen slots, and the
append-only evidence of an attempt (response steps and attempt events) from which its state is
derived (replay.py). After Moodle's question engine: attempt → slot → steps."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime
from assessment.delivery.rules import AdjustmentStatus, EventKind

ADJUSTMENT_STATUS = Enum(AdjustmentStatus, native_enum=False, create_constraint=True, name="adjustment_status",
                         length=20, values_callable=lambda e: [m.value for m in e], validate_strings=True)
EVENT_KIND = Enum(EventKind, native_enum=False, create_constraint=True, name="attempt_event_kind", length=40,
                  values_callable=lambda e: [m.value for m in e], validate_strings=True)


class Sitting(Base):
    __tablename__ = "sittings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    is_practice: Mapped[bool] = mapped_column(Boolean, default=False)
    booking_opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    booking_closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    duration_s: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    requires_invigilation: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    # Loaded when asked for (starting an attempt, editing the sitting), not with every sitting: an
    # attempt comes with its sitting joined, and the papers were one statement more on every request
    # a candidate's player makes.
    papers: Mapped[list[SittingPaper]] = relationship(back_populates="sitting", lazy="select",
                                                      cascade="all, delete-orphan", order_by="SittingPaper.id")


class SittingPaper(Base):
    """A published exam paper used by a sitting; with several, each candidate gets one at random."""

    __tablename__ = "sitting_papers"
    __table_args__ = (UniqueConstraint("sitting_id", "exam_paper_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), index=True)
    exam_paper_id: Mapped[int] = mapped_column(ForeignKey("exam_papers.id"), index=True)

    sitting: Mapped[Sitting] = relationship(back_populates="papers")


class Booking(Base):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    booked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    sitting: Mapped[Sitting] = relationship(lazy="joined")


class AdjustmentRequest(Base):
    """A candidate's request for reasonable adjustments (Equality Act 2010) and the decision on it."""

    __tablename__ = "adjustment_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    extra_time_pct: Mapped[int] = mapped_column(Integer, default=0)
    rest_breaks: Mapped[bool] = mapped_column(Boolean, default=False)
    text_size: Mapped[str] = mapped_column(String(20), default="")
    colour_scheme: Mapped[str] = mapped_column(String(30), default="")
    uses_screen_reader: Mapped[bool] = mapped_column(Boolean, default=False)
    other: Mapped[str] = mapped_column(Text, default="")
    evidence_filename: Mapped[str] = mapped_column(String(200), default="")
    evidence_sha256: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[AdjustmentStatus] = mapped_column(ADJUSTMENT_STATUS, default=AdjustmentStatus.PENDING)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")


class Attempt(Base):
    """One candidate's sitting of one paper. Its state, deadline and answers are folds over its
    steps and events; the row itself holds only what was fixed at start.

    A real sitting allows one attempt per candidate; the practice exam may be taken again, each try
    a new attempt numbered from 1. The database holds that rule too: ``is_practice`` is fixed from
    the sitting at start, the number is unique per candidate and sitting, and only a practice
    attempt may be numbered above 1."""

    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("sitting_id", "candidate_id", "attempt_no"),
                      CheckConstraint("is_practice OR attempt_no = 1", name="one_attempt_unless_practice"),
                      CheckConstraint("attempt_no >= 1", name="attempt_no_positive"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    attempt_no: Mapped[int] = mapped_column(Integer, default=1)  # 1, 2, … per candidate and sitting
    is_practice: Mapped[bool] = mapped_column(Boolean, default=False)  # the sitting's, when the attempt started
    exam_paper_id: Mapped[int] = mapped_column(ForeignKey("exam_papers.id"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    duration_s: Mapped[int] = mapped_column(Integer)
    extra_time_pct: Mapped[int] = mapped_column(Integer, default=0)
    has_rest_breaks: Mapped[bool] = mapped_column(Boolean, default=False)
    preferences: Mapped[dict] = mapped_column(JSON, default=dict)  # text size, colour scheme, screen reader

    # Loaded only when used: the autosave path needs just the slot numbers (services.slot_numbers).
    slots: Mapped[list[AttemptSlot]] = relationship(back_populates="attempt", order_by="AttemptSlot.slot",
                                                    lazy="select", cascade="all, delete-orphan")
    sitting: Mapped[Sitting] = relationship(lazy="joined")


class AttemptSlot(Base):
    """An item frozen into an attempt at start, with the option order this candidate sees."""

    __tablename__ = "attempt_slots"
    __table_args__ = (UniqueConstraint("attempt_id", "slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    slot: Mapped[int] = mapped_column(Integer)
    case_study_version_id: Mapped[int] = mapped_column(ForeignKey("case_study_versions.id"))
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"))
    option_order: Mapped[list | None] = mapped_column(JSON)
    max_mark: Mapped[int] = mapped_column(Integer)

    attempt: Mapped[Attempt] = relationship(back_populates="slots")


class ResponseStep(Base):
    """One acknowledged save of one slot: the slot's whole state (answer, flag, struck-out options)."""

    __tablename__ = "response_steps"
    __append_only__ = True
    # (attempt, slot, seq) finds each slot's latest step in one probe (the state read on every save);
    # it also serves every lookup by attempt, so attempt_id needs no index of its own.
    __table_args__ = (UniqueConstraint("attempt_id", "seq"), UniqueConstraint("attempt_id", "client_step_id"),
                      Index("ix_response_steps_attempt_id_slot_seq", "attempt_id", "slot", "seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(Integer)
    slot: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict] = mapped_column(JSON)
    client_step_id: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AttemptEvent(Base):
    """Life events of an attempt: started, paused, resumed, time_extended, break_started, break_ended,
    device_claimed, stale_save_rejected, late_response_rejected, submitted, auto_submitted, voided."""

    __tablename__ = "attempt_events"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[EventKind] = mapped_column(EVENT_KIND)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AttemptStorageKey(Base):
    """The key the exam player encrypts its browser-side queues with (unsent answers, invigilation
    events and snapshots in localStorage): 32 random bytes, made the first time the attempt's own
    candidate asks for it and kept in memory only by the page. It is random rather than derived from
    the app's SECRET_KEY on purpose: rotating that secret mid-exam must not make queued answers
    unreadable. Kept apart from ``attempts`` so that nothing that reads attempt rows carries it along.
    Documented in docs/exam-player.md."""

    __tablename__ = "attempt_storage_keys"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64))  # base64url, no padding: 43 characters for 32 bytes
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
