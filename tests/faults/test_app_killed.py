"""The app killed (SIGKILL) mid-sitting: gunicorn's master and worker die while a candidate's saves
are on the wire; the app is started again on the same port; the candidate's client resends every
change that was not acknowledged, with the same client step id (the player's outbox). Read back from
the database: every acknowledged save stored exactly once, under the seq it was acknowledged with, in
order — acknowledged lost = 0 — on SQLite (a file, WAL) and on PostgreSQL."""
from __future__ import annotations

import threading
import time

from tests.faults.harness import Gunicorn, HttpCandidate, Player, answer_for, check_stored, database_for, \
    final_answers, started_exam


def wait_for(predicate, timeout_s: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"waited too long for {what}"
        time.sleep(0.02)


def saving(player: Player, items: list[dict], stop: threading.Event, given: list) -> None:
    """The candidate answering back to back, the slots in turn, until told to stop."""
    n = 0
    while not stop.is_set():
        item = items[n % len(items)]
        answer = answer_for(item["type"], n // len(items))
        player.change(item["slot"], answer, n)
        given.append((item["slot"], answer))
        player.drain(stop)
        n += 1


def test_every_acknowledged_save_survives_the_app_being_killed_mid_sitting(backend, tmp_path):
    url = database_for(backend, tmp_path, "killed")
    exam = started_exam(url)
    server = Gunicorn({"COP_DATABASE_URL": url}, tmp_path / "gunicorn.log")
    server.start()
    try:
        candidate = HttpCandidate(server.url, timeout=5)
        candidate.sign_in(exam.email)
        items = candidate.exam(exam.attempt_id)["items"]
        player = Player(candidate, exam.attempt_id, retry_wait_s=0.05)
        stop, given = threading.Event(), []
        client = threading.Thread(target=saving, args=(player, items, stop, given), daemon=True)
        client.start()
        wait_for(lambda: len(player.acknowledged) >= 15, what="saves before the kill")
        server.kill()  # mid-stream: the client is sending back to back
        killed_at = len(player.acknowledged)
        wait_for(lambda: player.failures.get("no connection", 0) >= 3, what="the client to notice")
        server.start()
        wait_for(lambda: len(player.acknowledged) >= killed_at + 15, what="saves after the restart")
        stop.set()
        client.join(timeout=30)
        player.drain()  # whatever was still unacknowledged is resent, as the outbox does
    finally:
        server.stop()

    check = check_stored(url, exam.attempt_id, player.acknowledged)
    assert player.failures.get("no connection", 0) >= 3, "the kill never reached the client"
    assert check["acknowledged_missing"] == 0, "acknowledged lost must be 0"
    assert check["duplicated"] == check["out_of_order"] == check["seq_gaps"] == 0, check
    assert check["stored_unacknowledged"] == 0, check  # every stored step was acknowledged in the end
    last_given = {}
    for slot, answer in given:
        last_given[slot] = answer
    answers = final_answers(url, exam.attempt_id)
    assert {slot: answers[slot] for slot in last_given} == last_given
