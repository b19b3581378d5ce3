"""The automated flags (pure): every rule, every threshold's edge, and every fairness rule on its own."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings as hyp_settings, strategies as st

from proctoring import policy
from proctoring.policy import Adjustments, AttemptWindow, Interval, LogRow, PolicySettings
from proctoring.rules import FlagKind, LogKind, Severity

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
_ids = itertools.count(1)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def row(kind, seconds, payload=None, *, received_late_s=0.0, row_id=None) -> LogRow:
    return LogRow(id=row_id or next(_ids), kind=LogKind(kind), occurred_at=at(seconds),
                  received_at=at(seconds + received_late_s), payload=payload or {})


def faces(seconds, count, **extra) -> LogRow:
    return row(LogKind.FACES_COUNTED, seconds, {"snapshot_event_id": 9000 + int(seconds), "faces": count,
                                                "brightness": 120.0, "is_dark": False, "is_uniform": False,
                                                "readable": True, **extra})


def beats(start, stop, every=15):
    return [row(LogKind.HEARTBEAT, s) for s in range(start, stop + 1, every)]


WINDOW = AttemptWindow(started_at=T0, ended_at=None)
NOW = at(3600)


def run(rows, window=WINDOW, *, now=NOW, adjustments=Adjustments(), settings=PolicySettings(), with_beats=True):
    """The policy's findings, with steady heartbeats over the first hour unless told otherwise."""
    base = beats(0, 3600) if with_beats else []
    return policy.findings([*base, *rows], window, now=now, adjustments=adjustments, settings=settings)


def kinds(found):
    return [f.kind for f in found]


# ---- the baseline: a quiet, well-behaved attempt ------------------------------------------------

def test_steady_heartbeats_and_a_face_in_every_snapshot_raise_nothing():
    assert run([faces(s, 1) for s in range(0, 3600, 30)]) == []


def test_no_attempt_no_findings():
    assert policy.findings([row(LogKind.TAB_HIDDEN, 10)], None, now=NOW) == []


def test_rows_before_the_start_are_not_judged():
    window = AttemptWindow(started_at=at(600), ended_at=None)
    rows = [row(LogKind.TAB_HIDDEN, 0), row(LogKind.TAB_VISIBLE, 500), row(LogKind.PASTE, 100)]
    assert run(rows, window) == []


# ---- faces --------------------------------------------------------------------------------------

def test_no_face_for_longer_than_30_seconds_is_a_medium_finding_naming_its_rows():
    rows = [faces(0, 1), faces(30, 0), faces(60, 0), faces(90, 0), faces(120, 1)]
    [finding] = run(rows)
    assert finding.kind == FlagKind.NO_FACE and finding.severity == Severity.MEDIUM
    assert (finding.starts_at, finding.ends_at) == (at(30), at(90))
    assert finding.evidence_ids == (rows[1].id, 9030, rows[2].id, 9060, rows[3].id, 9090)
    assert finding.detail == "No face was seen in 3 consecutive snapshots over 1 minute."


def test_no_face_for_exactly_30_seconds_is_not_a_finding():
    assert run([faces(0, 1), faces(30, 0), faces(60, 0), faces(90, 1)]) == []


def test_no_face_for_four_times_the_threshold_is_high():
    rows = [faces(s, 0) for s in range(0, 150, 30)]  # 0..120: 120 s = 4 x 30
    [finding] = run(rows)
    assert finding.severity == Severity.HIGH


def test_more_than_one_face_once_is_medium_and_twice_in_a_row_high():
    [once] = run([faces(0, 1), faces(30, 2), faces(60, 1)])
    assert once.kind == FlagKind.SEVERAL_FACES and once.severity == Severity.MEDIUM
    assert once.detail == "2 faces were counted in 1 snapshot."
    [twice] = run([faces(0, 2), faces(30, 3)])
    assert twice.severity == Severity.HIGH and twice.detail == "3 faces were counted in 2 consecutive snapshots."


def test_a_dark_or_covered_camera_is_its_own_flag_never_no_face():
    rows = [faces(s, 0, is_dark=True, brightness=8.0) for s in range(0, 120, 30)]
    [finding] = run(rows)
    assert finding.kind == FlagKind.CAMERA_DARK and finding.severity == Severity.MEDIUM
    assert "too dark to see" in finding.detail
    covered = [faces(s, 0, is_uniform=True) for s in range(0, 120, 30)]
    assert "dark or covered" in run(covered)[0].detail


