"""Where a candidate's check-in stands, folded from their invigilation log (pure).

The rule everyone relies on: among the log's CHECKIN_SUBMITTED / APPROVED / REJECTED / WAIVED rows,
the latest decides. APPROVED or WAIVED lets the attempt start. After a rejection the candidate does
the steps again: only rows after the latest rejection count towards the new check-in."""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from proctoring.rules import LogKind

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
"""The largest photo or room-scan frame accepted (2 MB)."""
ROOM_SCAN_FRAMES = 3
"""Frames a room scan needs (3–4 snapshots a few seconds apart while the camera turns)."""
MAX_ROOM_SCAN_FRAMES = 6

DECISION_KINDS = frozenset({LogKind.CHECKIN_SUBMITTED, LogKind.CHECKIN_APPROVED, LogKind.CHECKIN_REJECTED,
                            LogKind.CHECKIN_WAIVED})
CONSENT_KINDS = frozenset({LogKind.CONSENT_GIVEN, LogKind.CONSENT_WITHDRAWN})
STEP_KINDS = frozenset({LogKind.CHECKIN_PHOTO, LogKind.CHECKIN_ID_PHOTO, LogKind.CHECKIN_ROOM_SCAN,
                        LogKind.CHECKIN_RULES_ACKNOWLEDGED})
CHECKIN_KINDS = DECISION_KINDS | CONSENT_KINDS | STEP_KINDS


class Step(enum.StrEnum):
    """The steps that take a picture; each may instead be marked "I need help with this step"."""

    PHOTO = "photo"
    ID_PHOTO = "id_photo"
    ROOM_SCAN = "room_scan"

    @property
    def kind(self) -> LogKind:
        return {Step.PHOTO: LogKind.CHECKIN_PHOTO, Step.ID_PHOTO: LogKind.CHECKIN_ID_PHOTO,
                Step.ROOM_SCAN: LogKind.CHECKIN_ROOM_SCAN}[self]

    @property
    def label(self) -> str:
        return {Step.PHOTO: "A photo of you", Step.ID_PHOTO: "A photo of your photo ID",
                Step.ROOM_SCAN: "A scan of the room"}[self]


class CheckinStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WAIVED = "waived"

    @property
    def label(self) -> str:
        return {CheckinStatus.NOT_STARTED: "Not started", CheckinStatus.IN_PROGRESS: "In progress",
                CheckinStatus.SUBMITTED: "Submitted: waiting for an invigilator",
                CheckinStatus.APPROVED: "Approved", CheckinStatus.REJECTED: "Not approved: please try again",
                CheckinStatus.WAIVED: "Not needed (waived by an invigilator)"}[self]

    @property
    def lets_start(self) -> bool:
        return self in (CheckinStatus.APPROVED, CheckinStatus.WAIVED)

    @property
    def is_editable(self) -> bool:
        """The candidate may still add or replace photos."""
        return self in (CheckinStatus.NOT_STARTED, CheckinStatus.IN_PROGRESS, CheckinStatus.REJECTED)


@dataclass(frozen=True)
class Entry:
    """What the fold needs of one log row."""

    id: int
    kind: str
    at: dt.datetime
    reason: str = ""
    payload: dict = field(default_factory=dict)
    has_media: bool = False


@dataclass(frozen=True)
class CheckinState:
    status: CheckinStatus = CheckinStatus.NOT_STARTED
    consent: bool | None = None              # None: never asked; False: withdrawn
    consent_at: dt.datetime | None = None
    photo_id: int | None = None              # the latest photo's row id (this round)
    id_photo_id: int | None = None
    room_scan_ids: tuple[int, ...] = ()
    rules_acknowledged: bool = False
    help_steps: tuple[Step, ...] = ()        # steps the candidate asked help with (this round)
    help_notes: tuple[str, ...] = ()
    submitted_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    decided_by_row: int | None = None
    rejection_reason: str = ""               # the latest rejection's, for the candidate
    waiver_reason: str = ""

    @property
    def needs_help(self) -> bool:
        return bool(self.help_steps)

    def step_done(self, step: Step) -> bool:
        if step in self.help_steps:
            return True
        if step is Step.PHOTO:
            return self.photo_id is not None
        if step is Step.ID_PHOTO:
            return self.id_photo_id is not None
        return len(self.room_scan_ids) >= ROOM_SCAN_FRAMES

    def missing(self) -> list[tuple[str, str]]:
        """What is still missing before submitting: (field, sentence) pairs."""
        out = [(step.value, f"{step.label}: take it, upload it, or say you need help with this step")
               for step in Step if not self.step_done(step)]
        if not self.rules_acknowledged:
            out.append(("rules", "Confirm that you have read the rules of the exam"))
        return out


