"""A candidate books a sitting and asks for extra time; an administrator approves it and creates a
sitting; an invigilator watches a running sitting and pauses an attempt; an examiner replays its
timeline — axe-core on every page."""
from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_foundation_journeys import sign_in
from tests import uploads_data

pytestmark = pytest.mark.browser
_ids = itertools.count(1)


def _setup(live, email):
    """A published paper from the demo bank, a sitting open for booking, one running now with the new
    candidate booked and answering, and a practice sitting."""
    from sqlalchemy import select

    from assessment.accounts import services as accounts
    from assessment.delivery import services
    from assessment.delivery.sittings import services as sitting_services
    from assessment.delivery.models import Booking
    from core import db
    from core.roles import SYSTEM, Role
    from item_bank.models import CaseStudyVersion, ExamPaper, ExamPaperEntry, ExamSpec
    from item_bank.workflow import Status

    now = dt.datetime.now(dt.timezone.utc)
    hour = dt.timedelta(hours=1)
    with live.app.app_context():
        session = db.session()
        version = session.scalars(select(CaseStudyVersion).where(CaseStudyVersion.status == Status.APPROVED)).first()
        assert version is not None, "the demo bank has no approved case study"
        examiner = accounts.find_user_by_email(session, "examiner@example.org")
        spec = ExamSpec(title="Booking journey spec", total_marks=version.total_marks, total_marks_tolerance=0,
                        duration_min=60, min_case_studies=1, max_case_studies=1, max_exposure=None, theme_marks={},
                        standard_marks={}, item_type_mix={}, enemy_sets=[], created_by_id=examiner.id,
                        created_at=now, updated_at=now)
        session.add(spec)
        session.flush()
        paper = ExamPaper(title=f"Booking journey paper {email}", exam_spec_id=spec.id, is_published=True,
                          created_by_id=examiner.id, created_at=now, published_at=now)
        session.add(paper)
        session.flush()
        session.add(ExamPaperEntry(exam_paper_id=paper.id, case_study_version_id=version.id, position=1))
        session.flush()
        candidate = accounts.create_user(session, actor=SYSTEM, email=email, full_name="Bobbie Booker",
                                         password=DEMO_PASSWORD, roles={Role.CANDIDATE}, now=now,
                                         hash_profile="fast")

        def sitting(title, **times):
            return sitting_services.create_sitting(session, actor=SYSTEM, now=now,
                                                   details=sitting_services.SittingDetails(
                title=title, paper_ids=[paper.id], duration_min=60, capacity=30, **times))

        bookable = sitting(f"Spring sitting {email}", booking_opens_at=now - hour, booking_closes_at=now + 24 * hour,
                           opens_at=now + 48 * hour, closes_at=now + 56 * hour)
        running = sitting(f"Running sitting {email}", booking_opens_at=now - 48 * hour,
                          booking_closes_at=now - 24 * hour, opens_at=now - hour, closes_at=now + 8 * hour)
        sitting(f"Practice {email}", is_practice=True, booking_opens_at=None, booking_closes_at=None,
                opens_at=now - hour, closes_at=now + 24 * 365 * hour)
        session.add(Booking(sitting_id=running.id, candidate_id=candidate.id, booked_at=now - 30 * hour))
        session.flush()
        from tests.proctoring.helpers import approve_checkin  # invigilated, the form's default

        approve_checkin(session, running.id, candidate.id,
                        accounts.find_user_by_email(session, "invigilator@example.org").id, now - hour)
        attempt = services.start_attempt(session, actor=candidate.actor, sitting_id=running.id, device_id="tab",
                                         now=now - 10 * dt.timedelta(minutes=1))
        services.save_response(session, actor=candidate.actor, attempt_id=attempt.id, slot=1,
                               payload={"answer": "B"}, seen_seq=0, client_step_id="c1", device_id="tab",
                               now=now - 5 * dt.timedelta(minutes=1))
        session.commit()
        return bookable.id, running.id, attempt.id, paper.title


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_book_ask_for_extra_time_approve_watch_and_replay(page, live):
    email = f"booker{next(_ids)}-{dt.datetime.now().timestamp():.0f}@example.org"
    bookable_id, running_id, attempt_id, paper_title = _setup(live, email)

    # The candidate's dashboard names the exam under way; the header leads to Sittings, where booking
    # and cancelling each ask for confirmation first; then they ask for 25 % extra time.
    sign_in(page, email)
    steps = page.locator("#next-steps")
    assert f"Your exam Running sitting {email} is under way" in steps.inner_text()
    page.checked("candidate-dashboard")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sittings").click()
    expect(page.get_by_role("heading", name="Sittings", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Try the practice exam\s*: Practice booker"))).to_have_count(1)
    page.checked("sittings")
    page.get_by_role("link", name=re.compile(r"^Book\s+Spring sitting booker")).click()
    expect(page.get_by_role("heading", name=f"Book Spring sitting {email}?")).to_be_visible()
    page.checked("confirm-booking")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text(f"You have booked Spring sitting {email}.")).to_be_visible()
    cancel = page.get_by_role("link", name=re.compile(r"^Cancel booking\s*: Spring sitting booker"))
    expect(cancel).to_be_visible()
    page.checked("booked")
    cancel.click()
    expect(page.get_by_role("heading", name=f"Cancel your booking for Spring sitting {email}?")).to_be_visible()
    page.checked("confirm-cancel")
    page.get_by_role("link", name="No, keep my booking").click()
    expect(page.get_by_role("link", name=re.compile(r"^Cancel booking\s*: Spring sitting booker"))).to_be_visible()

    page.get_by_role("link", name="ask for them here").click()
    page.get_by_role("button", name="Send request").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Choose at least one adjustment")
    page.checked("adjustments-errors")
    page.get_by_label("Extra time").select_option(label="25% extra time")
    page.get_by_label("Rest breaks that stop the clock").check()
    page.get_by_label("Other adjustments (optional)").fill("I am dyslexic.")
    page.get_by_label(re.compile("^Evidence")).set_input_files(
        files=[{"name": "letter.pdf", "mimeType": "application/pdf", "buffer": uploads_data.pdf("A letter")}])
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_text("Your request has been sent.")).to_be_visible()
    expect(page.get_by_text("Waiting for a decision")).to_be_visible()
    page.checked("adjustments-sent")
    sign_out(page)

    # The administrator approves it with a reason, and creates a sitting in UK time.
    sign_in(page, "admin@example.org")
    page.goto("/admin/adjustments")
    page.checked("adjustment-queue")
    page.get_by_role("link", name=re.compile("Bobbie Booker")).first.click()
    expect(page.get_by_role("link", name="Download letter.pdf")).to_be_visible()
    page.get_by_role("button", name="Record decision").click()
    assert "Choose whether to approve or decline" in page.locator(".error-summary").inner_text()
    page.checked("decision-errors")
    page.get_by_label("Approve").check()
    page.get_by_label("Reason").fill("Supported by the assessor's report.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Request approved for Bobbie Booker")).to_be_visible()

    page.goto("/admin/sittings/new")
    page.checked("new-sitting")
    page.get_by_label("Title").fill(f"Autumn sitting {email}")
    page.get_by_label(paper_title).check()
    page.get_by_label("Booking opens").fill("2027-09-01T09:00")
    page.get_by_label("Booking closes").fill("2027-09-30T17:00")
    page.get_by_label("Exam window opens").fill("2027-10-14T09:00")
    page.get_by_label("Exam window closes").fill("2027-10-14T08:00")
    page.get_by_label("Time allowed in minutes").fill("120")
    page.get_by_label("Number of places").fill("40")
    page.get_by_role("button", name="Create sitting").click()
    assert "The exam window must close after it opens" in page.locator(".error-summary").inner_text()
    page.checked("new-sitting-errors")
    page.get_by_label("Exam window closes").fill("2027-10-14T17:00")
    page.get_by_role("button", name="Create sitting").click()
    row = page.get_by_role("row").filter(has_text=f"Autumn sitting {email}")
    assert "14 October 2027, 09:00" in row.inner_text()
    page.checked("admin-sittings")
    sign_out(page)

    # The candidate sees the decision.
    sign_in(page, email)
    page.goto("/adjustments")
    expect(page.get_by_text("Supported by the assessor's report.")).to_be_visible()
    sign_out(page)

    # The invigilator watches the running sitting and pauses the attempt.
    sign_in(page, "invigilator@example.org")
    page.goto(f"/staff/sittings/{running_id}/live")
    row = page.get_by_role("row").filter(has_text="Bobbie Booker")
    assert "In progress" in row.inner_text() and "1 of" in row.inner_text()
    page.checked("live-list")
    row.get_by_role("link", name=re.compile("Manage")).click()
    page.checked("staff-attempt")
    page.locator("#pause-reason").fill("Candidate reported a fire alarm.")
    page.get_by_role("button", name="Pause the attempt").click()
    expect(page.get_by_text("The attempt is paused")).to_be_visible()
    page.get_by_role("button", name="Resume the attempt").click()
    expect(page.get_by_text("The attempt has resumed")).to_be_visible()
    sign_out(page)

    # The examiner replays the timeline.
    sign_in(page, "examiner@example.org")
    page.goto(f"/staff/attempts/{attempt_id}/timeline")
    expect(page.get_by_role("cell", name="Paused by staff")).to_be_visible()
    page.checked("timeline")
    page.get_by_role("link", name=re.compile("Answers at this moment")).first.click()
    expect(page.get_by_role("heading", name=re.compile("^Answers at"))).to_be_visible()
    expect(page.get_by_text("0 of").first).to_be_visible()
    page.checked("timeline-at-start")


