"""Browser fixtures: a live server per database backend, Debian's Chromium through Playwright,
and axe-core run inside the page. Nothing is downloaded: the browser is /usr/bin/chromium and
axe-core comes from node_modules (installed by `make test`)."""
from __future__ import annotations

import datetime as dt

import itertools

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import create_engine
from werkzeug.serving import make_server

from tests.cop_testing import own_database_url, skip_or_fail

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("COP_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = REPO / "test-artefacts" / "screenshots"
DEMO_PASSWORD = "demo password for browser tests"
# The flags Chromium needs headless as root on a machine with no outside network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# CI runs the whole suite on two busy cores: a page can take seconds to arrive after a click, so
# assertions wait (expect) rather than look once, and the waits are long. They bound a failure, they
# do not slow a pass.
EXPECT_TIMEOUT_MS = 20_000
ACTION_TIMEOUT_MS = 60_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@dataclass
class Live:
    url: str
    app: object  # the served Flask app: tests may set data up inside ``with live.app.app_context()``
    database_url: str


@pytest.fixture(scope="session")
def live(backend, tmp_path_factory):
    """The real app, migrated with Alembic and loaded with the demo data, served on a free port."""
    from assessment.app import create_app
    from assessment.demo import load_demo
    from core import db, migrations
    from core.clock import utcnow
    from tests.browser.two_factor import DEMO_TOTP_SECRET

    url = own_database_url(backend, tmp_path_factory.mktemp("browser"), "browser")
    engine = create_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "PASSWORD_HASH_PROFILE": "fast",
                      "SECRET_KEY": "browser-test-secret"})
    with app.app_context():
        # Demo staff are enrolled in two-factor sign-in with a known secret (tests/browser/two_factor.py).
        load_demo(db.session(), now=utcnow(), password=DEMO_PASSWORD, hash_profile="fast",
                  totp_secret=DEMO_TOTP_SECRET, secret_key=app.config["SECRET_KEY"])
        db.session().commit()
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


def launched_chromium():
    """Debian's Chromium through Playwright, for the ``browser`` fixture in tests/conftest.py: one per
    test process, since a second sync Playwright cannot start while one runs (tests/browser and
    tests/faults share it)."""
    if not CHROMIUM.exists():
        skip_or_fail(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    if not AXE_JS.exists():
        skip_or_fail("browser tests need axe-core: run `npm ci` (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, backend, request):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    # A 4xx page (a form with errors answers 422) logs "Failed to load resource"; statuses are the
    # tests' business, so only other console errors count here.
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.checked = Checker(page, request.node.name)
    yield page
    context.close()
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == [], "CSP violations"
    assert problems == [], "errors in the browser console"


class Checker:
    """Runs axe-core on the page as it stands and keeps a screenshot of it."""

    def __init__(self, page, prefix: str) -> None:
        self.page = page
        self.prefix = prefix.replace("[", "-").replace("]", "").replace("/", "-")
        self.count = 0

    def __call__(self, name: str) -> None:
        self.count += 1
        self.page.wait_for_load_state()  # check the page that arrived, not the one it replaced
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{self.prefix}-{self.count:02d}-{name}.png"
        try:
            self.page.screenshot(path=str(path), full_page=True)
        except PlaywrightError:
            # The screenshot is an artefact for people, not a check: a busy renderer sometimes cannot
            # capture a tall page in one go, so keep the visible part instead of failing the test.
            self.page.screenshot(path=str(path))
        assert_no_axe_violations(self.page, name)


def assert_no_axe_violations(page, name: str) -> None:
    # evaluate() runs through the DevTools protocol, so the page's strict CSP stays on while axe runs.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           AXE_TAGS)
    violations = [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
                  for v in result["violations"]]
    assert violations == [], f"axe-core found accessibility problems on {name}"


_people = itertools.count(1)


def new_person(live, role, full_name: str, prefix: str) -> str:
    """An account of one test's own on the live server (so what it does touches nobody another test
    signs in as), with the demo password; its email."""
    from assessment.accounts import services
    from core import db
    from core.roles import SYSTEM

    email = f"{prefix}{next(_people)}-{live.url.rsplit(':', 1)[-1]}@example.org"
    with live.app.app_context():
        services.create_user(db.session(), actor=SYSTEM, email=email, full_name=full_name, password=DEMO_PASSWORD,
                             roles={role}, now=dt.datetime.now(dt.timezone.utc), hash_profile="fast")
        db.session().commit()
    return email

