"""Routes of the live invigilator: the dashboard, its stream, one attempt's actions, hand-over for
invigilators and administrators; allocation for administrators; pending ends also for examiners (the
second person). The candidate messages API is for candidates and their own attempt only: the table's
attempt is another candidate's, so each visiting candidate gets 404 (staff 403)."""
import datetime as dt

from core.roles import Role
from tests.routes import Route, roles

LIVE = roles(Role.INVIGILATOR, Role.ADMIN)
CONFIRM = roles(Role.INVIGILATOR, Role.EXAMINER, Role.ADMIN)
CANDIDATE = roles(Role.CANDIDATE)

ROUTES = {
    "invigilation_live.index": Route("/invigilation/live", LIVE),
    "invigilation_live.dashboard": Route("/invigilation/sittings/{live_sitting_id}/live", LIVE),
    "invigilation_live.stream": Route("/invigilation/sittings/{live_sitting_id}/live/stream", LIVE),
    "invigilation_live.attempt": Route("/invigilation/attempts/{live_attempt_id}", LIVE),
    "invigilation_live.message": Route("/invigilation/attempts/{live_attempt_id}/message", LIVE, method="POST",
                                       ok=302, data={"message-text": "Please face the camera."}),
    # Incomplete forms: the page comes back with the problems (422) and nothing is written.
    "invigilation_live.action": Route("/invigilation/attempts/{live_attempt_id}/action", LIVE, method="POST", ok=422),
    "invigilation_live.end_request": Route("/invigilation/attempts/{live_attempt_id}/end-request", LIVE,
                                           method="POST", ok=422),
    "invigilation_live.end_requests": Route("/invigilation/end-requests", CONFIRM),
    # Cancelled first (sorted order), so confirming finds nothing pending and says so on the list.
    "invigilation_live.cancel_end": Route("/invigilation/end-requests/{live_request_id}/cancel", CONFIRM,
                                          method="POST", ok=302,
                                          data={"cancel-note": "The candidate is fine."}),
    "invigilation_live.confirm_end": Route("/invigilation/end-requests/{live_request_id}/confirm", CONFIRM,
                                           method="POST", ok=302),
    "invigilation_live.allocation": Route("/invigilation/sittings/{live_sitting_id}/allocation", roles(Role.ADMIN)),
    "invigilation_live.hand_over": Route("/invigilation/sittings/{live_sitting_id}/hand-over", LIVE),
    "invigilation_messages_api.messages": Route("/api/v1/invigilation/attempts/{live_attempt_id}/messages",
                                                CANDIDATE, ok=404),
    "invigilation_messages_api.acknowledge": Route(
        "/api/v1/invigilation/attempts/{live_attempt_id}/messages/{live_request_id}/acknowledge", CANDIDATE,
        method="POST", ok=404),
}


def build_context(db, make_user, framework) -> dict:
    """An invigilated sitting with a started attempt and a pending request (by someone else) to end it."""
    from proctoring.live import services
    from tests.proctoring.live.helpers import started_attempt

    now = dt.datetime.now(dt.timezone.utc)
    sitting, _, attempt = started_attempt(db, now=now)
    asker = make_user(Role.INVIGILATOR)
    request = services.request_end(db, actor=asker.actor, attempt_id=attempt.id, reason_code="technical_problem",
                                   text="The camera keeps failing.", now=now)
    return {"live_sitting_id": sitting.id, "live_attempt_id": attempt.id, "live_request_id": request.id}
