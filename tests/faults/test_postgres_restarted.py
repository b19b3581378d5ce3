"""PostgreSQL restarted mid-sitting. Not the machine's server (other tests use it): a throwaway
cluster of this test's own (initdb in a temporary folder, its own port and socket folder), the app
served on it by gunicorn, a candidate saving back to back, and ``pg_ctl restart`` in the middle.

While the database is away every save gets a clear answer — 503 with a message and Retry-After, never
a hang — and the client resends it with the same client step id (the player's outbox); once the
database is back the app recovers by itself. Read back: acknowledged lost = 0, no duplicates, order
kept. With DATABASE_PRE_PING on, the first request on a connection the restart dropped is not among
the failures either."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

from tests.cop_testing import skip_or_fail
from tests.faults.harness import Gunicorn, HttpCandidate, Player, check_stored, final_answers, free_port, \
    started_exam
from tests.faults.test_app_killed import saving, wait_for


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


class Cluster:
    """A PostgreSQL cluster in a temporary folder. As root (a CI container) it runs as the
    ``postgres`` user, because initdb and postgres refuse to run as root."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        if self.bin is None:
            skip_or_fail("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                import pwd

                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                skip_or_fail("running as root, the throwaway cluster needs the 'postgres' user (apt-get install postgresql)")
        self.folder = Path(tempfile.mkdtemp(prefix="cop-fault-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if self.as_root:
            os.chown(self.folder, self.owner.pw_uid, self.owner.pw_gid)
        self.url = f"postgresql+psycopg://cop@127.0.0.1:{self.port}/postgres"

    def run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{' '.join(command)} failed: {done.stdout}{done.stderr}"

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w",
                 "-t", "60", "-o", options, action, *extra)

    def start(self) -> None:
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "cop", "-A", "trust", "--no-sync",
                 "-E", "UTF8", "--locale", "C")
        self.pg_ctl("start")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.pg_ctl("stop", "-m", "immediate")
            except AssertionError:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def cluster():
    the_cluster = Cluster()
    try:
        the_cluster.start()
        yield the_cluster
    finally:
        the_cluster.remove()


@pytest.mark.parametrize("mode, pre_ping", [("fast", False), ("immediate", True)])
def test_every_acknowledged_save_survives_postgresql_restarting_mid_sitting(cluster, tmp_path, mode, pre_ping):
    from sqlalchemy import create_engine

    from assessment.models import metadata

    engine = create_engine(cluster.url)
    metadata.create_all(engine)
    engine.dispose()
    exam = started_exam(cluster.url)
    server = Gunicorn({"COP_DATABASE_URL": cluster.url, "COP_DATABASE_PRE_PING": "1" if pre_ping else "0"},
                      tmp_path / "gunicorn.log")
    server.start()
    try:
        candidate = HttpCandidate(server.url, timeout=15)
        candidate.sign_in(exam.email)
        items = candidate.exam(exam.attempt_id)["items"]
        player = Player(candidate, exam.attempt_id, retry_wait_s=0.05)
        stop, given = threading.Event(), []
        client = threading.Thread(target=saving, args=(player, items, stop, given), daemon=True)
        client.start()
        wait_for(lambda: len(player.acknowledged) >= 15, what="saves before the restart")
        # Stop, then start: the stop is held long enough for saves to meet a database that is away.
        cluster.pg_ctl("stop", "-m", mode)
        wait_for(lambda: sum(player.failures.values()) >= 3, what="saves to meet the stopped database")
        cluster.pg_ctl("start")
        failures_when_back = dict(player.failures)
        back_at = len(player.acknowledged)
        wait_for(lambda: len(player.acknowledged) >= back_at + 15, what="saves after the restart")
        stop.set()
        client.join(timeout=30)
        player.drain()
    finally:
        server.stop()

    print(f"while the database was away: {player.failures}")
    check = check_stored(cluster.url, exam.attempt_id, player.acknowledged)
    assert check["acknowledged_missing"] == 0, "acknowledged lost must be 0"
    assert check["duplicated"] == check["out_of_order"] == check["seq_gaps"] == 0, check
    assert check["stored_unacknowledged"] == 0, check
    # Every failed save got an answer, and the answer was 503: never a hang (a time-out), never a 500.
    assert set(player.failures) == {"503"}, player.failures
    if pre_ping:  # a connection the restart dropped is found out before a request uses it
        assert player.failures["503"] - failures_when_back["503"] <= 1, (failures_when_back, player.failures)
    last_given = dict(given)
    answers = final_answers(cluster.url, exam.attempt_id)
    assert {slot: answers[slot] for slot in last_given} == last_given


def test_a_database_that_cannot_be_reached_is_a_503_with_retry_after_at_once(tmp_path):
    """The same answer without a cluster to stop: a database file that cannot be opened. The API
    answers JSON with a code the player retries on, a page answers a plain page (the site's layout
    reads the database too); both with Retry-After, neither a 500."""
    from assessment.app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'no such folder' / 'cop.sqlite3'}",
                      "SECRET_KEY": "unreachable", "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_PROFILE": "fast"})
    try:
        client = app.test_client()
        page = client.post("/login", data={"email": "someone@example.org", "password": "a password"})
        assert page.status_code == 503 and page.headers["Retry-After"] == "2"
        assert "cannot reach its database for a moment" in page.get_data(as_text=True)
        api = client.post("/login", data={"email": "someone@example.org", "password": "a password"},
                          headers={"Accept": "application/json"})
        assert api.status_code == 503 and api.get_json()["code"] == "unavailable"
    finally:
        app.extensions["cop.db"].engine.dispose()
