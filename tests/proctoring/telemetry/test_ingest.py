"""The telemetry ingest API: what it writes, what it refuses (and that a refusal writes nothing), its
idempotency, its bounds, who may call it, and the grace after the attempt has ended."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import func, select

from core.roles import Role
from core.uploads import JPEG, UploadRefused, inspect_upload
from assessment.delivery import services as delivery
from proctoring import log
from proctoring.models import Invigilation, InvigilationEvent
from proctoring.rules import LogKind
from proctoring.telemetry.services import AFTER_END_GRACE_S
from tests import uploads_data
from tests.proctoring.telemetry.conftest import approve_checkin, jpeg
from tests.assessment.delivery.test_hot_path import statements  # noqa: F401  (a fixture)


def url(attempt, tail="events"):
    return f"/api/v1/invigilation/attempts/{attempt.id}/{tail}"


def iso(when: dt.datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def event(id_, kind="heartbeat", at=None, **data):
    body = {"id": id_, "kind": kind, "at": at or "2026-11-23T10:00:05Z"}
    if data:
        body["data"] = data
    return body


def rows(db, attempt, kinds=None):
    query = select(InvigilationEvent).where(InvigilationEvent.attempt_id == attempt.id)
    if kinds:
        query = query.where(InvigilationEvent.kind.in_(kinds))
    db.expire_all()
    return list(db.scalars(query.order_by(InvigilationEvent.seq)))


def telemetry_count(db, attempt):
    db.expire_all()
    return db.scalar(select(func.count()).select_from(InvigilationEvent)
                     .where(InvigilationEvent.attempt_id == attempt.id))


@pytest.fixture(params=["fast", "ordinary"])
def ingest_path(request, monkeypatch):
    """Each events and snapshot test runs on the fast path and on the ordinary one (as when there is no
    clause to confirm the cookie's claim with): the same answers, the same rows, the same refusals."""
    if request.param == "ordinary":
        monkeypatch.setattr("proctoring.telemetry.api.claim_holds_clause", lambda: None)
    return request.param


# --- events --------------------------------------------------------------------------------------


def test_a_batch_is_appended_to_the_chain_with_both_times_and_acknowledged(ingest_path, app, db, client, clock,
                                                                           invigilated_attempt):
    attempt = invigilated_attempt
    clock.advance(seconds=30)
    body = {"events": [event("e-1", "tab_hidden", "2026-11-23T10:00:20Z", visibility="hidden"),
                       event("e-2", "tab_visible", "2026-11-23T10:00:25Z"),
                       event("e-3", "heartbeat", "2026-11-23T10:00:28Z")]}
    response = client.post(url(attempt), json=body)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {"acknowledged": ["e-1", "e-2", "e-3"],
                                   "settings": {"snapshot_interval_s": 30, "heartbeat_interval_s": 15}}
    written = rows(db, attempt)
    assert [(r.kind, r.client_event_id) for r in written] == [
        (LogKind.TAB_HIDDEN, "e-1"), (LogKind.TAB_VISIBLE, "e-2"), (LogKind.HEARTBEAT, "e-3")]
    first = written[0]
    assert first.occurred_at == dt.datetime(2026, 11, 23, 10, 0, 20, tzinfo=dt.timezone.utc)
    assert first.received_at == clock.now()
    assert first.payload == {"visibility": "hidden"} and first.actor_id is None
    # The rows continue the invigilation's chain after the check-in rows, and it verifies.
    invigilation = db.get(Invigilation, first.invigilation_id)
    assert [r.seq for r in written] == [3, 4, 5] and invigilation.next_seq == 6
    assert log.verify(db, invigilation.id).ok


def test_a_retried_batch_gets_the_same_answer_and_writes_nothing_new(ingest_path, db, client, invigilated_attempt):
    attempt = invigilated_attempt
    body = {"events": [event("e-1"), event("e-2", "window_blur"), event("e-1")]}  # e-1 twice in one batch
    first = client.post(url(attempt), json=body)
    assert first.get_json()["acknowledged"] == ["e-1", "e-2"]
    assert telemetry_count(db, attempt) == 2
    again = client.post(url(attempt), json=body)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    # Part retried, part new: only the new one is written.
    mixed = client.post(url(attempt), json={"events": [event("e-2", "window_blur"), event("e-3", "window_focus")]})
    assert mixed.get_json()["acknowledged"] == ["e-2", "e-3"]
    assert [r.client_event_id for r in rows(db, attempt)] == ["e-1", "e-2", "e-3"]


@pytest.mark.parametrize(("body", "field"), [
    ({"events": [event("e-1")], "extra": 1}, "extra"),
    ({"events": [{**event("e-1"), "colour": "red"}]}, "events.0.colour"),
    ({"events": [event("e-1", "snapshot")]}, "events.0.kind"),          # media come with their bytes
    ({"events": [event("e-1", "faces_counted")]}, "events.0.kind"),     # the server's own kind
    ({"events": [event("e-1", "checkin_approved")]}, "events.0.kind"),  # a person's decision
    ({"events": [event("e-1", "nonsense")]}, "events.0.kind"),
    ({"events": [event("e-1", at="2026-11-23T10:00:05")]}, "events.0.at"),  # no time zone
    ({"events": [event("e-1", at="yesterday")]}, "events.0.at"),
    ({"events": [event("e 1")]}, "events.0.id"),
    ({"events": [event("x" * 65)]}, "events.0.id"),
    ({"events": [event("e-1", note="x" * 2100)]}, "events.0.data"),     # data over 2 KB
    ({"events": [event("e-1", _after_end=False)]}, "events.0.data"),     # the server's keys
    ({"events": []}, "events"),
    ({"events": "e-1"}, "events"),
    ({}, "events"),
])
def test_a_batch_of_the_wrong_shape_is_refused_naming_the_field_and_nothing_is_written(ingest_path, db, client, body, field,
                                                                                       invigilated_attempt):
    attempt = invigilated_attempt
    good = event("e-ok")
    if isinstance(body.get("events"), list) and body["events"]:
        body = {**body, "events": [good, *body["events"]]}
        field = field.replace("events.0", "events.1")
    response = client.post(url(attempt), json=body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"], response.get_json()
    assert telemetry_count(db, attempt) == 0  # not even the good event beside it


def test_a_batch_over_the_configured_size_is_refused_whole(ingest_path, app, db, client, invigilated_attempt):
    app.config["INVIGILATION_MAX_BATCH_EVENTS"] = 3
    attempt = invigilated_attempt
    response = client.post(url(attempt), json={"events": [event(f"e-{i}") for i in range(4)]})
    assert response.status_code == 422 and "at most 3 events" in response.get_json()["fields"]["events"]
    assert telemetry_count(db, attempt) == 0
    assert client.post(url(attempt), json={"events": [event(f"e-{i}") for i in range(3)]}).status_code == 200


def test_a_client_clock_a_day_out_is_clamped_to_the_servers_and_its_own_time_kept(ingest_path, db, client, clock,
                                                                                  invigilated_attempt):
    attempt = invigilated_attempt
    response = client.post(url(attempt), json={"events": [event("e-1", at="2026-11-25T10:00:00Z"),
                                                          event("e-2", at="2026-11-22T10:30:00Z")]})
    assert response.status_code == 200
    far, near = sorted(rows(db, attempt), key=lambda r: r.client_event_id)
    assert far.occurred_at == clock.now() and far.payload == {"_client_at": "2026-11-25T10:00:00+00:00",
                                                              "_clamped": True}
    # 23.5 hours early is within a day: kept as the client said.
    assert near.occurred_at == dt.datetime(2026, 11, 22, 10, 30, tzinfo=dt.timezone.utc) and near.payload == {}


def test_more_than_the_rate_a_minute_is_refused_with_retry_after_and_nothing_written(ingest_path, app, db, client, clock,
                                                                                     invigilated_attempt):
    app.config["INVIGILATION_MAX_EVENTS_PER_MINUTE"] = 5
    attempt = invigilated_attempt
    assert client.post(url(attempt), json={"events": [event(f"a-{i}") for i in range(3)]}).status_code == 200
    clock.advance(seconds=20)
    refused = client.post(url(attempt), json={"events": [event(f"b-{i}") for i in range(3)]})
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "rate_limited" and refused.headers["Retry-After"] == "41"
    assert refused.get_json()["retry_after_s"] == 41
    assert telemetry_count(db, attempt) == 3
    # A retry of what was already written is not more events: still answered.
    assert client.post(url(attempt), json={"events": [event("a-0")]}).status_code == 200
    assert client.post(url(attempt), json={"events": [event(f"b-{i}") for i in range(2)]}).status_code == 200
    clock.advance(seconds=41)  # the first three have left the minute
    assert client.post(url(attempt), json={"events": [event(f"c-{i}") for i in range(3)]}).status_code == 200
    assert telemetry_count(db, attempt) == 8


def test_after_submission_events_are_recorded_as_such_for_a_grace_then_refused(ingest_path, db, client, clock,
                                                                               invigilated_attempt):
    attempt = invigilated_attempt
    candidate = attempt.candidate_id
    clock.advance(minutes=10)
    from assessment.accounts.models import User
    delivery.submit_attempt(db, actor=db.get(User, candidate).actor, attempt_id=attempt.id, now=clock.now())
    clock.advance(seconds=AFTER_END_GRACE_S - 5)
    closing = client.post(url(attempt), json={"events": [event("c-1", "page_closing", iso(clock.now())),
                                                         event("c-2", "heartbeat", iso(clock.now()))]})
    assert closing.status_code == 200
    assert [r.payload for r in rows(db, attempt)] == [{"_after_end": True}, {"_after_end": True}]
    clock.advance(seconds=10)
    late = client.post(url(attempt), json={"events": [event("c-3", "heartbeat", iso(clock.now()))]})
    assert late.status_code == 409 and late.get_json()["code"] == "attempt_ended"
    snapshot = client.post(url(attempt, "snapshots"), data=jpeg(), content_type="image/jpeg",
                           headers={"X-Client-Event-Id": "s-1", "X-Captured-At": iso(clock.now())})
    assert snapshot.status_code == 409
    assert telemetry_count(db, attempt) == 2
    # The page retrying what was acknowledged inside the grace still gets its answer.
    assert client.post(url(attempt), json={"events": [event("c-1", "page_closing")]}).status_code == 200


def test_a_timed_out_attempt_counts_its_end_from_the_deadline(ingest_path, db, client, clock, invigilated_attempt):
    attempt = invigilated_attempt
    clock.advance(seconds=attempt.duration_s + 60)
    assert client.post(url(attempt), json={"events": [event("t-1")]}).status_code == 200
    assert rows(db, attempt)[0].payload == {"_after_end": True}
    clock.advance(seconds=AFTER_END_GRACE_S)
    assert client.post(url(attempt), json={"events": [event("t-2")]}).status_code == 409


# --- who may send ------------------------------------------------------------------------------


def test_only_the_candidate_whose_attempt_it_is_may_send(ingest_path, app, db, invigilated_attempt, make_user):
    attempt = invigilated_attempt
    body = {"events": [event("e-1")]}
    for roles, expected in (((Role.CANDIDATE,), 404), ((Role.INVIGILATOR,), 403), ((Role.ADMIN,), 403)):
        client = app.test_client()
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = make_user(*roles).get_id()
        assert client.post(url(attempt), json=body).status_code == expected
        assert client.post(url(attempt, "snapshots"), data=jpeg(), content_type="image/jpeg",
                           headers={"X-Client-Event-Id": "s-1",
                                    "X-Captured-At": "2026-11-23T10:00:00Z"}).status_code == expected
    anonymous = app.test_client().post(url(attempt), json=body)
    assert anonymous.status_code == 401 and anonymous.is_json
    assert telemetry_count(db, attempt) == 0


def test_an_attempt_that_is_not_invigilated_records_nothing(ingest_path, db, client, clock, framework, login_as, make_user):
    from tests.assessment.delivery.player_data import SHORT, make_exam

    candidate = login_as(Role.CANDIDATE)
    sitting, _ = make_exam(db, items=SHORT, candidate=candidate, now=clock.now())
    attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    response = client.post(url(attempt), json={"events": [event("e-1")]})
    assert response.status_code == 409 and response.get_json()["code"] == "not_invigilated"
    assert db.scalar(select(func.count()).select_from(Invigilation).where(Invigilation.sitting_id == sitting.id)) == 0


# --- snapshots ---------------------------------------------------------------------------------


def send_snapshot(client, attempt, data, *, id_="s-1", at="2026-11-23T10:00:10Z", content_type="image/jpeg"):
    return client.post(url(attempt, "snapshots"), data=data, content_type=content_type,
                       headers={"X-Client-Event-Id": id_, "X-Captured-At": at})


def test_a_snapshot_goes_to_the_media_store_and_its_sha256_to_the_log(ingest_path, app, db, client, clock, invigilated_attempt):
    attempt = invigilated_attempt
    picture = jpeg()
    response = send_snapshot(client, attempt, picture)
    assert response.status_code == 200 and response.get_json()["acknowledged"] == ["s-1"]
    [row] = rows(db, attempt, [LogKind.SNAPSHOT])
    digest = hashlib.sha256(picture).hexdigest()
    assert (row.media_sha256, row.media_size, row.media_type) == (digest, len(picture), "image/jpeg")
    assert row.media_key == f"invigilation-{row.invigilation_id}/{digest}.jpg"
    assert row.occurred_at == dt.datetime(2026, 11, 23, 10, 0, 10, tzinfo=dt.timezone.utc)
    assert row.payload == {"width": 320, "height": 240}
    assert app.extensions["cop.media"].get(row.media_key) == picture
    # The bytes are in the store, not the database: every column of the row together is a few hundred
    # characters (a key, a hash, a size), against a picture of several kilobytes.
    stored_text = sum(len(str(getattr(row, column.key))) for column in InvigilationEvent.__table__.columns)
    assert len(picture) > 1500 and stored_text < 700
    assert log.verify(db, row.invigilation_id).ok
    # A retry is answered alike and writes nothing.
    assert send_snapshot(client, attempt, picture).get_json() == response.get_json()
    assert len(rows(db, attempt, [LogKind.SNAPSHOT])) == 1


@pytest.mark.parametrize(("data", "status"), [
    (b"GIF89a" + b"\0" * 100, 422),                        # not a JPEG at all
    (b"\xff\xd8\xff\xe0" + b"\0" * 500, 422),               # a JPEG's signature but nothing decodable
    (jpeg()[:200], 422),                                    # cut short
    (jpeg() + b"<html><script>alert(1)</script></html>", 422),  # a web page hidden after the picture
    (jpeg() + b"PK\x05\x06" + b"\0" * 18, 422),               # a ZIP archive after the picture
])
def test_what_is_not_a_decodable_jpeg_is_refused(ingest_path, db, client, invigilated_attempt, data, status):
    attempt = invigilated_attempt
    response = send_snapshot(client, attempt, data)
    assert response.status_code == status and response.get_json()["fields"]["body"]
    assert telemetry_count(db, attempt) == 0


def _damaged_snapshots() -> dict[str, bytes]:
    """Snapshots like the player's, damaged: each was refused by the full decode, and must still be."""
    plain, progressive = uploads_data.snapshot(), uploads_data.snapshot(progressive=True)
    frame = plain.index(b"\xff\xc0")
    frame_end = frame + 2 + int.from_bytes(plain[frame + 2:frame + 4], "big")
    scans = [at for at in range(len(progressive) - 1) if progressive[at:at + 2] == b"\xff\xda"]
    impossible = bytearray(progressive)
    impossible[scans[2] + 1 + int.from_bytes(progressive[scans[2] + 2:scans[2] + 4], "big") - 1] = 0  # Se < Ss
    return {
        "cut in the middle of its scan": plain[:len(plain) * 2 // 3],
        "progressive, cut in the middle of a later scan": progressive[:len(progressive) * 2 // 3],
        "a second frame where the rest of its scan should be": plain[:len(plain) // 2] + plain[frame:frame_end]
        + b"\xff\xd9",
        "progressive, a later scan that cannot be": bytes(impossible),
    }


@pytest.mark.parametrize("damage", list(_damaged_snapshots()))
def test_a_damaged_snapshot_is_refused_with_the_full_decodes_sentence_and_nothing_stored(ingest_path, app, db, client,
                                                                                         invigilated_attempt, damage):
    attempt = invigilated_attempt
    data = _damaged_snapshots()[damage]
    with pytest.raises(UploadRefused) as full:  # the check as every other upload still has it: every pixel
        inspect_upload(data, {JPEG}, name="the snapshot")
    response = send_snapshot(client, attempt, data)
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"body": f"{full.value.message}."}
    assert telemetry_count(db, attempt) == 0
    digest = hashlib.sha256(data).hexdigest()
    assert not list(app.extensions["cop.media"].inner.folder.rglob(f"{digest}.jpg"))


def test_a_snapshot_like_the_players_is_stored_as_sent_and_one_with_metadata_without_it(ingest_path, app, db, client,
                                                                                        invigilated_attempt):
    attempt = invigilated_attempt
    plain, progressive = uploads_data.snapshot(), uploads_data.snapshot(progressive=True)
    app1 = b"\xff\xe1" + (2 + 16).to_bytes(2, "big") + b"Exif\x00\x00GPS 51.5 N"
    with_exif = plain[:20] + app1 + plain[20:]  # after the start of image and the JFIF segment
    for n, (sent, kept) in enumerate([(plain, plain), (progressive, progressive), (with_exif, plain)]):
        response = send_snapshot(client, attempt, sent, id_=f"s-{n}", at=f"2026-11-23T10:00:{10 + n}Z")
        assert response.status_code == 200
        row = rows(db, attempt, [LogKind.SNAPSHOT])[-1]
        assert row.payload == {"width": 320, "height": 240}
        assert (row.media_sha256, row.media_size) == (hashlib.sha256(kept).hexdigest(), len(kept))
        assert app.extensions["cop.media"].get(row.media_key) == kept
    assert log.verify(db, row.invigilation_id).ok


def test_a_snapshot_too_large_wrongly_typed_or_without_its_headers_is_refused(ingest_path, app, db, client, invigilated_attempt):
    attempt = invigilated_attempt
    app.config["INVIGILATION_MAX_SNAPSHOT_BYTES"] = 2048
    big = jpeg(640, 480, quality=95)
    assert len(big) > 2048
    assert send_snapshot(client, attempt, big).status_code == 413
    app.config["INVIGILATION_MAX_SNAPSHOT_BYTES"] = 256 * 1024
    assert send_snapshot(client, attempt, jpeg(), content_type="image/png").status_code == 415
    missing = client.post(url(attempt, "snapshots"), data=jpeg(), content_type="image/jpeg")
    assert missing.status_code == 422
    assert set(missing.get_json()["fields"]) == {"X-Client-Event-Id", "X-Captured-At"}
    assert send_snapshot(client, attempt, jpeg(), at="10 o'clock").status_code == 422
    assert send_snapshot(client, attempt, jpeg(4000, 10)).status_code == 422  # larger than any snapshot
    assert telemetry_count(db, attempt) == 0


def test_snapshots_keep_to_the_rate_and_after_the_end_are_marked_within_the_grace(ingest_path, app, db, client,
                                                                                  clock, invigilated_attempt):
    app.config["INVIGILATION_MAX_EVENTS_PER_MINUTE"] = 2
    attempt = invigilated_attempt
    assert client.post(url(attempt), json={"events": [event("a-1")]}).status_code == 200
    assert send_snapshot(client, attempt, jpeg(), id_="s-1", at=iso(clock.now())).status_code == 200
    refused = send_snapshot(client, attempt, jpeg(), id_="s-2", at=iso(clock.now()))
    assert refused.status_code == 429 and refused.get_json()["code"] == "rate_limited"
    assert telemetry_count(db, attempt) == 2
    app.config["INVIGILATION_MAX_EVENTS_PER_MINUTE"] = 240
    from assessment.accounts.models import User
    delivery.submit_attempt(db, actor=db.get(User, attempt.candidate_id).actor, attempt_id=attempt.id,
                            now=clock.now())
    clock.advance(seconds=AFTER_END_GRACE_S - 5)
    assert send_snapshot(client, attempt, jpeg(), id_="s-3", at=iso(clock.now())).status_code == 200
    assert rows(db, attempt, [LogKind.SNAPSHOT])[-1].payload == {"width": 320, "height": 240, "_after_end": True}
    assert log.verify(db, rows(db, attempt)[0].invigilation_id).ok


def test_a_snapshot_costs_four_statements_on_the_fast_path_and_a_retry_two(app, db, client, invigilated_attempt,
                                                                           statements, monkeypatch):
    """The head locked with the claim and the attempt's clock; the life events, the rate count and
    whether the id is stored (one union); the row; the head moved on (SQLite's write lock first). A
    retry reads and writes nothing. The ordinary path (no clause to confirm a claim with) costs more:
    the person, the attempt and the invigilation as objects, then its reads and the ORM's append."""
    attempt = invigilated_attempt
    assert client.post(url(attempt), json={"events": [event("h-0")]}).status_code == 200
    extra = 1 if db.get_bind().dialect.name == "sqlite" else 0
    statements.clear()
    assert send_snapshot(client, attempt, jpeg(), id_="s-1").status_code == 200
    assert len(statements) == 4 + extra, statements
    if not extra:
        assert statements[0].rstrip().endswith("FOR UPDATE OF invigilations"), statements
    assert statements[-2].startswith("INSERT INTO invigilation_events")
    assert statements[-1].startswith("UPDATE invigilations")
    statements.clear()
    assert send_snapshot(client, attempt, jpeg(), id_="s-1").get_json()["acknowledged"] == ["s-1"]
    assert len(statements) == 2 + extra and not any(s.startswith("INSERT") for s in statements), statements
    monkeypatch.setattr("proctoring.telemetry.api.claim_holds_clause", lambda: None)
    statements.clear()
    assert send_snapshot(client, attempt, jpeg(), id_="s-2").status_code == 200
    assert len(statements) > 4 + extra, statements
    assert [r.client_event_id for r in rows(db, attempt, [LogKind.SNAPSHOT])] == ["s-1", "s-2"]
    assert log.verify(db, rows(db, attempt)[0].invigilation_id).ok


def test_two_candidates_logs_are_separate(ingest_path, db, client, clock, framework, invigilated_attempt, make_user):
    attempt = invigilated_attempt
    send_snapshot(client, attempt, jpeg())
    client.post(url(attempt), json={"events": [event("e-1")]})
    invigilations = {r.invigilation_id for r in rows(db, attempt)}
    assert len(invigilations) == 1
    other = make_user(Role.CANDIDATE)
    approve_checkin(db, sitting=attempt.sitting, candidate=other, invigilator=make_user(Role.INVIGILATOR),
                    now=clock.now())
    assert db.scalar(select(func.count()).select_from(Invigilation)
                     .where(Invigilation.sitting_id == attempt.sitting_id)) == 2


def test_a_retry_racing_the_first_delivery_is_answered_as_a_retry(db, client, invigilated_attempt, monkeypatch):
    """Both deliveries passed the "already stored?" check before either wrote: the loser meets the
    unique key, and is answered as the retry it is — one row, the same acknowledgement."""
    from proctoring.telemetry import services

    attempt = invigilated_attempt
    body = {"events": [event("r-1"), event("r-2", "window_blur")]}
    assert client.post(url(attempt), json=body).status_code == 200
    real = services._stored_ids_and_recent
    calls = []

    def missed_once(session, target, client_ids, now):
        calls.append(client_ids)
        stored, recent = real(session, target, client_ids, now)
        return (set(), recent) if len(calls) == 1 else (stored, recent)

    monkeypatch.setattr(services, "_stored_ids_and_recent", missed_once)
    # The ordinary path's race: the fast path reads under the chain's lock, so it cannot miss them.
    monkeypatch.setattr("proctoring.telemetry.api.claim_holds_clause", lambda: None)
    again = client.post(url(attempt), json=body)
    assert again.status_code == 200 and again.get_json()["acknowledged"] == ["r-1", "r-2"]
    assert len(calls) == 2 and [r.client_event_id for r in rows(db, attempt)] == ["r-1", "r-2"]
