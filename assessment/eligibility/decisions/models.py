"""Tables of deciding applications. Every one is append-only: each assessor's judgement (a
recommendation, a recommendation after discussion, a third assessor's decision, a single assessor's
decision, a review), each discussion note, an appeal, each panel appointed, each member's answer and
the panel's outcome. Where an application stands is folded from them (``rules.round_state``) and
mirrored in ``applications.status`` by the services."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessment.eligibility.decisions.rules import AppealOutcome, Kind, Recommendation
from core.db import Base, UTCDateTime


def _enum(cls, name: str):
    return Enum(cls, native_enum=False, create_constraint=True, name=name, length=30,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


class AssessorJudgement(Base):
    """One assessor's judgement on one submission, with coded reasons, notes for the other assessors
    and, when asking for more information, the request the applicant reads."""

    __tablename__ = "assessor_judgements"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("application_submissions.id", ondelete="RESTRICT"),
                                               index=True)
    kind: Mapped[Kind] = mapped_column(_enum(Kind, "judgement_kind"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    recommendation: Mapped[Recommendation] = mapped_column(_enum(Recommendation, "judgement_recommendation"))
    reason_codes: Mapped[list] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    request: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DiscussionNote(Base):
    """What one of two disagreeing assessors said in their discussion."""

    __tablename__ = "assessor_discussion_notes"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("application_submissions.id", ondelete="RESTRICT"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RegistrationAppeal(Base):
    """An applicant's appeal against the refusal of their application."""

    __tablename__ = "registration_appeals"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    grounds: Mapped[list] = mapped_column(JSON)
    statement: Mapped[str] = mapped_column(Text)
    lodged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RegistrationAppealPanel(Base):
    """One appointment of a whole panel; a member who declares a conflict breaks it and another is
    appointed. The latest panel of an appeal is the one that sits."""

    __tablename__ = "registration_appeal_panels"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("registration_appeals.id", ondelete="RESTRICT"), index=True)
    appointed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    appointed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reasons: Mapped[str] = mapped_column(Text, default="")


class RegistrationAppealPanellist(Base):
    __tablename__ = "registration_appeal_panellists"
    __append_only__ = True
    __table_args__ = (UniqueConstraint("panel_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("registration_appeal_panels.id", ondelete="RESTRICT"),
                                          index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    is_registered_case_manager: Mapped[bool] = mapped_column(Boolean)


class RegistrationAppealResponse(Base):
    """A member accepts, declaring no conflict, or declares one and says what it is."""

    __tablename__ = "registration_appeal_responses"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panellist_id: Mapped[int] = mapped_column(ForeignKey("registration_appeal_panellists.id", ondelete="RESTRICT"),
                                              unique=True)
    has_conflict: Mapped[bool] = mapped_column(Boolean)
    statement: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RegistrationAppealOutcome(Base):
    __tablename__ = "registration_appeal_outcomes"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("registration_appeals.id", ondelete="RESTRICT"), unique=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("registration_appeal_panels.id", ondelete="RESTRICT"))
    outcome: Mapped[AppealOutcome] = mapped_column(_enum(AppealOutcome, "registration_appeal_outcome"))
    reasons: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


__all__ = ["AssessorJudgement", "DiscussionNote", "RegistrationAppeal", "RegistrationAppealOutcome",
           "RegistrationAppealPanel", "RegistrationAppealPanellist", "RegistrationAppealResponse"]
