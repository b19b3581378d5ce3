"""The flags service: faces counted once per snapshot, the policy run with the attempt's window and
adjustments, new findings stored as flags, nothing raised twice, nothing else written."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from assessment.delivery import services as delivery
from assessment.delivery.models import AttemptEvent
from core.audit import AuditEntry
from proctoring import log, policy
from proctoring.flags import queries, services
from proctoring.models import FlagReview, InvigilationEvent, InvigilationFlag, InvigilationOutcome
from proctoring.rules import FlagDecision, FlagKind, LogKind, Severity

from tests.proctoring.flags.conftest import T0, at


def _analyse(scene, seconds):
    return services.analyse(scene.db, invigilation_id=scene.invigilation.id, store=scene.app.extensions["cop.media"],
                            now=at(seconds))


def _flags(scene):
    return [(f.flag.kind, f.flag.starts_at) for f in queries.flags_of(scene.db, scene.invigilation.id)]


def test_faces_are_counted_once_and_an_empty_chair_for_over_30_seconds_is_flagged(make_scene, frames):
    scene = make_scene()
    scene.heartbeats(0, 240)
    shots = [scene.snapshot(30, frames["face"]), *(scene.snapshot(s, frames["cat"]) for s in (60, 90, 120, 150)),
             scene.snapshot(180, frames["face"])]
    analysis = _analyse(scene, 240)
    counted = log.rows(scene.db, scene.invigilation.id, kinds={LogKind.FACES_COUNTED})
    assert [(r.payload["snapshot_event_id"], r.payload["faces"]) for r in counted] == \
        [(s.id, n) for s, n in zip(shots, [1, 0, 0, 0, 0, 1])]
    assert all(r.occurred_at == s.occurred_at and r.received_at == at(240) for r, s in zip(counted, shots))
    assert analysis.faces_counted == 6
    [flag] = analysis.flags_raised
    assert (flag.kind, flag.severity, flag.starts_at, flag.ends_at) == (FlagKind.NO_FACE, Severity.MEDIUM, at(60), at(150))
    assert flag.policy_version == policy.POLICY_VERSION and flag.raised_at == at(240)
    assert flag.attempt_id == scene.attempt.id
    assert set(flag.evidence_event_ids) == {r.id for r in counted[1:5]} | {s.id for s in shots[1:5]}
    assert flag.detail == "No face was seen in 4 consecutive snapshots over 1 minute and 30 seconds."
    assert analysis.summary() == f"invigilation {scene.invigilation.id} (attempt {scene.attempt.id}): 6 snapshots counted, 1 new flag"
    audit = scene.db.scalar(select(AuditEntry).where(AuditEntry.action == "invigilation.flags_raised"))
    assert audit.target_id == str(scene.invigilation.id)


def test_running_again_raises_nothing_twice_and_writes_only_flags_and_face_counts(make_scene, frames):
    scene = make_scene()
    scene.heartbeats(0, 240)
    for s in (60, 90, 120, 150):
        scene.snapshot(s, frames["cat"])
    scene.row(LogKind.PASTE, 100)

    def counts():
        db = scene.db
        return {"log": dict(db.execute(select(InvigilationEvent.kind, func.count()).where(
                    InvigilationEvent.invigilation_id == scene.invigilation.id).group_by(InvigilationEvent.kind)).all()),
                "attempt_events": db.scalar(select(func.count()).select_from(AttemptEvent)),
                "outcomes": db.scalar(select(func.count()).select_from(InvigilationOutcome)),
                "reviews": db.scalar(select(func.count()).select_from(FlagReview)),
                "flags": db.scalar(select(func.count()).select_from(InvigilationFlag))}

    before = counts()
    first = _analyse(scene, 240)
    after_first = counts()
    assert [f.kind for f in first.flags_raised] == [FlagKind.NO_FACE, FlagKind.COPY_PASTE]
    assert after_first["log"] == {**before["log"], LogKind.FACES_COUNTED: 4}
    assert {k: v for k, v in after_first.items() if k not in ("log", "flags")} == \
        {k: v for k, v in before.items() if k not in ("log", "flags")}
    assert after_first["flags"] == before["flags"] + 2
    again = _analyse(scene, 250)
    assert again.faces_counted == 0 and again.flags_raised == ()
    assert counts() == after_first
    assert log.verify(scene.db, scene.invigilation.id).ok


def test_a_later_run_adds_only_what_is_new(make_scene, frames):
    scene = make_scene()
    scene.heartbeats(0, 600)
    scene.row(LogKind.TAB_HIDDEN, 100)
    scene.row(LogKind.TAB_VISIBLE, 130)
    assert [f.kind for f in _analyse(scene, 200).flags_raised] == [FlagKind.TAB_HIDDEN]
    scene.row(LogKind.SECOND_SCREEN, 300, {"screens": 2})
    assert [f.kind for f in _analyse(scene, 400).flags_raised] == [FlagKind.SECOND_SCREEN]
    assert _flags(scene) == [(FlagKind.TAB_HIDDEN, at(100)), (FlagKind.SECOND_SCREEN, at(300))]


def test_a_missing_or_unreadable_file_is_a_reading_that_says_so_never_an_error(make_scene, frames, app):
    scene = make_scene()
    gone = scene.snapshot(30, frames["face"])
    app.extensions["cop.media"].delete(gone.media_key)
    scene.snapshot(60, b"\xff\xd8 not really a jpeg")
    _analyse(scene, 90)
    counted = log.rows(scene.db, scene.invigilation.id, kinds={LogKind.FACES_COUNTED})
    assert [(r.payload["readable"], r.payload["problem"]) for r in counted] == [
        (False, "The snapshot's file is no longer in the store."),
        (False, "The file is not an image that can be read.")]


def test_a_staff_pause_is_not_absence_but_the_same_after_it_is(make_scene, frames):
    scene = make_scene()
    scene.heartbeats(0, 100)
    delivery.pause(scene.db, actor=scene.invigilator.actor, attempt_id=scene.attempt.id, reason="Fire alarm", now=at(100))
    for s in (130, 160, 190, 220):
        scene.snapshot(s, frames["cat"])
    delivery.resume(scene.db, actor=scene.invigilator.actor, attempt_id=scene.attempt.id, now=at(300))
    scene.heartbeats(300, 600)
    assert _analyse(scene, 600).flags_raised == ()
    for s in (400, 430, 460):
        scene.snapshot(s, frames["cat"])
    assert [f.kind for f in _analyse(scene, 600).flags_raised] == [FlagKind.NO_FACE]


def test_a_rest_break_is_never_absence_and_approved_breaks_lengthen_the_threshold(make_scene, frames):
    scene = make_scene(adjustments={"rest_breaks": True})
    scene.heartbeats(0, 900)
    delivery.take_break(scene.db, actor=scene.candidate.actor, attempt_id=scene.attempt.id, now=at(60))
    for s in range(90, 300, 30):
        scene.snapshot(s, frames["cat"])
    delivery.take_break(scene.db, actor=scene.candidate.actor, attempt_id=scene.attempt.id, now=at(300), end=True)
    for s in range(330, 631, 30):  # five minutes out of view without a break: under the 10 minutes allowed
        scene.snapshot(s, frames["cat"])
    assert _analyse(scene, 900).flags_raised == ()


def test_nothing_after_the_submission_and_the_page_closing_is_flagged(make_scene, frames):
    scene = make_scene()
    scene.heartbeats(0, 290)
    delivery.submit_attempt(scene.db, actor=scene.candidate.actor, attempt_id=scene.attempt.id, now=at(300))
    scene.row(LogKind.PAGE_CLOSING, 301)
    scene.row(LogKind.TAB_HIDDEN, 302)
    scene.row(LogKind.CAMERA_ENDED, 302)
    assert _analyse(scene, 2000).flags_raised == ()


def test_a_screen_reader_user_gets_no_tab_hidden_flag(make_scene, frames):
    scene = make_scene(adjustments={"uses_screen_reader": True})
    scene.heartbeats(0, 300)
    scene.row(LogKind.TAB_HIDDEN, 100)
    scene.row(LogKind.TAB_VISIBLE, 200)
    scene.row(LogKind.PASTE, 250)
    assert [f.kind for f in _analyse(scene, 300).flags_raised] == [FlagKind.COPY_PASTE]


def test_before_an_attempt_faces_are_counted_and_nothing_is_flagged(db, app, invigilated_sitting, booked_candidate,
                                                                       frames):
    from proctoring.media import store_media

    candidate = booked_candidate(invigilated_sitting)
    invigilation = log.invigilation_for(db, sitting_id=invigilated_sitting.id, candidate_id=candidate.id, now=T0)
    stored = store_media(app.extensions["cop.media"], invigilation_id=invigilation.id, data=frames["cat"],
                         content_type="image/jpeg", extension="jpg")
    log.append(db, invigilation_id=invigilation.id, kind=LogKind.SNAPSHOT, now=T0, media_key=stored.key,
               media_sha256=stored.sha256, media_type="image/jpeg", media_size=stored.size)
    analysis = services.analyse(db, invigilation_id=invigilation.id, store=app.extensions["cop.media"], now=at(600))
    assert (analysis.attempt_id, analysis.faces_counted, analysis.flags_raised) == (None, 1, ())
    assert analysis.summary().endswith("(no attempt yet): 1 snapshot counted, 0 new flags")


def test_flags_come_with_their_latest_review(make_scene, frames):
    scene = make_scene()
    scene.heartbeats(0, 300)
    scene.row(LogKind.PASTE, 100)
    scene.row(LogKind.SECOND_SCREEN, 200)
    paste, screen = _analyse(scene, 300).flags_raised
    for decision, minutes in ((FlagDecision.CONFIRMED, 1), (FlagDecision.DISMISSED, 2)):
        scene.db.add(FlagReview(flag_id=paste.id, decision=decision, note="Looked", reviewer_id=scene.invigilator.id,
                                reviewed_at=at(300) + dt.timedelta(minutes=minutes)))
    scene.db.flush()
    found = queries.flags_of(scene.db, scene.invigilation.id)
    assert [(f.flag.id, f.review.decision if f.review else None, f.is_open) for f in found] == \
        [(paste.id, FlagDecision.DISMISSED, False), (screen.id, None, True)]
    in_sitting = queries.flags_of_sitting(scene.db, scene.attempt.sitting_id)
    assert [(f.flag.id, f.candidate_id) for f in in_sitting] == [(paste.id, scene.candidate.id),
                                                                 (screen.id, scene.candidate.id)]


def test_the_policy_follows_the_configured_intervals():
    settings = services.policy_settings({"INVIGILATION_HEARTBEAT_INTERVAL_S": 20, "INVIGILATION_SNAPSHOT_INTERVAL_S": 20})
    assert (settings.heartbeat_gap_s, settings.reading_gap_s) == (60, 80)
    assert services.policy_settings({}) == policy.PolicySettings()
