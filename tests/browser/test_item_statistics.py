"""An examiner finds a flagged item through the bank's filters, reads its statistics per version
and sitting (flags in words, options, earlier runs, the run's link) at 1280 and 320 px, and sends it
back to review — axe-core on every page. The statistics are seeded through the item bank's own
service, as a scoring run records them."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser
_ids = itertools.count(1)


def seed_flagged_case_study(live, title: str) -> int:
    """An approved case study of three items written by the demo writer; its first item has two runs
    of the most recent sitting (the latest flagged) and one of an earlier one. Returns the first item's id."""
    from sqlalchemy import func, select

    from assessment.accounts import services as accounts
    from core import db
    from core.roles import SYSTEM
    from item_bank.authoring import services as authoring
    from item_bank.review import services as review
    from item_bank.statistics.services import ItemStatisticsRow, OptionStatistic, record_item_statistics
    from item_bank.statistics.models import ItemStatistic
    from item_bank.workflow import Action
    from tests.factories import sba_content

    now = dt.datetime.now(dt.timezone.utc)
    with live.app.app_context():
        session = db.session()
        writer = accounts.find_user_by_email(session, "writer@example.org").actor
        reviewer = accounts.find_user_by_email(session, "reviewer@example.org").actor
        version = authoring.create_case_study(session, actor=writer, title=title, now=now,
                                              scenario_html="<p>Sam, 58, had a stroke and wants to go home.</p>")
        for n in range(3):
            authoring.save_item(session, actor=writer, version_id=version.id, now=now,
                                content=sba_content(stem=f"Statistics question {n + 1}: what first?"))
        for action in (Action.SUBMIT, Action.START_REVIEW, Action.APPROVE):
            review.transition(session, actor=writer if action == Action.SUBMIT else reviewer, version_id=version.id,
                              action=action, comment="Fine", now=now)
        session.refresh(version)
        first = version.item_versions[0]
        # Run ids beyond any the demo data may have, so that this test's runs are its own.
        run = (session.scalar(select(func.max(ItemStatistic.scoring_run_id))) or 0) + 1000
        options = (OptionStatistic("A", False, 0.41, 0.22, 0.55, 0.30), OptionStatistic("B", True, 0.35, 0.05, 0.30, 0.38),
                   OptionStatistic("C", False, 0.14, -0.18, 0.08, 0.20), OptionStatistic("D", False, 0.10, -0.11, 0.07, 0.12))
        # Autumn is scored first; spring, scored later, is the most recent sitting (and flagged).
        record_item_statistics(session, actor=SYSTEM, scoring_run_id=run, sitting_id=900002,
                               sitting_title="Browser sitting, autumn", is_provisional=False, now=now,
                               rows=[ItemStatisticsRow(item_version_id=first.id, n_candidates=280, max_mark=1,
                                                       facility=0.52, pbis=0.41, pbis_corrected=0.33,
                                                       upper_lower=0.47, alpha_if_deleted=0.842)])
        for run_id, provisional, flags in ((run + 1, True, ()), (run + 2, False, ("possible_miskey", "low_discrimination"))):
            record_item_statistics(session, actor=SYSTEM, scoring_run_id=run_id, sitting_id=900001,
                                   sitting_title="Browser sitting, spring", is_provisional=provisional, now=now,
                                   rows=[ItemStatisticsRow(item_version_id=first.id, n_candidates=312, max_mark=1,
                                                           facility=0.35, pbis=0.18, pbis_corrected=0.09,
                                                           upper_lower=0.08, alpha_if_deleted=0.861, flags=flags,
                                                           distractors=options)])
        session.commit()
        return first.item_id


def fits(page, width: int) -> bool:
    page.set_viewport_size({"width": width, "height": 900})
    return page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_examiner_reads_an_items_statistics_and_sends_it_back_to_review(page, live):
    title = f"Statistics journey {next(_ids)}"
    item_id = seed_flagged_case_study(live, title)
    sign_in(page, "examiner@example.org")

    # The bank: only flagged items, by keyboard.
    page.goto("/item-bank")
    page.get_by_label("Flags in the latest sitting").select_option("flagged")
    page.get_by_label("Facility in the latest sitting, to").fill("0.4")
    page.get_by_role("button", name="Filter").press("Enter")
    page.wait_for_url("**flagged=flagged**")
    expect(page.get_by_role("link", name=title)).to_be_visible()
    page.checked("bank-flagged")

    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name="statistics and history of item 1").click()
    expect(page.get_by_role("heading", name=f"Item {item_id}")).to_be_visible()
    expect(page.get_by_role("heading", name="Statistics by version and sitting")).to_be_visible()
    body = page.locator("main").inner_text()
    for words in ("Browser sitting, spring", "Browser sitting, autumn", "Possible miskey: another option behaves like the key",
                  "Low discrimination", "Flagged", "How candidates chose each option", "Earlier runs of this sitting",
                  "Provisional", "0.35", "0.52", "0.861"):
        assert words in body, words
    run_links = page.locator("main a[href^='/scoring/runs/']")
    expect(run_links).to_have_count(3)
    page.checked("item-statistics")
    assert fits(page, 320), "the item's statistics are wider than 320 px"
    page.checked("item-statistics-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Send it back to review, keyboard only: an empty note is refused, then a note is sent.
    page.get_by_role("link", name="Send this item back to review").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/send-back")
    expect(page.get_by_role("heading", name=f"Send item {item_id} back to review")).to_be_visible()
    page.checked("send-back")
    page.get_by_role("button", name="Send back to review").press("Enter")
    summary = page.locator(".error-summary")
    summary.wait_for()
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Say what the writers should look at")
    page.checked("send-back-errors")
    assert fits(page, 320), "the send-back page is wider than 320 px"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("What should the writers look at?").fill("Option A draws the strongest candidates; check the key.")
    page.get_by_role("button", name="Send back to review").press("Enter")
    page.wait_for_url("**/versions/2#history")
    expect(page.get_by_text("Sent back to review").first).to_be_visible()
    history = page.locator("main").inner_text()
    assert "Option A draws the strongest candidates; check the key." in history and "Possible miskey" in history
    page.checked("sent-back")
