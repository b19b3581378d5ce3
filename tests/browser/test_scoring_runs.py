"""An examiner scores a sitting, reads the run, makes a new run excluding an item (after an error
summary), reads decision quality at a pass mark (after a bad one) and compares the two runs — axe-core on every page."""
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


def _sat_sitting(live, tag: str) -> int:
    """A sitting of an approved demo case study that eight candidates sat and submitted yesterday."""
    from sqlalchemy import select

    from assessment.accounts import services as accounts
    from assessment.delivery import services
    from assessment.delivery.models import Booking
    from assessment.delivery.sittings import services as sitting_services
    from core import db
    from core.roles import SYSTEM, Role
    from item_bank.models import CaseStudyVersion, ExamPaper, ExamPaperEntry, ExamSpec, ItemVersion
    from item_bank.workflow import Status

    now = dt.datetime.now(dt.timezone.utc)
    start = now - dt.timedelta(days=1)
    with live.app.app_context():
        session = db.session()
        version = session.scalars(select(CaseStudyVersion).where(CaseStudyVersion.status == Status.APPROVED)).first()
        examiner = accounts.find_user_by_email(session, "examiner@example.org")
        spec = ExamSpec(title=f"Scoring spec {tag}", total_marks=version.total_marks, total_marks_tolerance=0,
                        duration_min=60, min_case_studies=1, max_case_studies=1, max_exposure=None, theme_marks={},
                        standard_marks={}, item_type_mix={}, enemy_sets=[], created_by_id=examiner.id,
                        created_at=start, updated_at=start)
        session.add(spec)
        session.flush()
        paper = ExamPaper(title=f"Scoring paper {tag}", exam_spec_id=spec.id, is_published=True,
                          created_by_id=examiner.id, created_at=start, published_at=start)
        session.add(paper)
        session.flush()
        session.add(ExamPaperEntry(exam_paper_id=paper.id, case_study_version_id=version.id, position=1))
        session.flush()
        sitting = sitting_services.create_sitting(session, actor=SYSTEM, now=start - dt.timedelta(days=3),
                                                  details=sitting_services.SittingDetails(
            title=f"Scored sitting {tag}", paper_ids=[paper.id], duration_min=60, capacity=30,
            booking_opens_at=start - dt.timedelta(days=2), booking_closes_at=start - dt.timedelta(hours=1),
            opens_at=start, closes_at=start + dt.timedelta(hours=8)))
        rng = random.Random(5)
        for n in range(8):
            candidate = accounts.create_user(session, actor=SYSTEM, email=f"scored{tag}-{n}@example.org",
                                             full_name=f"Candidate {n}", password=DEMO_PASSWORD,
                                             roles={Role.CANDIDATE}, now=start, hash_profile="fast")
            session.add(Booking(sitting_id=sitting.id, candidate_id=candidate.id, booked_at=start - dt.timedelta(days=1)))
            session.flush()
            at = start + dt.timedelta(minutes=5)
            from tests.proctoring.helpers import approve_checkin  # invigilated, the form's default

            approve_checkin(session, sitting.id, candidate.id,
                            accounts.find_user_by_email(session, "invigilator@example.org").id, start)
            attempt = services.start_attempt(session, actor=candidate.actor, sitting_id=sitting.id, device_id="d",
                                             now=at, rng=rng)
            seq = 0
            for slot in attempt.slots:
                content = session.get(ItemVersion, slot.item_version_id).content
                if content.get("type") != "sba":
                    continue
                answer = rng.choice([o["id"] for o in content["options"]])
                seq = services.save_response(session, actor=candidate.actor, attempt_id=attempt.id, slot=slot.slot,
                                             payload={"answer": answer}, seen_seq=seq, client_step_id=f"s{slot.slot}",
                                             device_id="d", now=at).seq
            services.submit_attempt(session, actor=candidate.actor, attempt_id=attempt.id,
                                    now=at + dt.timedelta(minutes=20))
        session.commit()
        return sitting.id


def test_examiner_scores_a_sitting_excludes_an_item_and_compares(page, live):
    tag = str(next(_ids))
    sitting_id = _sat_sitting(live, tag)
    sign_in(page, "examiner@example.org")
    page.goto("/scoring")
    page.checked("sittings")
    page.get_by_role("link", name=f"Scored sitting {tag}").click()
    page.checked("sitting-runs")
    page.get_by_label("Note (optional)").fill("First scoring")
    page.get_by_role("button", name="Make a scoring run").press("Enter")
    page.wait_for_url(re.compile(r"/scoring/runs/\d+$"))
    first = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", name=re.compile(f"Scoring run {first}"))).to_be_visible()
    expect(page.get_by_role("img", name=f"Score distribution of run {first}")).to_be_visible()
    page.checked("run")

    # Decision quality at a cut: a bad pass mark is said beside the field; a good one shows the figures.
    page.get_by_label(re.compile(r"^Pass mark \(out of")).fill("plenty")
    page.get_by_role("button", name="Show decision quality").press("Enter")
    page.wait_for_url(re.compile(rf"/scoring/runs/{first}\?cut=plenty"))
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.checked("run-cut-error")
    page.get_by_label(re.compile(r"^Pass mark \(out of")).fill("2")
    page.get_by_role("button", name="Show decision quality").press("Enter")
    page.wait_for_url(re.compile(rf"/scoring/runs/{first}\?cut=2"))
    expect(page.get_by_text("Candidates within ±1 CSEM of the pass mark")).to_be_visible()
    expect(page.get_by_role("heading", name="Local dependence within case studies")).to_be_visible()
    page.checked("run-with-cut")
    page.goto(f"/scoring/runs/{first}")

    page.get_by_role("link", name="Make a new run from this one").click()
    page.get_by_role("button", name="Make the new run").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.checked("new-run-errors")
    page.get_by_label("Exclude the item from scoring").check()
    page.get_by_label("Item", exact=True).select_option(index=1)
    page.get_by_label("Reason").fill("The stem gives the answer away")
    page.get_by_role("button", name="Make the new run").click()
    page.wait_for_url(re.compile(rf"/scoring/runs/{first}/compare\?other=\d+$"))
    expect(page.get_by_role("heading", name=re.compile("Items whose decisions or statistics change"))).to_be_visible()
    page.checked("compare")
    page.get_by_label("Pass mark (optional)").fill("lots")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.checked("compare-error")
    assert sitting_id
