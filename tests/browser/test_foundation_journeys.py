"""Journeys through the foundation in a real browser, with axe-core on every page visited."""
from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.two_factor import complete_second_factor

pytestmark = pytest.mark.browser
_ids = itertools.count(1)


def sign_in(page, email, password=DEMO_PASSWORD):
    """Through /login; staff then give a code (or, the first time, set up their authenticator)."""
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    complete_second_factor(page, email)


def test_candidate_signs_up_confirms_by_the_link_signs_in_and_sees_what_to_do_next(page, caplog):
    email = f"new.candidate{next(_ids)}@example.org"
    page.goto("/")
    page.checked("start")
    page.get_by_role("link", name="Create a candidate account").click()
    page.checked("register")
    page.get_by_role("button", name="Create account").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(page.locator(".error-summary")).to_be_focused()  # error-summary.js focuses it once loaded
    page.checked("register-errors")
    page.get_by_label("Full name").fill("Nia Candidate")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill("a long candidate password")
    page.get_by_label("Confirm password").fill("a long candidate password")
    with caplog.at_level("WARNING"):
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert email in page.locator("main").inner_text()
    page.checked("register-sent")
    # No mail yet: the server logs the link, built from the configured base URL; follow its path here.
    link = re.search(rf"Sign-up confirmation link for {re.escape(email)}: https?://[^/\s]+(/\S+)", caplog.text)
    assert link, caplog.text
    page.goto(link.group(1))
    expect(page.get_by_role("heading", name="Finish creating your account")).to_be_visible()
    page.checked("confirm-sign-up")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Candidate: what to do next")).to_be_visible()
    page.checked("candidate-dashboard")
    page.goto(link.group(1))
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()
    page.checked("sign-up-link-used")
    page.goto("/dashboard")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, email, "a long candidate password")
    assert page.url.endswith("/dashboard")
    expect(page.get_by_role("heading", name="Candidate: what to do next")).to_be_visible()


def test_wrong_password_shows_one_message(page):
    sign_in(page, "candidate@example.org", "not the password at all")
    assert page.locator(".error-summary").inner_text().count("Email address or password is incorrect") == 1
    page.checked("login-error")


def test_admin_grants_a_role(page):
    sign_in(page, "admin@example.org")
    page.checked("admin-dashboard")
    page.get_by_role("link", name="Manage users and roles").click()
    page.checked("users")
    page.get_by_label("Name or email").fill("writer@")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Wren Writer").click()
    page.checked("user")
    page.get_by_label("Role to grant").select_option(label="Examiner")
    page.get_by_role("button", name="Grant role").click()
    expect(page.get_by_text("Examiner role granted to writer@example.org.")).to_be_visible()
    expect(page.locator(".role-list").get_by_text("Examiner", exact=True)).to_be_visible()
    page.checked("user-granted")
    page.get_by_role("link", name="Audit log").first.click()
    expect(page.get_by_role("cell", name="role.granted").first).to_be_visible()
    page.checked("audit")


def test_anyone_can_read_and_search_the_framework(page):
    page.goto("/framework")
    expect(page.get_by_role("heading", name="A. Standards of Moral and Ethical Conduct")).to_be_visible()
    expect(page.locator("#sub-22\\.3")).to_be_visible()
    page.checked("framework")
    page.get_by_role("searchbox", name="Search the Standards").fill("safeguard")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="match “safeguard”")).to_be_visible()
    page.checked("framework-search")


def test_keyboard_user_reaches_the_skip_link_first_and_sees_focus(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).boxShadow")
    assert outline != "none"  # the visible focus style


def test_pages_reflow_at_320_css_pixels(page):
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/", "/login", "/register", "/framework"):
        page.goto(path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways at 320 px"
    page.checked("framework-narrow")
