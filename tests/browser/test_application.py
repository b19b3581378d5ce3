"""An applicant fills in an application with the keyboard only (Tab, Enter, Space and typing; no
clicks): two roles, one added with the "Add another role" button, declarations, a refused submit
with the messages beside the fields, a membership document, the live check, and the submission.
axe-core on every new page; at 320 px nothing overflows."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, new_person
from tests.browser.test_foundation_journeys import sign_in
from tests import uploads_data

pytestmark = pytest.mark.browser
PDF = uploads_data.pdf("BABICM membership certificate")


def _applicant(live) -> str:
    from core.roles import Role

    return new_person(live, Role.CANDIDATE, "Kay Keyboard", "keyboard.applicant")


def _press(page, locator):
    """Reach a control as Tab would, then press Enter."""
    locator.focus()
    page.keyboard.press("Enter")


def _type_into(page, selector: str, text: str):
    page.locator(selector).focus()
    page.keyboard.type(text)


def _tick(page, selector: str):
    page.locator(selector).focus()
    page.keyboard.press("Space")
    expect(page.locator(selector)).to_be_checked()


def _fits(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    expect(page.locator("main")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_an_applicant_completes_an_application_with_the_keyboard_only(page, live, tmp_path):
    certificate = tmp_path / "babicm.pdf"
    certificate.write_bytes(PDF)
    sign_in(page, _applicant(live))
    page.goto("/")
    _press(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Registration", exact=True))
    expect(page.get_by_role("heading", name="Apply to join the register")).to_be_visible()
    page.checked("applications-index")
    _press(page, page.get_by_role("button", name="Start an application"))
    expect(page.get_by_role("heading", name="Your eligibility so far")).to_be_visible()
    page.checked("application-new")

    # Role 1: the current job, typed field after field with Tab.
    page.locator("#roles-0-role").focus()
    page.keyboard.type("Case manager")
    expect(page.locator("#roles-0-role")).to_have_value("cm")
    page.keyboard.press("Tab")
    page.keyboard.type("Case manager, Acme Rehab")
    page.keyboard.press("Tab")
    page.keyboard.type("2008-09-01")
    page.keyboard.press("Tab")  # the end date stays empty
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.locator("#roles-0-current")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    expect(page.locator("#roles-0-country")).to_have_value("UK")
    # The live check (JavaScript) follows what is typed, and says so politely.
    expect(page.locator("#eligibility-result")).to_contain_text(re.compile(r"2[0-9],[0-9]{3}"))
    expect(page.locator("#eligibility-announcer")).to_contain_text("Eligibility updated")

    _press(page, page.get_by_role("button", name="Add another role"))
    expect(page.get_by_role("group", name="Role 2")).to_be_visible()
    expect(page.locator("#roles-1-role")).to_be_focused()  # the keyboard lands on the new role
    page.keyboard.type("Case manager's assistant")
    expect(page.locator("#roles-1-role")).to_have_value("assistant")
    _type_into(page, "#roles-1-start", "01/01/2006")
    _type_into(page, "#roles-1-end", "31/08/2008")
    _type_into(page, "#roles-1-fte", "0.8")
    expect(page.locator("#roles-0-start")).to_have_value("2008-09-01")  # role 1 was saved on the way

    _tick(page, "#current_role-0")  # Case manager
    _type_into(page, "#uk_share", "100")
    _tick(page, "#member-1")  # BABICM
    _tick(page, "#competent")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.locator("#standards")).to_be_checked()
    expect(page.locator("#uk_practice")).to_be_checked()

    _fits(page, 320)
    page.checked("application-filled-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Submitting without the membership evidence: refused, the message beside the documents.
    _press(page, page.get_by_role("button", name="Submit application"))
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Upload a document: evidence of membership")
    expect(summary).to_be_focused()
    expect(page.locator("#documents-error")).to_be_visible()
    page.checked("application-refused")

    page.locator("#document_kind").focus()
    page.keyboard.type("Evidence of membership")
    expect(page.locator("#document_kind")).to_have_value("membership_evidence")
    upload = page.locator("#document")
    upload.focus()
    upload.set_input_files(str(certificate))  # the file chooser is the system's; the field is reached by Tab
    _press(page, page.get_by_role("button", name="Upload document"))
    expect(page.get_by_role("link", name="babicm.pdf")).to_be_visible()
    expect(page.locator("#eligibility-result")).to_contain_text("you meet the conditions for registration")
    page.checked("application-complete")

    _press(page, page.get_by_role("button", name="Submit application"))
    expect(page.get_by_text("Your application has been submitted")).to_be_visible()
    expect(page.get_by_text("Submitted: waiting for an assessor")).to_be_visible()
    expect(page.get_by_text("You submitted your application")).to_be_visible()
    page.checked("application-submitted")
    _fits(page, 320)
    page.checked("application-submitted-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    _press(page, page.get_by_role("link", name="Withdraw this application"))
    expect(page.get_by_role("heading", name="Withdraw your application")).to_be_visible()
    page.checked("application-withdraw")
    _fits(page, 320)
    page.set_viewport_size({"width": 1280, "height": 900})
    _press(page, page.get_by_role("link", name="Back to your application"))
    expect(page.get_by_text("Submitted: waiting for an assessor")).to_be_visible()
