"""Migration 0006 on a database that holds attempts: their evidence survives the change of
constraints (on SQLite the attempts table is copied with foreign keys enforced, as the app's engine
does), and afterwards the database itself allows several attempts at a practice sitting and one at a
real sitting."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import MetaData, func, insert, select
from sqlalchemy.exc import IntegrityError

from core import migrations
from core.db import make_engine

from tests.cop_testing import own_schema, postgres_schema_url, reset_postgres_schema

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def engine_at_0005(backend, tmp_path):
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'attempts.sqlite3'}")  # foreign keys on, like the app
    else:
        schema = own_schema("cop_attempt_numbers")
        reset_postgres_schema(schema)
        engine = make_engine(postgres_schema_url(schema))
    migrations.upgrade(engine, "0005")
    yield engine
    engine.dispose()


def _tables(engine):
    found = MetaData()
    found.reflect(engine)
    return found.tables


def _row(table, **given):
    """Every required column filled with a plain value, then ``given``."""
    values = {}
    for column in table.columns:
        if column.primary_key or column.nullable or column.server_default is not None:
            continue
        try:
            kind = column.type.python_type
        except NotImplementedError:
            kind = str
        values[column.name] = {int: 1, bool: False, str: "x", dict: {}, list: [], dt.datetime: NOW}.get(kind, "x")
    values.update(given)
    return values


def _seed(engine) -> dict[str, int]:
    tables = _tables(engine)
    with engine.begin() as connection:
        def add(name, **given):
            return connection.execute(insert(tables[name]).values(**_row(tables[name], **given))).inserted_primary_key[0]

        user = add("users", email="candidate@example.org")
        spec = add("exam_specs", created_by_id=user)
        paper = add("exam_papers", exam_spec_id=spec, created_by_id=user)
        practice = add("sittings", is_practice=True, created_by_id=user)
        real = add("sittings", is_practice=False, created_by_id=user)
        ids = {"user": user, "paper": paper, "practice": practice, "real": real}
        for name in ("practice", "real"):
            attempt = add("attempts", sitting_id=ids[name], candidate_id=user, exam_paper_id=paper)
            add("attempt_events", attempt_id=attempt, kind="started", payload={}, actor_id=user, reason="")
            ids[f"{name}_attempt"] = attempt
    return ids


def _count(engine, table_name) -> int:
    table = _tables(engine)[table_name]
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar()


def _another_attempt(engine, ids, sitting: str, attempt_no: int) -> None:
    tables = _tables(engine)
    with engine.begin() as connection:
        connection.execute(insert(tables["attempts"]).values(**_row(
            tables["attempts"], sitting_id=ids[sitting], candidate_id=ids["user"], exam_paper_id=ids["paper"],
            attempt_no=attempt_no, is_practice=sitting == "practice")))


def test_upgrading_keeps_every_attempts_evidence_and_numbers_existing_attempts_one(engine_at_0005):
    ids = _seed(engine_at_0005)
    migrations.upgrade(engine_at_0005)
    assert _count(engine_at_0005, "attempt_events") == 2
    attempts = _tables(engine_at_0005)["attempts"]
    with engine_at_0005.connect() as connection:
        rows = {r.id: (r.attempt_no, bool(r.is_practice)) for r in connection.execute(select(attempts))}
    assert rows == {ids["practice_attempt"]: (1, True), ids["real_attempt"]: (1, False)}


def test_the_database_allows_more_tries_only_at_a_practice_sitting(engine_at_0005):
    ids = _seed(engine_at_0005)
    migrations.upgrade(engine_at_0005)
    _another_attempt(engine_at_0005, ids, "practice", 2)
    with pytest.raises(IntegrityError):
        _another_attempt(engine_at_0005, ids, "practice", 2)  # the same try twice
    with pytest.raises(IntegrityError):
        _another_attempt(engine_at_0005, ids, "real", 2)  # a second attempt at a real sitting
    with pytest.raises(IntegrityError):
        _another_attempt(engine_at_0005, ids, "real", 1)
    assert _count(engine_at_0005, "attempts") == 3


def test_downgrading_keeps_the_evidence_and_refuses_to_drop_second_tries(engine_at_0005):
    ids = _seed(engine_at_0005)
    migrations.upgrade(engine_at_0005)
    migrations.downgrade(engine_at_0005, "0005")
    assert _count(engine_at_0005, "attempt_events") == 2 and _count(engine_at_0005, "attempts") == 2
    migrations.upgrade(engine_at_0005)
    _another_attempt(engine_at_0005, ids, "practice", 2)
    with pytest.raises(RuntimeError, match="second or later tries"):
        migrations.downgrade(engine_at_0005, "0005")
    assert _count(engine_at_0005, "attempts") == 3
