"""Password fields: a Show button a keyboard user can reach, and a live length guide under a new
password (ASVS V2.1.8, V2.1.12), at 1280 and 320 px, checked with axe-core."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_password_can_be_shown_and_hidden_with_the_keyboard_alone(page):
    page.goto("/login")
    password = page.get_by_label("Password", exact=True)
    password.fill("plum harbour!")
    page.keyboard.press("Tab")  # from the field to its Show button
    show = page.get_by_role("button", name="Show password")
    expect(show).to_be_focused()
    page.keyboard.press("Enter")
    expect(password).to_have_attribute("type", "text")
    hide = page.get_by_role("button", name="Hide password")
    expect(hide).to_be_focused()
    page.checked("password-shown")
    page.keyboard.press("Space")
    expect(password).to_have_attribute("type", "password")
    expect(page.get_by_role("button", name="Show password")).to_be_visible()


def test_a_new_password_gets_a_live_guide_to_its_length(page):
    page.goto("/register")
    new = page.get_by_label("Create a password")
    guide = page.locator("#password-guide")
    expect(guide).to_have_text("Use 12 characters or more.")
    new.fill("short")
    expect(guide).to_have_text("7 more characters needed.")
    new.fill("eleven char")
    expect(guide).to_have_text("1 more character needed.")
    new.fill("plum harbour")
    expect(guide).to_have_text("Long enough. A few more words make it stronger.")
    new.fill("plum harbour lantern")
    expect(guide).to_have_text("Long enough, and a strong length.")
    assert "password-guide" in (new.get_attribute("aria-describedby") or "")
    assert page.locator("#confirm_password-guide").count() == 0  # the confirmation gets no second guide
    page.checked("password-guide")
    page.set_viewport_size({"width": 320, "height": 640})
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.checked("password-guide-narrow")
