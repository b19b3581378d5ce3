"""The player's message poll (``GET /api/v1/invigilation/attempts/<id>/messages``) on its fast path:
one statement that confirms the cookie's claim and reads the messages, answering exactly as the
ordinary path (which loads the person and the attempt) does, refusals included."""
from __future__ import annotations

from sqlalchemy import update

from core.roles import Role
from assessment.accounts.models import User
from assessment.delivery import services as delivery
from proctoring.live import services
from tests.assessment.delivery.test_hot_path import statements  # noqa: F401  (a fixture)
from tests.proctoring.live.test_messages_on_saves import send
from tests.proctoring.telemetry.conftest import DEVICE, invigilated_attempt  # noqa: F401  (a fixture)


def poll(client, attempt_id: int):
    response = client.get(f"/api/v1/invigilation/attempts/{attempt_id}/messages")
    return response.status_code, response.get_json()


def both_paths(client, monkeypatch, attempt_id: int):
    """The poll's answer on the fast path, then on the ordinary one (no clause to confirm a claim)."""
    fast = poll(client, attempt_id)
    with monkeypatch.context() as patched:
        patched.setattr("proctoring.live.api.claim_holds_clause", lambda: None)
        patched.setattr(services, "messages_fast", None)  # not reached on the ordinary path
        ordinary = poll(client, attempt_id)
    return fast, ordinary


def test_the_poll_is_one_statement_and_answers_as_the_ordinary_path(db, client, clock, make_user, monkeypatch,
                                                                     invigilated_attempt, statements):
    attempt = invigilated_attempt
    statements.clear()
    assert poll(client, attempt.id) == (200, {"messages": []})
    assert len(statements) == 1 and "role_grants" in statements[0], statements
    sent = send(db, make_user, attempt, clock, "Please face the camera")
    fast, ordinary = both_paths(client, monkeypatch, attempt.id)
    assert fast == ordinary == (200, {"messages": [{"id": sent.id, "text": "Please face the camera",
                                                    "sent_at": sent.received_at.isoformat(),
                                                    "acknowledged": False}]})
    client.post(f"/api/v1/invigilation/attempts/{attempt.id}/messages/{sent.id}/acknowledge", json={})
    later = send(db, make_user, attempt, clock, "Thank you")
    fast, ordinary = both_paths(client, monkeypatch, attempt.id)
    assert fast == ordinary
    assert [(m["id"], m["acknowledged"]) for m in fast[1]["messages"]] == [(sent.id, True), (later.id, False)]


def test_a_sitting_that_is_not_invigilated_polls_no_messages_on_both_paths(db, client, clock, framework, login_as,
                                                                          monkeypatch):
    from tests.assessment.delivery.player_data import SHORT, make_exam

    candidate = login_as(Role.CANDIDATE)
    sitting, _ = make_exam(db, items=SHORT, candidate=candidate, now=clock.now())
    attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id=DEVICE,
                                     now=clock.now())
    assert both_paths(client, monkeypatch, attempt.id) == ((200, {"messages": []}), (200, {"messages": []}))


def test_the_poll_refuses_a_stale_sign_in_a_disabled_account_staff_and_someone_elses_attempt(
        db, client, login_as, monkeypatch, invigilated_attempt):
    attempt = invigilated_attempt
    db.execute(update(User).where(User.id == attempt.candidate_id).values(session_version=User.session_version + 1))
    db.flush()
    assert [status for status, _ in both_paths(client, monkeypatch, attempt.id)] == [401, 401]
    login_as(Role.INVIGILATOR)
    assert [status for status, _ in both_paths(client, monkeypatch, attempt.id)] == [403, 403]
    other = login_as(Role.CANDIDATE)
    assert [status for status, _ in both_paths(client, monkeypatch, attempt.id)] == [404, 404]
    assert [status for status, _ in both_paths(client, monkeypatch, attempt.id + 1000)] == [404, 404]
    db.execute(update(User).where(User.id == other.id).values(is_enabled=False))
    db.flush()
    assert [status for status, _ in both_paths(client, monkeypatch, attempt.id)] == [401, 401]