def test_a_dark_frame_with_a_face_in_it_is_not_dark():
    assert run([faces(s, 1, is_dark=True) for s in range(0, 120, 30)]) == []


def test_an_unreadable_image_is_no_evidence_either_way():
    rows = [faces(0, 0), faces(30, 0, readable=False), faces(60, 0), faces(90, 0, readable=False)]
    assert run(rows) == []


def test_readings_far_apart_do_not_make_a_spell():
    assert run([faces(0, 0), faces(121, 0), faces(242, 0)]) == []
    assert kinds(run([faces(0, 0), faces(120, 0)])) == [FlagKind.NO_FACE]


def test_a_face_breaks_a_no_face_spell():
    rows = [faces(0, 0), faces(30, 0), faces(45, 1), faces(60, 0), faces(90, 0)]
    assert run(rows) == []


# ---- camera -------------------------------------------------------------------------------------

def test_the_camera_ending_for_more_than_30_seconds_is_flagged_and_its_return_named():
    rows = [row(LogKind.CAMERA_ENDED, 100), row(LogKind.SNAPSHOT, 160)]
    [finding] = run(rows)
    assert finding.kind == FlagKind.CAMERA_ENDED and finding.severity == Severity.MEDIUM
    assert finding.evidence_ids == (rows[0].id, rows[1].id) and finding.ends_at == at(160)
    assert "resumed after 1 minute" in finding.detail


def test_a_camera_that_restarts_within_30_seconds_is_not_flagged():
    assert run([row(LogKind.CAMERA_ENDED, 100), row(LogKind.SNAPSHOT, 125)]) == []


def test_a_camera_that_never_comes_back_is_high_and_still_going():
    [finding] = run([row(LogKind.CAMERA_ENDED, 100)])
    assert finding.severity == Severity.HIGH and finding.ends_at is None


# ---- tab, focus, fullscreen ---------------------------------------------------------------------

def test_a_tab_hidden_for_longer_than_15_seconds_is_flagged():
    rows = [row(LogKind.TAB_HIDDEN, 100), row(LogKind.TAB_VISIBLE, 116)]
    [finding] = run(rows)
    assert finding.kind == FlagKind.TAB_HIDDEN and finding.severity == Severity.MEDIUM
    assert finding.evidence_ids == (rows[0].id, rows[1].id)
    assert finding.detail == "The exam's tab was hidden for 16 seconds."


def test_a_tab_hidden_for_15_seconds_or_less_is_not():
    assert run([row(LogKind.TAB_HIDDEN, 100), row(LogKind.TAB_VISIBLE, 115)]) == []


def test_a_tab_hidden_for_two_minutes_is_high():
    [finding] = run([row(LogKind.TAB_HIDDEN, 100), row(LogKind.TAB_VISIBLE, 220)])
    assert finding.severity == Severity.HIGH


def test_a_tab_still_hidden_is_a_finding_still_going():
    [finding] = run([row(LogKind.TAB_HIDDEN, 3000)])
    assert finding.ends_at is None and "still hidden" in finding.detail


def test_three_focus_losses_within_five_minutes_are_low_and_two_are_nothing():
    assert run([row(LogKind.WINDOW_BLUR, s) for s in (0, 100)]) == []
    rows = [row(LogKind.WINDOW_BLUR, s) for s in (0, 100, 300)]
    [finding] = run(rows)
    assert finding.kind == FlagKind.FOCUS_LOST and finding.severity == Severity.LOW
    assert finding.evidence_ids == tuple(r.id for r in rows)
    assert finding.detail == "The exam window lost focus 3 times within 5 minutes."


def test_three_focus_losses_spread_over_more_than_five_minutes_are_nothing():
    assert run([row(LogKind.WINDOW_BLUR, s) for s in (0, 200, 301)]) == []


def test_six_focus_losses_are_medium():
    [finding] = run([row(LogKind.WINDOW_BLUR, s) for s in range(0, 60, 10)])
    assert finding.severity == Severity.MEDIUM


def test_fullscreen_exits_close_together_are_one_low_finding():
    rows = [row(LogKind.FULLSCREEN_EXIT, 10), row(LogKind.FULLSCREEN_EXIT, 40), row(LogKind.FULLSCREEN_EXIT, 500)]
    found = run(rows)
    assert kinds(found) == [FlagKind.FULLSCREEN_EXIT, FlagKind.FULLSCREEN_EXIT]
    assert found[0].evidence_ids == (rows[0].id, rows[1].id) and found[0].severity == Severity.LOW
    assert found[0].detail == "Full screen was left 2 times."


