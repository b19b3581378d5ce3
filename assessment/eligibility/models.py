"""The tables every part of registration shares: an application and its history, a registration
on the register and its history. Each part (``applications``, ``decisions``, ``register``) adds its
own tables in its own ``models.py``.

An application's ``status`` is where it stands now, kept by the services; what happened is in the
append-only ``application_events`` (who, when, why), and every frozen set of facts the applicant
submitted is an append-only ``application_submissions`` row with the engine's decision on it, so an
assessor or a panel years later reads exactly what was decided on.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Date, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"  # the applicant is filling it in
    SUBMITTED = "submitted"  # waiting for the assessor(s)
    INFORMATION_REQUESTED = "information_requested"  # the clock is paused until the applicant answers
    IN_DISCUSSION = "in_discussion"  # two assessors disagreed and are discussing
    AWAITING_THIRD_ASSESSOR = "awaiting_third_assessor"
    AWAITING_REVIEW = "awaiting_review"  # after the initial period: a refusal waits for its second review
    REGISTERED = "registered"
    REFUSED = "refused"
    UNDER_APPEAL = "under_appeal"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "submitted": "Submitted: waiting for an assessor",
                "information_requested": "More information requested from you",
                "in_discussion": "Assessors discussing", "awaiting_third_assessor": "Waiting for a third assessor",
                "awaiting_review": "Refusal waiting for its second review", "registered": "Registered",
                "refused": "Refused", "under_appeal": "Under appeal", "withdrawn": "Withdrawn"}[self.value]


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    LAPSED = "lapsed"
    SUSPENDED = "suspended"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def _enum(cls, name: str):
    return Enum(cls, native_enum=False, create_constraint=True, name=name, length=30,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


APPLICATION_STATUS = _enum(ApplicationStatus, "application_status")
REGISTRATION_STATUS = _enum(RegistrationStatus, "registration_status")


class Application(Base):
    """One person's application to join the register. ``draft`` holds what the applicant has entered
    so far (its shape belongs to ``applications``); it is the one mutable part, and only while the
    status is draft or information requested."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. "APP-2026-000123"
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(APPLICATION_STATUS, index=True)
    draft: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the first submission
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # registered or refused


class ApplicationSubmission(Base):
    """What the applicant submitted, frozen: the facts in the engine's documented format
    (``docs/eligibility.md``), the rule set and date they were judged under, and the engine's
    decision on them. A resubmission after a request for information is a new row."""

    __tablename__ = "application_submissions"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    facts: Mapped[dict] = mapped_column(JSON)
    rules: Mapped[str] = mapped_column(String(30))  # pre_certificate | post_certificate
    judged_on: Mapped[dt.date] = mapped_column(Date)
    decision: Mapped[dict] = mapped_column(JSON)  # the engine's decision, as `cop eligibility check` prints it
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ApplicationEvent(Base):
    """Something that happened to an application, with who, when and why. ``kind`` is a short verb
    phrase owned by the part that writes it (e.g. ``submitted``, ``recommended``, ``registered``);
    ``data`` carries its details."""

    __tablename__ = "application_events"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Registration(Base):
    """A case manager on the register. ``number`` is public; ``status`` and ``status_since`` are what
    the public register shows. ``certificate_due_on`` is set for those registered before the
    Certificate existed: the date by which they must pass it."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. "CM-000123"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), unique=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"))
    status: Mapped[RegistrationStatus] = mapped_column(REGISTRATION_STATUS, index=True)
    status_since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # first entry on the register
    renewal_due_on: Mapped[dt.date] = mapped_column(Date)
    certificate_due_on: Mapped[dt.date | None] = mapped_column(Date)


class RegistrationEvent(Base):
    """Something that happened to a registration (registered, renewed, reminded, lapsed, suspended,
    removed, restored, fitness-to-practise outcome), with who, when and why."""

    __tablename__ = "registration_events"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
