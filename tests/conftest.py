"""Shared fixtures: app, db, client, runner, login_as, clock and make_* factories.

Database tests run once per backend: SQLite always, PostgreSQL when COP_TEST_DATABASE_URL is
set (CI sets it). Each test runs inside one outer transaction that is rolled back, so views may
commit freely. With COP_REQUIRE_ALL=1 (CI) a backend or browser that is missing fails instead of
skipping.
"""
from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import tempfile

import pytest
from flask import Flask
from hypothesis import settings
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from assessment.app import create_app
from assessment.models import metadata
from core.db import DatabaseState
from core.roles import SYSTEM, Role

from tests.factories import make_case_study  # noqa: F401 - a fixture for every package's tests
from tests.cop_testing import (PG_URL, TEST_PASSWORD, SigningInClient, drop_own_schemas, own_schema,
                               postgres_schema_url, reset_postgres_schema, skip_or_fail, sqlite_savepoint_engine)
# With COP_REQUIRE_ALL=1 these hooks turn every skip, whatever its cause, into a failure.
from tests.cop_testing import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401


# Every app's test client (``app.test_client()``, in a fixture or a test) records a sign-in row for the
# person a test signs in by writing the session, as signing in through the pages does.
Flask.test_client_class = SigningInClient

# CI explores the same examples on every run (a red CI must be reproducible); developers' runs keep
# hypothesis's random exploration, which is how new counter-examples are found.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request) -> str:
    if request.param == "postgresql" and not PG_URL:
        skip_or_fail("PostgreSQL tests need COP_TEST_DATABASE_URL")
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    schema = own_schema("cop_test")
    reset_postgres_schema(schema)
    return postgres_schema_url(schema)


@pytest.fixture(scope="session")
def engine(database_url, backend):
    engine = sqlite_savepoint_engine(database_url) if backend == "sqlite" else create_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def app(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": "test-secret"})
    yield app
    app.extensions["cop.db"].engine.dispose()


@pytest.fixture
def db(app, engine):
    """A session inside an outer transaction that is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    app.extensions["cop.db"] = DatabaseState(engine, factory)
    session = factory()
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture
def clock(app):
    """The app's clock, fixed at a known instant; tests move it with ``clock.advance(minutes=…)``."""
    the_clock = app.extensions["cop.clock"]
    the_clock.set(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc))
    yield the_clock
    the_clock.release()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_user(db):
    from assessment.accounts import services

    def make(*roles: Role, email: str | None = None, password: str = TEST_PASSWORD, name: str = "Test Person"):
        email = email or f"person{next(_counter)}@example.org"
        return services.create_user(db, actor=SYSTEM, email=email, full_name=name, password=password,
                                    roles=set(roles), now=dt.datetime.now(dt.timezone.utc), hash_profile="fast")

    return make


@pytest.fixture
def login_as(client, make_user):
    """Sign the test client in as a new person holding ``roles`` (no password or code round trip),
    freshly re-authenticated, so sensitive actions go ahead; ``reauthenticated=False`` signs in
    without that (tests of the re-authentication guard)."""

    def login(*roles: Role, reauthenticated: bool = True, **kwargs):
        from assessment.accounts import reauth

        user = make_user(*roles, **kwargs)
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = user.get_id()
            flask_session["_fresh"] = True
            if reauthenticated:
                # Stamped at the end of the calendar: fresh whatever the test sets its clock to.
                flask_session[reauth.REAUTH_KEY] = {"user_id": user.id, "at": reauth.ALWAYS_FRESH_STAMP}
        return user

    return login


@pytest.fixture
def framework(db):
    """The bundled Standards of Proficiency, imported."""
    import json

    from item_bank.framework import services
    from item_bank.framework.rules import BUNDLED_FRAMEWORK

    document = json.loads(BUNDLED_FRAMEWORK.read_text(encoding="utf-8"))
    return services.import_framework(db, actor=SYSTEM, document=document,
                                     now=dt.datetime.now(dt.timezone.utc)).framework_version


def pytest_configure(config):
    """Each test process (each pytest-xdist worker) stores uploads in a folder of its own, never in
    the checkout's instance/uploads: two workers storing the same file at once would race on it."""
    folder = tempfile.mkdtemp(prefix=f"cop-test-uploads-{os.getpid()}-")
    os.environ["COP_UPLOAD_FOLDER"] = folder  # overrides the value a worker inherits from the controller
    config.cop_upload_folder = folder
    # Certificate signing keys likewise: a folder per process, never the checkout's instance folder.
    os.environ["COP_CERTIFICATE_KEY_FOLDER"] = os.path.join(folder, "certificate-keys")
    # Evidence sealing keys too.
    os.environ["COP_EVIDENCE_KEY_FOLDER"] = os.path.join(folder, "evidence-keys")
    # And invigilation media.
    os.environ["COP_INVIGILATION_MEDIA_FOLDER"] = os.path.join(folder, "invigilation-media")


def pytest_unconfigure(config):
    folder = getattr(config, "cop_upload_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_sessionfinish(session, exitstatus):
    drop_own_schemas()


@pytest.fixture(scope="session")
def browser():
    """One Chromium per test process for every folder that drives a browser (a second sync Playwright
    cannot start beside a running one, so the fixture lives here, above tests/browser and tests/faults)."""
    from tests.browser.conftest import launched_chromium

    yield from launched_chromium()
