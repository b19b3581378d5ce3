""""Preview as a candidate" is drawn by the exam player's own code, read-only: an ordering item looks as
it will in the exam (shuffled, with Move up and Move down), nothing can be answered, and no key,
rubric, model answer or rationale reaches the page. An examiner previews a whole paper the same way."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.assessment.delivery.player_data import ALL_TYPES, ORDERING, SECRET, make_exam_paper
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def paper_in(live):
    from core import db

    with live.app.app_context():
        session = db.session()
        paper = make_exam_paper(session, items=ALL_TYPES, title="Preview: Jamie, 24")
        version = paper.entries[0].case_study_version
        ids = (paper.id, version.case_study_id, version.number)
        session.commit()
        return ids


def assert_nothing_for_examiners_only(page):
    page.wait_for_load_state()
    html = page.content()
    assert SECRET not in html
    data = page.locator("#preview").get_attribute("data-preview") or ""
    for name in ('"key"', '"rationale"', '"rubric"', '"model_answer"', '"substandards"', '"estimated_facility"'):
        assert name not in data, f"{name} reached the candidate's preview"


def test_preview_of_a_case_study_uses_the_players_rendering_read_only(page, paper_in):
    _, case_study_id, number = paper_in
    sign_in(page, "examiner@example.org")
    page.goto(f"/item-bank/case-studies/{case_study_id}/versions/{number}")
    page.get_by_role("link", name="Preview as a candidate will see it").click()
    expect(page.locator("#preview")).to_have_attribute("data-rendered", "player")
    expect(page.get_by_role("heading", name="Question 1 of 5")).to_be_visible()
    expect(page.get_by_role("heading", name="Question 5 of 5")).to_be_visible()

    # The ordering item as in the exam: the player's rows and buttons, never in the correct order.
    rows = page.locator(".ordering__text").all_inner_texts()
    by_id = {o["id"]: o["text"] for o in ORDERING["options"]}
    assert sorted(rows) == sorted(by_id.values())
    assert rows != [by_id[k] for k in ORDERING["key"]], "the preview gave the correct order away"
    expect(page.get_by_role("button", name=re.compile("^Move up: ")).first).to_be_disabled()

    # Read-only: nothing can be chosen.
    expect(page.get_by_label("Visit the client at home", exact=True)).to_be_disabled()
    assert_nothing_for_examiners_only(page)
    page.checked("case-study-preview")

    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    page.checked("case-study-preview-narrow")


def test_an_examiner_previews_a_whole_paper(page, paper_in):
    paper_id, _, _ = paper_in
    sign_in(page, "examiner@example.org")
    page.goto(f"/item-bank/papers/{paper_id}")
    page.get_by_role("link", name="Preview the whole paper as a candidate will see it").click()
    expect(page.locator("#preview")).to_have_attribute("data-rendered", "player")
    expect(page.get_by_role("heading", name="Preview: Jamie, 24")).to_be_visible()
    for number in range(1, 6):
        expect(page.get_by_role("heading", name=f"Question {number} of 5")).to_be_visible()
    expect(page.get_by_label("Your answer")).to_be_disabled()
    assert_nothing_for_examiners_only(page)
    page.checked("paper-preview")
