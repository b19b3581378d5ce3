"""An item writer writes a case study with every item type; a reviewer returns it, then approves it;
an edit after approval makes version 2 while version 1 stays intact. axe-core on every page."""
from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.two_factor import complete_second_factor

pytestmark = pytest.mark.browser
_titles = itertools.count(1)


def sign_in(page, email):
    page.context.clear_cookies()
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    complete_second_factor(page, email)


def common(page, stem, primary):
    page.get_by_label("Question (stem)").fill(f"<p>{stem}</p>")
    page.get_by_label("Primary sub-standard").select_option(primary)
    page.get_by_label("Rationale for examiners").fill("Because it addresses the risk first.")
    page.get_by_label("Estimated facility (optional)").fill("0.6")


def add(page, type_name):
    page.get_by_role("link", name=f"Add a {type_name} item").click()


def test_write_review_approve_and_version(page):
    title = f"Spinal cord injury and a new support team {next(_titles)}"
    sign_in(page, "writer@example.org")
    page.goto("/item-bank/case-studies/new")
    page.checked("new-case-study")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Scenario").fill("<p>Sam, 31, has a T6 spinal cord injury.</p><ul><li>Deputy appointed</li></ul>")
    page.get_by_role("button", name="Save case study").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.checked("version-draft")

    add(page, "single best answer")
    page.checked("item-form-sba")
    page.get_by_role("button", name="Save item").click()  # empty: errors beside fields and in a summary
    expect(page.locator(".error-summary")).to_be_visible()
    page.checked("item-form-errors")
    common(page, "What should the case manager do first?", "1.1")
    for letter, text in zip("ABCD", ["Book physiotherapy", "Assess the risks at home", "Write to the deputy",
                                      "Close the case"]):
        page.get_by_label(f"Option {letter}", exact=True).fill(text)
    page.locator("input[name=key][value=B]").check()
    page.get_by_role("button", name="Save item").click()
    expect(page.get_by_text("Item saved.")).to_be_visible()

    add(page, "multiple response")
    common(page, "Which two records must be kept?", "11.7")
    for letter, text in zip("ABCDE", ["Consent", "Gossip", "Risk assessment", "Holiday plans", "Opinions"]):
        page.get_by_label(f"Option {letter}", exact=True).fill(text)
    page.get_by_label("How many options must the candidate choose?").fill("2")
    page.locator("input[name=key][value=A]").check()
    page.locator("input[name=key][value=C]").check()
    page.get_by_label("Partial credit", exact=False).check()
    page.get_by_role("button", name="Save item").click()
    expect(page.get_by_text("Item saved.")).to_be_visible()

    add(page, "extended matching")
    common(page, "Match each situation with the most relevant law.", "1.2")
    page.get_by_label("The shared option list, one option per line").fill(
        "Mental Capacity Act 2005\nCare Act 2014\nData Protection Act 2018\nEquality Act 2010\nChildren Act 1989")
    page.get_by_label("Scenario 1", exact=True).fill("Deciding whether Sam can choose his own carers")
    page.get_by_label("Matching option for scenario 1").select_option("A")
    page.get_by_label("Scenario 2", exact=True).fill("A request to see Sam's notes")
    page.get_by_label("Matching option for scenario 2").select_option("C")
    page.get_by_role("button", name="Save item").click()
    expect(page.get_by_text("Item saved.")).to_be_visible()

    add(page, "ordering")
    common(page, "Put the steps of recruiting a support worker in order.", "11.1")
    for letter, text in zip("ABCD", ["Agree the role with Sam", "Advertise", "Interview with Sam", "Induct"]):
        page.get_by_label(f"Step {letter}", exact=True).fill(text)
    page.get_by_role("button", name="Save item").click()
    expect(page.get_by_text("Item saved.")).to_be_visible()

    add(page, "short constructed response")
    common(page, "Explain how you would involve Sam in planning.", "7.1")
    page.get_by_label("Model answer").fill("Ask Sam what matters to him; agree goals together.")
    page.get_by_label("Criterion 1", exact=True).fill("Names Sam's own goals")
    page.get_by_label("Marks for criterion 1").fill("2")
    page.get_by_label("Criterion 2", exact=True).fill("Agrees a plan with him")
    page.get_by_label("Marks for criterion 2").fill("1")
    page.get_by_role("button", name="Save item").click()
    expect(page.get_by_text("Item saved.")).to_be_visible()
    expect(page.locator(".item-card")).to_have_count(5)
    page.checked("version-five-items")

    page.get_by_role("link", name="Preview as a candidate will see it").click()
    page.wait_for_load_state()
    preview = page.content()
    assert "Because it addresses the risk first." not in preview and "Model answer" not in preview
    page.checked("preview")
    page.keyboard.press("Tab")  # keyboard-accessible: the first control is reachable by Tab
    page.go_back()

    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Done: submit for review.")).to_be_visible()
    version_url = page.url.split("#")[0]

    sign_in(page, "reviewer@example.org")
    page.goto("/item-bank/review")
    page.checked("review-queue")
    page.get_by_role("link", name=title).click()
    page.get_by_role("button", name="Start review").click()
    page.get_by_label("About").select_option(label="Item 2")
    page.locator("form[action$='/comments'] textarea").fill("Option E is too obviously wrong.")
    page.get_by_role("button", name="Add comment").click()
    page.locator("#comment-request_changes").fill("Please strengthen the distractors in item 2.")
    page.get_by_role("button", name="Return with changes requested").click()
    expect(page.get_by_text("changes requested").first).to_be_visible()
    page.checked("returned")

    sign_in(page, "writer@example.org")
    page.goto("/notifications")
    expect(page.get_by_role("link", name=re.compile("returned with changes requested")).first).to_be_visible()
    page.checked("notifications")
    page.goto(version_url)
    page.get_by_role("link", name="Edit item 2").click()
    page.get_by_label("Option E", exact=True).fill("Their preferences about daily routines")
    page.get_by_role("button", name="Save item").click()
    page.get_by_role("button", name="Submit for review").click()

    sign_in(page, "reviewer@example.org")
    page.goto(version_url)
    page.get_by_role("button", name="Start review").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".tag--approved").first).to_be_visible()

    sign_in(page, "writer@example.org")
    page.goto(version_url)
    page.get_by_role("link", name="Start a new version to make changes").click()
    page.checked("new-version")
    page.get_by_label("What will the new version change?").fill("Give Sam's age at injury")
    page.get_by_role("button", name="Start the new version").click()
    expect(page.get_by_text("Version 2 started.")).to_be_visible()
    page.get_by_role("link", name="Edit title and scenario").click()
    page.get_by_label("Scenario").fill("<p>Sam, 31, was injured at 29 and has a T6 spinal cord injury.</p>")
    page.get_by_role("button", name="Save case study").click()
    page.get_by_role("link", name="Compare the last two versions side by side").click()
    expect(page.locator("ins", has_text="injured").first).to_be_visible()
    page.checked("diff")
    page.goto(version_url)
    page.wait_for_load_state()
    assert "Sam, 31, has a T6 spinal cord injury." in page.content()  # version 1 untouched
    expect(page.locator(".tag--approved").first).to_be_visible()
