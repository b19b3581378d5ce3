"""Routes of marking. A marker's pages need an allocation in the sitting, which the fresh examiner of
the route test lacks (refused: 403), and a script's two marks are "not found" for anyone who did not
give one; the lead examiner's pages are open to administrators and refuse an examiner who is not the
sitting's lead."""
import datetime as dt

from core.roles import Role
from tests.routes import Route, roles

EXAMINER = roles(Role.EXAMINER)
ADMIN = roles(Role.ADMIN)

ROUTES = {
    "marking.index": Route("/marking", roles(Role.EXAMINER, Role.ADMIN)),
    "marking.queue": Route("/marking/sittings/{marking_sitting_id}/queue", EXAMINER, ok=403),
    "marking.mark_script": Route("/marking/scripts/{marking_script_id}/first", EXAMINER, ok=403),
    "marking.both_marks": Route("/marking/scripts/{marking_script_id}/marks", EXAMINER, ok=404),
    "marking.allocations": Route("/marking/sittings/{marking_sitting_id}/allocations", ADMIN),
    # No examiner chosen: the form comes back with the error.
    "marking.allocate": Route("/marking/sittings/{marking_sitting_id}/allocations", ADMIN, method="POST", ok=422,
                              data={"allocate-pool": "first"}),
    "marking.withdraw": Route("/marking/allocations/{marking_allocation_id}/withdraw", ADMIN, method="POST", ok=302),
    "marking.pass_mark": Route("/marking/sittings/{marking_sitting_id}/pass-mark", ADMIN, method="POST", ok=302,
                               data={"pass-pass_mark": "40"}),
    "marking.progress": Route("/marking/sittings/{marking_sitting_id}/progress", ADMIN),
    "marking.moderation": Route("/marking/sittings/{marking_sitting_id}/moderation", ADMIN),
    "marking.seed": Route("/marking/scripts/{marking_script_id}/seed", ADMIN, method="POST", ok=302),
}


def build_context(db, make_user, framework):
    """A sitting with one script marked twice (agreed) and one allocation."""
    from assessment.delivery.models import Attempt, Sitting
    from scoring.marking import services
    from scoring.marking.models import Mark, Script
    from tests.routes.sittings import published_paper

    now = dt.datetime.now(dt.timezone.utc)
    day = dt.timedelta(days=1)
    paper = published_paper(db, make_user, now)
    sitting = Sitting(title="Marking route sitting", is_practice=False, booking_opens_at=now - 9 * day,
                      booking_closes_at=now - 8 * day, opens_at=now - 7 * day, closes_at=now - 6 * day,
                      duration_s=3600, capacity=10, requires_invigilation=False, created_at=now - 10 * day)
    db.add(sitting)
    db.flush()
    candidate, admin = make_user(Role.CANDIDATE), make_user(Role.ADMIN)
    first, second = make_user(Role.EXAMINER), make_user(Role.EXAMINER)
    attempt = Attempt(sitting_id=sitting.id, candidate_id=candidate.id, exam_paper_id=paper.id,
                      started_at=now - 7 * day, duration_s=3600)
    db.add(attempt)
    db.flush()
    version_id = paper.entries[0].case_study_version.item_versions[0].id
    script = Script(sitting_id=sitting.id, attempt_id=attempt.id, slot=1, item_version_id=version_id,
                    candidate_number="314159", answer={"text": "An answer"}, max_mark=4, created_at=now)
    db.add(script)
    db.flush()
    allocation = services.allocate(db, admin.actor, sitting.id, first.id, "first", now)
    services.allocate(db, admin.actor, sitting.id, second.id, "second", now)
    db.add_all([Mark(script_id=script.id, marker_id=first.id, round="first", mark=2, justification="Two points",
                     created_at=now),
                Mark(script_id=script.id, marker_id=second.id, round="second", mark=2, justification="Two points",
                     created_at=now)])
    db.flush()
    return {"marking_sitting_id": sitting.id, "marking_script_id": script.id, "marking_allocation_id": allocation.id}
