"""The autosave's fast path and the exam-content cache (issue 13): the same answers as the ordinary
path, in fewer round trips. Round trips are counted, not timed — the count is what every save costs
the database, on any machine; the time is bench/'s (docs/performance.md)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import event, insert, select, text, update

from core.roles import Role
from core.web import CLAIM_HOLDS
from assessment.accounts.models import User
from assessment.delivery import services
from assessment.delivery.models import AttemptSlot, ResponseStep
from item_bank.exchange.schemas import CandidateItemSchema, PresentedItem
from item_bank.models import ItemVersion
from tests.assessment.delivery.player_data import make_exam

DEVICE = "tab-one"


@pytest.fixture
def statements(engine):
    """Every SELECT, INSERT, UPDATE and DELETE sent to the database while the test runs (transaction
    control and savepoints left out: they are the test harness's, not the request's)."""
    seen: list[str] = []

    def note(_connection, _cursor, statement, *_args):
        if statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def _exam_for(db, clock, candidate):
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now())
    return services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id=DEVICE,
                                  now=clock.now())


def _save(client, attempt, *, slot=1, answer="B", seen=0, step="c-1", device=DEVICE):
    return client.post(f"/api/v1/attempts/{attempt.id}/responses",
                       json={"slot": slot, "payload": {"answer": answer}, "seen_seq": seen,
                             "client_step_id": step, "device_id": device})


def test_an_ordinary_save_is_three_statements_and_a_retry_two(client, db, clock, login_as, statements, framework):
    attempt = _exam_for(db, clock, login_as(Role.CANDIDATE))
    statements.clear()
    assert _save(client, attempt, step="c-1").status_code == 200
    # The attempt locked, with whether the cookie's claim holds, whether the step is a retry and the
    # slot's item; the state it needs (the slot's last step, the attempt's, the events, in one union);
    # the step.
    assert len(statements) == 3, statements
    assert "FOR UPDATE" in statements[0] or db.get_bind().dialect.name == "sqlite"
    assert "users" in statements[0] and "role_grants" in statements[0]
    assert statements[2].startswith("INSERT INTO response_steps")
    statements.clear()
    retry = _save(client, attempt, step="c-1")
    assert retry.status_code == 200 and retry.get_json()["written"] is False
    assert len(statements) == 2 and not any(s.startswith("INSERT") for s in statements)
    assert len(db.scalars(select(ResponseStep).where(ResponseStep.attempt_id == attempt.id)).all()) == 1


def _script(client, attempt) -> list[tuple[int, dict]]:
    """One of each answer a save can get."""
    sends = [dict(step="c-1"),  # written
             dict(step="c-1"),  # a retry: the stored acknowledgement
             dict(step="c-2"),  # equal to the slot's state: nothing to write
             dict(answer="C", step="c-3", seen=0),  # stale: another save since
             dict(answer="C", step="c-4", seen=1),  # written
             dict(slot=99, step="c-5", seen=2),  # no such question: 422
             dict(answer="Z", step="c-6", seen=2),  # not one of the options: 422
             dict(answer="D", step="c-7", seen=2, device="tab-two")]  # another window: read-only
    answers = []
    for send in sends:
        response = _save(client, attempt, **send)
        answers.append((response.status_code, response.get_json()))
    return answers


def test_the_fast_path_answers_every_save_as_the_ordinary_path(app, client, db, clock, login_as, framework):
    fast = _script(client, _exam_for(db, clock, login_as(Role.CANDIDATE)))
    app.extensions.pop(CLAIM_HOLDS)  # no way to confirm a claim: every save takes the ordinary path
    ordinary = _script(client, _exam_for(db, clock, login_as(Role.CANDIDATE)))
    assert [status for status, _ in fast] == [200, 200, 200, 409, 200, 422, 422, 409]
    assert fast == ordinary


def _state(client, attempt, device=DEVICE):
    response = client.get(f"/api/v1/attempts/{attempt.id}/state?device_id={device}")
    return response.status_code, response.get_json()


def _state_script(client, db, clock, make_user, attempt) -> list[tuple[int, dict]]:
    """The state poll through each state an attempt passes: answered, another window, paused by
    staff, resumed with extra time, timed out; then someone else's attempt."""
    answers = [_state(client, attempt)]
    assert _save(client, attempt, step="s-1").status_code == 200
    clock.advance(minutes=3)
    answers += [_state(client, attempt), _state(client, attempt, device="tab-two")]
    invigilator = make_user(Role.INVIGILATOR)
    services.pause(db, actor=invigilator.actor, attempt_id=attempt.id, reason="Noise", now=clock.now())
    clock.advance(minutes=2)
    answers.append(_state(client, attempt))
    services.resume(db, actor=invigilator.actor, attempt_id=attempt.id, now=clock.now())
    services.extend_time(db, actor=invigilator.actor, attempt_id=attempt.id, seconds=600, reason="Internet",
                         now=clock.now())
    db.flush()
    answers.append(_state(client, attempt))
    clock.advance(minutes=80)
    answers.append(_state(client, attempt))
    clock.advance(minutes=-85)  # back to where the script began, for the next attempt
    return answers


