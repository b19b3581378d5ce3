"""A judge with no role rates a paper's items with the keyboard alone (after a refused rating), gives
Ebel, Hofstee and Beuk judgements; the lead closes the round and sees the cut; the demo's finished
exercise, its dashboard and the set-up form — axe-core on every page, at 1280 and 320 px."""
from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser
_ids = itertools.count(1)


def _press(page, locator):
    """Activate a control from the keyboard: focus it as Tab would, then press Enter."""
    locator.focus()
    page.keyboard.press("Enter")


def _type_into(page, locator, text):
    locator.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def _exercise(live, tag: str):
    """A new exercise on the demo's finished sitting, led by a new examiner, one judge with no role."""
    from sqlalchemy import select

    from assessment.accounts import services as accounts
    from assessment.delivery.models import Sitting, SittingPaper
    from assessment.demo_scoring import FINISHED_SITTING_TITLE
    from core import db
    from core.roles import SYSTEM, Role
    from scoring.standard_setting import services

    now = dt.datetime.now(dt.timezone.utc)
    with live.app.app_context():
        session = db.session()
        sitting = session.scalar(select(Sitting).where(Sitting.title == FINISHED_SITTING_TITLE))
        paper_id = session.scalar(select(SittingPaper.exam_paper_id).where(SittingPaper.sitting_id == sitting.id))
        lead = accounts.create_user(session, actor=SYSTEM, email=f"lead{tag}@example.org", full_name=f"Lead {tag}",
                                    password=DEMO_PASSWORD, roles={Role.EXAMINER}, now=now, hash_profile="fast")
        judge = accounts.create_user(session, actor=SYSTEM, email=f"judge{tag}@example.org",
                                     full_name=f"Judge {tag}", password=DEMO_PASSWORD, roles=set(), now=now,
                                     hash_profile="fast")
        exercise = services.create_exercise(session, actor=lead.actor, now=now, title=f"Panel {tag}",
                                            exam_paper_id=paper_id, sitting_id=sitting.id,
                                            methods=["angoff", "ebel", "hofstee", "beuk"], n_rounds=2,
                                            shows_spread=True, shows_performance=True, judge_emails=[judge.email])
        n_items = len(services.paper_items(session, paper_id))
        session.commit()
        return exercise.id, lead.email, judge.email, n_items


def test_a_judge_rates_every_item_with_the_keyboard_and_the_lead_sees_the_cut(page, live):
    exercise_id, lead, judge, n_items = _exercise(live, f"k{next(_ids)}")
    sign_in(page, judge)
    page.goto("/notifications")
    _press(page, page.get_by_role("link", name=re.compile("You are a judge")).first)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Panel"))
    page.checked("judge-home")
    _press(page, page.get_by_role("link", name="Start rating"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Question 1 of {n_items}")
    expect(page.locator("#preview[data-rendered=player]")).to_have_count(1)  # the exam player drew the item
    page.checked("rate-item")

    rating = page.get_by_label(re.compile("just-competent case manager"))
    _type_into(page, rating, "140")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("from 0 to")
    page.checked("rate-item-error")
    for position in range(1, n_items + 1):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Question {position} of {n_items}")
        field = page.get_by_label(re.compile("just-competent case manager"))
        _type_into(page, field, "55%")
        page.keyboard.press("Enter")
    expect(page.get_by_text(f"{n_items} of {n_items} items rated")).to_be_visible()

    _press(page, page.get_by_role("link", name=re.compile("Your acceptable pass marks")))
    for label, value in (("Lowest acceptable pass mark", "40"), ("Highest acceptable pass mark", "65"),
                         ("Lowest acceptable fail rate", "10"), ("Highest acceptable fail rate", "35")):
        _type_into(page, page.get_by_label(re.compile(label)), value)
    page.checked("hofstee")
    _press(page, page.get_by_role("button", name=re.compile("Save the Hofstee")))
    expect(page.get_by_text("Hofstee judgement saved.")).to_be_visible()
    _press(page, page.get_by_role("link", name=re.compile("Your pass mark and expected pass rate")))
    page.checked("beuk")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"/standard-setting/{exercise_id}/ebel")
    page.checked("ebel-320")
    _press(page, page.get_by_role("button", name="Save the Ebel judgements"))
    expect(page.get_by_role("alert")).to_contain_text("Choose the relevance and difficulty")
    page.checked("ebel-error-320")
    page.goto(f"/standard-setting/{exercise_id}/angoff/1")
    page.checked("rate-item-320")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, lead)
    page.goto(f"/standard-setting/{exercise_id}")
    expect(page.get_by_role("row", name=re.compile("Modified Angoff"))).to_contain_text(re.compile(r"of \d+"))
    expect(page.get_by_role("cell", name=f"{n_items} of {n_items}")).to_be_visible()
    page.checked("dashboard-live")
    _press(page, page.get_by_role("button", name="Close round 1"))
    expect(page.get_by_text("Round closed.")).to_be_visible()
    _press(page, page.get_by_role("button", name="Release performance data to the judges"))
    expect(page.get_by_text("Performance data released to the judges.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Round 1: closed"))).to_be_visible()
    page.checked("dashboard-closed")

    # Between rounds the judge sees the panel's spread and the sitting's facility beside their own rating.
    page.context.clear_cookies()
    sign_in(page, judge)
    page.goto(f"/standard-setting/{exercise_id}/judge")
    expect(page.get_by_role("columnheader", name=re.compile("Panel round 1"))).to_be_visible()
    expect(page.get_by_role("columnheader", name="Facility in the sitting")).to_be_visible()
    expect(page.get_by_text(re.compile(r"would pass \d+(\.\d)?% of the"))).to_be_visible()
    page.checked("judge-between-rounds")


def test_the_demo_exercise_and_the_set_up_form(page, live):
    sign_in(page, "examiner@example.org")
    page.goto("/")
    _press(page, page.get_by_role("link", name="Standard setting"))
    page.checked("exercises")
    _press(page, page.get_by_role("link", name="Autumn 2026 pass mark panel"))
    expect(page.get_by_text("Finished after 2 rounds")).to_be_visible()
    expect(page.get_by_role("heading", name="Angoff ratings per item, round by round")).to_be_visible()
    expect(page.locator("svg[role=img]")).to_have_count(3)
    page.checked("demo-dashboard")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("demo-dashboard-320")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/standard-setting/new")
    page.checked("new")
    _press(page, page.get_by_role("button", name="Set up the exercise"))
    expect(page.get_by_role("alert")).to_contain_text("Enter a title for the exercise")
    page.checked("new-error")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("new-error-320")
