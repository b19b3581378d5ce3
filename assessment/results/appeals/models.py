"""Tables of appeals. Every one is append-only: an appeal, its evidence, each panel appointed, each
member's acceptance or declared conflict, the outcome, a re-mark recorded and a resit entitlement are
facts with an actor, a time and reasons, and where an appeal stands is folded from them
(``rules.appeal_status``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessment.results.appeals.rules import Outcome
from core.db import Base, UTCDateTime

APPEAL_OUTCOME = Enum(Outcome, native_enum=False, create_constraint=True, name="appeal_outcome", length=20,
                      values_callable=lambda e: [m.value for m in e], validate_strings=True)


class Appeal(Base):
    """A candidate's appeal against their result in one release. ``grounds`` lists ``rules.Ground``
    values; the statement is the candidate's own account."""

    __tablename__ = "appeals"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_result_id: Mapped[int] = mapped_column(ForeignKey("candidate_results.id", ondelete="RESTRICT"),
                                                     index=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("result_releases.id", ondelete="RESTRICT"))
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="RESTRICT"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    grounds: Mapped[list] = mapped_column(JSON)
    statement: Mapped[str] = mapped_column(Text)
    lodged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AppealEvidence(Base):
    """A file the candidate sent with the appeal, stored outside the web root under its SHA-256."""

    __tablename__ = "appeal_evidence"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="RESTRICT"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AppealPanel(Base):
    """One appointment of a whole panel. A member who declares a conflict breaks it, and the
    administrator appoints another; the latest panel of an appeal is the one that sits."""

    __tablename__ = "appeal_panels"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="RESTRICT"), index=True)
    appointed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    appointed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reasons: Mapped[str] = mapped_column(Text, default="")


class AppealPanellist(Base):
    """A member of a panel, with whether they were a registered case manager when appointed."""

    __tablename__ = "appeal_panellists"
    __append_only__ = True
    __table_args__ = (UniqueConstraint("panel_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("appeal_panels.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    is_registered_case_manager: Mapped[bool] = mapped_column(Boolean)


class AppealPanelResponse(Base):
    """A member's answer to their appointment: they accept, declaring no conflict, or they declare
    one (``has_conflict``) and say what it is."""

    __tablename__ = "appeal_panel_responses"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panellist_id: Mapped[int] = mapped_column(ForeignKey("appeal_panellists.id", ondelete="RESTRICT"), unique=True)
    has_conflict: Mapped[bool] = mapped_column(Boolean)
    statement: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AppealOutcome(Base):
    """The panel's decision, recorded by one of its members on its behalf, with the reasons."""

    __tablename__ = "appeal_outcomes"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="RESTRICT"), unique=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("appeal_panels.id", ondelete="RESTRICT"))
    outcome: Mapped[Outcome] = mapped_column(APPEAL_OUTCOME)
    reasons: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AppealRemark(Base):
    """After an appeal upheld for a re-mark: the examiner's record that the written answers were
    marked again and which new scoring run carries the new marks."""

    __tablename__ = "appeal_remarks"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="RESTRICT"), unique=True)
    scoring_run_id: Mapped[int] = mapped_column(ForeignKey("scoring_runs.id", ondelete="RESTRICT"))
    reasons: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ResitEntitlement(Base):
    """A resit at no cost, granted when an appeal voids an attempt. The platform charges no fee yet,
    so the entitlement is recorded and shown to the candidate and to administrators; a booking flow
    with fees honours it through ``queries.resit_entitlements``."""

    __tablename__ = "resit_entitlements"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="RESTRICT"), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    voided_attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"))
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reasons: Mapped[str] = mapped_column(Text)


class AppealWithdrawal(Base):
    """The candidate withdrew their appeal before the panel decided, with their reason if they gave one."""

    __tablename__ = "appeal_withdrawals"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="RESTRICT"), unique=True)
    withdrawn_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
