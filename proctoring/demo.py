"""The invigilation demo (``cop demo load``; loading twice changes nothing).

- A remotely invigilated sitting that has closed, in which the demo candidate checked in (approved
  by the demo invigilator), sat and submitted the demo paper while the player sent heartbeats and
  webcam snapshots; the tab was hidden once for 48 s, the connection dropped for 50 s,
  the invigilator paused the attempt for a technical problem and sent a message, and one snapshot
  had two faces counted. Two flags: the tab-hidden spell (dismissed with a note) and the second
  face (confirmed with a note); the outcome "result withheld pending an examiner's decision", so
  the attempt waits on the examiners' results board.
- In the open invigilated sitting, a second demo candidate's check-in submitted and waiting for a
  person to compare the photo with the ID; that sitting's candidates are allocated to the demo
  invigilator, whose live dashboard shows them.

Every log row is written through ``proctoring.log.append`` (so ``cop invigilation verify --all``
passes); the pictures are small JPEGs drawn here with Pillow and kept in the media store; flag
decisions and the outcome go through the review services as the demo invigilator, a person.
"""
from __future__ import annotations

import datetime as dt
import io
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.accounts.services import find_user_by_email
from assessment.delivery import services as delivery
from assessment.delivery.models import Booking, Sitting, SittingPaper
from proctoring import log
from proctoring.media import MediaStore, store_media
from proctoring.review import services as review
from proctoring.rules import ActionReason, FlagKind, LogKind, Outcome

CLOSED_SITTING_TITLE = "October 2026 sitting (remotely invigilated, closed)"
OPEN_SITTING_TITLE = "Winter 2026 sitting (open now)"
PAPER_TITLE = "Certificate of Proficiency – demo paper A"
FINISHED_CANDIDATE = "candidate@example.org"
WAITING_CANDIDATE = "second.candidate@example.org"
INVIGILATOR = "invigilator@example.org"

HEARTBEAT_S, SNAPSHOT_S = 15, 30
ATTEMPT_MIN = 35


def _jpeg(kind: str, seed: int, faces: int = 1) -> bytes:
    """A small picture standing in for a webcam frame, an ID card or a room (no real person)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (160, 120), (196 + rng.randint(-8, 8), 204, 214))
    draw = ImageDraw.Draw(image)
    if kind == "room":
        draw.rectangle((10 + rng.randint(0, 30), 60, 90 + rng.randint(0, 30), 110), fill=(120, 90, 60))  # a desk
        draw.rectangle((110, 15, 150, 55), fill=(235, 235, 200), outline=(90, 90, 90))  # a window
    elif kind == "id":
        draw.rounded_rectangle((15, 20, 145, 100), radius=8, fill=(240, 240, 250), outline=(40, 60, 120), width=2)
        draw.ellipse((25, 35, 60, 80), fill=(150, 110, 90))
        for line in range(4):
            draw.rectangle((70, 38 + line * 12, 135 - line * 8, 43 + line * 12), fill=(60, 60, 80))
    else:
        offset = rng.randint(-4, 4)
        centres = [80 + offset] if faces == 1 else [55 + offset, 118]
        for n, x in enumerate(centres):
            scale = 1 if n == 0 else 0.7
            draw.ellipse((x - 22 * scale, 28, x + 22 * scale, 28 + 54 * scale), fill=(150, 110, 90))  # head
            draw.pieslice((x - 45 * scale, 80, x + 45 * scale, 170), 180, 360, fill=(40, 70, 110))  # shoulders
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=60)
    return out.getvalue()


def _media_row(session: Session, store: MediaStore, invigilation_id: int, kind: LogKind, data: bytes,
               when: dt.datetime, **values):
    stored = store_media(store, invigilation_id=invigilation_id, data=data, content_type="image/jpeg", extension="jpg")
    return log.append(session, invigilation_id=invigilation_id, kind=kind, now=when, media_key=stored.key,
                      media_sha256=stored.sha256, media_type=stored.content_type, media_size=stored.size, **values)


def _check_in(session: Session, store: MediaStore, invigilation_id: int, candidate_id: int, at: dt.datetime,
              seed: int) -> None:
    """The candidate's side of check-in: photo, ID, a room scan of three frames, the rules, submitted."""
    who = {"actor_id": candidate_id}
    _media_row(session, store, invigilation_id, LogKind.CHECKIN_PHOTO, _jpeg("face", seed), at, **who)
    _media_row(session, store, invigilation_id, LogKind.CHECKIN_ID_PHOTO, _jpeg("id", seed),
               at + dt.timedelta(seconds=40), **who)
    for frame in range(3):
        _media_row(session, store, invigilation_id, LogKind.CHECKIN_ROOM_SCAN, _jpeg("room", seed * 10 + frame),
                   at + dt.timedelta(seconds=70 + 4 * frame), payload={"frame": frame + 1}, **who)
    log.append(session, invigilation_id=invigilation_id, kind=LogKind.CHECKIN_RULES_ACKNOWLEDGED,
               now=at + dt.timedelta(seconds=95), **who)
    log.append(session, invigilation_id=invigilation_id, kind=LogKind.CHECKIN_SUBMITTED,
               now=at + dt.timedelta(seconds=100), **who)


