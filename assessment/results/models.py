"""Tables of released results. Append-only: a release is what candidates were told, and a
correction is a new release that supersedes it, with reasons."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime
from assessment.results.rules import ExaminerAction


class ResultRelease(Base):
    """The release of a sitting's results: the one scoring run and the one approved cut-score
    decision they rest on. ``supersedes_id`` names the release this one replaces."""

    __tablename__ = "result_releases"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="RESTRICT"), index=True)
    scoring_run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id", ondelete="RESTRICT"))
    cut_score_decision_id: Mapped[int] = mapped_column(ForeignKey("cut_score_decisions.id", ondelete="RESTRICT"))
    pass_mark: Mapped[float] = mapped_column(Float)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("result_releases.id", ondelete="RESTRICT"))
    reasons: Mapped[str] = mapped_column(Text, default="")
    released_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    released_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CandidateResult(Base):
    """One candidate's result in one release. ``outcome`` is pass, fail, withheld or voided;
    ``theme_feedback`` maps each theme code to above, at or below the standard."""

    __tablename__ = "candidate_results"
    __append_only__ = True
    __table_args__ = (UniqueConstraint("release_id", "attempt_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("result_releases.id", ondelete="RESTRICT"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    pass_mark: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(20))
    theme_feedback: Mapped[dict] = mapped_column(JSON, default=dict)


EXAMINER_ACTION = Enum(ExaminerAction, native_enum=False, create_constraint=True, name="examiner_result_action",
                       length=12, values_callable=lambda e: [m.value for m in e], validate_strings=True)


class ExaminerResultDecision(Base):
    """An examiner's decision to withhold, void or reinstate one candidate's result in a sitting, with
    reasons. Never made by a flag alone: only an examiner writes these rows. The latest one of an
    attempt stands; the earlier ones stay."""

    __tablename__ = "examiner_result_decisions"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="RESTRICT"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"), index=True)
    action: Mapped[ExaminerAction] = mapped_column(EXAMINER_ACTION)
    reasons: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
