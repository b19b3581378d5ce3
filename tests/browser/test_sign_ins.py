"""Where you are signed in: one person signed in on two browsers ends the other from the list, at
1280 and 320 px, with axe-core on every page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.roles import Role
from tests.browser.conftest import ACTION_TIMEOUT_MS, DEMO_PASSWORD, new_person

pytestmark = pytest.mark.browser
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"


def _new_candidate(live) -> str:
    """A candidate of this test's own, so ending sign-ins touches nobody another test signs in as."""
    return new_person(live, Role.CANDIDATE, "Tam Two-Browsers", "two.browsers")


def _sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_a_candidate_signed_in_twice_ends_the_other_browser_from_the_list(page, browser, live):
    email = _new_candidate(live)
    other_context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900}, locale="en-GB",
                                        user_agent=FIREFOX_LINUX)
    other_context.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        other = other_context.new_page()
        _sign_in(other, email)
        _sign_in(page, email)
        page.get_by_role("link", name="Where you are signed in").click()
        expect(page.get_by_role("heading", name="Where you are signed in")).to_be_visible()
        rows = page.locator("table tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text="This device")).to_contain_text("Chrome on Linux")
        expect(rows.filter(has_text="Firefox on Linux")).to_be_visible()
        page.checked("list")
        page.get_by_role("button", name="Sign out on Firefox on Linux").click()
        expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
        page.checked("confirm")
        confirm = page.locator("main").get_by_role("button", name="Sign out on Firefox on Linux")
        confirm.click()
        expect(page.locator(".error-summary")).to_contain_text("Enter your password")
        page.checked("confirm-error")
        page.get_by_label("Your password").fill(DEMO_PASSWORD)
        page.locator("main").get_by_role("button", name="Sign out on Firefox on Linux").click()
        expect(page.get_by_text("You have signed out on Firefox on Linux.")).to_be_visible()
        expect(page.locator("table tbody tr")).to_have_count(1)
        page.checked("after")
        other.goto("/account/sessions")
        expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
        page.set_viewport_size({"width": 320, "height": 640})
        page.goto("/account/sessions")
        assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.checked("list-narrow")
    finally:
        other_context.close()
