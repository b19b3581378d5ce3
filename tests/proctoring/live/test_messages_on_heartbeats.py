"""The invigilator's messages answered with a batch of events (``POST /api/v1/invigilation/attempts/<id>/events``
with ``"messages": true``): the player's heartbeats sent on their own look for messages, so its poll
for them can wait. The same list as the messages API, read inside the batch's transaction in one
statement; a refused batch answers none."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from core.roles import Role
from proctoring.live import services
from proctoring.rules import LogKind
from tests.assessment.delivery.test_hot_path import statements  # noqa: F401  (a fixture)
from tests.proctoring.live.test_messages_on_saves import polled, send
from tests.proctoring.telemetry.conftest import invigilated_attempt  # noqa: F401  (a fixture)
from tests.proctoring.telemetry.test_ingest import event, rows, telemetry_count, url


def beat(client, attempt, *ids, **fields):
    return client.post(url(attempt), json={"events": [event(i) for i in ids or ("h-1",)], **fields})


def test_a_batch_that_asks_is_answered_with_the_messages_as_the_poll_lists_them(db, client, clock, make_user,
                                                                                invigilated_attempt):
    attempt = invigilated_attempt
    first = beat(client, attempt, "h-1", messages=True)
    assert first.status_code == 200 and first.get_json()["acknowledged"] == ["h-1"]
    assert first.get_json()["messages"] == []
    sent = send(db, make_user, attempt, clock, "Please face the camera")
    answer = beat(client, attempt, "h-2", messages=True).get_json()
    assert answer["acknowledged"] == ["h-2"] and "settings" in answer
    assert answer["messages"] == polled(client, attempt) == [
        {"id": sent.id, "text": "Please face the camera", "sent_at": sent.received_at.isoformat(),
         "acknowledged": False}]
    client.post(f"/api/v1/invigilation/attempts/{attempt.id}/messages/{sent.id}/acknowledge", json={})
    answer = beat(client, attempt, "h-3", messages=True).get_json()
    assert [(m["id"], m["acknowledged"]) for m in answer["messages"]] == [(sent.id, True)]
    assert [r.client_event_id for r in rows(db, attempt, [LogKind.HEARTBEAT])] == ["h-1", "h-2", "h-3"]


def test_a_batch_that_does_not_ask_is_answered_as_before(db, client, clock, make_user, invigilated_attempt):
    attempt = invigilated_attempt
    send(db, make_user, attempt, clock, "Please face the camera")
    assert "messages" not in beat(client, attempt, "h-1").get_json()
    answer = beat(client, attempt, "h-2", messages=False).get_json()
    assert answer["acknowledged"] == ["h-2"] and "messages" not in answer


def test_a_retried_batch_that_asks_is_answered_with_the_messages_too(db, client, clock, make_user,
                                                                     invigilated_attempt):
    attempt = invigilated_attempt
    beat(client, attempt, "h-1")
    sent = send(db, make_user, attempt, clock, "Please face the camera")
    again = beat(client, attempt, "h-1", messages=True).get_json()
    assert again["acknowledged"] == ["h-1"] and [m["id"] for m in again["messages"]] == [sent.id]
    assert len(rows(db, attempt, [LogKind.HEARTBEAT])) == 1


def test_a_refused_batch_is_not_answered_with_messages(app, db, client, clock, make_user, invigilated_attempt):
    app.config["INVIGILATION_MAX_EVENTS_PER_MINUTE"] = 3  # the message sent counts in the minute too
    attempt = invigilated_attempt
    send(db, make_user, attempt, clock, "Please face the camera")
    assert beat(client, attempt, "h-1", "h-2").status_code == 200
    refused = beat(client, attempt, "h-3", messages=True)
    assert refused.status_code == 429 and "messages" not in refused.get_json()


@pytest.mark.parametrize("asked", ["yes", 1, None, [True]])
def test_asking_in_the_wrong_shape_is_422_and_writes_nothing(db, client, invigilated_attempt, asked):
    attempt = invigilated_attempt
    response = beat(client, attempt, "h-1", messages=asked)
    assert response.status_code == 422 and "messages" in response.get_json()["fields"]
    assert telemetry_count(db, attempt) == 0


def test_a_database_error_while_reading_them_fails_the_batch_whole(db, client, clock, make_user,
                                                                    invigilated_attempt, monkeypatch):
    """The read is inside the batch's transaction: nothing is stored or acknowledged, and the player
    sends the batch again."""
    attempt = invigilated_attempt
    send(db, make_user, attempt, clock, "Please face the camera")

    def unreadable(*_args, **_kwargs):
        raise OperationalError("SELECT … FROM invigilation_events", {}, Exception("connection lost"))

    monkeypatch.setattr(services, "messages_of", unreadable)
    response = beat(client, attempt, "h-1", messages=True)
    assert response.status_code == 503 and "acknowledged" not in response.get_json()
    assert rows(db, attempt, [LogKind.HEARTBEAT]) == []
    monkeypatch.undo()
    again = beat(client, attempt, "h-1", messages=True).get_json()
    assert again["acknowledged"] == ["h-1"] and len(again["messages"]) == 1


def test_asking_costs_the_batch_one_statement(db, client, clock, make_user, invigilated_attempt, statements):
    attempt = invigilated_attempt
    send(db, make_user, attempt, clock, "Please face the camera")
    beat(client, attempt, "h-0")
    statements.clear()
    beat(client, attempt, "h-1")
    alone = len(statements)
    statements.clear()
    assert len(beat(client, attempt, "h-2", messages=True).get_json()["messages"]) == 1
    assert len(statements) == alone + 1, statements
    assert "invigilation_events" in statements[-1] and statements[-1].startswith("SELECT")
