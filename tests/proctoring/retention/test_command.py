"""``cop invigilation purge``: the composition root gathers the release, appeal and examiner facts
from results and calls proctoring's purge."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from proctoring import log
from proctoring.media import store_media
from proctoring.rules import LogKind
from tests.assessment.results.appeals.builders import RELEASED_AT, released_result
from tests.uploads_data import evidence_sealer

DAY = dt.timedelta(days=1)


@pytest.fixture
def released(db, make_user, framework):
    return released_result(db, make_user)


@pytest.fixture
def evidence(app, db, released):
    store = app.extensions["cop.media"]
    invigilation = log.invigilation_for(db, sitting_id=released.sitting.id, candidate_id=released.candidate.id,
                                        now=RELEASED_AT - 20 * DAY)
    stored = store_media(store, invigilation_id=invigilation.id, data=b"\xff\xd8command\xff\xd9",
                         content_type="image/jpeg", extension="jpg")
    row = log.append(db, invigilation_id=invigilation.id, kind=LogKind.SNAPSHOT, now=RELEASED_AT - 20 * DAY,
                     attempt_id=released.attempt.id, media_key=stored.key, media_sha256=stored.sha256,
                     media_type="image/jpeg", media_size=stored.size)
    return invigilation, row, store


def test_purge_waits_for_the_period_then_deletes_once(db, runner, clock, evidence):
    invigilation, row, store = evidence
    clock.set(RELEASED_AT + 58 * DAY - dt.timedelta(minutes=1))
    early = runner.invoke(args=["invigilation", "purge"])
    assert early.exit_code == 0, early.output
    assert "Deleted 0 files of 0 invigilations." in early.output
    assert "Kept 1 invigilation: The retention period after the release" in early.output
    assert store.exists(row.media_key)

    clock.set(RELEASED_AT + 58 * DAY)
    dry = runner.invoke(args=["invigilation", "purge", "--dry-run"])
    assert dry.exit_code == 0 and "Would delete 1 file of 1 invigilation. Nothing was written" in dry.output
    assert store.exists(row.media_key) and not log.rows(db, invigilation.id, kinds={LogKind.MEDIA_PURGED})

    done = runner.invoke(args=["invigilation", "purge"])
    assert done.exit_code == 0, done.output
    assert "Deleted 1 file of 1 invigilation." in done.output
    assert f"{row.media_key} sha256 {row.media_sha256}" in done.output
    assert not store.exists(row.media_key)
    [purged] = log.rows(db, invigilation.id, kinds={LogKind.MEDIA_PURGED})
    assert purged.payload["released_at"] == RELEASED_AT.isoformat()

    again = runner.invoke(args=["invigilation", "purge", "--json"])
    assert again.exit_code == 0
    assert json.loads(again.output) | {"now": None} == {"now": None, "dry_run": False, "files_deleted": 0, "failure": None,
                                                         "files_recorded": 0, "purged": [], "kept": []}


def test_an_open_appeal_holds_the_evidence(db, runner, clock, evidence, released, tmp_path):
    from assessment.results.appeals import services

    invigilation, row, store = evidence
    services.lodge_appeal(db, actor=released.candidate.actor, candidate_result_id=released.result.id,
                          grounds=["marking_error"], statement="My answer to item 1 was misread.", files=[],
                          upload_folder=str(tmp_path), sealer=evidence_sealer(), scan_command=None,
                          window_days=28, now=RELEASED_AT + DAY)
    clock.set(RELEASED_AT + 100 * DAY)
    result = runner.invoke(args=["invigilation", "purge", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["purged"] == [] and report["kept"] == [
        {"invigilation": invigilation.id, "reason": "appeal_open", "files": 1,
         "keep_until": (RELEASED_AT + 58 * DAY).isoformat()}]
    assert store.exists(row.media_key)
