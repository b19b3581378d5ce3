"""The register in the browser: anyone, signed out and with the keyboard alone, searches the public
register and opens an entry; a registrant declares CPD (after a mistake) and renews; an administrator
reads the register and an entry. axe-core on every page; at 320 px nothing overflows."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_foundation_journeys import sign_in
from tests import uploads_data

pytestmark = pytest.mark.browser
_ids = itertools.count(1)
PDF = uploads_data.pdf("CPD certificate")


def _registrant(live, tag: str, *, days_ago: int) -> tuple[str, str, str]:
    """A new person on the register since ``days_ago`` days: (e-mail, name, number)."""
    from assessment.accounts import services as accounts
    from assessment.eligibility.register import services
    from core import db
    from core.clock import utcnow
    from core.roles import SYSTEM, Role

    email, name = f"registrant.{tag}@example.org", f"Bethan Browser {tag}"
    with live.app.app_context():
        session = db.session()
        person = accounts.create_user(session, actor=SYSTEM, email=email, full_name=name, password=DEMO_PASSWORD,
                                      roles={Role.CANDIDATE}, now=utcnow(), hash_profile="fast")
        registration = services.enter_on_register(session, actor=SYSTEM, user_id=person.id, application_id=None,
                                                  now=utcnow() - dt.timedelta(days=days_ago))
        number = registration.number
        session.commit()
    return email, name, number


def _fits(page, width=320):
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 900})


def _tab_to(page, element_id: str):
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} was not reached with the Tab key")


def test_anyone_searches_the_register_signed_out_with_the_keyboard(page, live):
    tag = f"{next(_ids)}{page.checked.prefix[-6:]}".replace("-", "")
    _email, name, number = _registrant(live, tag, days_ago=10)
    page.goto("/register/search")
    page.checked("search")
    _tab_to(page, "q")
    page.keyboard.type("z")  # one letter: too short
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#q-error")).to_contain_text("Enter at least 2 characters")
    page.checked("search-error")
    page.locator("#q").fill("")
    page.locator("#q").focus()
    page.keyboard.type(f"browser {tag}".upper())  # part of the name, in another case
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="1 entry matches")).to_be_visible()
    row = page.get_by_role("row", name=name)
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("Registered")
    expect(page.locator("main")).not_to_contain_text(f"registrant.{tag}@example.org")
    page.checked("results")
    _fits(page)
    page.get_by_role("link", name=number).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.locator(".notice")).to_contain_text("is a registered case manager")
    page.checked("entry")
    _fits(page)
    page.goto("/register/search?q=Nobody%20Called%20This")
    expect(page.get_by_role("heading", name="No entries match")).to_be_visible()
    page.checked("no-match")


def test_a_registrant_declares_cpd_and_renews(page, live, tmp_path):
    tag = f"{next(_ids)}{page.checked.prefix[-6:]}".replace("-", "")
    email, _name, number = _registrant(live, tag, days_ago=340)  # renewal due in 25 days: open
    sign_in(page, email)
    page.goto("/register/mine")
    expect(page.get_by_role("heading", name="Your registration", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(number)
    page.checked("mine")
    _fits(page)

    # A mistake first: nothing filled in.
    page.get_by_role("button", name="Declare the activity").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#cpd-category-error")).to_contain_text("Choose the category")
    page.checked("declare-error")

    evidence = tmp_path / "attendance.pdf"
    evidence.write_bytes(PDF)
    for hours, category, total in (("18", "Clinical practice", "18 hours"), ("12", "Case management", "30 hours")):
        page.get_by_label("Date of the activity").fill((dt.date.today() - dt.timedelta(days=3)).isoformat())
        page.get_by_label("Category").select_option(label=category)
        page.get_by_label("Hours").fill(hours)
        page.get_by_label("What you did and what you learnt").fill("A study day on brain injury rehabilitation")
        page.get_by_label("Evidence (optional)").set_input_files(str(evidence))
        page.get_by_role("button", name="Declare the activity").click()
        expect(page.locator("main")).to_contain_text(f"{total} of 30 hours")
    expect(page.get_by_role("status")).to_contain_text("Your CPD activity is declared")
    page.checked("declared")
    page.get_by_role("button", name="Renew my registration").click()
    expect(page.locator("main")).to_contain_text("Your registration is renewed")
    page.checked("renewed")
    _fits(page)


def test_an_administrator_reads_the_register(page, live):
    tag = f"{next(_ids)}{page.checked.prefix[-6:]}".replace("-", "")
    _email, name, number = _registrant(live, tag, days_ago=5)
    sign_in(page, "admin@example.org")
    page.goto("/register/manage")
    expect(page.get_by_role("link", name=number)).to_be_visible()
    page.checked("manage")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    page.checked("manage-entry")
    page.get_by_role("button", name="Record the change").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.checked("manage-entry-error")
    page.get_by_label("Suspend").check()
    page.get_by_label("Reasons").first.fill("A concern about record keeping")
    page.get_by_role("button", name="Record the change").click()
    expect(page.locator("main")).to_contain_text(f"Entry {number} is suspended")
    _fits(page)
