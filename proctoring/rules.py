"""The words of remote invigilation (pure): what the invigilation log records, the flags the policy
raises, what a reviewer decides and the reasons staff may give. Stored as strings under named CHECKs;
a new value needs a migration."""
from __future__ import annotations

import enum


class LogKind(enum.StrEnum):
    """One row of an invigilation's hash-chained log (``invigilation_events.kind``)."""

    # Before the day and check-in (the candidate, then a person who checks the ID)
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CHECKIN_PHOTO = "checkin_photo"              # media: the candidate's face
    CHECKIN_ID_PHOTO = "checkin_id_photo"        # media: their photo ID
    CHECKIN_ROOM_SCAN = "checkin_room_scan"      # media: one frame (or clip) of the room scan
    CHECKIN_RULES_ACKNOWLEDGED = "checkin_rules_acknowledged"
    CHECKIN_SUBMITTED = "checkin_submitted"
    CHECKIN_APPROVED = "checkin_approved"        # actor: the person who compared photo and ID
    CHECKIN_REJECTED = "checkin_rejected"        # actor, reason: the candidate may try again
    CHECKIN_WAIVED = "checkin_waived"            # actor, reason: start allowed without check-in
    # Telemetry from the player (client_event_id set, occurred_at the client's, received_at ours)
    SNAPSHOT = "snapshot"                        # media: a webcam JPEG
    RECORDING_CHUNK = "recording_chunk"          # media: a MediaRecorder chunk
    HEARTBEAT = "heartbeat"
    TAB_HIDDEN = "tab_hidden"
    TAB_VISIBLE = "tab_visible"
    WINDOW_BLUR = "window_blur"
    WINDOW_FOCUS = "window_focus"
    FULLSCREEN_EXIT = "fullscreen_exit"
    COPY = "copy"
    CUT = "cut"
    PASTE = "paste"
    PRINT = "print"
    CONTEXT_MENU = "context_menu"
    DEVTOOLS_OPEN = "devtools_open"
    SECOND_SCREEN = "second_screen"
    NETWORK_OFFLINE = "network_offline"
    NETWORK_ONLINE = "network_online"
    CAMERA_ENDED = "camera_ended"
    PAGE_CLOSING = "page_closing"                # pagehide/unload: the candidate left the page
    STORED_UNREADABLE = "stored_unreadable"      # the page found sealed records on this device it could
                                                 # not open (damaged or altered); data: queue
    # The server's own analysis of what arrived
    FACES_COUNTED = "faces_counted"              # payload: snapshot_event_id, faces, brightness, ...
    # People during the attempt (actor set)
    MESSAGE_SENT = "message_sent"                # payload: message_id (the event's own id is used), text
    MESSAGE_ACKNOWLEDGED = "message_acknowledged"  # the candidate; payload: message_event_id
    ACTION_TAKEN = "action_taken"                # pause/resume/add time/end: payload action, reason_code
    END_REQUESTED = "end_requested"              # payload: reason_code; needs a second person
    END_CONFIRMED = "end_confirmed"              # payload: request_event_id
    END_CANCELLED = "end_cancelled"              # payload: request_event_id
    EVIDENCE_VIEWED = "evidence_viewed"          # who opened which media (also audited)
    # Retention
    MEDIA_PURGED = "media_purged"                # payload: the keys and SHA-256s deleted, never content


TELEMETRY_KINDS = frozenset({
    LogKind.SNAPSHOT, LogKind.RECORDING_CHUNK, LogKind.HEARTBEAT, LogKind.TAB_HIDDEN, LogKind.TAB_VISIBLE,
    LogKind.WINDOW_BLUR, LogKind.WINDOW_FOCUS, LogKind.FULLSCREEN_EXIT, LogKind.COPY, LogKind.CUT, LogKind.PASTE,
    LogKind.PRINT, LogKind.CONTEXT_MENU, LogKind.DEVTOOLS_OPEN, LogKind.SECOND_SCREEN, LogKind.NETWORK_OFFLINE,
    LogKind.NETWORK_ONLINE, LogKind.CAMERA_ENDED, LogKind.PAGE_CLOSING, LogKind.STORED_UNREADABLE})
"""What the player may send (the ingest API refuses any other kind from a browser)."""

MEDIA_KINDS = frozenset({LogKind.CHECKIN_PHOTO, LogKind.CHECKIN_ID_PHOTO, LogKind.CHECKIN_ROOM_SCAN,
                         LogKind.SNAPSHOT, LogKind.RECORDING_CHUNK})
"""Rows whose evidence is a file in the media store (``media_key``/``media_sha256`` set)."""


class FlagKind(enum.StrEnum):
    """What the automated policy may notice (``policy.py``). A flag is evidence, never a decision."""

    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    CAMERA_DARK = "camera_dark"                  # covered or too dark to see
    CAMERA_ENDED = "camera_ended"
    TAB_HIDDEN = "tab_hidden"                    # a long spell away from the exam's tab
    FOCUS_LOST = "focus_lost"                    # repeated focus loss
    CONNECTION_LOST = "connection_lost"
    HEARTBEAT_MISSING = "heartbeat_missing"
    COPY_PASTE = "copy_paste"
    FULLSCREEN_EXIT = "fullscreen_exit"
    SECOND_SCREEN = "second_screen"


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class FlagDecision(enum.StrEnum):
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class Outcome(enum.StrEnum):
    """A reviewer's outcome for one invigilation. Withholding or voiding a result is then an
    examiner's decision (the results board lists the last two)."""

    NO_CONCERN = "no_concern"
    CONCERN_NOTED = "concern_noted"
    WITHHELD_PENDING_EXAMINER = "withheld_pending_examiner"
    REFER_FOR_MISCONDUCT = "refer_for_misconduct"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]

    @property
    def awaits_examiner(self) -> bool:
        return self in (Outcome.WITHHELD_PENDING_EXAMINER, Outcome.REFER_FOR_MISCONDUCT)


OUTCOME_LABELS = {
    Outcome.NO_CONCERN: "No concern",
    Outcome.CONCERN_NOTED: "Concern noted",
    Outcome.WITHHELD_PENDING_EXAMINER: "Result withheld pending an examiner's decision",
    Outcome.REFER_FOR_MISCONDUCT: "Refer for misconduct",
}


class ActionReason(enum.StrEnum):
    """The fixed list every invigilator action is given from (with free text beside it)."""

    TECHNICAL_PROBLEM = "technical_problem"
    CANDIDATE_UNWELL = "candidate_unwell"
    CANDIDATE_REQUEST = "candidate_request"
    SUSPECTED_MISCONDUCT = "suspected_misconduct"
    IDENTITY_CONCERN = "identity_concern"
    ENVIRONMENT_CONCERN = "environment_concern"
    ADJUSTMENT = "adjustment"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ACTION_REASON_LABELS[self]


ACTION_REASON_LABELS = {
    ActionReason.TECHNICAL_PROBLEM: "Technical problem",
    ActionReason.CANDIDATE_UNWELL: "Candidate unwell",
    ActionReason.CANDIDATE_REQUEST: "At the candidate's request",
    ActionReason.SUSPECTED_MISCONDUCT: "Suspected misconduct",
    ActionReason.IDENTITY_CONCERN: "Concern about identity",
    ActionReason.ENVIRONMENT_CONCERN: "Concern about the room or surroundings",
    ActionReason.ADJUSTMENT: "A reasonable adjustment",
    ActionReason.OTHER: "Other (say in the text)",
}
