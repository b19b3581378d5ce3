"""A marker marks a written answer with the keyboard only (a mark out of range first, then a good
one); the lead examiner's allocations, progress and moderation pages — axe-core on every page, also
at 320 px wide."""
from __future__ import annotations

import datetime as dt
import itertools
import random
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser
_ids = itertools.count(1)


def _setup(live, tag):
    """A finished sitting of one demo case study with a written item; a candidate who answered and
    submitted; a new examiner allocated as first marker, and one as lead."""
    from sqlalchemy import select

    from assessment.accounts import services as accounts
    from assessment.delivery import services
    from assessment.delivery.models import Booking, Sitting, SittingPaper
    from core import db
    from core.roles import SYSTEM, Role
    from item_bank.models import ExamPaper, ExamPaperEntry, ExamSpec, ItemVersion
    from item_bank.workflow import Status
    from scoring.marking import services as marking

    now = dt.datetime.now(dt.timezone.utc)
    hour = dt.timedelta(hours=1)
    with live.app.app_context():
        session = db.session()
        written = next(iv for iv in session.scalars(select(ItemVersion).where(
            ItemVersion.item_type == "constructed_response")) if iv.case_study_version.status == Status.APPROVED)
        version = written.case_study_version
        people = {}
        for name, roles in (("candidate", {Role.CANDIDATE}), ("marker", {Role.EXAMINER}), ("lead", {Role.EXAMINER})):
            people[name] = accounts.create_user(session, actor=SYSTEM, email=f"{name}.{tag}@example.org",
                                                full_name=f"{name.title()} {tag}", password=DEMO_PASSWORD,
                                                roles=roles, now=now, hash_profile="fast")
        spec = ExamSpec(title=f"Marking spec {tag}", total_marks=version.total_marks, total_marks_tolerance=0,
                        duration_min=60, min_case_studies=1, max_case_studies=1, max_exposure=None, theme_marks={},
                        standard_marks={}, item_type_mix={}, enemy_sets=[], created_by_id=people["lead"].id,
                        created_at=now, updated_at=now)
        session.add(spec)
        session.flush()
        paper = ExamPaper(title=f"Marking paper {tag}", exam_spec_id=spec.id, is_published=True,
                          created_by_id=people["lead"].id, created_at=now, published_at=now)
        session.add(paper)
        session.flush()
        session.add(ExamPaperEntry(exam_paper_id=paper.id, case_study_version_id=version.id, position=1))
        sitting = Sitting(title=f"Marking sitting {tag}", is_practice=False, booking_opens_at=now - 48 * hour,
                          booking_closes_at=now - 24 * hour, opens_at=now - 3 * hour, closes_at=now + hour,
                          duration_s=3600, capacity=10, requires_invigilation=False, created_at=now - 72 * hour)
        session.add(sitting)
        session.flush()
        session.add(SittingPaper(sitting_id=sitting.id, exam_paper_id=paper.id))
        session.add(Booking(sitting_id=sitting.id, candidate_id=people["candidate"].id, booked_at=now - 30 * hour))
        session.flush()
        actor = people["candidate"].actor
        attempt = services.start_attempt(session, actor=actor, sitting_id=sitting.id, device_id="tab",
                                         now=now - 2 * hour, rng=random.Random(2))
        slot = next(s.slot for s in attempt.slots if s.item_version_id == written.id)
        services.save_response(session, actor=actor, attempt_id=attempt.id, slot=slot,
                               payload={"answer": "I would acknowledge his goals and explain the driving rules."},
                               seen_seq=0, client_step_id="c1", device_id="tab", now=now - 2 * hour)
        services.submit_attempt(session, actor=actor, attempt_id=attempt.id, now=now - 2 * hour)
        marking.allocate(session, SYSTEM, sitting.id, people["lead"].id, "lead", now)
        marking.allocate(session, SYSTEM, sitting.id, people["marker"].id, "first", now)
        session.commit()
        return sitting.id, people["marker"].email, people["lead"].email


def _press(page, locator):
    """Activate a control from the keyboard: focus it as Tab would, then press Enter."""
    locator.focus()
    page.keyboard.press("Enter")


def test_a_marker_marks_a_script_with_the_keyboard_only(page, live):
    sitting_id, marker, lead = _setup(live, f"m{next(_ids)}")
    sign_in(page, marker)
    page.goto("/")
    _press(page, page.get_by_role("link", name="Marking: your queue"))
    page.checked("marking-index")
    _press(page, page.get_by_role("link", name="Your queue"))
    page.checked("queue")
    _press(page, page.get_by_role("link", name=re.compile(r"^Mark candidate")).first)
    page.checked("mark-script")
    page.wait_for_load_state()
    assert "acknowledge his goals" in page.content()

    page.get_by_label("Mark", exact=True).focus()
    page.keyboard.type("99")
    page.keyboard.press("Tab")
    page.keyboard.type("Both points made")
    _press(page, page.get_by_role("button", name="Save mark"))
    expect(page.get_by_role("alert")).to_contain_text("The mark must be between 0 and")
    page.checked("mark-error")

    field = page.get_by_label("Mark", exact=True)
    field.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    _press(page, page.get_by_role("button", name="Save mark"))
    expect(page.get_by_text("Mark saved for candidate")).to_be_visible()
    page.checked("queue-after")

    page.set_viewport_size({"width": 320, "height": 800})
    _press(page, page.get_by_role("link", name="see or change your mark").first)
    page.checked("marked-320")


def test_the_lead_examiner_pages(page, live):
    sitting_id, marker, lead = _setup(live, f"l{next(_ids)}")
    sign_in(page, lead)
    for path, name in (("allocations", "allocations"), ("progress", "progress"), ("moderation", "moderation")):
        page.goto(f"/marking/sittings/{sitting_id}/{path}")
        page.checked(name)
    page.goto(f"/marking/sittings/{sitting_id}/allocations")
    _press(page, page.get_by_role("button", name="Allocate"))
    expect(page.get_by_role("alert")).to_contain_text("Choose an examiner")
    page.checked("allocations-error")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"/marking/sittings/{sitting_id}/moderation")
    page.checked("moderation-320")
