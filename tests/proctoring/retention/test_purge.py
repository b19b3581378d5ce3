"""The purge: files deleted, ``media_purged`` rows written (keys and SHA-256s only), a second run
does nothing, the chain still verifies, a dry run writes nothing, a purged file answers 404 with the
retention message, and holds (appeal, incident, no release) keep the files."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.audit import AuditEntry
from core.roles import Role
from proctoring import log
from proctoring.media import store_media
from proctoring.models import FlagReview, InvigilationEvent, InvigilationFlag, InvigilationOutcome
from proctoring.retention.rules import Reason, RetentionSettings
from proctoring.retention.services import UpperFacts, media_scopes, purge
from proctoring.rules import FlagDecision, FlagKind, LogKind, Outcome, Severity

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
RELEASED = T0 + dt.timedelta(days=10)
AFTER = RELEASED + dt.timedelta(days=58)
SETTINGS = RetentionSettings(appeal_window_days=28, days_after_appeals=30)


@pytest.fixture
def store(app):
    return app.extensions["cop.media"]


@pytest.fixture
def make_invigilation(db, make_user, invigilated_sitting, store):
    """An invigilation with a check-in photo, an ID photo and two snapshots (the second sent twice,
    so two rows name one file), plus a heartbeat."""

    def make():
        candidate = make_user(Role.CANDIDATE)
        invigilation = log.invigilation_for(db, sitting_id=invigilated_sitting.id, candidate_id=candidate.id, now=T0)
        media = []
        for n, kind in enumerate([LogKind.CHECKIN_PHOTO, LogKind.CHECKIN_ID_PHOTO, LogKind.SNAPSHOT, LogKind.SNAPSHOT,
                                  LogKind.SNAPSHOT]):
            content = b"\xff\xd8" + f"{invigilation.id}-{min(n, 3)}".encode() + b"\xff\xd9"
            stored = store_media(store, invigilation_id=invigilation.id, data=content, content_type="image/jpeg",
                                 extension="jpg")
            media.append(log.append(db, invigilation_id=invigilation.id, kind=kind, now=T0 + dt.timedelta(minutes=n),
                                    media_key=stored.key, media_sha256=stored.sha256, media_type="image/jpeg",
                                    media_size=stored.size))
        log.append(db, invigilation_id=invigilation.id, kind=LogKind.HEARTBEAT, now=T0 + dt.timedelta(minutes=9))
        return invigilation, media

    return make


def run(db, store, facts, now=AFTER, **kwargs):
    return purge(db, store=store, facts_by_invigilation=facts, settings=SETTINGS, now=now, **kwargs)


def test_purge_deletes_the_files_and_records_keys_and_hashes(db, store, make_invigilation):
    invigilation, media = make_invigilation()
    keys = list(dict.fromkeys(r.media_key for r in media))
    assert len(keys) == 4 and all(store.exists(k) for k in keys)
    report = run(db, store, {invigilation.id: UpperFacts(released_at=RELEASED)})
    assert not any(store.exists(k) for k in keys)
    assert (report.files_deleted, report.files_recorded, [p.invigilation_id for p in report.purged]) == \
        (4, 4, [invigilation.id])
    [row] = log.rows(db, invigilation.id, kinds={LogKind.MEDIA_PURGED})
    assert row.id == report.purged[0].purge_event_id and row.actor_id is None and row.media_key is None
    files = row.payload["files"]
    assert [f["key"] for f in files] == keys
    assert {f["key"]: f["sha256"] for f in files} == {r.media_key: r.media_sha256 for r in media}
    assert files[-1]["event_ids"] == [media[3].id, media[4].id] and all(f["was_present"] for f in files)
    assert row.payload["keep_until"] == AFTER.isoformat() and "retention period" in row.reason
    # The media rows stay, with their SHA-256s, and the chain still verifies.
    assert db.scalar(select(func.count()).select_from(InvigilationEvent)
                     .where(InvigilationEvent.invigilation_id == invigilation.id)) == 7
    check = log.verify(db, invigilation.id)
    assert check.ok and check.rows_checked == 7
    audit = db.scalar(select(AuditEntry).where(AuditEntry.action == "invigilation.media_purged"))
    assert audit.target_id == str(invigilation.id) and audit.actor_label == "system"


def test_a_second_run_deletes_nothing_and_writes_nothing(db, store, make_invigilation):
    invigilation, _ = make_invigilation()
    facts = {invigilation.id: UpperFacts(released_at=RELEASED)}
    run(db, store, facts)
    rows_before = db.scalar(select(func.count()).select_from(InvigilationEvent))
    audits_before = db.scalar(select(func.count()).select_from(AuditEntry))
    again = run(db, store, facts, now=AFTER + dt.timedelta(days=1))
    assert (again.purged, again.kept, again.files_deleted) == ([], [], 0)
    assert db.scalar(select(func.count()).select_from(InvigilationEvent)) == rows_before
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == audits_before
    assert media_scopes(db) == []


def test_media_arriving_after_a_purge_is_purged_by_the_next_run(db, store, make_invigilation):
    invigilation, _ = make_invigilation()
    facts = {invigilation.id: UpperFacts(released_at=RELEASED)}
    run(db, store, facts)
    late = store_media(store, invigilation_id=invigilation.id, data=b"late", content_type="image/jpeg", extension="jpg")
    log.append(db, invigilation_id=invigilation.id, kind=LogKind.SNAPSHOT, now=AFTER, media_key=late.key,
               media_sha256=late.sha256, media_type="image/jpeg", media_size=late.size)
    report = run(db, store, facts, now=AFTER + dt.timedelta(days=1))
    assert [f.key for p in report.purged for f in p.files] == [late.key] and not store.exists(late.key)
    assert len(log.rows(db, invigilation.id, kinds={LogKind.MEDIA_PURGED})) == 2
    assert log.verify(db, invigilation.id).ok


def test_a_file_already_gone_is_recorded_as_absent(db, store, make_invigilation):
    invigilation, media = make_invigilation()
    store.delete(media[0].media_key)
    report = run(db, store, {invigilation.id: UpperFacts(released_at=RELEASED)})
    assert (report.files_deleted, report.files_recorded) == (3, 4)
    [row] = log.rows(db, invigilation.id, kinds={LogKind.MEDIA_PURGED})
    assert row.payload["files"][0] == {"key": media[0].media_key, "sha256": media[0].media_sha256,
                                       "size": media[0].media_size, "event_ids": [media[0].id], "was_present": False}


def test_a_dry_run_deletes_nothing_and_writes_nothing(db, store, make_invigilation):
    invigilation, media = make_invigilation()
    rows_before = db.scalar(select(func.count()).select_from(InvigilationEvent))
    report = run(db, store, {invigilation.id: UpperFacts(released_at=RELEASED)}, dry_run=True)
    assert report.dry_run and report.files_recorded == 4 and report.purged[0].purge_event_id is None
    assert all(store.exists(r.media_key) for r in media)
    assert db.scalar(select(func.count()).select_from(InvigilationEvent)) == rows_before
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "invigilation.media_purged")) == 0


def test_holds_keep_the_files(db, store, make_invigilation, make_user):
    unreleased, _ = make_invigilation()
    in_period, _ = make_invigilation()
    appealed, _ = make_invigilation()
    missing_facts, _ = make_invigilation()
    flagged, flagged_media = make_invigilation()
    reviewer = make_user(Role.INVIGILATOR)
    flag = InvigilationFlag(invigilation_id=flagged.id, kind=FlagKind.SEVERAL_FACES, severity=Severity.HIGH,
                            starts_at=T0, evidence_event_ids=[flagged_media[2].id], policy_version="1", raised_at=T0)
    db.add(flag)
    db.flush()
    db.add(FlagReview(flag_id=flag.id, decision=FlagDecision.CONFIRMED, note="Two people in view",
                      reviewer_id=reviewer.id, reviewed_at=T0 + dt.timedelta(days=1)))
    db.flush()
    facts = {unreleased.id: UpperFacts(released_at=None),
             in_period.id: UpperFacts(released_at=AFTER - dt.timedelta(days=1)),
             appealed.id: UpperFacts(released_at=RELEASED, appeal_open=True),
             flagged.id: UpperFacts(released_at=RELEASED)}
    report = run(db, store, facts)
    assert report.purged == []
    assert {k.invigilation_id: k.decision.reason for k in report.kept} == {
        unreleased.id: Reason.NOT_RELEASED, in_period.id: Reason.IN_PERIOD, appealed.id: Reason.APPEAL_OPEN,
        missing_facts.id: Reason.NOT_RELEASED, flagged.id: Reason.INCIDENT_OPEN}
    assert all(k.n_files == 4 for k in report.kept)
    assert db.scalar(select(func.count()).select_from(InvigilationEvent)
                     .where(InvigilationEvent.kind == LogKind.MEDIA_PURGED)) == 0
    # The incident closes when a reviewer records an outcome that needs no examiner.
    db.add(InvigilationOutcome(invigilation_id=flagged.id, outcome=Outcome.CONCERN_NOTED, reasons="Noted",
                               reviewer_id=reviewer.id, recorded_at=T0 + dt.timedelta(days=2)))
    db.flush()
    report = run(db, store, facts)
    assert [p.invigilation_id for p in report.purged] == [flagged.id]


def test_an_outcome_awaiting_an_examiner_holds_until_the_examiner_decides(db, store, make_invigilation, make_user):
    invigilation, _ = make_invigilation()
    reviewer = make_user(Role.INVIGILATOR)
    db.add(InvigilationOutcome(invigilation_id=invigilation.id, outcome=Outcome.WITHHELD_PENDING_EXAMINER,
                               reasons="Second person seen", reviewer_id=reviewer.id, recorded_at=T0))
    db.flush()
    held = run(db, store, {invigilation.id: UpperFacts(released_at=RELEASED)})
    assert [k.decision.reason for k in held.kept] == [Reason.INCIDENT_OPEN]
    closed = run(db, store, {invigilation.id: UpperFacts(released_at=RELEASED,
                                                         examiner_decided_at=T0 + dt.timedelta(days=3))})
    assert [p.invigilation_id for p in closed.purged] == [invigilation.id]


def test_a_purged_file_answers_404_with_the_retention_message(app, db, client, login_as, store, make_invigilation):
    invigilation, media = make_invigilation()
    login_as(Role.EXAMINER)
    assert client.get(f"/invigilation/evidence/{media[0].id}").status_code == 200
    run(db, store, {invigilation.id: UpperFacts(released_at=RELEASED)})
    response = client.get(f"/invigilation/evidence/{media[0].id}")
    assert response.status_code == 404
    assert "deleted under the retention schedule" in response.get_data(as_text=True)


def test_only_an_administrator_or_the_system_purges(db, store, make_invigilation, make_user):
    from core.errors import Forbidden

    invigilation, _ = make_invigilation()
    with pytest.raises(Forbidden):
        run(db, store, {invigilation.id: UpperFacts(released_at=RELEASED)}, actor=make_user(Role.EXAMINER).actor)


def test_a_store_failure_stops_the_run_and_the_next_run_finishes(db, store, make_invigilation):
    first, _ = make_invigilation()
    second, second_media = make_invigilation()
    facts = {first.id: UpperFacts(released_at=RELEASED), second.id: UpperFacts(released_at=RELEASED)}

    class Failing:
        """The real store, until the second invigilation's second file."""

        def __init__(self):
            self.deleted = []

        def exists(self, key):
            return store.exists(key)

        def delete(self, key):
            if key == second_media[1].media_key:
                raise OSError("disk unavailable")
            self.deleted.append(key)
            return store.delete(key)

    report = run(db, Failing(), facts)
    assert [p.invigilation_id for p in report.purged] == [first.id]
    assert "invigilation " + str(second.id) in report.failure and "OSError: disk unavailable" in report.failure
    assert not log.rows(db, second.id, kinds={LogKind.MEDIA_PURGED})
    # The next run records the file already deleted as absent and deletes the rest.
    again = run(db, store, facts, now=AFTER + dt.timedelta(days=1))
    [done] = again.purged
    assert done.invigilation_id == second.id and not again.failure
    assert [f.was_present for f in done.files] == [False, True, True, True]
    assert log.verify(db, second.id).ok
