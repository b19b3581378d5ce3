"""Two app instances on one database, as behind a load balancer: what one instance knows, the other
knows. Each instance is its own ``create_app`` (its own engine, pool, clock and extensions); they share
only what separate hosts would share: the database, the secret key and the configuration (and, for
uploads, a shared volume). Nothing runs inside an outer test transaction here: every request commits
for real, so each instance reads what the other wrote as it would in production.

A browser is one cookie jar whose requests a stand-in for the reverse proxy sends to the instance a
test names; no sticky sessions, so a sign-in, a form token or an exam save may land anywhere.
CSRF protection is on, as in production.
"""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import create_engine
from werkzeug.test import Client

from assessment.accounts import policy
from core.roles import Role
from tests.cop_testing import TEST_PASSWORD, own_database_url, totp

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
DEVICE = "tab-one"


class Instances:
    """Apps ``a`` and ``b`` on one database. Their clocks are set and moved together, as hosts kept in
    step by NTP would be."""

    def __init__(self, url: str, settings: dict):
        from assessment.app import create_app

        self.url, self.settings = url, settings
        self.a, self.b = create_app(settings), create_app(settings)
        self.apps = [self.a, self.b]
        self.set_time(T0)

    def another(self, **overrides):
        """A further instance, e.g. one configured differently; disposed with the rest."""
        from assessment.app import create_app

        app = create_app({**self.settings, **overrides})
        app.extensions["cop.clock"].set(self.a.extensions["cop.clock"].now())
        self.apps.append(app)
        return app

    def set_time(self, when: dt.datetime) -> None:
        for app in self.apps:
            app.extensions["cop.clock"].set(when)

    def advance(self, **delta) -> None:
        self.set_time(self.a.extensions["cop.clock"].now() + dt.timedelta(**delta))

    def now(self) -> dt.datetime:
        return self.a.extensions["cop.clock"].now()

    def write(self, build):
        """Run ``build(session)`` in a transaction of instance a and commit: set-up, not under test."""
        from core import db

        with self.a.app_context():
            result = build(db.session())
            db.session().commit()
            return result

    def dispose(self) -> None:
        for app in self.apps:
            app.extensions["cop.db"].engine.dispose()


class Browser:
    """One browser's cookie jar; ``at(app)`` routes its next requests to that instance."""

    def __init__(self, first_app):
        self._target = first_app
        self.client = Client(lambda environ, start_response: self._target(environ, start_response))

    def at(self, app) -> Client:
        self._target = app
        return self.client

    def session_cookie(self) -> str:
        return self.client.get_cookie("session").value

    def with_copied_session(self, app) -> "Browser":
        """A second browser presenting a copy of this one's session cookie (a replay)."""
        other = Browser(app)
        other.client.set_cookie("session", self.session_cookie())
        return other


@pytest.fixture
def instances(backend, tmp_path):
    from assessment.models import metadata

    url = own_database_url(backend, tmp_path, "two_instances")
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    shared_volume = tmp_path / "shared-volume"
    settings = {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "one secret for every instance",
                "WTF_CSRF_ENABLED": True, "PASSWORD_HASH_PROFILE": "fast",
                "UPLOAD_FOLDER": str(shared_volume / "uploads"),
                "INVIGILATION_MEDIA_FOLDER": str(shared_volume / "invigilation-media")}
    both = Instances(url, settings)
    yield both
    both.dispose()


def _import_framework(session) -> None:
    from core.roles import SYSTEM
    from item_bank.framework import services
    from item_bank.framework.rules import BUNDLED_FRAMEWORK

    services.import_framework(session, actor=SYSTEM, document=json.loads(BUNDLED_FRAMEWORK.read_text(encoding="utf-8")),
                              now=T0)


def make_person(instances, *roles: Role):
    from tests.assessment.delivery.player_data import make_person as make

    person = instances.write(lambda session: make(session, *roles, password=TEST_PASSWORD, now=T0))
    return person


