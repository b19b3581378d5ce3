"""The invigilators' live list refreshes itself, but never takes keyboard focus away (WCAG 2.4.3), can
be paused and resumed (WCAG 2.2.2), and announces real changes politely."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.assessment.delivery.player_data import SHORT
from tests.browser.test_exam_player import exam_in, start_exam
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser


def answered(page, email):
    row = page.locator("#live-table tbody tr").filter(has_text=email)
    return row.locator("td").nth(1).inner_text()


def test_the_live_list_keeps_focus_can_be_paused_and_announces_changes(page, browser, live):
    sitting_id, email = exam_in(live, items=SHORT)
    candidate = browser.new_context(base_url=live.url, locale="en-GB").new_page()
    sign_in(candidate, email)
    start_exam(candidate, sitting_id)

    page.clock.install()
    sign_in(page, "invigilator@example.org")
    page.goto(f"/staff/sittings/{sitting_id}/live")
    assert answered(page, email) == "0 of 3"
    manage = page.get_by_role("link", name=re.compile("^Manage the attempt of"))
    manage.focus()
    page.checked("live-list")

    candidate.get_by_label("Visit the client at home", exact=True).check()
    expect(candidate.locator("#save-status")).to_have_text("All answers saved")
    page.clock.fast_forward("00:16")
    expect(page.locator("#live-announcer")).to_have_text("The live list was updated: 1 candidate changed.")
    assert answered(page, email) == "1 of 3"
    assert page.evaluate("() => document.activeElement.dataset.focusKey || ''").startswith("manage-"), \
        "the refresh took keyboard focus away"

    # Paused: nothing changes on the screen until the person resumes.
    page.get_by_role("button", name="Pause updates").click()
    expect(page.get_by_role("button", name="Resume updates")).to_have_attribute("aria-pressed", "true")
    candidate.get_by_role("button", name="Next question").click()
    candidate.get_by_label("The consent form", exact=True).check()
    expect(candidate.locator("#save-status")).to_have_text("All answers saved")
    page.clock.fast_forward("01:00")
    page.wait_for_load_state("networkidle")
    assert answered(page, email) == "1 of 3"
    page.checked("live-list-paused")

    page.get_by_role("button", name="Resume updates").click()
    expect(page.locator("#live-table tbody tr").filter(has_text=email).locator("td").nth(1)).to_have_text("2 of 3")
    expect(page.get_by_role("button", name="Pause updates")).to_have_attribute("aria-pressed", "false")
    candidate.context.close()
