"""A reviewer works through a demo-like invigilated attempt: the list, the timeline (with snapshots
through the evidence route), one flag dismissed keyboard-only, one confirmed, an outcome refused
without reasons and then recorded, the incident report; axe-core on every page at 1280 and 320 px."""
from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser

_ids = itertools.count(1)


def demo_like_attempt(live) -> tuple[int, str]:
    """A closed invigilated sitting with a finished attempt like the demo's, its two flags undecided."""
    from assessment.accounts import services as accounts
    from assessment.accounts.services import find_user_by_email
    from core import db
    from core.clock import utcnow
    from core.roles import SYSTEM, Role
    from proctoring.demo import closed_sitting, finished_attempt
    from tests.browser.conftest import DEMO_PASSWORD

    n = next(_ids)
    with live.app.app_context():
        session = db.session()
        now = utcnow()
        name = f"Robin Reviewed-{n}"
        candidate = accounts.create_user(session, actor=SYSTEM, email=f"reviewed.candidate{n}@example.org",
                                         full_name=name, password=DEMO_PASSWORD, roles={Role.CANDIDATE}, now=now,
                                         hash_profile="fast")
        sitting = closed_sitting(session, now, None, title=f"Invigilated sitting for review {n}")
        attempt = finished_attempt(session, live.app.extensions["cop.media"], sitting, candidate,
                                   find_user_by_email(session, "invigilator@example.org"), now, reviewed=False)
        session.commit()
        return attempt.id, name


def at_320(page, name):
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked(f"{name}-320")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_reviewer_decides_the_flags_and_records_the_outcome(page, live):
    attempt_id, name = demo_like_attempt(live)
    sign_in(page, "invigilator@example.org")
    page.get_by_role("link", name="Invigilation review").click()
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("Awaiting review")
    expect(row.locator("td").nth(2)).to_have_text("2")  # flags open
    page.checked("review-list")
    at_320(page, "review-list")

    row.get_by_role("link", name=re.compile(name)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Timeline of {name}'s attempt")
    # A long attempt is paged: the second face is further on.
    two_faces = page.get_by_role("heading", name="Faces counted by the server: 2 faces")
    for _ in range(6):
        if two_faces.count():
            break
        page.get_by_role("link", name="Next page").click()
        expect(page.locator("#entries-count")).to_be_visible()
    expect(two_faces).to_be_visible()
    page.goto(f"/invigilation/attempts/{attempt_id}/timeline")
    snapshot = page.locator("img.review-timeline__thumb").first
    expect(snapshot).to_have_attribute("alt", re.compile("^Check-in: photo of the candidate at "))
    snapshot.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=snapshot.element_handle())
    page.checked("timeline")
    at_320(page, "timeline")
    # The filter narrows the list to one type of entry.
    page.get_by_label(re.compile(r"^Messages \(")).check()
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#entries-count")).to_contain_text("(filtered)")
    expect(page.locator(".review-timeline__entry")).to_have_count(2)  # the message and its acknowledgement
    page.goto(f"/invigilation/attempts/{attempt_id}/timeline")

    # The first flag, keyboard-only: Tab to the decision, arrow to "Dismiss", type the note, Enter.
    page.get_by_role("link", name=re.compile("^Decide on the flag “Away from the exam's tab”")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decide on the flag “Away from the exam's tab”")
    page.checked("flag-decision")
    at_320(page, "flag-decision")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.name") == "decision":
            break
    else:
        pytest.fail("the decision's radios are not reachable with Tab")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label(re.compile("^Dismiss the flag"))).to_be_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "note"
    page.keyboard.type("A low-battery warning; the snapshots show the candidate at the desk.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("The flag “Away from the exam's tab” is dismissed.")).to_be_visible()

    # The second flag with the mouse; a note is required.
    page.get_by_role("link", name=re.compile("^Decide.*More than one face seen")).first.click()
    page.get_by_label(re.compile("^Confirm the flag")).check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter a note")
    page.checked("flag-decision-error")
    page.get_by_label("Note").fill("A second person is visible behind the candidate.")
    page.get_by_role("button", name="Record the decision").click()
    flags = page.locator(".review-flags__flag")
    expect(flags.filter(has_text="Away from the exam's tab")).to_contain_text("Dismissed")
    expect(flags.filter(has_text="More than one face seen")).to_contain_text("Confirmed")

    # The outcome: reasons are required, then it is recorded and shown.
    page.get_by_role("link", name="Record the outcome").click()
    page.checked("outcome")
    at_320(page, "outcome")
    page.get_by_label("Concern noted").check()
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter the reasons")
    page.checked("outcome-error")
    page.get_by_label("Reasons").fill("Another person was seen once; the tab-hidden flag was explained.")
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator("#outcome")).to_contain_text("Concern noted")
    page.get_by_label(re.compile(r"^Review decisions and outcomes \(")).check()
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Outcome recorded: Concern noted")).to_be_visible()
    expect(page.get_by_role("heading", name="Dismissed the flag “Away from the exam's tab”")).to_be_visible()

    page.get_by_role("link", name="Read the incident report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invigilation incident report")
    expect(page.locator(".incident-report")).to_contain_text("A second person is visible behind the candidate.")
    page.checked("incident-report")
    at_320(page, "incident-report")
