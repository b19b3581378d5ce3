"""The register's own table: CPD declarations, append-only. A declaration withdrawn by its
registrant stays; the withdrawal is a ``cpd_withdrawn`` event on the registration
(``RegistrationEvent`` with data {"declaration_id": …}), so the history of a renewal year is never
rewritten."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime


class CpdDeclaration(Base):
    """One CPD activity a registrant declares: when, which category, how many hours, what it was,
    and optionally one evidence file (stored under its SHA-256, outside the web root)."""

    __tablename__ = "cpd_declarations"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="RESTRICT"), index=True)
    activity_on: Mapped[dt.date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(40))
    hours: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text)
    evidence_filename: Mapped[str | None] = mapped_column(String(200))
    evidence_content_type: Mapped[str | None] = mapped_column(String(100))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_size: Mapped[int | None] = mapped_column(Integer)
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
