"""What the exam player keeps in the browser's storage is unreadable there (ASVS V8.2.2), and the
promise still holds: nothing is lost. Unsent answers and webcam snapshots are in localStorage only
sealed with the attempt's key; a queue stored readable by an earlier version is sent after a reload
and replaced by a sealed one; a sealed queue that cannot be opened is kept and reported; a browser
without WebCrypto keeps the queue in memory only and says so. axe-core and screenshots at 1280 and
320 px on the states that show something new."""
from __future__ import annotations

import base64
import json
import os
import re

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from playwright.sync_api import expect

from tests.assessment.delivery.player_data import SHORT
from tests.browser.sealed_storage import all_stored, attempt_key, sealed_queue, stored_text, unseal
from tests.browser.test_exam_player import OFFLINE, SAVED, answers_in, exam_in, start_exam, status
from tests.browser.test_foundation_journeys import sign_in
from tests.browser.test_invigilation_telemetry import (  # noqa: F401 (fixtures)
    camera_browser, camera_page, invigilated_attempt_in)

pytestmark = pytest.mark.browser

JPEG_BASE64 = "/9j/"  # how the base64 of every JPEG begins (FF D8 FF)
NEEDS_ATTENTION = "Saving needs attention"


def nothing_readable(page, *secrets: str) -> dict[str, str]:
    """Everything in localStorage, after checking that no secret, no image and no readable queue is
    among it."""
    stored = all_stored(page)
    for name, value in stored.items():
        for secret in secrets:
            assert secret not in value, f"{secret!r} is readable in {name}"
        assert "data:image" not in value and JPEG_BASE64 not in value, f"an image is readable in {name}"
        if name.startswith(("cop.outbox.", "cop.invigilation.")) and not name.endswith(".unreadable"):
            assert json.loads(value).get("sealed") == 1, f"{name} is not sealed"
    return stored


def storage_settled(page):
    """Wait until the player's sealed copies are written (sealing is asynchronous)."""
    page.wait_for_function("() => document.getElementById('player').dataset.ready === 'true'")
    page.wait_for_timeout(200)


