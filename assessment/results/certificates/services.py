"""Use cases that write certificates: issue them for a release, render a certificate's PDF on first
need, revoke one. Services take the actor and the time, flush and never commit, and raise
``core.errors``.

Issuing is cheap (a code, a status-list index and a signed credential per pass: milliseconds), so a
release of thousands of passes stays one short transaction. The PDF (WeasyPrint, about a quarter of
a second each) is not made then: ``document_for`` renders it the first time someone needs it (the
candidate's download, the public verification page that shows its SHA-256, the examiners' page) or
``cop certificates render --pending`` does from cron, and stores it, once, in
``certificate_documents``; every later download serves exactly those bytes."""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessment.accounts.models import User
from assessment.results.certificates import codes, credentials, pdf, queries, rules, signing, statuslist
from assessment.results.certificates.models import Certificate, CertificateDocument, CertificateEvent
from assessment.results.models import CandidateResult, ResultRelease
from core import audit
from core.clock import LONDON
from core.errors import Conflict, FieldProblem, ValidationFailed
from core.roles import Actor, Role, require_role

def issuer_from_config(config: Mapping) -> credentials.Issuer:
    """The issuer as configured: ``BASE_URL`` (the DID and every published address; never the
    request's Host header) and ``CERTIFICATE_SIGNER``: ``"folder"`` signs here with the keys in
    ``CERTIFICATE_KEY_FOLDER``; ``"socket:/path"`` asks the signer process, and the key folder is
    never opened by this process."""
    signer = signing.signer_from_setting(config.get("CERTIFICATE_SIGNER") or "folder", config["CERTIFICATE_KEY_FOLDER"])
    return credentials.Issuer(base_url=config["BASE_URL"], signer=signer)


def current_issuer() -> credentials.Issuer:
    from flask import current_app

    return issuer_from_config(current_app.config)


def _earlier_releases(session: Session, release: ResultRelease) -> list[ResultRelease]:
    chain, seen, next_id = [], {release.id}, release.supersedes_id
    while next_id is not None and next_id not in seen:
        earlier = session.get(ResultRelease, next_id)
        if earlier is None:
            break
        chain.append(earlier)
        seen.add(earlier.id)
        next_id = earlier.supersedes_id
    return chain


def _supersede_earlier(session: Session, release: ResultRelease, actor: Actor, now: dt.datetime) -> None:
    earlier_ids = [r.id for r in _earlier_releases(session, release)]
    if not earlier_ids:
        return
    already = select(CertificateEvent.certificate_id).where(CertificateEvent.kind == rules.EventKind.SUPERSEDED)
    stale = session.scalars(select(Certificate).where(Certificate.release_id.in_(earlier_ids),
                                                      Certificate.id.not_in(already)).order_by(Certificate.id))
    reason = (release.reasons or "").strip() or "The results were released again."
    for certificate in stale:
        session.add(CertificateEvent(certificate_id=certificate.id, kind=rules.EventKind.SUPERSEDED,
                                     reason=f"Superseded by the release of {release.released_at:%Y-%m-%d}: {reason}",
                                     release_id=release.id, actor_id=actor.user_id, actor_label=actor.label, at=now))


def _new_code(session: Session) -> str:
    while True:  # 55 random bits: a collision is all but impossible, and checked all the same
        code = codes.new_code()
        if session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def _taken_status_indexes(session: Session) -> set[int]:
    return set(session.scalars(select(Certificate.status_index)))


def issue_for_release(session: Session, release: ResultRelease, actor: Actor, now: dt.datetime,
                      *, issuer: credentials.Issuer | None = None) -> list[Certificate]:
    """One certificate per passing result of ``release``; the certificates of the releases it
    supersedes become superseded. Idempotent: calling it again issues nothing new and returns the
    same certificates. Returns this release's certificates, in the order of its results.

    No PDF is made here (see ``document_for``): issuing stays cheap however many pass.

    When the signer cannot sign (``signing.SignerUnavailable`` or ``SigningRefused``, both 503), the
    error propagates before the failing certificate is added, and the caller's rollback drops the
    certificates issued before it in this call, with the release they belong to."""
    require_role(actor, Role.EXAMINER)
    issuer = issuer or current_issuer()
    _supersede_earlier(session, release, actor, now)
    passed_on = release.released_at.astimezone(LONDON).date()
    results = session.scalars(select(CandidateResult).where(CandidateResult.release_id == release.id,
                                                            CandidateResult.outcome == "pass")
                              .order_by(CandidateResult.id)).all()
    existing = {c.candidate_result_id: c for c in session.scalars(
        select(Certificate).where(Certificate.release_id == release.id))}
    issued = []
    taken = None  # the status indexes in use, read once when the first new certificate needs one
    for result in results:
        certificate = existing.get(result.id)
        if certificate is None:
            taken = _taken_status_indexes(session) if taken is None else taken
            certificate = _issue_one(session, release, result, passed_on, actor, now, issuer, taken)
            taken.add(certificate.status_index)
        issued.append(certificate)
    return issued