def test_the_state_poll_is_two_statements_and_answers_as_the_ordinary_path(app, client, db, clock, login_as,
                                                                           make_user, framework, statements):
    attempt = _exam_for(db, clock, login_as(Role.CANDIDATE))
    statements.clear()
    assert _state(client, attempt)[0] == 200
    # The attempt's clock with whether the cookie's claim holds; the state (steps, events, slots).
    assert len(statements) == 2, statements
    assert "users" in statements[0] and "role_grants" in statements[0] and "FOR UPDATE" not in statements[0]
    fast = _state_script(client, db, clock, make_user, attempt)
    app.extensions.pop(CLAIM_HOLDS)  # no way to confirm a claim: every poll takes the ordinary path
    ordinary = _state_script(client, db, clock, make_user, _exam_for(db, clock, login_as(Role.CANDIDATE)))
    assert [body["state"] for _status, body in fast] == \
        ["in_progress", "in_progress", "in_progress", "paused", "in_progress", "timed_out"]
    assert [body["read_only"] for _status, body in fast][1:3] == [False, True]
    assert fast == ordinary


def _save_status(client, attempt) -> int:
    return _save(client, attempt).status_code


def _state_status(client, attempt) -> int:
    return _state(client, attempt)[0]


@pytest.mark.parametrize("answer_to", [_save_status, _state_status], ids=["save", "state poll"])
def test_the_fast_paths_refuse_a_stale_sign_in_a_disabled_account_staff_and_someone_elses_attempt(
        client, db, clock, login_as, framework, answer_to):
    candidate = login_as(Role.CANDIDATE)
    attempt = _exam_for(db, clock, candidate)
    db.execute(update(User).where(User.id == candidate.id).values(session_version=User.session_version + 1))
    db.flush()
    assert answer_to(client, attempt) == 401  # signed out elsewhere since this cookie was made
    login_as(Role.EXAMINER)
    assert answer_to(client, attempt) == 403
    other = login_as(Role.CANDIDATE)
    assert answer_to(client, attempt) == 404  # someone else's attempt is not found
    db.execute(update(User).where(User.id == other.id).values(is_enabled=False))
    db.flush()
    assert answer_to(client, attempt) == 401
    assert db.scalars(select(ResponseStep).where(ResponseStep.attempt_id == attempt.id)).all() == []


def test_the_second_candidate_of_a_paper_costs_no_rendering_of_its_questions(client, db, clock, login_as, framework,
                                                                           statements):
    first = login_as(Role.CANDIDATE)
    sitting, _ = make_exam(db, candidate=first, now=clock.now())
    attempts = {}
    for person in (first, login_as(Role.CANDIDATE)):
        from assessment.delivery.models import Booking
        if person is not first:
            db.add(Booking(sitting_id=sitting.id, candidate_id=person.id, booked_at=clock.now()))
            db.flush()
        attempts[person.id] = services.start_attempt(db, actor=person.actor, sitting_id=sitting.id,
                                                     device_id=DEVICE, now=clock.now())
    statements.clear()
    body = client.get(f"/api/v1/attempts/{attempts[first.id].id}?device_id={DEVICE}")
    assert body.status_code == 404  # the client is signed in as the second candidate
    second = attempts[next(k for k in attempts if k != first.id)]
    statements.clear()
    assert client.get(f"/api/v1/attempts/{second.id}?device_id={DEVICE}").status_code == 200
    assert any("FROM item_versions" in s for s in statements)  # the first load of the paper renders it
    statements.clear()
    again = client.get(f"/api/v1/attempts/{second.id}?device_id={DEVICE}")
    assert again.status_code == 200
    assert not any("FROM item_versions" in s or "FROM case_study_versions" in s for s in statements)