# ---- clipboard, second screen --------------------------------------------------------------------

def test_copy_alone_is_low_and_paste_is_medium():
    [copy] = run([row(LogKind.COPY, 10)])
    assert copy.kind == FlagKind.COPY_PASTE and copy.severity == Severity.LOW
    assert "nothing was pasted" in copy.detail
    [paste] = run([row(LogKind.COPY, 10), row(LogKind.PASTE, 30)])
    assert paste.severity == Severity.MEDIUM and "1 copy, 1 paste" in paste.detail


def test_a_second_screen_is_medium():
    [finding] = run([row(LogKind.SECOND_SCREEN, 10, {"screens": 2})])
    assert finding.kind == FlagKind.SECOND_SCREEN and finding.severity == Severity.MEDIUM
    assert finding.detail == "The browser reported 2 screens attached (1 report)."


def test_kinds_the_policy_does_not_flag_stay_on_the_timeline_only():
    assert run([row(LogKind.PRINT, 10), row(LogKind.CONTEXT_MENU, 20), row(LogKind.DEVTOOLS_OPEN, 30)]) == []


# ---- connection and heartbeats ------------------------------------------------------------------

def test_offline_for_longer_than_a_minute_is_low_and_five_minutes_medium():
    rows = [row(LogKind.NETWORK_OFFLINE, 100), row(LogKind.NETWORK_ONLINE, 161)]
    found = run(rows, with_beats=False)
    lost = [f for f in found if f.kind == FlagKind.CONNECTION_LOST]
    assert len(lost) == 1 and lost[0].severity == Severity.LOW
    assert lost[0].detail == "The browser reported being offline for 1 minute and 1 second."
    assert run([row(LogKind.NETWORK_OFFLINE, 100), row(LogKind.NETWORK_ONLINE, 160)]) == []
    [long] = run([row(LogKind.NETWORK_OFFLINE, 100), row(LogKind.NETWORK_ONLINE, 400)])
    assert long.severity == Severity.MEDIUM


def test_missing_heartbeats_for_more_than_three_intervals_are_flagged():
    rows = [*beats(0, 600), *beats(646, 3600)]  # 600 -> 646: 46 s without a heartbeat
    [finding] = run(rows, with_beats=False)
    assert finding.kind == FlagKind.HEARTBEAT_MISSING and finding.severity == Severity.LOW
    assert (finding.starts_at, finding.ends_at) == (at(600), at(646))
    assert finding.detail == "No heartbeat reached the server for 46 seconds (one is sent every 15 seconds)."
    assert run([*beats(0, 600), *beats(645, 3600)], with_beats=False) == []


def test_heartbeats_are_judged_on_when_the_server_received_them():
    # Heartbeats made at 615..690 arrive together at 700 (the player queued them): the server heard
    # nothing from 600 to 700.
    late = [row(LogKind.HEARTBEAT, s, received_late_s=700 - s if 600 < s < 700 else 0) for s in range(0, 3601, 15)]
    [finding] = run(late, with_beats=False)
    assert finding.kind == FlagKind.HEARTBEAT_MISSING and (finding.starts_at, finding.ends_at) == (at(600), at(700))


def test_a_heartbeat_gap_inside_a_reported_offline_spell_is_one_finding_not_two():
    rows = [*beats(0, 600), row(LogKind.NETWORK_OFFLINE, 601), row(LogKind.NETWORK_ONLINE, 700), *beats(700, 3600)]
    assert kinds(run(rows, with_beats=False)) == [FlagKind.CONNECTION_LOST]


def test_a_short_offline_spell_explains_its_heartbeat_gap_and_raises_nothing():
    # Offline for 50 s (under the 60 s connection rule); the heartbeats made meanwhile wait in the
    # player's queue and arrive on reconnection, so the server heard nothing for 65 s.
    queued = [row(LogKind.HEARTBEAT, s, received_late_s=650 - s) for s in (615, 630, 645)]
    rows = [*beats(0, 600), row(LogKind.NETWORK_OFFLINE, 600), *queued, row(LogKind.NETWORK_ONLINE, 650),
            *beats(660, 3600)]
    assert run(rows, with_beats=False) == []


