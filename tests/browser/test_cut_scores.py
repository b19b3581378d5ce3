"""An examiner records a cut-score decision on the demo sitting's final run, keyboard only (after an
error summary), sees the pass mark before recording it, and a second examiner approves it; the
decider is never offered the approval. The equating pages refuse a run equated onto itself with the
reason. axe-core on every page, at 1280 and 320 px."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser


def _demo_run(live) -> tuple[int, int]:
    from sqlalchemy import select

    from assessment.delivery.models import Sitting
    from assessment.demo_scoring import FINISHED_SITTING_TITLE
    from core import db
    from scoring.runs.models import ScoringRun

    with live.app.app_context():
        session = db.session()
        sitting_id = session.scalar(select(Sitting.id).where(Sitting.title == FINISHED_SITTING_TITLE))
        run_id = session.scalar(select(ScoringRun.id).where(ScoringRun.sitting_id == sitting_id,
                                                            ScoringRun.is_provisional.is_(False))
                                .order_by(ScoringRun.id.desc()))
        return sitting_id, run_id


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()


def test_an_examiner_records_a_decision_and_another_approves_it(page, live):
    sitting_id, run_id = _demo_run(live)
    sign_in(page, "examiner@example.org")
    expect(page.get_by_role("link", name="Your dashboard")).to_be_visible()
    page.goto(f"/scoring/sittings/{sitting_id}/cut-scores")
    expect(page.get_by_role("heading", name="Cut-score decisions")).to_be_visible()
    expect(page.get_by_text("The pass mark that stands is")).to_be_visible()  # the demo's approved decision
    page.checked("decisions")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("decisions-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Record a decision").click()
    expect(page.get_by_role("heading", name="Record a cut-score decision")).to_be_visible()
    page.checked("new")
    # Nothing filled in: the error summary lists each problem, and each field says its own.
    page.get_by_role("button", name="Check the pass mark").press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Choose the scoring run")
    expect(summary).to_contain_text("Give the reasons")
    page.checked("new-errors")

    # Keyboard only, field by field in page order.
    page.get_by_label("Scoring run").focus()
    page.keyboard.press("ArrowDown")  # the one final run
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # Modified Angoff
    page.keyboard.press("Tab")  # the exercise: none
    page.keyboard.press("Tab")
    page.keyboard.type("27.6")
    page.keyboard.press("Tab")
    page.keyboard.type("1.3")
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    page.keyboard.press("Tab")  # rounding: "up" is chosen
    page.keyboard.press("Tab")
    page.keyboard.type("The panel met again after the item review and lowered its Angoff cut by a mark.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Check the pass mark")).to_be_focused()
    page.keyboard.press("Enter")
    preview = page.locator("section.panel")
    expect(preview).to_contain_text("Pass mark 32")  # 27.6 + 1 × SEM 4.31 = 31.91, rounded up
    expect(preview).to_contain_text("Within ±1 SEM of the pass mark")
    page.checked("new-checked")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("new-checked-320")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Record the decision").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile(r"Cut-score decision \d+"))).to_be_visible()
    expect(page.get_by_text("Awaiting approval")).to_be_visible()
    expect(page.get_by_text("You made this decision, so a second examiner approves it.")).to_be_visible()
    expect(page.get_by_role("button", name="Approve the decision")).to_have_count(0)
    decision_url = page.url
    page.checked("decision-awaiting")

    _sign_out(page)
    sign_in(page, "marker@example.org")
    expect(page.get_by_role("link", name="Your dashboard")).to_be_visible()
    page.goto(decision_url)
    expect(page.get_by_role("button", name="Approve the decision")).to_be_visible()
    page.checked("decision-to-approve")
    page.get_by_label("Comment (optional)").fill("Agreed at the examiners' board.")
    page.get_by_role("button", name="Approve the decision").click()
    expect(page.get_by_text("Decision approved")).to_be_visible()
    expect(page.locator(".tag--approved")).to_be_visible()
    page.checked("decision-approved")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("decision-approved-320")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/scoring/sittings/{sitting_id}/cut-scores")
    expect(page.get_by_text("The pass mark that stands is 32")).to_be_visible()
    expect(page.get_by_text("Superseded by a later decision")).to_be_visible()


def test_equating_pages_say_why_they_cannot_equate(page, live):
    sitting_id, run_id = _demo_run(live)
    sign_in(page, "examiner@example.org")
    expect(page.get_by_role("link", name="Your dashboard")).to_be_visible()
    page.goto(f"/scoring/runs/{run_id}/equating")
    expect(page.get_by_role("heading", name=f"Equate a standard onto run {run_id}")).to_be_visible()
    expect(page.get_by_text("Cuts already decided for run")).to_be_visible()
    page.checked("equating")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("equating-320")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/scoring/runs/{run_id}/equating?from_run={run_id}&link=anchored")
    expect(page.get_by_text("Choose a run of another paper to equate to.")).to_be_visible()
    page.checked("equating-refused")
    page.goto(f"/scoring/runs/{run_id}/equating/decision?from_run={run_id}&link=anchored")
    expect(page.get_by_text("Choose a run of another paper to equate to.")).to_be_visible()
    page.checked("equated-decision-refused")
