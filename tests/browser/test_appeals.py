"""A candidate appeals a released result with the keyboard only, with an evidence file; the
administrator's, a panel member's and an examiner's appeal pages — axe-core on every new page, at
1280 and 320 px wide."""
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
PDF = b"%PDF-1.4\n% a report of the screen freezing\n"


def _setup(live, tag: str, *, decide: bool = False):
    """A released result of a new candidate (released yesterday), three registered case managers,
    and (``decide``) an appeal already upheld for a re-mark by them."""
    from assessment.accounts import services as accounts
    from assessment.results.appeals import services
    from core import db
    from core.roles import SYSTEM
    from tests.assessment.results.appeals.builders import released_result

    now = dt.datetime.now(dt.timezone.utc)
    counter = itertools.count(1)
    with live.app.app_context():
        session = db.session()

        def make_user(*roles, name="Test Person"):
            return accounts.create_user(session, actor=SYSTEM, email=f"{tag}.{next(counter)}@example.org",
                                        full_name=name, password=DEMO_PASSWORD, roles=set(roles), now=now,
                                        hash_profile="fast")

        found = released_result(session, make_user, released_at=now - dt.timedelta(days=1))
        appeal_id = None
        if decide:
            appeal = services.lodge_appeal(session, actor=found.candidate.actor, candidate_result_id=found.result.id,
                                           grounds=["marking_error"], statement="My answer to question 1 was misread.",
                                           files=[], upload_folder=live.app.config["UPLOAD_FOLDER"], scan_command=None,
                                           window_days=28, now=now)
            appeal_id = appeal.id
        session.commit()
        return found, appeal_id


def _email(user) -> str:
    return user.email


def _press(page, locator):
    """Activate a control from the keyboard: focus it as Tab would, then press Enter."""
    locator.focus()
    page.keyboard.press("Enter")


def test_the_candidate_appeals_with_the_keyboard_only(page, live, tmp_path):
    found, _ = _setup(live, f"appeal.candidate{next(_ids)}")
    evidence = tmp_path / "screen-freeze.pdf"
    evidence.write_bytes(PDF)
    sign_in(page, found.candidate.email)
    page.goto("/")
    _press(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Appeals"))
    expect(page.get_by_role("heading", name="Appeals", exact=True)).to_be_visible()
    page.checked("appeals-index")
    _press(page, page.get_by_role("link", name=re.compile("^Appeal this result")))
    expect(page.get_by_role("heading", name="Appeal your result")).to_be_visible()
    page.checked("appeal-form")

    _press(page, page.get_by_role("button", name="Send appeal"))
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Choose at least one ground for your appeal")
    expect(summary).to_contain_text("Say why you are appealing")
    page.checked("appeal-errors")

    page.get_by_label("A technical failure during the exam").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # on to "Other", then the statement
    page.keyboard.press("Tab")
    page.keyboard.type("The screen froze for ten minutes at question 3 and no time was added.")
    expect(page.get_by_label("Your statement")).to_have_value(re.compile("^The screen froze"))
    upload = page.get_by_label(re.compile("^Evidence"))
    upload.focus()
    upload.set_input_files(str(evidence))  # the file chooser is the system's; the field is reached by Tab
    _press(page, page.get_by_role("button", name="Send appeal"))
    expect(page.get_by_text("Your appeal has been sent")).to_be_visible()
    expect(page.get_by_text("Waiting for a panel to be appointed")).to_be_visible()
    expect(page.get_by_role("link", name="screen-freeze.pdf")).to_be_visible()
    page.checked("appeal-sent")

    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("appeal-320")
    _press(page, page.get_by_role("link", name="Back to appeals"))
    expect(page.get_by_text("You already have an open appeal against this result")).to_be_visible()
    page.checked("appeals-index-320")


def test_the_administrator_panel_member_and_examiner_pages(page, live):
    found, appeal_id = _setup(live, f"appeal.staff{next(_ids)}", decide=True)
    one, two, three = found.managers
    with live.app.app_context():
        from core import db
        from assessment.accounts.models import User

        for manager in found.managers:
            db.session().get(User, manager.id).is_registered_case_manager = True
        db.session().commit()

    sign_in(page, found.admin.email)
    page.goto("/admin/appeals")
    page.checked("admin-appeals")
    _press(page, page.get_by_role("link", name=f"Appeal {appeal_id}", exact=True))
    expect(page.get_by_text("Ivy Invigilator cannot sit on this panel")).to_be_visible()
    page.checked("admin-appeal")
    page.get_by_label("First member").select_option(str(one.id))
    page.get_by_label("Second member").select_option(str(two.id))
    page.get_by_label("Third member").select_option(str(found.marker.id))
    _press(page, page.get_by_role("button", name="Appoint the panel"))
    expect(page.locator(".error-summary")).to_contain_text("Mo Marker cannot sit on this panel")
    expect(page.locator("#member_3-error")).to_contain_text("Mo Marker cannot sit on this panel")
    page.checked("admin-appeal-error")
    page.get_by_label("Third member").select_option(str(three.id))
    _press(page, page.get_by_role("button", name="Appoint the panel"))
    expect(page.get_by_text("Panel appointed.")).to_be_visible()
    page.checked("admin-appeal-panel")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("admin-appeal-320")
    page.goto(f"/admin/users/{found.lay.id}")
    page.checked("account-page-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    for member in found.managers:
        page.context.clear_cookies()
        sign_in(page, member.email)
        page.goto("/panel")
        if member is one:
            page.checked("panel-index")
        _press(page, page.get_by_role("link", name=re.compile(f"^Appeal {appeal_id}")))
        if member is one:
            page.checked("panel-appeal")
            _press(page, page.get_by_role("button", name="Send my answer"))
            expect(page.locator(".error-summary")).to_contain_text("Say whether you accept")
            page.checked("panel-appeal-error")
            page.get_by_label("Yes: I accept").check()
            _press(page, page.get_by_role("button", name="Send my answer"))
            expect(page.locator("#response-declaration-error")).to_contain_text("Tick the declaration to accept")
            page.checked("panel-declaration-error")
        page.get_by_label("Yes: I accept").check()
        page.get_by_label(re.compile("^I declare")).check()
        _press(page, page.get_by_role("button", name="Send my answer"))
        expect(page.get_by_text("You have accepted your place on the panel.")).to_be_visible()
    page.checked("panel-sitting")
    page.get_by_label("Upheld: the written answers are marked again").check()
    page.get_by_label("The panel's reasons").fill("Question 1 was marked against the wrong rubric.")
    _press(page, page.get_by_role("button", name="Record the outcome"))
    expect(page.get_by_text("The panel's outcome is recorded")).to_be_visible()
    page.checked("panel-decided")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("panel-decided-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.context.clear_cookies()
    sign_in(page, found.approver.email)
    page.goto("/appeals/remarks")
    page.checked("remarks")
    _press(page, page.get_by_role("link", name=f"Appeal {appeal_id}", exact=True))
    _press(page, page.get_by_role("button", name="Record the re-mark"))
    expect(page.locator(".error-summary")).to_contain_text("Choose a scoring run of this appeal's sitting")
    page.checked("remark-error")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("remark-320")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, found.candidate.email)
    page.goto(f"/appeals/{appeal_id}")
    expect(page.get_by_text("Question 1 was marked against the wrong rubric.")).to_be_visible()
    page.checked("candidate-decided")
