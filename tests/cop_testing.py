"""Helpers shared by test modules (importable, unlike conftest.py)."""
from __future__ import annotations

import contextlib
import os
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text

PG_URL = os.environ.get("COP_TEST_DATABASE_URL", "")
REQUIRE_ALL = os.environ.get("COP_REQUIRE_ALL") == "1"
TEST_PASSWORD = "correct horse battery staple"


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (COP_REQUIRE_ALL=1: a missing part fails in CI)")
    pytest.skip(reason)


# --- COP_REQUIRE_ALL=1: no test may skip, for any reason --------------------------------------------
# skip_or_fail covers the known reasons (no PostgreSQL, no Chromium); these hooks catch every other
# way a test can skip (pytest.skip, skipif, importorskip, a module-level skip), so that CI's count of
# passed tests is the whole suite. The root conftest imports them (which registers them); their
# test runs pytest on a probe with ``-p tests.cop_testing``.

def _skip_reason(report) -> str:
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2])
    return str(report.longrepr)


def _fail_skipped(report) -> None:
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = (f"{_skip_reason(report)}\n(COP_REQUIRE_ALL=1: no test may skip; "
                           f"make it run or make it fail)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_skipped(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_skipped(outcome.get_result())


# Each test process works in schemas of its own (cop_test_<pid>, …), so two runs against one
# database — two developers, or a developer and a fresh-clone check — never drop each other's tables.
_OWN_SCHEMAS: set[str] = set()


def own_schema(name: str) -> str:
    return f"{name}_{os.getpid()}"


def own_database_url(backend: str, folder, name: str) -> str:
    """An empty database of one test's own (or one session's): a SQLite file in ``folder``, or a
    PostgreSQL schema made afresh, named after ``name`` and this test process."""
    if backend == "sqlite":
        return f"sqlite:///{os.path.join(folder, f'{name}.sqlite3')}"
    schema = own_schema(f"cop_{name}")
    reset_postgres_schema(schema)
    return postgres_schema_url(schema)


def postgres_schema_url(schema: str) -> str:
    """The test database URL with ``schema`` (from ``own_schema``) on the search path."""
    separator = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"


def reset_postgres_schema(schema: str) -> None:
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    _OWN_SCHEMAS.add(schema)


def drop_own_schemas() -> None:
    if not _OWN_SCHEMAS or not PG_URL:
        return
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        for schema in sorted(_OWN_SCHEMAS):
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
    _OWN_SCHEMAS.clear()


def sqlite_savepoint_engine(url: str):
    """pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy issue BEGIN itself."""
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")

    return engine




# --- two-factor sign-in ---------------------------------------------------------------------------------

TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
APP_SECRET_KEY = "test-secret"  # tests/conftest.py's app


def totp(secret: str, now, steps: int = 0) -> str:
    """The code an authenticator app shows at ``now`` (``steps`` later or earlier)."""
    from assessment.accounts import two_factor

    return two_factor.code_at(secret, two_factor.time_step(now) + steps)


def enrol(db, user, secret: str = TEST_TOTP_SECRET, secret_key: str = APP_SECRET_KEY) -> list[str]:
    """Enrol ``user`` in two-factor sign-in with a known secret; returns their recovery codes."""
    import datetime as dt

    from core.roles import SYSTEM
    from assessment.accounts import two_factor_services

    return two_factor_services.enrol_with_secret(db, actor=SYSTEM, user_id=user.id, secret=secret,
                                                 now=dt.datetime.now(dt.timezone.utc), secret_key=secret_key)


def sign_in_with_code(client, email: str, now, secret: str = TEST_TOTP_SECRET, password: str = TEST_PASSWORD,
                      steps: int = 0, next_url: str = ""):
    """Password, then the code of ``now`` (+``steps``), through the pages; returns the code page's answer."""
    first = client.post("/login", data={"email": email, "password": password, "next": next_url})
    assert first.status_code == 302 and first.headers["Location"].startswith("/login/two-factor"), first.status_code
    return client.post("/login/two-factor", data={"code": totp(secret, now, steps)})


def mark_reauthenticated(flask_session, user) -> None:
    """In a ``session_transaction``: ``user`` re-authenticated, fresh whatever the test's clock says."""
    from assessment.accounts import reauth

    flask_session[reauth.REAUTH_KEY] = {"user_id": user.id, "at": reauth.ALWAYS_FRESH_STAMP}


def enrol_through_the_pages(client, now):
    """On a half-finished first sign-in: read the key off the set-up page and confirm it with the code
    of ``now``; returns (secret, the recovery codes page's answer)."""
    import re

    page = client.get("/login/two-factor/set-up").get_data(as_text=True)
    secret = re.search(r'id="two-factor-key"><strong>([A-Z2-7 ]+)</strong>', page).group(1).replace(" ", "")
    return secret, client.post("/login/two-factor/set-up", data={"code": totp(secret, now)})


def reauthenticate_through_the_page(client, now, next_url: str, secret: str = TEST_TOTP_SECRET,
                                    password: str = TEST_PASSWORD, steps: int = 0):
    """Confirm the password and the code of ``now`` at /reauthenticate; returns its answer."""
    return client.post("/reauthenticate", data={"password": password, "code": totp(secret, now, steps),
                                                 "next": next_url})


# --- signed-in test clients ---------------------------------------------------------------------------

class SigningInClient(FlaskClient):
    """The test client every test gets (tests/conftest.py installs it). Tests sign in by writing
    Flask-Login's ``_user_id`` in a ``session_transaction``; since every sign-in now needs a row in
    ``sign_ins`` and its token in the cookie (accounts/sessions.py), this records one for whoever the
    transaction signed in, exactly as ``login_user`` would. A test of what happens without one uses
    ``flask.testing.FlaskClient`` itself."""

    @contextlib.contextmanager
    def session_transaction(self, *args, **kwargs):
        from core.web import SIGN_IN_KEY

        with super().session_transaction(*args, **kwargs) as flask_session:
            before, token_before = flask_session.get("_user_id"), flask_session.get(SIGN_IN_KEY)
            yield flask_session
            claimed = flask_session.get("_user_id")
            written = flask_session.get(SIGN_IN_KEY)
            if written and written != token_before:
                return  # the test wrote a token of its own (clearing the session is not that)
            if isinstance(claimed, str) and (claimed != before or not flask_session.get(SIGN_IN_KEY)):
                token = record_sign_in(self.application, claimed)
                if token is not None:
                    flask_session[SIGN_IN_KEY] = token
                else:
                    flask_session.pop(SIGN_IN_KEY, None)


def record_sign_in(app, claimed: str, user_agent: str = "pytest") -> str | None:
    """A sign-in row for the person ``claimed`` ("id:version") names; its raw token, or None when there
    is no such person (a test of a made-up id) or no database behind this app."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from core import db
    from core.clock import utcnow
    from assessment.accounts import services
    from assessment.accounts.models import User

    user_id = claimed.partition(":")[0]
    if not user_id.isdigit():
        return None
    with app.app_context():
        session = db.session()
        try:
            if session.get(User, int(user_id)) is None:
                return None
            token = services.start_sign_in(session, user_id=int(user_id), user_agent=user_agent,
                                           client_address="127.0.0.1", now=utcnow())
            session.commit()
        except (OperationalError, ProgrammingError):
            # An app with no tables (a test of configuration): nobody can be signed in to it anyway.
            session.rollback()
            return None
    return token
