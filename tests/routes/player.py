"""Routes of the exam player and its autosave API: candidates only, and only their own attempt —
the table's attempt belongs to another candidate, so each visiting candidate gets 404 (staff 403).
The start page is for a practice sitting, open to every candidate."""
import datetime as dt

from core.roles import Role
from tests.routes import Route, roles

CANDIDATE = roles(Role.CANDIDATE)
SAVE = {"slot": 1, "payload": {"answer": "B"}, "seen_seq": 0, "client_step_id": "route", "device_id": "route"}

ROUTES = {
    "player.start": Route("/sittings/{player_sitting_id}/start", CANDIDATE),
    "player.player": Route("/attempts/{player_attempt_id}", CANDIDATE, ok=404),
    "player.review": Route("/attempts/{player_attempt_id}/review", CANDIDATE, ok=404),
    "player.submit": Route("/attempts/{player_attempt_id}/submit", CANDIDATE, method="POST", ok=404),
    "player.receipt": Route("/attempts/{player_attempt_id}/receipt", CANDIDATE, ok=404),
    "player.practice_answers": Route("/attempts/{player_attempt_id}/answers", CANDIDATE, ok=404),
    "delivery_api.attempt": Route("/api/v1/attempts/{player_attempt_id}", CANDIDATE, ok=404),
    "delivery_api.state": Route("/api/v1/attempts/{player_attempt_id}/state", CANDIDATE, ok=404),
    "delivery_api.storage_key": Route("/api/v1/attempts/{player_attempt_id}/storage-key", CANDIDATE, ok=404),
    "delivery_api.claim": Route("/api/v1/attempts/{player_attempt_id}/claim", CANDIDATE, method="POST", ok=404),
    "delivery_api.save_response": Route("/api/v1/attempts/{player_attempt_id}/responses", CANDIDATE,
                                        method="POST", ok=404, data=SAVE),
    "delivery_api.submit": Route("/api/v1/attempts/{player_attempt_id}/submit", CANDIDATE, method="POST", ok=404),
    "delivery_api.rest_break": Route("/api/v1/attempts/{player_attempt_id}/break", CANDIDATE, method="POST", ok=404),
    "delivery_api.attachment": Route("/api/v1/attempts/{player_attempt_id}/attachments/1", CANDIDATE, ok=404),
}


def build_context(db, make_user, framework):
    from assessment.delivery import services
    from tests.assessment.delivery.player_data import SHORT, make_exam

    now = dt.datetime.now(dt.timezone.utc)
    practice, _ = make_exam(db, items=SHORT, is_practice=True, now=now)
    sitting, owner = make_exam(db, items=SHORT, now=now)
    attempt = services.start_attempt(db, actor=owner.actor, sitting_id=sitting.id, device_id="owner", now=now)
    return {"player_sitting_id": practice.id, "player_attempt_id": attempt.id}
