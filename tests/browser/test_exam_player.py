"""The exam player in a real browser: a candidate starts, answers every item type, flags, reloads,
loses and regains the connection, opens a second window, reviews and submits; a keyboard-only run;
extra time; and the server killed (SIGKILL) and restarted mid-exam. axe-core on every state."""
from __future__ import annotations

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.assessment.delivery.player_data import SHORT, make_exam
from tests.browser.conftest import DEMO_PASSWORD, REPO
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser

SAVED = "All answers saved"
OFFLINE = "Offline — your answers are kept on this device and will be sent when the connection returns"


def exam_in(live, **kwargs):
    """A sitting open now and a candidate booked on it, in the live app's database."""
    from core import db

    with live.app.app_context():
        session = db.session()
        sitting, candidate = make_exam(session, password=DEMO_PASSWORD, **kwargs)
        session.commit()
        return sitting.id, candidate.email


def answers_in(app, sitting_id):
    """The attempt's replayed answers, read straight from the database."""
    from sqlalchemy import select

    from assessment.delivery import services
    from assessment.delivery.models import Attempt
    from core import db

    with app.app_context():
        session = db.session()
        attempt = session.scalar(select(Attempt).where(Attempt.sitting_id == sitting_id))
        view = services.view_of(session, attempt, dt.datetime.now(dt.timezone.utc))
        return attempt.id, {n: s.answer for n, s in view.slots.items()}, {n: s.flagged for n, s in view.slots.items()}


def status(page):
    return page.locator("#save-status")


def start_exam(page, sitting_id):
    page.goto(f"/sittings/{sitting_id}/start")
    page.get_by_label(re.compile("^I confirm that I am the person named")).check()
    page.get_by_role("button", name="Start exam").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Question 1 of \d+$"))).to_be_visible()


def displayed_order(page):
    return page.locator(".ordering__text").all_inner_texts()


