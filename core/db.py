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
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from core.errors import NotFound

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