def test_answers_and_snapshots_kept_offline_are_sealed_and_reach_the_server(camera_page, live, monkeypatch):
    monkeypatch.setitem(live.app.config, "INVIGILATION_SNAPSHOT_INTERVAL_S", 2)
    attempt_id, email = invigilated_attempt_in(live)
    page = camera_page
    sign_in(page, email)
    page.goto(f"/attempts/{attempt_id}")
    expect(page.get_by_role("heading", name="Question 1 of 3")).to_be_visible()
    expect(page.locator("#invigilation-status")).to_have_text(re.compile("^Camera on"))

    page.context.set_offline(True)
    page.get_by_role("button", name=re.compile(r"^Question 3\W")).click()
    written = "My confidential offline answer about capacity"
    page.get_by_label("Your answer").fill(written)
    expect(status(page)).to_have_text(OFFLINE)
    snapshots = f"cop.invigilation.snapshots.{attempt_id}"
    page.wait_for_function("(name) => localStorage.getItem(name) !== null", arg=snapshots, timeout=30000)
    page.wait_for_timeout(1500)  # the typing pause: the answer's entry is final

    stored = nothing_readable(page, written)
    assert f"cop.outbox.{attempt_id}" in stored
    # Sealed, yet all there: opened with the candidate's key, the queues hold the answer and a JPEG.
    outbox = sealed_queue(page, attempt_id)
    assert [entry["payload"]["answer"] for entry in outbox] == [written]
    images = unseal(attempt_key(page, attempt_id), snapshots, stored[snapshots])
    assert images and all(base64.b64decode(item["data"])[:3] == b"\xff\xd8\xff" for item in images)
    expect(page.locator("#storage-alert")).to_be_hidden()
    page.checked("sealed-offline")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("sealed-offline-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.context.set_offline(False)
    expect(status(page)).to_have_text(SAVED, timeout=45000)
    assert stored_text(page, f"cop.outbox.{attempt_id}") is None
    from tests.browser.test_invigilation_telemetry import wait_for_rows

    assert wait_for_rows(page, live, attempt_id, "snapshot", 1)
    from assessment.delivery.models import Attempt
    from core import db

    with live.app.app_context():
        sitting_id = db.session().get(Attempt, attempt_id).sitting_id
    assert answers_in(live.app, sitting_id)[1][3] == written


def answered_once(page, live) -> tuple[int, int, str]:
    """A candidate in a short exam with one answer saved: the sitting, the attempt and the name its
    outbox is stored under."""
    sitting_id, email = exam_in(live, items=SHORT)
    sign_in(page, email)
    start_exam(page, sitting_id)
    page.get_by_label("Visit the client at home", exact=True).check()
    expect(status(page)).to_have_text(SAVED)
    attempt_id = answers_in(live.app, sitting_id)[0]
    return sitting_id, attempt_id, f"cop.outbox.{attempt_id}"


def test_a_readable_queue_from_an_earlier_version_is_sent_after_a_reload_and_resealed(page, live):
    sitting_id, attempt_id, name = answered_once(page, live)

    # What the player before sealing left behind: the queue as plain JSON (a candidate mid-exam
    # during the deploy). Saves are held back for now, so the resealed queue can be looked at.
    written = "Written before the update, still unsent"
    page.evaluate("""([name, answer]) => localStorage.setItem(name, JSON.stringify([{
        id: 's-from-the-old-player', slot: 3, payload: { answer, flagged: false, struck: [] }, seen_seq: 1,
        at: Date.now(), first_at: Date.now(), ready_at: 0, sent: false }]))""", [name, written])
    held = []
    page.route("**/responses", lambda route: (held.append(1), route.fulfill(
        status=503, content_type="application/json", body='{"error": "Try again shortly"}')))
    page.reload()
    storage_settled(page)
    page.wait_for_function("(name) => JSON.parse(localStorage.getItem(name) || '{}').sealed === 1", arg=name)
    nothing_readable(page, written)
    assert [entry["id"] for entry in sealed_queue(page, attempt_id)] == ["s-from-the-old-player"]
    assert held  # the player tried to send it straight away
    page.get_by_role("button", name=re.compile(r"^Question 3\W")).click()
    expect(page.get_by_label("Your answer")).to_have_value(written)

    page.unroute("**/responses")
    expect(status(page)).to_have_text(SAVED, timeout=45000)
    assert answers_in(live.app, sitting_id)[1][3] == written
    assert stored_text(page, name) is None


def test_a_sealed_queue_that_cannot_be_opened_is_kept_and_reported(page, live):
    sitting_id, attempt_id, name = answered_once(page, live)

    foreign = foreign_sealed(name, b'[{"id": "s-lost"}]')
    page.evaluate("([name, text]) => localStorage.setItem(name, text)", [name, foreign])
    page.reload()
    storage_settled(page)
    alert = page.locator("#storage-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(NEEDS_ATTENTION)
    expect(alert).to_have_attribute("role", "alert")
    assert json.loads(stored_text(page, f"{name}.unreadable")) == [foreign]  # kept, byte for byte
    page.checked("unreadable-kept")
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    page.checked("unreadable-kept-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Answering and saving carry on; what could not be read is still there afterwards.
    page.get_by_label("Call the GP", exact=True).check()
    expect(status(page)).to_have_text(SAVED)
    assert answers_in(live.app, sitting_id)[1][1] == "C"
    assert json.loads(stored_text(page, f"{name}.unreadable")) == [foreign]


def foreign_sealed(name: str, plain: bytes) -> str:
    """A queue sealed with some other key (damaged, or tampered with): the page cannot read it."""
    iv = os.urandom(12)
    data = AESGCM(AESGCM.generate_key(bit_length=256)).encrypt(iv, plain, name.encode())
    return json.dumps({"sealed": 1, "iv": base64.b64encode(iv).decode(), "data": base64.b64encode(data).decode()})


def test_invigilation_records_that_cannot_be_opened_are_kept_and_told_to_the_log(camera_page, page, live):
    from tests.browser.test_invigilation_telemetry import log_rows, wait_for_rows

    attempt_id, email = invigilated_attempt_in(live)
    reviewer, page = page, camera_page
    sign_in(page, email)
    page.goto(f"/attempts/{attempt_id}")
    expect(page.get_by_role("heading", name="Question 1 of 3")).to_be_visible()
    # Leave the player first (its last write lands as it closes), then put a queue the page cannot
    # open where its unsent events are kept, as damage or a hand edit would leave it.
    page.goto("/")
    name = f"cop.invigilation.events.{attempt_id}"
    foreign = foreign_sealed(name, b'[{"id": "v-hidden", "kind": "tab_hidden", "at": "2026-12-06T10:00:00Z"}]')
    page.evaluate("([name, text]) => localStorage.setItem(name, text)", [name, foreign])

    page.goto(f"/attempts/{attempt_id}")
    storage_settled(page)
    [row] = wait_for_rows(page, live, attempt_id, "stored_unreadable", 1)
    assert row[-1] == {"queue": "events"}  # the payload
    assert json.loads(stored_text(page, f"{name}.unreadable")) == [foreign]  # kept, byte for byte
    # What it held is not made up (leaving the player may log a real tab_hidden of its own).
    assert "v-hidden" not in [row[0] for row in log_rows(live, attempt_id, "tab_hidden")]
    # Answering carries on, and the page's own queue is sealed again under the real key.
    page.get_by_label("Visit the client at home", exact=True).check()
    expect(status(page)).to_have_text(SAVED)
    nothing_readable(page)
    page.reload()
    storage_settled(page)
    page.wait_for_timeout(2500)  # a send cycle: a second report would have gone by now
    assert len(log_rows(live, attempt_id, "stored_unreadable")) == 1  # told once, not at every load

    # The invigilator's timeline says so, in words.
    sign_in(reviewer, "invigilator@example.org")
    reviewer.goto(f"/invigilation/attempts/{attempt_id}/timeline")
    told = reviewer.get_by_role("heading", name="Unsent invigilation records on this device could not be opened")
    expect(told).to_be_visible()
    expect(reviewer.locator(".review-timeline__entry").filter(has=told)).to_contain_text(
        "Kept on the device but not readable (events)")
    told.scroll_into_view_if_needed()
    reviewer.checked("timeline-unreadable")
    reviewer.set_viewport_size({"width": 320, "height": 800})
    told.scroll_into_view_if_needed()
    reviewer.checked("timeline-unreadable-320")


def test_without_webcrypto_nothing_is_stored_and_the_player_says_so(page, live):
    sitting_id, email = exam_in(live, items=SHORT)
    # As on plain http to a real host, where the browser offers no WebCrypto.
    page.add_init_script("Object.defineProperty(window, 'isSecureContext', { value: false })")
    sign_in(page, email)
    start_exam(page, sitting_id)
    attempt_id = answers_in(live.app, sitting_id)[0]
    alert = page.locator("#storage-alert")
    expect(alert).to_contain_text("kept only while this page stays open")
    page.checked("memory-only")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("memory-only-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.context.set_offline(True)
    written = "Kept in memory only"
    page.get_by_role("button", name=re.compile(r"^Question 3\W")).click()
    page.get_by_label("Your answer").fill(written)
    expect(status(page)).to_have_text(OFFLINE)
    page.wait_for_timeout(1500)
    assert f"cop.outbox.{attempt_id}" not in nothing_readable(page, written)
    page.context.set_offline(False)
    expect(status(page)).to_have_text(SAVED, timeout=45000)
    assert answers_in(live.app, sitting_id)[1][3] == written
