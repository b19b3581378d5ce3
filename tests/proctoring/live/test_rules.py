"""The live invigilator's pure rules: the connectivity strip and the allocation of candidates."""
from __future__ import annotations

import datetime as dt

import pytest

from proctoring.live import rules
from proctoring.live.rules import Cell

NOW = dt.datetime(2026, 11, 23, 10, 30, 0, tzinfo=dt.timezone.utc)  # on a 30-second boundary
S = dt.timedelta(seconds=1)


def strip(**kwargs):
    defaults = dict(now=NOW, started_at=NOW - 3600 * S, ended_at=None, heartbeats=[], saves=[], stopped=[],
                    heartbeat_interval_s=15)
    return rules.connectivity_strip(**{**defaults, **kwargs})


def test_twenty_cells_of_thirty_seconds_on_fixed_boundaries():
    found = strip(now=NOW + 7 * S)  # the last cell is the one that holds now
    assert len(found.cells) == 20
    assert found.cells[-1].starts_at == NOW and found.cells[0].starts_at == NOW - 570 * S
    assert strip(now=NOW).cells[-1].starts_at == NOW - 30 * S
    assert all(b.starts_at - a.starts_at == 30 * S for a, b in zip(found.cells, found.cells[1:]))


def test_saves_are_active_heartbeats_alone_quiet_and_silence_lost():
    beats = [NOW - 600 * S + i * 15 * S for i in range(41)]  # every 15 s, the whole window
    found = strip(heartbeats=beats, saves=[NOW - 45 * S])
    states = [c.state for c in found.cells]
    assert states[-2] == Cell.ACTIVE and states.count(Cell.ACTIVE) == 1
    assert set(states[:-2]) == {Cell.QUIET} and not found.lost_now
    # Heartbeats stop 3 minutes ago: more than two intervals (30 s) later the cells are lost.
    found = strip(heartbeats=[b for b in beats if b <= NOW - 180 * S])
    states = [c.state for c in found.cells]
    assert states[-5:] == [Cell.LOST] * 5 and states[-6] == Cell.QUIET  # 30 s after the last: not yet lost
    assert found.lost_now and found.last_contact_at == NOW - 180 * S
    assert "5 lost (no contact)" in found.summary and found.summary.endswith("Connection lost now.")


def test_one_missed_heartbeat_is_quiet_not_lost():
    beats = [NOW - 600 * S + i * 15 * S for i in range(41) if i != 38]  # one heartbeat missing
    found = strip(heartbeats=beats)
    assert Cell.LOST not in [c.state for c in found.cells] and not found.lost_now


def test_a_pause_or_break_is_paused_not_lost_and_cells_outside_the_attempt_are_out():
    found = strip(started_at=NOW - 300 * S, stopped=[(NOW - 120 * S, None)], heartbeats=[NOW - 280 * S])
    states = [c.state for c in found.cells]
    assert states[:10] == [Cell.OUT] * 10  # before the start
    assert states[-4:] == [Cell.PAUSED] * 4 and not found.lost_now
    ended = strip(started_at=NOW - 300 * S, ended_at=NOW - 60 * S, saves=[NOW - 100 * S])
    assert [c.state for c in ended.cells][-2:] == [Cell.OUT, Cell.OUT] and not ended.lost_now
    assert strip(started_at=None).summary == "Not sitting in the last 10 minutes."


def test_every_state_has_a_letter_and_words():
    assert {c.mark for c in Cell} == {"A", "Q", "L", "P", "·"} and all(c.label for c in Cell)


def test_stopped_spells_from_events():
    t = [NOW + i * 60 * S for i in range(6)]
    events = [("paused", t[0]), ("resumed", t[1]), ("break_started", t[2]), ("break_ended", t[3]),
              ("paused", t[4]), ("submitted", t[5])]
    assert rules.stopped_spells(events) == [(t[0], t[1]), (t[2], t[3]), (t[4], t[5])]
    assert rules.stopped_spells([("paused", t[0])]) == [(t[0], None)]


def test_allocation_is_balanced_and_keeps_the_limit():
    plan = rules.allocate(list(range(1, 51)), [100, 200, 300], per_invigilator=25)
    loads = sorted(list(plan.values()).count(i) for i in (100, 200, 300))
    assert loads == [16, 17, 17] and set(plan) == set(range(1, 51))


def test_too_few_invigilators_says_how_many_are_needed():
    with pytest.raises(rules.TooFewInvigilators) as raised:
        rules.allocate(list(range(60)), [1, 2], per_invigilator=25)
    assert raised.value.needed == 3 and "3 invigilators are needed" in str(raised.value)
    assert rules.invigilators_needed(0, 25) == 0 and rules.allocate([], [], per_invigilator=25) == {}


def test_allocation_is_stable_when_someone_joins_or_leaves():
    first = rules.allocate(list(range(1, 11)), [100, 200], per_invigilator=25)
    # A third invigilator joins: only as many move as balance needs (10 over 3: 4, 3, 3).
    second = rules.allocate(list(range(1, 11)), [100, 200, 300], per_invigilator=25, current=first)
    moved = [c for c in first if first[c] != second[c]]
    assert len(moved) == 3 and all(second[c] == 300 for c in moved)
    assert sorted(list(second.values()).count(i) for i in (100, 200, 300)) == [3, 3, 4]
    # The same call again changes nothing.
    assert rules.allocate(list(range(1, 11)), [100, 200, 300], per_invigilator=25, current=second) == second
    # One leaves: only their candidates move.
    third = rules.allocate(list(range(1, 11)), [100, 300], per_invigilator=25, current=second)
    assert [c for c in second if second[c] != third[c]] == [c for c in second if second[c] == 200]
