"""Routes of the telemetry ingest API: candidates only, and only their own attempt — the table's
attempt belongs to another candidate, so each visiting candidate gets 404 (staff 403, anonymous 401)."""
import datetime as dt

from core.roles import Role
from tests.routes import Route, roles

CANDIDATE = roles(Role.CANDIDATE)

ROUTES = {
    "invigilation_api.events": Route("/api/v1/invigilation/attempts/{telemetry_attempt_id}/events", CANDIDATE,
                                     method="POST", ok=404),
    "invigilation_api.snapshots": Route("/api/v1/invigilation/attempts/{telemetry_attempt_id}/snapshots", CANDIDATE,
                                        method="POST", ok=404),
}


def build_context(db, make_user, framework):
    from assessment.delivery import services
    from tests.assessment.delivery.player_data import SHORT, make_exam

    now = dt.datetime.now(dt.timezone.utc)
    from tests.proctoring.telemetry.conftest import approve_checkin

    sitting, owner = make_exam(db, items=SHORT, requires_invigilation=True, now=now)
    approve_checkin(db, sitting=sitting, candidate=owner, invigilator=make_user(Role.INVIGILATOR), now=now)
    attempt = services.start_attempt(db, actor=owner.actor, sitting_id=sitting.id, device_id="owner", now=now)
    return {"telemetry_attempt_id": attempt.id}
