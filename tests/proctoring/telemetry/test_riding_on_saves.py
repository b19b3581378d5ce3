"""Invigilation events riding on an autosave (``POST /api/v1/attempts/<id>/responses`` with
``events``): taken by the ingest's own rules on both of the save's paths, answered beside the save's
acknowledgement, and never able to refuse, undo or duplicate the save that carried them."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.roles import Role
from assessment.delivery import services as delivery
from assessment.delivery.models import ResponseStep
from proctoring.rules import LogKind
from proctoring.telemetry import services as telemetry
from tests.proctoring.telemetry.conftest import DEVICE
from tests.assessment.delivery.test_hot_path import statements  # noqa: F401  (a fixture)
from tests.proctoring.telemetry.test_ingest import event, rows, telemetry_count

SETTINGS = {"snapshot_interval_s": 30, "heartbeat_interval_s": 15}


def save(client, attempt, *, events=None, step="c-1", seen=0, answer="B", **more):
    body = {"slot": 1, "payload": {"answer": answer}, "seen_seq": seen, "client_step_id": step, "device_id": DEVICE,
            **more}
    if events is not None:
        body["events"] = events
    return client.post(f"/api/v1/attempts/{attempt.id}/responses", json=body)


def stored_steps(db, attempt):
    db.expire_all()
    return [(s.seq, s.client_step_id) for s in db.scalars(
        select(ResponseStep).where(ResponseStep.attempt_id == attempt.id).order_by(ResponseStep.seq))]


@pytest.fixture(params=["fast", "ordinary"])
def path(request, monkeypatch):
    """Each test runs on the save's fast path (the ordinary one must not be reached) and on the
    ordinary one (as when the fast path has no clause to confirm the cookie's claim with)."""
    if request.param == "fast":
        def not_reached(*_args, **_kwargs):
            raise AssertionError("the ordinary save path was used")
        monkeypatch.setattr(delivery, "save_response", not_reached)
    else:
        monkeypatch.setattr("assessment.delivery.api.claim_holds_clause", lambda: None)
    return request.param


def test_a_save_carries_heartbeats_into_the_log_and_answers_for_both(db, client, clock, invigilated_attempt, path):
    attempt = invigilated_attempt
    response = save(client, attempt, events=[event("h-1", at="2026-11-23T10:00:01Z"),
                                             event("w-1", "window_blur", at="2026-11-23T10:00:02Z")])
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["written"] is True and answer["seq"] == 1
    assert answer["events"] == {"acknowledged": ["h-1", "w-1"], "settings": SETTINGS}
    assert [(r.kind, r.client_event_id, r.received_at) for r in rows(db, attempt)] == [
        (LogKind.HEARTBEAT, "h-1", clock.now()), (LogKind.WINDOW_BLUR, "w-1", clock.now())]
    assert stored_steps(db, attempt) == [(1, "c-1")]
    # A save without events answers as it always has.
    plain = save(client, attempt, step="c-2", seen=1, answer="C").get_json()
    assert "events" not in plain and plain["seq"] == 2


def test_a_retried_save_with_its_events_gets_the_same_answer_and_writes_nothing_new(db, client, invigilated_attempt,
                                                                                    path):
    attempt = invigilated_attempt
    first = save(client, attempt, events=[event("h-1")]).get_json()
    again = save(client, attempt, events=[event("h-1")]).get_json()
    assert again["written"] is False and again["seq"] == first["seq"]
    assert again["events"] == first["events"] == {"acknowledged": ["h-1"], "settings": SETTINGS}
    assert telemetry_count(db, attempt) == 1 and stored_steps(db, attempt) == [(1, "c-1")]


def test_events_sent_on_their_own_first_are_acknowledged_again_not_written_twice(db, client, invigilated_attempt,
                                                                                 path):
    attempt = invigilated_attempt
    assert client.post(f"/api/v1/invigilation/attempts/{attempt.id}/events",
                       json={"events": [event("h-1")]}).status_code == 200
    answer = save(client, attempt, events=[event("h-1"), event("h-2")]).get_json()
    assert answer["events"]["acknowledged"] == ["h-1", "h-2"]
    assert [r.client_event_id for r in rows(db, attempt)] == ["h-1", "h-2"]


@pytest.mark.parametrize("bad", [
    event("h-1", "not_a_kind"),                            # a kind the player may not send
    {"id": "h-1", "kind": "heartbeat"},                    # no time
    {**event("h-1"), "data": {"_after_end": True}},        # a key that is the server's
    event("h 1"),                                          # an id out of its alphabet
])
def test_events_of_the_wrong_shape_are_refused_but_the_save_is_stored(db, client, invigilated_attempt, path, bad):
    attempt = invigilated_attempt
    response = save(client, attempt, events=[event("ok-1"), bad])
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["written"] is True
    assert answer["events"]["acknowledged"] == [] and answer["events"]["refused"]["code"] == "invalid"
    assert telemetry_count(db, attempt) == 0  # the batch is refused whole, as on its own
    assert stored_steps(db, attempt) == [(1, "c-1")]


def test_events_over_the_rate_are_refused_with_when_to_send_them_again(app, db, client, clock, invigilated_attempt,
                                                                       path):
    app.config["INVIGILATION_MAX_EVENTS_PER_MINUTE"] = 2
    attempt = invigilated_attempt
    save(client, attempt, events=[event("h-1"), event("h-2")])
    clock.advance(seconds=20)
    answer = save(client, attempt, step="c-2", seen=1, answer="C", events=[event("h-3")]).get_json()
    assert answer["written"] is True and answer["seq"] == 2
    assert answer["events"]["refused"]["code"] == "rate_limited"
    assert answer["events"]["refused"]["retry_after_s"] == 41
    assert telemetry_count(db, attempt) == 2 and len(stored_steps(db, attempt)) == 2


def test_an_attempt_that_is_not_invigilated_stores_the_save_and_refuses_the_events(db, client, clock, framework,
                                                                                   login_as, path):
    from tests.assessment.delivery.player_data import SHORT, make_exam

    candidate = login_as(Role.CANDIDATE)
    sitting, _ = make_exam(db, items=SHORT, candidate=candidate, now=clock.now())
    attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id=DEVICE,
                                     now=clock.now())
    answer = save(client, attempt, events=[event("h-1")]).get_json()
    assert answer["written"] is True and answer["events"]["refused"]["code"] == "not_invigilated"