def test_cached_content_is_what_a_fresh_render_of_each_slot_gives(client, db, clock, login_as, framework):
    """The cache dumps each question once without the attempt's option order and reorders it per
    request: that must equal dumping the slot afresh, option order and all."""
    attempt = _exam_for(db, clock, login_as(Role.CANDIDATE))
    for _ in range(2):  # the first load fills the cache; the second is served from it
        items = client.get(f"/api/v1/attempts/{attempt.id}?device_id={DEVICE}").get_json()["items"]
    slots = db.scalars(select(AttemptSlot).where(AttemptSlot.attempt_id == attempt.id)
                       .order_by(AttemptSlot.slot)).all()
    fresh = CandidateItemSchema(many=True).dump(
        [PresentedItem(db.get(ItemVersion, s.item_version_id), s.slot, s.case_study_version_id, s.option_order,
                       s.max_mark) for s in slots])
    assert items == fresh
    assert any(s.option_order for s in slots)  # the exam has shuffled options, so the order is tested


def _second_attempt(db, clock, login_as, attempt):
    from assessment.delivery.models import Booking
    person = login_as(Role.CANDIDATE)
    db.add(Booking(sitting_id=attempt.sitting_id, candidate_id=person.id, booked_at=clock.now()))
    db.flush()
    return services.start_attempt(db, actor=person.actor, sitting_id=attempt.sitting_id, device_id=DEVICE,
                                  now=clock.now())


def _literal(db, statement, params) -> str:
    return str(statement.params(**params).compile(dialect=db.get_bind().dialect,
                                                  compile_kwargs={"literal_binds": True}))


def _plan_rows_read_from(db, table: str, statement, params) -> int:
    """How many rows the database read from ``table`` running ``statement`` (PostgreSQL's EXPLAIN
    ANALYZE: rows a node returned × its loops, over every node that reads the table)."""
    plan = db.connection().exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {_literal(db, statement, params)}") \
        .scalar_one()
    plan = plan if isinstance(plan, list) else json.loads(plan)

    def walk(node):
        own = node["Actual Rows"] * node["Actual Loops"] if node.get("Relation Name") == table else 0
        return own + sum(walk(child) for child in node.get("Plans", []))

    return walk(plan[0]["Plan"])


def _six_hundred_steps(db, clock, attempt) -> tuple[list[int], list[dict]]:
    """A long sitting's steps for ``attempt``, spread over its slots."""
    slots = sorted(db.scalars(select(AttemptSlot.slot).where(AttemptSlot.attempt_id == attempt.id)))
    steps = [{"attempt_id": attempt.id, "seq": seq, "slot": slots[seq % len(slots)],
              "payload": {"answer": "ABCD"[seq % 4]}, "client_step_id": f"s-{seq}", "device_id": DEVICE,
              "created_at": clock.now()} for seq in range(1, 601)]
    db.execute(insert(ResponseStep), steps)
    db.flush()
    return slots, steps


def _a_sittings_table(db, clock, login_as, attempt) -> None:
    """PostgreSQL: ``attempt``'s steps made a small part of the table (beside another attempt's
    20,000) and the table analysed, so the planner sees what it would see on the day."""
    other = _second_attempt(db, clock, login_as, attempt)
    db.execute(text("INSERT INTO response_steps (attempt_id, seq, slot, payload, client_step_id, device_id, "
                    "created_at) SELECT :other, g, 1 + g % 5, CAST('{}' AS json), 'o-' || g, 'x', now() "
                    "FROM generate_series(1, 20000) AS g"), {"other": other.id})
    db.execute(text("ANALYZE response_steps"))


