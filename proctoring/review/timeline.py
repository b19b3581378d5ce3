"""One timeline per attempt (pure): delivery's attempt events and saves, the invigilation log, the
flags, their reviews and the outcomes, joined into one ordered list of entries that a reviewer, an
examiner and an appeal panel read.

The input is plain records (the queries build them from the tables, with people's names already
looked up); the output is ``Entry`` rows in time order. Heartbeats are not listed one by one: a run
of heartbeats no further apart than ``gap_after_s`` (two heartbeat intervals, the live dashboard's
"lost" threshold) becomes one "connected from … to …" span, and the time between two spans is a
"no heartbeat" gap. Saves say when and which question number, never the answer.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from proctoring.rules import ActionReason, FlagDecision, FlagKind, LogKind, Outcome, Severity

LONDON = ZoneInfo("Europe/London")

CATEGORIES: dict[str, str] = {
    "attempt": "The attempt (start, pauses, breaks, time added, end)",
    "answers": "Answers saved",
    "checkin": "Consent and check-in",
    "connection": "Connection",
    "browser": "Browser events",
    "camera": "Camera, snapshots and faces counted",
    "messages": "Messages",
    "actions": "Invigilators' actions",
    "flags": "Flags",
    "review": "Review decisions and outcomes",
    "records": "Evidence opened or deleted",
}
"""The filters of the timeline, in the order the page offers them."""
CATEGORY_SHORT = {"attempt": "Attempt", "answers": "Answers", "checkin": "Check-in", "connection": "Connection",
                  "browser": "Browser", "camera": "Camera", "messages": "Messages", "actions": "Invigilator",
                  "flags": "Flag", "review": "Review", "records": "Evidence"}

FLAG_WORDS = {
    FlagKind.NO_FACE: "No face seen",
    FlagKind.SEVERAL_FACES: "More than one face seen",
    FlagKind.CAMERA_DARK: "Camera covered or too dark",
    FlagKind.CAMERA_ENDED: "Camera stopped",
    FlagKind.TAB_HIDDEN: "Away from the exam's tab",
    FlagKind.FOCUS_LOST: "Repeated loss of focus",
    FlagKind.CONNECTION_LOST: "Connection lost",
    FlagKind.HEARTBEAT_MISSING: "Heartbeats missing",
    FlagKind.COPY_PASTE: "Copy, cut or paste",
    FlagKind.FULLSCREEN_EXIT: "Left full screen",
    FlagKind.SECOND_SCREEN: "A second screen",
}
SEVERITY_WORDS = {Severity.LOW: "low", Severity.MEDIUM: "medium", Severity.HIGH: "high"}
DECISION_WORDS = {FlagDecision.CONFIRMED: "Confirmed", FlagDecision.DISMISSED: "Dismissed"}

_BROWSER_WORDS = {
    LogKind.TAB_HIDDEN: "The exam's tab was hidden",
    LogKind.TAB_VISIBLE: "The exam's tab was shown again",
    LogKind.WINDOW_BLUR: "The exam window lost focus",
    LogKind.WINDOW_FOCUS: "The exam window had focus again",
    LogKind.FULLSCREEN_EXIT: "Full screen was left",
    LogKind.COPY: "Copy", LogKind.CUT: "Cut", LogKind.PASTE: "Paste",
    LogKind.PRINT: "Printing was attempted",
    LogKind.CONTEXT_MENU: "The context menu was opened",
    LogKind.DEVTOOLS_OPEN: "The browser's developer tools seemed open",
    LogKind.SECOND_SCREEN: "The browser reported a second screen",
}
_CHECKIN_WORDS = {
    LogKind.CONSENT_GIVEN: "Consent to invigilation given",
    LogKind.CONSENT_WITHDRAWN: "Consent to invigilation withdrawn",
    LogKind.CHECKIN_PHOTO: "Check-in: photo of the candidate",
    LogKind.CHECKIN_ID_PHOTO: "Check-in: photo of the ID",
    LogKind.CHECKIN_ROOM_SCAN: "Check-in: room scan",
    LogKind.CHECKIN_RULES_ACKNOWLEDGED: "Check-in: the rules acknowledged",
    LogKind.CHECKIN_SUBMITTED: "Check-in submitted for an ID check",
    LogKind.CHECKIN_APPROVED: "Check-in approved (ID checked by a person)",
    LogKind.CHECKIN_REJECTED: "Check-in rejected",
    LogKind.CHECKIN_WAIVED: "Check-in waived",
}
_ACTION_WORDS = {"pause": "Paused the attempt", "resume": "Resumed the attempt", "add_time": "Added time",
                 "extend_time": "Added time", "end": "Ended the attempt"}


# --- Input: plain records ---------------------------------------------------------------------------

@dataclass(frozen=True)
class AttemptEventRecord:
    """One ``attempt_events`` row; ``actor`` and ``requested_by`` are names (or "" for the system)."""

    id: int
    kind: str
    at: dt.datetime
    actor: str = ""
    reason: str = ""
    payload: dict = field(default_factory=dict)
    requested_by: str = ""  # an end by staff: who asked for it


@dataclass(frozen=True)
class StepRecord:
    """One save (``response_steps``): when, and which question number. Never the answer."""

    seq: int
    slot: int
    at: dt.datetime


@dataclass(frozen=True)
class LogRecord:
    """One row of the invigilation log."""

    id: int
    seq: int
    kind: str
    at: dt.datetime  # occurred_at
    actor: str = ""
    reason: str = ""
    payload: dict = field(default_factory=dict)
    has_media: bool = False
    media_type: str = ""


@dataclass(frozen=True)
class ReviewRecord:
    flag_id: int
    decision: str
    note: str
    reviewer: str
    at: dt.datetime


@dataclass(frozen=True)
class FlagRecord:
    id: int
    kind: str
    severity: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    evidence_ids: tuple[int, ...] = ()
    detail: str = ""
    reviews: tuple[ReviewRecord, ...] = ()  # oldest first

    @property
    def latest(self) -> ReviewRecord | None:
        return self.reviews[-1] if self.reviews else None

    @property
    def decision(self) -> FlagDecision | None:
        return FlagDecision(self.latest.decision) if self.reviews else None

    @property
    def words(self) -> str:
        return flag_words(self.kind)


@dataclass(frozen=True)
class OutcomeRecord:
    id: int
    outcome: str
    reasons: str
    reviewer: str
    at: dt.datetime

    @property
    def label(self) -> str:
        return Outcome(self.outcome).label


# --- Output ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    category: str
    kind: str
    title: str
    detail: str = ""
    actor: str = ""
    reason: str = ""
    anchor: str = ""
    ends_at: dt.datetime | None = None
    covers: tuple[int, ...] = ()  # the log rows this entry stands for (a span covers many heartbeats)
    media_event_id: int | None = None  # a log row whose file the page links (an image: a thumbnail)
    is_image: bool = False
    flag_id: int | None = None
    evidence_ids: tuple[int, ...] = ()


def flag_words(kind: str) -> str:
    try:
        return FLAG_WORDS[FlagKind(kind)]
    except ValueError:
        return kind.replace("_", " ").capitalize()


def duration_words(seconds: float) -> str:
    """``42 s``, ``3 min 10 s``, ``1 h 5 min``: durations as a reviewer reads them."""
    total = max(0, int(math.floor(seconds + 0.5)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def london_time(when: dt.datetime | None) -> str:
    """A UTC instant in Europe/London to the second, e.g. ``23 November 2026, 10:03:07``."""
    if when is None:
        return ""
    local = when.astimezone(LONDON)
    return f"{local.day} {local:%B %Y, %H:%M:%S}"


def london_span(start: dt.datetime, end: dt.datetime | None) -> str:
    """``22 October 2026, 10:45:00 to 10:45:48``: the date once when both ends fall on the same day."""
    if end is None or end == start:
        return london_time(start)
    if start.astimezone(LONDON).date() == end.astimezone(LONDON).date():
        return f"{london_time(start)} to {end.astimezone(LONDON):%H:%M:%S}"
    return f"{london_time(start)} to {london_time(end)}"


def _reason_label(code: str | None) -> str:
    if not code:
        return ""
    try:
        return ActionReason(code).label
    except ValueError:
        return code


def _attempt_entry(event: AttemptEventRecord) -> Entry:
    payload = event.payload or {}
    kind, detail = event.kind, ""
    if kind == "started":
        title = "Attempt started"
        if payload.get("extra_time_pct"):
            detail = f"With {payload['extra_time_pct']} % extra time (an approved adjustment)."
    elif kind == "device_claimed":
        title = "The exam moved to another window or device" if payload.get("previous") else \
            "The exam was opened on a device"
    elif kind == "paused":
        title = "Attempt paused by staff (the clock stopped)"
    elif kind == "resumed":
        title = "Attempt resumed (the clock restarted)"
    elif kind == "time_extended":
        title = f"Time added: {duration_words(int(payload.get('seconds', 0)))}"
    elif kind == "break_started":
        title = "Rest break started (the clock stopped)"
    elif kind == "break_ended":
        title = "Rest break ended"
    elif kind == "stale_save_rejected":
        title = "A save from an out-of-date page was refused"
    elif kind == "late_response_rejected":
        title = "A save after the end was refused (and recorded)"
        if payload.get("slot"):
            detail = f"Question {payload['slot']}."
    elif kind == "submitted" and payload.get("ended_by_staff"):
        title = "Attempt ended by staff (answers saved so far stand)"
        detail = (f"Asked for by {event.requested_by or 'an invigilator'}; confirmed by "
                  f"{event.actor or 'a second person'}.")
    elif kind == "submitted":
        title = "Submitted by the candidate"
    elif kind == "auto_submitted":
        title = "Time ran out: the attempt closed"
    elif kind == "voided":
        title = "Attempt voided"
    else:
        title = kind.replace("_", " ").capitalize()
    actor = "" if kind in ("started", "device_claimed", "submitted", "break_started", "break_ended") and \
        not payload.get("ended_by_staff") else event.actor
    return Entry(event.at, "attempt", kind, title, detail=detail, actor=actor, reason=event.reason,
                 anchor=f"attempt-event-{event.id}")


def _log_entry(row: LogRecord, *, tab_back: dict[int, dt.datetime], snapshots: dict[int, LogRecord],
               messages: dict[int, LogRecord]) -> Entry | None:
    kind = LogKind(row.kind)
    payload = row.payload or {}
    common = {"actor": row.actor, "reason": row.reason, "anchor": f"log-{row.id}", "covers": (row.id,)}
    media = {"media_event_id": row.id if row.has_media else None,
             "is_image": row.has_media and (row.media_type or "").startswith("image/")}
    if kind in _CHECKIN_WORDS:
        return Entry(row.at, "checkin", kind.value, _CHECKIN_WORDS[kind], **common, **media)
    if kind in _BROWSER_WORDS:
        detail = ""
        if kind is LogKind.TAB_HIDDEN and row.id in tab_back:
            detail = f"Back after {duration_words((tab_back[row.id] - row.at).total_seconds())}."
        elif kind is LogKind.TAB_HIDDEN:
            detail = "No return to the tab was recorded after this."
        return Entry(row.at, "browser", kind.value, _BROWSER_WORDS[kind], detail=detail, **common)
    if kind is LogKind.SNAPSHOT:
        return Entry(row.at, "camera", kind.value, "Webcam snapshot", **common, **media)
    if kind is LogKind.RECORDING_CHUNK:
        return Entry(row.at, "camera", kind.value, "Recorded clip", **common, **media)
    if kind is LogKind.CAMERA_ENDED:
        return Entry(row.at, "camera", kind.value, "The camera stopped sending pictures", **common)
    if kind is LogKind.FACES_COUNTED:
        faces = payload.get("faces")
        words = {0: "no face", 1: "one face"}.get(faces, f"{faces} faces" if faces is not None else "not readable")
        snapshot = snapshots.get(payload.get("snapshot_event_id"))
        detail = f"On the snapshot of {london_time(snapshot.at)}." if snapshot else ""
        if payload.get("is_dark"):
            detail = (detail + " The picture was too dark to see.").strip()
        if payload.get("is_uniform"):
            detail = (detail + " The picture was nearly uniform (camera covered?).").strip()
        return Entry(row.at, "camera", kind.value, f"Faces counted by the server: {words}", detail=detail, **common)
    if kind is LogKind.NETWORK_OFFLINE:
        return Entry(row.at, "connection", kind.value, "The browser went offline", **common)
    if kind is LogKind.NETWORK_ONLINE:
        return Entry(row.at, "connection", kind.value, "The browser was back online", **common)
    if kind is LogKind.PAGE_CLOSING:
        return Entry(row.at, "connection", kind.value, "The exam page was closed or left", **common)
    if kind is LogKind.STORED_UNREADABLE:
        what = "snapshots" if payload.get("queue") == "snapshots" else "events"
        return Entry(row.at, "browser", kind.value, "Unsent invigilation records on this device could not be opened",
                     detail=f"Kept on the device but not readable ({what}): damaged, or altered outside the exam "
                            "page. What they held is not in this log.", **common)
    if kind is LogKind.MESSAGE_SENT:
        return Entry(row.at, "messages", kind.value, "Message to the candidate", detail=str(payload.get("text", "")),
                     **common)
    if kind is LogKind.MESSAGE_ACKNOWLEDGED:
        sent = messages.get(payload.get("message_event_id"))
        detail = f"The message of {london_time(sent.at)}." if sent else ""
        return Entry(row.at, "messages", kind.value, "The candidate acknowledged a message", detail=detail, **common)
    if kind is LogKind.ACTION_TAKEN:
        action = str(payload.get("action", ""))
        title = _ACTION_WORDS.get(action, f"Action: {action.replace('_', ' ')}")
        if payload.get("seconds"):
            title += f": {duration_words(int(payload['seconds']))}"
        elif payload.get("minutes"):
            title += f": {duration_words(int(payload['minutes']) * 60)}"
        return Entry(row.at, "actions", kind.value, title, detail=_reason_label(payload.get("reason_code")), **common)
    if kind is LogKind.END_REQUESTED:
        return Entry(row.at, "actions", kind.value, "Asked for the attempt to be ended (needs a second person)",
                     detail=_reason_label(payload.get("reason_code")), **common)
    if kind is LogKind.END_CONFIRMED:
        return Entry(row.at, "actions", kind.value, "Confirmed the request to end the attempt", **common)
    if kind is LogKind.END_CANCELLED:
        return Entry(row.at, "actions", kind.value, "Cancelled the request to end the attempt", **common)
    if kind is LogKind.EVIDENCE_VIEWED:
        seq = payload.get("seq")
        return Entry(row.at, "records", kind.value, "Evidence opened",
                     detail=f"Row {seq} of the log." if seq else "", **common)
    if kind is LogKind.MEDIA_PURGED:
        keys = payload.get("keys") or []
        return Entry(row.at, "records", kind.value, "Evidence files deleted under the retention schedule",
                     detail=f"{len(keys)} file{'' if len(keys) == 1 else 's'}." if keys else "", **common)
    return None  # heartbeats are collapsed elsewhere


def heartbeat_spans(beats: Sequence[LogRecord], gap_after_s: float) -> list[Entry]:
    """Heartbeats as "connected from … to …" spans and the gaps between them. Two heartbeats more
    than ``gap_after_s`` apart end one span and start the next, with a gap entry between."""
    if gap_after_s <= 0:
        raise ValueError("the gap threshold must be positive")
    ordered = sorted(beats, key=lambda b: (b.at, b.seq))
    runs: list[list[LogRecord]] = []
    for beat in ordered:
        if runs and (beat.at - runs[-1][-1].at).total_seconds() <= gap_after_s:
            runs[-1].append(beat)
        else:
            runs.append([beat])
    entries: list[Entry] = []
    for index, run in enumerate(runs):
        first, last = run[0], run[-1]
        if index:
            previous = runs[index - 1][-1]
            entries.append(Entry(previous.at, "connection", "heartbeat_gap",
                                 f"No heartbeat for {duration_words((first.at - previous.at).total_seconds())}",
                                 detail=f"From {london_time(previous.at)} to {london_time(first.at)}.",
                                 anchor=f"gap-{previous.id}", ends_at=first.at))
        count = len(run)
        entries.append(Entry(first.at, "connection", "connected",
                             f"Connected (heartbeats) for {duration_words((last.at - first.at).total_seconds())}"
                             if count > 1 else "Connected (one heartbeat)",
                             detail=f"From {london_time(first.at)} to {london_time(last.at)}: "
                                    f"{count} heartbeat{'' if count == 1 else 's'}.",
                             anchor=f"log-{first.id}", ends_at=last.at, covers=tuple(b.id for b in run)))
    return entries


def build_timeline(*, events: Iterable[AttemptEventRecord] = (), steps: Iterable[StepRecord] = (),
                   log: Iterable[LogRecord] = (), flags: Iterable[FlagRecord] = (),
                   outcomes: Iterable[OutcomeRecord] = (), heartbeat_interval_s: float = 15) -> list[Entry]:
    """Every entry of an attempt's timeline, oldest first (ties keep the order of the sources:
    delivery, the log, flags, reviews, outcomes)."""
    log = list(log)
    beats = [r for r in log if r.kind == LogKind.HEARTBEAT]
    snapshots = {r.id: r for r in log if r.kind == LogKind.SNAPSHOT}
    messages = {r.id: r for r in log if r.kind == LogKind.MESSAGE_SENT}
    tab_back: dict[int, dt.datetime] = {}
    hidden: LogRecord | None = None
    for row in sorted(log, key=lambda r: (r.at, r.seq)):
        if row.kind == LogKind.TAB_HIDDEN and hidden is None:
            hidden = row
        elif row.kind == LogKind.TAB_VISIBLE and hidden is not None:
            tab_back[hidden.id] = row.at
            hidden = None
    entries: list[Entry] = [_attempt_entry(e) for e in events]
    entries += [Entry(s.at, "answers", "saved", f"Answer saved to question {s.slot}", anchor=f"step-{s.seq}")
                for s in steps]
    entries += [entry for row in log if row.kind != LogKind.HEARTBEAT
                if (entry := _log_entry(row, tab_back=tab_back, snapshots=snapshots, messages=messages)) is not None]
    entries += heartbeat_spans(beats, 2 * heartbeat_interval_s) if beats else []
    for flag in flags:
        decided = DECISION_WORDS[flag.decision] if flag.decision else "Not yet decided"
        entries.append(Entry(flag.starts_at, "flags", flag.kind,
                             f"Flag: {flag.words} ({SEVERITY_WORDS.get(flag.severity, flag.severity)} severity)",
                             detail=flag.detail, anchor=f"flag-{flag.id}", ends_at=flag.ends_at, flag_id=flag.id,
                             evidence_ids=tuple(flag.evidence_ids), reason=decided))
        entries += [Entry(r.at, "review", f"flag_{r.decision}",
                          f"{DECISION_WORDS[FlagDecision(r.decision)]} the flag “{flag.words}”",
                          detail=r.note, actor=r.reviewer, anchor=f"flag-review-{flag.id}-{n}", flag_id=flag.id)
                    for n, r in enumerate(flag.reviews, start=1)]
    entries += [Entry(o.at, "review", "outcome", f"Outcome recorded: {o.label}", detail=o.reasons, actor=o.reviewer,
                      anchor=f"outcome-{o.id}") for o in outcomes]
    return sorted(entries, key=lambda e: e.at)  # stable: equal times keep the sources' order


def select_categories(entries: Sequence[Entry], categories: Iterable[str] | None) -> list[Entry]:
    """Only the entries of the chosen categories (none chosen, or only unknown ones: all of them)."""
    chosen = {c for c in (categories or ()) if c in CATEGORIES}
    return [e for e in entries if not chosen or e.category in chosen]


def category_counts(entries: Sequence[Entry]) -> dict[str, int]:
    counts = dict.fromkeys(CATEGORIES, 0)
    for entry in entries:
        counts[entry.category] = counts.get(entry.category, 0) + 1
    return counts


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    number: int
    pages: int
    total: int
    first: int  # 1-based position of the first entry shown (0 when there are none)


def paginate(entries: Sequence[Entry], number: int, per_page: int) -> Page:
    """One page of entries; a page number outside the range shows the nearest page."""
    if per_page < 1:
        raise ValueError("a page holds at least one entry")
    pages = max(1, math.ceil(len(entries) / per_page))
    number = min(max(1, number), pages)
    start = (number - 1) * per_page
    shown = list(entries[start:start + per_page])
    return Page(shown, number, pages, len(entries), start + 1 if shown else 0)


def locate(entries: Sequence[Entry], per_page: int) -> dict[int, tuple[int, str]]:
    """Log row id → (the page it is on, the anchor of the entry that stands for it), so a flag's
    evidence links land on the right entry even when heartbeats were folded into a span."""
    found: dict[int, tuple[int, str]] = {}
    for index, entry in enumerate(entries):
        for row_id in entry.covers:
            found.setdefault(row_id, (index // per_page + 1, entry.anchor))
    return found
