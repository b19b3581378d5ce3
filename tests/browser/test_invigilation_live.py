"""The live invigilator in a real browser: a message reaches the candidate's player (shown, announced
at once, acknowledged) and the dashboard learns it through server-sent events; a pause stops the
candidate's clock and a resume starts it again; an end asked for by the invigilator is confirmed by
a second person. The invigilator works by keyboard only. axe-core on every page, at 1280 and 320 px."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.assessment.delivery.player_data import SHORT
from tests.browser.conftest import Checker
from tests.browser.test_exam_player import exam_in, start_exam
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser


def prepare(live):
    """An invigilated sitting open now; its candidate's check-in approved by the demo invigilator, who
    watches them. Returns (sitting id, candidate's email)."""
    from sqlalchemy import select

    from assessment.accounts.models import User
    from core import db
    from proctoring.models import InvigilatorAllocation
    from tests.proctoring.live.helpers import approve_checkin

    sitting_id, email = exam_in(live, items=SHORT, requires_invigilation=True)
    with live.app.app_context():
        session = db.session()
        now = dt.datetime.now(dt.timezone.utc)
        candidate = session.scalar(select(User).where(User.email == email))
        invigilator = session.scalar(select(User).where(User.email == "invigilator@example.org"))
        approve_checkin(session, sitting_id=sitting_id, candidate_id=candidate.id, invigilator_id=invigilator.id,
                        now=now)
        session.add(InvigilatorAllocation(sitting_id=sitting_id, candidate_id=candidate.id,
                                          invigilator_id=invigilator.id, allocated_at=now, note="Browser test"))
        session.commit()
    return sitting_id, email


def server_time_left(page, attempt_id) -> int:
    return page.request.get(f"/api/v1/attempts/{attempt_id}/state").json()["time_left_s"]


def keyboard_submit(page, button_name):
    page.get_by_role("button", name=button_name).focus()
    page.keyboard.press("Enter")


def test_message_pause_resume_and_an_end_confirmed_by_a_second_person(page, browser, live):
    sitting_id, email = prepare(live)
    candidate = browser.new_context(base_url=live.url, locale="en-GB").new_page()
    sign_in(candidate, email)
    start_exam(candidate, sitting_id)
    attempt_id = int(re.search(r"/attempts/(\d+)", candidate.url).group(1))

    sign_in(page, "invigilator@example.org")
    page.goto(f"/invigilation/sittings/{sitting_id}/live")
    card = page.locator("#live-cards li").filter(has_text=email)
    expect(card).to_contain_text("Approved")
    expect(card).to_contain_text("In progress")
    page.checked("dashboard")

    # Keyboard only: to the attempt's page, and a message.
    page.get_by_role("link", name=re.compile("^Message or act on the attempt of")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("^Act on the attempt of"))).to_be_visible()
    page.checked("attempt")
    page.get_by_label("Message to the candidate").focus()
    page.keyboard.type("Please turn your camera towards your face.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Message sent.")).to_be_visible()

    # Back on the dashboard while the candidate reads it.
    page.goto(f"/invigilation/sittings/{sitting_id}/live")
    expect(card).to_contain_text("not read yet")
    page.get_by_role("link", name=re.compile("^Message or act on the attempt of")).focus()
    panel = candidate.locator(".player-message")
    expect(panel).to_be_visible()
    expect(candidate.locator("#player-message-text")).to_have_text("Please turn your camera towards your face.")
    expect(candidate.get_by_role("alert").filter(has_text="Message from the invigilator:")).to_have_count(1)
    assert candidate.evaluate("() => document.activeElement.id") != "player-message-read", "the message took focus"
    candidate.checked = Checker(candidate, "invigilation-live-candidate")
    candidate.checked("message")
    candidate.get_by_role("button", name="I have read this").click()
    expect(panel).to_be_hidden()
    expect(card).to_contain_text(re.compile(r"read \d"))  # through the event stream
    expect(page.locator("#live-announcer")).to_contain_text("has read the invigilator's message")
    assert page.evaluate("() => document.activeElement.dataset.focusKey || ''").startswith("act-"), \
        "the update took keyboard focus away"
    keyboard_submit(page, "Pause updates")
    expect(page.get_by_role("button", name="Resume updates")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#live-announcer")).to_have_text("Updates paused.")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Pause updates")).to_have_attribute("aria-pressed", "false")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("dashboard-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Pause: the player shows it and the clock stops.
    page.goto(f"/invigilation/attempts/{attempt_id}")
    # Keyboard only: type-ahead in the lists, Tab between the fields, Enter on the button.
    page.get_by_label("Action", exact=True).focus()
    page.keyboard.type("Pa")
    expect(page.get_by_label("Action", exact=True)).to_have_value("pause")
    page.keyboard.press("Tab")  # the minutes (not needed to pause)
    page.keyboard.press("Tab")
    page.keyboard.type("Tech")
    expect(page.locator("#action-reason_code")).to_have_value("technical_problem")
    page.keyboard.press("Tab")
    page.keyboard.type("Camera frozen: checking")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("The attempt is paused")).to_be_visible()
    candidate.evaluate("() => window.dispatchEvent(new Event('focus'))")  # the candidate looks back at the exam
    expect(candidate.locator("#paused-banner")).to_be_visible()
    expect(candidate.locator("#paused-message")).to_contain_text("Technical problem: Camera frozen")
    stopped_at = server_time_left(candidate, attempt_id)
    shown = candidate.locator("#timer-value").inner_text()
    candidate.wait_for_timeout(2500)
    assert server_time_left(candidate, attempt_id) == stopped_at
    assert candidate.locator("#timer-value").inner_text() == shown
    candidate.checked("paused")

    page.get_by_label("Action", exact=True).focus()
    page.keyboard.type("Re")
    expect(page.get_by_label("Action", exact=True)).to_have_value("resume")
    page.locator("#action-reason_code").focus()
    page.keyboard.type("Tech")
    page.keyboard.press("Tab")
    page.keyboard.type("Camera working again")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("The attempt has resumed")).to_be_visible()
    expect(candidate.locator("#paused-banner")).to_be_hidden()
    expect(candidate.get_by_role("heading", name=re.compile(r"^Question \d+ of \d+$"))).to_be_visible()
    candidate.wait_for_timeout(1500)
    assert server_time_left(candidate, attempt_id) < stopped_at

    # Ending: asked for by the invigilator, who cannot confirm it; confirmed by an administrator.
    page.locator("#end-reason_code").focus()
    page.keyboard.type("Sus")
    expect(page.locator("#end-reason_code")).to_have_value("suspected_misconduct")
    page.keyboard.press("Tab")
    page.keyboard.type("A second person was seen reading the screen.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Ending the attempt is asked for")).to_be_visible()
    page.goto("/invigilation/end-requests")
    expect(page.get_by_text("You asked for this")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Confirm: end the attempt"))).to_have_count(0)
    page.checked("end-requests-own")

    admin = browser.new_context(base_url=live.url, locale="en-GB").new_page()
    admin.checked = Checker(admin, "invigilation-live-admin")
    sign_in(admin, "admin@example.org")
    admin.goto("/invigilation/end-requests")
    admin.checked("end-requests")
    admin.get_by_role("button", name=re.compile("^Confirm: end the attempt")).click()
    expect(admin.get_by_text("The attempt has ended.")).to_be_visible()
    candidate.evaluate("() => window.dispatchEvent(new Event('focus'))")
    expect(candidate).to_have_url(re.compile(r"/receipt$"))
    admin.context.close()
    candidate.context.close()


def evidence_for(live, sitting_id, email):
    """An attempt started six minutes ago with a webcam snapshot, heartbeats for the last five minutes
    and a flag, as ingest and the policy would have written them: a thumbnail, a strip and a flag."""
    import io

    from PIL import Image
    from sqlalchemy import select

    from assessment.accounts.models import User
    from assessment.delivery import services as delivery
    from core import db
    from proctoring import log
    from proctoring.media import store_media
    from proctoring.models import InvigilationFlag
    from proctoring.rules import FlagKind, LogKind, Severity

    picture = io.BytesIO()
    Image.new("RGB", (160, 120), (90, 120, 150)).save(picture, format="JPEG")
    with live.app.app_context():
        session = db.session()
        now = dt.datetime.now(dt.timezone.utc)
        candidate = session.scalar(select(User).where(User.email == email))
        delivery.start_attempt(session, actor=candidate.actor, sitting_id=sitting_id, device_id="earlier",
                               now=now - dt.timedelta(minutes=6))
        invigilation = log.invigilation_for(session, sitting_id=sitting_id, candidate_id=candidate.id, now=now)
        for seconds in range(300, 0, -15):
            log.append(session, invigilation_id=invigilation.id, kind=LogKind.HEARTBEAT,
                       now=now - dt.timedelta(seconds=seconds))
        stored = store_media(live.app.extensions["cop.media"], invigilation_id=invigilation.id, data=picture.getvalue(),
                             content_type="image/jpeg", extension="jpg")
        log.append(session, invigilation_id=invigilation.id, kind=LogKind.SNAPSHOT, now=now, media_key=stored.key,
                   media_sha256=stored.sha256, media_type="image/jpeg", media_size=stored.size)
        session.add(InvigilationFlag(invigilation_id=invigilation.id, kind=FlagKind.TAB_HIDDEN, severity=Severity.MEDIUM,
                                     starts_at=now - dt.timedelta(minutes=2), evidence_event_ids=[], detail="",
                                     policy_version="test", raised_at=now))
        session.commit()


def test_the_administrators_pages_pass_axe_at_both_widths(page, live):
    sitting_id, email = prepare(live)
    evidence_for(live, sitting_id, email)
    sign_in(page, "admin@example.org")
    for name, url in (("index", "/invigilation/live"),
                      ("allocation", f"/invigilation/sittings/{sitting_id}/allocation"),
                      ("hand-over", f"/invigilation/sittings/{sitting_id}/hand-over"),
                      ("dashboard-all", f"/invigilation/sittings/{sitting_id}/live")):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(url)
        page.checked(name)
        page.set_viewport_size({"width": 320, "height": 800})
        page.checked(f"{name}-320")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/invigilation/sittings/{sitting_id}/live")
    card = page.locator("#live-cards li").filter(has_text=email)
    expect(card.get_by_role("img", name=re.compile("^Latest webcam snapshot"))).to_be_visible()
    expect(card).to_contain_text("Tab hidden")
    expect(card.locator(".strip__cell--quiet")).not_to_have_count(0)
    page.goto(f"/invigilation/sittings/{sitting_id}/allocation")
    indra = page.get_by_label(re.compile("^Indra Invigilator"))
    expect(indra).to_be_checked()  # the standing allocation is ticked
    indra.uncheck()
    page.get_by_role("button", name="Allocate the candidates").click()
    expect(page.locator(".error-summary")).to_contain_text("Choose at least one invigilator")
    page.checked("allocation-error")
    indra.check()
    page.get_by_role("button", name="Allocate the candidates").click()
    expect(page.get_by_text("Candidates allocated")).to_be_visible()
