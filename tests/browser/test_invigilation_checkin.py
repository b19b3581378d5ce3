"""Check-in in Chromium with its fake camera: a candidate gives consent and does the whole check-in
with the keyboard only (photo, ID, a room scan of three frames, the rules), the start is refused
while it waits, an invigilator compares photo and ID in the queue and approves, and the candidate
starts. The system check runs with the fake camera. axe-core on every new page at 1280 and 320 px."""
from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (ACTION_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD, Checker)
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser
_ids = itertools.count(1)
WINTER = "Winter 2026 sitting (open now)"
# Chromium's own test camera and microphone (a moving pattern and a beep), allowed without a prompt.
CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture(scope="module")
def camera_browser(browser):
    """A second Chromium from the same Playwright, launched with the fake camera (launch arguments
    are per browser)."""
    chromium = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True,
                                           args=CHROMIUM_ARGS + CAMERA_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def camera_context(camera_browser, live_server):
    contexts = []

    def make(request_name: str):
        context = camera_browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                             locale="en-GB", permissions=["camera", "microphone"])
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = context.new_page()
        page.problems = []
        page.on("console", lambda message: page.problems.append(message.text)
                if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.checked = Checker(page, request_name)
        contexts.append((context, page))
        return page

    yield make
    for context, page in contexts:
        context.close()
        assert page.problems == [], "errors in the browser console (CSP violations among them)"


def _press(page, locator):
    """Activate a control from the keyboard: focus it as Tab would, then press Enter."""
    locator.focus()
    page.keyboard.press("Enter")


def _tick(page, locator):
    locator.focus()
    page.keyboard.press("Space")
    expect(locator).to_be_checked()


def _booked_candidate(live, tag: str):
    """A new candidate booked on the demo's invigilated Winter sitting (open now), nothing else."""
    from sqlalchemy import select

    from assessment.accounts import services as accounts
    from assessment.delivery.models import Booking, Sitting
    from core import db
    from core.roles import SYSTEM, Role

    now = dt.datetime.now(dt.timezone.utc)
    with live.app.app_context():
        session = db.session()
        sitting = session.scalar(select(Sitting).where(Sitting.title == WINTER))
        candidate = accounts.create_user(session, actor=SYSTEM, email=f"{tag}@example.org", full_name=f"Kim {tag}",
                                         password=DEMO_PASSWORD, roles={Role.CANDIDATE}, now=now, hash_profile="fast")
        session.add(Booking(sitting_id=sitting.id, candidate_id=candidate.id, booked_at=now - dt.timedelta(days=1)))
        session.commit()
        return sitting.id, candidate.email, candidate.full_name


def test_keyboard_only_check_in_the_veto_an_invigilator_approves_then_the_start(live, camera_context, request):
    sitting_id, email, name = _booked_candidate(live, f"checkin.kim{next(_ids)}")
    page = camera_context(request.node.name + "-candidate")
    sign_in(page, email)
    page.goto("/sittings")
    expect(page.get_by_text("your consent is still needed")).to_be_visible()
    _press(page, page.get_by_role("link", name=re.compile("^Read the privacy notice and consent")))
    expect(page.get_by_role("heading", name="Remote invigilation: privacy notice and consent")).to_be_visible()
    page.checked("consent")
    _press(page, page.get_by_role("button", name="Give my consent"))
    expect(page.locator(".error-summary")).to_contain_text("Tick the box to give your consent")
    page.checked("consent-error")
    _tick(page, page.get_by_label(re.compile("^I have read the privacy notice")))
    _press(page, page.get_by_role("button", name="Give my consent"))
    expect(page.get_by_text("Your consent is recorded", exact=True)).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("consent-given-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    _press(page, page.get_by_role("link", name="do the identity and room check"))
    expect(page.get_by_role("heading", name="Identity and room check")).to_be_visible()
    page.checked("check-in")
    _press(page, page.get_by_role("button", name="Turn on the camera"))
    expect(page.get_by_role("button", name="The camera is on")).to_be_disabled()
    _press(page, page.get_by_role("button", name="Take the photo of me"))
    expect(page.locator("#status-photo")).to_contain_text("Done: A photo of you: received")
    _press(page, page.get_by_role("button", name="Take the photo of my ID"))
    expect(page.locator("#status-id_photo")).to_contain_text("Done: A photo of your photo ID: received")
    _press(page, page.get_by_role("button", name="Start the room scan"))
    expect(page.locator("#status-room_scan")).to_contain_text("The room scan is done", timeout=60_000)
    page.checked("check-in-photos-taken")
    _tick(page, page.get_by_label("I have read these rules and I will follow them"))
    _press(page, page.get_by_role("button", name="Confirm the rules"))
    expect(page.get_by_text("Done: you have confirmed the rules.")).to_be_visible()
    expect(page.locator("#status-room_scan")).to_contain_text("Done: 3 photos received")
    _press(page, page.get_by_role("button", name="Send my check-in to an invigilator"))
    expect(page.get_by_text("Status: Submitted: waiting for an invigilator.")).to_be_visible()
    page.checked("check-in-sent")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("check-in-sent-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The veto: no start while the check-in waits for a person.
    _press(page, page.get_by_role("link", name="Go to the exam's start page"))
    expect(page.get_by_text("Identity and room check: Submitted: waiting for an invigilator.")).to_be_visible()
    _tick(page, page.locator("#declaration"))
    _press(page, page.get_by_role("button", name="Start exam"))
    expect(page.locator(".error-summary")).to_contain_text("waiting for an invigilator")
    page.checked("start-refused")

    # An invigilator compares photo and ID in the queue and approves.
    staff = camera_context(request.node.name + "-invigilator")
    sign_in(staff, "invigilator@example.org")
    staff.goto("/staff/sittings")
    _press(staff, staff.get_by_role("link", name=f"Check-ins for {WINTER}"))
    expect(staff.get_by_role("heading", name="Check-ins to review")).to_be_visible()
    expect(staff.get_by_role("heading", name=re.compile(r"^Waiting for a decision \(\d+\)"))).to_be_visible()
    staff.checked("queue")
    staff.set_viewport_size({"width": 320, "height": 800})
    staff.checked("queue-320")
    staff.set_viewport_size({"width": 1280, "height": 900})
    _press(staff, staff.get_by_role("link", name=f"Review the check-in of {name}"))
    expect(staff.get_by_role("heading", name=f"Check-in of {name}")).to_be_visible()
    for alt in ("The candidate's photo, taken at check-in", "The candidate's photo ID", "Room scan, photo 3 of 3"):
        image = staff.get_by_alt_text(alt)
        expect(image).to_be_visible()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0, f"{alt} did not load"
    staff.checked("review")
    _press(staff, staff.get_by_role("button", name="Waive the check-in"))
    expect(staff.locator(".error-summary")).to_contain_text("Choose the reason for the waiver")
    staff.checked("review-errors")
    staff.set_viewport_size({"width": 320, "height": 800})
    staff.checked("review-320")
    staff.set_viewport_size({"width": 1280, "height": 900})
    _press(staff, staff.get_by_role("button", name="Approve the check-in"))
    expect(staff.get_by_text("Check-in approved: the candidate can start the exam.")).to_be_visible()

    page.goto(f"/sittings/{sitting_id}/start")
    expect(page.get_by_text("Identity and room check: Approved.")).to_be_visible()
    _tick(page, page.locator("#declaration"))
    _press(page, page.get_by_role("button", name="Start exam"))
    expect(page).to_have_url(re.compile(r"/attempts/\d+$"))
    # The player has loaded its questions (and every module of its script) before the test ends.
    expect(page.get_by_role("heading", name=re.compile(r"^Question 1 of \d+$"))).to_be_visible()


def test_the_system_check_with_the_fake_camera(live, camera_context, request):
    page = camera_context(request.node.name)
    sign_in(page, "candidate@example.org")
    page.goto("/invigilation/system-check")
    expect(page.get_by_role("heading", name="Check your computer for a remote exam")).to_be_visible()
    page.checked("system-check")
    _press(page, page.get_by_role("button", name="Run the check"))
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Check finished: \d+ of \d+ passed"))
    results = page.locator(".check-results")
    expect(results).to_contain_text("Passed: The browser can use a camera")
    expect(results).to_contain_text(re.compile(r"Download speed about [0-9.]+ megabits a second"))
    expect(results).to_contain_text(re.compile(r"Upload speed about [0-9.]+ megabits a second"))
    _press(page, page.get_by_role("button", name="Test the camera and microphone"))
    expect(results).to_contain_text("Passed: The camera works")
    expect(results).to_contain_text("Passed: The microphone is allowed")
    page.checked("system-check-results")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("system-check-320")