def test_a_hidden_tab_explains_slowed_heartbeats_even_when_hidden_tabs_are_not_flagged():
    # Browsers slow a hidden page's timers to once a minute: no heartbeats from 600 to 700 while the
    # tab is hidden. A screen-reader user gets no tab flag, and no missing-heartbeat flag for it either.
    rows = [*beats(0, 600), row(LogKind.TAB_HIDDEN, 601), row(LogKind.TAB_VISIBLE, 699), *beats(700, 3600)]
    assert run(rows, with_beats=False, adjustments=Adjustments(uses_screen_reader=True)) == []
    assert kinds(run(rows, with_beats=False)) == [FlagKind.TAB_HIDDEN]
    # A silence the hidden spell does not cover is still missing heartbeats.
    rows = [*beats(0, 600), row(LogKind.TAB_HIDDEN, 601), row(LogKind.TAB_VISIBLE, 620), *beats(700, 3600)]
    assert FlagKind.HEARTBEAT_MISSING in kinds(run(rows, with_beats=False, adjustments=Adjustments(uses_screen_reader=True)))


def test_a_silent_page_still_in_progress_is_flagged_as_still_going():
    [finding] = run(beats(0, 3000), with_beats=False)
    assert finding.kind == FlagKind.HEARTBEAT_MISSING and finding.ends_at is None
    assert finding.severity == Severity.MEDIUM  # 600 s


# ---- fairness: breaks and pauses ----------------------------------------------------------------

BREAK = Interval(at(600), at(1200), "rest break")
PAUSE = Interval(at(600), at(1200), "paused by staff")


@pytest.mark.parametrize("stop", [BREAK, PAUSE], ids=["rest break", "staff pause"])
def test_a_break_or_a_pause_is_never_absence(stop):
    window = AttemptWindow(started_at=T0, ended_at=None, stopped=(stop,))
    rows = [faces(s, 1) for s in range(0, 600, 30)] + [faces(s, 0) for s in range(600, 1200, 30)] + \
        [faces(s, 1) for s in range(1200, 3600, 30)]
    assert run(rows, window, adjustments=Adjustments(rest_breaks=True)) == []
    assert run(rows, window) == []


@pytest.mark.parametrize("stop", [BREAK, PAUSE], ids=["rest break", "staff pause"])
def test_a_break_or_a_pause_is_never_a_lost_connection_or_missing_heartbeats(stop):
    window = AttemptWindow(started_at=T0, ended_at=None, stopped=(stop,))
    rows = [*beats(0, 600), row(LogKind.NETWORK_OFFLINE, 610), row(LogKind.NETWORK_ONLINE, 1190), *beats(1200, 3600)]
    assert run(rows, window, with_beats=False) == []


def test_a_spell_that_runs_into_a_break_is_cut_there():
    window = AttemptWindow(started_at=T0, ended_at=None, stopped=(BREAK,))
    rows = [row(LogKind.TAB_HIDDEN, 590), row(LogKind.TAB_VISIBLE, 1300)]
    found = run(rows, window)
    assert [(f.starts_at, f.ends_at) for f in found] == [(at(1200), at(1300))]  # 10 s before: not enough


def test_no_face_runs_do_not_join_across_a_break():
    window = AttemptWindow(started_at=T0, ended_at=None, stopped=(BREAK,))
    rows = [faces(570, 0), faces(590, 0), faces(1200, 0), faces(1220, 0), faces(1240, 1)]
    assert run(rows, window) == []


def test_a_break_still_going_silences_everything_after_it():
    window = AttemptWindow(started_at=T0, ended_at=None, stopped=(Interval(at(600), None, "rest break"),))
    rows = [*beats(0, 600), row(LogKind.TAB_HIDDEN, 700), row(LogKind.PASTE, 800)]
    assert run(rows, window, with_beats=False) == []


# ---- fairness: the end and the closing page ------------------------------------------------------

def test_nothing_after_the_attempt_ended_is_a_flag():
    window = AttemptWindow(started_at=T0, ended_at=at(1800))
    rows = [*beats(0, 1800), row(LogKind.TAB_HIDDEN, 1805), row(LogKind.PASTE, 1900), row(LogKind.CAMERA_ENDED, 1801),
            *[faces(s, 0) for s in range(1810, 2000, 30)]]
    assert run(rows, window, with_beats=False) == []


def test_heartbeats_lost_while_the_page_closes_after_submission_are_not_a_flag():
    # The classic false flag: the candidate submits, the page unloads, the last heartbeats never come.
    window = AttemptWindow(started_at=T0, ended_at=at(1800))
    rows = [*beats(0, 1790), row(LogKind.PAGE_CLOSING, 1801)]
    assert run(rows, window, with_beats=False) == []