def _answer(content: dict, rng: random.Random):
    if content.get("type") == "sba":
        ids = [o["id"] for o in content.get("options", [])]
        return content["key"] if rng.random() < 0.7 else rng.choice(ids)
    return None  # the demo candidate answers only the single best answer items


def closed_sitting(session: Session, now: dt.datetime, admin_id: int | None,
                   title: str = CLOSED_SITTING_TITLE) -> Sitting | None:
    """A remotely invigilated sitting of the demo paper that opened 45 days ago and has closed."""
    from item_bank.models import ExamPaper

    paper = session.scalar(select(ExamPaper).where(ExamPaper.title == PAPER_TITLE))
    if paper is None:
        return None
    opens = (now - dt.timedelta(days=45)).replace(hour=9, minute=0, second=0, microsecond=0)
    sitting = Sitting(title=title, is_practice=False, booking_opens_at=opens - dt.timedelta(days=40),
                      booking_closes_at=opens - dt.timedelta(days=2), opens_at=opens,
                      closes_at=opens + dt.timedelta(hours=8), duration_s=90 * 60, capacity=200,
                      requires_invigilation=True, created_by_id=admin_id, created_at=opens - dt.timedelta(days=41))
    session.add(sitting)
    session.flush()
    session.add(SittingPaper(sitting_id=sitting.id, exam_paper_id=paper.id))
    session.flush()
    session.refresh(sitting)
    return sitting