def test_a_practice_try_shows_the_answers_and_can_be_taken_again(page, live):
    """After a practice try: the receipt leads to the answers beside the keys and rationales, and the
    start page offers another try — axe-core on each page."""
    from sqlalchemy import func, select

    from assessment.accounts import services as accounts
    from assessment.delivery import services
    from assessment.delivery.models import Attempt, Sitting
    from core import db

    email = f"practiser{next(_ids)}-{dt.datetime.now().timestamp():.0f}@example.org"
    _bookable, _running, _attempt, _paper = _setup(live, email)
    with live.app.app_context():
        session = db.session()
        candidate = accounts.find_user_by_email(session, email)
        practice = session.scalars(select(Sitting).where(Sitting.title == f"Practice {email}")).one()
        now = dt.datetime.now(dt.timezone.utc)
        attempt = services.start_attempt(session, actor=candidate.actor, sitting_id=practice.id, device_id="tab",
                                         now=now - dt.timedelta(minutes=5))
        services.submit_attempt(session, actor=candidate.actor, attempt_id=attempt.id, now=now)
        session.commit()
        attempt_id, practice_id = attempt.id, practice.id

    sign_in(page, email)
    page.goto(f"/attempts/{attempt_id}/receipt")
    page.get_by_role("link", name="See your answers with the correct answers").click()
    expect(page.get_by_role("heading", name="Your practice answers")).to_be_visible()
    expect(page.get_by_text("Correct answer").first).to_be_visible()
    page.checked("practice-answers")
    page.get_by_role("link", name="Take the practice exam again").click()
    expect(page.get_by_text("You have taken this practice exam 1 time")).to_be_visible()
    page.checked("practice-again")
    page.get_by_label(re.compile("^I confirm that I am the person")).check()
    page.get_by_role("button", name="Start exam").click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))
    with live.app.app_context():
        tries = db.session().scalar(select(func.count()).select_from(Attempt).where(Attempt.sitting_id == practice_id))
    assert tries == 2


def test_the_spoken_time_left_is_never_rounded_up(page, live):
    """The player's "Time left" announcement agrees with its clock: at 1:13 it never says 2 minutes."""
    page.goto("/")
    spoken = page.evaluate("""async () => {
        const { spokenTime } = await import('/static/js/player/timer.js');
        return [73, 60, 59, 1, 0, 3600, 4499, 7260].map(spokenTime);
    }""")
    assert spoken == ["1 minute left", "1 minute left", "59 seconds left", "1 second left", "No time left",
                      "1 hour left", "1 hour 14 minutes left", "2 hours 1 minute left"]
