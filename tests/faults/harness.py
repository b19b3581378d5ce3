"""The fault tests' common parts: a database of the test's own, a sitting with a started attempt, the
app served by gunicorn in a subprocess (which a test may kill), a candidate speaking HTTP as the
player does, and the read-back that compares what the server acknowledged with what it stored.

The candidate follows the player's outbox rules (static/js/player/outbox.js, sync.js): changes are
sent one at a time and in order, each with its own client step id; a change whose answer did not
arrive (no connection, a time-out, a 5xx) is sent again with the same id, so a save that was written
but whose acknowledgement was lost is answered from the stored step; a 409 ``stale`` takes the
server's sequence number and sends again. Only a 200 is an acknowledgement.
"""
from __future__ import annotations

import datetime as dt
import http.client
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench import load_check
from tests.cop_testing import TEST_PASSWORD, own_database_url

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRET = "fault-tests-secret-key-not-for-production"
DEVICE = "fault-device"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_for(backend: str, tmp_path: Path, name: str) -> str:
    """A database of this test's own with every table made: a SQLite file, or a PostgreSQL schema."""
    from sqlalchemy import create_engine

    from assessment.models import metadata

    url = own_database_url(backend, tmp_path, f"fault_{name}")
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


@dataclass
class Exam:
    sitting_id: int
    attempt_id: int
    email: str
    invigilator_email: str = ""


def started_exam(url: str, *, duration_s: int = 3 * 3600, invigilated: bool = False, start: bool = True,
                 **settings) -> Exam:
    """A sitting open now (the bundled framework, a short paper: single best answer, multiple response,
    written answer), a candidate booked on it and their attempt started on ``DEVICE``. Without
    ``start``, an invigilated sitting's candidate has only given consent (the check-in is theirs to do)
    and there is no attempt (``attempt_id`` 0)."""
    from proctoring.checkin import services as checkin
    from assessment.app import create_app
    from assessment.delivery import services as delivery
    from core import db
    from core.roles import SYSTEM, Role
    from item_bank.framework import services as framework
    from item_bank.framework.rules import BUNDLED_FRAMEWORK
    from tests.assessment.delivery.player_data import SHORT, make_exam, make_person
    from tests.proctoring import helpers

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "PASSWORD_HASH_PROFILE": "fast", **settings})
    now = dt.datetime.now(dt.timezone.utc)
    with app.app_context():
        session = db.session()
        framework.import_framework(session, actor=SYSTEM, document=json.loads(BUNDLED_FRAMEWORK.read_text("utf-8")),
                                   now=now)
        sitting, candidate = make_exam(session, items=SHORT, duration_s=duration_s, password=TEST_PASSWORD,
                                       requires_invigilation=invigilated, now=now)
        invigilator = make_person(session, Role.INVIGILATOR, password=TEST_PASSWORD, now=now)
        attempt_id = 0
        if not start:
            if invigilated:
                checkin.give_consent(session, actor=candidate.actor, sitting_id=sitting.id, now=now)
        else:
            if invigilated:
                helpers.approve_checkin(session, sitting.id, candidate.id, invigilator.id, now)
            attempt_id = delivery.start_attempt(session, actor=candidate.actor, sitting_id=sitting.id,
                                                device_id=DEVICE, now=now).id
        session.commit()
        exam = Exam(sitting.id, attempt_id, candidate.email, invigilator.email)
    app.extensions["cop.db"].engine.dispose()
    return exam


def stored_steps(url: str, attempt_id: int) -> list[tuple[int, str, int]]:
    """``(attempt_id, client_step_id, seq)`` of every stored step of the attempt, in seq order."""
    from sqlalchemy import create_engine, select

    from assessment.delivery.models import ResponseStep

    steps = ResponseStep.__table__
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(steps.c.attempt_id, steps.c.client_step_id, steps.c.seq)
                                  .where(steps.c.attempt_id == attempt_id).order_by(steps.c.seq)).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def final_answers(url: str, attempt_id: int) -> dict[int, object]:
    """The attempt's answers as the server folds them now, per slot."""
    from assessment.app import create_app
    from assessment.delivery import services
    from assessment.delivery.models import Attempt
    from core import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "PASSWORD_HASH_PROFILE": "fast"})
    with app.app_context():
        session = db.session()
        view = services.view_of(session, session.get(Attempt, attempt_id), dt.datetime.now(dt.timezone.utc))
        answers = {n: s.answer for n, s in view.slots.items()}
    app.extensions["cop.db"].engine.dispose()
    return answers


def check_stored(url: str, attempt_id: int, acknowledged: list[tuple[str, int]]) -> dict:
    """bench/load_check.py's stored check for one attempt, and the figure printed."""
    check = load_check.stored_check({attempt_id: acknowledged}, stored_steps(url, attempt_id))
    print(f"acknowledged = {len(acknowledged)}, acknowledged lost = {check['acknowledged_missing']}, "
          f"duplicated = {check['duplicated']}, out of order = {check['out_of_order']}, "
          f"seq gaps = {check['seq_gaps']}")
    return check


# --- the app in a subprocess ----------------------------------------------------------------------


