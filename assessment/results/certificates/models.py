"""Tables of certificates. All three are append-only: a certificate is what the register told the
world, exactly as issued (its code, its status-list index and its signed credential); its PDF is a
document rendered once, on first need, and kept beside it (the very bytes every later download
serves, and their SHA-256); what happened to it later (revoked, superseded) is an event appended
beside it, with who, when and why."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Enum, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assessment.results.certificates.rules import EventKind
from core.db import Base, UTCDateTime

CERTIFICATE_EVENT_KIND = Enum(EventKind, native_enum=False, create_constraint=True, name="certificate_event_kind",
                              length=12, values_callable=lambda e: [m.value for m in e], validate_strings=True)


class Certificate(Base):
    """One candidate's certificate for one passing result of one release. ``status_index`` is the
    credential's bit in the revocation status list (drawn at random, never reused)."""

    __tablename__ = "certificates"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("result_releases.id", ondelete="RESTRICT"), index=True)
    candidate_result_id: Mapped[int] = mapped_column(ForeignKey("candidate_results.id", ondelete="RESTRICT"),
                                                     unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    candidate_name: Mapped[str] = mapped_column(String(200))
    passed_on: Mapped[dt.date] = mapped_column(Date)
    status_index: Mapped[int] = mapped_column(Integer, unique=True)
    credential: Mapped[str] = mapped_column(Text)  # the VC-JWT as issued
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CertificateDocument(Base):
    """A certificate's PDF, rendered once (on its first download, its first showing on the
    verification page or the examiners' page, or by ``cop certificates render``) and frozen: every
    later download serves these bytes, and the public page shows their SHA-256. One per certificate
    (the unique constraint settles two first requests at once)."""

    __tablename__ = "certificate_documents"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="RESTRICT"), unique=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    rendered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CertificateEvent(Base):
    """Something that happened to a certificate: revoked (an examiner's decision, with reasons) or
    superseded (by a later release, named in ``release_id``). Each happens at most once."""

    __tablename__ = "certificate_events"
    __append_only__ = True
    __table_args__ = (UniqueConstraint("certificate_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[EventKind] = mapped_column(CERTIFICATE_EVENT_KIND)
    reason: Mapped[str] = mapped_column(Text)
    release_id: Mapped[int | None] = mapped_column(ForeignKey("result_releases.id", ondelete="RESTRICT"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    actor_label: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