def form_token(page_html: str, field: str = "csrf_token") -> str:
    found = re.search(rf'name="{re.escape(field)}"[^>]*value="([^"]+)"', page_html)
    assert found, f"no {field} on the page"
    return found.group(1)


def sign_in(browser: Browser, app, email: str, password: str = TEST_PASSWORD):
    """The password's answer; for staff, their first sign-in's two-factor set-up is completed too."""
    client = browser.at(app)
    token = form_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": password})
    if response.status_code == 302 and response.headers["Location"] == "/login/two-factor/set-up":
        page = client.get("/login/two-factor/set-up").get_data(as_text=True)
        secret = re.search(r'id="two-factor-key"><strong>([A-Z2-7 ]+)</strong>', page).group(1).replace(" ", "")
        done = client.post("/login/two-factor/set-up", data={
            "csrf_token": form_token(page), "code": totp(secret, app.extensions["cop.clock"].now())})
        assert done.status_code == 200, done.get_data(as_text=True)
    return response


def signed_in_token(browser: Browser, app) -> str:
    """The form token on a signed-in page served by ``app`` (the sign-out form of every page)."""
    page = browser.at(app).get("/dashboard")
    assert page.status_code == 200
    return form_token(page.get_data(as_text=True))


def is_signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- sessions and form tokens ---------------------------------------------------------------------


def test_a_sign_in_at_one_instance_is_a_sign_in_at_the_other(instances):
    person = make_person(instances, Role.EXAMINER)
    browser = Browser(instances.a)
    assert sign_in(browser, instances.a, person.email).status_code == 302
    for app in (instances.b, instances.a, instances.b):
        assert browser.at(app).get("/dashboard").status_code == 200


def test_a_form_token_issued_by_one_instance_is_accepted_by_the_other(instances):
    person = make_person(instances, Role.EXAMINER)
    browser = Browser(instances.a)
    sign_in(browser, instances.a, person.email)
    token = signed_in_token(browser, instances.a)
    refused = browser.at(instances.b).post("/notifications", data={})  # the check is on: no token, no post
    assert refused.status_code == 400
    accepted = browser.at(instances.b).post("/notifications", data={"csrf_token": token})
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/notifications")


def test_signing_out_at_one_instance_ends_the_session_at_the_other(instances):
    person = make_person(instances, Role.EXAMINER)
    browser = Browser(instances.a)
    sign_in(browser, instances.a, person.email)
    copy = browser.with_copied_session(instances.b)  # e.g. a second tab, or a stolen cookie
    assert copy.at(instances.b).get("/dashboard").status_code == 200
    assert browser.at(instances.a).post("/logout", data={"csrf_token": signed_in_token(browser, instances.a)}) \
        .status_code == 302
    assert is_signed_out(copy.at(instances.b).get("/dashboard"))
    assert is_signed_out(copy.at(instances.a).get("/dashboard"))


def test_a_password_reset_through_one_instance_ends_a_session_begun_at_the_other(instances, caplog):
    person = make_person(instances, Role.CANDIDATE)
    signed_in = Browser(instances.a)
    sign_in(signed_in, instances.a, person.email)
    forgetful = Browser(instances.b)
    token = form_token(forgetful.at(instances.b).get("/password/forgot").get_data(as_text=True))
    with caplog.at_level("WARNING"):
        forgetful.at(instances.b).post("/password/forgot", data={"csrf_token": token, "email": person.email})
    link = re.findall(r"https?://\S+(/password/reset/\S+)", caplog.text)[-1]
    new_password = "a different long passphrase"
    form = forgetful.at(instances.a).get(link).get_data(as_text=True)  # the link may open on either
    reset = forgetful.at(instances.b).post(link, data={"csrf_token": form_token(form), "password": new_password,
                                                       "confirm_password": new_password})
    assert reset.status_code == 302
    assert is_signed_out(signed_in.at(instances.a).get("/dashboard"))
    assert sign_in(Browser(instances.a), instances.a, person.email, new_password).status_code == 302


