"""Check-in services: consent, the candidate's pictures (checked, stored outside the database,
nothing written when refused), help, submitting, and a person's approve / reject / waive."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import Role
from assessment.delivery.models import Booking
from proctoring import log
from proctoring.checkin import queries, services
from proctoring.checkin.rules import CheckinStatus, Step
from proctoring.models import Invigilation, InvigilationEvent
from proctoring.rules import LogKind
from tests import uploads_data
from tests.proctoring.checkin.conftest import picture

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


def state(db, sitting, candidate):
    return queries.state_of(db, sitting_id=sitting.id, candidate_id=candidate.id)


def consented(db, sitting, candidate):
    services.give_consent(db, actor=candidate.actor, sitting_id=sitting.id, now=NOW)


def complete(db, sitting, candidate, store, jpeg):
    consented(db, sitting, candidate)
    for step in (Step.PHOTO, Step.ID_PHOTO, Step.ROOM_SCAN, Step.ROOM_SCAN, Step.ROOM_SCAN):
        services.add_picture(db, actor=candidate.actor, sitting_id=sitting.id, step=step, data=jpeg, store=store,
                             now=NOW)
    services.acknowledge_rules(db, actor=candidate.actor, sitting_id=sitting.id, now=NOW)
    return services.submit(db, actor=candidate.actor, sitting_id=sitting.id, now=NOW + dt.timedelta(minutes=1))


def event_count(db) -> int:
    return db.scalar(select(func.count()).select_from(InvigilationEvent))


def test_consent_is_logged_and_audited_and_can_be_withdrawn(db, invigilated_sitting, candidate):
    row = services.give_consent(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, now=NOW)
    assert row.kind is LogKind.CONSENT_GIVEN and row.actor_id == candidate.id and row.payload["notice_version"]
    assert state(db, invigilated_sitting, candidate).consent is True
    with pytest.raises(Conflict, match="already given"):
        services.give_consent(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, now=NOW)
    services.withdraw_consent(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, now=NOW)
    assert state(db, invigilated_sitting, candidate).consent is False
    actions = set(db.scalars(select(AuditEntry.action)))
    assert {"invigilation.consent_given", "invigilation.consent_withdrawn"} <= actions


def test_only_a_booked_candidate_of_an_invigilated_sitting_consents(db, make_sitting, invigilated_sitting, make_user,
                                                                      booked_candidate):
    stranger = make_user(Role.CANDIDATE)
    with pytest.raises(NotFound, match="not booked"):
        services.give_consent(db, actor=stranger.actor, sitting_id=invigilated_sitting.id, now=NOW)
    plain = make_sitting()  # not invigilated
    booked = booked_candidate(plain)
    with pytest.raises(NotFound, match="not invigilated"):
        services.give_consent(db, actor=booked.actor, sitting_id=plain.id, now=NOW)
    with pytest.raises(Forbidden):
        services.give_consent(db, actor=make_user(Role.INVIGILATOR).actor, sitting_id=invigilated_sitting.id, now=NOW)
    cancelled = booked_candidate(invigilated_sitting)
    db.scalar(select(Booking).where(Booking.candidate_id == cancelled.id)).cancelled_at = NOW
    with pytest.raises(NotFound):
        services.give_consent(db, actor=cancelled.actor, sitting_id=invigilated_sitting.id, now=NOW)


def test_no_picture_before_consent_and_nothing_is_written(db, invigilated_sitting, candidate, store, jpeg):
    with pytest.raises(ValidationFailed) as refused:
        services.add_picture(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, step=Step.PHOTO,
                             data=jpeg, store=store, now=NOW)
    assert refused.value.problems[0].message.startswith("Give your consent")
    assert db.scalar(select(func.count()).select_from(Invigilation)) == 0


def test_a_picture_is_stored_in_the_media_store_with_its_hash_in_the_log(db, invigilated_sitting, candidate, store):
    consented(db, invigilated_sitting, candidate)
    png = picture("PNG")
    row = services.add_picture(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, step="id_photo",
                               data=png, store=store, now=NOW)
    assert row.kind is LogKind.CHECKIN_ID_PHOTO and row.media_type == "image/png" and row.media_size == len(png)
    assert row.media_key.endswith(".png") and store.get(row.media_key) == png
    import hashlib
    assert row.media_sha256 == hashlib.sha256(png).hexdigest()
    assert state(db, invigilated_sitting, candidate).id_photo_id == row.id


@pytest.mark.parametrize("data, message", [
    (b"%PDF-1.4 not a picture", "not a JPEG or PNG picture"),
    (picture("GIF"), "not a JPEG or PNG picture"),
    (uploads_data.pdf(), "not a JPEG or PNG picture"),
    (picture("JPEG")[:200], "not a complete JPEG picture"),  # cut short: does not decode
    (picture("PNG") + b"PK\x03\x04 a zip archive", "extra data after the end of the picture"),
    (picture("JPEG") + b"<html><script>alert(1)</script></html>", "another kind of file"),
    (b"", "Choose a picture"),
], ids=["pdf", "gif", "real-pdf", "truncated", "png-with-zip", "jpeg-with-html", "empty"])
def test_a_file_that_is_not_a_jpeg_or_png_is_refused_and_nothing_written(db, invigilated_sitting, candidate, store,
                                                                           data, message):
    consented(db, invigilated_sitting, candidate)
    before = event_count(db)
    files_before = sorted(p for p in store.inner.folder.rglob("*") if p.is_file())
    with pytest.raises(ValidationFailed) as refused:
        services.add_picture(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, step=Step.PHOTO,
                             data=data, store=store, now=NOW)
    assert refused.value.problems[0].field == "photo-image" and message in refused.value.problems[0].message
    assert event_count(db) == before
    assert sorted(p for p in store.inner.folder.rglob("*") if p.is_file()) == files_before  # no file kept either


def test_a_photos_exif_and_gps_position_are_stripped_before_it_is_stored(db, invigilated_sitting, candidate, store):
    consented(db, invigilated_sitting, candidate)
    photo = uploads_data.jpeg(64, 48, exif=True)
    assert b"Exif" in photo
    row = services.add_picture(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, step=Step.PHOTO,
                               data=photo, store=store, now=NOW)
    kept = store.get(row.media_key)
    import hashlib
    assert b"Exif" not in kept and kept == uploads_data.jpeg(64, 48)
    assert row.media_sha256 == hashlib.sha256(kept).hexdigest() and row.media_size == len(kept)


def test_a_picture_over_2_mb_is_refused_with_its_size(db, invigilated_sitting, candidate, store):
    consented(db, invigilated_sitting, candidate)
    big = picture("PNG") + b"\0" * (2 * 1024 * 1024)
    before = event_count(db)
    with pytest.raises(ValidationFailed) as refused:
        services.add_picture(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, step=Step.ROOM_SCAN,
                             data=big, store=store, now=NOW)
    assert refused.value.problems[0].message == "The picture is 2.0 MB: it must be 2 MB or smaller"
    assert event_count(db) == before


def test_submitting_lists_every_missing_step_then_goes_to_the_queue(db, invigilated_sitting, candidate, store, jpeg):
    consented(db, invigilated_sitting, candidate)
    with pytest.raises(ValidationFailed) as refused:
        services.submit(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, now=NOW)
    assert [p.field for p in refused.value.problems] == ["photo", "id_photo", "room_scan", "rules"]
    services.add_picture(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, step=Step.PHOTO, data=jpeg,
                         store=store, now=NOW)
    services.add_picture(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, step=Step.ID_PHOTO, data=jpeg,
                         store=store, now=NOW)
    services.need_help(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, step=Step.ROOM_SCAN,
                       note="I am blind and cannot frame the room", now=NOW)
    services.acknowledge_rules(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, now=NOW)
    row = services.submit(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, now=NOW)
    assert row.kind is LogKind.CHECKIN_SUBMITTED and row.payload == {"needs_help": ["room_scan"]}
    assert state(db, invigilated_sitting, candidate).status is CheckinStatus.SUBMITTED
    with pytest.raises(Conflict, match="sent to an invigilator"):
        services.add_picture(db, actor=candidate.actor, sitting_id=invigilated_sitting.id, step=Step.PHOTO,
                             data=jpeg, store=store, now=NOW)


def test_the_queue_is_oldest_first_with_waiting_time_and_help(db, invigilated_sitting, booked_candidate, invigilator,
                                                               store, jpeg):
    first, second = booked_candidate(invigilated_sitting, name="First"), booked_candidate(invigilated_sitting,
                                                                                           name="Second")
    helper = booked_candidate(invigilated_sitting, name="Helper")
    booked_candidate(invigilated_sitting, name="Not yet")
    complete(db, invigilated_sitting, second, store, jpeg)  # sent at NOW + 1 minute
    consented(db, invigilated_sitting, first)
    for step in (Step.PHOTO, Step.ID_PHOTO, Step.ROOM_SCAN, Step.ROOM_SCAN, Step.ROOM_SCAN):
        services.add_picture(db, actor=first.actor, sitting_id=invigilated_sitting.id, step=step, data=jpeg,
                             store=store, now=NOW)
    services.acknowledge_rules(db, actor=first.actor, sitting_id=invigilated_sitting.id, now=NOW)
    services.submit(db, actor=first.actor, sitting_id=invigilated_sitting.id, now=NOW - dt.timedelta(minutes=5))
    consented(db, invigilated_sitting, helper)
    services.need_help(db, actor=helper.actor, sitting_id=invigilated_sitting.id, step="photo", note="", now=NOW)
    found = queries.queue(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id,
                          now=NOW + dt.timedelta(minutes=10))
    assert [(r.name, r.waiting_s) for r in found.waiting] == [("First", 900), ("Second", 540)]
    assert [r.name for r in found.needs_help] == ["Helper"]
    assert found.counts[CheckinStatus.SUBMITTED] == 2 and found.not_started == 1


def test_approve_records_the_person_and_is_audited(db, invigilated_sitting, candidate, invigilator, store, jpeg):
    complete(db, invigilated_sitting, candidate, store, jpeg)
    row = services.decide(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id, candidate_id=candidate.id,
                          decision="approve", now=NOW)
    assert row.kind is LogKind.CHECKIN_APPROVED and row.actor_id == invigilator.id
    assert state(db, invigilated_sitting, candidate).status is CheckinStatus.APPROVED
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "invigilation.checkin_approved"))
    assert entry.actor_id == invigilator.id
    with pytest.raises(Conflict, match="not waiting"):
        services.decide(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id, candidate_id=candidate.id,
                        decision="approve", now=NOW)
    assert log.verify(db, row.invigilation_id).ok


def test_reject_needs_a_reason_the_candidate_reads_and_they_may_try_again(db, invigilated_sitting, candidate,
                                                                          invigilator, store, jpeg):
    complete(db, invigilated_sitting, candidate, store, jpeg)
    before = event_count(db)
    with pytest.raises(ValidationFailed) as refused:
        services.decide(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id, candidate_id=candidate.id,
                        decision="reject", reason="  ", now=NOW)
    assert refused.value.problems[0].field == "reason" and event_count(db) == before
    services.decide(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id, candidate_id=candidate.id,
                    decision="reject", reason="The ID photo is too blurred to read", now=NOW)
    rejected = state(db, invigilated_sitting, candidate)
    assert rejected.status is CheckinStatus.REJECTED
    assert rejected.rejection_reason == "The ID photo is too blurred to read"
    complete_again = services.add_picture(db, actor=candidate.actor, sitting_id=invigilated_sitting.id,
                                          step=Step.ID_PHOTO, data=jpeg, store=store, now=NOW)
    assert state(db, invigilated_sitting, candidate).id_photo_id == complete_again.id


def test_waive_needs_a_listed_reason_and_words_and_works_before_any_step(db, invigilated_sitting, candidate,
                                                                         invigilator):
    with pytest.raises(ValidationFailed) as refused:
        services.decide(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id, candidate_id=candidate.id,
                        decision="waive", reason_code="made_up", reason="", now=NOW)
    assert {p.field for p in refused.value.problems} == {"reason_code", "reason"}
    assert db.scalar(select(func.count()).select_from(Invigilation)) == 0
    row = services.decide(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id, candidate_id=candidate.id,
                          decision="waive", reason_code="adjustment",
                          reason="Identity checked on a video call; blind candidate", now=NOW)
    assert row.kind is LogKind.CHECKIN_WAIVED and row.payload == {"reason_code": "adjustment"}
    assert state(db, invigilated_sitting, candidate).status is CheckinStatus.WAIVED
    with pytest.raises(Conflict, match="nothing to waive"):
        services.decide(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id, candidate_id=candidate.id,
                        decision="waive", reason_code="other", reason="again", now=NOW)


def test_only_invigilators_and_administrators_decide_and_never_in_their_own_sitting(
        db, invigilated_sitting, candidate, make_user, booked_candidate, store, jpeg):
    complete(db, invigilated_sitting, candidate, store, jpeg)
    for role in (Role.CANDIDATE, Role.EXAMINER, Role.ITEM_WRITER):
        with pytest.raises(Forbidden):
            services.decide(db, actor=make_user(role).actor, sitting_id=invigilated_sitting.id,
                            candidate_id=candidate.id, decision="approve", now=NOW)
    # An invigilator who is also booked in the sitting sees and decides nothing of it.
    insider = make_user(Role.INVIGILATOR, Role.CANDIDATE)
    db.add(Booking(sitting_id=invigilated_sitting.id, candidate_id=insider.id, booked_at=NOW))
    db.flush()
    before = event_count(db)
    with pytest.raises(Forbidden, match="candidate in this sitting"):
        services.decide(db, actor=insider.actor, sitting_id=invigilated_sitting.id, candidate_id=candidate.id,
                        decision="approve", now=NOW)
    with pytest.raises(Forbidden, match="candidate in this sitting"):
        queries.queue(db, actor=insider.actor, sitting_id=invigilated_sitting.id, now=NOW)
    assert event_count(db) == before
    admin = make_user(Role.ADMIN)
    services.decide(db, actor=admin.actor, sitting_id=invigilated_sitting.id, candidate_id=candidate.id,
                    decision="approve", now=NOW)
    assert state(db, invigilated_sitting, candidate).status is CheckinStatus.APPROVED


def test_a_decision_needs_a_booked_candidate(db, invigilated_sitting, make_user, invigilator):
    stranger = make_user(Role.CANDIDATE)
    with pytest.raises(Conflict, match="no booking"):
        services.decide(db, actor=invigilator.actor, sitting_id=invigilated_sitting.id, candidate_id=stranger.id,
                        decision="waive", reason_code="other", reason="x", now=NOW)


def test_face_matching_cannot_be_turned_on(tmp_path):
    from assessment.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="automatic face matching is not available"):
        load_config(tmp_path, {"INVIGILATION_FACE_MATCHING": True}, environ={})
    assert load_config(tmp_path, {}, environ={})["INVIGILATION_FACE_MATCHING"] is False
