"""The live invigilator's rules (pure): the connectivity strip, what an invigilator's action may be,
and how a sitting's candidates are shared among invigilators.

The strip is the last ``window_s`` seconds cut into ``cell_s`` cells, oldest first. A cell is
*paused* when the clock was stopped (a pause by staff or a rest break) at any moment of it,
*active* when an answer was saved in it, *quiet* when the browser was in touch (a heartbeat) but
saved nothing (reading or thinking), and *lost* when, at the end of the cell, nothing had been heard
for more than two heartbeat intervals. Cells before the attempt started, after it ended, or in the
future are *out* (not sitting). A quiet candidate is thus never shown as a lost one.
"""
from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MESSAGE_MAX_CHARS = 500
STRIP_WINDOW_S = 600
STRIP_CELL_S = 30
LOST_AFTER_INTERVALS = 2


class Cell(enum.StrEnum):
    ACTIVE = "active"
    QUIET = "quiet"
    LOST = "lost"
    PAUSED = "paused"
    OUT = "out"

    @property
    def label(self) -> str:
        return CELL_LABELS[self]

    @property
    def mark(self) -> str:
        """A one-character sign drawn in the cell, so the strip is not told by colour alone."""
        return CELL_MARKS[self]


CELL_LABELS = {Cell.ACTIVE: "active (saving answers)", Cell.QUIET: "quiet (connected, not saving)",
               Cell.LOST: "lost (no contact)", Cell.PAUSED: "paused or on a break", Cell.OUT: "not sitting"}
CELL_MARKS = {Cell.ACTIVE: "A", Cell.QUIET: "Q", Cell.LOST: "L", Cell.PAUSED: "P", Cell.OUT: "·"}


class Action(enum.StrEnum):
    """What an invigilator does to an attempt straight away (ending needs a second person)."""

    PAUSE = "pause"
    RESUME = "resume"
    ADD_TIME = "add_time"

    @property
    def label(self) -> str:
        return {Action.PAUSE: "Pause", Action.RESUME: "Resume", Action.ADD_TIME: "Add time"}[self]


@dataclass(frozen=True)
class StripCell:
    starts_at: dt.datetime
    state: Cell


@dataclass(frozen=True)
class Strip:
    cells: tuple[StripCell, ...]
    lost_now: bool
    last_contact_at: dt.datetime | None

    def count(self, state: Cell) -> int:
        return sum(1 for c in self.cells if c.state == state)

    @property
    def summary(self) -> str:
        """One sentence for a screen reader (and anyone) saying what the strip shows."""
        minutes = len(self.cells) * STRIP_CELL_S // 60
        parts = [f"{self.count(state)} {state.label}" for state in (Cell.ACTIVE, Cell.QUIET, Cell.LOST, Cell.PAUSED)
                 if self.count(state)]
        if not parts:
            return f"Not sitting in the last {minutes} minutes."
        spans = "; ".join(parts)
        now = " Connection lost now." if self.lost_now else ""
        return f"Last {minutes} minutes in {STRIP_CELL_S}-second spells: {spans}.{now}"


def _overlaps(start: dt.datetime, end: dt.datetime, spans: Iterable[tuple[dt.datetime, dt.datetime | None]],
              now: dt.datetime) -> bool:
    return any(s < end and (e or now) > start for s, e in spans)


def connectivity_strip(*, now: dt.datetime, started_at: dt.datetime | None, ended_at: dt.datetime | None,
                       heartbeats: Sequence[dt.datetime], saves: Sequence[dt.datetime],
                       stopped: Sequence[tuple[dt.datetime, dt.datetime | None]], heartbeat_interval_s: int,
                       window_s: int = STRIP_WINDOW_S, cell_s: int = STRIP_CELL_S) -> Strip:
    """The strip up to ``now`` (the last cell is the one ``now`` falls in). ``stopped`` are the
    spells the clock was stopped (end None: still stopped)."""
    lost_after = dt.timedelta(seconds=LOST_AFTER_INTERVALS * heartbeat_interval_s)
    contacts = sorted([*heartbeats, *saves])
    step = dt.timedelta(seconds=cell_s)
    count = window_s // cell_s
    # Cells sit on fixed 30-second boundaries (the last one holds ``now``), so a strip changes at
    # most once a cell, whoever looks and whenever.
    last_end = dt.datetime.fromtimestamp(math.ceil(now.timestamp() / cell_s) * cell_s, tz=dt.timezone.utc)
    cells = []
    for index in range(count):
        start = last_end - step * (count - index)
        cells.append(StripCell(start, _cell(start, start + step, started_at, ended_at, contacts, saves, stopped,
                                            lost_after, now)))
    last = contacts[-1] if contacts else None
    sitting = started_at is not None and ended_at is None
    stopped_now = any(end is None or end > now for _, end in stopped)
    lost_now = sitting and not stopped_now and (now - (last or started_at)) > lost_after
    return Strip(tuple(cells), lost_now, last)


