"""The migrations and the models agree, on SQLite and PostgreSQL; every migration downgrades."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from assessment.models import metadata
from core import migrations

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