def _issue_one(session, release, result, passed_on, actor, now, issuer, taken: set[int]) -> Certificate:
    candidate = session.get(User, result.candidate_id)
    name = candidate.full_name if candidate is not None else "(unknown)"
    code = _new_code(session)
    index = statuslist.random_free_index(taken)
    facts = credentials.CertificateFacts(code=code, candidate_name=name, passed_on=passed_on, issued_at=now,
                                         status_index=index)
    certificate = Certificate(code=code, release_id=release.id, candidate_result_id=result.id,
                              candidate_id=result.candidate_id, candidate_name=name, passed_on=passed_on,
                              status_index=index,
                              credential=credentials.signed(issuer, credentials.certificate_credential(issuer, facts)),
                              issued_by_id=actor.user_id, issued_at=now)
    session.add(certificate)
    session.flush()
    audit.record(session, actor=actor, action="certificate.issue", target_type="certificate",
                 target_id=certificate.id, after={"code": code, "release": release.id}, now=now)
    return certificate


def document_for(session: Session, certificate: Certificate, now: dt.datetime,
                 *, issuer: credentials.Issuer | None = None) -> CertificateDocument | None:
    """The certificate's PDF: the stored document when there is one (always, whatever the
    certificate's status since); otherwise, for a valid certificate, rendered now and stored; None for
    a revoked or superseded certificate that never had one (no fresh PDF of a dead certificate).

    No actor: rendering decides nothing, and whoever asks first, the register froze the same
    certificate. Call it in a short transaction of its own and commit soon after: the row is inserted
    in a savepoint, and when a concurrent first request stored one first (the unique constraint on
    ``certificate_id``), ours is dropped and theirs is returned, so there is only ever one."""
    stored = _stored_document(session, certificate.id)
    if stored is not None:
        return stored
    if queries.status_of(session, certificate) is not rules.Status.VALID:
        return None
    issuer = issuer or current_issuer()
    data = pdf.certificate_pdf(candidate_name=certificate.candidate_name, passed_on=certificate.passed_on,
                               code=certificate.code, verify_url=issuer.verify_url(certificate.code))
    document = CertificateDocument(certificate_id=certificate.id, pdf=data,
                                   pdf_sha256=hashlib.sha256(data).hexdigest(), rendered_at=now)
    try:
        with session.begin_nested():
            session.add(document)
    except IntegrityError:  # someone else's first request won: serve what they stored
        stored = _stored_document(session, certificate.id)
        if stored is None:
            raise
        return stored
    return document


def _stored_document(session: Session, certificate_id: int) -> CertificateDocument | None:
    return session.scalar(select(CertificateDocument).where(CertificateDocument.certificate_id == certificate_id))


def revoke(session: Session, *, actor: Actor, code: str, reason: str, now: dt.datetime) -> CertificateEvent:
    """An examiner revokes a certificate, with reasons. A certificate is revoked once."""
    require_role(actor, Role.EXAMINER)
    problem = rules.reason_problem(reason)
    if problem:
        raise ValidationFailed("The certificate was not revoked", [FieldProblem("reason", problem)])
    certificate = queries.certificate_by_code(session, code)
    if session.scalar(select(CertificateEvent.id).where(CertificateEvent.certificate_id == certificate.id,
                                                       CertificateEvent.kind == rules.EventKind.REVOKED)):
        raise Conflict(f"Certificate {certificate.code} is already revoked.")
    event = CertificateEvent(certificate_id=certificate.id, kind=rules.EventKind.REVOKED, reason=reason.strip(),
                             release_id=None, actor_id=actor.user_id, actor_label=actor.label, at=now)
    session.add(event)
    session.flush()
    audit.record(session, actor=actor, action="certificate.revoke", target_type="certificate",
                 target_id=certificate.id, after={"code": certificate.code, "reason": reason.strip()}, now=now)
    return event


# The status list is public and every verifier fetches it: signing it afresh each time would send every
# anonymous request on to the signer process. One signed copy serves for a minute, in each process, while
# the revoked set and the signer stay the same, so a revocation (or a rotation here) shows at once.
STATUS_LIST_REUSE = dt.timedelta(seconds=60)
_status_lists: dict[tuple, tuple[dt.datetime, str]] = {}


def _signer_identity(signer) -> tuple[str, ...]:
    keyring = getattr(signer, "keyring", None)
    return type(signer).__name__, str(getattr(signer, "path", "")), str(getattr(keyring, "folder", ""))


def signed_status_list(session: Session, issuer: credentials.Issuer, now: dt.datetime) -> str:
    """The revocation status list as a signed VC-JWT, re-signed when it changes or is a minute old."""
    revoked = frozenset(queries.revoked_indexes(session))
    key = (issuer.status_list_url, _signer_identity(issuer.signer), revoked)
    held = _status_lists.get(key)
    if held is not None and held[0] <= now < held[0] + STATUS_LIST_REUSE:
        return held[1]
    token = credentials.signed(issuer, credentials.status_list_credential(issuer, set(revoked), now))
    _status_lists.clear()  # the newest copy is the only one worth keeping
    _status_lists[key] = (now, token)
    return token


def rotate_key(session: Session, *, actor: Actor, now: dt.datetime,
               issuer: credentials.Issuer | None = None) -> str:
    """A new signing key; returns its id (``did:web:…#key-N``). Earlier keys stay published, so every
    credential signed with them still verifies; new credentials are signed with the new one."""
    require_role(actor, Role.ADMIN)
    issuer = issuer or current_issuer()
    kid = issuer.kid(issuer.signer.rotate())
    _status_lists.clear()  # signed with the old key: the next verifier gets one from the new key
    audit.record(session, actor=actor, action="certificate.rotate_key", target_type="signing_key", target_id=kid,
                 now=now)
    return kid
