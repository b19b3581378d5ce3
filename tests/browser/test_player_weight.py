"""The player's first load in Chromium (issue 13): every static file by versioned URL and fetched once,
text compressed, nothing from another origin, the whole load inside its byte budget, and a second
visit that fetches no static file again. Speed is measured by bench/player_load.py, not here."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_exam_player import exam_in, start_exam
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser

BUDGET_BYTES = 100 * 1024  # the budget for the first load, before case-study media


class Network:
    """The page's requests from Chromium's own network events (CDP): URL, bytes on the wire, encoding
    and whether the browser's cache answered."""

    def __init__(self, context, page) -> None:
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.requests: dict[str, dict] = {}
        self.cdp.on("Network.requestWillBeSent", lambda e: self.requests.setdefault(
            e["requestId"], {"url": e["request"]["url"], "bytes": 0, "cached": False, "headers": {}}))
        self.cdp.on("Network.responseReceived", self._received)
        self.cdp.on("Network.requestServedFromCache", lambda e: self._set(e["requestId"], cached=True))
        self.cdp.on("Network.loadingFinished", lambda e: self._set(e["requestId"], bytes=e["encodedDataLength"]))

    def _set(self, request_id: str, **values) -> None:
        if request_id in self.requests:
            self.requests[request_id].update(values)

    def _received(self, event) -> None:
        response = event["response"]
        self._set(event["requestId"], headers={k.lower(): v for k, v in response["headers"].items()},
                  status=response["status"])
        if response.get("fromDiskCache") or response.get("fromMemoryCache"):
            self._set(event["requestId"], cached=True)

    def load(self, page, url: str) -> list[dict]:
        self.requests = {}
        page.goto(url)
        expect(page.locator("#player")).to_have_attribute("data-ready", "true")
        expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
        page.wait_for_load_state("networkidle")
        return [r for r in self.requests.values() if not r["url"].startswith("data:")]


def test_the_first_load_is_versioned_compressed_same_origin_and_the_second_fetches_no_static_file(page, live):
    sitting_id, email = exam_in(live)
    sign_in(page, email, DEMO_PASSWORD)
    start_exam(page, sitting_id)
    player_url = page.url.split("#")[0]
    network = Network(page.context, page)
    network.cdp.send("Network.clearBrowserCache")

    cold = network.load(page, player_url)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(live.url))
    assert [r["url"] for r in cold if not r["url"].startswith(origin)] == []
    static = [r for r in cold if urlsplit(r["url"]).path.startswith("/static/")]
    paths = [urlsplit(r["url"]).path for r in static]
    assert "/static/js/player/main.js" in paths and "/static/js/player/render.js" in paths
    # Each file once, always by its versioned URL: the page's modulepreloads and main.js's rewritten
    # imports name the same URLs, so nothing is fetched twice.
    assert len(paths) == len(set(paths))
    for request in static:
        assert "?v=" in request["url"], request["url"]
        assert request["headers"]["cache-control"] == "public, max-age=31536000, immutable"
        if request["bytes"] > 1500:
            assert request["headers"].get("content-encoding") == "gzip", request["url"]
    exam_json = [r for r in cold if urlsplit(r["url"]).path.startswith("/api/") and r["bytes"] > 1500]
    assert exam_json and all(r["headers"].get("content-encoding") == "gzip" for r in exam_json)
    page_itself = next(r for r in cold if r["url"] == player_url)
    assert "content-encoding" not in page_itself["headers"]  # HTML holds the CSRF token: never compressed
    assert sum(r["bytes"] for r in cold if "/attachments/" not in r["url"]) < BUDGET_BYTES

    warm = network.load(page, player_url)
    fetched_again = [r["url"] for r in warm if "/static/" in r["url"] and not r["cached"]]
    assert fetched_again == []
    assert len([r for r in warm if "/static/" in r["url"]]) == len(static)  # all used, all from the cache
    expect(page.get_by_role("heading", name=re.compile(r"^Question 1 of \d+$"))).to_be_visible()
