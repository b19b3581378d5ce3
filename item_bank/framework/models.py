"""The competency framework, versioned: a revision is a new FrameworkVersion with its own rows,
so items mapped to an earlier version's sub-standards are never disturbed."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime


class FrameworkVersion(Base):
    __tablename__ = "framework_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    source_note: Mapped[str] = mapped_column(Text, default="")
    competent_level: Mapped[str] = mapped_column(Text, default="")
    core_values: Mapped[list] = mapped_column(JSON, default=list)
    content_digest: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)

    themes: Mapped[list[Theme]] = relationship(back_populates="framework_version", order_by="Theme.position",
                                               cascade="all, delete-orphan", lazy="selectin")


class Theme(Base):
    __tablename__ = "framework_themes"
    __table_args__ = (UniqueConstraint("framework_version_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_version_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id", ondelete="CASCADE"),
                                                      index=True)
    code: Mapped[str] = mapped_column(String(4))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer)

    framework_version: Mapped[FrameworkVersion] = relationship(back_populates="themes")
    standards: Mapped[list[Standard]] = relationship(back_populates="theme", order_by="Standard.number",
                                                     cascade="all, delete-orphan", lazy="selectin")


class Standard(Base):
    __tablename__ = "framework_standards"
    __table_args__ = (UniqueConstraint("framework_version_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_version_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id", ondelete="CASCADE"),
                                                      index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("framework_themes.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    is_title_derived: Mapped[bool] = mapped_column(Boolean, default=False)
    statement: Mapped[str] = mapped_column(Text)

    theme: Mapped[Theme] = relationship(back_populates="standards")
    substandards: Mapped[list[Substandard]] = relationship(back_populates="standard", order_by="Substandard.position",
                                                           cascade="all, delete-orphan", lazy="selectin")


class Substandard(Base):
    __tablename__ = "framework_substandards"
    __table_args__ = (UniqueConstraint("framework_version_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_version_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id", ondelete="CASCADE"),
                                                      index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("framework_standards.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)

    standard: Mapped[Standard] = relationship(back_populates="substandards")
