"""An assessor records a recommendation with the keyboard only; the applicant's appeal page, the
administrator's registration appeals and a panel member's page — axe-core on every new page."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser
_ids = itertools.count(1)


def _setup(live, tag: str, *, refused: bool = False):
    """An application submitted by a new applicant, with two new assessors; the first has recommended
    (``refused``: both refused it and the applicant appealed, with a panel of three appointed)."""
    from assessment.accounts import services as accounts
    from assessment.eligibility.decisions import rules, services
    from core import db
    from core.roles import SYSTEM, Role
    from tests.assessment.eligibility.decisions.builders import DEADLINE, submitted_application

    now = dt.datetime.now(dt.timezone.utc)
    counter = itertools.count(1)
    with live.app.app_context():
        session = db.session()

        def make_user(*roles, name="Test Person"):
            return accounts.create_user(session, actor=SYSTEM, email=f"{tag}.{next(counter)}@example.org",
                                        full_name=name, password=DEMO_PASSWORD, roles=set(roles), now=now,
                                        hash_profile="fast")

        applicant = make_user(Role.CANDIDATE, name="Ada Applicant")
        first, second = make_user(Role.ASSESSOR, name="Fay First"), make_user(Role.ASSESSOR, name="Sam Second")
        app = submitted_application(session, applicant, at=now - dt.timedelta(days=3))
        services.record_judgement(session, actor=first.actor, application_id=app.id, recommendation="refuse",
                                  reason_codes=["hours"], notes="Too few hours evidenced.", request="",
                                  mode=rules.Mode.TWO_ASSESSORS, now=now - dt.timedelta(days=2),
                                  certificate_deadline=DEADLINE)
        result = {"applicant": applicant.email, "second": second.email, "application": app.id,
                  "reference": app.reference}
        if refused:
            services.record_judgement(session, actor=second.actor, application_id=app.id, recommendation="refuse",
                                      reason_codes=["hours"], notes="Agreed: too few hours.", request="",
                                      mode=rules.Mode.TWO_ASSESSORS, now=now - dt.timedelta(days=1),
                                      certificate_deadline=DEADLINE)
            admin = make_user(Role.ADMIN, name="Alex Admin")
            managers = [make_user(Role.CANDIDATE, name=f"Manager {i}") for i in range(3)]
            for m in managers:
                m.is_registered_case_manager = True
            appeal = services.lodge_appeal(session, actor=applicant.actor, application_id=app.id,
                                           grounds=["evidence_overlooked"], statement="My letter shows the hours.",
                                           window_days=28, now=now)
            services.appoint_panel(session, actor=admin.actor, appeal_id=appeal.id,
                                   member_ids=[m.id for m in managers], reasons="", now=now)
            result.update(admin=admin.email, member=managers[0].email, appeal=appeal.id)
        session.commit()
        return result


def _press(page, locator, key="Enter"):
    locator.focus()
    page.keyboard.press(key)


def test_an_assessor_records_a_recommendation_with_the_keyboard_only(page, live):
    found = _setup(live, f"assessing{next(_ids)}")
    sign_in(page, found["second"])
    page.goto("/")
    _press(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Applications to assess"))
    expect(page.get_by_role("heading", name="Applications to assess")).to_be_visible()
    page.checked("assessing-queue")
    _press(page, page.get_by_role("link", name=found["reference"]))
    expect(page.get_by_role("heading", name=f"Application {found['reference']}")).to_be_visible()
    # Independence: the first assessor's recommendation is not on the page.
    expect(page.get_by_text("hidden until yours is recorded")).to_be_visible()
    expect(page.get_by_text("Too few hours evidenced.")).to_have_count(0)
    page.checked("assessing-application")

    _press(page, page.get_by_role("button", name="Record my judgement"))
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Choose a recommendation")
    page.checked("assessing-errors")

    _press(page, page.get_by_role("radio", name="Register"), key="Space")
    expect(page.get_by_role("radio", name="Register")).to_be_checked()
    _press(page, page.get_by_role("checkbox", name="Meets every condition for registration"), key="Space")
    expect(page.get_by_role("checkbox", name="Meets every condition for registration")).to_be_checked()
    page.get_by_role("textbox", name="Notes").focus()
    page.keyboard.type("The employer's letter evidences 5,200 hours.")
    _press(page, page.get_by_role("button", name="Record my judgement"))
    expect(page.get_by_text("Your judgement is recorded.")).to_be_visible()
    # Both in and apart: now each reads the other's, and they discuss.
    expect(page.get_by_text("Too few hours evidenced.")).to_be_visible()
    expect(page.get_by_role("button", name="Record my note")).to_be_visible()
    page.checked("assessing-discussion")


def test_the_appeal_pages(page, live):
    found = _setup(live, f"regappeal{next(_ids)}", refused=True)
    sign_in(page, found["applicant"])
    page.goto(f"/applications/{found['application']}/appeal")
    expect(page.get_by_role("heading", name=f"Appeal the decision on {found['reference']}")).to_be_visible()
    expect(page.get_by_text("You appealed on")).to_be_visible()
    page.checked("appeal-applicant")
    page.context.clear_cookies()
    sign_in(page, found["admin"])
    page.goto("/registration-appeals")
    expect(page.get_by_role("heading", name="Registration appeals")).to_be_visible()
    page.checked("appeal-admin-index")
    page.goto(f"/registration-appeals/{found['appeal']}/manage")
    expect(page.get_by_role("heading", name=f"Registration appeal {found['appeal']}")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Manager 0")
    page.checked("appeal-admin-manage")
    page.context.clear_cookies()
    sign_in(page, found["member"])
    page.goto("/registration-appeals/mine")
    expect(page.get_by_role("heading", name="Your registration appeal panels")).to_be_visible()
    page.checked("appeal-panels")
    page.goto(f"/registration-appeals/{found['appeal']}")
    expect(page.get_by_role("heading", name="Your appointment")).to_be_visible()
    page.checked("appeal-panel-member")
