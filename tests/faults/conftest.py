"""Browser fixtures for the fault tests: Debian's Chromium (tests/browser's ``browser`` and ``page``)
against an app of these tests' own — a database with the tables and nothing else (no demo data to
load), served by werkzeug on a free port. Each test makes its sitting with tests.faults.harness."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.browser.conftest import Live, page  # noqa: F401 - the same page fixture (browser: tests/conftest.py)
from tests.faults.harness import SECRET, database_for


@pytest.fixture(scope="session")
def live(backend, tmp_path_factory):
    from assessment.app import create_app

    url = database_for(backend, tmp_path_factory.mktemp("faults-browser"), "browser")
    app = create_app({"TESTING": True, "DATABASE_URL": url, "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": SECRET,
                      "LOGIN_THROTTLE": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{server.server_port}", app, url)
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["cop.db"].engine.dispose()


@pytest.fixture(scope="session")
def live_server(live) -> str:
    return live.url
