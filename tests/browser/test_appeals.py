"""A candidate appeals a released result with the keyboard only, with an evidence file, and withdraws
it; the administrator's, a panel member's and an examiner's appeal pages; a fresh examiner re-marks
after an upheld appeal with the keyboard only — axe-core on every new page, at 1280 and 320 px wide."""
from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_foundation_journeys import sign_in
from tests import uploads_data
from tests.uploads_data import evidence_sealer

pytestmark = pytest.mark.browser
_ids = itertools.count(1)
PDF = uploads_data.pdf("A report of the screen freezing")


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
                                           files=[], upload_folder=live.app.config["UPLOAD_FOLDER"], sealer=evidence_sealer(), scan_command=None,
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

    page.set_viewport_size({"width": 1280, "height": 900})
    _press(page, page.get_by_role("link", name=re.compile("^Follow your appeal")).first)
    _press(page, page.get_by_role("link", name="Withdraw this appeal"))
    expect(page.get_by_role("heading", name="Withdraw your appeal")).to_be_visible()
    page.checked("withdraw")
    _press(page, page.get_by_role("button", name="Withdraw my appeal"))
    expect(page.locator(".error-summary")).to_contain_text("Tick the box to confirm")
    page.checked("withdraw-error")
    page.get_by_label("Why are you withdrawing? (optional)").focus()
    page.keyboard.type("I will sit the exam again instead.")
    page.get_by_label(re.compile("^I understand that withdrawing")).focus()
    page.keyboard.press("Space")
    _press(page, page.get_by_role("button", name="Withdraw my appeal"))
    expect(page.get_by_text("Your appeal is withdrawn")).to_be_visible()
    expect(page.get_by_text("Withdrawn by the candidate")).to_be_visible()
    page.checked("withdrawn")


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
    expect(page.get_by_text("Waiting for a fresh examiner")).to_be_visible()
    _press(page, page.get_by_role("button", name="Record the re-mark and make the new run"))
    expect(page.locator(".error-summary")).to_contain_text("Say what was re-marked and by whom")
    page.checked("remark-error")
    page.get_by_label("What was re-marked, and by whom").fill("Question 1, by a fresh examiner")
    _press(page, page.get_by_role("button", name="Record the re-mark and make the new run"))
    expect(page.locator(".error-summary")).to_contain_text("still wait for their mark after the appeal")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("remark-320")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, found.candidate.email)
    page.goto(f"/appeals/{appeal_id}")
    expect(page.get_by_text("Question 1 was marked against the wrong rubric.")).to_be_visible()
    page.checked("candidate-decided")


def test_a_fresh_examiner_re_marks_after_an_upheld_appeal_with_the_keyboard_only(page, live):
    """The panel upheld the appeal for a re-mark (through the services); an examiner allocated to the
    sitting who marked nothing finds it under "Re-marks after appeal" and marks it blind."""
    found, appeal_id = _setup(live, f"appeal.remark{next(_ids)}", decide=True)
    with live.app.app_context():
        from assessment.accounts import services as accounts
        from assessment.accounts.models import User
        from assessment.results.appeals import services
        from core import db
        from core.roles import SYSTEM, Role
        from scoring.marking import services as marking

        session = db.session()
        now = dt.datetime.now(dt.timezone.utc)
        for manager in found.managers:
            session.get(User, manager.id).is_registered_case_manager = True
        services.appoint_panel(session, actor=found.admin.actor, appeal_id=appeal_id,
                               member_ids=[m.id for m in found.managers], reasons="", now=now)
        for manager in found.managers:
            services.respond_to_appointment(session, actor=manager.actor, appeal_id=appeal_id, has_conflict=False,
                                            statement="", now=now)
        services.record_outcome(session, actor=found.managers[0].actor, appeal_id=appeal_id, outcome="upheld_remark",
                                reasons="Question 1 was marked against the wrong rubric.", now=now)
        fresh = accounts.create_user(session, actor=SYSTEM, email=f"fresh.{appeal_id}@example.org",
                                     full_name="Fran Fresh", password=DEMO_PASSWORD, roles={Role.EXAMINER}, now=now,
                                     hash_profile="fast")
        marking.allocate(session, SYSTEM, found.sitting.id, fresh.id, "second", now)
        session.commit()
        sitting_id, fresh_email = found.sitting.id, fresh.email

    sign_in(page, fresh_email)
    page.goto(f"/marking/sittings/{sitting_id}/queue")
    expect(page.get_by_role("heading", name="Re-marks after appeal")).to_be_visible()
    expect(page.get_by_text("Cass Candidate")).to_have_count(0)  # the candidate number only
    page.checked("remark-queue")
    _press(page, page.get_by_role("link", name="Re-mark candidate 271828, question 1"))
    expect(page.get_by_text("Re-mark after appeal", exact=True)).to_be_visible()
    expect(page.get_by_text("Two points")).to_have_count(0)  # the first marker's justification stays hidden
    page.checked("remark-mark")
    page.get_by_label("Mark", exact=True).focus()
    page.keyboard.type("9")
    page.keyboard.press("Tab")
    page.keyboard.type("Both criteria met on a fresh reading")
    _press(page, page.get_by_role("button", name="Save mark"))
    expect(page.get_by_role("alert")).to_contain_text("The mark must be between 0 and 4")
    page.checked("remark-mark-error")
    field = page.get_by_label("Mark", exact=True)
    field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    _press(page, page.get_by_role("button", name="Save mark"))
    expect(page.get_by_text("Mark saved for candidate 271828")).to_be_visible()
    page.checked("remark-queue-after")
    _press(page, page.get_by_role("link", name=re.compile("^see every mark")))
    expect(page.get_by_text("Marked again after an appeal: the re-mark of 3 stands")).to_be_visible()
    expect(page.get_by_text("Two points")).to_be_visible()
    page.checked("remark-every-mark")
    page.set_viewport_size({"width": 320, "height": 800})
    page.checked("remark-every-mark-320")