def finished_attempt(session: Session, store: MediaStore, sitting: Sitting, candidate, invigilator,
                     now: dt.datetime, *, reviewed: bool = True):
    """The candidate's finished, invigilated attempt in ``sitting`` with its log and two flags; with
    ``reviewed``, the flags decided and the outcome recorded by ``invigilator``. Returns the attempt."""
    from item_bank.models import ItemVersion

    rng = random.Random(12)
    session.add(Booking(sitting_id=sitting.id, candidate_id=candidate.id,
                        booked_at=sitting.booking_opens_at + dt.timedelta(days=3)))
    session.flush()
    start = sitting.opens_at + dt.timedelta(minutes=30)
    inv = log.invigilation_for(session, sitting_id=sitting.id, candidate_id=candidate.id,
                               now=sitting.booking_opens_at + dt.timedelta(days=3))
    log.append(session, invigilation_id=inv.id, kind=LogKind.CONSENT_GIVEN,
               now=sitting.booking_opens_at + dt.timedelta(days=3), actor_id=candidate.id,
               payload={"notice_version": "demo"})
    _check_in(session, store, inv.id, candidate.id, start - dt.timedelta(minutes=20), seed=1)
    log.append(session, invigilation_id=inv.id, kind=LogKind.CHECKIN_APPROVED, now=start - dt.timedelta(minutes=12),
               actor_id=invigilator.id, reason="The photo matches the ID; the room is clear.")
    attempt = delivery.start_attempt(session, actor=candidate.actor, sitting_id=sitting.id, device_id="demo-laptop",
                                     now=start, rng=random.Random(7))

    def at(seconds: float) -> dt.datetime:
        return start + dt.timedelta(seconds=seconds)

    def put(kind: LogKind, seconds: float, **values):
        return log.append(session, invigilation_id=inv.id, kind=kind, now=at(seconds) + dt.timedelta(seconds=1),
                          occurred_at=at(seconds), attempt_id=attempt.id, **values)

    offline = (20 * 60, 20 * 60 + 50)  # under the policy's 60 s: a blip, explained, not a flag
    paused = (9 * 60, 11 * 60)
    two_faces_at = 24 * 60
    end = ATTEMPT_MIN * 60
    # What happened, in order: telemetry, the invigilator's messages and actions, the candidate's saves.
    moments: list[tuple[float, str]] = []
    moments += [(s, "beat") for s in range(HEARTBEAT_S, end, HEARTBEAT_S) if not offline[0] <= s < offline[1]]
    moments += [(s, "snapshot") for s in range(SNAPSHOT_S, end, SNAPSHOT_S)
                if not offline[0] <= s < offline[1] and not paused[0] <= s < paused[1]]
    slots = list(attempt.slots)
    saves = [60 + n * ((end - 300) // max(1, len(slots))) for n in range(len(slots))]
    moments += [(s, f"save:{n}") for n, s in enumerate(saves)
                if not paused[0] <= s < paused[1] and not offline[0] <= s < offline[1]]
    moments += [(paused[0], "pause"), (paused[1], "resume"), (offline[0], "offline"), (offline[1], "online"),
                (15 * 60, "hidden"), (15 * 60 + 48, "visible"), (26 * 60, "message"), (26 * 60 + 20, "ack")]
    moments.sort(key=lambda m: (m[0], m[1] not in ("pause", "resume")))
    seq, message = 0, None
    for seconds, what in moments:
        if what == "beat":
            put(LogKind.HEARTBEAT, seconds, client_event_id=f"demo-hb-{seconds}")
        elif what == "snapshot":
            faces = 2 if seconds == two_faces_at else 1
            shot = _media_row(session, store, inv.id, LogKind.SNAPSHOT, _jpeg("face", int(seconds), faces),
                              at(seconds) + dt.timedelta(seconds=1), occurred_at=at(seconds), attempt_id=attempt.id,
                              client_event_id=f"demo-snap-{seconds}")
            put(LogKind.FACES_COUNTED, seconds + 2,
                          payload={"snapshot_event_id": shot.id, "faces": faces, "brightness": 0.62,
                                   "is_dark": False, "is_uniform": False})
        elif what.startswith("save:"):
            slot = slots[int(what.split(":")[1])]
            content = session.get(ItemVersion, slot.item_version_id).content
            answer = _answer(content, rng)
            if answer is None:
                continue
            ack = delivery.save_response(session, actor=candidate.actor, attempt_id=attempt.id, slot=slot.slot,
                                         payload={"answer": answer}, seen_seq=seq, client_step_id=f"demo-{slot.slot}",
                                         device_id="demo-laptop", now=at(seconds))
            seq = ack.seq
        elif what == "pause":
            reason = "The candidate's camera froze; waiting for it to restart."
            delivery.pause(session, actor=invigilator.actor, attempt_id=attempt.id, reason=reason, now=at(seconds))
            put(LogKind.ACTION_TAKEN, seconds, actor_id=invigilator.id, reason=reason,
                payload={"action": "pause", "reason_code": ActionReason.TECHNICAL_PROBLEM.value})
        elif what == "resume":
            reason = "The camera is working again."
            delivery.resume(session, actor=invigilator.actor, attempt_id=attempt.id, reason=reason, now=at(seconds))
            put(LogKind.ACTION_TAKEN, seconds, actor_id=invigilator.id, reason=reason,
                payload={"action": "resume", "reason_code": ActionReason.TECHNICAL_PROBLEM.value})
        elif what == "offline":
            put(LogKind.NETWORK_OFFLINE, seconds, client_event_id="demo-offline")
        elif what == "online":
            # The heartbeats made while offline waited in the player's queue and arrive now.
            for beat in range(HEARTBEAT_S, end, HEARTBEAT_S):
                if offline[0] <= beat < offline[1]:
                    log.append(session, invigilation_id=inv.id, kind=LogKind.HEARTBEAT, occurred_at=at(beat),
                               now=at(seconds) + dt.timedelta(seconds=1), attempt_id=attempt.id,
                               client_event_id=f"demo-hb-{beat}")
            put(LogKind.NETWORK_ONLINE, seconds, client_event_id="demo-online")
        elif what == "hidden":
            put(LogKind.TAB_HIDDEN, seconds, client_event_id="demo-hidden")
        elif what == "visible":
            put(LogKind.TAB_VISIBLE, seconds, client_event_id="demo-visible")
        elif what == "message":
            message = put(LogKind.MESSAGE_SENT, seconds, actor_id=invigilator.id,
                          payload={"text": "Please make sure you are alone in the room and your face stays in view."})
        elif what == "ack":
            put(LogKind.MESSAGE_ACKNOWLEDGED, seconds, actor_id=candidate.id,
                payload={"message_event_id": message.id})
    delivery.submit_attempt(session, actor=candidate.actor, attempt_id=attempt.id, now=at(end))
    put(LogKind.PAGE_CLOSING, end + 3, client_event_id="demo-closing")
    # The flags are the policy's own, raised by the analysis job two minutes after the end (the face
    # counts above stand in for OpenCV's: the drawn pictures have no real faces to find).
    from proctoring.flags.services import analyse

    analysis = analyse(session, invigilation_id=inv.id, store=store, now=at(end) + dt.timedelta(minutes=2))
    flags = sorted(analysis.flags_raised, key=lambda flag: flag.kind != FlagKind.TAB_HIDDEN)  # tab first
    if not reviewed:
        return attempt
    reviewed = now - dt.timedelta(days=40)
    review.decide_flag(session, actor=invigilator.actor, flag_id=flags[0].id, decision="dismissed",
                       note="The candidate's laptop showed a low-battery warning and they plugged it in; the "
                            "snapshots either side show them at the desk throughout.", now=reviewed)
    review.decide_flag(session, actor=invigilator.actor, flag_id=flags[1].id, decision="confirmed",
                       note="A second person is visible behind the candidate, two minutes before my message "
                            "asking them to be alone.", now=reviewed + dt.timedelta(minutes=4))
    review.record_outcome(session, actor=invigilator.actor, attempt_id=attempt.id,
                          outcome=Outcome.WITHHELD_PENDING_EXAMINER,
                          reasons="Another person was in the room during the exam. An examiner should decide "
                                  "whether the result can stand; the tab-hidden flag was dismissed.",
                          now=reviewed + dt.timedelta(minutes=9))
    return attempt


def _waiting_check_in(session: Session, store: MediaStore, candidate, now: dt.datetime) -> bool:
    sitting = session.scalar(select(Sitting).where(Sitting.title == OPEN_SITTING_TITLE))
    if sitting is None:
        return False
    inv = log.invigilation_for(session, sitting_id=sitting.id, candidate_id=candidate.id, now=now, create=False)
    if inv is not None and log.rows(session, inv.id, kinds={LogKind.CHECKIN_SUBMITTED}):
        return False
    inv = inv or log.invigilation_for(session, sitting_id=sitting.id, candidate_id=candidate.id, now=now)
    if session.scalar(select(Booking.id).where(Booking.sitting_id == sitting.id,
                                               Booking.candidate_id == candidate.id)) is None:
        session.add(Booking(sitting_id=sitting.id, candidate_id=candidate.id, booked_at=now - dt.timedelta(days=6)))
        session.flush()
    if not log.rows(session, inv.id, kinds={LogKind.CONSENT_GIVEN}):
        log.append(session, invigilation_id=inv.id, kind=LogKind.CONSENT_GIVEN, now=now - dt.timedelta(days=6),
                   actor_id=candidate.id, payload={"notice_version": "demo"})
    _check_in(session, store, inv.id, candidate.id, now - dt.timedelta(minutes=6), seed=2)
    return True


def load_invigilation_demo(session: Session, now: dt.datetime, *, store: MediaStore | None = None) -> bool:
    """Load the invigilation demo (see the module's docstring). Returns True when anything was added.
    ``store`` defaults to the app's media store."""
    if store is None:
        from flask import current_app

        store = current_app.extensions["cop.media"]
    candidate = find_user_by_email(session, FINISHED_CANDIDATE)
    waiting = find_user_by_email(session, WAITING_CANDIDATE)
    invigilator = find_user_by_email(session, INVIGILATOR)
    if candidate is None or invigilator is None:
        return False
    added = False
    if session.scalar(select(Sitting.id).where(Sitting.title == CLOSED_SITTING_TITLE)) is None:
        admin = find_user_by_email(session, "admin@example.org")
        sitting = closed_sitting(session, now, admin.id if admin else None)
        if sitting is not None:
            finished_attempt(session, store, sitting, candidate, invigilator, now)
            added = True
    if waiting is not None:
        added = _waiting_check_in(session, store, waiting, now) or added
    return _allocate_open_sitting(session, invigilator, now) or added


def _allocate_open_sitting(session: Session, invigilator, now: dt.datetime) -> bool:
    """The open sitting's candidates are the demo invigilator's, so their live dashboard shows them."""
    from proctoring.live import services as live
    from proctoring.models import InvigilatorAllocation

    sitting_id = session.scalar(select(Sitting.id).where(Sitting.title == OPEN_SITTING_TITLE))
    admin = find_user_by_email(session, "admin@example.org")
    if sitting_id is None or admin is None or session.scalar(
            select(InvigilatorAllocation.id).where(InvigilatorAllocation.sitting_id == sitting_id).limit(1)):
        return False
    return live.allocate(session, actor=admin.actor, sitting_id=sitting_id, invigilator_ids=[invigilator.id],
                         now=now, per_invigilator=25) > 0
