"""Tables of remote invigilation. An ``Invigilation`` is one candidate's invigilation in one sitting
(created when they first consent or check in); everything that happens to it is a row of its
hash-chained, append-only log (``InvigilationEvent``): consent, check-in media and decisions,
telemetry from the player, face counts, messages, invigilator actions, evidence views and purges.
Flags, their reviews, outcomes and allocations are append-only facts too; where things stand is
folded from them. Tables of other packages are named by foreign key, never imported."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime
from proctoring.rules import FlagDecision, FlagKind, LogKind, Outcome, Severity


def _enum(kind, name: str, length: int = 40) -> Enum:
    return Enum(kind, native_enum=False, create_constraint=True, name=name, length=length,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


LOG_KIND = _enum(LogKind, "invigilation_log_kind")
FLAG_KIND = _enum(FlagKind, "invigilation_flag_kind")
SEVERITY = _enum(Severity, "invigilation_flag_severity", 10)
FLAG_DECISION = _enum(FlagDecision, "invigilation_flag_decision", 20)
OUTCOME = _enum(Outcome, "invigilation_outcome")


class Invigilation(Base):
    """One candidate's invigilation in one sitting. Not evidence itself: it holds the head of the
    log's chain (``next_seq``, ``last_hash``) so that an append is one locked row, not a scan."""

    __tablename__ = "invigilations"
    __table_args__ = (UniqueConstraint("sitting_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="RESTRICT"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    last_hash: Mapped[str] = mapped_column(String(64))


class InvigilationEvent(Base):
    """One row of an invigilation's log. ``entry_hash`` = SHA-256 of the row's canonical content and
    ``previous_hash`` (the row before it in this invigilation, or 64 zeros), so a changed or removed
    row is found by ``proctoring.log.verify``. Media live in the media store under ``media_key``;
    the log keeps their SHA-256, which outlives a purge of the file."""

    __tablename__ = "invigilation_events"
    __append_only__ = True
    __table_args__ = (UniqueConstraint("invigilation_id", "seq"),
                      UniqueConstraint("invigilation_id", "client_event_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invigilation_id: Mapped[int] = mapped_column(ForeignKey("invigilations.id", ondelete="RESTRICT"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[LogKind] = mapped_column(LOG_KIND)
    client_event_id: Mapped[str | None] = mapped_column(String(64))  # the player's id: a retry is not a new row
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)    # when it happened (the client's clock for telemetry)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)  # the server's clock
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    media_key: Mapped[str | None] = mapped_column(String(200))
    media_sha256: Mapped[str | None] = mapped_column(String(64))
    media_type: Mapped[str | None] = mapped_column(String(50))
    media_size: Mapped[int | None] = mapped_column(Integer)
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class InvigilationFlag(Base):
    """What the automated policy noticed, with the log rows it rests on. Raising is idempotent: one
    flag per invigilation, kind and start."""

    __tablename__ = "invigilation_flags"
    __append_only__ = True
    __table_args__ = (UniqueConstraint("invigilation_id", "kind", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invigilation_id: Mapped[int] = mapped_column(ForeignKey("invigilations.id", ondelete="RESTRICT"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[FlagKind] = mapped_column(FLAG_KIND)
    severity: Mapped[Severity] = mapped_column(SEVERITY)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    evidence_event_ids: Mapped[list] = mapped_column(JSON, default=list)
    detail: Mapped[str] = mapped_column(Text, default="")
    policy_version: Mapped[str] = mapped_column(String(20))
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class FlagReview(Base):
    """A person's decision on one flag: confirmed or dismissed, with a note. The latest stands."""

    __tablename__ = "invigilation_flag_reviews"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("invigilation_flags.id", ondelete="RESTRICT"), index=True)
    decision: Mapped[FlagDecision] = mapped_column(FLAG_DECISION)
    note: Mapped[str] = mapped_column(Text)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reviewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class InvigilationOutcome(Base):
    """A reviewer's outcome for one invigilation, in fixed categories, with reasons. Always a
    person's: no outcome is ever written by the policy. The latest stands."""

    __tablename__ = "invigilation_outcomes"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invigilation_id: Mapped[int] = mapped_column(ForeignKey("invigilations.id", ondelete="RESTRICT"), index=True)
    outcome: Mapped[Outcome] = mapped_column(OUTCOME)
    reasons: Mapped[str] = mapped_column(Text)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class InvigilatorAllocation(Base):
    """Which invigilator watches which candidate in a sitting. A hand-over is a newer row; the latest
    per candidate stands."""

    __tablename__ = "invigilator_allocations"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="RESTRICT"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    invigilator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    allocated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    allocated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
