"""A new member of staff sets up two-factor sign-in and signs in again with a code, with the keyboard
alone; then confirms who they are before a sensitive action. axe-core on every page, at 1280 and
320 px wide; the QR code is an image (no script, no inline style under the strict CSP)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, new_person
from tests.browser.two_factor import _secrets, next_code

pytestmark = pytest.mark.browser


def _new_staff(live, role_value: str) -> str:
    from core.roles import Role

    return new_person(live, Role(role_value), "Nia Newstaff", f"new.staff-{role_value}-")


def _type_into(page, label: str, text: str) -> None:
    """Tab reaches the field (asserted), then the keys are typed."""
    field = page.get_by_label(label, exact=True)
    for _ in range(30):
        if field.evaluate("(el) => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(field).to_be_focused()
    page.keyboard.type(text)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0


@pytest.mark.parametrize("width", [1280, 320])
def test_staff_set_up_two_factor_and_sign_in_with_a_code_using_the_keyboard_alone(page, live, width):
    page.set_viewport_size({"width": width, "height": 900})
    email = _new_staff(live, "examiner")
    page.goto("/login")
    _type_into(page, "Email address", email)
    _type_into(page, "Password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    qr = page.get_by_role("img", name=re.compile("QR code to add"))
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    _no_sideways_scroll(page)
    page.checked(f"set-up-{width}")
    secret = page.locator("#two-factor-key").inner_text().replace(" ", "")
    _secrets[email] = secret
    _type_into(page, "Code from your app", "12345")  # one digit short
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_be_focused()
    page.checked(f"set-up-error-{width}")
    field = page.get_by_label("Code from your app", exact=True)
    field.focus()  # the error summary's link leads here; select the old text and type over it
    page.keyboard.press("Control+A")
    page.keyboard.type(next_code(email))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    _no_sideways_scroll(page)
    page.checked(f"recovery-codes-{width}")
    saved = page.get_by_role("link", name="I have saved my recovery codes")
    saved.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Signed out, then in again: now the code page.
    page.context.clear_cookies()
    page.goto("/login")
    _type_into(page, "Email address", email)
    _type_into(page, "Password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    _no_sideways_scroll(page)
    page.checked(f"code-{width}")
    _type_into(page, "Code", next_code(email))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # The re-authentication page, reached from a sensitive page's link back.
    page.goto("/reauthenticate?next=/certificates")
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    _no_sideways_scroll(page)
    page.checked(f"reauthenticate-{width}")
    _type_into(page, "Password", DEMO_PASSWORD)
    _type_into(page, "Code from your authenticator app", next_code(email))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/certificates$"))
