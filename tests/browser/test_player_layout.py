"""The exam player's layout: every question fits 320 CSS pixels at every text size; at 200 % zoom the
timer and the save status stay on screen while the candidate scrolls, without hiding what has focus;
and a table in a case study wraps between words, never inside one ("Weig/ht")."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.assessment.delivery.player_data import ALL_TYPES, make_exam
from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_crawl import _WIDEST_JS
from tests.browser.test_exam_player import start_exam
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser

# A case study with a table of measurements, as writers paste them in: long words in narrow columns.
SCENARIO = ("<h2>Progress</h2><p>Measurements recorded by the physiotherapist at each review.</p>"
            "<table><thead><tr><th>Date</th><th>Weight</th><th>Mobility</th><th>Independence</th>"
            "<th>Accommodation</th><th>Responsibility</th></tr></thead>"
            "<tbody><tr><td>January</td><td>Weight stable</td><td>Wheelchair</td><td>Dependent</td>"
            "<td>Hospital rehabilitation</td><td>Neurorehabilitation consultant</td></tr>"
            "<tr><td>March</td><td>Weight increasing</td><td>Walking frame</td><td>Supervised</td>"
            "<td>Parents' bungalow</td><td>Community occupational therapist</td></tr></tbody></table>"
            "<p>Jamie wants to return to work as an electrician.</p>" + "<p>Further notes from the review.</p>" * 12)


def exam_with_a_table(live):
    from sqlalchemy import select

    from core import db
    from item_bank.models import ExamPaperEntry

    with live.app.app_context():
        session = db.session()
        sitting, candidate = make_exam(session, items=ALL_TYPES, password=DEMO_PASSWORD)
        entry = session.scalars(select(ExamPaperEntry).where(
            ExamPaperEntry.exam_paper_id == sitting.papers[0].exam_paper_id)).one()
        entry.case_study_version.scenario_html = SCENARIO
        session.commit()
        return sitting.id, candidate.email


WIDTH_JS = "() => document.documentElement.scrollWidth"

# Every word of every cell of the case study's tables: does it lie on one line?
BROKEN_WORDS_JS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('#scenario td, #scenario th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


# Is the focused control covered by something else (the sticky bar) where it is drawn?
COVERED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return null;
  const x = Math.min(Math.max(r.left + r.width / 2, 0), window.innerWidth - 1);
  const y = Math.min(Math.max(r.top + Math.min(r.height / 2, 10), 0), window.innerHeight - 1);
  const top = document.elementFromPoint(x, y);
  if (!top || el.contains(top) || top.contains(el)) return null;
  return `${el.tagName} ${el.id || el.textContent.trim().slice(0, 40)} under ${top.tagName}.${top.className}`;
}"""


def visit_every_question(page):
    """Yield once per question, going forward with the Next button."""
    count = len(ALL_TYPES)
    for number in range(1, count + 1):
        expect(page.get_by_role("heading", name=f"Question {number} of {count}")).to_be_visible()
        yield number
        if number < count:
            page.get_by_role("button", name="Next question").click()


@pytest.mark.parametrize("size", ["normal", "large", "larger"])
def test_every_question_fits_320_pixels_at_every_text_size(page, live, size):
    sitting_id, email = exam_with_a_table(live)
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(page, email)
    start_exam(page, sitting_id)
    page.get_by_label("Text size").select_option(size)
    too_wide = {}
    for number in visit_every_question(page):
        width = page.evaluate(WIDTH_JS)
        if width > 320:
            too_wide[number] = f"{width} px ({page.evaluate(_WIDEST_JS, 320)})"
    assert too_wide == {}, f"questions wider than 320 px at text size {size}: {too_wide}"
    assert page.evaluate(BROKEN_WORDS_JS) == [], "words in the case study's table are broken across lines"
    page.checked(f"narrow-{size}")


def test_the_timer_and_the_save_status_stay_on_screen_at_200_percent_zoom(page, live):
    sitting_id, email = exam_with_a_table(live)
    # 200 % zoom of a 1280 × 800 window is a 640 × 400 CSS-pixel viewport.
    page.set_viewport_size({"width": 640, "height": 400})
    sign_in(page, email)
    start_exam(page, sitting_id)
    page.get_by_label("Visit the client at home", exact=True).check()
    expect(page.locator("#save-status")).to_have_text("All answers saved")

    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    for selector in ("#timer", "#save-status"):
        box = page.locator(selector).bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 400, f"{selector} scrolled away"
    bar = page.locator(".player-bar").bounding_box()
    assert bar["height"] <= 400 / 2, "the bar takes more than half of the screen"

    # Moving focus by keyboard never leaves the focused control under the bar.
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    for _ in range(25):
        page.keyboard.press("Shift+Tab")
        covered = page.evaluate(COVERED_JS)
        assert covered is None, f"a focused control is hidden under the bar: {covered}"
    assert page.evaluate(BROKEN_WORDS_JS) == [], "words in the case study's table are broken across lines"
    page.checked("zoom-200")