def test_a_refused_save_carries_nothing(db, client, invigilated_attempt):
    # (A refusal is always the ordinary path's: the fast path hands anything unusual to it.)
    attempt = invigilated_attempt
    save(client, attempt)
    stale = save(client, attempt, step="c-2", seen=0, answer="C", events=[event("h-1")])
    assert stale.status_code == 409 and stale.get_json()["code"] == "stale" and "events" not in stale.get_json()
    assert telemetry_count(db, attempt) == 0  # the player sends them again, with its next save or alone


@pytest.mark.parametrize("envelope", [[], {"id": "h-1"}, "h-1", [event(f"h-{i}") for i in range(101)], ["h-1"]])
def test_an_envelope_of_the_wrong_shape_is_422_and_writes_nothing(db, client, invigilated_attempt, envelope):
    attempt = invigilated_attempt
    response = save(client, attempt, events=envelope)
    assert response.status_code == 422 and any(f.split(".")[0] == "events" for f in response.get_json()["fields"])
    assert telemetry_count(db, attempt) == 0 and stored_steps(db, attempt) == []


@pytest.mark.parametrize("ingest", ["ingest_carried_events_fast", "ingest_events"])
def test_a_database_error_while_taking_the_events_undoes_them_and_not_the_save(db, client, invigilated_attempt,
                                                                               monkeypatch, path, ingest):
    """As when the same ids, sent on their own at the same moment, win the race to the unique key: on
    the ingest's fast path and on its ordinary one."""
    real = getattr(telemetry, ingest)

    def written_then_raced(session, **kwargs):
        real(session, **kwargs)
        session.flush()
        raise IntegrityError("INSERT INTO invigilation_events …", {}, Exception("duplicate key"))

    if ingest == "ingest_events":
        monkeypatch.setattr(telemetry, "ingest_carried_events_fast", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(telemetry, ingest, written_then_raced)
    answer = save(client, attempt := invigilated_attempt, events=[event("h-1")]).get_json()
    assert answer["written"] is True and answer["events"]["refused"]["code"] == "not_taken"
    assert telemetry_count(db, attempt) == 0 and stored_steps(db, attempt) == [(1, "c-1")]


def test_a_batch_costs_four_statements_alone_and_the_same_four_after_a_save(db, client, invigilated_attempt,
                                                                          statements, monkeypatch):
    """Alone, on the fast path: the invigilation's head locked, with who may send and the attempt's
    clock; the attempt's life events, the ids already stored and the last minute's count (one union);
    the row; the head moved on. Carried, the same four after the save's three. SQLite takes its write
    lock with one more (a no-op update) first. The ordinary path (no clause to confirm a claim with)
    costs eight: the person, the attempt, the invigilation, the life events, the union, the lock, the
    row, the head."""
    attempt = invigilated_attempt
    client.post(f"/api/v1/invigilation/attempts/{attempt.id}/events", json={"events": [event("h-0")]})
    extra = 1 if db.get_bind().dialect.name == "sqlite" else 0
    statements.clear()
    assert client.post(f"/api/v1/invigilation/attempts/{attempt.id}/events",
                       json={"events": [event("h-1")]}).status_code == 200
    assert len(statements) == 4 + extra, statements
    # One batch at a time chains onto the head: PostgreSQL locks its row in the first read, SQLite
    # takes its one write lock before it.
    if extra:
        assert statements[0].startswith("UPDATE invigilations SET next_seq=invigilations.next_seq"), statements
    else:
        assert statements[0].rstrip().endswith("FOR UPDATE OF invigilations"), statements
    assert statements[-2].startswith("INSERT INTO invigilation_events")
    assert statements[-1].startswith("UPDATE invigilations")
    statements.clear()
    assert save(client, attempt, events=[event("h-2")]).get_json()["events"]["acknowledged"] == ["h-2"]
    assert len(statements) == 3 + 4 + extra, statements
    assert statements[2].startswith("INSERT INTO response_steps")
    monkeypatch.setattr("proctoring.telemetry.api.claim_holds_clause", lambda: None)
    statements.clear()
    assert client.post(f"/api/v1/invigilation/attempts/{attempt.id}/events",
                       json={"events": [event("h-3")]}).status_code == 200
    assert len(statements) == 8 + extra, statements
