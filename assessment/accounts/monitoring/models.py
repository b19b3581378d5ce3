"""Tables of equality monitoring. Questions and their options are data the administrator manages;
consent and its withdrawal are append-only evidence; answers are personal data held only while
consent stands (withdrawal deletes them), so they are an ordinary table."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime
from assessment.accounts.monitoring.rules import ConsentAction

CONSENT_ACTION = Enum(ConsentAction, native_enum=False, create_constraint=True, name="monitoring_consent_action",
                      length=10, values_callable=lambda e: [m.value for m in e], validate_strings=True)


class MonitoringQuestion(Base):
    """One question the exam board may ask; ``is_asked`` says whether candidates see it now.
    A question is never deleted (answers and past analyses refer to it): it is switched off."""

    __tablename__ = "monitoring_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    text: Mapped[str] = mapped_column(String(300))
    hint: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer)
    is_asked: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    options: Mapped[list[MonitoringOption]] = relationship(order_by="MonitoringOption.position", lazy="selectin",
                                                           back_populates="question")


class MonitoringOption(Base):
    """One answer a question offers; every question has a "Prefer not to say" option."""

    __tablename__ = "monitoring_options"
    __table_args__ = (UniqueConstraint("question_id", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("monitoring_questions.id"), index=True)
    value: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    is_prefer_not_to_say: Mapped[bool] = mapped_column(Boolean, default=False)

    question: Mapped[MonitoringQuestion] = relationship(back_populates="options")


class MonitoringConsent(Base):
    """A candidate gave or withdrew consent to the use of their monitoring answers, at a time,
    to the statement of ``statement_version``. The latest row says whether consent stands."""

    __tablename__ = "monitoring_consents"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    action: Mapped[ConsentAction] = mapped_column(CONSENT_ACTION)
    statement_version: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class MonitoringAnswer(Base):
    """A candidate's current answer to one question (deleted when they withdraw consent)."""

    __tablename__ = "monitoring_answers"
    __table_args__ = (UniqueConstraint("candidate_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("monitoring_questions.id"), index=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("monitoring_options.id"))
    answered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