def test_a_candidate_answers_every_type_survives_reload_offline_and_a_second_window_and_submits(page, live):
    sitting_id, email = exam_in(live)
    sign_in(page, email)
    page.goto(f"/sittings/{sitting_id}/start")
    page.checked("start")
    start_exam(page, sitting_id)
    expect(status(page)).to_have_text(SAVED)
    expect(page.locator("#scenario")).to_contain_text("Rehabilitation Code")

    # Single best answer, with an option struck out.
    page.get_by_label("Visit the client at home", exact=True).check()
    page.get_by_role("button", name="Strike out: Close the case").click()
    expect(page.get_by_role("button", name="Strike out: Close the case")).to_have_attribute("aria-pressed", "true")
    page.checked("sba")

    # Multiple response, flagged for review.
    page.get_by_role("button", name="Next question").click()
    expect(page.get_by_role("heading", name="Question 2 of 5")).to_be_focused()
    expect(page.get_by_text("Choose 2 options")).to_be_visible()
    page.get_by_label("The consent form", exact=True).check()
    page.get_by_label("A note of the home visit", exact=True).check()
    expect(page.get_by_text("You have chosen 2 of 2.")).to_be_visible()
    page.get_by_role("button", name="Flag for review").click()
    expect(page.get_by_role("button", name="Flag for review")).to_have_attribute("aria-pressed", "true")
    page.checked("multiple-response")

    # Extended matching: one select per situation.
    page.get_by_role("button", name="Next question").click()
    page.get_by_label("Difficulty swallowing after the injury").select_option("B")
    page.get_by_label("Memory problems affecting work").select_option("C")
    page.checked("extended-matching")

    # Ordering, with the move buttons.
    page.get_by_role("button", name="Next question").click()
    expect(page.get_by_text("Not answered yet")).to_be_visible()
    first = displayed_order(page)[0]
    page.get_by_role("button", name=f"Move down: {first}").click()
    expect(page.get_by_role("button", name=f"Move down: {first}")).to_be_focused()
    order = displayed_order(page)
    assert order[1] == first
    page.checked("ordering")

    # Constructed response, with a live word count.
    page.get_by_role("button", name="Next question").click()
    page.get_by_label("Your answer").fill("Apply the two-stage test of capacity")
    expect(page.locator(".word-count")).to_have_text("6 words of 50")
    page.checked("constructed-response")
    expect(status(page)).to_have_text(SAVED)
    expect(page.get_by_text("5 of 5 answered, 1 flagged for review")).to_be_visible()

    texts = {"Immediate needs assessment": "A", "Referral received": "B", "Rehabilitation plan agreed": "C",
             "Discharge report": "D"}
    expected = {1: "B", 2: ["A", "B"], 3: {"1": "B", "2": "C"}, 4: [texts[t] for t in order],
                5: "Apply the two-stage test of capacity"}
    _, saved, flags = answers_in(live.app, sitting_id)
    assert saved == expected and flags[2] is True

    # Reload mid-exam: the same question, the same answers, the time still running.
    state_url = page.url.split("#")[0].replace("/attempts/", "/api/v1/attempts/") + "/state"
    deadline = page.request.get(state_url).json()["deadline"]
    page.reload()
    expect(page.get_by_role("heading", name="Question 5 of 5")).to_be_visible()
    expect(page.get_by_label("Your answer")).to_have_value("Apply the two-stage test of capacity")
    assert page.request.get(state_url).json()["deadline"] == deadline  # the clock was not reset
    expect(page.locator("#timer-value")).to_have_text(re.compile(r"^[1-5]?\d:\d\d$"))  # under the hour
    page.get_by_role("button", name=re.compile(r"^Question 1\W+Answered")).click()
    expect(page.get_by_label("Visit the client at home", exact=True)).to_be_checked()
    expect(page.get_by_role("button", name="Strike out: Close the case")).to_have_attribute("aria-pressed", "true")

    # Offline: answering carries on, kept on the device; back online, everything is sent.
    page.context.set_offline(True)
    page.get_by_label("Call the GP", exact=True).check()
    expect(status(page)).to_have_text(OFFLINE)
    page.get_by_role("button", name=re.compile(r"^Question 5\W+Answered")).click()
    page.get_by_label("Your answer").fill("Apply the two-stage test of capacity, written offline")
    expect(status(page)).to_have_text(OFFLINE)
    page.checked("offline")
    assert answers_in(live.app, sitting_id)[1][1] == "B"  # not sent yet
    page.context.set_offline(False)
    expect(status(page)).to_have_text(SAVED, timeout=45000)
    _, saved, _ = answers_in(live.app, sitting_id)
    assert saved[1] == "C" and saved[5] == "Apply the two-stage test of capacity, written offline"

    # A second window takes over; the first becomes read-only and says why.
    second = page.context.new_page()
    second.goto(page.url)
    expect(second.get_by_role("heading", name="Question 5 of 5")).to_be_visible()
    expect(page.get_by_role("heading", name="This window is read-only")).to_be_visible()
    expect(page.get_by_label("Your answer")).to_be_disabled()
    page.checked("read-only")
    second.get_by_role("button", name=re.compile(r"^Question 1\W+Answered")).click()
    second.get_by_label("Write to the solicitor", exact=True).check()
    expect(status(second)).to_have_text(SAVED)

    # The first window takes the exam back: it catches up with the second window's answer.
    page.get_by_role("button", name="Use this window instead").click()
    expect(page.get_by_role("heading", name="This window is read-only")).to_be_hidden()
    expect(second.get_by_role("heading", name="This window is read-only")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Question 1\W+Answered")).click()
    expect(page.get_by_label("Write to the solicitor", exact=True)).to_be_checked()
    second.close()

    # Review, then submit.
    page.get_by_role("link", name="Review answers and submit").click()
    expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
    expect(page.get_by_text("You have answered 5 of 5 questions and flagged 1 for review.")).to_be_visible()
    page.checked("review")
    page.get_by_role("button", name="Submit exam").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.get_by_label(re.compile("^I have finished")).check()
    page.get_by_role("button", name="Submit exam").click()
    expect(page.get_by_role("heading", name="Your exam has been submitted")).to_be_visible()
    page.checked("receipt")
    attempt_id, saved, _ = answers_in(live.app, sitting_id)
    assert saved[1] == "A"
    from assessment.delivery import services
    from assessment.delivery.models import Attempt
    from core import db

    with live.app.app_context():
        attempt = db.session().get(Attempt, attempt_id)
        code = services.receipt_for(db.session(), attempt, dt.datetime.now(dt.timezone.utc))
    expect(page.locator("#receipt-code")).to_have_text(code)
    expect(page.locator("#answered-count")).to_have_text("5 of 5")


def focused(page):
    return page.evaluate("() => { const e = document.activeElement; return e ? (e.id || e.textContent.trim()) : ''; }")


def tab_until(page, predicate, limit=60):
    """Press Tab until ``predicate(page)`` holds — keyboard only, like a candidate without a mouse."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if predicate(page):
            return
    raise AssertionError(f"never reached the control (last focus: {focused(page)!r})")


def is_focused(selector):
    return lambda page: page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector)


def test_a_keyboard_only_run_through_a_short_paper(page, live):
    sitting_id, email = exam_in(live, items=SHORT, is_practice=True)
    sign_in(page, email)
    page.goto(f"/sittings/{sitting_id}/start")
    tab_until(page, is_focused("#declaration"))
    page.keyboard.press("Space")
    tab_until(page, is_focused("button[type=submit].button"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Question 1 of 3")).to_be_visible()

    # Single best answer: Tab into the radio group, arrows choose.
    tab_until(page, is_focused("input[type=radio]"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    chosen = page.evaluate("() => document.querySelector('input[type=radio]:checked').value")
    # Next (Alt+N): a multiple response, ticked with Space.
    page.keyboard.press("Alt+N")
    expect(page.get_by_role("heading", name="Question 2 of 3")).to_be_focused()
    tab_until(page, is_focused("input[type=checkbox]"))
    page.keyboard.press("Space")
    tab_until(page, is_focused("input[type=checkbox]:not(:checked)"))
    page.keyboard.press("Space")
    page.keyboard.press("Alt+F")
    expect(page.get_by_role("button", name="Flag for review")).to_have_attribute("aria-pressed", "true")
    # Strike out an option with Enter on its toggle: it is ticked, so the page asks first.
    tab_until(page, is_focused(".strike-button"))
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile("is part of your answer. Strike it out anyway"))).to_be_focused()
    tab_until(page, is_focused(".strike-confirm .button--warning"))
    page.keyboard.press("Enter")
    expect(page.locator(".strike-button:focus")).to_have_attribute("aria-pressed", "true")
    # Next with the button, pressed with Enter.
    tab_until(page, is_focused("#next-button"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Question 3 of 3")).to_be_focused()
    tab_until(page, is_focused("textarea"))
    page.keyboard.type("Written with the keyboard only")
    # Back with Alt+P and the answer is still there.
    page.keyboard.press("Alt+P")
    expect(page.get_by_role("heading", name="Question 2 of 3")).to_be_focused()
    expect(page.locator("input[type=checkbox]:checked")).to_have_count(2)
    # The help panel opens with Enter on its summary.
    tab_until(page, is_focused("summary"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Review your answers and submit", exact=True)).to_be_visible()
    expect(status(page)).to_have_text(SAVED)
    page.checked("keyboard-player")

    page.keyboard.press("Alt+R")
    expect(page.get_by_role("heading", name="Review your answers")).to_be_visible()
    tab_until(page, is_focused("#confirm"))
    page.keyboard.press("Space")
    tab_until(page, is_focused("button[type=submit].button--warning"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your exam has been submitted")).to_be_visible()
    _, saved, flags = answers_in(live.app, sitting_id)
    assert saved[1] == chosen and len(saved[2]) == 2 and saved[3] == "Written with the keyboard only"
    assert flags[2] is True


def test_extra_time_and_adjustments_shape_the_player_and_the_settings_are_remembered(page, live):
    sitting_id, email = exam_in(live, items=SHORT, extra_time_pct=25, duration_s=3600,
                                colour_scheme="yellow-on-black", uses_screen_reader=True)
    sign_in(page, email)
    page.goto(f"/sittings/{sitting_id}/start")
    expect(page.get_by_text("1 hour and 15 minutes")).to_be_visible()
    expect(page.get_by_text("including your extra time of 25%")).to_be_visible()
    start_exam(page, sitting_id)

    # The approved adjustments are the defaults: yellow on black, and a silent timer for a screen reader.
    assert "scheme-yellow" in page.locator("html").get_attribute("class")
    expect(page.locator("#timer")).to_be_hidden()
    page.get_by_role("button", name="Time left", exact=True).click()
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^1 hour 1[45] minutes left\.$"))
    expect(page.locator("#announcer")).to_have_attribute("aria-live", "polite")
    page.checked("yellow-on-black-silent-timer")
    page.get_by_role("button", name="Show the timer").click()
    expect(page.locator("#timer-value")).to_have_text(re.compile(r"^1:1[45]:\d\d$"))  # the longer time

    page.get_by_label("Text size").select_option("larger")
    assert "text-larger" in page.locator("html").get_attribute("class")
    page.get_by_label("Colours").select_option("dark")
    page.checked("dark-very-large")
    page.get_by_label("Colours").select_option("cream")
    page.checked("cream-very-large")
    page.reload()
    expect(page.get_by_role("heading", name="Question 1 of 3")).to_be_visible()
    expect(page.get_by_label("Colours")).to_have_value("cream")
    expect(page.get_by_label("Text size")).to_have_value("larger")
    expect(page.get_by_role("button", name="Hide the timer")).to_be_visible()


def test_the_player_reflows_at_320_pixels(page, live):
    sitting_id, email = exam_in(live, items=SHORT)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, email)
    start_exam(page, sitting_id)
    page.get_by_label("Visit the client at home", exact=True).check()
    expect(status(page)).to_have_text(SAVED)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    page.checked("narrow")

    # The review page warns when this device still holds changes the server has not got.
    attempt_id = answers_in(live.app, sitting_id)[0]
    page.evaluate("(key) => localStorage.setItem(key, JSON.stringify([{id: 'x', slot: 1}]))",
                  f"cop.outbox.{attempt_id}")
    page.goto(f"/attempts/{attempt_id}/review")
    expect(page.get_by_text("Some of your latest changes are still on this device")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    page.checked("narrow-review-unsent")


def test_a_pause_a_rest_break_and_the_end_of_time(page, live):
    """An invigilator's pause stops answering until it is lifted; a candidate with rest breaks takes
    one; when the time runs out the page goes to the receipt by itself."""
    from assessment.delivery import services
    from core import db
    from core.roles import Role
    from tests.assessment.delivery.player_data import make_person

    sitting_id, email = exam_in(live, items=SHORT, rest_breaks=True, duration_s=45)
    sign_in(page, email)
    start_exam(page, sitting_id)
    attempt_id = answers_in(live.app, sitting_id)[0]
    with live.app.app_context():
        session = db.session()
        admin = make_person(session, Role.ADMIN)
        services.pause(session, actor=admin.actor, attempt_id=attempt_id, reason="Checking the room",
                       now=dt.datetime.now(dt.timezone.utc))
        session.commit()
    page.get_by_label("Visit the client at home", exact=True).check()  # refused: the attempt is paused
    expect(page.get_by_role("heading", name="The exam is paused")).to_be_visible()
    expect(page.get_by_text("The exam has been paused: Checking the room.")).to_be_visible()
    expect(page.get_by_label("Call the GP", exact=True)).to_have_count(0)  # the paper is hidden
    page.checked("paused")
    with live.app.app_context():
        session = db.session()
        services.resume(session, actor=admin.actor, attempt_id=attempt_id, now=dt.datetime.now(dt.timezone.utc))
        session.commit()
    expect(page.get_by_role("heading", name="The exam is paused")).to_be_hidden(timeout=20000)
    expect(status(page)).to_have_text(SAVED)  # the change kept on the device is sent after all
    assert answers_in(live.app, sitting_id)[1][1] == "B"

    page.get_by_role("button", name="Take a rest break").click()
    expect(page.get_by_text("You are on a rest break. The clock has stopped.")).to_be_visible()
    page.checked("rest-break")
    page.get_by_role("button", name="End the break and carry on").click()
    expect(page.get_by_role("heading", name="The exam is paused")).to_be_hidden()

    # Nothing more to do: the time runs out and the receipt appears by itself.
    expect(page.get_by_role("heading", name="Your exam has ended: the time ran out")).to_be_visible(timeout=90000)
    expect(page.locator("#answered-count")).to_have_text("1 of 3")
    page.checked("timed-out-receipt")


def test_a_candidate_who_is_answering_makes_no_state_poll(page, live):
    """Each acknowledged save says what the 30-second state poll would, so the poll waits its whole
    interval again from the last one: 34 s of answering, a change every 2 s, and no state poll."""
    sitting_id, email = exam_in(live, items=SHORT)
    sign_in(page, email)
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url) if request.method == "GET"
            and re.search(r"/api/v1/attempts/\d+/state", request.url) else None)
    start_exam(page, sitting_id)
    options = ["Visit the client at home", "Write to the solicitor"]
    for turn in range(17):
        page.get_by_label(options[turn % 2], exact=True).check()
        expect(status(page)).to_have_text(SAVED)
        page.wait_for_timeout(2000)
    assert polls == []
    assert answers_in(live.app, sitting_id)[1][1] == "B"  # the last change, "Visit the client at home"


# --- a break or a pause leaves nothing of the paper readable ------------------------------------------

PAPER_TEXTS = ["Rehabilitation Code", "What should the case manager do", "Visit the client at home",
               "Which two records", "Occupational therapist", "Immediate needs assessment", "mental capacity"]


def assert_nothing_of_the_paper(page, attempt_id):
    """No scenario, stem, option or navigator on the page, whatever is tried, and none from the API."""
    page.wait_for_load_state()
    html = page.content()
    assert [text for text in PAPER_TEXTS if text in html] == []
    expect(page.locator("#navigator")).to_be_hidden()
    expect(page.locator("#paper")).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile(r"^Question \d"))).to_have_count(0)
    # The keyboard shortcuts that open questions do nothing.
    for key in ("Alt+N", "Alt+N", "Alt+P", "Alt+F"):
        page.keyboard.press(key)
    page.evaluate("() => { window.location.hash = '#q5'; }")  # a link to the last question
    page.wait_for_timeout(300)  # let a (wrongly) scheduled render run before looking again
    page.wait_for_load_state()
    html = page.content()
    assert [text for text in PAPER_TEXTS if text in html] == []
    expect(page.get_by_role("heading", name=re.compile(r"^Question \d+ of"))).to_have_count(0)
    # The API, asked from the page itself, sends the state and nothing of the paper.
    body = page.evaluate("async (url) => (await fetch(url, {credentials: 'same-origin'})).json()",
                         f"/api/v1/attempts/{attempt_id}")
    assert body["state"] == "paused" and body["content_withheld"] is True
    assert "items" not in body and "case_studies" not in body
    assert [text for text in PAPER_TEXTS if text in str(body)] == []


def test_a_rest_break_and_a_pause_leave_nothing_of_the_paper_readable(page, live):
    from assessment.delivery import services
    from core import db
    from core.roles import Role
    from tests.assessment.delivery.player_data import make_person

    sitting_id, email = exam_in(live, rest_breaks=True)
    sign_in(page, email)
    start_exam(page, sitting_id)
    attempt_id = answers_in(live.app, sitting_id)[0]
    page.get_by_label("Visit the client at home", exact=True).check()
    expect(status(page)).to_have_text(SAVED)

    page.get_by_role("button", name="Take a rest break").click()
    expect(page.get_by_text("You are on a rest break. The clock has stopped.")).to_be_visible()
    expect(page.get_by_role("heading", name="The exam is paused")).to_be_focused()
    assert_nothing_of_the_paper(page, attempt_id)
    page.checked("on-a-break")
    # Reloading on a break does not bring the paper back either.
    page.reload()
    expect(page.get_by_text("You are on a rest break. The clock has stopped.")).to_be_visible()
    assert_nothing_of_the_paper(page, attempt_id)

    page.get_by_role("button", name="End the break and carry on").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Question \d of 5$"))).to_be_focused()
    expect(page.locator("#scenario")).to_contain_text("Rehabilitation Code")
    page.get_by_role("button", name=re.compile(r"^Question 5\W")).click()
    expect(page.get_by_role("heading", name="Question 5 of 5")).to_be_visible()
    expect(page.get_by_label("Your answer")).to_be_visible()

    # A pause by an invigilator: the same, and the paper comes back when it is lifted.
    with live.app.app_context():
        session = db.session()
        invigilator = make_person(session, Role.INVIGILATOR)
        services.pause(session, actor=invigilator.actor, attempt_id=attempt_id, reason="Fire alarm",
                       now=dt.datetime.now(dt.timezone.utc))
        session.commit()
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")  # the player asks for its state
    expect(page.get_by_text("The exam has been paused: Fire alarm.")).to_be_visible()
    assert_nothing_of_the_paper(page, attempt_id)
    page.checked("paused-by-staff")
    with live.app.app_context():
        session = db.session()
        services.resume(session, actor=invigilator.actor, attempt_id=attempt_id, now=dt.datetime.now(dt.timezone.utc))
        session.commit()
    expect(page.get_by_role("heading", name="The exam is paused")).to_be_hidden(timeout=20000)
    expect(page.locator("#scenario")).to_contain_text("Rehabilitation Code")
    expect(page.get_by_role("heading", name="Question 5 of 5")).to_be_focused()  # where the candidate was
    page.get_by_role("button", name=re.compile(r"^Question 1\W")).click()
    expect(page.get_by_label("Visit the client at home", exact=True)).to_be_checked()


def test_the_player_keeps_to_the_items_limits(page, live):
    """A tick beyond the number asked for is refused with a message beside the question; striking out
    an option that is part of the answer asks first; the review page lists incomplete answers."""
    sitting_id, email = exam_in(live)
    sign_in(page, email)
    start_exam(page, sitting_id)
    page.get_by_label("Visit the client at home", exact=True).check()
    strike = page.get_by_role("button", name="Strike out: Visit the client at home")
    strike.click()
    expect(page.get_by_text("Visit the client at home is part of your answer. Strike it out anyway?")).to_be_focused()
    page.checked("strike-out-confirmation")
    page.get_by_role("button", name="Cancel").click()
    expect(strike).to_be_focused()
    expect(strike).to_have_attribute("aria-pressed", "false")
    strike.click()
    page.get_by_role("button", name="Strike it out").click()
    expect(page.get_by_role("button", name="Strike out: Visit the client at home")).to_have_attribute(
        "aria-pressed", "true")
    page.get_by_role("button", name="Strike out: Call the GP").click()  # not the answer: no question asked
    expect(page.get_by_role("button", name="Strike out: Call the GP")).to_have_attribute("aria-pressed", "true")

    page.get_by_role("button", name="Next question").click()
    page.get_by_label("The consent form", exact=True).check()
    page.get_by_label("A note of the home visit", exact=True).check()
    third = page.get_by_label("The client's shopping list", exact=True)
    third.click()  # a third tick: refused
    expect(third).not_to_be_checked()
    expect(page.locator("#limit-2")).to_have_text(re.compile("You can choose only 2"))
    page.checked("tick-refused")
    page.get_by_label("The consent form", exact=True).uncheck()
    expect(page.get_by_text("You have chosen 1 of 2.")).to_be_visible()
    expect(status(page)).to_have_text(SAVED)
    _, saved, _ = answers_in(live.app, sitting_id)
    assert saved[1] == "B" and saved[2] == ["B"]

    page.get_by_role("link", name="Review answers and submit").click()
    expect(page.get_by_role("heading", name="Answers to check")).to_be_visible()
    expect(page.locator("#attention")).to_contain_text("Question 2: incomplete (1 of 2 options chosen)")
    page.checked("review-incomplete")


# --- the server killed mid-exam --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found += [int(p) for p in text.split()]
    return found


class Gunicorn:
    def __init__(self, port: int, env: dict, log: Path) -> None:
        self.port, self.env, self.log = port, env, log
        self.process = None

    def start(self) -> None:
        with self.log.open("ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [str(REPO / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
                 "--worker-class", "gthread", "--threads", "4", "assessment.app:create_app()"],
                cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # waiting for a state, not measuring speed
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        workers = children(self.process.pid)
        os.kill(self.process.pid, signal.SIGKILL)
        for worker in workers:
            try:
                os.kill(worker, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def test_every_acknowledged_answer_survives_the_server_being_killed(browser, tmp_path):
    from sqlalchemy import create_engine

    from assessment.app import create_app
    from core import db, migrations
    from core.roles import SYSTEM

    url = f"sqlite:///{tmp_path / 'killed.sqlite3'}"
    engine = create_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    secret = "kill-and-restart-secret"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "PASSWORD_HASH_PROFILE": "fast"})
    with app.app_context():
        import json

        from item_bank.framework import services as framework
        from item_bank.framework.rules import BUNDLED_FRAMEWORK

        session = db.session()
        framework.import_framework(session, actor=SYSTEM, document=json.loads(BUNDLED_FRAMEWORK.read_text("utf-8")),
                                   now=dt.datetime.now(dt.timezone.utc))
        sitting, candidate = make_exam(session, items=SHORT, password=DEMO_PASSWORD)
        session.commit()
        sitting_id, email = sitting.id, candidate.email
    app.extensions["cop.db"].engine.dispose()

    port = free_port()
    env = {**os.environ, "COP_DATABASE_URL": url, "COP_SECRET_KEY": secret, "COP_PASSWORD_HASH_PROFILE": "fast"}
    server = Gunicorn(port, env, tmp_path / "gunicorn.log")
    server.start()
    context = browser.new_context(base_url=f"http://127.0.0.1:{port}", locale="en-GB")
    try:
        page = context.new_page()
        sign_in(page, email)
        start_exam(page, sitting_id)
        page.get_by_label("Visit the client at home", exact=True).check()
        page.get_by_role("button", name="Next question").click()
        page.get_by_label("The consent form", exact=True).check()
        page.get_by_label("A note of the home visit", exact=True).check()
        expect(status(page)).to_have_text(SAVED)

        server.kill()
        # With the server gone, the next answer waits on the device.
        page.get_by_role("button", name="Next question").click()
        page.get_by_label("Your answer").fill("Typed while the server was down")
        expect(status(page)).to_have_text(OFFLINE, timeout=15000)

        server.start()
        expect(status(page)).to_have_text(SAVED, timeout=60000)
        page.reload()
        expect(page.get_by_role("heading", name="Question 3 of 3")).to_be_visible()
        expect(page.get_by_label("Your answer")).to_have_value("Typed while the server was down")
        page.get_by_role("button", name=re.compile(r"^Question 1\W+Answered")).click()
        expect(page.get_by_label("Visit the client at home", exact=True)).to_be_checked()
        page.get_by_role("button", name=re.compile(r"^Question 2\W+Answered")).click()
        expect(page.locator("input[type=checkbox]:checked")).to_have_count(2)
    finally:
        context.close()
        server.stop()

    check = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "PASSWORD_HASH_PROFILE": "fast"})
    _, saved, _ = answers_in(check, sitting_id)
    check.extensions["cop.db"].engine.dispose()
    assert saved == {1: "B", 2: ["A", "B"], 3: "Typed while the server was down"}
