"""The automated flags of remote invigilation (pure): what the log's rows show, as findings a person
will review. A finding is evidence, never a decision: nothing here writes an outcome.

Input: the log's rows as plain records (``LogRow``), the attempt's window (``AttemptWindow``: when it
started, when it ended, and the intervals when its clock was stopped by staff or by a rest break), the
candidate's approved adjustments (``Adjustments``) and the thresholds (``PolicySettings``). Output: a
list of ``Finding`` (kind, severity, when, the rows it rests on and what was seen, in words).

Fairness comes first, and each rule below is tested on its own:

* Only the attempt's *active time* is judged: from its start to the earliest of its end (submission,
  time out, void) and ``now``, less every interval when the clock was stopped (a staff pause, a rest
  break) and every interval after a ``page_closing`` row until the page is heard from again. No finding
  starts outside active time, and a spell is cut where active time stops (a candidate who leaves the
  camera for a rest break is not absent; heartbeats lost while the page closes after a submission are
  not a lost connection).
* A candidate who uses a screen reader gets no focus-loss, tab-hidden or fullscreen flags: assistive
  technology moves focus and windows as part of normal use.
* A candidate with approved rest (movement) breaks gets a much longer no-face threshold.
* A face reading that could not be read, or a frame too dark to see, is never "no face": darkness
  is its own flag (camera dark), and an unreadable image is no evidence either way.

Times: a client's row is placed at its ``occurred_at`` (when the browser saw it), but never later than
its ``received_at`` (nothing happened after we received it); heartbeats are judged on ``received_at``
(what the server heard, which is what "missing" means).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assessment.delivery.rules import format_duration
from proctoring.rules import FlagKind, LogKind, Severity

POLICY_VERSION = "2026.12-1"
"""Stored with every flag: a flag raised by an older version of these rules can be told apart."""


@dataclass(frozen=True)
class LogRow:
    """One row of the invigilation log, as the policy needs it."""

    id: int
    kind: str
    occurred_at: dt.datetime
    received_at: dt.datetime
    payload: Mapping = field(default_factory=dict)

    @property
    def at(self) -> dt.datetime:
        """When it happened, as far as we can tell: the client's time, capped at our receipt."""
        return min(self.occurred_at, self.received_at)


@dataclass(frozen=True)
class Interval:
    """A half-open stretch of time [starts_at, ends_at); ``ends_at`` None: still going."""

    starts_at: dt.datetime
    ends_at: dt.datetime | None
    why: str = ""  # "paused", "rest break", "page closed"

    def holds(self, moment: dt.datetime) -> bool:
        return self.starts_at <= moment and (self.ends_at is None or moment < self.ends_at)


@dataclass(frozen=True)
class AttemptWindow:
    started_at: dt.datetime
    ended_at: dt.datetime | None  # None: still in progress
    stopped: tuple[Interval, ...] = ()  # staff pauses and rest breaks (the clock stopped)


@dataclass(frozen=True)
class Adjustments:
    """The candidate's approved reasonable adjustments, as far as they shape the flags."""

    uses_screen_reader: bool = False
    rest_breaks: bool = False
    extra_time_pct: int = 0


@dataclass(frozen=True)
class PolicySettings:
    """Thresholds. Each default is a judgement, written down so that it can be argued with:

    * ``no_face_s`` 30: no face in the snapshots for longer than 30 s (with snapshots every 30 s, at
      least three consecutive empty frames): a glance away or a sneeze is never a flag.
    * ``no_face_with_rest_breaks_s`` 600: a candidate approved for movement breaks may stand, stretch
      or walk about without stopping the clock; ten minutes out of view is worth a look, less is not.
    * ``dark_s`` 30: the camera dark or covered for longer than 30 s (three dark frames).
    * ``tab_hidden_s`` 15: the exam's tab hidden for longer than 15 s (a notification is shorter).
    * ``focus_losses`` 3 within ``focus_window_s`` 300: repeated focus loss, not one stray click.
    * ``connection_lost_s`` 60: the browser said it was offline for longer than a minute.
    * ``heartbeat_interval_s`` 15 and ``heartbeat_missing_intervals`` 3: the server heard nothing for
      longer than three heartbeat intervals (45 s) of active time.
    * ``reading_gap_s`` 120: two face readings further apart than this (four snapshot intervals) do
      not make one spell: what the camera saw in between is not known (the camera-ended and
      heartbeat rules speak for gaps).
    * ``camera_off_s`` 30: the camera stream ended and no snapshot came for longer than 30 s.
    * ``cluster_s`` 60: copy/paste, fullscreen exits and second-screen reports closer together than
      this are one finding, not a flood.
    * ``high_factor`` 4: no face, a dark camera or a camera off for four times its threshold or longer
      is high severity; ``tab_hidden_high_s`` 120: a tab hidden for two minutes is high;
      ``gap_medium_s`` 300: a connection or heartbeat gap of five minutes is medium (shorter: low).
    """

    no_face_s: float = 30
    no_face_with_rest_breaks_s: float = 600
    dark_s: float = 30
    tab_hidden_s: float = 15
    focus_losses: int = 3
    focus_window_s: float = 300
    connection_lost_s: float = 60
    heartbeat_interval_s: float = 15
    heartbeat_missing_intervals: int = 3
    reading_gap_s: float = 120
    camera_off_s: float = 30
    cluster_s: float = 60
    high_factor: float = 4
    tab_hidden_high_s: float = 120
    gap_medium_s: float = 300

    @property
    def heartbeat_gap_s(self) -> float:
        return self.heartbeat_interval_s * self.heartbeat_missing_intervals


