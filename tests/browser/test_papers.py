"""An examiner writes an exam spec, builds a paper by hand against the demo bank's approved case
studies, sees the live conformance table, and publishes the paper — axe-core on every page.

The demo bank's marks per theme are not fixed here, so the journey reads the paper's figures off
its conformance table and changes the spec to match them (a draft paper does not lock its spec).
"""
from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser
_ids = itertools.count(1)


def fill_spec(page, *, title, total, themes, cases=(2, 2)):
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Total marks", exact=True).fill(str(total))
    page.get_by_label("Total marks tolerance (plus or minus)").fill("0")
    page.get_by_label("Time allowed in minutes").fill("90")
    page.get_by_label("Least number of case studies").fill(str(cases[0]))
    page.get_by_label("Greatest number of case studies").fill(str(cases[1]))
    for theme, marks in themes.items():
        page.get_by_label(f"Theme {theme} target marks").fill(str(marks))
        page.get_by_label(f"Theme {theme} tolerance (plus or minus)").fill("0")


def actual(page, label):
    row = page.locator("#conformance tbody tr").filter(has=page.get_by_role("rowheader", name=label, exact=True))
    return int(row.locator("td").nth(1).inner_text().split()[0])


def test_examiner_writes_a_spec_builds_a_paper_by_hand_and_publishes_it(page):
    title = f"Browser spec {next(_ids)}"
    sign_in(page, "examiner@example.org")
    page.goto("/item-bank/specs")
    expect(page.get_by_role("heading", name="Exam specs")).to_be_visible()
    page.checked("specs")

    page.get_by_role("link", name="Create an exam spec").click()
    page.checked("new-spec")
    page.get_by_role("button", name="Create exam spec").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter the target marks for theme D")
    expect(page.locator(".error-summary")).to_be_focused()  # error-summary.js focuses it once loaded
    page.checked("new-spec-errors")

    # A spec no two case studies can meet: automatic assembly says why, and creates nothing.
    fill_spec(page, title=title, total=400, themes={"A": 100, "B": 100, "C": 100, "D": 100})
    page.get_by_role("button", name="Create exam spec").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.checked("spec")
    page.locator("#auto-title").fill("Automatic attempt")
    page.get_by_role("button", name="Build automatically").click()
    expect(page.get_by_role("heading", name="No paper can meet this spec")).to_be_visible()
    assert page.locator(".assembly-reasons li").count() >= 1
    page.checked("assembly-impossible")

    # By hand: two approved case studies, the table updating after each.
    page.locator("#title").fill("Hand-built paper")
    page.get_by_role("button", name="Start a paper by hand").click()
    expect(page.get_by_role("heading", name="Hand-built paper")).to_be_visible()
    expect(page.get_by_role("cell", name="No case studies yet.")).to_be_visible()
    page.checked("paper-empty")
    add_buttons = page.get_by_role("button", name=re.compile(r"^Add "))
    assert add_buttons.count() >= 2, "the demo bank holds fewer than two approved case studies"
    add_buttons.first.click()
    expect(page.get_by_role("cell", name="No case studies yet.")).to_have_count(0)
    page.get_by_role("button", name=re.compile(r"^Add ")).first.click()
    expect(page.locator("#conformance").get_by_text("✗ Not met").first).to_be_visible()
    page.checked("paper-two-case-studies")
    paper_url = page.url.split("#")[0]

    # Publishing cannot be undone, so it has a confirmation page; this one says why it cannot go ahead.
    page.get_by_role("link", name="Publish this paper").click()
    expect(page.get_by_role("heading", name="Publish this paper?")).to_be_visible()
    expect(page.get_by_text("does not meet its spec, so it cannot be published")).to_be_visible()
    expect(page.get_by_role("button", name="Yes, publish this paper")).to_have_count(0)
    page.checked("publish-refused")
    page.goto(paper_url)

    figures = {theme: actual(page, f"Theme {theme} marks") for theme in "ABCD"}
    total = actual(page, "Total marks")

    # The spec changes to fit (the paper is still a draft), and the paper then meets it.
    page.get_by_role("link", name="Back to the exam spec").click()
    page.get_by_role("link", name="Change this spec").click()
    page.checked("edit-spec")
    fill_spec(page, title=title, total=total, themes=figures)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Exam spec saved.")).to_be_visible()
    page.goto(paper_url)
    expect(page.get_by_text("This paper meets every constraint of its spec.")).to_be_visible()
    page.checked("paper-conforms")
    page.get_by_role("link", name="Publish this paper").click()
    expect(page.get_by_text("Publishing cannot be undone.")).to_be_visible()
    page.checked("confirm-publish")
    page.get_by_role("button", name="Yes, publish this paper").click()
    expect(page.get_by_text("is published. It can no longer change.")).to_be_visible()
    expect(page.get_by_text("A published paper never changes.")).to_be_visible()
    expect(page.get_by_role("link", name="Publish this paper")).to_have_count(0)
    expect(page.get_by_role("link", name="Delete this draft paper")).to_have_count(0)
    page.checked("paper-published")

    # Its spec is locked now; the page offers a copy.
    page.get_by_role("link", name="Back to the exam spec").click()
    expect(page.get_by_text("This spec cannot be changed: a published paper uses it.")).to_be_visible()
    page.goto(page.url.split("#")[0] + "/edit")
    expect(page.get_by_role("heading", name="This exam spec cannot be changed")).to_be_visible()
    page.checked("spec-locked")
    page.get_by_role("button", name="Copy as a new spec").click()
    expect(page.get_by_role("heading", name="Change exam spec")).to_be_visible()
    assert page.get_by_label("Title", exact=True).input_value() == f"Copy of {title}"
    page.checked("spec-copy")
    page.goto("/item-bank/papers")
    expect(page.get_by_role("link", name="Hand-built paper").first).to_be_visible()
    page.checked("papers")