class Gunicorn:
    """The app served by gunicorn (a master and one gthread worker) on a fixed port, so that a restart
    comes back where the candidate's requests go."""

    def __init__(self, env: dict[str, str], log: Path, port: int | None = None, workers: int = 1) -> None:
        self.port = port or free_port()
        self.env = {**os.environ, "COP_SECRET_KEY": SECRET, "COP_PASSWORD_HASH_PROFILE": "fast",
                    "COP_LOGIN_THROTTLE": "0", **env}
        self.log, self.workers = log, workers
        self.process: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:  # a file, never a pipe nobody reads
            self.process = subprocess.Popen(
                [str(GUNICORN), "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                 "--worker-class", "gthread", "--threads", "4", "--graceful-timeout", "5",
                 "assessment.wsgi:app"], cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # waiting for a state, not measuring a speed
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start: {self.log_tail()}")

    def workers_pids(self) -> list[int]:
        pid = self.process.pid
        found = []
        for task in Path(f"/proc/{pid}/task").glob("*"):
            children = task / "children"
            if children.exists():
                found += [int(p) for p in children.read_text().split()]
        return found

    def kill(self) -> None:
        """SIGKILL the master and every worker: no shutdown handler, no flush, nothing finished."""
        workers = self.workers_pids()
        os.kill(self.process.pid, signal.SIGKILL)
        for worker in workers:
            try:
                os.kill(worker, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)
        for worker in workers:  # the port is free once the workers are gone too
            deadline = time.monotonic() + 10
            while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


# --- a candidate over HTTP ------------------------------------------------------------------------


class NoConnection(Exception):
    """The request got no HTTP answer: refused, reset, or timed out."""


class HttpCandidate:
    """One browser's cookie jar speaking to the served app."""

    def __init__(self, base: str, timeout: float = 10) -> None:
        self.base, self.timeout = base, timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.token = ""

    def request(self, method: str, path: str, *, body: dict | None = None, form: dict | None = None,
                headers: dict | None = None, data: bytes | None = None) -> tuple[int, dict | str, dict]:
        headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if method == "POST" and self.token:
            headers.setdefault("X-CSRFToken", self.token)
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return self._read(response)
        except urllib.error.HTTPError as error:
            with error:
                return self._read(error)
        except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out, cut short
            raise NoConnection(str(error)) from error

    @staticmethod
    def _read(response) -> tuple[int, dict | str, dict]:
        raw = response.read()
        headers = dict(response.headers.items())
        if "application/json" in headers.get("Content-Type", ""):
            return response.status, json.loads(raw), headers
        return response.status, raw.decode(errors="replace"), headers

    def sign_in(self, email: str, password: str = TEST_PASSWORD) -> None:
        _, page, _ = self.request("GET", "/login")
        token = CSRF_INPUT.search(page).group(1)
        status, _, headers = self.request("POST", "/login", form={"csrf_token": token, "email": email,
                                                                  "password": password})
        assert status == 302, f"sign-in answered {status}"
        self.token = token  # the session's token: the API takes it in the X-CSRFToken header

    def exam(self, attempt_id: int) -> dict:
        status, body, _ = self.request("GET", f"/api/v1/attempts/{attempt_id}?device_id={DEVICE}")
        assert status == 200, body
        return body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def answer_for(item_type: str, n: int):
    """The ``n``th answer given to an item of this type: each differs from the one before it, so
    every save writes a step (a save equal to the slot's state writes nothing)."""
    if item_type == "sba":
        return "ABCD"[n % 4]
    if item_type == "multiple_response":
        pairs = [["A", "B"], ["A", "C"], ["B", "C"], ["C", "D"], ["D", "E"]]
        return pairs[n % len(pairs)]
    return f"Answer number {n}: the two-stage test of capacity"


@dataclass
class Change:
    slot: int
    answer: object
    step_id: str
    sends: int = 0


@dataclass
class Player:
    """The outbox and the sync loop of static/js/player/, over HTTP: changes in order, one at a time,
    resent with the same id until a 200 arrives."""

    candidate: HttpCandidate
    attempt_id: int
    seen_seq: int = 0
    acknowledged: list[tuple[str, int]] = field(default_factory=list)
    outbox: list[Change] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)  # what made a change wait: "no connection", "503", …
    retry_wait_s: float = 0.1

    def change(self, slot: int, answer, n: int) -> None:
        self.outbox.append(Change(slot, answer, f"fault-{self.attempt_id}-{n}"))

    def _failed(self, kind: str) -> None:
        self.failures[kind] = self.failures.get(kind, 0) + 1

    def send_head(self) -> bool:
        """Send the outbox's first change once; True if it was acknowledged (and removed)."""
        change = self.outbox[0]
        change.sends += 1
        body = {"slot": change.slot, "payload": {"answer": change.answer}, "seen_seq": self.seen_seq,
                "client_step_id": change.step_id, "device_id": DEVICE}
        try:
            status, answer, _ = self.candidate.request("POST", f"/api/v1/attempts/{self.attempt_id}/responses",
                                                       body=body)
        except NoConnection:
            self._failed("no connection")
            return False
        if status == 200:
            # Every change differs from the slot's state, so "written: false" only answers a resend
            # of a change already stored: its acknowledgement names the stored step's seq.
            assert answer["written"] or change.sends > 1, answer
            self.acknowledged.append((change.step_id, answer["seq"]))
            self.seen_seq = answer["last_seq"]
            self.outbox.pop(0)
            return True
        if status == 409 and answer.get("code") == "stale":
            self.seen_seq = answer["state"]["last_seq"]
            self._failed("stale")
            return False
        assert status >= 500, f"a save answered {status}: {answer}"
        self._failed(str(status))
        return False

    def drain(self, stop: threading.Event | None = None, give_up_s: float = 90) -> None:
        """Send until the outbox is empty (resending as the player does); ``stop`` ends it early."""
        deadline = time.monotonic() + give_up_s
        while self.outbox and time.monotonic() < deadline and not (stop and stop.is_set()):
            if not self.send_head():
                time.sleep(self.retry_wait_s)
        assert not self.outbox or (stop and stop.is_set()), f"changes never acknowledged: {self.failures}"
