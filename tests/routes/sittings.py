"""Routes of sittings: candidates book and ask for adjustments, administrators run sittings,
invigilators and administrators watch live sittings, examiners and administrators read timelines.

Visited in name order within one test, each route by a new person: ``pause`` comes before
``resume``. The route test uses the real clock, so the
sittings here are placed around the real now."""
import datetime as dt

from core.roles import Role
from tests.routes import Route, roles
from tests.uploads_data import evidence_sealer

CANDIDATE = roles(Role.CANDIDATE)
ADMIN = roles(Role.ADMIN)
STAFF = roles(Role.ADMIN, Role.INVIGILATOR)

ROUTES = {
    "sittings.index": Route("/sittings", CANDIDATE),
    "sittings.confirm_booking": Route("/sittings/{open_sitting_id}/book", CANDIDATE),
    "sittings.book": Route("/sittings/{open_sitting_id}/book", CANDIDATE, method="POST", ok=302),
    "sittings.confirm_cancel": Route("/sittings/{open_sitting_id}/cancel", CANDIDATE, ok=404),
    # Each visit is by a new person, who has no booking to cancel.
    "sittings.cancel": Route("/sittings/{open_sitting_id}/cancel", CANDIDATE, method="POST", ok=404),
    "sittings.adjustments": Route("/adjustments", CANDIDATE),
    "sittings.admin_sittings": Route("/admin/sittings", ADMIN),
    "sittings.new_sitting": Route("/admin/sittings/new", ADMIN),
    "sittings.edit_sitting": Route("/admin/sittings/{open_sitting_id}/edit", ADMIN),
    "sittings.admin_adjustments": Route("/admin/adjustments", ADMIN),
    "sittings.admin_adjustment": Route("/admin/adjustments/{adjustment_id}", ADMIN),
    # The request carries no evidence, so the download is "not found" even for an administrator.
    "sittings.adjustment_evidence": Route("/admin/adjustments/{adjustment_id}/evidence", ADMIN, ok=404),
    "sittings.staff_sittings": Route("/staff/sittings", STAFF),
    "sittings.live": Route("/staff/sittings/{live_sitting_id}/live", STAFF),
    "sittings.staff_attempt": Route("/staff/attempts/{attempt_id}", STAFF),
    "sittings.add_time": Route("/staff/attempts/{attempt_id}/add-time", STAFF, method="POST", ok=302,
                               data={"add-minutes": "5", "add-reason": "Route table: lost connection"}),
    "sittings.pause": Route("/staff/attempts/{attempt_id}/pause", STAFF, method="POST", ok=302,
                            data={"pause-reason": "Route table: fire alarm"}),
    "sittings.resume": Route("/staff/attempts/{attempt_id}/resume", STAFF, method="POST", ok=302),
    "sittings.timeline": Route("/staff/attempts/{attempt_id}/timeline", roles(Role.EXAMINER, Role.ADMIN)),
}


def published_paper(db, make_user, now):
    """A published paper of one approved case study, through the item bank's own services."""
    from item_bank.authoring import services as authoring
    from item_bank.models import ExamPaper, ExamPaperEntry, ExamSpec
    from item_bank.review import services as review
    from item_bank.workflow import Action
    from tests.factories import sba_content

    writer, reviewer, examiner = make_user(Role.ITEM_WRITER), make_user(Role.ITEM_REVIEWER), make_user(Role.EXAMINER)
    version = authoring.create_case_study(db, actor=writer.actor, title="Sittings route case study",
                                          scenario_html="<p>Sam, 40, after a fall.</p>", now=now)
    for primary in ("1.1", "6.3", "13.1"):
        authoring.save_item(db, actor=writer.actor, version_id=version.id, content=sba_content(primary=primary),
                            now=now)
    for action in (Action.SUBMIT, Action.START_REVIEW, Action.APPROVE):
        review.transition(db, actor=writer.actor if action == Action.SUBMIT else reviewer.actor,
                          version_id=version.id, action=action, comment="Fine", now=now)
    spec = ExamSpec(title="Sittings route spec", total_marks=3, total_marks_tolerance=0, duration_min=60,
                    min_case_studies=1, max_case_studies=1, max_exposure=None, theme_marks={}, standard_marks={},
                    item_type_mix={}, enemy_sets=[], created_by_id=examiner.id, created_at=now, updated_at=now)
    db.add(spec)
    db.flush()
    paper = ExamPaper(title="Sittings route paper", exam_spec_id=spec.id, is_published=True,
                      created_by_id=examiner.id, created_at=now, published_at=now)
    db.add(paper)
    db.flush()
    db.add(ExamPaperEntry(exam_paper_id=paper.id, case_study_version_id=version.id, position=1))
    db.flush()
    db.refresh(paper)
    return paper


def build_context(db, make_user, framework):
    from assessment.delivery import services
    from assessment.delivery.adjustments import services as adjustment_services
    from assessment.delivery.sittings import services as sitting_services

    now = dt.datetime.now(dt.timezone.utc)
    admin = make_user(Role.ADMIN)
    paper = published_paper(db, make_user, now)
    hour = dt.timedelta(hours=1)
    SittingDetails = sitting_services.SittingDetails
    open_for_booking = sitting_services.create_sitting(db, actor=admin.actor, now=now, details=SittingDetails(
        title="Booking open", paper_ids=[paper.id], booking_opens_at=now - hour, booking_closes_at=now + 24 * hour,
        opens_at=now + 48 * hour, closes_at=now + 56 * hour, duration_min=60, capacity=50))
    running = sitting_services.create_sitting(db, actor=admin.actor, now=now, details=SittingDetails(
        title="Running now", paper_ids=[paper.id], booking_opens_at=now - 48 * hour,
        booking_closes_at=now - 24 * hour, opens_at=now - hour, closes_at=now + 8 * hour, duration_min=120,
        capacity=50))
    candidate = make_user(Role.CANDIDATE)
    from assessment.delivery.models import Booking

    db.add(Booking(sitting_id=running.id, candidate_id=candidate.id, booked_at=now - 30 * hour))
    db.flush()
    from tests.proctoring.helpers import approve_checkin  # the sitting is invigilated (the form's default)

    approve_checkin(db, running.id, candidate.id, make_user(Role.INVIGILATOR).id, now)
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=running.id, device_id="route-table",
                                     now=now)
    request = adjustment_services.request_adjustments(db, actor=candidate.actor, upload_folder="/nonexistent", sealer=evidence_sealer(),
                                                      scan_command=None, now=now,
                                                      details=adjustment_services.AdjustmentDetails(extra_time_pct=25))
    return {"open_sitting_id": open_for_booking.id, "live_sitting_id": running.id, "attempt_id": attempt.id,
            "adjustment_id": request.id}
