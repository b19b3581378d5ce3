"""Routes of check-in: candidates' pages answer only for a sitting they booked (the table's sitting is
booked by another candidate, so each visiting candidate gets 404); the system check is for anyone
signed in; the queue and the review are for invigilators and administrators."""
import datetime as dt

from core.roles import Role
from tests.routes import SIGNED_IN, Route, roles

CANDIDATE = roles(Role.CANDIDATE)
STAFF = roles(Role.INVIGILATOR, Role.ADMIN)
SITTING = "/invigilation/sittings/{checkin_sitting_id}"

ROUTES = {
    "invigilation_checkin.consent": Route(f"{SITTING}/consent", CANDIDATE, ok=404),
    "invigilation_checkin.withdraw_consent": Route(f"{SITTING}/consent/withdraw", CANDIDATE, method="POST", ok=404),
    "invigilation_checkin.system_check": Route("/invigilation/system-check", SIGNED_IN),
    "invigilation_checkin.speed_download": Route("/invigilation/system-check/download", SIGNED_IN),
    "invigilation_checkin.speed_upload": Route("/invigilation/system-check/upload", SIGNED_IN, method="POST"),
    "invigilation_checkin.check_in": Route(f"{SITTING}/check-in", CANDIDATE, ok=404),
    "invigilation_checkin.picture": Route(f"{SITTING}/check-in/photo/picture", CANDIDATE, method="POST", ok=404),
    "invigilation_checkin.need_help": Route(f"{SITTING}/check-in/room_scan/help", CANDIDATE, method="POST", ok=404),
    "invigilation_checkin.acknowledge_rules": Route(f"{SITTING}/check-in/rules", CANDIDATE, method="POST", ok=404),
    "invigilation_checkin.submit": Route(f"{SITTING}/check-in/submit", CANDIDATE, method="POST", ok=404),
    "invigilation_checkin.queue": Route(f"{SITTING}/check-ins", STAFF),
    "invigilation_checkin.review": Route(f"{SITTING}/check-ins/{{checkin_candidate_id}}", STAFF),
    # Nothing was sent, so approving is refused with a message and a redirect back to the review.
    "invigilation_checkin.decide": Route(f"{SITTING}/check-ins/{{checkin_candidate_id}}/approve", STAFF,
                                         method="POST", ok=302),
}


def build_context(db, make_user, framework) -> dict:
    from assessment.delivery.models import Booking, Sitting
    from proctoring import log
    from proctoring.rules import LogKind

    now = dt.datetime.now(dt.timezone.utc)
    day = dt.timedelta(days=1)
    sitting = Sitting(title="Invigilated route sitting", is_practice=False, booking_opens_at=now - 9 * day,
                      booking_closes_at=now - day, opens_at=now - dt.timedelta(hours=1), closes_at=now + day,
                      duration_s=3600, capacity=10, requires_invigilation=True, created_at=now - 10 * day)
    db.add(sitting)
    db.flush()
    owner = make_user(Role.CANDIDATE)
    db.add(Booking(sitting_id=sitting.id, candidate_id=owner.id, booked_at=now - 2 * day))
    db.flush()
    invigilation = log.invigilation_for(db, sitting_id=sitting.id, candidate_id=owner.id, now=now)
    log.append(db, invigilation_id=invigilation.id, kind=LogKind.CONSENT_GIVEN, now=now, actor_id=owner.id)
    return {"checkin_sitting_id": sitting.id, "checkin_candidate_id": owner.id}
