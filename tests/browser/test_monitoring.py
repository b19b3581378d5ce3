"""Equality monitoring and DIF in a real browser: a candidate consents, answers and withdraws with
the keyboard only (a missing tick first); an administrator reads and changes the questions; an
examiner reads the demo run's DIF report by sex and follows the flagged item — axe-core on every
page, at 1280 px and (for the candidate's page) 320 px wide."""
from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, new_person
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser
_ids = itertools.count(1)


def _press(page, locator, key: str = "Enter"):
    """Activate a control from the keyboard: focus it as Tab would, then press a key."""
    locator.focus()
    page.keyboard.press(key)


def _candidate(live) -> str:
    from core.roles import Role

    return new_person(live, Role.CANDIDATE, "Monitored Candidate", "monitored")


def test_a_candidate_consents_answers_and_withdraws_with_the_keyboard_only(page, live):
    sign_in(page, _candidate(live))
    _press(page, page.get_by_role("link", name="Equality monitoring (optional)"))
    expect(page.get_by_role("heading", name="Equality monitoring (optional)")).to_be_visible()
    page.checked("monitoring-before-consent")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("monitoring-before-consent-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    _press(page, page.get_by_role("button", name="Give consent"))  # without the tick: refused
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Tick the box to give your consent")).to_be_visible()
    page.checked("monitoring-consent-error")
    _press(page, page.get_by_role("link", name="Tick the box to give your consent"))
    _press(page, page.get_by_label("I agree to my answers being used as described above"), "Space")
    _press(page, page.get_by_role("button", name="Give consent"))
    expect(page.get_by_text("Thank you: your consent is recorded")).to_be_visible()
    page.checked("monitoring-questions")

    sex = page.get_by_role("group", name="What is your sex?")
    _press(page, sex.get_by_label("Female"), "Space")
    ethnic = page.get_by_role("group", name="What is your ethnic group?")
    _press(page, ethnic.get_by_label("Prefer not to say"), "Space")
    _press(page, page.get_by_role("button", name="Save answers"))
    expect(page.get_by_text("Your answers have been saved (2 questions answered)")).to_be_visible()
    expect(page.get_by_role("group", name="What is your sex?").get_by_label("Female")).to_be_checked()
    page.checked("monitoring-answered")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("monitoring-answered-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    _press(page, page.get_by_role("button", name="Withdraw consent and delete my answers"))
    expect(page.get_by_text("Your consent is withdrawn and your answers are deleted")).to_be_visible()
    expect(page.get_by_text(re.compile("You withdrew your consent on"))).to_be_visible()
    expect(page.get_by_role("group", name="What is your sex?")).to_have_count(0)
    page.checked("monitoring-withdrawn")


def test_an_administrator_reads_and_changes_the_questions(page, live):
    sign_in(page, "admin@example.org")
    page.get_by_role("link", name="Equality monitoring questions").click()
    expect(page.get_by_role("heading", name="Equality monitoring questions")).to_be_visible()
    page.checked("admin-monitoring")
    page.get_by_role("link", name="Add a question").click()
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.checked("admin-monitoring-new-errors")
    tag = next(_ids)
    page.get_by_label("Question").fill(f"Do you have caring responsibilities ({tag})?")
    page.get_by_label("Answers").fill("Yes\nNo")
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text(f"Do you have caring responsibilities ({tag})?").first).to_be_visible()
    row = page.get_by_role("row").filter(has_text=f"Do you have caring responsibilities ({tag})?")
    row.get_by_role("button", name=re.compile("^Stop asking")).click()
    expect(page.get_by_text("is no longer asked from now on")).to_be_visible()
    page.checked("admin-monitoring-changed")


def test_an_examiner_reads_the_demo_runs_dif_report(page, live):
    from sqlalchemy import select

    from assessment.demo_scoring import FINISHED_SITTING_TITLE
    from assessment.delivery.models import Sitting
    from core import db
    from scoring.runs.models import ScoringRun

    with live.app.app_context():
        session = db.session()
        sitting_id = session.scalar(select(Sitting.id).where(Sitting.title == FINISHED_SITTING_TITLE))
        run_id = session.scalar(select(ScoringRun.id).where(ScoringRun.sitting_id == sitting_id)
                                .order_by(ScoringRun.id))
    sign_in(page, "examiner@example.org")
    page.goto(f"/scoring/runs/{run_id}")
    page.get_by_role("link", name="Fairness by group (DIF report)").click()
    expect(page.get_by_role("heading", name=re.compile("Differential item functioning"))).to_be_visible()
    page.checked("dif-choose-question")
    page.get_by_label("Monitoring question").select_option(label="What is your sex?")
    page.get_by_role("button", name="Choose the groups").click()
    expect(page.get_by_label("Reference group")).to_be_visible()
    expect(page.get_by_role("heading", name="There is a problem")).to_have_count(0)
    page.checked("dif-choose-groups")
    page.get_by_label("Reference group").select_option(label="Male")
    page.get_by_label("Focal group").select_option(label="Male")
    page.get_by_role("button", name="Show the DIF report").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.checked("dif-same-group")
    page.get_by_label("Focal group").select_option(label="Female")
    page.get_by_role("button", name="Show the DIF report").click()
    expect(page.get_by_role("heading", name="What is your sex?: Female compared with Male")).to_be_visible()
    flagged = page.locator("#large-dif").get_by_role("link")
    expect(flagged.first).to_be_visible()
    page.checked("dif-report")
    flagged.first.click()
    expect(page).to_have_url(re.compile(r"/item-bank/items/\d+$"))
