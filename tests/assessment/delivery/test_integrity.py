"""The exam's integrity (issue 8, sections 1 and 2): a break or a pause leaves nothing of the paper
readable, staff can end a rest break, and every save is checked against its item (422, nothing
written), so a bad answer can never reach the evidence or break a staff page."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.roles import Role
from assessment.delivery import services
from assessment.delivery.models import AttemptEvent, ResponseStep
from tests.assessment.delivery.player_data import make_exam

DEVICE = "tab-one"


@pytest.fixture
def exam(db, framework, clock, login_as, app, tmp_path):
    """A started attempt (every item type, rest breaks approved) for a signed-in candidate."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    candidate = login_as(Role.CANDIDATE)
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now(), attachment_folder=str(tmp_path),
                           rest_breaks=True)
    return services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id=DEVICE,
                                  now=clock.now())


def url(attempt, tail=""):
    return f"/api/v1/attempts/{attempt.id}{tail}"


def save(client, attempt, *, slot=1, answer="B", seen=0, step="c-1", **payload):
    body = {"slot": slot, "payload": {"answer": answer, **payload}, "seen_seq": seen, "client_step_id": step,
            "device_id": DEVICE}
    return client.post(url(attempt, "/responses"), json=body)


def count_steps(db, attempt) -> int:
    return db.scalar(select(func.count()).select_from(ResponseStep).where(ResponseStep.attempt_id == attempt.id))


def paper_is_withheld(client, attempt):
    """Nothing of the paper comes back: no items, no case studies, no stems, no documents."""
    body = client.get(url(attempt, f"?device_id={DEVICE}")).get_json()
    assert body["state"] == "paused" and body["content_withheld"] is True
    assert "items" not in body and "case_studies" not in body
    raw = client.get(url(attempt, f"?device_id={DEVICE}")).get_data(as_text=True)
    assert "Rehabilitation" not in raw and "case manager" not in raw and "Occupational" not in raw
    return body


# --- 1. a break or a pause -----------------------------------------------------------------------


def test_on_a_rest_break_the_paper_is_not_sent_and_saves_are_refused(client, db, exam, clock):
    attachment_url = client.get(url(exam)).get_json()["case_studies"][0]["attachments"][0]["url"]
    assert client.post(url(exam, "/break"), json={"action": "start"}).get_json()["on_break"] is True
    body = paper_is_withheld(client, exam)
    assert body["on_break"] is True and body["paused_reason"] == "Rest break"
    refused = save(client, exam, answer="B")
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "paused" and "rest break" in refused.get_json()["error"]
    assert refused.get_json()["state"]["on_break"] is True
    document = client.get(attachment_url)
    assert document.status_code == 409 and document.get_json()["code"] == "paused"
    assert count_steps(db, exam) == 0

    clock.advance(minutes=5)
    client.post(url(exam, "/break"), json={"action": "end"})
    back = client.get(url(exam, f"?device_id={DEVICE}")).get_json()
    assert back["content_withheld"] is False and len(back["items"]) == 5 and back["case_studies"]
    document = client.get(attachment_url)
    assert document.status_code == 200
    document.close()


def test_paused_by_staff_the_paper_is_not_sent_and_saves_are_refused(client, db, exam, clock, make_user):
    admin = make_user(Role.INVIGILATOR)
    services.pause(db, actor=admin.actor, attempt_id=exam.id, reason="Fire alarm", now=clock.now())
    body = paper_is_withheld(client, exam)
    assert body["on_break"] is False and body["paused_reason"] == "Fire alarm"
    refused = save(client, exam)
    assert refused.status_code == 409 and "paused" in refused.get_json()["error"]
    services.resume(db, actor=admin.actor, attempt_id=exam.id, now=clock.now())
    assert len(client.get(url(exam)).get_json()["items"]) == 5


def test_an_invigilator_can_end_a_candidates_rest_break_and_it_is_recorded(client, db, exam, clock, make_user):
    client.post(url(exam, "/break"), json={"action": "start"})
    clock.advance(minutes=3)
    invigilator = make_user(Role.INVIGILATOR)
    view = services.resume(db, actor=invigilator.actor, attempt_id=exam.id, now=clock.now(),
                           reason="Candidate asked by phone")
    assert view.state == "in_progress" and view.time_left_s == 3600
    last = db.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == exam.id)
                      .order_by(AttemptEvent.id.desc())).first()
    assert (last.kind, last.actor_id, last.reason) == ("break_ended", invigilator.id, "Candidate asked by phone")


