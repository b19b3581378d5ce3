"""``core.db.DriverStatement``: the autosave's statements run straight on the driver (issue 13) must
give what SQLAlchemy's execution gives — the same rows, the same conversions of UTC times and JSON,
the same exceptions — inside the session's transaction, seen by ``before_cursor_execute`` listeners."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Integer, bindparam, event, insert, select
from sqlalchemy.exc import IntegrityError

from core.db import DriverStatement
from core.roles import Role
from assessment.delivery import services
from assessment.delivery.models import ResponseStep
from tests.assessment.delivery.player_data import make_exam

STEPS_OF = (select(ResponseStep.seq, ResponseStep.slot, ResponseStep.payload, ResponseStep.created_at)
            .where(ResponseStep.attempt_id == bindparam("attempt_id", type_=Integer)).order_by(ResponseStep.seq))
INSERT_STEP = insert(ResponseStep).values({column.key: bindparam(column.key, type_=column.type)
                                          for column in ResponseStep.__table__.columns if column.key != "id"})


@pytest.fixture
def attempt(db, clock, login_as, framework):
    candidate = login_as(Role.CANDIDATE)
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now())
    return services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab", now=clock.now())


def _step(attempt, seq: int, payload: dict, at: dt.datetime, *, client_step_id: str | None = None) -> dict:
    return {"attempt_id": attempt.id, "seq": seq, "slot": 1, "payload": payload,
            "client_step_id": client_step_id or f"s-{seq}", "device_id": "tab", "created_at": at}


def test_an_insert_and_a_read_convert_json_and_utc_times_as_sqlalchemy_does(db, attempt):
    summer = dt.datetime(2026, 7, 1, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    payload = {"answer": ["B", "D"], "flagged": True, "struck": [], "note": "café – 50 % “quoted”"}
    DriverStatement(INSERT_STEP).rows(db.connection(), _step(attempt, 1, payload, summer))
    DriverStatement(INSERT_STEP).rows(db.connection(), _step(attempt, 2, {"answer": None}, summer))

    driven = DriverStatement(STEPS_OF).rows(db.connection(), {"attempt_id": attempt.id})

    assert driven == [tuple(row) for row in db.execute(STEPS_OF, {"attempt_id": attempt.id})]
    assert driven[0][2] == payload and driven[1][2] == {"answer": None}
    assert driven[0][3] == dt.datetime(2026, 7, 1, 13, 30, tzinfo=dt.timezone.utc)
    assert driven[0][3].tzinfo is not None


def test_it_runs_inside_the_sessions_transaction(db, attempt, clock):
    nested = db.begin_nested()
    DriverStatement(INSERT_STEP).rows(db.connection(), _step(attempt, 1, {"answer": "A"}, clock.now()))
    assert db.scalar(select(ResponseStep.payload).where(ResponseStep.attempt_id == attempt.id)) == {"answer": "A"}
    nested.rollback()
    assert db.scalar(select(ResponseStep.id).where(ResponseStep.attempt_id == attempt.id)) is None


def test_a_broken_constraint_is_sqlalchemys_integrity_error(db, attempt, clock):
    """The autosave's fast path hands a retry that raced its first delivery to the ordinary path by
    catching ``IntegrityError``; the driver's own exception would escape it as a 500."""
    DriverStatement(INSERT_STEP).rows(db.connection(), _step(attempt, 1, {"answer": "A"}, clock.now()))
    with pytest.raises(IntegrityError):
        with db.begin_nested():
            DriverStatement(INSERT_STEP).rows(db.connection(), _step(attempt, 2, {"answer": "B"}, clock.now(),
                                                                     client_step_id="s-1"))
    assert db.scalars(select(ResponseStep.seq).where(ResponseStep.attempt_id == attempt.id)).all() == [1]


def test_a_naive_time_is_refused_before_anything_is_sent(db, attempt, statements_sent):
    with pytest.raises(ValueError, match="naive datetime"):
        DriverStatement(INSERT_STEP).rows(db.connection(), _step(attempt, 1, {}, dt.datetime(2026, 1, 1, 9, 0)))
    assert statements_sent == []


def test_listeners_see_each_statement_with_its_parameters(db, attempt, statements_sent):
    DriverStatement(STEPS_OF).rows(db.connection(), {"attempt_id": attempt.id})
    assert len(statements_sent) == 1
    sql, parameters = statements_sent[0]
    assert sql.startswith("SELECT") and "response_steps" in sql
    assert attempt.id in (parameters.values() if isinstance(parameters, dict) else parameters)


def test_a_statement_is_compiled_once_per_database(db, attempt):
    driven = DriverStatement(STEPS_OF)
    driven.rows(db.connection(), {"attempt_id": attempt.id})
    first = driven._by_dialect[db.get_bind().dialect.name]
    driven.rows(db.connection(), {"attempt_id": attempt.id})
    assert driven._by_dialect[db.get_bind().dialect.name] is first and len(driven._by_dialect) == 1


@pytest.fixture
def statements_sent(engine):
    seen: list[tuple[str, object]] = []

    def note(_connection, _cursor, statement, parameters, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)