def test_an_instance_with_another_secret_key_honours_neither_the_session_nor_the_form_token(instances):
    """Why every host needs the same SECRET_KEY (docs/deployment.md)."""
    person = make_person(instances, Role.EXAMINER)
    browser = Browser(instances.a)
    sign_in(browser, instances.a, person.email)
    token = signed_in_token(browser, instances.a)
    misconfigured = instances.another(SECRET_KEY="a key of its own")
    assert is_signed_out(browser.at(misconfigured).get("/dashboard"))
    assert browser.at(misconfigured).post("/notifications", data={"csrf_token": token}).status_code == 400
    assert browser.at(instances.b).get("/dashboard").status_code == 200  # the cookie itself is still good


# --- rate limits ----------------------------------------------------------------------------------


def test_sign_in_failures_at_both_instances_count_together(instances):
    person = make_person(instances, Role.CANDIDATE)
    apps = [instances.a, instances.b]
    for n in range(policy.SLOW_AFTER):
        assert sign_in(Browser(apps[n % 2]), apps[n % 2], person.email, f"wrong {n}").status_code == 401
    # Three failures, spread over both instances: the next try must wait, wherever it lands.
    for app in apps:
        assert sign_in(Browser(app), app, person.email).status_code == 429
    for n in range(policy.SLOW_AFTER, policy.LOCK_AFTER):
        instances.advance(minutes=1, seconds=30)  # past each growing delay, so that every failure counts
        app = apps[n % 2]
        assert sign_in(Browser(app), app, person.email, f"wrong {n}").status_code == 401
    instances.advance(minutes=5)
    for app in apps:  # locked: even the right password is refused on both
        refused = sign_in(Browser(app), app, person.email)
        assert refused.status_code == 429 and "Sign-in is paused" in refused.get_data(as_text=True)
    instances.advance(minutes=15)
    assert sign_in(Browser(instances.b), instances.b, person.email).status_code == 302


# --- the exam: autosave and invigilation ----------------------------------------------------------


def started_attempt(instances, *, invigilated: bool = False):
    """``(candidate, attempt id, invigilator)``: a started attempt of a sitting open now."""
    from assessment.delivery import services as delivery
    from tests.assessment.delivery.player_data import SHORT, make_exam
    from tests.assessment.delivery.player_data import make_person as make
    from tests.proctoring import helpers

    def build(session):
        _import_framework(session)  # the items name its standards
        sitting, candidate = make_exam(session, items=SHORT, requires_invigilation=invigilated, now=T0)
        invigilator = make(session, Role.INVIGILATOR, password=TEST_PASSWORD, now=T0)
        if invigilated:
            helpers.approve_checkin(session, sitting.id, candidate.id, invigilator.id, T0)
        attempt = delivery.start_attempt(session, actor=candidate.actor, sitting_id=sitting.id, device_id=DEVICE,
                                         now=T0)
        return candidate, attempt.id, invigilator

    return instances.write(build)


def save(client, attempt_id: int, token: str, *, answer="B", seen=0, step="c-1", slot=1):
    body = {"slot": slot, "payload": {"answer": answer}, "seen_seq": seen, "client_step_id": step,
            "device_id": DEVICE}
    return client.post(f"/api/v1/attempts/{attempt_id}/responses", json=body, headers={"X-CSRFToken": token})


def test_a_stale_save_and_a_retried_save_are_recognised_by_the_other_instance(instances):
    candidate, attempt_id, _ = started_attempt(instances)
    browser = Browser(instances.a)
    sign_in(browser, instances.a, candidate.email)
    token = signed_in_token(browser, instances.a)
    first = save(browser.at(instances.a), attempt_id, token, answer="B", seen=0, step="c-1")
    assert first.status_code == 200 and first.get_json()["written"] is True and first.get_json()["seq"] == 1
    # Another window that had not seen that save sends its own through the other instance.
    stale = save(browser.at(instances.b), attempt_id, token, answer="C", seen=0, step="c-2")
    assert stale.status_code == 409
    assert stale.get_json()["code"] == "stale" and stale.get_json()["state"]["last_seq"] == 1
    # The first save's answer was lost on the way back; the player retries, and the proxy picks b.
    retry = save(browser.at(instances.b), attempt_id, token, answer="B", seen=0, step="c-1")
    assert retry.status_code == 200
    assert retry.get_json() == {**first.get_json(), "written": False}
    state = browser.at(instances.a).get(f"/api/v1/attempts/{attempt_id}/state").get_json()
    assert state["last_seq"] == 1 and state["slots"][0]["answer"] == "B"


