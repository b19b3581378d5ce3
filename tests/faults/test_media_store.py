"""The invigilation media store full, read-only, or not a folder at all, mid-sitting. Real failures of
the real filesystem, made as root without touching anything else:

- ``full``: a 64 KiB tmpfs mounted over the store's folder and filled up (ENOSPC);
- ``read_only``: a tmpfs mounted read-only there (EROFS) — ``chmod`` would not do, root writes anyway;
- ``not_a_folder``: a file where the folder should be (ENOTDIR), which needs no mount at all.

Each time: the candidate's saves are acknowledged and stored as ever (the save path never touches the
media store); a webcam snapshot is answered 503 ``media_unavailable`` with Retry-After, nothing is
written for it, and the operators' log says why; heartbeats still go in. When the store works again,
the same snapshot sent again with its client id is stored once. Acknowledged lost = 0."""
from __future__ import annotations

import datetime as dt
import errno
import io
import logging
import os
import subprocess
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.cop_testing import skip_or_fail
from tests.faults.harness import HttpCandidate, Player, answer_for, check_stored, database_for, final_answers, \
    started_exam
from tests.uploads_data import evidence_sealer

SNAPSHOT_ID = "p-fault-snapshot-1"


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(buffer, "JPEG")
    return buffer.getvalue()


