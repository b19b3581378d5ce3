"""The live invigilator's services: messages, actions with reasons, ending with a second person
(and delivery's ``end_attempt`` beneath it), allocation and hand-over. Everything lands in the
invigilation log with the actor."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core import signals
from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import Role
from assessment.delivery import replay
from assessment.delivery import services as delivery
from assessment.delivery.models import Booking
from proctoring import log
from proctoring.live import services
from proctoring.models import InvigilatorAllocation
from proctoring.rules import LogKind
from tests.proctoring.live.helpers import started_attempt

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def exam(db, framework):
    return started_attempt(db, now=NOW)


def log_rows(db, attempt, *kinds):
    invigilation = log.invigilation_for(db, sitting_id=attempt.sitting_id, candidate_id=attempt.candidate_id, now=NOW,
                                        create=False)
    return log.rows(db, invigilation.id, kinds=set(kinds))


def save(db, candidate, attempt, answer, at):
    seen = delivery.view_of(db, attempt, at).last_seq
    return delivery.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=1,
                                  payload={"answer": answer, "flagged": False}, seen_seq=seen,
                                  client_step_id=f"{attempt.id}-{seen}", device_id="dev", now=at)


# --------------------------------------------------------------------------------------- messages

def test_a_message_is_logged_with_its_sender_and_acknowledged_once(db, make_user, exam):
    _, candidate, attempt = exam
    invigilator = make_user(Role.INVIGILATOR)
    sent = services.send_message(db, actor=invigilator.actor, attempt_id=attempt.id, text="  Please face the camera. ",
                                 now=NOW + MIN)
    assert (sent.kind, sent.actor_id, sent.attempt_id, sent.payload) == (
        LogKind.MESSAGE_SENT, invigilator.id, attempt.id, {"text": "Please face the camera."})
    assert [(r.id, read) for r, read in services.candidate_messages(db, actor=candidate.actor,
                                                                     attempt_id=attempt.id)] == [(sent.id, False)]
    ack = services.acknowledge_message(db, actor=candidate.actor, attempt_id=attempt.id, message_event_id=sent.id,
                                       now=NOW + 2 * MIN)
    assert (ack.kind, ack.actor_id, ack.payload) == (LogKind.MESSAGE_ACKNOWLEDGED, candidate.id,
                                                     {"message_event_id": sent.id})
    again = services.acknowledge_message(db, actor=candidate.actor, attempt_id=attempt.id, message_event_id=sent.id,
                                         now=NOW + 3 * MIN)
    assert again.id == sent.id and len(log_rows(db, attempt, LogKind.MESSAGE_ACKNOWLEDGED)) == 1
    audited = db.scalar(select(AuditEntry).where(AuditEntry.action == "invigilation.message_sent"))
    assert audited.actor_id == invigilator.id
    assert log.verify(db, sent.invigilation_id).ok


def test_a_message_has_words_and_at_most_500_characters(db, make_user, exam):
    _, _, attempt = exam
    invigilator = make_user(Role.INVIGILATOR)
    for text, expected in (("   ", "Write the message"), ("x" * 501, "500 characters or fewer (it has 501)")):
        with pytest.raises(ValidationFailed) as raised:
            services.send_message(db, actor=invigilator.actor, attempt_id=attempt.id, text=text, now=NOW)
        assert expected in raised.value.problems[0].message
    services.send_message(db, actor=invigilator.actor, attempt_id=attempt.id, text="x" * 500, now=NOW)
    assert len(log_rows(db, attempt, LogKind.MESSAGE_SENT)) == 1


def test_only_invigilators_and_admins_message_and_never_a_candidate_of_the_sitting(db, make_user, exam):
    sitting, candidate, attempt = exam
    for person in (make_user(Role.EXAMINER), candidate):
        with pytest.raises(Forbidden):
            services.send_message(db, actor=person.actor, attempt_id=attempt.id, text="Hello", now=NOW)
    booked_invigilator = make_user(Role.INVIGILATOR, Role.CANDIDATE)
    db.add(Booking(sitting_id=sitting.id, candidate_id=booked_invigilator.id, booked_at=NOW - 60 * MIN))
    db.flush()
    with pytest.raises(Forbidden, match="candidate in this sitting"):
        services.send_message(db, actor=booked_invigilator.actor, attempt_id=attempt.id, text="Hello", now=NOW)
    assert log_rows(db, attempt, LogKind.MESSAGE_SENT) == []


def test_a_candidate_sees_only_their_own_messages(db, make_user, exam):
    _, _, attempt = exam
    services.send_message(db, actor=make_user(Role.INVIGILATOR).actor, attempt_id=attempt.id, text="Hi", now=NOW)
    other = make_user(Role.CANDIDATE)
    with pytest.raises(NotFound):
        services.candidate_messages(db, actor=other.actor, attempt_id=attempt.id)
    with pytest.raises(NotFound):
        services.acknowledge_message(db, actor=exam[1].actor, attempt_id=attempt.id, message_event_id=999999, now=NOW)


# ---------------------------------------------------------------------------------------- actions

def test_pause_resume_and_add_time_need_a_listed_reason_and_text(db, make_user, exam):
    _, _, attempt = exam
    invigilator = make_user(Role.INVIGILATOR)
    for code, text, field in ((None, "Camera", "reason_code"), ("not_a_reason", "Camera", "reason_code"),
                              ("technical_problem", "  ", "text")):
        with pytest.raises(ValidationFailed) as raised:
            services.take_action(db, actor=invigilator.actor, attempt_id=attempt.id, action="pause",
                                 reason_code=code, text=text, now=NOW)
        assert [p.field for p in raised.value.problems] == [field]
    with pytest.raises(ValidationFailed):
        services.take_action(db, actor=invigilator.actor, attempt_id=attempt.id, action="explode",
                             reason_code="other", text="x", now=NOW)
    assert delivery.view_of(db, attempt, NOW).state == replay.AttemptState.IN_PROGRESS
    assert log_rows(db, attempt, LogKind.ACTION_TAKEN) == []

    row = services.take_action(db, actor=invigilator.actor, attempt_id=attempt.id, action="pause",
                               reason_code="technical_problem", text="Camera froze", now=NOW + MIN)
    assert (row.actor_id, row.payload) == (invigilator.id, {"action": "pause", "reason_code": "technical_problem",
                                                            "text": "Camera froze"})
    paused = delivery.view_of(db, attempt, NOW + 10 * MIN)
    assert paused.state == replay.AttemptState.PAUSED and paused.paused_reason == "Technical problem: Camera froze"
    services.take_action(db, actor=invigilator.actor, attempt_id=attempt.id, action="resume",
                         reason_code="technical_problem", text="Camera back", now=NOW + 10 * MIN)
    # Nine minutes paused: the clock stopped for them.
    assert delivery.view_of(db, attempt, NOW + 10 * MIN).time_left_s == 3600 - 60
    services.take_action(db, actor=invigilator.actor, attempt_id=attempt.id, action="add_time", minutes=5,
                         reason_code="adjustment", text="Lost time to the camera", now=NOW + 11 * MIN)
    assert delivery.view_of(db, attempt, NOW + 11 * MIN).time_left_s == 3600 - 120 + 300
    assert [r.payload["action"] for r in log_rows(db, attempt, LogKind.ACTION_TAKEN)] == ["pause", "resume", "add_time"]
    with pytest.raises(ValidationFailed):  # adding time needs the minutes
        services.take_action(db, actor=invigilator.actor, attempt_id=attempt.id, action="add_time",
                             reason_code="adjustment", text="x", now=NOW + 12 * MIN)


def test_resuming_what_is_not_paused_is_refused_and_nothing_logged(db, make_user, exam):
    _, _, attempt = exam
    with pytest.raises(Conflict):
        services.take_action(db, actor=make_user(Role.ADMIN).actor, attempt_id=attempt.id, action="resume",
                             reason_code="other", text="x", now=NOW)
    assert log_rows(db, attempt, LogKind.ACTION_TAKEN) == []


# ---------------------------------------------------------------------------------- ending: two

def test_ending_needs_a_second_person(db, make_user, exam):
    _, candidate, attempt = exam
    save(db, candidate, attempt, "B", NOW + MIN)
    first, second = make_user(Role.INVIGILATOR), make_user(Role.INVIGILATOR)
    request = services.request_end(db, actor=first.actor, attempt_id=attempt.id, reason_code="suspected_misconduct",
                                   text="Someone else in the room", now=NOW + 2 * MIN)
    assert delivery.view_of(db, attempt, NOW + 2 * MIN).state.is_open  # nothing happens yet
    with pytest.raises(Conflict, match="already been asked"):
        services.request_end(db, actor=second.actor, attempt_id=attempt.id, reason_code="other", text="x",
                             now=NOW + 2 * MIN)
    with pytest.raises(Forbidden, match="someone else must confirm"):
        services.confirm_end(db, actor=first.actor, request_event_id=request.id, now=NOW + 3 * MIN)
    heard = []
    with signals.attempt_submitted.connected_to(lambda sender, **kw: heard.append(kw["attempt_id"])):
        confirmed = services.confirm_end(db, actor=second.actor, request_event_id=request.id, now=NOW + 3 * MIN)
    assert (confirmed.kind, confirmed.actor_id, confirmed.payload) == (LogKind.END_CONFIRMED, second.id,
                                                                       {"request_event_id": request.id})
    view = delivery.view_of(db, attempt, NOW + 4 * MIN)
    assert view.state == replay.AttemptState.SUBMITTED and view.slots[1].answer == "B" and heard == [attempt.id]
    with pytest.raises(Conflict):
        services.confirm_end(db, actor=make_user(Role.EXAMINER).actor, request_event_id=request.id, now=NOW + 5 * MIN)


def test_an_examiner_may_confirm_and_anyone_who_could_may_cancel_with_a_note(db, make_user, exam):
    _, _, attempt = exam
    first = make_user(Role.INVIGILATOR)
    request = services.request_end(db, actor=first.actor, attempt_id=attempt.id, reason_code="identity_concern",
                                   text="Not the person on the ID", now=NOW)
    with pytest.raises(ValidationFailed):
        services.cancel_end(db, actor=first.actor, request_event_id=request.id, note=" ", now=NOW)
    cancelled = services.cancel_end(db, actor=first.actor, request_event_id=request.id, note="ID rechecked: fine",
                                    now=NOW + MIN)
    assert (cancelled.kind, cancelled.reason) == (LogKind.END_CANCELLED, "ID rechecked: fine")
    assert delivery.view_of(db, attempt, NOW + MIN).state.is_open
    again = services.request_end(db, actor=first.actor, attempt_id=attempt.id, reason_code="identity_concern",
                                 text="Second look: not the same person", now=NOW + 2 * MIN)
    services.confirm_end(db, actor=make_user(Role.EXAMINER).actor, request_event_id=again.id, now=NOW + 3 * MIN)
    assert delivery.view_of(db, attempt, NOW + 3 * MIN).state == replay.AttemptState.SUBMITTED
    kinds = [r.kind for r in log_rows(db, attempt, LogKind.END_REQUESTED, LogKind.END_CANCELLED, LogKind.END_CONFIRMED)]
    assert kinds == [LogKind.END_REQUESTED, LogKind.END_CANCELLED, LogKind.END_REQUESTED, LogKind.END_CONFIRMED]
    with pytest.raises(Forbidden):  # a candidate cannot even see a request
        services.confirm_end(db, actor=make_user(Role.CANDIDATE).actor, request_event_id=again.id, now=NOW)


def test_delivery_end_attempt_two_people_a_reason_once_answers_kept(db, make_user, exam):
    _, candidate, attempt = exam
    save(db, candidate, attempt, "C", NOW + MIN)
    asker, confirmer = make_user(Role.INVIGILATOR), make_user(Role.ADMIN)
    with pytest.raises(Forbidden, match="second person"):
        delivery.end_attempt(db, actor=asker.actor, attempt_id=attempt.id, requested_by_id=asker.id, reason="x",
                             now=NOW + MIN)
    with pytest.raises(ValidationFailed):
        delivery.end_attempt(db, actor=confirmer.actor, attempt_id=attempt.id, requested_by_id=asker.id, reason=" ",
                             now=NOW + MIN)
    with pytest.raises(Forbidden):
        delivery.end_attempt(db, actor=make_user(Role.ITEM_WRITER).actor, attempt_id=attempt.id,
                             requested_by_id=asker.id, reason="x", now=NOW + MIN)
    heard = []
    with signals.attempt_submitted.connected_to(lambda sender, **kw: heard.append(kw["attempt_id"])):
        view = delivery.end_attempt(db, actor=confirmer.actor, attempt_id=attempt.id, requested_by_id=asker.id,
                                    reason="Misconduct", now=NOW + 2 * MIN)
    assert view.state == replay.AttemptState.SUBMITTED and heard == [attempt.id]
    assert [r.answer for r in delivery.final_responses(db, attempt.id, NOW + 3 * MIN)][0] == "C"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "attempt.ended_by_staff"))
    assert entry.actor_id == confirmer.id
    with pytest.raises(delivery.AttemptEnded):
        delivery.end_attempt(db, actor=confirmer.actor, attempt_id=attempt.id, requested_by_id=asker.id,
                             reason="Again", now=NOW + 4 * MIN)


# ------------------------------------------------------------------------------ allocation, hand-over

@pytest.fixture
def crowd(db, make_user, framework):
    """An invigilated sitting with five booked candidates and three invigilators."""
    sitting, first, _ = started_attempt(db, now=NOW)
    from tests.assessment.delivery.player_data import make_person
    others = []
    for _ in range(4):
        person = make_person(db, Role.CANDIDATE, now=NOW)
        db.add(Booking(sitting_id=sitting.id, candidate_id=person.id, booked_at=NOW - 60 * MIN))
        others.append(person)
    db.flush()
    return sitting, [first, *others], [make_user(Role.INVIGILATOR) for _ in range(3)]


def standing(db, sitting):
    return {c: row.invigilator_id for c, row in services.current_allocation(db, sitting.id).items()}


def test_allocation_by_an_admin_balanced_within_the_limit(db, make_user, crowd):
    sitting, candidates, invigilators = crowd
    admin = make_user(Role.ADMIN)
    with pytest.raises(ValidationFailed) as raised:
        services.allocate(db, actor=admin.actor, sitting_id=sitting.id, invigilator_ids=[invigilators[0].id], now=NOW,
                          per_invigilator=2)
    assert "3 invigilators are needed" in raised.value.problems[0].message
    with pytest.raises(Forbidden):
        services.allocate(db, actor=invigilators[0].actor, sitting_id=sitting.id,
                          invigilator_ids=[i.id for i in invigilators], now=NOW, per_invigilator=2)
    with pytest.raises(ValidationFailed, match="invigilator"):
        services.allocate(db, actor=admin.actor, sitting_id=sitting.id, invigilator_ids=[candidates[0].id], now=NOW,
                          per_invigilator=25)
    written = services.allocate(db, actor=admin.actor, sitting_id=sitting.id,
                                invigilator_ids=[i.id for i in invigilators], now=NOW, per_invigilator=2)
    plan = standing(db, sitting)
    assert written == 5 and set(plan) == {c.id for c in candidates}
    assert sorted(list(plan.values()).count(i.id) for i in invigilators) == [1, 2, 2]
    # Asking again changes nothing and writes nothing.
    assert services.allocate(db, actor=admin.actor, sitting_id=sitting.id,
                             invigilator_ids=[i.id for i in invigilators], now=NOW, per_invigilator=2) == 0


def test_hand_over_moves_my_candidates_with_a_note(db, make_user, crowd):
    sitting, candidates, (one, two, three) = crowd
    admin = make_user(Role.ADMIN)
    services.allocate(db, actor=admin.actor, sitting_id=sitting.id, invigilator_ids=[one.id, two.id], now=NOW,
                      per_invigilator=25)
    plan = standing(db, sitting)
    mine = [c for c, i in plan.items() if i == one.id]
    theirs = [c for c, i in plan.items() if i == two.id]
    with pytest.raises(Forbidden, match="allocated to you"):
        services.hand_over(db, actor=one.actor, sitting_id=sitting.id, candidate_ids=theirs[:1],
                           to_invigilator_id=three.id, note="Break", now=NOW, per_invigilator=25)
    with pytest.raises(ValidationFailed) as raised:
        services.hand_over(db, actor=one.actor, sitting_id=sitting.id, candidate_ids=mine, to_invigilator_id=three.id,
                           note="", now=NOW, per_invigilator=25)
    assert [p.field for p in raised.value.problems] == ["note"]
    with pytest.raises(ValidationFailed) as raised:  # more than the limit for the one taking over
        services.hand_over(db, actor=one.actor, sitting_id=sitting.id, candidate_ids=mine,
                           to_invigilator_id=three.id, note="My shift ends", now=NOW, per_invigilator=1)
    assert "at most 1 are allowed" in raised.value.problems[0].message
    moved = services.hand_over(db, actor=one.actor, sitting_id=sitting.id, candidate_ids=mine,
                               to_invigilator_id=three.id, note="My shift ends", now=NOW + MIN, per_invigilator=25)
    after = standing(db, sitting)
    assert moved == len(mine) and all(after[c] == three.id for c in mine) and all(after[c] == two.id for c in theirs)
    latest = services.current_allocation(db, sitting.id)[mine[0]]
    assert (latest.note, latest.allocated_by_id) == ("My shift ends", one.id)
    assert db.scalar(select(InvigilatorAllocation.id).where(InvigilatorAllocation.candidate_id == mine[0],
                                                            InvigilatorAllocation.invigilator_id == one.id))


def test_the_allocate_command(db, runner, make_user, crowd):
    sitting, candidates, invigilators = crowd
    emails = [db.get(type(invigilators[0]), i.id).email for i in invigilators[:2]]
    result = runner.invoke(args=["invigilation", "allocate", str(sitting.id), *emails])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Allocated 5 candidates to 2 invigilators (5 changed)."
    assert sorted(list(standing(db, sitting).values()).count(i.id) for i in invigilators[:2]) == [2, 3]
    refused = runner.invoke(args=["invigilation", "allocate", str(sitting.id), "nobody@example.org"])
    assert refused.exit_code == 1 and "There is no account for nobody@example.org." in refused.output
    candidate = runner.invoke(args=["invigilation", "allocate", str(sitting.id), candidates[0].email])
    assert candidate.exit_code == 1 and "invigilator role" in candidate.output
