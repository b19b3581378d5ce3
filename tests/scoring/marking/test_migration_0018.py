"""Migration 0018: the ``appeal`` marking round is admitted by the replaced CHECK and refused again
after the downgrade; on SQLite the copy of ``script_marks`` keeps its append-only guards; the two new
tables come and go."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from core import append_only, migrations
from tests.cop_testing import own_schema, postgres_schema_url, reset_postgres_schema

NEW_TABLES = {"marking_remark_requests", "appeal_withdrawals"}


@pytest.fixture
def engine(backend, tmp_path):
    if backend == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'remarks.sqlite3'}")
    else:
        schema = own_schema("cop_remarks")
        reset_postgres_schema(schema)
        engine = create_engine(postgres_schema_url(schema))
    yield engine
    engine.dispose()


def _round_check(engine) -> str:
    [check] = [c for c in inspect(engine).get_check_constraints("script_marks")
               if c["name"] == "ck_script_marks_marking_round"]
    return check["sqltext"]


def test_0018_admits_the_appeal_round_keeps_the_guards_and_goes_back(engine):
    migrations.upgrade(engine, "0017")
    assert "'appeal'" not in _round_check(engine)
    migrations.upgrade(engine, "0018")
    assert "'appeal'" in _round_check(engine)
    assert NEW_TABLES <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        installed = append_only.installed_triggers(connection)
    for table in (*NEW_TABLES, "script_marks"):
        assert installed.get(table) == append_only.trigger_names(table, engine.dialect.name), table
    migrations.downgrade(engine, "0017")
    assert "'appeal'" not in _round_check(engine)
    assert not NEW_TABLES & set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert append_only.installed_triggers(connection).get("script_marks") == append_only.trigger_names(
            "script_marks", engine.dialect.name)
    with pytest.raises(IntegrityError, match="marking_round"):  # the narrower CHECK is back
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO script_marks (script_id, marker_id, round, mark, justification, "
                                        "reason, created_at) VALUES (1, 1, 'appeal', 1, 'x', '', CURRENT_TIMESTAMP)"))
