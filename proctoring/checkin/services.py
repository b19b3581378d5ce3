"""Check-in use cases that write: consent, the candidate's steps (photos, room scan, rules, asking
for help, submitting) and a person's decision on the check-in (approve, reject, waive). Each takes
``session``, ``actor`` and ``now``, appends to the invigilation's log, flushes and never commits."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, FieldProblem, ValidationFailed
from core.roles import Actor, require_role
from core.uploads import JPEG, PNG, Inspected, UploadRefused, inspect_upload
from proctoring import log
from proctoring.checkin import queries, rules
from proctoring.checkin.rules import CheckinStatus, Step
from proctoring.media import MediaStore, store_media
from proctoring.models import Invigilation, InvigilationEvent
from proctoring.rules import ActionReason, LogKind


def _invigilation(session: Session, actor: Actor, sitting_id: int, now: dt.datetime) -> Invigilation:
    sitting = queries.candidates_sitting(session, actor, sitting_id)
    return log.invigilation_for(session, sitting_id=sitting.id, candidate_id=actor.user_id, now=now)


def give_consent(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime) -> InvigilationEvent:
    """The candidate agrees to remote invigilation of the sitting they booked, having read the notice."""
    invigilation = _invigilation(session, actor, sitting_id, now)
    state = queries.state_of(session, sitting_id=sitting_id, candidate_id=actor.user_id)
    if state.consent is True:
        raise Conflict("You have already given your consent for this sitting.")
    row = log.append(session, invigilation_id=invigilation.id, kind=LogKind.CONSENT_GIVEN, now=now,
                     actor_id=actor.user_id, payload={"notice_version": NOTICE_VERSION})
    audit.record(session, actor=actor, action="invigilation.consent_given", target_type="invigilation",
                 target_id=invigilation.id, now=now)
    return row


def withdraw_consent(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime) -> InvigilationEvent:
    """The candidate withdraws consent: the exam then cannot start here (the veto says what to do)."""
    invigilation = _invigilation(session, actor, sitting_id, now)
    state = queries.state_of(session, sitting_id=sitting_id, candidate_id=actor.user_id)
    if state.consent is not True:
        raise Conflict("You have not given your consent for this sitting, so there is nothing to withdraw.")
    row = log.append(session, invigilation_id=invigilation.id, kind=LogKind.CONSENT_WITHDRAWN, now=now,
                     actor_id=actor.user_id)
    audit.record(session, actor=actor, action="invigilation.consent_withdrawn", target_type="invigilation",
                 target_id=invigilation.id, now=now)
    return row


NOTICE_VERSION = "2026-12"
"""The privacy notice's version, kept with each consent so that a later notice does not rewrite it."""


def _editable(session: Session, actor: Actor, sitting_id: int, now: dt.datetime, field: str):
    """The candidate's invigilation and check-in state, when they may still change it. Creates nothing:
    consent (which creates the invigilation) comes first."""
    sitting = queries.candidates_sitting(session, actor, sitting_id)
    state = queries.state_of(session, sitting_id=sitting.id, candidate_id=actor.user_id)
    if state.consent is not True:
        raise ValidationFailed("Consent needed", [FieldProblem(
            field, "Give your consent on the privacy notice page before the check-in"
                   if state.consent is None else
                   "You have withdrawn your consent, so the check-in is closed: give it again on the privacy "
                   "notice page, or contact the exams team to arrange an in-person or adjusted sitting")])
    if not state.status.is_editable:
        raise Conflict({CheckinStatus.SUBMITTED: "Your check-in has been sent to an invigilator, so it cannot "
                                                 "change now.",
                        CheckinStatus.APPROVED: "Your check-in is approved: there is nothing more to do.",
                        CheckinStatus.WAIVED: "Your check-in is not needed: an invigilator has waived it."}
                       [state.status])
    invigilation = log.invigilation_for(session, sitting_id=sitting.id, candidate_id=actor.user_id, now=now,
                                        create=False)
    return invigilation, state


def check_image(data: bytes, field: str = "image") -> Inspected:
    """The picture as it will be kept, or ValidationFailed that says why not: it must be a JPEG or PNG
    that really decodes (core.uploads: every pixel, no bomb, nothing hidden after it), at most 2 MB.
    Its metadata (EXIF, with any GPS position) is stripped before it is stored."""
    if not data:
        raise ValidationFailed("No picture", [FieldProblem(field, "Choose a picture to upload: a JPEG or PNG image")])
    if len(data) > rules.MAX_UPLOAD_BYTES:
        raise ValidationFailed("Picture too big", [FieldProblem(
            field, f"The picture is {len(data) / 1024 / 1024:.1f} MB: it must be 2 MB or smaller")])
    try:
        return inspect_upload(data, {PNG, JPEG}, name="the picture")
    except UploadRefused as error:
        message = error.message if error.reason != "kind" else \
            "The file is not a JPEG or PNG picture: take a photo or choose a JPEG or PNG image"
        raise ValidationFailed("Not a picture", [FieldProblem(field, message)]) from None


def add_picture(session: Session, *, actor: Actor, sitting_id: int, step: Step | str, data: bytes,
                store: MediaStore, now: dt.datetime) -> InvigilationEvent:
    """One photo of the candidate, of their ID, or one frame of the room scan: checked, stored in the
    media store (never in the database) and logged with its SHA-256. A bad file writes nothing."""
    step = Step(step)
    field = f"{step.value}-image"
    invigilation, state = _editable(session, actor, sitting_id, now, field)
    if step is Step.ROOM_SCAN and len(state.room_scan_ids) >= rules.MAX_ROOM_SCAN_FRAMES:
        raise ValidationFailed("Enough frames", [FieldProblem(
            field, f"The room scan already has {rules.MAX_ROOM_SCAN_FRAMES} frames, which is enough")])
    picture = check_image(data, field)
    stored = store_media(store, invigilation_id=invigilation.id, data=picture.data, content_type=picture.content_type,
                         extension=picture.extension)
    return log.append(session, invigilation_id=invigilation.id, kind=step.kind, now=now, actor_id=actor.user_id,
                      payload={"frame": len(state.room_scan_ids) + 1} if step is Step.ROOM_SCAN else {},
                      media_key=stored.key, media_sha256=stored.sha256, media_type=stored.content_type,
                      media_size=stored.size)