def test_heartbeats_lost_after_the_page_closed_are_not_a_flag_even_before_the_end_is_recorded():
    rows = [*beats(0, 1790), row(LogKind.PAGE_CLOSING, 1795)]
    assert run(rows, with_beats=False) == []


def test_after_a_reload_the_page_is_judged_again():
    rows = [*beats(0, 1000), row(LogKind.PAGE_CLOSING, 1001), *beats(1030, 3600), row(LogKind.TAB_HIDDEN, 1200),
            row(LogKind.TAB_VISIBLE, 1300)]
    found = run(rows, with_beats=False)
    assert kinds(found) == [FlagKind.TAB_HIDDEN]  # the reload's quiet 29 s is nothing


def test_a_page_closed_for_minutes_mid_attempt_is_put_before_a_reviewer_once_it_is_back():
    closing, back = row(LogKind.PAGE_CLOSING, 1001), row(LogKind.HEARTBEAT, 1400)
    rows = [*beats(0, 1000), closing, back, *beats(1415, 3600)]
    [finding] = run(rows, with_beats=False)
    assert finding.kind == FlagKind.HEARTBEAT_MISSING and finding.severity == Severity.MEDIUM
    assert (finding.starts_at, finding.ends_at) == (at(1400), at(1400))  # at the return: never inside the quiet
    assert finding.evidence_ids == (closing.id, back.id)
    assert finding.detail == ("The exam page was closed and opened again 6 minutes and 39 seconds of exam time "
                              "later; nothing was heard from it in between.")


def test_a_page_closed_over_a_rest_break_counts_only_the_exam_time():
    window = AttemptWindow(started_at=T0, ended_at=None, stopped=(Interval(at(1000), at(1380), "rest break"),))
    rows = [*beats(0, 990), row(LogKind.PAGE_CLOSING, 995), *beats(1400, 3600)]
    assert run(rows, window, with_beats=False) == []  # 5 s before the break and 20 s after it


def test_a_spell_still_going_now_has_no_end_even_with_a_break_to_come():
    window = AttemptWindow(started_at=T0, ended_at=None, stopped=(Interval(at(4000), at(4100), "rest break"),))
    [finding] = run([row(LogKind.TAB_HIDDEN, 3000)], window)
    assert finding.ends_at is None


def test_a_tab_hidden_while_the_attempt_ends_is_cut_at_the_end():
    window = AttemptWindow(started_at=T0, ended_at=at(1800))
    [finding] = run([row(LogKind.TAB_HIDDEN, 1700)], window)
    assert (finding.starts_at, finding.ends_at) == (at(1700), at(1800))


# ---- fairness: adjustments ----------------------------------------------------------------------

def test_a_screen_reader_user_gets_no_focus_tab_or_fullscreen_flags():
    rows = [row(LogKind.TAB_HIDDEN, 100), row(LogKind.TAB_VISIBLE, 400), *[row(LogKind.WINDOW_BLUR, s) for s in range(500, 600, 10)],
            row(LogKind.FULLSCREEN_EXIT, 700)]
    assert kinds(run(rows)) == [FlagKind.TAB_HIDDEN, FlagKind.FOCUS_LOST, FlagKind.FULLSCREEN_EXIT]
    assert run(rows, adjustments=Adjustments(uses_screen_reader=True)) == []


def test_a_screen_reader_user_is_still_flagged_for_what_it_does_not_explain():
    rows = [faces(0, 2), row(LogKind.PASTE, 100)]
    assert kinds(run(rows, adjustments=Adjustments(uses_screen_reader=True))) == [FlagKind.SEVERAL_FACES,
                                                                                  FlagKind.COPY_PASTE]


def test_rest_breaks_give_a_much_longer_no_face_threshold():
    five_minutes_away = [faces(0, 1), *[faces(s, 0) for s in range(30, 331, 30)], faces(360, 1)]
    assert kinds(run(five_minutes_away)) == [FlagKind.NO_FACE]
    assert run(five_minutes_away, adjustments=Adjustments(rest_breaks=True)) == []
    eleven_minutes = [faces(s, 0) for s in range(0, 661, 30)]
    [finding] = run(eleven_minutes, adjustments=Adjustments(rest_breaks=True))
    assert finding.severity == Severity.MEDIUM and "approved rest breaks" in finding.detail


# ---- times, intervals ----------------------------------------------------------------------------