def mount(folder: Path, *options: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(["size=64k", *options]), "cop-fault-media",
                           str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        skip_or_fail(f"this fault needs a tmpfs mount (root with CAP_SYS_ADMIN, as in the CI container): "
                     f"{done.stderr.strip()}")


def unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


class Fault:
    """Breaks the store's folder, and mends it."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind, self.folder, self.mounted = kind, folder, False

    def make(self) -> None:
        if self.kind == "not_a_folder":
            self.folder.write_bytes(b"a file where the media folder should be\n")
            return
        mount(self.folder, *(["ro"] if self.kind == "read_only" else []))
        self.mounted = True
        if self.kind == "full":
            descriptor = os.open(self.folder / "filler", os.O_WRONLY | os.O_CREAT)
            try:
                while True:
                    os.write(descriptor, b"\0" * 4096)
            except OSError as full:
                assert full.errno == errno.ENOSPC, full
            finally:
                os.close(descriptor)

    def mend(self) -> None:
        if self.kind == "not_a_folder":
            self.folder.unlink()
        elif self.kind == "full":
            (self.folder / "filler").unlink()
        else:
            done = subprocess.run(["mount", "-o", "remount,rw", str(self.folder)], capture_output=True, text=True)
            assert done.returncode == 0, done.stderr

    def undo(self) -> None:
        if self.mounted:
            unmount(self.folder)


@pytest.fixture
def served(backend, tmp_path):
    """The app on a real HTTP port (a thread of this process, so that its log is the test's to read),
    on a database of the test's own, storing media in ``tmp_path / "media"``."""
    from assessment.app import create_app

    url = database_for(backend, tmp_path, "media")
    media = tmp_path / "media"
    settings = {"DATABASE_URL": url, "SECRET_KEY": "media-fault-secret", "PASSWORD_HASH_PROFILE": "fast",
                "LOGIN_THROTTLE": False, "INVIGILATION_MEDIA_FOLDER": str(media)}
    exam = started_exam(url, invigilated=True, INVIGILATION_MEDIA_FOLDER=str(media))
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", url, exam, media
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["cop.db"].engine.dispose()


def snapshot(candidate: HttpCandidate, attempt_id: int, data: bytes, captured_at: str):
    return candidate.request("POST", f"/api/v1/invigilation/attempts/{attempt_id}/snapshots", data=data,
                             headers={"Content-Type": "image/jpeg", "X-Client-Event-Id": SNAPSHOT_ID,
                                      "X-Captured-At": captured_at})


def snapshots_stored(url: str, attempt_id: int) -> list[tuple[str, str]]:
    from sqlalchemy import create_engine, select

    from proctoring.models import InvigilationEvent
    from proctoring.rules import LogKind

    events = InvigilationEvent.__table__
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(events.c.client_event_id, events.c.media_key)
                                  .where(events.c.attempt_id == attempt_id, events.c.kind == LogKind.SNAPSHOT)).all()
    engine.dispose()
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("kind", ["full", "read_only", "not_a_folder"])
def test_saves_go_on_and_a_snapshot_is_refused_clearly_while_the_media_store_is_broken(served, kind, caplog):
    base, url, exam, media = served
    candidate = HttpCandidate(base)
    candidate.sign_in(exam.email)
    items = candidate.exam(exam.attempt_id)["items"]
    player = Player(candidate, exam.attempt_id)
    n = 0

    def answer_each_item():
        nonlocal n
        for item in items:
            player.change(item["slot"], answer_for(item["type"], n), n)
            n += 1
        player.drain(give_up_s=20)

    answer_each_item()  # before the fault
    fault = Fault(kind, media)
    picture = jpeg()
    captured_at = dt.datetime.now(dt.timezone.utc).isoformat()
    try:
        fault.make()
        with caplog.at_level(logging.ERROR):
            status, body, headers = snapshot(candidate, exam.attempt_id, picture, captured_at)
        assert status == 503, body
        assert body["code"] == "media_unavailable" and "kept on your device" in body["error"]
        assert headers["Retry-After"] == str(body["retry_after_s"])
        assert f"Snapshot {SNAPSHOT_ID} of attempt {exam.attempt_id} not stored" in caplog.text  # reported
        assert snapshots_stored(url, exam.attempt_id) == []  # nothing half-written: no row…
        if media.is_dir():  # … and no file, not even the temporary one a full disk cut short
            assert [p.name for p in media.rglob("*") if p.is_file() and p.name != "filler"] == []

        answer_each_item()  # the saves do not notice
        assert player.failures == {}, player.failures
        heartbeat = {"events": [{"id": "hb-fault-1", "kind": "heartbeat", "at": captured_at,
                                 "data": {"queued": 1}}]}
        status, body, _ = candidate.request("POST", f"/api/v1/invigilation/attempts/{exam.attempt_id}/events",
                                            body=heartbeat)
        assert status == 200 and body["acknowledged"] == ["hb-fault-1"]

        fault.mend()
        status, body, _ = snapshot(candidate, exam.attempt_id, picture, captured_at)  # the player's resend
        assert status == 200 and body["acknowledged"] == [SNAPSHOT_ID]
        [(stored_id, key)] = snapshots_stored(url, exam.attempt_id)
        on_disk = (media / key).read_bytes()  # sealed with the evidence keys (proctoring/media.py)
        assert stored_id == SNAPSHOT_ID and picture not in on_disk and evidence_sealer().open(on_disk, key) == picture
        answer_each_item()
    finally:
        fault.undo()

    check = check_stored(url, exam.attempt_id, player.acknowledged)
    assert len(player.acknowledged) == 3 * len(items)
    assert check["acknowledged_missing"] == 0, "acknowledged lost must be 0"
    assert check["duplicated"] == check["out_of_order"] == check["seq_gaps"] == check["stored_unacknowledged"] == 0
    answers = final_answers(url, exam.attempt_id)
    assert answers == {item["slot"]: answer_for(item["type"], n - len(items) + i) for i, item in enumerate(items)}


def test_a_check_in_picture_the_store_cannot_take_is_refused_with_a_message(backend, tmp_path, caplog):
    """The check-in's pictures go to the same store: a broken store is a clear message on the page,
    nothing logged as received, and the step can be tried again."""
    from assessment.app import create_app

    url = database_for(backend, tmp_path, "checkin")
    blocked = tmp_path / "media"
    blocked.write_bytes(b"a file where the media folder should be\n")
    exam = started_exam(url, invigilated=True, start=False)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "media-fault-secret", "PASSWORD_HASH_PROFILE": "fast",
                      "LOGIN_THROTTLE": False, "WTF_CSRF_ENABLED": False, "INVIGILATION_MEDIA_FOLDER": str(blocked)})
    try:
        client = app.test_client()
        client.post("/login", data={"email": exam.email, "password": "correct horse battery staple"})
        with caplog.at_level(logging.ERROR):
            answer = client.post(f"/invigilation/sittings/{exam.sitting_id}/check-in/photo/picture",
                                 data={"photo-image": (io.BytesIO(jpeg()), "me.jpg")},
                                 headers={"Accept": "application/json"})
        assert answer.status_code == 503
        assert "try this step again in a minute" in answer.get_json()["error"]
        assert "A check-in picture was not stored" in caplog.text
    finally:
        app.extensions["cop.db"].engine.dispose()