def fold(entries: Iterable[Entry]) -> CheckinState:
    """Fold a candidate's log rows (in order) into where their check-in stands."""
    status = CheckinStatus.NOT_STARTED
    consent: bool | None = None
    consent_at = None
    photo = id_photo = None
    scans: list[int] = []
    rules = False
    help_steps: list[Step] = []
    help_notes: list[str] = []
    submitted_at = decided_at = None
    decided_row = None
    rejection = waiver = ""

    def reset_round() -> None:
        nonlocal photo, id_photo, rules
        photo = id_photo = None
        rules = False
        scans.clear()
        help_steps.clear()
        help_notes.clear()

    for entry in entries:
        kind = LogKind(entry.kind)
        if kind is LogKind.CONSENT_GIVEN:
            consent, consent_at = True, entry.at
        elif kind is LogKind.CONSENT_WITHDRAWN:
            consent, consent_at = False, entry.at
        elif kind in (LogKind.CHECKIN_PHOTO, LogKind.CHECKIN_ID_PHOTO, LogKind.CHECKIN_ROOM_SCAN):
            step = {LogKind.CHECKIN_PHOTO: Step.PHOTO, LogKind.CHECKIN_ID_PHOTO: Step.ID_PHOTO,
                    LogKind.CHECKIN_ROOM_SCAN: Step.ROOM_SCAN}[kind]
            if entry.payload.get("needs_help"):
                if step not in help_steps:
                    help_steps.append(step)
                    help_notes.append(str(entry.payload.get("note", "")))
            elif entry.has_media:
                if step is Step.PHOTO:
                    photo = entry.id
                elif step is Step.ID_PHOTO:
                    id_photo = entry.id
                else:
                    scans.append(entry.id)
            if status in (CheckinStatus.NOT_STARTED, CheckinStatus.REJECTED):
                status = CheckinStatus.IN_PROGRESS
        elif kind is LogKind.CHECKIN_RULES_ACKNOWLEDGED:
            rules = True
            if status in (CheckinStatus.NOT_STARTED, CheckinStatus.REJECTED):
                status = CheckinStatus.IN_PROGRESS
        elif kind is LogKind.CHECKIN_SUBMITTED:
            status, submitted_at = CheckinStatus.SUBMITTED, entry.at
        elif kind is LogKind.CHECKIN_APPROVED:
            status, decided_at, decided_row = CheckinStatus.APPROVED, entry.at, entry.id
        elif kind is LogKind.CHECKIN_WAIVED:
            status, decided_at, decided_row, waiver = CheckinStatus.WAIVED, entry.at, entry.id, entry.reason
        elif kind is LogKind.CHECKIN_REJECTED:
            status, decided_at, decided_row, rejection = CheckinStatus.REJECTED, entry.at, entry.id, entry.reason
            submitted_at = None
            reset_round()
    return CheckinState(status=status, consent=consent, consent_at=consent_at, photo_id=photo, id_photo_id=id_photo,
                        room_scan_ids=tuple(scans), rules_acknowledged=rules, help_steps=tuple(help_steps),
                        help_notes=tuple(help_notes), submitted_at=submitted_at, decided_at=decided_at,
                        decided_by_row=decided_row, rejection_reason=rejection, waiver_reason=waiver)


def start_refusal(state: CheckinState) -> str | None:
    """The sentence a candidate reads when an invigilated exam may not start yet (None: it may)."""
    if state.consent is False and state.status is not CheckinStatus.WAIVED:
        return ("You have withdrawn your consent to remote invigilation, so this exam cannot start here. "
                "Give your consent again on the privacy notice page, or contact the exams team to arrange "
                "an in-person or adjusted sitting.")
    if state.status.lets_start:
        return None
    if state.status is CheckinStatus.SUBMITTED:
        return ("Your identity and room check is waiting for an invigilator. You can start the exam as soon as "
                "it is approved: keep this page open and try again in a few minutes.")
    if state.status is CheckinStatus.REJECTED:
        return ("Your identity and room check was not approved, so you need to do it again before you start: "
                + (state.rejection_reason.rstrip(".") + "." if state.rejection_reason else "see the check-in page."))
    if state.consent is None:
        return ("This exam is invigilated remotely: read the privacy notice and give your consent, then complete "
                "the identity and room check before you start.")
    return "Complete the identity and room check before you start this exam; an invigilator then approves it."


def waiting_seconds(state: CheckinState, now: dt.datetime) -> int:
    """How long a submitted check-in has waited for a person."""
    if state.submitted_at is None:
        return 0
    return max(0, int((now - state.submitted_at).total_seconds()))

