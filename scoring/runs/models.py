"""Scoring runs and what they computed. Every table is append-only: a run is evidence of how a
sitting was scored, and a changed decision is a new run, never an edit."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime


class ScoringRun(Base):
    """One scoring of one sitting. ``settings`` holds the decisions it was made with
    (excluded items, corrected keys, accepted second keys, by item label); the test statistics
    are the engine's on the matrix of the items not excluded."""

    __tablename__ = "scoring_runs"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="RESTRICT"), index=True)
    exam_paper_id: Mapped[int] = mapped_column(ForeignKey("exam_papers.id", ondelete="RESTRICT"))
    previous_run_id: Mapped[int | None] = mapped_column(ForeignKey("scoring_runs.id", ondelete="RESTRICT"))
    is_provisional: Mapped[bool] = mapped_column(Boolean)
    outstanding_scripts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    code_version: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    n_candidates: Mapped[int] = mapped_column(Integer)
    n_items: Mapped[int] = mapped_column(Integer)
    max_score: Mapped[float] = mapped_column(Float)
    alpha: Mapped[float | None] = mapped_column(Float)
    kr20: Mapped[float | None] = mapped_column(Float)
    kr21: Mapped[float | None] = mapped_column(Float)
    sem: Mapped[float | None] = mapped_column(Float)
    mean: Mapped[float | None] = mapped_column(Float)
    sd: Mapped[float | None] = mapped_column(Float)
    min_score: Mapped[float | None] = mapped_column(Float)
    max_observed: Mapped[float | None] = mapped_column(Float)
    percentiles: Mapped[list] = mapped_column(JSON, default=list)  # [[pct, value], ...]
    histogram: Mapped[list] = mapped_column(JSON, default=list)  # [[total, count], ...] ascending
    notes: Mapped[list] = mapped_column(JSON, default=list)

    items: Mapped[list[ScoringRunItem]] = relationship(order_by="ScoringRunItem.position", lazy="selectin",
                                                       viewonly=True)


class ScoringRunItem(Base):
    """One item version as a run used it: its label, rule, key (and the original key when the run
    corrected it), whether it was excluded, and the engine's statistics (None when excluded or NaN)."""

    __tablename__ = "scoring_run_items"
    __append_only__ = True
    __table_args__ = (UniqueConstraint("run_id", "position"), UniqueConstraint("run_id", "label"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # the slot number on the paper
    label: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), index=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id", ondelete="RESTRICT"), index=True)
    item_type: Mapped[str] = mapped_column(String(30))
    rule: Mapped[str] = mapped_column(String(60))
    key: Mapped[object | None] = mapped_column(JSON)
    original_key: Mapped[object | None] = mapped_column(JSON)  # set only when this run corrected the key
    accepted_keys: Mapped[list] = mapped_column(JSON, default=list)  # second keys accepted by this run
    is_excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    max_mark: Mapped[float] = mapped_column(Float)
    facility: Mapped[float | None] = mapped_column(Float)
    mean: Mapped[float | None] = mapped_column(Float)
    pbis: Mapped[float | None] = mapped_column(Float)
    pbis_corrected: Mapped[float | None] = mapped_column(Float)
    biserial: Mapped[float | None] = mapped_column(Float)
    discrimination_ul27: Mapped[float | None] = mapped_column(Float)
    alpha_if_deleted: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[list] = mapped_column(JSON, default=list)
    options: Mapped[list] = mapped_column(JSON, default=list)  # distractor analysis, one dict per option
    omitted: Mapped[float | None] = mapped_column(Float)


class ScoringRunScore(Base):
    """One candidate's scores in a run: one row per candidate, the item marks as a list in the
    order of the run's items (None for an excluded item), and the total."""

    __tablename__ = "scoring_run_scores"
    __append_only__ = True
    __table_args__ = (UniqueConstraint("run_id", "attempt_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id", ondelete="RESTRICT"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    marks: Mapped[list] = mapped_column(JSON)
    constructed_marks: Mapped[dict] = mapped_column(JSON, default=dict)  # {label: mark} taken from marking
    total: Mapped[float] = mapped_column(Float)
