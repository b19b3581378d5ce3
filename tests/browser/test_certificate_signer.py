"""When the certificate signer process cannot be reached, a page that needs a signature says so
plainly (503, "Certificates cannot be signed just now"), at 1280 and 320 px, with axe-core."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_signer_that_is_down_is_a_clear_page(page, live):
    socket_folder = Path(tempfile.mkdtemp(prefix="cop-signer-", dir="/tmp"))  # no signer ever listens here
    saved = live.app.config["CERTIFICATE_SIGNER"]
    live.app.config["CERTIFICATE_SIGNER"] = f"socket:{socket_folder / 's.sock'}"
    try:
        response = page.goto("/credentials/status/1")
        assert response.status == 503
        expect(page.locator("h1")).to_have_text("There is a problem")
        expect(page.locator("main")).to_contain_text("Certificates cannot be signed just now")
        expect(page.locator("main")).to_contain_text("Nothing was changed")
        page.checked("signer-down")
        page.set_viewport_size({"width": 320, "height": 800})
        page.checked("signer-down-320")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320  # no sideways scrolling
    finally:
        live.app.config["CERTIFICATE_SIGNER"] = saved
        socket_folder.rmdir()