def test_the_staff_page_offers_to_end_a_rest_break_and_it_works(app, client, db, exam, clock, make_user):
    client.post(url(exam, "/break"), json={"action": "start"})
    db.commit()
    staff = app.test_client()
    admin = make_user(Role.ADMIN)
    with staff.session_transaction() as flask_session:
        flask_session["_user_id"] = admin.get_id()
        flask_session["_fresh"] = True
    page = staff.get(f"/staff/attempts/{exam.id}").get_data(as_text=True)
    assert "End the rest break" in page and "Resume the attempt" not in page
    assert staff.post(f"/staff/attempts/{exam.id}/resume").status_code == 302
    assert client.get(url(exam)).get_json()["state"] == "in_progress"


# --- 2. every save is checked against its item -----------------------------------------------------

# Slots of the exam: 1 SBA (A-D), 2 multiple response choose 2 (A-E), 3 extended matching (stems 1, 2;
# options A-E), 4 ordering (A-D), 5 constructed response (word limit 50).
BAD = [
    (1, {"answer": "Z"}, "payload.answer"),
    (1, {"answer": {"1": "A"}}, "payload.answer"),
    (1, {"answer": ["A"]}, "payload.answer"),
    (2, {"answer": ["A", "B", "C", "D"]}, "payload.answer"),
    (2, {"answer": ["A", "A"]}, "payload.answer"),
    (2, {"answer": ["A", "Z"]}, "payload.answer"),
    (2, {"answer": "A"}, "payload.answer"),
    (3, {"answer": {"9": "A"}}, "payload.answer"),
    (3, {"answer": {"1": "Z"}}, "payload.answer"),
    (3, {"answer": "A"}, "payload.answer"),
    (4, {"answer": ["A", "B", "C"]}, "payload.answer"),
    (4, {"answer": ["A", "A", "B", "C"]}, "payload.answer"),
    (4, {"answer": ["A", "B", "C", "Z"]}, "payload.answer"),
    (5, {"answer": ["A"]}, "payload.answer"),
    (5, {"answer": "x" * 30_001}, "payload.answer"),
    (5, {"answer": "nul \x00 here"}, "payload.answer"),
    (5, {"answer": "lone \ud800 surrogate"}, "payload.answer"),
    (1, {"answer": "B", "struck": ["Q"]}, "payload.struck"),
    (1, {"answer": "B", "struck": ["A", "A"]}, "payload.struck"),
    (5, {"answer": "text", "struck": ["A"]}, "payload.struck"),
    (3, {"answer": {"1\x00": "A"}}, "payload.answer"),
]


@pytest.mark.parametrize(("slot", "payload", "field"), BAD)
def test_an_answer_that_does_not_fit_its_item_is_422_and_nothing_is_written(client, db, exam, slot, payload,
                                                                           field):
    body = {"slot": slot, "payload": payload, "seen_seq": 0, "client_step_id": "bad", "device_id": DEVICE}
    response = client.post(url(exam, "/responses"), json=body)
    assert response.status_code == 422, response.get_json()
    problems = response.get_json()["fields"]
    assert any(name.startswith(field) for name in problems), problems
    assert count_steps(db, exam) == 0
    assert client.get(url(exam, "/state")).get_json()["slots"][slot - 1]["answer"] is None


def test_nul_and_lone_surrogates_are_refused_anywhere_in_the_body(client, db, exam):
    for body in ({"slot": 1, "payload": {"answer": "B"}, "seen_seq": 0, "client_step_id": "a\x00",
                  "device_id": DEVICE},
                 {"slot": 1, "payload": {"answer": "B"}, "seen_seq": 0, "client_step_id": "a",
                  "device_id": "\udfff"}):
        response = client.post(url(exam, "/responses"), json=body)
        assert response.status_code == 422, response.get_json()
    assert count_steps(db, exam) == 0


GOOD = [
    (1, "A"), (1, None), (1, ""), (2, ["A"]), (2, ["A", "C"]), (2, []), (3, {"1": "B"}), (3, {"1": "B", "2": "B"}),
    (3, {}), (4, ["D", "C", "B", "A"]), (4, None), (5, "word " * 80), (5, "x" * 30_000), (5, ""),
]


