"""The pages: the public verification page (signed out), the look-up form, the PDF download and
its hash, the examiners' list and revocation, the candidate's own certificates."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import func, select

from assessment.results.certificates import services
from assessment.results.certificates.models import CertificateDocument
from core.roles import Role
from tests.assessment.results.certificates.conftest import NOW
from tests.cop_testing import mark_reauthenticated


def _sign_in(client, user):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True
        mark_reauthenticated(flask_session, user)


def _documents(db) -> int:
    return db.scalar(select(func.count()).select_from(CertificateDocument))


def _page_hash(page: str) -> str:
    return re.search(r'id="issued-hash">([0-9a-f]{64})<', page).group(1)


def test_the_public_page_works_signed_out_and_shows_name_date_status_and_hash(client, db, issued):
    assert _documents(db) == 0
    response = client.get(f"/verify/{issued[0].code}")
    assert response.status_code == 200 and response.headers["X-Robots-Tag"] == "noindex"
    page = response.get_data(as_text=True)
    stored = db.scalar(select(CertificateDocument))  # its first showing made the PDF whose hash it shows
    assert stored.certificate_id == issued[0].id and _documents(db) == 1
    for text in ("Ada Lovelace", "4 December 2026", "Valid", stored.pdf_sha256, "not uploaded"):
        assert text in page
    assert "Cy O" not in page  # nothing of another certificate
    assert "<script>" not in page and 'src="/static/js/certificate-hash.js?v=' in page


def test_the_first_download_renders_the_pdf_and_the_second_serves_the_same_bytes(client, db, issued, people,
                                                                                   monkeypatch):
    from assessment.results.certificates import pdf

    _sign_in(client, people["ada"])
    assert _documents(db) == 0
    first = client.get(f"/my/certificates/{issued[0].code}.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert f"certificate-{issued[0].code}.pdf" in first.headers["Content-Disposition"]
    stored = db.scalar(select(CertificateDocument))
    assert stored.certificate_id == issued[0].id and stored.pdf == first.get_data() and _documents(db) == 1
    monkeypatch.setattr(pdf, "certificate_pdf", lambda **_: pytest.fail("the stored PDF was rendered again"))
    second = client.get(f"/my/certificates/{issued[0].code}.pdf")
    assert second.status_code == 200 and second.get_data() == first.get_data() and _documents(db) == 1
    page = client.get(f"/verify/{issued[0].code}").get_data(as_text=True)
    assert _page_hash(page) == hashlib.sha256(first.get_data()).hexdigest() == stored.pdf_sha256


def test_the_hash_on_the_page_is_the_hash_of_the_downloaded_pdf_and_an_edited_pdf_differs(client, issued, people):
    page = client.get(f"/verify/{issued[0].code}").get_data(as_text=True)
    _sign_in(client, people["ada"])
    download = client.get(f"/my/certificates/{issued[0].code}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    pdf = download.get_data()
    assert hashlib.sha256(pdf).hexdigest() == _page_hash(page)
    edited = pdf.replace(b"/Producer", b"/Producex", 1) if b"/Producer" in pdf else pdf + b"\n"
    assert edited != pdf and hashlib.sha256(edited).hexdigest() not in page


def test_a_wrong_code_says_only_that_no_certificate_has_it(client, issued):
    for code in ("COP-0000-0000-0000", "rubbish", issued[0].code[:-1] + ("0" if issued[0].code[-1] != "0" else "1")):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert "No certificate has this code" in page and "Ada" not in page
        assert client.get(f"/verify/{code}/credential").status_code == 404


def test_a_code_typed_loosely_lands_on_the_certificate_page(client, issued):
    loose = issued[0].code.lower().replace("-", " ")
    response = client.get("/verify", query_string={"code": loose})
    assert response.status_code == 302 and response.headers["Location"] == f"/verify/{issued[0].code}"
    response = client.get(f"/verify/{issued[0].code.lower()}")
    assert response.status_code == 302 and response.headers["Location"] == f"/verify/{issued[0].code}"


@pytest.mark.parametrize(("typed", "message"), [("", "Enter the certificate code"),
                                                ("COP-12", "Enter the code as it is printed")])
def test_the_look_up_form_says_what_is_wrong_beside_the_field(client, typed, message):
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'id="code-error"' in page and 'href="#code"' in page


def test_the_look_up_form_is_public(client):
    response = client.get("/verify")
    assert response.status_code == 200 and 'for="code"' in response.get_data(as_text=True)


def test_an_examiner_revokes_from_the_page_and_the_public_page_says_so(client, issued, people):
    _sign_in(client, people["examiner"])
    listing = client.get("/certificates").get_data(as_text=True)
    assert issued[0].code in listing and issued[1].code in listing
    response = client.post(f"/certificates/{issued[0].code}", data={"reason": "Obtained by impersonation"})
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Revoked" in detail and "Obtained by impersonation" in detail and "Revoke the certificate" not in detail
    client.post("/logout")
    public = client.get(f"/verify/{issued[0].code}").get_data(as_text=True)
    assert "Revoked" in public and "Obtained by impersonation" in public and "must not be relied on" in public


def test_the_examiners_page_shows_the_hash_of_the_pdf_made_on_first_need(client, db, issued, people):
    _sign_in(client, people["examiner"])
    page = client.get(f"/certificates/{issued[1].code}").get_data(as_text=True)
    stored = db.scalar(select(CertificateDocument))
    assert stored.certificate_id == issued[1].id and stored.pdf_sha256 in page


def test_a_certificate_revoked_before_its_pdf_was_made_has_none(client, db, issued, people):
    services.revoke(db, actor=people["examiner"].actor, code=issued[0].code, reason="Fraud", now=NOW)
    page = client.get(f"/verify/{issued[0].code}").get_data(as_text=True)
    assert "None: this certificate was revoked before a PDF of it was made" in page and "PDF to check" not in page
    _sign_in(client, people["ada"])
    response = client.get(f"/my/certificates/{issued[0].code}.pdf")
    assert response.status_code == 404 and _documents(db) == 0


def test_a_revocation_without_a_reason_is_refused_beside_the_field(client, db, issued, people):
    from sqlalchemy import select

    from assessment.results.certificates.models import CertificateEvent

    _sign_in(client, people["examiner"])
    response = client.post(f"/certificates/{issued[0].code}", data={"reason": "   "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter the reason for revoking the certificate" in page and 'id="reason-error"' in page
    assert db.scalar(select(CertificateEvent.id)) is None


def test_a_superseded_certificate_says_so_publicly(client, db, release, issued, people, issuer):
    from assessment.delivery.models import Sitting
    from tests.assessment.results.certificates.factories import make_release

    again = make_release(db, people["examiner"], [people["ada"]], ["pass"], sitting=db.get(Sitting, release.sitting_id),
                         paper=release.paper, supersedes=release, reasons="A key was corrected.")
    services.issue_for_release(db, again, people["examiner"].actor, NOW, issuer=issuer)
    page = client.get(f"/verify/{issued[0].code}").get_data(as_text=True)
    assert "Superseded" in page and "A key was corrected." in page


def test_the_candidate_sees_their_certificates_and_not_anothers(client, issued, people):
    _sign_in(client, people["ada"])
    page = client.get("/my/certificates").get_data(as_text=True)
    assert issued[0].code in page and issued[1].code not in page
    assert f"/my/certificates/{issued[0].code}.pdf" in page
    assert client.get(f"/my/certificates/{issued[1].code}.pdf").status_code == 404


def test_staff_cannot_download_a_candidates_pdf(client, issued, make_user):
    _sign_in(client, make_user(Role.EXAMINER))
    assert client.get(f"/my/certificates/{issued[0].code}.pdf").status_code == 403
