"""Database kernel: the declarative base, column types and the request-scoped session.

Services receive a ``Session`` explicitly, flush but never commit; a view commits once
(see DESIGN.md). The app owns one engine; tests may swap the session factory so that a
whole test runs inside one outer transaction.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from core.errors import NotFound
from core.roles import Role

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


Row = TypeVar("Row")


def get_or_raise(session: Session, model: type[Row], ident, message: str | None = None) -> Row:
    """The row of ``model`` with primary key ``ident``, or ``NotFound`` (404) saying there is none:
    “There is no such exam paper.” from the class name, unless ``message`` says it better."""
    row = session.get(model, ident) if ident is not None else None
    if row is None:
        words = re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()
        raise NotFound(message or f"There is no such {words}.")
    return row


class UTCDateTime(TypeDecorator):
    """A timezone-aware timestamp, always stored and returned in UTC.

    SQLite has no time zones and hands back naive values; PostgreSQL returns aware ones.
    Refusing naive input catches the classic bug of storing local time by accident.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use an aware datetime")
        value = value.astimezone(dt.timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


@dataclass
class DatabaseState:
    engine: Engine
    session_factory: sessionmaker


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20, pre_ping: bool = False) -> Engine:
    """The app's engine. ``pool_size`` and ``max_overflow`` bound this process's PostgreSQL connections
    (settings ``DATABASE_POOL_SIZE`` and ``DATABASE_MAX_OVERFLOW``); ``pre_ping`` is
    ``DATABASE_PRE_PING`` (assessment/config.py says why it is off by default)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            # Foreign keys are off by default in SQLite; WAL lets readers work while one writes.
            cursor.execute("PRAGMA foreign_keys=ON")
            if parsed.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=pre_ping, pool_size=pool_size, max_overflow=max_overflow)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], pool_size=app.config["DATABASE_POOL_SIZE"],
                         max_overflow=app.config["DATABASE_MAX_OVERFLOW"], pre_ping=app.config["DATABASE_PRE_PING"])
    app.extensions["cop.db"] = DatabaseState(engine, sessionmaker(bind=engine, expire_on_commit=False))
    app.teardown_appcontext(_close_session)


def state() -> DatabaseState:
    return current_app.extensions["cop.db"]


def session() -> Session:
    """The session of the current request (or CLI command), created on first use."""
    if "cop_db_session" not in g:
        g.cop_db_session = state().session_factory()
    return g.cop_db_session


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("cop_db_session", None)
    if db_session is not None:
        db_session.close()


class DriverStatement:
    """A Core statement compiled once per dialect and run straight on the request's DBAPI connection,
    for the few statements every candidate sends every few seconds (the autosave's, the state read).

    SQLAlchemy's execution of an already compiled and cached statement (its execution context, the
    result object, its row processing) cost a save about a tenth of its CPU (docs/performance.md,
    issue 13's sixth pass). This keeps what matters of it — the dialect's SQL, each column type's
    bind and result conversions (UTC times, JSON), SQLAlchemy's exceptions — and leaves the rest. It
    runs inside the SQLAlchemy ``Connection``'s transaction, so the session's commit and rollback
    cover it; ``before_cursor_execute`` listeners still see each statement (the engine's ``echo``
    logging does not); a lost connection is invalidated as SQLAlchemy would. Not for statements with
    expanding or post-compile parameters (``in_`` over a list): rendering them needs every parameter's
    value at compile time, so bind an IN list's items one by one (``literal``) instead."""

    def __init__(self, statement) -> None:
        self.statement = statement
        self._by_dialect: dict[str, tuple] = {}

    def _compiled(self, dialect) -> tuple:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
            # Only the parameters whose type converts (JSON, UTC times): the rest go as they are.
            processors = ((key, bind.type.dialect_impl(dialect).bind_processor(dialect))
                          for key, bind in compiled.binds.items())
            binds = {key: process for key, process in processors if process is not None}
            positions = tuple(compiled.positiontup) if compiled.positional else None
            columns = getattr(self.statement, "selected_columns", None)
            results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                            for column in columns) if columns is not None else ()
            found = self._by_dialect[dialect.name] = (compiled, compiled.string, binds, positions, results)
        return found

    def rows(self, connection, parameters: dict) -> list[tuple]:
        """Every row, each a tuple in the statement's column order (types converted)."""
        compiled, sql, binds, positions, results = self._compiled(connection.dialect)
        values = compiled.construct_params(parameters)
        for key, process in binds.items():
            if values.get(key) is not None:
                values[key] = process(values[key])
        bound = tuple(values[key] for key in positions) if positions is not None else values
        dbapi_connection = connection.connection.dbapi_connection
        for listener in connection.dispatch.before_cursor_execute:
            sql, bound = listener(connection, None, sql, bound, None, False) or (sql, bound)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(sql, bound)
            fetched = cursor.fetchall() if cursor.description is not None else []
        except connection.dialect.loaded_dbapi.Error as error:
            invalidated = connection.dialect.is_disconnect(error, dbapi_connection, cursor)
            if invalidated:
                connection.invalidate(error)
            raise DBAPIError.instance(sql, bound, error, connection.dialect.loaded_dbapi.Error,
                                      connection_invalidated=invalidated, dialect=connection.dialect) from error
        finally:
            cursor.close()
        if not any(results):
            return [tuple(row) for row in fetched]
        return [tuple(value if process is None or value is None else process(value)
                      for value, process in zip(row, results)) for row in fetched]


def insert_on_conflict(session: Session, table):
    """An INSERT into ``table`` (a table or a mapped class) in the session's database's own dialect,
    so that it can say what a conflict does (``on_conflict_do_nothing``, ``on_conflict_do_update``):
    PostgreSQL and SQLite spell it alike."""
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(table)


def claim_parameters(claim: tuple[int, int, str | None], role: Role) -> dict:
    """The bind parameters of the ``core.web.CLAIM_HOLDS`` clause for ``claim``
    (``core.web.signed_in_claim``) and the role the route needs."""
    return {"claim_user_id": claim[0], "claim_version": claim[1], "claim_sign_in": claim[2], "claim_role": role}


_BUILT_FOR_CLAIM: dict[tuple[str, int], tuple] = {}


def built_for_claim(claim_holds, name: str, build) -> DriverStatement:
    """A fast path's statement, ``build(claim_holds)``, built once per installed claim clause
    (``core.web.CLAIM_HOLDS``) and kept (building and hashing a statement cost more than running it),
    to run on the driver."""
    built = _BUILT_FOR_CLAIM.get((name, id(claim_holds)))
    if built is None or built[0] is not claim_holds:
        built = _BUILT_FOR_CLAIM[(name, id(claim_holds))] = (claim_holds, DriverStatement(build(claim_holds)))
    return built[1]
