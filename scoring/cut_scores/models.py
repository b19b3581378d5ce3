"""Tables of cut-score decisions. Both are append-only: a decision is evidence an appeal panel may
read years later, and a changed mind is a new decision."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Enum, Float, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime
from scoring.cut_scores.rules import Method

CUT_SCORE_METHOD = Enum(Method, native_enum=False, create_constraint=True, name="cut_score_method", length=40,
                        values_callable=lambda e: [m.value for m in e], validate_strings=True)


class CutScoreDecision(Base):
    """An examiner's decision on the pass mark of a sitting. ``raw_cut`` is the cut the method gave
    (in marks, on the run's items); ``policy`` says what was done to it (e.g.
    ``{"sem_multiplier": 1.0, "rounding": "up"}``) and ``pass_mark`` is the result, the whole mark a
    candidate needs. It stands once a different examiner approves it."""

    __tablename__ = "cut_score_decisions"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="RESTRICT"), index=True)
    scoring_run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id", ondelete="RESTRICT"), index=True)
    exercise_id: Mapped[int | None] = mapped_column(
        ForeignKey("standard_setting_exercises.id", ondelete="RESTRICT"), index=True)
    method: Mapped[Method] = mapped_column(CUT_SCORE_METHOD)
    raw_cut: Mapped[float] = mapped_column(Float)
    standard_error: Mapped[float | None] = mapped_column(Float)
    policy: Mapped[dict] = mapped_column(JSON, default=dict)
    pass_mark: Mapped[float] = mapped_column(Float)
    reasons: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # For method "equated": where the standard came from (the earlier run and its approved decision,
    # the link, θ, the anchors and their displacement), as ``equating.Equated.as_dict`` gives it.
    equating: Mapped[dict | None] = mapped_column(JSON)


class CutScoreApproval(Base):
    """A second examiner's approval of a decision (never the one who made it)."""

    __tablename__ = "cut_score_approvals"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("cut_score_decisions.id", ondelete="RESTRICT"),
                                             unique=True)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    approved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
