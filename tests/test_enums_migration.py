"""Migration 0007: the named CHECKs on attempt event kinds and review actions come and go, and on
SQLite the table copy keeps the tables' triggers (the append-only guards)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from core import migrations
from tests.cop_testing import own_schema, postgres_schema_url, reset_postgres_schema

CHECKS = {"attempt_events": "ck_attempt_events_attempt_event_kind",
          "review_events": "ck_review_events_review_action"}


@pytest.fixture
def engine(backend, tmp_path):
    if backend == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'enums.sqlite3'}")
    else:
        schema = own_schema("cop_enums")
        reset_postgres_schema(schema)
        engine = create_engine(postgres_schema_url(schema))
    yield engine
    engine.dispose()


def checks(engine, table) -> set[str]:
    return {c["name"] for c in inspect(engine).get_check_constraints(table)}


def test_the_checks_come_with_0007_and_go_with_its_downgrade(engine):
    migrations.upgrade(engine, "0006")
    for table, name in CHECKS.items():
        assert name not in checks(engine, table)
    migrations.upgrade(engine)
    for table, name in CHECKS.items():
        assert name in checks(engine, table)
    migrations.downgrade(engine, "0006")
    for table, name in CHECKS.items():
        assert name not in checks(engine, table)


def test_on_sqlite_the_table_copy_keeps_the_triggers(tmp_path):
    """SQLite only: PostgreSQL adds the CHECK in place and never copies the table."""
    engine = create_engine(f"sqlite:///{tmp_path / 'triggers.sqlite3'}")
    migrations.upgrade(engine, "0006")
    with engine.begin() as connection:
        for table in CHECKS:
            connection.execute(text(f"CREATE TRIGGER IF NOT EXISTS probe_{table} BEFORE DELETE ON {table} "
                                    "BEGIN SELECT RAISE(ABORT, 'append-only'); END"))
    migrations.upgrade(engine)
    migrations.downgrade(engine, "0006")
    migrations.upgrade(engine)
    with engine.connect() as connection:
        names = set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    engine.dispose()
    assert {f"probe_{table}" for table in CHECKS} <= names
