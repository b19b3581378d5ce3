"""Tables of marking. Marks are evidence and append-only; a changed mark is a new mark."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime
from scoring.marking.rules import Pool, Round

MARKER_POOL = Enum(Pool, native_enum=False, create_constraint=True, name="marker_pool", length=10,
                   values_callable=lambda e: [m.value for m in e], validate_strings=True)
MARKING_ROUND = Enum(Round, native_enum=False, create_constraint=True, name="marking_round", length=10,
                     values_callable=lambda e: [m.value for m in e], validate_strings=True)


class MarkingAllocation(Base):
    """An examiner allocated to a sitting's marking, in one pool. Withdrawing sets ``withdrawn_at``
    (audited); a later allocation in the same pool brings the row back."""

    __tablename__ = "marking_allocations"
    __table_args__ = (UniqueConstraint("sitting_id", "examiner_id", "pool"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    examiner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    pool: Mapped[Pool] = mapped_column(MARKER_POOL)
    allocated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    allocated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class MarkingSetting(Base):
    """A sitting's agreement rule, copied from the configuration when marking opens; the pass mark
    once one exists (no pass mark: the "either side of the pass mark" rule does not apply)."""

    __tablename__ = "marking_settings"

    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), primary_key=True)
    tolerance: Mapped[float] = mapped_column(Float)
    rounding: Mapped[str] = mapped_column(String(10))
    pass_mark: Mapped[float | None] = mapped_column(Float)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Script(Base):
    """One candidate's answer to one written item, as markers see it: under a per-sitting
    pseudonymous candidate number, never a name. A seeded script is a copy of a resolved one,
    under a new number, with the mark that stood as its reference; its marks never count."""

    __tablename__ = "marking_scripts"
    __table_args__ = (UniqueConstraint("sitting_id", "candidate_number", "slot"),
                      CheckConstraint("(seed_of_id IS NULL) = (reference_mark IS NULL)", name="seed_has_reference"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"), index=True)
    slot: Mapped[int] = mapped_column(Integer)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"))
    candidate_number: Mapped[str] = mapped_column(String(12))
    answer: Mapped[dict] = mapped_column(JSON)  # {"text": …}: the final answer as it was when marking opened
    max_mark: Mapped[int] = mapped_column(Integer)
    seed_of_id: Mapped[int | None] = mapped_column(ForeignKey("marking_scripts.id"))
    reference_mark: Mapped[float | None] = mapped_column(Float)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Mark(Base):
    """One mark given to one script, with its justification. Never changed: the latest mark of a
    marker in a round stands, and the earlier ones stay, with the reason for the change."""

    __tablename__ = "script_marks"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    script_id: Mapped[int] = mapped_column(ForeignKey("marking_scripts.id", ondelete="RESTRICT"), index=True)
    marker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    round: Mapped[Round] = mapped_column(MARKING_ROUND)
    mark: Mapped[float] = mapped_column(Float)
    justification: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")  # why a mark was changed, when it was
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RemarkRequest(Base):
    """An appeal upheld for a re-mark asks for the attempt's written answers to be marked again by a
    fresh examiner (round ``appeal``). Recorded when marking hears ``appeal_closed``; the appeal's
    table is named, not imported (it belongs to a higher layer)."""

    __tablename__ = "marking_remark_requests"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"), index=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="RESTRICT"), index=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="RESTRICT"), unique=True)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
