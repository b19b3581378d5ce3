"""Tables of the application form. The application itself, its frozen submissions and its events
are shared (``assessment.eligibility.models``); here are the supporting documents an applicant
uploads. Both tables are append-only: a document is never changed, and taking one out of an
application is a removal row with who and when, so an assessor can still see what was sent with
each submission."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime


class ApplicationDocument(Base):
    """A file sent with an application, stored outside the web root under its SHA-256. ``kind`` says
    what it evidences: one of the engine's evidence codes (``overseas_experience``,
    ``dual_role_split``, ``membership_evidence``…) or ``other``."""

    __tablename__ = "application_documents"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ApplicationDocumentRemoval(Base):
    """The applicant took a document out of their application (while they could still edit it)."""

    __tablename__ = "application_document_removals"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("application_documents.id", ondelete="RESTRICT"),
                                             unique=True)
    removed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    removed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
