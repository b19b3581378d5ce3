"""The autosave API: every status and error body, idempotent retries, who may call it, and that no
key, rubric or rationale ever reaches the candidate's browser."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.errors import NotFound
from core.roles import SYSTEM, Role
from assessment.delivery import services
from assessment.delivery.models import AttemptEvent, AttemptStorageKey, ResponseStep
from tests.assessment.delivery.player_data import PDF, SECRET, make_exam, staff_fields_in

DEVICE = "tab-one"


@pytest.fixture
def exam(db, framework, clock, login_as, app, tmp_path):
    """A started attempt at an exam of every item type, for a signed-in candidate."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    candidate = login_as(Role.CANDIDATE)
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now(), attachment_folder=str(tmp_path))
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id=DEVICE,
                                     now=clock.now())
    return attempt


def url(attempt, tail=""):
    return f"/api/v1/attempts/{attempt.id}{tail}"


def save(client, attempt, *, slot=1, answer="B", seen=0, step="c-1", device=DEVICE, **payload):
    body = {"slot": slot, "payload": {"answer": answer, **payload}, "seen_seq": seen, "client_step_id": step,
            "device_id": device}
    return client.post(url(attempt, "/responses"), json=body)


def steps(db, attempt):
    return db.scalars(select(ResponseStep).where(ResponseStep.attempt_id == attempt.id)).all()


def events(db, attempt):
    return [e.kind for e in db.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt.id)
                                       .order_by(AttemptEvent.id))]


