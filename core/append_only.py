"""Refuses updates and deletes of evidence rows, in the ORM and in the database itself.

A model opts in with ``__append_only__ = True``. Two guards follow from that one flag:

- the ORM guard below runs at flush time and names the model in a clear error;
- database triggers (PostgreSQL and SQLite) refuse UPDATE and DELETE (and TRUNCATE on
  PostgreSQL) of the table whatever the client, so raw SQL, another program or a careless
  ``psql`` session cannot rewrite or remove evidence either. The audit log is hash-chained
  as well, which catches someone who drops the triggers first.

The trigger SQL is defined once here. ``metadata.create_all`` installs it (an ``after_create``
listener on each append-only table, used by the test suite), and the migrations call
``create_triggers``/``drop_triggers`` with the same statements. A migration that makes SQLite
copy an append-only table (``batch_alter_table`` with a change SQLite cannot ALTER in place)
drops that table's triggers with the old copy, so it must call ``create_triggers`` again
afterwards; ``tests/test_migrations.py`` checks that every append-only table has its triggers
at head.
"""
from __future__ import annotations

from sqlalchemy import Connection, Table, event
from sqlalchemy.orm import Mapper, Session

from core.db import Base


class AppendOnlyViolation(Exception):
    pass


def _is_append_only(instance) -> bool:
    return bool(getattr(type(instance), "__append_only__", False))


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_evidence(session: Session, _context, _instances) -> None:
    for instance in session.deleted:
        if _is_append_only(instance):
            raise AppendOnlyViolation(f"{type(instance).__name__} rows are append-only; they cannot be deleted")
    for instance in session.dirty:
        if _is_append_only(instance) and session.is_modified(instance, include_collections=False):
            raise AppendOnlyViolation(f"{type(instance).__name__} rows are append-only; they cannot be changed")


# --- The database's own guard -------------------------------------------------------------------
# Messages avoid "%" and ":" so that the statements pass unchanged through any driver or text().

def _message(table: str, operation: str) -> str:
    return f"{table} rows are append-only evidence; {operation} is refused"


def trigger_statements(table: str, dialect: str) -> list[str]:
    """The statements that make ``table`` append-only on ``dialect`` ("postgresql" or "sqlite")."""
    if dialect == "postgresql":
        # One function per table, so a downgrade can drop exactly what it created.
        # SQLSTATE 23000 (integrity_constraint_violation): drivers raise IntegrityError, as SQLite's do.
        return [
            f"""CREATE FUNCTION {table}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
        MESSAGE = '{table} rows are append-only evidence; ' || TG_OP || ' is refused';
END
$$""",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()",
            f"CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_change()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_append_only_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{_message(table, 'UPDATE')}'); END",
            f"CREATE TRIGGER {table}_append_only_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{_message(table, 'DELETE')}'); END",
        ]
    raise ValueError(f"append-only triggers are defined for PostgreSQL and SQLite, not {dialect}")


def drop_trigger_statements(table: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only_truncate ON {table}",
                f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                f"DROP FUNCTION IF EXISTS {table}_refuse_change()"]
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only_update",
                f"DROP TRIGGER IF EXISTS {table}_append_only_delete"]
    raise ValueError(f"append-only triggers are defined for PostgreSQL and SQLite, not {dialect}")


def trigger_names(table: str, dialect: str) -> set[str]:
    """The triggers ``trigger_statements`` creates on ``table`` (for checks and tests)."""
    if dialect == "postgresql":
        return {f"{table}_append_only", f"{table}_append_only_truncate"}
    return {f"{table}_append_only_update", f"{table}_append_only_delete"}


def create_triggers(connection: Connection, table: str) -> None:
    """Install the triggers on one table; migrations pass ``op.get_bind()``."""
    for statement in trigger_statements(table, connection.dialect.name):
        connection.exec_driver_sql(statement)


def drop_triggers(connection: Connection, table: str) -> None:
    for statement in drop_trigger_statements(table, connection.dialect.name):
        connection.exec_driver_sql(statement)


def installed_triggers(connection: Connection) -> dict[str, set[str]]:
    """Every trigger in the current schema, by table name."""
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace")
    else:
        rows = connection.exec_driver_sql("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
    found: dict[str, set[str]] = {}
    for table, name in rows:
        found.setdefault(table, set()).add(name)
    return found


def append_only_tables() -> set[str]:
    """The tables of every mapped model that sets ``__append_only__``."""
    return {mapper.local_table.name for mapper in Base.registry.mappers
            if getattr(mapper.class_, "__append_only__", False)}


def _create_triggers_after_table(table: Table, connection: Connection, **_kw) -> None:
    create_triggers(connection, table.name)


def _protect(table: Table) -> None:
    if not event.contains(table, "after_create", _create_triggers_after_table):
        event.listen(table, "after_create", _create_triggers_after_table)


@event.listens_for(Base, "instrument_class", propagate=True)
def _protect_new_model(mapper: Mapper, class_) -> None:
    if getattr(class_, "__append_only__", False):
        _protect(mapper.local_table)


# Models mapped before this module was imported get the same listener.
for _mapper in list(Base.registry.mappers):
    if getattr(_mapper.class_, "__append_only__", False):
        _protect(_mapper.local_table)
