"""The migrations and the models agree, on SQLite and PostgreSQL; every migration downgrades."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from assessment.models import metadata
from core import append_only, migrations

from tests.cop_testing import own_schema, postgres_schema_url, reset_postgres_schema


@pytest.fixture
def empty_engine(backend, tmp_path):
    if backend == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
    else:
        schema = own_schema("cop_migrations")
        reset_postgres_schema(schema)
        engine = create_engine(postgres_schema_url(schema))
    yield engine
    engine.dispose()


def test_upgrade_to_head_matches_the_models(empty_engine):
    migrations.upgrade(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        difference = compare_metadata(context, metadata)
    assert difference == []
    assert migrations.current_revision(empty_engine) == migrations.head_revision(empty_engine)


def test_upgrade_to_head_installs_the_append_only_triggers(empty_engine):
    """Every append-only model's table has its triggers at head, and they refuse raw SQL."""
    migrations.upgrade(empty_engine)
    dialect = empty_engine.dialect.name
    with empty_engine.connect() as connection:
        installed = append_only.installed_triggers(connection)
    for table in append_only.append_only_tables():
        assert append_only.trigger_names(table, dialect) <= installed.get(table, set()), table
    with empty_engine.begin() as connection:
        connection.execute(text("INSERT INTO login_attempts (email, is_success, attempted_at) "
                                "VALUES ('someone@example.org', false, CURRENT_TIMESTAMP)"))
    for statement in ("UPDATE login_attempts SET is_success = true", "DELETE FROM login_attempts"):
        with pytest.raises(IntegrityError, match="append-only"), empty_engine.begin() as connection:
            connection.execute(text(statement))


def test_downgrading_the_guards_removes_the_triggers(empty_engine):
    migrations.upgrade(empty_engine, "0004")
    migrations.downgrade(empty_engine, "0003")
    with empty_engine.connect() as connection:
        assert append_only.installed_triggers(connection) == {}
    with empty_engine.begin() as connection:
        connection.execute(text("INSERT INTO login_attempts (email, is_success, attempted_at) "
                                "VALUES ('someone@example.org', false, CURRENT_TIMESTAMP)"))
        connection.execute(text("DELETE FROM login_attempts"))
    foreign_keys = inspect(empty_engine).get_foreign_keys("response_steps")
    assert [(key.get("options") or {}).get("ondelete") for key in foreign_keys] == ["CASCADE"]


def test_downgrade_to_base_removes_every_table(empty_engine):
    migrations.upgrade(empty_engine)
    migrations.downgrade(empty_engine, "base")
    remaining = set(inspect(empty_engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    migrations.upgrade(empty_engine)  # and back up again cleanly
    assert set(metadata.tables) <= set(inspect(empty_engine).get_table_names())


def test_migration_files_are_dated_and_each_has_a_downgrade():
    import re

    files = sorted(migrations.MIGRATIONS_DIR.joinpath("versions").glob("*.py"))
    assert files
    for path in files:
        assert re.match(r"^\d{8}_", path.name), f"{path.name} is not dated"
        source = path.read_text(encoding="utf-8")
        body = source.split("def downgrade() -> None:", 1)[1]
        assert "op." in body, f"{path.name} has an empty downgrade"
