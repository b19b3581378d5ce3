"""An item writer imports QTI on the import page: the empty form's error summary, a file that
cannot be imported, and a package that becomes a draft — axe-core on every state of the page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, new_person
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser


def _own_writer(live) -> str:
    """A writer of this test's own, so the drafts it imports never appear in other journeys' lists."""
    from core.roles import Role

    return new_person(live, Role.ITEM_WRITER, "Quinn Importer", "exchange.writer")


def test_a_writer_imports_qti_and_reads_the_report(page, live, tmp_path):
    from item_bank import qti
    from tests.item_bank.conftest import CASE_STUDY, QTI_REFERENCE

    sign_in(page, _own_writer(live))
    page.goto("/item-bank/import")
    expect(page.get_by_role("heading", name="Import QTI items")).to_be_visible()
    page.checked("import")

    page.get_by_role("button", name="Import").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Choose a QTI package")
    page.checked("import-errors")

    page.get_by_label("QTI package or item file").set_input_files(str(QTI_REFERENCE / "examples" / "qti2p2" / "associate.xml"))
    page.get_by_role("button", name="Import").click()
    assert "0 items imported, 1 not imported" in page.locator(".notice").inner_text()
    expect(page.get_by_role("table", name="Not imported")).to_be_visible()
    page.checked("import-nothing")

    package = tmp_path / "case.zip"
    package.write_bytes(qti.export_case_study(CASE_STUDY, "3.0"))
    page.get_by_label("QTI package or item file").set_input_files(str(package))
    page.get_by_role("button", name="Import").click()
    assert "5 items imported, 0 not imported (QTI 3.0)" in page.locator(".notice").inner_text()
    expect(page.get_by_role("table", name="Imported")).to_be_visible()
    expect(page.get_by_role("link", name=CASE_STUDY["title"])).to_be_visible()
    page.checked("import-report")