@dataclass(frozen=True)
class Finding:
    kind: FlagKind
    severity: Severity
    starts_at: dt.datetime
    ends_at: dt.datetime | None  # None: still going when analysed
    evidence_ids: tuple[int, ...]
    detail: str


_CLOCK_STOPS = {"paused": ("resumed", "paused by staff"), "break_started": ("break_ended", "rest break")}


def stopped_intervals(events: Iterable[tuple[str, dt.datetime]]) -> tuple[Interval, ...]:
    """The intervals when an attempt's clock was stopped, from its events (kind, at) in order: a staff
    pause until it is resumed, a rest break until it ends (as ``assessment.delivery.replay`` folds
    them). One still open has no end."""
    found: list[Interval] = []
    open_kind, open_at = "", None
    for kind, at in sorted(events, key=lambda e: e[1]):
        if open_at is None and kind in _CLOCK_STOPS:
            open_kind, open_at = kind, at
        elif open_at is not None and kind == _CLOCK_STOPS[open_kind][0]:
            found.append(Interval(open_at, at, _CLOCK_STOPS[open_kind][1]))
            open_kind, open_at = "", None
    if open_at is not None:
        found.append(Interval(open_at, None, _CLOCK_STOPS[open_kind][1]))
    return tuple(found)


# ---- active time ---------------------------------------------------------------------------------

_PAGE_ALIVE = {LogKind.HEARTBEAT, LogKind.SNAPSHOT, LogKind.TAB_VISIBLE, LogKind.WINDOW_FOCUS,
               LogKind.NETWORK_ONLINE, LogKind.RECORDING_CHUNK}
"""Rows that show the exam page is running again after a ``page_closing`` (a reload)."""


def _page_away(rows: Sequence[LogRow]) -> list[tuple[LogRow, LogRow | None]]:
    """Each ``page_closing`` row with the row that shows the page running again (None: never)."""
    found, closing = [], None
    for row in rows:
        if row.kind == LogKind.PAGE_CLOSING:
            closing = closing or row
        elif closing is not None and row.kind in _PAGE_ALIVE and row.at > closing.at:
            found.append((closing, row))
            closing = None
    if closing is not None:
        found.append((closing, None))
    return found


def _page_closed_intervals(rows: Sequence[LogRow]) -> list[Interval]:
    return [Interval(closing.at, back.at if back is not None else None, "page closed")
            for closing, back in _page_away(rows)]


def active_segments(window: AttemptWindow, rows: Sequence[LogRow], now: dt.datetime) -> list[Interval]:
    """The attempt's active time as disjoint half-open segments in order. The last ends at the end
    of the attempt, or at ``now`` while it is in progress (that segment's ``why`` is "now")."""
    end = min(window.ended_at, now) if window.ended_at is not None else now
    end_why = "ended" if window.ended_at is not None and window.ended_at <= now else "now"
    quiet = sorted([*window.stopped, *_page_closed_intervals(rows)], key=lambda i: i.starts_at)
    segments, cursor = [], window.started_at
    for gap in quiet:
        if cursor >= end:
            break
        if gap.starts_at > cursor:
            segments.append(Interval(cursor, min(gap.starts_at, end), gap.why if gap.starts_at < end else end_why))
        if gap.ends_at is None:
            cursor = end
            break
        cursor = max(cursor, gap.ends_at)
    if cursor < end:
        segments.append(Interval(cursor, end, end_why))
    return segments