def test_the_state_read_finds_each_slots_latest_step_without_reading_every_step(db, clock, login_as, framework):
    """Every save reads the state; a long sitting has hundreds of steps an attempt. The read goes to
    each slot's latest step through the (attempt, slot, seq) index, so its cost does not grow with
    the steps already saved (it grouped them all before: issue 13)."""
    attempt = _exam_for(db, clock, login_as(Role.CANDIDATE))
    slots, steps = _six_hundred_steps(db, clock, attempt)
    found, _events, numbers = services._evidence_now(db, attempt.id)
    latest = {}
    for step in steps:
        latest[step["slot"]] = step
    assert numbers == slots
    assert [(s.seq, s.slot, s.payload) for s in found] == sorted(
        (s["seq"], s["slot"], s["payload"]) for s in latest.values())
    if db.get_bind().dialect.name == "postgresql":
        _a_sittings_table(db, clock, login_as, attempt)
        statement = services.evidence_now_statement("postgresql")
        read = _plan_rows_read_from(db, "response_steps", statement, {"attempt_id": attempt.id})
        assert read <= 2 * len(slots), read  # at most a probe or two a slot, never the attempt's steps
    else:
        statement = _literal(db, services.evidence_now_statement("sqlite"), {"attempt_id": attempt.id})
        plan = " | ".join(row[-1] for row in db.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}"))
        assert "ix_response_steps_attempt_id_slot_seq (attempt_id=? AND slot=?)" in plan, plan
        assert "SCAN response_steps" not in plan, plan


def test_a_save_reads_two_steps_whatever_the_paper_and_its_history(client, db, clock, login_as, framework):
    """A save folds the saved slot's last step and the attempt's last step (replay.latest_for_save),
    each one probe of an index: its read does not grow with the paper's questions or the steps saved."""
    attempt = _exam_for(db, clock, login_as(Role.CANDIDATE))
    slots, _steps = _six_hundred_steps(db, clock, attempt)
    flagged = {"slot": slots[0], "payload": {"answer": "B", "flagged": True}, "seen_seq": 600,
               "client_step_id": "c-601", "device_id": DEVICE}
    for written in (True, False):  # the save, then its retry
        answer = client.post(f"/api/v1/attempts/{attempt.id}/responses", json=flagged)
        assert answer.status_code == 200, answer.get_json()
        assert (answer.get_json()["written"], answer.get_json()["seq"], answer.get_json()["last_seq"]) \
            == (written, 601, 601)
    params = {"attempt_id": attempt.id, "slot": slots[0]}
    if db.get_bind().dialect.name == "postgresql":
        _a_sittings_table(db, clock, login_as, attempt)
        assert _plan_rows_read_from(db, "response_steps", services.save_state_statement(), params) == 2
    else:
        statement = _literal(db, services.save_state_statement(), params)
        plan = " | ".join(row[-1] for row in db.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}"))
        assert "SCAN response_steps" not in plan and plan.count("USING") >= 2, plan


def test_a_start_reads_the_papers_questions_in_one_statement_and_inserts_its_slots_in_one(db, clock, login_as,
                                                                                         framework, statements):
    """The start storm: every candidate starts within a minute, so a start does not load the paper's
    object graph (case studies, questions, mappings, attachments) or flush one object a slot."""
    first = _exam_for(db, clock, login_as(Role.CANDIDATE))
    statements.clear()
    second = _second_attempt(db, clock, login_as, first)
    assert len([s for s in statements if s.startswith("INSERT INTO attempt_slots")]) == 1
    touching_questions = [s for s in statements if "item_versions" in s]
    assert len(touching_questions) == 1 and "exam_paper_entries" in touching_questions[0]
    assert not any(table in s for s in statements for table in ("item_mappings", "attachments", "FROM exam_papers"))
    db.expire_all()
    assert [(s.slot, s.case_study_version_id, s.item_version_id, s.max_mark) for s in second.slots] \
        == [(s.slot, s.case_study_version_id, s.item_version_id, s.max_mark) for s in first.slots]
    assert len(second.slots) == 5 and any(s.option_order for s in second.slots)


def test_a_page_loads_the_signed_in_person_with_their_roles_in_one_statement(client, db, clock, login_as, framework,
                                                                             statements):
    attempt = _exam_for(db, clock, login_as(Role.CANDIDATE))
    statements.clear()
    assert client.get(f"/api/v1/attempts/{attempt.id}/state?device_id={DEVICE}").status_code == 200
    people = [s for s in statements if "FROM users" in s or "role_grants" in s]
    assert len(people) == 1 and "role_grants" in people[0] and "sign_ins" in people[0]
