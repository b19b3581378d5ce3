"""Invigilation telemetry in a real browser: Chromium's fake camera on an invigilated attempt (check-in
approved). Snapshots arrive in the log and in the media store with their SHA-256; switching to another
tab is recorded as ``tab_hidden`` then ``tab_visible`` and the analysis job flags the spell; the indicator says in words that the camera is
on; axe-core on the player at 1280 and 320 px."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core import db

from tests.browser.conftest import ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser

# Chromium's own test camera (a moving pattern) and an automatic "Allow" for the permission prompt.
FAKE_CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
WAIT_S = 60  # bounds a failure; a pass returns as soon as the rows are there


@pytest.fixture(scope="module")
def camera_browser(browser):
    """A second Chromium, launched by the session's Playwright with a fake camera (the session's
    browser has none; one process may run only one Playwright)."""
    chromium = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True,
                                           args=[*CHROMIUM_ARGS, *FAKE_CAMERA_ARGS])
    yield chromium
    chromium.close()


@pytest.fixture
def camera_page(camera_browser, live_server, request):
    """A page of the fake-camera browser, with the usual console checks and ``page.checked``."""
    context = camera_browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                         locale="en-GB")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    camera = context.new_page()
    problems: list[str] = []
    camera.on("console", lambda message: problems.append(message.text)
              if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    camera.on("pageerror", lambda error: problems.append(str(error)))
    from tests.browser.conftest import Checker

    camera.checked = Checker(camera, request.node.name)
    yield camera
    context.close()
    assert problems == [], "errors in the browser console"


def invigilated_attempt_in(live):
    """An invigilated sitting open now, a booked candidate whose check-in an invigilator approved,
    and their attempt started (as the start page would)."""
    from core.roles import Role
    from assessment.delivery import services
    from tests.assessment.delivery.player_data import SHORT, make_exam, make_person
    from tests.proctoring.telemetry.conftest import approve_checkin

    with live.app.app_context():
        session = db.session()
        now = dt.datetime.now(dt.timezone.utc)
        sitting, candidate = make_exam(session, items=SHORT, requires_invigilation=True, password=DEMO_PASSWORD,
                                       now=now)
        approve_checkin(session, sitting=sitting, candidate=candidate,
                        invigilator=make_person(session, Role.INVIGILATOR, now=now), now=now)
        attempt = services.start_attempt(session, actor=candidate.actor, sitting_id=sitting.id, device_id="start",
                                         now=now)
        session.commit()
        return attempt.id, candidate.email


def log_rows(live, attempt_id, kind):
    from proctoring.models import InvigilationEvent

    with live.app.app_context():
        return [(row.client_event_id, row.media_key, row.media_sha256, row.media_size, row.payload)
                for row in db.session().scalars(select(InvigilationEvent).where(
                    InvigilationEvent.attempt_id == attempt_id, InvigilationEvent.kind == kind)
                    .order_by(InvigilationEvent.seq))]


def wait_for_rows(page, live, attempt_id, kind, at_least):
    deadline = time.monotonic() + WAIT_S
    while True:
        found = log_rows(live, attempt_id, kind)
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        page.wait_for_timeout(250)


def analysed_tab_flags(live, attempt_id) -> list[str]:
    """Run the analysis job on the attempt's invigilation; the new tab-hidden flags' words."""
    from proctoring import policy
    from proctoring.flags.services import analyse
    from proctoring.models import InvigilationEvent

    with live.app.app_context():
        session = db.session()
        invigilation_id = session.scalar(select(InvigilationEvent.invigilation_id)
                                         .where(InvigilationEvent.attempt_id == attempt_id).limit(1))
        found = analyse(session, invigilation_id=invigilation_id, store=live.app.extensions["cop.media"],
                        now=dt.datetime.now(dt.timezone.utc), settings=policy.PolicySettings(tab_hidden_s=2))
        session.commit()
        return [flag.detail for flag in found.flags_raised if flag.kind == "tab_hidden"]


def switch_tab(page, state):
    page.evaluate("""(state) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    }""", state)


def test_snapshots_and_a_tab_switch_reach_the_log_and_the_media_store(camera_page, live, monkeypatch):
    from PIL import Image

    monkeypatch.setitem(live.app.config, "INVIGILATION_SNAPSHOT_INTERVAL_S", 2)
    monkeypatch.setitem(live.app.config, "INVIGILATION_HEARTBEAT_INTERVAL_S", 3)
    attempt_id, email = invigilated_attempt_in(live)
    page = camera_page
    sign_in(page, email)
    page.goto(f"/attempts/{attempt_id}")
    expect(page.get_by_role("heading", name="Question 1 of 3")).to_be_visible()
    indicator = page.locator("#invigilation-status")
    expect(indicator).to_have_text("Camera on: a snapshot is taken every 2 seconds for the invigilator.")
    expect(indicator).to_have_attribute("role", "status")
    page.checked("player-camera-on")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("player-camera-on-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Snapshots: in the log with their SHA-256, the bytes in the media store (a ~320×240 JPEG).
    snapshots = wait_for_rows(page, live, attempt_id, "snapshot", 2)
    assert len(snapshots) >= 2
    store = live.app.extensions["cop.media"]
    for _id, key, sha256, size, payload in snapshots[:2]:
        data = store.get(key)
        assert hashlib.sha256(data).hexdigest() == sha256 and len(data) == size
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and image.size == (320, 240)
        assert payload == {"width": 320, "height": 240}
    assert len({sha256 for *_ignored, sha256, _size, _payload in snapshots}) == len(snapshots)  # a moving picture

    # Answering goes on as before while all this is sent.
    page.get_by_label("Visit the client at home", exact=True).check()
    expect(page.locator("#save-status")).to_have_text("All answers saved")

    # The candidate switches to another tab and back. Headless Chromium never hides a page that
    # Playwright drives (tried: another page brought to the front, a new tab in the same window through
    # CDP's Target.createTarget, the window minimised, Page.setWebLifecycleState — the page stays
    # "visible" and no event fires), so the page is told what a real tab switch tells it.
    switch_tab(page, "hidden")
    hidden = wait_for_rows(page, live, attempt_id, "tab_hidden", 1)
    page.wait_for_timeout(3000)  # away for about 3 s
    switch_tab(page, "visible")
    visible = wait_for_rows(page, live, attempt_id, "tab_visible", 1)
    assert len(hidden) == 1 and len(visible) == 1

    # The analysis job flags the spell. The policy's threshold is 15 s; this test's spell is ~3 s, so the
    # analysis is given a 2 s threshold rather than the test waiting (the thresholds have their own tests).
    flagged = analysed_tab_flags(live, attempt_id)
    assert len(flagged) == 1 and flagged[0].startswith("The exam's tab was hidden for ")

    # Heartbeats keep coming, each saying the camera is on.
    beats = wait_for_rows(page, live, attempt_id, "heartbeat", 2)
    assert beats[-1][4]["camera"] == "on"


def test_no_camera_is_an_event_not_an_error_and_leaving_for_review_is_said(page, live, monkeypatch):
    """The session's browser has no camera: the player carries on, says so in words, and the log
    records it; what happens during a network drop arrives when the connection is back; going to the
    review page is recorded as the page closing *for the review*."""
    monkeypatch.setitem(live.app.config, "INVIGILATION_HEARTBEAT_INTERVAL_S", 3)
    attempt_id, email = invigilated_attempt_in(live)
    sign_in(page, email)
    page.goto(f"/attempts/{attempt_id}")
    expect(page.get_by_role("heading", name="Question 1 of 3")).to_be_visible()
    expect(page.locator("#invigilation-status")).to_contain_text("Camera off")
    expect(page.locator("#player-alert")).to_be_hidden()  # no error dialog or alert: the exam goes on
    page.checked("player-camera-off")
    [(_id, _key, _sha, _size, payload)] = wait_for_rows(page, live, attempt_id, "camera_ended", 1)
    assert payload["reason"] in ("not_allowed", "no_camera", "error")
    page.get_by_label("Visit the client at home", exact=True).check()
    expect(page.locator("#save-status")).to_have_text("All answers saved")
    # A network drop: what happens while offline is queued and arrives once the connection is back.
    page.context.set_offline(True)
    page.wait_for_function("() => navigator.onLine === false")
    page.evaluate("() => document.dispatchEvent(new Event('copy'))")
    page.context.set_offline(False)
    offline = wait_for_rows(page, live, attempt_id, "network_offline", 1)
    online = wait_for_rows(page, live, attempt_id, "network_online", 1)
    copied = wait_for_rows(page, live, attempt_id, "copy", 1)
    assert (len(offline), len(online), len(copied)) == (1, 1, 1)
    page.get_by_role("link", name="Review answers and submit").click()
    expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
    closing = wait_for_rows(page, live, attempt_id, "page_closing", 1)
    assert [row[4] for row in closing] == [{"to": "review"}]
    # The review page is watched too: a candidate may stay on it for minutes before submitting.
    expect(page.locator("#invigilation-status")).to_contain_text("Camera off")
    ended = wait_for_rows(page, live, attempt_id, "camera_ended", 2)
    assert len(ended) == 2  # one from the questions page, one from the review page


def test_heartbeats_ride_on_autosaves_and_reach_the_log_once(page, live, monkeypatch):
    """A candidate who is answering sends heartbeats inside the autosave's request, not in one of
    their own: a save's body carries them, they reach the log once, and no events request of the
    page's own carries them too."""
    import json

    monkeypatch.setitem(live.app.config, "INVIGILATION_HEARTBEAT_INTERVAL_S", 3)
    attempt_id, email = invigilated_attempt_in(live)
    sent: dict[str, list] = {"saves": [], "events": []}

    def note(request):
        if request.method != "POST" or not request.post_data:
            return
        if request.url.endswith("/responses"):
            sent["saves"].append(json.loads(request.post_data))
        elif request.url.endswith("/events"):
            sent["events"].append(json.loads(request.post_data))

    page.on("request", note)
    sign_in(page, email)
    page.goto(f"/attempts/{attempt_id}")
    expect(page.get_by_role("heading", name="Question 1 of 3")).to_be_visible()

    def carried_beats():
        return [e["id"] for body in sent["saves"] for e in body.get("events", []) if e["kind"] == "heartbeat"]

    # The candidate changes an answer about once a second; heartbeats come every 3 s and wait up to
    # 1.5 s for a save, so one soon rides along (the deadline only bounds a failure).
    options = ["Visit the client at home", "Write to the solicitor"]
    deadline = time.monotonic() + WAIT_S
    turn = 0
    while not carried_beats() and time.monotonic() < deadline:
        page.get_by_label(options[turn % 2], exact=True).check()
        expect(page.locator("#save-status")).to_have_text("All answers saved")
        page.wait_for_timeout(1000)
        turn += 1
    riders = carried_beats()
    assert riders, "no save carried a heartbeat"
    stored = [row[0] for row in wait_for_rows(page, live, attempt_id, "heartbeat", 1)]
    for beat in riders:
        assert stored.count(beat) == 1
    sent_alone = {e["id"] for body in sent["events"] for e in body["events"]}
    assert not sent_alone.intersection(riders)
    expect(page.locator("#player-alert")).to_be_hidden()