def _cell(start, end, started_at, ended_at, contacts, saves, stopped, lost_after, now) -> Cell:
    if started_at is None or end <= started_at or (ended_at is not None and start >= ended_at) or start >= now:
        return Cell.OUT
    if _overlaps(start, end, stopped, now):
        return Cell.PAUSED
    end = min(end, now)
    if any(start < s <= end for s in saves):
        return Cell.ACTIVE
    if any(start < c <= end for c in contacts):
        return Cell.QUIET
    before = [c for c in contacts if c <= end]
    last = before[-1] if before else started_at
    return Cell.LOST if end - last > lost_after else Cell.QUIET


def stopped_spells(events: Iterable[tuple[str, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """The spells an attempt's clock was stopped, from its events in order (kind, at): a pause by
    staff until resumed, a rest break until it ended."""
    spells: list[tuple[dt.datetime, dt.datetime | None]] = []
    open_at: dt.datetime | None = None
    for kind, at in events:
        if kind in ("paused", "break_started") and open_at is None:
            open_at = at
        elif kind in ("resumed", "break_ended") and open_at is not None:
            spells.append((open_at, at))
            open_at = None
        elif kind in ("submitted", "auto_submitted", "voided") and open_at is not None:
            spells.append((open_at, at))
            open_at = None
    if open_at is not None:
        spells.append((open_at, None))
    return spells


# ------------------------------------------------------------------------------------ allocation

class TooFewInvigilators(ValueError):
    def __init__(self, needed: int, have: int, per_invigilator: int) -> None:
        super().__init__(f"{needed} invigilators are needed for these candidates (at most {per_invigilator} each); "
                         f"{have} chosen.")
        self.needed = needed


def invigilators_needed(candidates: int, per_invigilator: int) -> int:
    return math.ceil(candidates / per_invigilator) if candidates else 0


def allocate(candidate_ids: Sequence[int], invigilator_ids: Sequence[int], *, per_invigilator: int,
             current: dict[int, int] | None = None) -> dict[int, int]:
    """``{candidate: invigilator}``: balanced (loads differ by at most one, none above
    ``per_invigilator``) and stable (a candidate keeps their invigilator when the balance allows).
    Refuses, saying how many are needed, when there are too few invigilators."""
    if per_invigilator < 1:
        raise ValueError("Each invigilator must be allowed at least one candidate.")
    invigilators = list(dict.fromkeys(invigilator_ids))
    candidates = list(dict.fromkeys(candidate_ids))
    needed = invigilators_needed(len(candidates), per_invigilator)
    if len(invigilators) < needed:
        raise TooFewInvigilators(needed, len(invigilators), per_invigilator)
    if not candidates:
        return {}
    base, extras = divmod(len(candidates), len(invigilators))
    load = {i: 0 for i in invigilators}
    result: dict[int, int] = {}
    current = current or {}
    # Keep current places up to the base load, then up to one more for as many as may have it.
    for candidate in candidates:
        held = current.get(candidate)
        if held in load and load[held] < base:
            result[candidate] = held
            load[held] += 1
    above = 0
    for candidate in candidates:
        held = current.get(candidate)
        if candidate not in result and held in load and load[held] == base and above < extras:
            result[candidate] = held
            load[held] += 1
            above += 1
    for candidate in candidates:
        if candidate in result:
            continue
        target = min(invigilators, key=lambda i: (load[i], invigilators.index(i)))
        result[candidate] = target
        load[target] += 1
    return result