@pytest.mark.parametrize(("slot", "answer"), GOOD)
def test_answers_that_fit_their_item_are_saved_including_incomplete_and_over_long_ones(client, exam, slot,
                                                                                       answer):
    response = save(client, exam, slot=slot, answer=answer, struck=[] if slot == 5 else ["A"], step="g")
    assert response.status_code == 200, response.get_json()


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
                    | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)
OPTION = st.sampled_from(["A", "B", "C", "D", "E", "Z", "1", "2", "", "\x00", "\ud800"])
ANSWER = (JSON | OPTION | st.lists(OPTION, max_size=6)
          | st.dictionaries(st.sampled_from(["1", "2", "3", "\x00"]), OPTION, max_size=3) | st.text(max_size=30))
PAYLOAD = st.fixed_dictionaries({}, optional={"answer": ANSWER, "flagged": JSON | st.booleans(),
                                              "struck": JSON | st.lists(OPTION, max_size=5), "other": JSON})
BODY = st.one_of(
    JSON,
    st.fixed_dictionaries({"slot": st.integers(-1, 7) | JSON, "payload": PAYLOAD | JSON,
                           "seen_seq": st.integers(-1, 3) | JSON, "client_step_id": st.text(max_size=70) | JSON,
                           "device_id": st.sampled_from([DEVICE, "other"]) | st.text(max_size=3)},
                          optional={"extra": JSON}),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(body=BODY)
def test_any_json_body_to_the_save_endpoint_is_answered_and_a_422_writes_nothing(client, db, exam, body):
    """Never a 5xx: 200 (saved or nothing to save), 409 (refused with the state) or 422 (does not
    fit, a question the exam does not have included: nothing written). 400 is allowed for bodies the
    app refuses before reading them (nesting too deep)."""
    before = count_steps(db, exam)
    events_before = db.scalar(select(func.count()).select_from(AttemptEvent).where(AttemptEvent.attempt_id == exam.id))
    response = client.post(url(exam, "/responses"), json=body)
    assert response.status_code in (200, 400, 409, 422), (response.status_code, response.get_data())
    assert response.is_json
    if response.status_code != 200:
        db.expire_all()
        assert count_steps(db, exam) == before
        assert db.scalar(select(func.count()).select_from(AttemptEvent)
                         .where(AttemptEvent.attempt_id == exam.id)) == events_before
    # Whatever was stored can always be read back and shown (the state is JSON-encodable).
    assert client.get(url(exam, "/state")).status_code == 200


def test_the_staff_timeline_shows_bad_rows_stored_before_saves_were_checked(app, client, db, exam, clock,
                                                                           make_user):
    db.add(ResponseStep(attempt_id=exam.id, seq=1, slot=5, payload={"answer": "bad \ud800 and \x00 end",
                                                                     "flagged": False, "struck": ["\udfff"]},
                        client_step_id="old", device_id="dev-1", created_at=clock.now()))
    db.add(ResponseStep(attempt_id=exam.id, seq=2, slot=3, payload={"answer": {"1\ud800": "A\x00"}},
                        client_step_id="old-2", device_id=DEVICE, created_at=clock.now()))
    db.commit()
    clock.advance(minutes=1)
    examiner = make_user(Role.EXAMINER)
    staff = app.test_client()
    with staff.session_transaction() as flask_session:
        flask_session["_user_id"] = examiner.get_id()
        flask_session["_fresh"] = True
    page = staff.get(f"/staff/attempts/{exam.id}/timeline")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "bad \ufffd and \ufffd end" in text and "1\ufffd: A\ufffd" in text


def test_the_review_page_lists_no_questions_on_a_break(client, exam, clock):
    client.post(url(exam, "/break"), json={"action": "start"})
    text = client.get(f"/attempts/{exam.id}/review").get_data(as_text=True)
    assert "You are on a rest break, so the list of questions is" in text
    assert "Jamie, 24" not in text and "#q1" not in text
    client.post(url(exam, "/break"), json={"action": "end"})
    assert "Jamie, 24" in client.get(f"/attempts/{exam.id}/review").get_data(as_text=True)