def test_the_attempt_gives_every_item_in_its_frozen_order_and_nothing_only_staff_may_see(client, exam):
    response = client.get(url(exam, f"?device_id={DEVICE}"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert [i["type"] for i in body["items"]] == ["sba", "multiple_response", "extended_matching", "ordering",
                                                  "constructed_response"]
    for item, slot in zip(body["items"], exam.slots):
        assert item["slot"] == slot.slot
        if slot.option_order:  # the candidate's shuffle, frozen at start
            assert [o["id"] for o in item["options"]] == slot.option_order
    assert body["items"][1]["choose"] == 2 and body["items"][4]["word_limit"] == 50
    assert [s["id"] for s in body["items"][2]["stems"]] == ["1", "2"]
    assert body["state"] == "in_progress" and body["time_left_s"] == 3600 and body["last_seq"] == 0
    assert body["read_only"] is False
    assert body["slots"][0] == {"slot": 1, "answer": None, "flagged": False, "struck": [], "seq": 0,
                                "saved_at": None}
    [case_study] = body["case_studies"]
    assert "Rehabilitation" in case_study["scenario_html"]
    assert case_study["attachments"][0]["url"].startswith(url(exam, "/attachments/"))
    assert staff_fields_in(body) == []
    assert SECRET not in response.get_data(as_text=True)
    assert client.get(url(exam, "?device_id=another")).get_json()["read_only"] is True
    assert client.get(url(exam)).get_json()["read_only"] is None


def test_a_save_is_acknowledged_and_a_retry_or_an_identical_save_writes_nothing(client, db, exam, clock):
    first = save(client, exam, answer="B", step="c-1")
    assert first.status_code == 200
    assert first.get_json() == {"seq": 1, "slot": 1, "written": True, "last_seq": 1, "state": "in_progress",
                                "time_left_s": 3600, "deadline": "2026-11-23T11:00:00Z"}
    retry = save(client, exam, answer="B", step="c-1")  # the same client step id again (a lost answer)
    assert retry.status_code == 200 and retry.get_json()["seq"] == 1 and retry.get_json()["written"] is False
    same = save(client, exam, answer="B", seen=1, step="c-2")
    assert same.get_json()["written"] is False and same.get_json()["seq"] == 1
    assert len(steps(db, exam)) == 1
    clock.advance(seconds=30)
    flagged = save(client, exam, answer="B", seen=1, step="c-3", flagged=True, struck=["A"])
    assert flagged.get_json()["seq"] == 2 and flagged.get_json()["time_left_s"] == 3570
    state = client.get(url(exam, "/state")).get_json()
    assert state["slots"][0] == {"slot": 1, "answer": "B", "flagged": True, "struck": ["A"], "seq": 2,
                                 "saved_at": "2026-11-23T10:00:30Z"}
    assert state["answered"] == 1


def test_every_answer_shape_is_accepted(client, exam):
    answers = {1: "C", 2: ["A", "C"], 3: {"1": "B", "2": "C"}, 4: ["B", "A", "C", "D"], 5: "Two-stage test."}
    for seen, (slot, answer) in enumerate(answers.items()):
        response = save(client, exam, slot=slot, answer=answer, seen=seen, step=f"a-{slot}")
        assert response.status_code == 200, response.get_json()
    state = client.get(url(exam, "/state")).get_json()
    assert {s["slot"]: s["answer"] for s in state["slots"]} == answers


def test_a_stale_sequence_gets_409_with_the_current_state(client, exam):
    save(client, exam, answer="B", step="c-1")
    stale = save(client, exam, slot=2, answer=["A"], seen=0, step="c-2")
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["code"] == "stale" and "brought up to date" in body["error"]
    assert body["state"]["last_seq"] == 1 and body["state"]["slots"][0]["answer"] == "B"
    assert save(client, exam, slot=2, answer=["A"], seen=1, step="c-2").status_code == 200  # resent


def test_another_window_takes_over_and_this_one_becomes_read_only(client, db, exam):
    claimed = client.post(url(exam, "/claim"), json={"device_id": "tab-two"})
    assert claimed.status_code == 200 and claimed.get_json()["read_only"] is False
    refused = save(client, exam, step="c-1")
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "read_only" and refused.get_json()["state"]["read_only"] is True
    assert events(db, exam).count("device_claimed") == 2  # recorded
    assert save(client, exam, step="c-1", device="tab-two").status_code == 200


def test_a_claim_with_exam_answers_what_the_exam_load_answers_for_the_claiming_window(client, db, exam, clock,
                                                                                      make_user):
    save(client, exam, answer="C", step="c-1")
    claimed = client.post(url(exam, "/claim"), json={"device_id": "tab-two", "with_exam": True})
    assert claimed.status_code == 200 and claimed.headers["Cache-Control"] == "no-store"
    loaded = client.get(url(exam, "?device_id=tab-two")).get_json()
    body = claimed.get_json()
    key = body.pop("storage_key")
    assert key == client.get(url(exam, "/storage-key")).get_json()["key"] and len(key) == 43  # made on first use
    assert body == loaded  # the same clock too: the test's clock does not move between the two
    assert body["read_only"] is False and body["content_withheld"] is False and body["last_seq"] == 1
    assert [i["slot"] for i in body["items"]] == [s.slot for s in exam.slots]
    assert staff_fields_in(body) == []
    assert events(db, exam).count("device_claimed") == 2  # the claim itself is recorded as before
    # A stopped clock withholds the paper here as on the exam load.
    services.pause(db, actor=make_user(Role.ADMIN).actor, attempt_id=exam.id, reason="Fire alarm", now=clock.now())
    db.commit()
    paused = client.post(url(exam, "/claim"), json={"device_id": "tab-three", "with_exam": True}).get_json()
    assert paused["content_withheld"] is True and "items" not in paused and paused["read_only"] is False
    assert paused["storage_key"] == key
    # Without the flag the answer is the state alone, as it always was.
    alone = client.post(url(exam, "/claim"), json={"device_id": "tab-two"}).get_json()
    assert "items" not in alone and "storage_key" not in alone


def test_a_claim_with_exam_of_an_ended_attempt_whose_key_is_gone_brings_no_key_and_makes_none(client, db, exam,
                                                                                          clock):
    clock.advance(hours=1, seconds=1)  # out of time, and the key was never made
    body = client.post(url(exam, "/claim"), json={"device_id": DEVICE, "with_exam": True}).get_json()
    assert body["state"] == "timed_out" and body["storage_key"] is None
    assert db.get(AttemptStorageKey, exam.id) is None
    assert client.get(url(exam, "/storage-key")).get_json()["code"] == "attempt_ended"  # as before


def test_a_paused_attempt_refuses_saves(client, db, exam, clock, make_user):
    admin = make_user(Role.ADMIN)
    services.pause(db, actor=admin.actor, attempt_id=exam.id, reason="Fire alarm", now=clock.now())
    refused = save(client, exam)
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "paused" and refused.get_json()["state"]["paused_reason"] == "Fire alarm"


def test_a_save_after_the_deadline_is_refused_and_recorded(client, db, exam, clock):
    clock.advance(hours=1, seconds=1)
    late = save(client, exam, step="late-1")
    assert late.status_code == 409
    body = late.get_json()
    assert body["code"] == "attempt_ended" and body["state"]["state"] == "timed_out"
    assert "Everything saved before the end has been kept" in body["error"]
    assert events(db, exam)[-1] == "late_response_rejected" and steps(db, exam) == []


def test_submit_ends_the_attempt_and_answers_are_final(client, db, exam, clock):
    save(client, exam, answer="B", step="c-1")
    submitted = client.post(url(exam, "/submit"), json={})
    assert submitted.status_code == 200
    body = submitted.get_json()
    assert body["state"] == "submitted" and body["answered"] == 1
    assert body["receipt"] == services.receipt_for(db, exam, clock.now()) and len(body["receipt"]) == 14
    assert body["receipt_url"] == f"/attempts/{exam.id}/receipt"
    again = save(client, exam, answer="C", seen=1, step="c-2")
    assert again.status_code == 409 and again.get_json()["code"] == "attempt_ended"
    twice = client.post(url(exam, "/submit"), json={})
    assert twice.status_code == 409 and twice.get_json()["code"] == "attempt_ended"


def test_rest_breaks_only_with_the_adjustment(client, exam):
    refused = client.post(url(exam, "/break"), json={"action": "start"})
    assert refused.status_code == 403 and "Rest breaks" in refused.get_json()["error"]


def test_a_rest_break_stops_the_clock(client, db, framework, clock, login_as):
    candidate = login_as(Role.CANDIDATE)
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now(), rest_breaks=True)
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id=DEVICE,
                                     now=clock.now())
    started = client.post(url(attempt, "/break"), json={"action": "start"})
    assert started.status_code == 200 and started.get_json()["state"] == "paused"
    assert started.get_json()["paused_reason"] == "Rest break"
    clock.advance(minutes=10)
    refused = save(client, attempt)
    assert refused.status_code == 409 and refused.get_json()["code"] == "paused"
    ended = client.post(url(attempt, "/break"), json={"action": "end"})
    assert ended.get_json()["state"] == "in_progress" and ended.get_json()["time_left_s"] == 3600
    not_on_break = client.post(url(attempt, "/break"), json={"action": "end"})
    assert not_on_break.status_code == 409 and not_on_break.get_json()["code"] == "conflict"


