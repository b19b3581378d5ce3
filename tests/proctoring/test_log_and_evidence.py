"""The invigilation log's chain and the evidence route: who may open a photo, and that every opening
is recorded."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from core.audit import AuditEntry
from core.roles import Role
from proctoring import log
from proctoring.media import store_media
from proctoring.rules import LogKind

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100 + b"\xff\xd9"


@pytest.fixture
def invigilation(db, make_user, invigilated_sitting):
    sitting = invigilated_sitting
    candidate = make_user(Role.CANDIDATE)
    return log.invigilation_for(db, sitting_id=sitting.id, candidate_id=candidate.id, now=NOW)


def test_rows_chain_in_order_and_verify(db, invigilation):
    first = log.append(db, invigilation_id=invigilation.id, kind=LogKind.HEARTBEAT, now=NOW)
    second = log.append(db, invigilation_id=invigilation.id, kind=LogKind.TAB_HIDDEN, now=NOW, payload={"a": 1})
    assert (first.seq, second.seq) == (1, 2)
    assert first.previous_hash == log.GENESIS_HASH and second.previous_hash == first.entry_hash
    assert invigilation.last_hash == second.entry_hash and invigilation.next_seq == 3
    check = log.verify(db, invigilation.id)
    assert check.ok and check.rows_checked == 2


def test_a_changed_row_is_named(db, invigilation, backend):
    rows = [log.append(db, invigilation_id=invigilation.id, kind=LogKind.HEARTBEAT, now=NOW + dt.timedelta(seconds=i))
            for i in range(3)]
    # Someone with the database's keys drops the append-only guard and edits the middle row.
    if backend == "sqlite":
        db.execute(text("DROP TRIGGER invigilation_events_append_only_update"))
    else:
        db.execute(text("ALTER TABLE invigilation_events DISABLE TRIGGER invigilation_events_append_only"))
    db.execute(text("UPDATE invigilation_events SET reason = 'edited' WHERE id = :id"), {"id": rows[1].id})
    db.expire_all()
    check = log.verify(db, invigilation.id)
    assert not check.ok and check.first_broken_id == rows[1].id and check.first_broken_seq == 2
    assert "content does not match" in check.reason


def test_evidence_is_served_to_staff_and_every_view_recorded(app, db, client, login_as, invigilation):
    stored = store_media(app.extensions["cop.media"], invigilation_id=invigilation.id, data=JPEG,
                         content_type="image/jpeg", extension="jpg")
    row = log.append(db, invigilation_id=invigilation.id, kind=LogKind.SNAPSHOT, now=NOW, media_key=stored.key,
                     media_sha256=stored.sha256, media_type="image/jpeg", media_size=stored.size)
    viewer = login_as(Role.EXAMINER)
    response = client.get(f"/invigilation/evidence/{row.id}")
    assert response.status_code == 200 and response.data == JPEG
    assert response.headers["Cache-Control"] == "no-store" and response.mimetype == "image/jpeg"
    viewed = log.rows(db, invigilation.id, kinds={LogKind.EVIDENCE_VIEWED})
    assert [(r.actor_id, r.payload["event_id"]) for r in viewed] == [(viewer.id, row.id)]
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "invigilation.evidence_viewed")).target_id == str(row.id)
    # A row that is not media, and media already deleted, are both "not found".
    beat = log.append(db, invigilation_id=invigilation.id, kind=LogKind.HEARTBEAT, now=NOW)
    assert client.get(f"/invigilation/evidence/{beat.id}").status_code == 404
    app.extensions["cop.media"].delete(stored.key)
    assert client.get(f"/invigilation/evidence/{row.id}").status_code == 404


def test_a_candidate_never_opens_evidence(db, client, login_as, invigilation):
    row = log.append(db, invigilation_id=invigilation.id, kind=LogKind.SNAPSHOT, now=NOW, media_key="invigilation-1/x.jpg",
                     media_sha256="0" * 64, media_type="image/jpeg", media_size=1)
    login_as(Role.CANDIDATE)
    assert client.get(f"/invigilation/evidence/{row.id}").status_code == 403