def _looks_noted(page, asking_path: str) -> tuple[list[bool], list[str]]:
    """From now on, whether each POST to ``asking_path`` (the saves or the batches of events) asked
    for the messages, and every poll of the messages API."""
    import json

    asked: list[bool] = []
    polls: list[str] = []

    def note(request):
        if request.method == "POST" and request.url.endswith(asking_path):
            asked.append(json.loads(request.post_data).get("messages", False))
        elif request.method == "GET" and request.url.endswith("/messages"):
            polls.append(request.url)

    page.on("request", note)
    return asked, polls


def _message_sent(live, attempt_id: int, text: str) -> None:
    """An invigilator sends ``text`` to the attempt, through the service."""
    from core.roles import Role
    from proctoring.live import services as live_services
    from tests.assessment.delivery.player_data import make_person

    with live.app.app_context():
        session = db.session()
        invigilator = make_person(session, Role.INVIGILATOR, now=dt.datetime.now(dt.timezone.utc))
        live_services.send_message(session, actor=invigilator.actor, attempt_id=attempt_id, text=text,
                                   now=dt.datetime.now(dt.timezone.utc))
        session.commit()


def test_a_message_arrives_with_an_autosave_and_the_poll_waits(page, live):
    """A candidate who is answering asks for the invigilator's messages with their autosaves: a
    message sent meanwhile is shown from a save's acknowledgement, and the messages API is polled
    only once, when the page opens (a poll waits until 10 s pass without a look)."""
    attempt_id, email = invigilated_attempt_in(live)
    asked, polls = _looks_noted(page, "/responses")
    sign_in(page, email)
    page.goto(f"/attempts/{attempt_id}")
    expect(page.get_by_role("heading", name="Question 1 of 3")).to_be_visible()
    options = ["Visit the client at home", "Write to the solicitor"]

    def answer(turn):
        page.get_by_label(options[turn % 2], exact=True).check()
        expect(page.locator("#save-status")).to_have_text("All answers saved")
        page.wait_for_timeout(1000)

    for turn in range(6):  # six saves a second apart: the first look (the page's poll) is old by then
        answer(turn)
    assert True in asked, "no autosave asked for the messages"
    _message_sent(live, attempt_id, "Please turn your camera towards your face.")
    panel = page.locator(".player-message")
    turn = 6
    deadline = time.monotonic() + WAIT_S
    while not panel.is_visible() and time.monotonic() < deadline:
        answer(turn)
        turn += 1
    expect(page.locator("#player-message-text")).to_have_text("Please turn your camera towards your face.")
    assert len(polls) == 1, polls  # the page's first look; every later one rode on a save
    assert asked.count(True) < len(asked)  # saves ask when the last look is 5 s old, not every time