@pytest.mark.parametrize(("body", "field"), [
    ({"slot": 1, "payload": {"answer": "B"}, "seen_seq": 0, "client_step_id": "x" * 65, "device_id": DEVICE},
     "client_step_id"),
    ({"slot": 1, "payload": {"answer": "B"}, "seen_seq": 0, "client_step_id": "c", "device_id": DEVICE,
      "extra": 1}, "extra"),
    ({"slot": 1, "payload": {"answer": "B", "colour": "red"}, "seen_seq": 0, "client_step_id": "c",
      "device_id": DEVICE}, "payload.colour"),
    ({"slot": 1, "payload": {"answer": "B", "flagged": "yes"}, "seen_seq": 0, "client_step_id": "c",
      "device_id": DEVICE}, "payload.flagged"),
    ({"slot": 1, "payload": {"answer": 7}, "seen_seq": 0, "client_step_id": "c", "device_id": DEVICE},
     "payload.answer"),
    ({"slot": "1", "payload": {}, "seen_seq": 0, "client_step_id": "c", "device_id": DEVICE}, "slot"),
    ({"slot": 1, "payload": {}, "client_step_id": "c", "device_id": DEVICE}, "seen_seq"),
    ({"slot": 1, "payload": {}, "seen_seq": -1, "client_step_id": "c", "device_id": DEVICE}, "seen_seq"),
    ({"slot": 1, "payload": {}, "seen_seq": 0, "client_step_id": "", "device_id": DEVICE}, "client_step_id"),
    # Beyond an integer column (found by the schemathesis fuzz: PostgreSQL refused the fast path's query).
    ({"slot": 2**31, "payload": {}, "seen_seq": 0, "client_step_id": "c", "device_id": DEVICE}, "slot"),
    ({"slot": 1047080618976988160, "payload": {}, "seen_seq": 0, "client_step_id": "c", "device_id": DEVICE},
     "slot"),
    ({"slot": 1, "payload": {}, "seen_seq": 2**31, "client_step_id": "c", "device_id": DEVICE}, "seen_seq"),
    ([1, 2], "body"),
])
def test_bad_input_is_422_with_field_messages(client, db, exam, body, field):
    response = client.post(url(exam, "/responses"), json=body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"], response.get_json()
    assert steps(db, exam) == []


def test_bad_claims_and_breaks_are_422(client, exam):
    assert client.post(url(exam, "/claim"), json={}).status_code == 422
    assert "with_exam" in client.post(url(exam, "/claim"), json={"device_id": "t", "with_exam": "yes"}).get_json()["fields"]
    assert client.post(url(exam, "/claim"), data="not json").status_code == 415  # no type: not read at all
    assert client.post(url(exam, "/claim"), data="not json", content_type="application/json").get_json()["fields"] \
        == {"body": "Send a JSON object"}
    assert "action" in client.post(url(exam, "/break"), json={"action": "nap"}).get_json()["fields"]


def test_a_save_to_a_slot_the_exam_does_not_have_is_422(client, exam):
    response = save(client, exam, slot=99)
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"slot": "There is no such question in this exam."}


