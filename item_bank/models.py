"""Item bank tables: case studies and their versions, items and their versions, the sub-standards
each item maps to, review history, attachments, exam specs and exam papers.

A case study and an item keep their identity across versions, so statistics follow an item from
one version to the next. Versions that are approved or used are never changed (DESIGN.md).
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (JSON, Boolean, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime
from item_bank.workflow import Action, Status

STATUS_ENUM = Enum(Status, native_enum=False, create_constraint=True, name="status", length=20,
                   values_callable=lambda enum: [m.value for m in enum], validate_strings=True)

# What a review event records: a workflow transition (every workflow Action, so the two cannot drift
# apart) or a comment. A new action needs a migration: the column's CHECK lists them.
ReviewAction = enum.StrEnum("ReviewAction", {**{a.name: a.value for a in Action}, "COMMENT": "comment"},
                            module=__name__)
REVIEW_ACTION = Enum(ReviewAction, native_enum=False, create_constraint=True, name="review_action", length=30,
                     values_callable=lambda e: [m.value for m in e], validate_strings=True)


class CaseStudy(Base):
    __tablename__ = "case_studies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    framework_version_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    versions: Mapped[list[CaseStudyVersion]] = relationship(
        back_populates="case_study", order_by="CaseStudyVersion.number", lazy="selectin")
    items: Mapped[list[Item]] = relationship(back_populates="case_study", order_by="Item.id")
    author: Mapped["User"] = relationship("User", lazy="joined")  # noqa: F821 - by name, not by import
    framework_version: Mapped["FrameworkVersion"] = relationship("FrameworkVersion")  # noqa: F821

    @property
    def latest(self) -> CaseStudyVersion:
        return self.versions[-1]

    @property
    def latest_approved(self) -> CaseStudyVersion | None:
        approved = [v for v in self.versions if v.status == Status.APPROVED]
        return approved[-1] if approved else None


class CaseStudyVersion(Base):
    __tablename__ = "case_study_versions"
    __table_args__ = (UniqueConstraint("case_study_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_study_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    scenario_html: Mapped[str] = mapped_column(Text)
    status: Mapped[Status] = mapped_column(STATUS_ENUM, index=True)
    # Lower-cased title, scenario text and stems, for full-text search that works on both databases.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    change_note: Mapped[str] = mapped_column(Text, default="")

    case_study: Mapped[CaseStudy] = relationship(back_populates="versions")
    item_versions: Mapped[list[ItemVersion]] = relationship(
        back_populates="case_study_version", order_by="ItemVersion.position", lazy="selectin",
        cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="case_study_version", lazy="selectin",
                                                         order_by="Attachment.id")

    @property
    def total_marks(self) -> int:
        return sum(iv.max_mark for iv in self.item_versions)

    @property
    def case_study_framework(self):
        return self.case_study.framework_version


class Item(Base):
    """An item's identity: what statistics attach to, across all its versions."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_study_id: Mapped[int] = mapped_column(ForeignKey("case_studies.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    case_study: Mapped[CaseStudy] = relationship(back_populates="items")
    versions: Mapped[list[ItemVersion]] = relationship(back_populates="item", order_by="ItemVersion.id")


class ItemVersion(Base):
    __tablename__ = "item_versions"
    __table_args__ = (UniqueConstraint("case_study_version_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    case_study_version_id: Mapped[int] = mapped_column(ForeignKey("case_study_versions.id", ondelete="CASCADE"),
                                                       index=True)
    position: Mapped[int] = mapped_column(Integer)
    item_type: Mapped[str] = mapped_column(String(30), index=True)
    content: Mapped[dict] = mapped_column(JSON)
    max_mark: Mapped[int] = mapped_column(Integer)
    estimated_facility: Mapped[float | None] = mapped_column(Float)

    item: Mapped[Item] = relationship(back_populates="versions")
    case_study_version: Mapped[CaseStudyVersion] = relationship(back_populates="item_versions")
    mappings: Mapped[list[ItemMapping]] = relationship(back_populates="item_version", lazy="selectin",
                                                       cascade="all, delete-orphan")

    @property
    def primary_code(self) -> str | None:
        return (self.content.get("substandards") or {}).get("primary")


class ItemMapping(Base):
    """An item version's sub-standards (one primary, optionally others), for filters and coverage."""

    __tablename__ = "item_mappings"
    __table_args__ = (UniqueConstraint("item_version_id", "substandard_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id", ondelete="CASCADE"), index=True)
    substandard_id: Mapped[int] = mapped_column(ForeignKey("framework_substandards.id"), index=True)
    is_primary: Mapped[bool] = mapped_column(Boolean)

    item_version: Mapped[ItemVersion] = relationship(back_populates="mappings")


class ReviewEvent(Base):
    """Every workflow transition and review comment, appended; a version's history is these rows."""

    __tablename__ = "review_events"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_study_version_id: Mapped[int] = mapped_column(ForeignKey("case_study_versions.id", ondelete="RESTRICT"),
                                                       index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[ReviewAction] = mapped_column(REVIEW_ACTION)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_study_version_id: Mapped[int] = mapped_column(ForeignKey("case_study_versions.id", ondelete="CASCADE"),
                                                       index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(300), default="")
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    case_study_version: Mapped[CaseStudyVersion] = relationship(back_populates="attachments")


class ExamSpec(Base):
    """An exam specification (blueprint): what every paper built against it must meet."""

    __tablename__ = "exam_specs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    total_marks: Mapped[int] = mapped_column(Integer)
    total_marks_tolerance: Mapped[int] = mapped_column(Integer, default=0)
    duration_min: Mapped[int] = mapped_column(Integer)
    min_case_studies: Mapped[int] = mapped_column(Integer)
    max_case_studies: Mapped[int] = mapped_column(Integer)
    max_exposure: Mapped[int | None] = mapped_column(Integer)
    theme_marks: Mapped[dict] = mapped_column(JSON)  # {"A": [target, tolerance], ...}
    standard_marks: Mapped[dict] = mapped_column(JSON, default=dict)  # {"6": [min, max], ...}
    item_type_mix: Mapped[dict] = mapped_column(JSON, default=dict)  # {"sba": [min, max], ...}
    enemy_sets: Mapped[list] = mapped_column(JSON, default=list)  # [[case_study_id, ...], ...]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ExamPaper(Base):
    __tablename__ = "exam_papers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    exam_spec_id: Mapped[int] = mapped_column(ForeignKey("exam_specs.id"), index=True)
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    is_practice: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    assembly_note: Mapped[str] = mapped_column(Text, default="")

    spec: Mapped[ExamSpec] = relationship()
    entries: Mapped[list[ExamPaperEntry]] = relationship(back_populates="paper", order_by="ExamPaperEntry.position",
                                                         lazy="selectin", cascade="all, delete-orphan")


class ExamPaperEntry(Base):
    """A case-study version in a paper, in order. Publishing freezes the list."""

    __tablename__ = "exam_paper_entries"
    __table_args__ = (UniqueConstraint("exam_paper_id", "case_study_version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exam_paper_id: Mapped[int] = mapped_column(ForeignKey("exam_papers.id", ondelete="CASCADE"), index=True)
    case_study_version_id: Mapped[int] = mapped_column(ForeignKey("case_study_versions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)

    paper: Mapped[ExamPaper] = relationship(back_populates="entries")
    case_study_version: Mapped[CaseStudyVersion] = relationship(lazy="selectin")