def need_help(session: Session, *, actor: Actor, sitting_id: int, step: Step | str, note: str,
              now: dt.datetime) -> InvigilationEvent:
    """The candidate cannot do a step alone (for example a blind candidate framing a room scan): the
    log says so and the queue shows it, so an invigilator can help or waive the check-in."""
    step = Step(step)
    invigilation, state = _editable(session, actor, sitting_id, now, f"{step.value}-note")
    if step in state.help_steps:
        raise Conflict("You have already asked for help with this step: an invigilator will see it.")
    if len(note) > 1000:
        raise ValidationFailed("Too long", [FieldProblem(f"{step.value}-note", "Keep the note to 1,000 characters")])
    return log.append(session, invigilation_id=invigilation.id, kind=step.kind, now=now, actor_id=actor.user_id,
                      payload={"needs_help": True, "note": note.strip()})


def acknowledge_rules(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime) -> InvigilationEvent:
    invigilation, state = _editable(session, actor, sitting_id, now, "rules-agree")
    if state.rules_acknowledged:
        raise Conflict("You have already confirmed the rules.")
    return log.append(session, invigilation_id=invigilation.id, kind=LogKind.CHECKIN_RULES_ACKNOWLEDGED, now=now,
                      actor_id=actor.user_id)


def submit(session: Session, *, actor: Actor, sitting_id: int, now: dt.datetime) -> InvigilationEvent:
    """Send the check-in to the queue; refused, with every missing step, until each is done."""
    invigilation, state = _editable(session, actor, sitting_id, now, "submit")
    missing = state.missing()
    if missing:
        raise ValidationFailed("Check-in not complete", [FieldProblem(name, message) for name, message in missing])
    row = log.append(session, invigilation_id=invigilation.id, kind=LogKind.CHECKIN_SUBMITTED, now=now,
                     actor_id=actor.user_id, payload={"needs_help": [s.value for s in state.help_steps]})
    audit.record(session, actor=actor, action="invigilation.checkin_submitted", target_type="invigilation",
                 target_id=invigilation.id, now=now)
    return row


# -------------------------------------------------------------------------------- a person decides

class Decision:
    APPROVE = "approve"
    REJECT = "reject"
    WAIVE = "waive"


def decide(session: Session, *, actor: Actor, sitting_id: int, candidate_id: int, decision: str, now: dt.datetime,
           reason: str = "", reason_code: str | None = None) -> InvigilationEvent:
    """An invigilator (or administrator) who compared photo and ID decides. Approve needs a submitted
    check-in; reject needs one and a reason the candidate reads; waive (the attempt may start without
    check-in) needs a reason from the fixed list and words, and works at any point before approval."""
    require_role(actor, *queries.STAFF_ROLES)
    sitting = queries.staff_sitting(session, actor, sitting_id)
    if not queries.is_booked(session, sitting.id, candidate_id):
        raise Conflict("This candidate has no booking in this sitting.")
    state = queries.state_of(session, sitting_id=sitting.id, candidate_id=candidate_id)
    reason = (reason or "").strip()
    if decision in (Decision.APPROVE, Decision.REJECT) and state.status is not CheckinStatus.SUBMITTED:
        raise Conflict(f"This check-in is not waiting for a decision (it is {state.status.label.lower()}).")
    if decision == Decision.WAIVE and state.status.lets_start:
        raise Conflict(f"This check-in is already {state.status.label.lower()}: there is nothing to waive.")
    payload: dict = {}
    if decision == Decision.APPROVE:
        kind = LogKind.CHECKIN_APPROVED
    elif decision == Decision.REJECT:
        if not reason:
            raise ValidationFailed("Give a reason", [FieldProblem(
                "reason", "Say why the check-in is not approved: the candidate reads this and tries again")])
        kind = LogKind.CHECKIN_REJECTED
    elif decision == Decision.WAIVE:
        problems = []
        try:
            code = ActionReason(reason_code or "")
        except ValueError:
            problems.append(FieldProblem("reason_code", "Choose the reason for the waiver from the list"))
        if not reason:
            problems.append(FieldProblem("reason", "Say why the check-in is waived: it is kept with the log"))
        if problems:
            raise ValidationFailed("Give a reason", problems)
        kind, payload = LogKind.CHECKIN_WAIVED, {"reason_code": code.value}
    else:
        raise ValidationFailed("Unknown decision", [FieldProblem("decision", "Choose approve, reject or waive")])
    if len(reason) > 2000:
        raise ValidationFailed("Too long", [FieldProblem("reason", "Keep the reason to 2,000 characters")])
    invigilation = log.invigilation_for(session, sitting_id=sitting.id, candidate_id=candidate_id, now=now)
    row = log.append(session, invigilation_id=invigilation.id, kind=kind, now=now, actor_id=actor.user_id,
                     reason=reason, payload=payload)
    audit.record(session, actor=actor, action=f"invigilation.checkin_{kind.value.removeprefix('checkin_')}",
                 target_type="invigilation", target_id=invigilation.id,
                 after={"candidate_id": candidate_id, "reason": reason, **payload}, now=now)
    return row