def _segment_of(segments: Sequence[Interval], moment: dt.datetime) -> Interval | None:
    return next((s for s in segments if s.holds(moment)), None)


def _seconds(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds()


def _ends(segment: Interval, at: dt.datetime) -> dt.datetime | None:
    """The recorded end of a spell cut at ``at``: none if the cut is only 'now' (still going)."""
    return None if at == segment.ends_at and segment.why == "now" else at


# ---- spells (something lasting) -------------------------------------------------------------------

def _spell_severity(seconds: float, long_from_s: float, base: Severity, long: Severity) -> Severity:
    return long if seconds >= long_from_s else base


def _state_spells(rows: Sequence[LogRow], segments: Sequence[Interval], *, start_kind: str, end_kind: str):
    """Spells from a ``start_kind`` row to the next ``end_kind`` row, cut to active time: yields
    (start, end, recorded end, evidence ids)."""
    opened: LogRow | None = None
    pending = []
    for row in rows:
        if row.kind == start_kind and opened is None:
            opened = row
        elif row.kind == end_kind and opened is not None:
            pending.append((opened, row))
            opened = None
    if opened is not None:
        pending.append((opened, None))
    for start_row, end_row in pending:
        start, stop = start_row.at, (end_row.at if end_row is not None else None)
        for segment in segments:
            piece_start = max(start, segment.starts_at)
            piece_end = segment.ends_at if stop is None else min(stop, segment.ends_at)
            if piece_start >= piece_end:
                continue
            ids = (start_row.id,) + ((end_row.id,) if end_row is not None and end_row.at <= segment.ends_at else ())
            yield piece_start, piece_end, (piece_end if stop is not None and stop <= segment.ends_at
                                           else _ends(segment, piece_end)), ids


def _reading_spells(readings: Sequence[LogRow], segments: Sequence[Interval], matches, settings: PolicySettings):
    """Runs of consecutive face readings that match, never across a break in active time nor across
    a gap between readings longer than ``reading_gap_s`` (what happened then is not known): yields
    the rows of each run (at least one)."""
    run: list[LogRow] = []
    run_segment = None
    for row in readings:
        segment = _segment_of(segments, row.at)
        if segment is None:
            continue  # a reading outside active time counts for nothing, and does not break a run
        if matches(row) and (not run or (segment is run_segment
                                         and _seconds(run[-1].at, row.at) <= settings.reading_gap_s)):
            run.append(row)
            run_segment = segment
            continue
        if run:
            yield run
        run, run_segment = ([row], segment) if matches(row) else ([], None)
    if run:
        yield run


def _evidence_of_readings(run: Sequence[LogRow]) -> tuple[int, ...]:
    ids: list[int] = []
    for row in run:
        ids.append(row.id)
        snapshot = row.payload.get("snapshot_event_id")
        if isinstance(snapshot, int):
            ids.append(snapshot)
    return tuple(ids)


def _is_readable(row: LogRow) -> bool:
    return bool(row.payload.get("readable", True))


def _is_dark(row: LogRow) -> bool:
    return _is_readable(row) and _faces(row) == 0 and bool(row.payload.get("is_dark") or row.payload.get("is_uniform"))


def _faces(row: LogRow) -> int:
    faces = row.payload.get("faces", 0)
    return faces if isinstance(faces, int) and not isinstance(faces, bool) else 0


def _no_face(rows, segments, adjustments: Adjustments, settings: PolicySettings) -> list[Finding]:
    threshold = settings.no_face_with_rest_breaks_s if adjustments.rest_breaks else settings.no_face_s
    found = []
    for run in _reading_spells(rows, segments, lambda r: _is_readable(r) and not _is_dark(r) and _faces(r) == 0,
                               settings):
        seconds = _seconds(run[0].at, run[-1].at)
        if seconds <= threshold:
            continue
        note = " (a longer threshold applies: approved rest breaks)" if adjustments.rest_breaks else ""
        found.append(Finding(
            FlagKind.NO_FACE, _spell_severity(seconds, threshold * settings.high_factor, Severity.MEDIUM, Severity.HIGH),
            run[0].at, run[-1].at, _evidence_of_readings(run),
            f"No face was seen in {len(run)} consecutive snapshots over {format_duration(seconds)}{note}."))
    return found


def _several_faces(rows, segments, settings: PolicySettings) -> list[Finding]:
    found = []
    for run in _reading_spells(rows, segments, lambda r: _is_readable(r) and _faces(r) >= 2, settings):
        most = max(_faces(r) for r in run)
        severity = Severity.HIGH if len(run) >= 2 else Severity.MEDIUM
        seen = "1 snapshot" if len(run) == 1 else f"{len(run)} consecutive snapshots"
        found.append(Finding(FlagKind.SEVERAL_FACES, severity, run[0].at, run[-1].at, _evidence_of_readings(run),
                             f"{most} faces were counted in {seen}."))
    return found


def _camera_dark(rows, segments, settings: PolicySettings) -> list[Finding]:
    found = []
    for run in _reading_spells(rows, segments, _is_dark, settings):
        seconds = _seconds(run[0].at, run[-1].at)
        if seconds <= settings.dark_s:
            continue
        covered = sum(1 for r in run if r.payload.get("is_uniform"))
        what = "dark or covered" if covered else "too dark to see"
        found.append(Finding(
            FlagKind.CAMERA_DARK, _spell_severity(seconds, settings.dark_s * settings.high_factor, Severity.MEDIUM, Severity.HIGH),
            run[0].at, run[-1].at, _evidence_of_readings(run),
            f"The camera was {what} in {len(run)} consecutive snapshots over {format_duration(seconds)}."))
    return found


def _camera_ended(rows, segments, settings: PolicySettings) -> list[Finding]:
    found = []
    for start, end, recorded_end, ids in _state_spells(rows, segments, start_kind=LogKind.CAMERA_ENDED,
                                                       end_kind=LogKind.SNAPSHOT):
        seconds = _seconds(start, end)
        if seconds <= settings.camera_off_s:
            continue
        back = (f"; snapshots resumed after {format_duration(seconds)}" if len(ids) > 1
                else f" and no snapshot came for {format_duration(seconds)} of exam time")
        found.append(Finding(
            FlagKind.CAMERA_ENDED,
            _spell_severity(seconds, settings.camera_off_s * settings.high_factor, Severity.MEDIUM, Severity.HIGH),
            start, recorded_end, ids, f"The camera stream ended{back}."))
    return found


def _tab_hidden(rows, segments, settings: PolicySettings) -> list[Finding]:
    found = []
    for start, end, recorded_end, ids in _state_spells(rows, segments, start_kind=LogKind.TAB_HIDDEN,
                                                       end_kind=LogKind.TAB_VISIBLE):
        seconds = _seconds(start, end)
        if seconds <= settings.tab_hidden_s:
            continue
        still = " (still hidden when analysed)" if recorded_end is None else ""
        found.append(Finding(
            FlagKind.TAB_HIDDEN,
            _spell_severity(seconds, settings.tab_hidden_high_s, Severity.MEDIUM, Severity.HIGH),
            start, recorded_end, ids,
            f"The exam's tab was hidden for {format_duration(seconds)}{still}."))
    return found


def _connection_lost(rows, segments, settings: PolicySettings) -> list[Finding]:
    found = []
    for start, end, recorded_end, ids in _state_spells(rows, segments, start_kind=LogKind.NETWORK_OFFLINE,
                                                       end_kind=LogKind.NETWORK_ONLINE):
        seconds = _seconds(start, end)
        if seconds <= settings.connection_lost_s:
            continue
        found.append(Finding(
            FlagKind.CONNECTION_LOST,
            _spell_severity(seconds, settings.gap_medium_s, Severity.LOW, Severity.MEDIUM),
            start, recorded_end, ids, f"The browser reported being offline for {format_duration(seconds)}."))
    return found


def _uncovered_s(a: dt.datetime, b: dt.datetime, spell) -> float:
    """How much of [a, b] lies outside the spell."""
    spell_end = spell.ends_at or b
    overlap = _seconds(max(a, spell.starts_at), min(b, spell_end))
    return _seconds(a, b) - max(0.0, overlap)


@dataclass(frozen=True)
class _Silence:
    starts_at: dt.datetime
    ends_at: dt.datetime | None


def _explained_silences(rows, segments) -> list[_Silence]:
    """Spells in which the browser itself said why heartbeats might not arrive, however short: it was
    offline (heartbeats wait in its queue), or the exam's tab was hidden (browsers slow a hidden
    page's timers to as little as once a minute). A gap such a spell explains is not also missing
    heartbeats: the offline or tab-hidden rule judges the spell, with its own threshold."""
    return [_Silence(start, recorded_end)
            for start_kind, end_kind in ((LogKind.NETWORK_OFFLINE, LogKind.NETWORK_ONLINE),
                                         (LogKind.TAB_HIDDEN, LogKind.TAB_VISIBLE))
            for start, _end, recorded_end, _ids in _state_spells(rows, segments, start_kind=start_kind,
                                                                 end_kind=end_kind)]


def _heartbeats_missing(rows, segments, settings: PolicySettings, offline: Sequence[_Silence]) -> list[Finding]:
    beats = sorted((r for r in rows if r.kind == LogKind.HEARTBEAT), key=lambda r: r.received_at)
    found = []
    for segment in segments:
        inside = [b for b in beats if segment.holds(b.received_at)]
        marks: list[tuple[dt.datetime, LogRow | None]] = [(segment.starts_at, None), *((b.received_at, b) for b in inside),
                                                          (segment.ends_at, None)]
        for (a, row_a), (b, row_b) in zip(marks, marks[1:]):
            seconds = _seconds(a, b)
            if seconds <= settings.heartbeat_gap_s:
                continue
            # A reported offline or hidden spell explains a gap it (nearly) covers.
            if any(_uncovered_s(a, b, o) <= settings.heartbeat_gap_s for o in offline):
                continue
            ids = tuple(r.id for r in (row_a, row_b) if r is not None)
            recorded_end = b if row_b is not None else _ends(segment, b)
            still = " (still none when analysed)" if recorded_end is None else ""
            found.append(Finding(
                FlagKind.HEARTBEAT_MISSING,
                _spell_severity(seconds, settings.gap_medium_s, Severity.LOW, Severity.MEDIUM),
                a, recorded_end, ids,
                f"No heartbeat reached the server for {format_duration(seconds)} "
                f"(one is sent every {format_duration(settings.heartbeat_interval_s)}){still}."))
    return found


def _stopped_s(window: AttemptWindow, a: dt.datetime, b: dt.datetime) -> float:
    """Seconds of [a, b) when the attempt's clock was stopped."""
    total = 0.0
    for stop in window.stopped:
        overlap = _seconds(max(a, stop.starts_at), min(b, stop.ends_at or b))
        total += max(0.0, overlap)
    return total


def _page_reopened(rows, window: AttemptWindow, segments, settings: PolicySettings) -> list[Finding]:
    """A page closed during the attempt and opened again later: nothing is judged while it was away
    (that time is quiet), but the absence itself is put before a reviewer once the page is back, when
    it lasted longer than the heartbeat gap in exam time (a reload takes seconds)."""
    found = []
    for closing, back in _page_away(rows):
        if back is None or _segment_of(segments, back.at) is None:
            continue
        start = max(closing.at, window.started_at)
        away = _seconds(start, back.at) - _stopped_s(window, start, back.at)
        if away <= settings.heartbeat_gap_s:
            continue
        found.append(Finding(
            FlagKind.HEARTBEAT_MISSING, _spell_severity(away, settings.gap_medium_s, Severity.LOW, Severity.MEDIUM),
            back.at, back.at, (closing.id, back.id),
            f"The exam page was closed and opened again {format_duration(away)} of exam time later; "
            f"nothing was heard from it in between."))
    return found


# ---- points (something that happened) ------------------------------------------------------------

def _clusters(rows: Sequence[LogRow], gap_s: float) -> list[list[LogRow]]:
    groups: list[list[LogRow]] = []
    for row in rows:
        if groups and _seconds(groups[-1][-1].at, row.at) <= gap_s:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def _active_points(rows, segments, kinds) -> list[LogRow]:
    return [r for r in rows if r.kind in kinds and _segment_of(segments, r.at) is not None]


def _counted(rows: Sequence[LogRow]) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        counts[str(row.kind)] = counts.get(str(row.kind), 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in counts.items())


def _copy_paste(rows, segments, settings: PolicySettings) -> list[Finding]:
    found = []
    for group in _clusters(_active_points(rows, segments, {LogKind.COPY, LogKind.CUT, LogKind.PASTE}),
                           settings.cluster_s):
        pasted = any(r.kind == LogKind.PASTE for r in group)
        found.append(Finding(FlagKind.COPY_PASTE, Severity.MEDIUM if pasted else Severity.LOW, group[0].at,
                             group[-1].at, tuple(r.id for r in group),
                             f"Clipboard use in the exam page ({_counted(group).replace('_', ' ')})"
                             + ("; text was pasted in." if pasted else "; nothing was pasted.")))
    return found


def _fullscreen_exit(rows, segments, settings: PolicySettings) -> list[Finding]:
    return [Finding(FlagKind.FULLSCREEN_EXIT, Severity.LOW, g[0].at, g[-1].at, tuple(r.id for r in g),
                    f"Full screen was left {len(g)} time{'s' if len(g) > 1 else ''}.")
            for g in _clusters(_active_points(rows, segments, {LogKind.FULLSCREEN_EXIT}), settings.cluster_s)]


def _second_screen(rows, segments, settings: PolicySettings) -> list[Finding]:
    found = []
    for group in _clusters(_active_points(rows, segments, {LogKind.SECOND_SCREEN}), settings.cluster_s):
        screens = max((r.payload.get("screens", 2) for r in group if isinstance(r.payload.get("screens", 2), int)),
                      default=2)
        found.append(Finding(FlagKind.SECOND_SCREEN, Severity.MEDIUM, group[0].at, group[-1].at,
                             tuple(r.id for r in group),
                             f"The browser reported {screens} screens attached "
                             f"({len(group)} report{'s' if len(group) > 1 else ''})."))
    return found


def _focus_lost(rows, segments, settings: PolicySettings) -> list[Finding]:
    blurs = _active_points(rows, segments, {LogKind.WINDOW_BLUR})
    found, i = [], 0
    while i < len(blurs):
        j = i
        while j + 1 < len(blurs) and _seconds(blurs[i].at, blurs[j + 1].at) <= settings.focus_window_s:
            j += 1
        group = blurs[i:j + 1]
        if len(group) >= settings.focus_losses:
            severity = Severity.MEDIUM if len(group) >= 2 * settings.focus_losses else Severity.LOW
            found.append(Finding(FlagKind.FOCUS_LOST, severity, group[0].at, group[-1].at, tuple(r.id for r in group),
                                 f"The exam window lost focus {len(group)} times within "
                                 f"{format_duration(_seconds(group[0].at, group[-1].at))}."))
            i = j + 1
        else:
            i += 1
    return found


# ---- the policy ---------------------------------------------------------------------------------

def findings(rows: Iterable[LogRow], window: AttemptWindow | None, *, now: dt.datetime,
             adjustments: Adjustments = Adjustments(), settings: PolicySettings = PolicySettings()) -> list[Finding]:
    """Every finding the log supports, in time order. No attempt (``window`` None): none.

    Severity, stated: high for what most needs a person soon (several faces in two or more
    consecutive snapshots; no face, a dark camera or a camera off for four times its threshold; a
    tab hidden for 2 minutes); medium for the shorter of those, for a single snapshot with several
    faces, paste, a second screen, six or more focus losses, and a connection or heartbeat gap of
    5 minutes or more; low for copy or cut without paste, fullscreen exits, three to five focus
    losses, and shorter connection and heartbeat gaps (usually the network, not the candidate)."""
    if window is None:
        return []
    ordered = sorted(rows, key=lambda r: (r.at, r.id))
    segments = active_segments(window, ordered, now)
    if not segments:
        return []
    readings = [r for r in ordered if r.kind == LogKind.FACES_COUNTED]
    found: list[Finding] = []
    found += _no_face(readings, segments, adjustments, settings)
    found += _several_faces(readings, segments, settings)
    found += _camera_dark(readings, segments, settings)
    found += _camera_ended(ordered, segments, settings)
    found += _connection_lost(ordered, segments, settings)
    found += _page_reopened(ordered, window, segments, settings)
    found += _heartbeats_missing(ordered, segments, settings, _explained_silences(ordered, segments))
    found += _copy_paste(ordered, segments, settings)
    found += _second_screen(ordered, segments, settings)
    if not adjustments.uses_screen_reader:
        found += _tab_hidden(ordered, segments, settings)
        found += _focus_lost(ordered, segments, settings)
        found += _fullscreen_exit(ordered, segments, settings)
    # One finding per kind and start (the flags' unique key): the first, most specific, stands.
    unique: dict[tuple[FlagKind, dt.datetime], Finding] = {}
    for finding in found:
        unique.setdefault((finding.kind, finding.starts_at), finding)
    return sorted(unique.values(), key=lambda f: (f.starts_at, str(f.kind)))
