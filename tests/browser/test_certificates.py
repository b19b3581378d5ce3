"""Certificates in the browser: anyone, signed out, checks a certificate by its code with the
keyboard alone (after a mistyped code), reads its status and fingerprint, and checks a PDF in the
browser (nothing uploaded); the candidate downloads the very PDF whose fingerprint the page shows;
an examiner revokes it, and the public page says so. axe-core and screenshots at 1280 and 320 px."""
from __future__ import annotations

import hashlib
import io
import itertools
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser
_ids = itertools.count(1)


def _issued_certificate(live, tag: str) -> tuple[str, str]:
    """A released sitting in which a new candidate passed, and their certificate: (code, e-mail). Its
    PDF is not made yet: the first page that needs it makes it."""
    from assessment.accounts import services as accounts
    from assessment.results.certificates import services
    from core import db
    from core.clock import utcnow
    from core.roles import SYSTEM, Role
    from tests.assessment.results.certificates.factories import make_release

    email = f"certified{tag}@example.org"
    with live.app.app_context():
        session = db.session()
        examiner = accounts.find_user_by_email(session, "examiner@example.org")
        candidate = accounts.create_user(session, actor=SYSTEM, email=email, full_name=f"Charlotte Certified {tag}",
                                         password=DEMO_PASSWORD, roles={Role.CANDIDATE}, now=utcnow(),
                                         hash_profile="fast")
        release = make_release(session, examiner, [candidate], ["pass"])
        [certificate] = services.issue_for_release(session, release, examiner.actor, utcnow())
        code = certificate.code
        session.commit()
        assert _stored_pdf(live, code) is None
    return code, email


def _stored_pdf(live, code: str) -> bytes | None:
    from sqlalchemy import select

    from assessment.results.certificates.models import Certificate, CertificateDocument
    from core import db

    with live.app.app_context():
        return db.session().scalar(select(CertificateDocument.pdf).join(
            Certificate, Certificate.id == CertificateDocument.certificate_id).where(Certificate.code == code))


def test_anyone_checks_a_certificate_the_candidate_downloads_it_and_an_examiner_revokes_it(page, live, tmp_path):
    tag = f"{next(_ids)}{page.checked.prefix[-8:]}".replace("-", "")
    code, email = _issued_certificate(live, tag)
    name = f"Charlotte Certified {tag}"

    # Signed out, keyboard only: a mistyped code first (one symbol wrong, caught by the check symbol).
    page.goto("/verify")
    page.checked("look-up")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "code":
            break
    page.keyboard.type(wrong)
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#code-error")).to_contain_text("Enter the code as it is printed")
    page.checked("look-up-error")
    page.locator("#code").fill("")
    page.locator("#code").focus()
    page.keyboard.type(code.lower().replace("-", " "))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Certificate {code}")
    expect(page.locator(".summary-list")).to_contain_text(name)
    expect(page.locator(".summary-list")).to_contain_text("Valid")
    expect(page.locator("#issued-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    issued_pdf = _stored_pdf(live, code)  # the page's first showing made the PDF and stored it
    expected_hash = hashlib.sha256(issued_pdf).hexdigest()
    expect(page.locator("#issued-hash")).to_have_text(expected_hash)
    page.checked("public-page")

    # The PDF check runs in the browser: the genuine file matches, an edited one does not.
    picker = page.get_by_label("PDF to check")
    expect(picker).to_be_visible()
    picker.set_input_files(files=[{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": issued_pdf}])
    expect(page.locator("#pdf-check-result")).to_contain_text("This file is the PDF we issued")
    edited = issued_pdf.replace(name.encode(), b"X" * len(name), 1) if name.encode() in issued_pdf else issued_pdf + b" "
    picker.set_input_files(files=[{"name": "edited.pdf", "mimeType": "application/pdf", "buffer": edited}])
    expect(page.locator("#pdf-check-result")).to_contain_text("not the PDF we issued")
    page.checked("pdf-checked")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("public-page-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A wrong code on the address: 404, nothing else said.
    response = page.goto("/verify/COP-0000-0000-0000")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("No certificate has this code")
    page.checked("not-found")

    # The candidate downloads their certificate: the very file whose fingerprint the page shows.
    sign_in(page, email)
    page.goto("/my/certificates")
    page.checked("mine")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Download the certificate (PDF) {code}").click()
    path = tmp_path / "downloaded.pdf"
    download_info.value.save_as(path)
    downloaded = path.read_bytes()
    assert downloaded == issued_pdf and hashlib.sha256(downloaded).hexdigest() == expected_hash
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(downloaded)).pages)
    assert name in text and code in text
    page.get_by_role("button", name="Sign out").click()

    # An examiner revokes it (after forgetting the reason), with the keyboard.
    sign_in(page, "examiner@example.org")
    page.goto("/certificates")
    page.checked("examiner-list")
    page.get_by_role("link", name=code).click()
    page.get_by_role("button", name="Revoke the certificate").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#reason-error")).to_contain_text("Enter the reason for revoking the certificate")
    page.checked("revoke-error")
    page.get_by_label("Reason for revoking").fill("The exam was sat by someone else.")
    page.get_by_role("button", name="Revoke the certificate").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".notice--success")).to_contain_text(f"Certificate {code} is revoked")
    page.checked("revoked")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("revoked-320")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"/verify/{code}")
    expect(page.locator(".summary-list")).to_contain_text("Revoked")
    expect(page.locator(".summary-list")).to_contain_text("The exam was sat by someone else.")
    expect(page.locator(".notice--error").first).to_contain_text("must not be relied on")
    page.get_by_label("PDF to check").set_input_files(
        files=[{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": issued_pdf}])
    expect(page.locator("#pdf-check-result")).to_contain_text("but the certificate is revoked")
    page.checked("public-revoked")