def test_a_message_reaches_the_candidate_on_the_review_page(page, live):
    """The review page is watched as the questions are (a candidate may stay on it for minutes), so
    the invigilator's messages reach it too: shown, announced, acknowledged by the keyboard alone."""
    from proctoring.live import services as live_services

    attempt_id, email = invigilated_attempt_in(live)
    sign_in(page, email)
    _message_sent(live, attempt_id, "Please stay in view of the camera.")
    page.goto(f"/attempts/{attempt_id}/review")
    expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
    expect(page.locator("#player-message-text")).to_have_text("Please stay in view of the camera.")
    expect(page.get_by_role("alert").filter(has_text="Message from the invigilator:")).to_have_count(1)
    page.checked("review-message")
    page.get_by_role("button", name="I have read this").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".player-message")).to_be_hidden()
    expect(page.locator("#main-content")).to_be_focused()  # where the candidate was, not lost on the body
    with live.app.app_context():
        found = live_services.messages_of(db.session(), attempt_id=attempt_id,
                                          candidate_id=_candidate_id(live, email))
    assert [acknowledged for _row, acknowledged in found] == [True]


def test_on_the_review_page_a_message_arrives_with_a_heartbeat_and_the_poll_waits(page, live, monkeypatch):
    """The review page sends no saves, so its heartbeats (sent on their own) ask for the messages when
    the last look is 5 s old: a message sent meanwhile is shown from a heartbeat's answer, and the
    messages API is polled only once, when the page opens."""
    monkeypatch.setitem(live.app.config, "INVIGILATION_HEARTBEAT_INTERVAL_S", 3)
    attempt_id, email = invigilated_attempt_in(live)
    asked, polls = _looks_noted(page, "/events")
    sign_in(page, email)
    with page.expect_response(lambda response: response.url.endswith("/messages")):
        page.goto(f"/attempts/{attempt_id}/review")  # the page's first look, answered before any message
    expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
    _message_sent(live, attempt_id, "Please keep your face in view.")
    expect(page.locator("#player-message-text")).to_have_text("Please keep your face in view.", timeout=WAIT_S * 1000)
    assert True in asked, asked
    assert asked.count(True) < len(asked)  # a batch asks when the last look is 5 s old, not every time
    assert len(polls) == 1, polls  # the page's first look; the next rode on a heartbeat


def _candidate_id(live, email):
    from assessment.accounts.models import User

    with live.app.app_context():
        return db.session().scalar(select(User.id).where(User.email == email))
