"""The invigilator's messages answered with an autosave (``POST /api/v1/attempts/<id>/responses``
with ``"messages": true``): the same list as the messages API, on both of the save's paths, read
inside the save's transaction in one statement, and a refused save answers none."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from core import signals
from core.roles import Role
from assessment.delivery import services as delivery
from proctoring.live import services
from proctoring.live.subscribers import messages_for_a_save
from proctoring.rules import LogKind
from tests.assessment.delivery.test_hot_path import statements  # noqa: F401  (a fixture)
from tests.proctoring.telemetry.conftest import DEVICE, invigilated_attempt  # noqa: F401  (a fixture)
from tests.proctoring.telemetry.test_ingest import event, rows
from tests.proctoring.telemetry.test_riding_on_saves import path, save, stored_steps  # noqa: F401  (path: a fixture)


def ask(client, attempt, **kwargs):
    return save(client, attempt, messages=True, **kwargs)


def polled(client, attempt):
    return client.get(f"/api/v1/invigilation/attempts/{attempt.id}/messages").get_json()["messages"]


def send(db, make_user, attempt, clock, text):
    return services.send_message(db, actor=make_user(Role.INVIGILATOR).actor, attempt_id=attempt.id, text=text,
                                 now=clock.now())


def test_the_composition_root_connects_the_receiver(app):
    assert messages_for_a_save in list(signals.save_asks_messages.receivers_for(object()))


def test_a_save_that_asks_is_answered_with_the_messages_as_the_poll_lists_them(db, client, clock, make_user,
                                                                               invigilated_attempt, path):
    attempt = invigilated_attempt
    first = ask(client, attempt)
    assert first.status_code == 200 and first.get_json()["written"] is True
    assert first.get_json()["messages"] == []
    sent = send(db, make_user, attempt, clock, "Please face the camera")
    answer = ask(client, attempt, step="c-2", seen=1, answer="C").get_json()
    assert answer["seq"] == 2
    assert answer["messages"] == polled(client, attempt) == [
        {"id": sent.id, "text": "Please face the camera", "sent_at": sent.received_at.isoformat(),
         "acknowledged": False}]
    client.post(f"/api/v1/invigilation/attempts/{attempt.id}/messages/{sent.id}/acknowledge", json={})
    later = send(db, make_user, attempt, clock, "Thank you")
    answer = ask(client, attempt, step="c-3", seen=2, answer="D").get_json()
    assert [(m["id"], m["acknowledged"]) for m in answer["messages"]] == [(sent.id, True), (later.id, False)]
    assert stored_steps(db, attempt) == [(1, "c-1"), (2, "c-2"), (3, "c-3")]


def test_a_save_that_does_not_ask_is_answered_as_before(db, client, clock, make_user, invigilated_attempt, path):
    attempt = invigilated_attempt
    send(db, make_user, attempt, clock, "Please face the camera")
    assert "messages" not in save(client, attempt).get_json()
    answer = save(client, attempt, step="c-2", seen=1, answer="C", messages=False).get_json()
    assert answer["written"] is True and "messages" not in answer


def test_a_retried_save_that_asks_is_answered_with_the_messages_too(db, client, clock, make_user,
                                                                    invigilated_attempt, path):
    attempt = invigilated_attempt
    ask(client, attempt)
    sent = send(db, make_user, attempt, clock, "Please face the camera")
    again = ask(client, attempt).get_json()
    assert again["written"] is False and [m["id"] for m in again["messages"]] == [sent.id]
    assert stored_steps(db, attempt) == [(1, "c-1")]


def test_a_sitting_that_is_not_invigilated_has_no_messages(db, client, clock, framework, login_as, path):
    from tests.assessment.delivery.player_data import SHORT, make_exam

    candidate = login_as(Role.CANDIDATE)
    sitting, _ = make_exam(db, items=SHORT, candidate=candidate, now=clock.now())
    attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id=DEVICE,
                                     now=clock.now())
    answer = ask(client, attempt).get_json()
    assert answer["written"] is True and answer["messages"] == []


def test_a_message_to_another_attempt_of_the_sitting_is_not_this_ones(db, client, clock, make_user,
                                                                      invigilated_attempt):
    """The invigilation spans the candidate's sitting; a message names the attempt it was sent to."""
    attempt = invigilated_attempt
    send(db, make_user, attempt, clock, "Please face the camera")
    other_id = attempt.id + 1000
    assert services.messages_of(db, attempt_id=other_id, candidate_id=attempt.candidate_id) == []
    assert services.messages_of(db, attempt_id=attempt.id, candidate_id=attempt.candidate_id + 1000) == []
    assert len(services.messages_of(db, attempt_id=attempt.id, candidate_id=attempt.candidate_id)) == 1


def test_a_refused_save_is_not_answered_with_messages(db, client, clock, make_user, invigilated_attempt):
    attempt = invigilated_attempt
    save(client, attempt)
    send(db, make_user, attempt, clock, "Please face the camera")
    stale = ask(client, attempt, step="c-2", seen=0, answer="C")
    assert stale.status_code == 409 and "messages" not in stale.get_json()


@pytest.mark.parametrize("asked", ["yes", 1, None, [True]])
def test_asking_in_the_wrong_shape_is_422_and_writes_nothing(db, client, invigilated_attempt, asked):
    attempt = invigilated_attempt
    response = save(client, attempt, messages=asked)
    assert response.status_code == 422 and "messages" in response.get_json()["fields"]
    assert stored_steps(db, attempt) == []


def test_a_database_error_while_reading_them_fails_the_save_whole(db, client, clock, make_user, invigilated_attempt,
                                                                   monkeypatch, path):
    """The read is inside the save's transaction: an error there is the save's, so nothing is stored
    or acknowledged, and the player's outbox sends the save again."""
    attempt = invigilated_attempt
    send(db, make_user, attempt, clock, "Please face the camera")

    def unreadable(*_args, **_kwargs):
        raise OperationalError("SELECT … FROM invigilation_events", {}, Exception("connection lost"))

    monkeypatch.setattr(services, "messages_of", unreadable)
    response = ask(client, attempt, events=[event("h-1")])
    assert response.status_code == 503 and "written" not in response.get_json()
    assert stored_steps(db, attempt) == [] and rows(db, attempt, [LogKind.HEARTBEAT]) == []
    monkeypatch.undo()
    again = ask(client, attempt, events=[event("h-1")]).get_json()  # the outbox's resend
    assert again["written"] is True and len(again["messages"]) == 1 and again["events"]["acknowledged"] == ["h-1"]


def test_asking_costs_the_fast_save_one_statement(db, client, clock, make_user, invigilated_attempt, statements):
    """The save's three, then the messages in one before the commit; with heartbeats riding too, their
    four after it (the ingest's fast path; five on SQLite, which takes its write lock first)."""
    attempt = invigilated_attempt
    send(db, make_user, attempt, clock, "Please face the camera")
    save(client, attempt, step="c-0")
    statements.clear()
    assert len(ask(client, attempt, step="c-1", seen=1, answer="C").get_json()["messages"]) == 1
    assert len(statements) == 3 + 1, statements
    assert statements[2].startswith("INSERT INTO response_steps") and "invigilation_events" in statements[3]
    extra = 1 if db.get_bind().dialect.name == "sqlite" else 0
    statements.clear()
    answer = ask(client, attempt, step="c-2", seen=2, answer="D", events=[event("h-1")]).get_json()
    assert answer["events"]["acknowledged"] == ["h-1"] and len(answer["messages"]) == 1
    assert len(statements) == 3 + 1 + 4 + extra, statements
