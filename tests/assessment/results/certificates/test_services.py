"""Issuing certificates for a release (one per pass, idempotent, superseded by a new release; no PDF
made), the PDF made once on first need (its text, its SHA-256, frozen, one row however many ask
first), and revocation (an examiner, with reasons, once)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from assessment.results.certificates import queries, services
from assessment.results.certificates.models import Certificate, CertificateDocument, CertificateEvent
from assessment.results.certificates.rules import Status
from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.assessment.results.certificates.conftest import NOW
from tests.assessment.results.certificates.factories import make_release


def test_one_certificate_per_pass(issued, people):
    assert [c.candidate_id for c in issued] == [people["ada"].id, people["cy"].id]
    ada, cy = issued
    assert ada.candidate_name == "Ada Lovelace" and cy.candidate_name == "Cy O’Brien"
    assert ada.passed_on == dt.date(2026, 12, 4)  # the release's day in London
    assert ada.code != cy.code and ada.status_index != cy.status_index


def _documents(db) -> list[CertificateDocument]:
    return db.scalars(select(CertificateDocument).order_by(CertificateDocument.id)).all()


def test_issuing_renders_no_pdf(db, release, people, issuer, monkeypatch):
    from assessment.results.certificates import pdf

    def no_rendering(**_):
        raise AssertionError("issuing rendered a PDF")

    monkeypatch.setattr(pdf, "certificate_pdf", no_rendering)
    issued = services.issue_for_release(db, release, people["examiner"].actor, NOW, issuer=issuer)
    assert len(issued) == 2 and all(c.credential for c in issued)
    assert _documents(db) == []


def test_the_pdf_is_rendered_once_on_first_need_and_then_frozen(db, issued, issuer, monkeypatch):
    from assessment.results.certificates import pdf

    first = services.document_for(db, issued[0], NOW, issuer=issuer)
    assert first.certificate_id == issued[0].id and first.rendered_at == NOW
    assert first.pdf.startswith(b"%PDF-") and first.pdf_sha256 == hashlib.sha256(first.pdf).hexdigest()
    assert [d.id for d in _documents(db)] == [first.id]
    assert queries.public_view(db, issued[0].code).pdf_sha256 == first.pdf_sha256
    assert queries.public_view(db, issued[1].code).pdf_sha256 is None  # not needed yet, not made

    monkeypatch.setattr(pdf, "certificate_pdf", lambda **_: pytest.fail("a stored PDF was rendered again"))
    again = services.document_for(db, issued[0], NOW + dt.timedelta(days=1), issuer=issuer)
    assert again.id == first.id and again.pdf == first.pdf and again.rendered_at == NOW


def test_two_first_requests_at_once_store_one_pdf(db, issued, issuer, monkeypatch):
    # The other request stored its PDF after ours looked and before ours inserted: ours hits the unique
    # constraint, is dropped, and theirs is served.
    theirs = services.document_for(db, issued[0], NOW, issuer=issuer)
    real_lookup, calls = services._stored_document, []

    def lookup(session, certificate_id):
        calls.append(certificate_id)
        return None if len(calls) == 1 else real_lookup(session, certificate_id)  # the first look misses theirs

    monkeypatch.setattr(services, "_stored_document", lookup)
    served = services.document_for(db, issued[0], NOW + dt.timedelta(seconds=1), issuer=issuer)
    assert served.id == theirs.id and served.pdf == theirs.pdf and len(calls) == 2
    assert [d.id for d in _documents(db)] == [theirs.id]


def test_a_certificate_revoked_before_its_pdf_was_made_gets_none(db, issued, people, issuer):
    services.revoke(db, actor=people["examiner"].actor, code=issued[0].code, reason="Fraud", now=NOW)
    assert services.document_for(db, issued[0], NOW, issuer=issuer) is None
    assert _documents(db) == []
    assert [c.id for c in queries.pending_documents(db)] == [issued[1].id]


def test_a_pdf_made_before_revocation_is_kept(db, issued, people, issuer):
    made = services.document_for(db, issued[0], NOW, issuer=issuer)
    services.revoke(db, actor=people["examiner"].actor, code=issued[0].code, reason="Fraud", now=NOW)
    assert services.document_for(db, issued[0], NOW, issuer=issuer).id == made.id
    assert queries.public_view(db, issued[0].code).pdf_sha256 == made.pdf_sha256


def test_the_date_of_the_pass_is_the_release_day_in_london(db, people, issuer):
    late = make_release(db, people["examiner"], [people["ada"]], ["pass"],
                        released_at=dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.timezone.utc))  # BST: 1 July
    [certificate] = services.issue_for_release(db, late, people["examiner"].actor, NOW, issuer=issuer)
    assert certificate.passed_on == dt.date(2026, 7, 1)


def test_issuing_again_issues_nothing_new(db, release, issued, people, issuer):
    again = services.issue_for_release(db, release, people["examiner"].actor, NOW, issuer=issuer)
    assert [c.id for c in again] == [c.id for c in issued]
    assert db.scalar(select(Certificate.id).where(Certificate.id.not_in([c.id for c in issued]))) is None
    assert len(db.scalars(select(AuditEntry).where(AuditEntry.action == "certificate.issue")).all()) == 2


def test_a_candidate_or_invigilator_cannot_issue(db, release, people, issuer, make_user):
    from core.roles import Role

    for person in (people["ada"], make_user(Role.INVIGILATOR)):
        with pytest.raises(Forbidden):
            services.issue_for_release(db, release, person.actor, NOW, issuer=issuer)


def test_a_new_release_supersedes_the_old_certificates_and_issues_new_ones(db, release, issued, people, issuer):
    # The re-release: Ada still passes, Bo now passes, Cy now fails.
    paper, sitting_id = release.paper, release.sitting_id
    from assessment.delivery.models import Sitting

    again = make_release(db, people["examiner"], [people["ada"], people["bo"], people["cy"]], ["pass", "pass", "fail"],
                         sitting=db.get(Sitting, sitting_id), paper=paper, supersedes=release,
                         reasons="A key was corrected after an appeal.")
    newer = services.issue_for_release(db, again, people["examiner"].actor, NOW, issuer=issuer)
    assert [c.candidate_id for c in newer] == [people["ada"].id, people["bo"].id]
    assert newer[0].code != issued[0].code
    for old in issued:
        view = queries.public_view(db, old.code)
        assert view.status == Status.SUPERSEDED
        assert "A key was corrected after an appeal." in view.status_reason
    assert queries.public_view(db, newer[0].code).status == Status.VALID
    # Superseded certificates are marked once, however often the issue runs.
    services.issue_for_release(db, again, people["examiner"].actor, NOW, issuer=issuer)
    assert len(db.scalars(select(CertificateEvent)).all()) == 2
    assert queries.revoked_indexes(db) == {c.status_index for c in issued}


def test_the_pdf_has_the_name_the_date_and_the_code(db, issued, issuer):
    document = services.document_for(db, issued[1], NOW, issuer=issuer)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.pdf)).pages)
    assert "Cy O’Brien" in text
    assert "4 December 2026" in text
    assert issued[1].code in text
    assert f"https://register.example.org/verify/{issued[1].code}" in text


def test_the_pdf_is_tagged_and_archival(db, issued, issuer):
    reader = PdfReader(io.BytesIO(services.document_for(db, issued[0], NOW, issuer=issuer).pdf))
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    assert "/OutputIntents" in reader.trailer["/Root"]  # PDF/A's colour profile
    assert b"pdfaid" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_the_qr_code_encodes_the_verification_address():
    import segno

    from assessment.results.certificates.pdf import qr_data_uri

    url = "https://register.example.org/verify/COP-7K2M-Q9XD-4TR8"
    assert qr_data_uri(url).startswith("data:image/svg+xml")
    assert qr_data_uri(url) == segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=4)


def test_an_examiner_revokes_with_reasons_once(db, issued, people):
    event = services.revoke(db, actor=people["examiner"].actor, code=issued[0].code.lower(),
                            reason="  Obtained by impersonation  ", now=NOW)
    assert event.reason == "Obtained by impersonation" and event.actor_id == people["examiner"].id
    view = queries.public_view(db, issued[0].code)
    assert (view.status, view.status_reason, view.status_at) == (Status.REVOKED, "Obtained by impersonation", NOW)
    assert queries.public_view(db, issued[1].code).status == Status.VALID
    with pytest.raises(Conflict, match="already revoked"):
        services.revoke(db, actor=people["examiner"].actor, code=issued[0].code, reason="Again", now=NOW)
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.revoke")) is not None


def test_a_superseded_certificate_may_still_be_revoked(db, release, issued, people, issuer):
    from assessment.delivery.models import Sitting

    again = make_release(db, people["examiner"], [people["ada"]], ["pass"], sitting=db.get(Sitting, release.sitting_id),
                         paper=release.paper, supersedes=release, reasons="Corrected")
    services.issue_for_release(db, again, people["examiner"].actor, NOW, issuer=issuer)
    services.revoke(db, actor=people["examiner"].actor, code=issued[0].code, reason="Fraud found later", now=NOW)
    assert queries.public_view(db, issued[0].code).status == Status.REVOKED


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_a_revocation_without_a_proper_reason_writes_nothing(db, issued, people, reason):
    with pytest.raises(ValidationFailed) as caught:
        services.revoke(db, actor=people["examiner"].actor, code=issued[0].code, reason=reason, now=NOW)
    assert caught.value.problems[0].field == "reason"
    assert db.scalar(select(CertificateEvent.id)) is None


@pytest.mark.parametrize("code", ["COP-0000-0000-0000", "nonsense", ""])
def test_a_wrong_code_is_not_found(db, issued, people, code):
    with pytest.raises(NotFound, match="No certificate has this code"):
        services.revoke(db, actor=people["examiner"].actor, code=code, reason="Fraud", now=NOW)


def test_only_an_examiner_revokes(db, issued, people):
    with pytest.raises(Forbidden):
        services.revoke(db, actor=people["ada"].actor, code=issued[0].code, reason="Mine", now=NOW)


def test_only_an_administrator_rotates_the_key(db, issuer, people):
    with pytest.raises(Forbidden):
        services.rotate_key(db, actor=people["examiner"].actor, now=NOW, issuer=issuer)


def test_a_candidate_gets_only_their_own_pdf(db, issued, people):
    assert queries.own_certificate(db, people["ada"].actor, issued[0].code).id == issued[0].id
    with pytest.raises(NotFound):
        queries.own_certificate(db, people["cy"].actor, issued[0].code)
    assert [c.code for c in queries.certificates_of(db, people["cy"].id)] == [issued[1].code]


def test_demo_certificates_are_issued_for_the_current_release(db, release, people, issuer):
    from assessment.results.certificates.demo import load_demo_certificates

    made = load_demo_certificates(db, now=NOW, issuer=issuer)
    assert [c.candidate_id for c in made] == [people["ada"].id, people["cy"].id]
    assert [c.id for c in load_demo_certificates(db, now=NOW, issuer=issuer)] == [c.id for c in made]
    # Quick to load, because no PDF is made: each is rendered on first need.
    assert _documents(db) == []
    assert [c.id for c in queries.pending_documents(db)] == [c.id for c in made]