def test_attachments_of_the_attempt_only(client, exam, db):
    body = client.get(url(exam)).get_json()
    attachment = body["case_studies"][0]["attachments"][0]
    assert attachment["filename"] == "referral.pdf" and attachment["description"] == "Referral letter"
    response = client.get(attachment["url"])
    assert response.status_code == 200 and response.data == PDF and response.mimetype == "application/pdf"
    # Inline (it opens in a new tab), never sniffed as anything else, under the app's own policy.
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]
    response.close()
    assert client.get(url(exam, f"/attachments/{attachment['id'] + 1000}")).status_code == 404


ENDPOINTS = [("GET", ""), ("GET", "/state"), ("POST", "/claim"), ("POST", "/responses"), ("POST", "/submit"),
             ("POST", "/break"), ("GET", "/attachments/1")]


@pytest.mark.parametrize(("method", "tail"), ENDPOINTS)
def test_another_candidates_attempt_is_404_and_staff_get_403(app, db, exam, make_user, method, tail):
    body = {"slot": 1, "payload": {"answer": "B"}, "seen_seq": 0, "client_step_id": "x", "device_id": "d"}
    for roles, expected in (((Role.CANDIDATE,), 404), ((Role.EXAMINER,), 403), ((Role.ADMIN,), 403),
                            ((Role.INVIGILATOR,), 403)):
        other = app.test_client()
        person = make_user(*roles)
        with other.session_transaction() as flask_session:
            flask_session["_user_id"] = person.get_id()
        response = other.open(url(exam, tail), method=method, json=body if method == "POST" else None)
        assert response.status_code == expected, (roles, response.get_json())
        assert response.is_json and "error" in response.get_json()
        response.close()
    anonymous = app.test_client().open(url(exam, tail), method=method)
    assert anonymous.status_code == 401 and anonymous.is_json  # scripts are told to sign in, not redirected
    assert steps(db, exam) == [] and services.view_of(db, exam, exam.started_at).state.is_open


def test_an_examiner_cannot_write_responses_even_through_the_service(db, exam, make_user):
    examiner = make_user(Role.EXAMINER)
    with pytest.raises(NotFound):
        services.save_response(db, actor=examiner.actor, attempt_id=exam.id, slot=1, payload={"answer": "B"},
                               seen_seq=0, client_step_id="e", device_id=DEVICE, now=exam.started_at)
    with pytest.raises(NotFound):
        services.save_response(db, actor=SYSTEM, attempt_id=exam.id, slot=1, payload={"answer": "B"},
                               seen_seq=0, client_step_id="e", device_id=DEVICE,
                               now=exam.started_at + dt.timedelta(seconds=1))


def test_the_openapi_document_describes_these_shapes():
    from assessment.delivery import schemas
    from item_bank.exchange.views import openapi_document

    documented = openapi_document()["components"]["schemas"]
    for schema, name in ((schemas.SaveInSchema, "DeliverySaveIn"), (schemas.PayloadSchema, "DeliveryPayload"),
                         (schemas.ClaimInSchema, "DeliveryClaimIn"), (schemas.BreakInSchema, "DeliveryBreakIn"),
                         (schemas.AckSchema, "DeliveryAck"), (schemas.StateSchema, "DeliveryState"),
                         (schemas.SlotStateSchema, "DeliverySlotState"), (schemas.CandidateItemSchema, "DeliveryItem"),
                         (schemas.CaseStudySchema, "DeliveryCaseStudy")):
        # The acknowledgement's ``events`` (what became of events a save carried) and ``messages`` (when
        # the save asked for them) are added beside it.
        extra = {"events", "messages"} if name == "DeliveryAck" else set()
        assert set(schema().fields) | extra == set(documented[name]["properties"]), name
    assert staff_fields_in(documented["DeliveryItem"]) == []
