"""The live invigilator's pages: the dashboard (mine or all), its event stream (first event every
candidate, later only changes), the candidate messages API, acting on an attempt and ending one
with a second person, allocation."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from core.roles import Role
from assessment.delivery import replay
from assessment.delivery import services as delivery
from assessment.delivery.models import Booking
from proctoring import log
from proctoring.live import services
from proctoring.models import InvigilationFlag
from proctoring.rules import FlagKind, LogKind, Severity
from tests.proctoring.live.helpers import started_attempt

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def exam(db, framework, clock):
    clock.set(NOW + 5 * MIN)
    return started_attempt(db, now=NOW)


def allocate_to(db, sitting, candidate, invigilator):
    from proctoring.models import InvigilatorAllocation
    db.add(InvigilatorAllocation(sitting_id=sitting.id, candidate_id=candidate.id, invigilator_id=invigilator.id,
                                 allocated_at=NOW, note=""))
    db.flush()


def test_the_dashboard_shows_my_candidates_by_default_and_all_on_request(db, client, login_as, exam):
    sitting, candidate, attempt = exam
    me = login_as(Role.INVIGILATOR)
    page = client.get(f"/invigilation/sittings/{sitting.id}/live")
    assert page.status_code == 200 and "No candidates are allocated to you" in page.text
    allocate_to(db, sitting, candidate, me)
    inv = log.invigilation_for(db, sitting_id=sitting.id, candidate_id=candidate.id, now=NOW)
    for seconds in range(0, 300, 15):
        log.append(db, invigilation_id=inv.id, kind=LogKind.HEARTBEAT, now=NOW + dt.timedelta(seconds=seconds))
    snap = log.append(db, invigilation_id=inv.id, kind=LogKind.SNAPSHOT, now=NOW + MIN, media_key="x/1.jpg",
                      media_sha256="0" * 64, media_type="image/jpeg", media_size=10)
    db.add(InvigilationFlag(invigilation_id=inv.id, attempt_id=attempt.id, kind=FlagKind.TAB_HIDDEN,
                            severity=Severity.MEDIUM, starts_at=NOW + MIN, evidence_event_ids=[], detail="",
                            policy_version="1", raised_at=NOW + MIN))
    services.send_message(db, actor=me.actor, attempt_id=attempt.id, text="Please face the camera", now=NOW + MIN)
    db.flush()
    page = client.get(f"/invigilation/sittings/{sitting.id}/live").text
    assert "candidate allocated to you" in page and "Approved" in page and "In progress" in page
    assert f"/invigilation/evidence/{snap.id}" in page and "Tab hidden" in page
    assert "Please face the camera" in page and "not read yet" in page and "(1 not yet read)" in page
    assert "Last 10 minutes in 30-second spells" in page and "Connected" in page
    everyone = client.get(f"/invigilation/sittings/{sitting.id}/live?show=all").text
    assert "Showing all 1 candidate." in everyone


def test_a_candidate_of_the_sitting_sees_nothing_of_it(db, client, login_as, exam):
    sitting = exam[0]
    person = login_as(Role.INVIGILATOR, Role.CANDIDATE)
    db.add(Booking(sitting_id=sitting.id, candidate_id=person.id, booked_at=NOW))
    db.flush()
    assert client.get(f"/invigilation/sittings/{sitting.id}/live").status_code == 403
    assert client.get(f"/invigilation/sittings/{sitting.id}/live/stream").status_code == 403


def read_events(response):
    """The stream, one server-sent event at a time (comments skipped)."""
    for chunk in response.response:
        text = chunk.decode() if isinstance(chunk, bytes) else chunk
        if text.startswith("retry:"):
            yield {"retry": int(text.split()[1])}
        elif text.startswith("event: update"):
            yield json.loads(text.split("data: ", 1)[1])


def test_the_stream_sends_everyone_first_then_only_changes_and_ends(app, db, client, login_as, exam):
    sitting, candidate, attempt = exam
    other = started_attempt(db, now=NOW, sitting=sitting)[1]
    admin = login_as(Role.ADMIN)
    app.config.update(INVIGILATION_LIVE_CHECK_S=0, INVIGILATION_LIVE_STREAM_S=30)
    response = client.get(f"/invigilation/sittings/{sitting.id}/live/stream", buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    events = read_events(response)
    assert next(events) == {"retry": 2000}
    first = next(events)
    assert first["full"] is True and {c["key"] for c in first["cards"]} == {candidate.id, other.id}
    assert first["announce"] == [] and "Approved" in first["cards"][0]["html"]
    # A flag for one candidate and a message read by the other: only those two are sent, and the flag
    # is announced.
    inv = log.invigilation_for(db, sitting_id=sitting.id, candidate_id=candidate.id, now=NOW)
    db.add(InvigilationFlag(invigilation_id=inv.id, attempt_id=attempt.id, kind=FlagKind.NO_FACE,
                            severity=Severity.HIGH, starts_at=NOW, evidence_event_ids=[], detail="",
                            policy_version="1", raised_at=NOW))
    db.flush()
    second = next(events)
    assert second["full"] is False and [c["key"] for c in second["cards"]] == [candidate.id]
    assert any("New flag for" in line and "No face" in line for line in second["announce"])
    other_attempt = delivery.latest_attempt(db, sitting.id, other.id)
    sent = services.send_message(db, actor=admin.actor, attempt_id=other_attempt.id, text="Hello", now=NOW)
    assert [c["key"] for c in next(events)["cards"]] == [other.id]
    services.acknowledge_message(db, actor=other.actor, attempt_id=other_attempt.id, message_event_id=sent.id, now=NOW)
    third = next(events)
    assert [c["key"] for c in third["cards"]] == [other.id] and "has read the invigilator's message" in third["announce"][0]
    response.close()


def test_the_stream_ends_by_itself(app, db, client, login_as, exam):
    login_as(Role.INVIGILATOR)
    app.config.update(INVIGILATION_LIVE_CHECK_S=0.01, INVIGILATION_LIVE_STREAM_S=0.05)
    response = client.get(f"/invigilation/sittings/{exam[0].id}/live/stream")
    body = response.get_data(as_text=True)
    assert body.startswith("retry: 2000\n\n") and body.count("event: update") == 1  # nothing changed after the first


def test_the_candidate_reads_and_acknowledges_a_message(db, client, login_as, make_user, exam):
    _, candidate, attempt = exam
    sent = services.send_message(db, actor=make_user(Role.INVIGILATOR).actor, attempt_id=attempt.id,
                                 text="Please face the camera", now=NOW)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = candidate.get_id()
    url = f"/api/v1/invigilation/attempts/{attempt.id}/messages"
    body = client.get(url).get_json()
    assert body == {"messages": [{"id": sent.id, "text": "Please face the camera", "acknowledged": False,
                                  "sent_at": sent.received_at.isoformat()}]}
    assert client.post(f"{url}/{sent.id}/acknowledge", json={}).get_json()["messages"][0]["acknowledged"] is True
    assert client.post(f"{url}/999999/acknowledge", json={}).status_code == 404
    login_as(Role.CANDIDATE)
    assert client.get(url).status_code == 404


def test_acting_on_an_attempt_needs_a_reason_and_is_logged(db, client, login_as, exam):
    _, _, attempt = exam
    me = login_as(Role.INVIGILATOR)
    url = f"/invigilation/attempts/{attempt.id}"
    assert client.get(url).status_code == 200
    refused = client.post(f"{url}/action", data={"action-action": "pause", "action-text": "Camera"})
    assert refused.status_code == 422 and "Choose a reason from the list" in refused.text
    done = client.post(f"{url}/action", data={"action-action": "pause", "action-reason_code": "technical_problem",
                                              "action-text": "Camera froze"})
    assert done.status_code == 302
    assert delivery.view_of(db, attempt, NOW + 6 * MIN).state == replay.AttemptState.PAUSED
    too_long = client.post(f"{url}/message", data={"message-text": "x" * 501})
    assert too_long.status_code == 422 and "500 characters or fewer" in too_long.text
    assert client.post(f"{url}/message", data={"message-text": "Stay seated"}).status_code == 302
    rows = log.rows(db, log.invigilation_for(db, sitting_id=attempt.sitting_id, candidate_id=attempt.candidate_id,
                                             now=NOW).id, kinds={LogKind.ACTION_TAKEN, LogKind.MESSAGE_SENT})
    assert [(r.kind, r.actor_id) for r in rows] == [(LogKind.ACTION_TAKEN, me.id), (LogKind.MESSAGE_SENT, me.id)]


def test_an_end_asked_for_is_confirmed_by_someone_else(app, db, login_as, make_user, exam):
    _, _, attempt = exam
    asker = make_user(Role.INVIGILATOR)
    first = app.test_client()
    with first.session_transaction() as flask_session:
        flask_session["_user_id"] = asker.get_id()
    asked = first.post(f"/invigilation/attempts/{attempt.id}/end-request",
                       data={"end-reason_code": "suspected_misconduct", "end-text": "Phone in hand"})
    assert asked.status_code == 302
    own = first.get("/invigilation/end-requests").text
    assert "Phone in hand" in own and "You asked for this" in own and "Confirm: end the attempt" not in own
    request_id = services.pending_request(
        log.rows(db, log.invigilation_for(db, sitting_id=attempt.sitting_id, candidate_id=attempt.candidate_id,
                                          now=NOW).id), attempt.id).id
    first.post(f"/invigilation/end-requests/{request_id}/confirm")
    assert delivery.view_of(db, attempt, NOW + 6 * MIN).state.is_open  # their own confirmation did nothing
    second = app.test_client()
    with second.session_transaction() as flask_session:
        flask_session["_user_id"] = make_user(Role.EXAMINER).get_id()
    assert "Confirm: end the attempt" in second.get("/invigilation/end-requests").text
    assert second.post(f"/invigilation/end-requests/{request_id}/confirm").status_code == 302
    assert delivery.view_of(db, attempt, NOW + 6 * MIN).state == replay.AttemptState.SUBMITTED
    assert "No request is waiting" in second.get("/invigilation/end-requests").text


def test_allocation_page(db, client, login_as, make_user, exam):
    sitting, candidate, _ = exam
    invigilator = make_user(Role.INVIGILATOR, name="Ivy Invigilator")
    login_as(Role.ADMIN)
    url = f"/invigilation/sittings/{sitting.id}/allocation"
    assert "Ivy Invigilator" in client.get(url).text
    assert client.post(url, data={}).status_code == 422
    assert client.post(url, data={"invigilators": [str(invigilator.id)]}).status_code == 302
    assert services.current_allocation(db, sitting.id)[candidate.id].invigilator_id == invigilator.id


def test_a_lost_connection_is_sent_and_announced(app, db, client, clock, login_as, exam):
    sitting, candidate, attempt = exam
    inv = log.invigilation_for(db, sitting_id=sitting.id, candidate_id=candidate.id, now=NOW)
    log.append(db, invigilation_id=inv.id, kind=LogKind.HEARTBEAT, now=NOW + 5 * MIN)
    login_as(Role.ADMIN)
    app.config.update(INVIGILATION_LIVE_CHECK_S=0, INVIGILATION_LIVE_STREAM_S=30)
    response = client.get(f"/invigilation/sittings/{sitting.id}/live/stream", buffered=False)
    events = read_events(response)
    next(events)
    first = next(events)
    assert "Connected" in first["cards"][0]["html"] and first["announce"] == []
    clock.advance(minutes=1)  # two heartbeat intervals (30 s) and more without a word
    update = next(events)
    assert "Lost" in update["cards"][0]["html"] and update["announce"] == [f"Connection lost: {candidate.full_name}."]
    response.close()


def test_an_invigilator_hands_over_their_candidates(db, client, login_as, make_user, exam):
    sitting, candidate, _ = exam
    me = login_as(Role.INVIGILATOR)
    other = make_user(Role.INVIGILATOR, name="Olu Other")
    allocate_to(db, sitting, candidate, me)
    url = f"/invigilation/sittings/{sitting.id}/hand-over"
    assert "Olu Other" in client.get(url).text
    refused = client.post(url, data={"candidates": [str(candidate.id)], "to_invigilator": str(other.id)})
    assert refused.status_code == 422 and "Write a note for the invigilator taking over" in refused.text
    done = client.post(url, data={"candidates": [str(candidate.id)], "to_invigilator": str(other.id),
                                  "note": "Shift change at noon"})
    assert done.status_code == 302
    latest = services.current_allocation(db, sitting.id)[candidate.id]
    assert (latest.invigilator_id, latest.note, latest.allocated_by_id) == (other.id, "Shift change at noon", me.id)


def test_the_player_loads_messages_only_for_an_invigilated_sitting(db, client, framework, clock):
    from tests.assessment.delivery.player_data import SHORT, make_exam

    clock.set(NOW)
    sitting, candidate, attempt = started_attempt(db, now=NOW)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = candidate.get_id()
    for page in (f"/attempts/{attempt.id}", f"/attempts/{attempt.id}/review"):  # the review page too
        assert f'data-messages-url="/api/v1/invigilation/attempts/{attempt.id}/messages"' in client.get(page).text
    plain, other = make_exam(db, items=SHORT, now=NOW)
    plain_attempt = delivery.start_attempt(db, actor=other.actor, sitting_id=plain.id, device_id="d", now=NOW)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = other.get_id()
    assert "data-messages-url" not in client.get(f"/attempts/{plain_attempt.id}").text