def telemetry(client, attempt_id: int, token: str, ids):
    events = [{"id": i, "kind": "heartbeat", "at": "2026-11-23T10:00:05Z"} for i in ids]
    return client.post(f"/api/v1/invigilation/attempts/{attempt_id}/events", json={"events": events},
                       headers={"X-CSRFToken": token})


def test_the_telemetry_rate_limit_counts_what_both_instances_received(instances):
    for app in instances.apps:
        app.config["INVIGILATION_MAX_EVENTS_PER_MINUTE"] = 5
    candidate, attempt_id, _ = started_attempt(instances, invigilated=True)
    browser = Browser(instances.a)
    sign_in(browser, instances.a, candidate.email)
    token = signed_in_token(browser, instances.a)
    assert telemetry(browser.at(instances.a), attempt_id, token, ["a-1", "a-2", "a-3"]).status_code == 200
    instances.advance(seconds=20)
    refused = telemetry(browser.at(instances.b), attempt_id, token, ["b-1", "b-2", "b-3"])
    assert refused.status_code == 429 and refused.get_json()["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == "41"
    # A retry through b of what a took in is not new: still acknowledged.
    assert telemetry(browser.at(instances.b), attempt_id, token, ["a-1"]).get_json()["acknowledged"] == ["a-1"]
    assert telemetry(browser.at(instances.b), attempt_id, token, ["b-1", "b-2"]).status_code == 200
    assert telemetry(browser.at(instances.a), attempt_id, token, ["b-3"]).status_code == 429


def test_a_message_sent_through_one_instance_reaches_the_candidate_through_the_other(instances):
    candidate, attempt_id, invigilator = started_attempt(instances, invigilated=True)
    staff = Browser(instances.a)
    sign_in(staff, instances.a, invigilator.email)
    page = staff.at(instances.a).get(f"/invigilation/attempts/{attempt_id}").get_data(as_text=True)
    sent = staff.at(instances.a).post(f"/invigilation/attempts/{attempt_id}/message",
                                      data={"message-csrf_token": form_token(page, "message-csrf_token"),
                                            "message-text": "Please face the camera"})
    assert sent.status_code == 302

    player = Browser(instances.b)
    sign_in(player, instances.b, candidate.email)
    url = f"/api/v1/invigilation/attempts/{attempt_id}/messages"
    [message] = player.at(instances.b).get(url).get_json()["messages"]
    assert message["text"] == "Please face the camera" and message["acknowledged"] is False
    read = player.at(instances.b).post(f"{url}/{message['id']}/acknowledge", json={},
                                       headers={"X-CSRFToken": signed_in_token(player, instances.b)})
    assert read.get_json()["messages"][0]["acknowledged"] is True

    # The invigilator's live stream, served by either instance, shows it read.
    for app in instances.apps:
        app.config["INVIGILATION_LIVE_STREAM_S"] = 0  # one update, then the response ends
    for app in (instances.a, instances.b):
        stream = staff.at(app).get(f"/invigilation/sittings/{_sitting_of(instances, attempt_id)}/live/stream?show=all")
        update = json.loads(re.search(r"^data: (.*)$", stream.get_data(as_text=True), re.M).group(1))
        [card] = update["cards"]
        assert "Please face the camera" in card["html"] and "<strong>read</strong>" in card["html"]


def _sitting_of(instances, attempt_id: int) -> int:
    from assessment.delivery.models import Attempt

    return instances.write(lambda session: session.get(Attempt, attempt_id).sitting_id)