def test_a_client_clock_ahead_of_the_server_is_capped_at_receipt():
    late = LogRow(id=1, kind=LogKind.PASTE, occurred_at=at(5000), received_at=at(100))
    [finding] = run([late])
    assert finding.starts_at == at(100)


def test_stopped_intervals_pair_pauses_and_breaks_as_delivery_does():
    events = [("started", at(0)), ("paused", at(10)), ("resumed", at(20)), ("break_started", at(30)),
              ("resumed", at(35)), ("break_ended", at(40)), ("paused", at(50))]
    assert policy.stopped_intervals(events) == (Interval(at(10), at(20), "paused by staff"),
                                                Interval(at(30), at(40), "rest break"),
                                                Interval(at(50), None, "paused by staff"))


def test_findings_are_unique_per_kind_and_start_and_in_time_order():
    rows = [row(LogKind.PASTE, 300), row(LogKind.SECOND_SCREEN, 100), row(LogKind.COPY, 300)]
    found = run(rows)
    assert [f.starts_at for f in found] == sorted(f.starts_at for f in found)
    assert len({(f.kind, f.starts_at) for f in found}) == len(found)


# ---- the property -------------------------------------------------------------------------------

_kind = st.sampled_from([LogKind.HEARTBEAT, LogKind.TAB_HIDDEN, LogKind.TAB_VISIBLE, LogKind.WINDOW_BLUR,
                         LogKind.FULLSCREEN_EXIT, LogKind.COPY, LogKind.PASTE, LogKind.SECOND_SCREEN,
                         LogKind.NETWORK_OFFLINE, LogKind.NETWORK_ONLINE, LogKind.CAMERA_ENDED, LogKind.SNAPSHOT,
                         LogKind.PAGE_CLOSING, LogKind.FACES_COUNTED])


@st.composite
def histories(draw):
    events = draw(st.lists(st.tuples(_kind, st.integers(0, 4000), st.integers(0, 3), st.integers(0, 30)),
                           max_size=60))
    rows = [LogRow(id=i + 1, kind=kind, occurred_at=at(s), received_at=at(s + late),
                   payload={"faces": n, "readable": True, "is_dark": n == 3, "snapshot_event_id": 0})
            for i, (kind, s, n, late) in enumerate(events)]
    cuts = sorted(draw(st.lists(st.integers(1, 3999), max_size=6, unique=True)))
    stopped = tuple(Interval(at(a), at(b), "rest break") for a, b in zip(cuts[::2], cuts[1::2]))
    if len(cuts) % 2 and draw(st.booleans()):
        stopped += (Interval(at(cuts[-1]), None, "paused by staff"),)
    ended = draw(st.one_of(st.none(), st.integers(1, 4000)))
    window = AttemptWindow(T0, at(ended) if ended is not None else None, stopped)
    return rows, window, draw(st.booleans()), draw(st.booleans())


@hyp_settings(max_examples=300)
@given(histories())
def test_no_finding_ever_starts_inside_a_break_or_a_pause_or_after_the_end(history):
    rows, window, reader, breaks = history
    now = at(4100)
    found = policy.findings(rows, window, now=now, adjustments=Adjustments(uses_screen_reader=reader, rest_breaks=breaks))
    end = window.ended_at or now
    for finding in found:
        assert window.started_at <= finding.starts_at < end
        assert not any(stop.holds(finding.starts_at) for stop in window.stopped)
        assert finding.ends_at is None or finding.starts_at <= finding.ends_at <= end
        assert finding.detail
        # Every finding names its rows; only silence itself (no heartbeat at all) may have none.
        assert finding.evidence_ids or finding.kind == FlagKind.HEARTBEAT_MISSING
        if reader:
            assert finding.kind not in (FlagKind.FOCUS_LOST, FlagKind.TAB_HIDDEN, FlagKind.FULLSCREEN_EXIT)
    assert len({(f.kind, f.starts_at) for f in found}) == len(found)


@hyp_settings(max_examples=100)
@given(histories(), st.randoms(use_true_random=False))
def test_the_order_rows_arrive_in_changes_nothing(history, random):
    rows, window, reader, breaks = history
    adjustments = Adjustments(uses_screen_reader=reader, rest_breaks=breaks)
    shuffled = list(rows)
    random.shuffle(shuffled)
    assert policy.findings(shuffled, window, now=at(4100), adjustments=adjustments) == \
        policy.findings(rows, window, now=at(4100), adjustments=adjustments)
