"""Reading certificates: the public view of one (by code), the examiners' list, a candidate's own,
the revoked status indexes, the certificate for its owner's download, and those whose PDF is still to
be made."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.results.certificates import codes, rules
from assessment.results.certificates.models import Certificate, CertificateDocument, CertificateEvent
from core.errors import NotFound
from core.roles import Actor, Role, require_role

NO_CERTIFICATE = "No certificate has this code."


@dataclass(frozen=True)
class CertificateView:
    """What anyone may know of a certificate: the public page shows exactly this."""

    code: str
    candidate_name: str
    passed_on: dt.date
    issued_at: dt.datetime
    pdf_sha256: str | None  # of the PDF as rendered (once, on first need); None until then
    status: rules.Status
    status_reason: str  # why revoked or superseded; "" when valid
    status_at: dt.datetime | None
    candidate_id: int
    status_index: int


def _events(session: Session, certificate_ids: list[int]) -> dict[int, list[CertificateEvent]]:
    found: dict[int, list[CertificateEvent]] = {i: [] for i in certificate_ids}
    if certificate_ids:
        for event in session.scalars(select(CertificateEvent).where(CertificateEvent.certificate_id.in_(certificate_ids))
                                     .order_by(CertificateEvent.id)):
            found[event.certificate_id].append(event)
    return found


def _hashes(session: Session, certificate_ids: list[int]) -> dict[int, str]:
    """The SHA-256 of each certificate's PDF document, for those that have one (the bytes stay put)."""
    if not certificate_ids:
        return {}
    return dict(session.execute(select(CertificateDocument.certificate_id, CertificateDocument.pdf_sha256)
                                .where(CertificateDocument.certificate_id.in_(certificate_ids))).all())


def _view(certificate: Certificate, events: list[CertificateEvent], pdf_sha256: str | None) -> CertificateView:
    status = rules.status_of(e.kind for e in events)
    deciding = next((e for e in events if e.kind == status.value), None)
    return CertificateView(code=certificate.code, candidate_name=certificate.candidate_name,
                           passed_on=certificate.passed_on, issued_at=certificate.issued_at,
                           pdf_sha256=pdf_sha256, status=status,
                           status_reason=deciding.reason if deciding else "",
                           status_at=deciding.at if deciding else None, candidate_id=certificate.candidate_id,
                           status_index=certificate.status_index)


def certificate_by_code(session: Session, typed: str) -> Certificate:
    """The certificate with this code (as a person typed it), or NotFound saying nothing more."""
    stored = codes.normalised(typed)
    certificate = None if stored is None else session.scalar(select(Certificate).where(Certificate.code == stored))
    if certificate is None:
        raise NotFound(NO_CERTIFICATE)
    return certificate


def _one_view(session: Session, certificate: Certificate) -> tuple[CertificateView, list[CertificateEvent]]:
    events = _events(session, [certificate.id])[certificate.id]
    return _view(certificate, events, _hashes(session, [certificate.id]).get(certificate.id)), events


def public_view(session: Session, typed: str) -> CertificateView:
    return _one_view(session, certificate_by_code(session, typed))[0]


def status_of(session: Session, certificate: Certificate) -> rules.Status:
    return rules.status_of(e.kind for e in _events(session, [certificate.id])[certificate.id])


def certificates(session: Session, actor: Actor) -> list[CertificateView]:
    """Every certificate, newest first (examiners)."""
    require_role(actor, Role.EXAMINER)
    rows = session.scalars(select(Certificate).order_by(Certificate.id.desc())).all()
    events, hashes = _events(session, [c.id for c in rows]), _hashes(session, [c.id for c in rows])
    return [_view(c, events[c.id], hashes.get(c.id)) for c in rows]


def certificate_detail(session: Session, actor: Actor, typed: str) -> tuple[CertificateView, list[CertificateEvent]]:
    require_role(actor, Role.EXAMINER)
    return _one_view(session, certificate_by_code(session, typed))


def certificates_of(session: Session, candidate_id: int) -> list[CertificateView]:
    """A candidate's own certificates, newest first: what the results page or the dashboard lists
    (with ``templates/certificates/_candidate_certificates.html``)."""
    rows = session.scalars(select(Certificate).where(Certificate.candidate_id == candidate_id)
                           .order_by(Certificate.id.desc())).all()
    events, hashes = _events(session, [c.id for c in rows]), _hashes(session, [c.id for c in rows])
    return [_view(c, events[c.id], hashes.get(c.id)) for c in rows]


def own_certificate(session: Session, actor: Actor, typed: str) -> Certificate:
    """The certificate, for the candidate it was issued to (to download its PDF); anyone else is told
    it does not exist."""
    require_role(actor, Role.CANDIDATE)
    certificate = certificate_by_code(session, typed)
    if certificate.candidate_id != actor.user_id:
        raise NotFound(NO_CERTIFICATE)
    return certificate


def credential_of(session: Session, typed: str) -> str:
    return certificate_by_code(session, typed).credential


def revoked_indexes(session: Session) -> set[int]:
    """Status-list bits to set: every certificate revoked or superseded."""
    return set(session.scalars(select(Certificate.status_index).join(
        CertificateEvent, CertificateEvent.certificate_id == Certificate.id)))


def pending_documents(session: Session, limit: int | None = None) -> list[Certificate]:
    """Valid certificates whose PDF is not made yet, oldest first (for ``cop certificates render
    --pending``). Revoked and superseded ones are left: nobody will be given a fresh PDF of them."""
    rendered = select(CertificateDocument.certificate_id)
    ended = select(CertificateEvent.certificate_id)
    query = (select(Certificate).where(Certificate.id.not_in(rendered), Certificate.id.not_in(ended))
             .order_by(Certificate.id))
    return list(session.scalars(query if limit is None else query.limit(limit)))


def has_document(session: Session, certificate_id: int) -> bool:
    return session.scalar(select(CertificateDocument.id).where(CertificateDocument.certificate_id == certificate_id)) \
        is not None
