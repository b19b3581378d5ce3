"""The delivery load bench's pure parts: percentiles, merging the client processes' measurements and
the acknowledged-versus-stored check. The bench is not a package of the app, so it is loaded by path."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "bench" / "load_check.py"
_SPEC = importlib.util.spec_from_file_location("bench_load_check", _PATH)
load_check = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(load_check)


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert load_check.percentile(values, 50) == 50
    assert load_check.percentile(values, 99) == 99
    assert load_check.percentile(values, 100) == 100
    assert load_check.percentile([7.0], 99) == 7.0
    assert load_check.percentile(list(reversed(values)), 95) == 95


def test_no_samples_have_no_percentiles_rather_than_fast_ones():
    assert load_check.percentile([], 50) is None
    assert load_check.summarise([]) == {"count": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None}


def test_everything_acknowledged_and_stored_once_in_order_is_clean():
    acks = {1: [("a", 1), ("b", 2), ("c", 3)], 2: [("x", 1)]}
    stored = [(1, "a", 1), (1, "b", 2), (1, "c", 3), (2, "x", 1)]
    assert load_check.stored_check(acks, stored) == {
        "acknowledged_missing": 0, "duplicated": 0, "out_of_order": 0, "seq_gaps": 0,
        "stored_unacknowledged": 0, "attempts": 2}


def test_an_acknowledged_step_that_is_not_stored_is_missing():
    result = load_check.stored_check({1: [("a", 1), ("b", 2)]}, [(1, "a", 1)])
    assert result["acknowledged_missing"] == 1
    assert result["seq_gaps"] == 0  # 1..1 is whole: the lost step left no hole, only the ack knows


def test_a_step_stored_twice_is_duplicated():
    result = load_check.stored_check({1: [("a", 1)]}, [(1, "a", 1), (1, "a", 2)])
    assert result["duplicated"] == 1


def test_two_rows_sharing_a_seq_are_duplicated():
    result = load_check.stored_check({1: [("a", 1), ("b", 2)]}, [(1, "a", 1), (1, "b", 1)])
    assert result["duplicated"] == 1
    assert result["out_of_order"] == 1  # "b" was acknowledged as 2 and stored as 1


def test_steps_stored_in_another_order_than_acknowledged_are_out_of_order():
    acks = {1: [("a", 1), ("b", 2)]}
    result = load_check.stored_check(acks, [(1, "a", 2), (1, "b", 1)])
    assert result["out_of_order"] == 2
    assert result["acknowledged_missing"] == 0


def test_acknowledgements_whose_seq_goes_backwards_are_out_of_order():
    acks = {1: [("a", 2), ("b", 1)]}
    result = load_check.stored_check(acks, [(1, "a", 2), (1, "b", 1)])
    assert result["out_of_order"] == 1


def test_a_hole_in_the_seqs_is_a_gap_and_an_unacknowledged_row_is_only_counted():
    acks = {1: [("a", 1), ("c", 3)]}
    stored = [(1, "a", 1), (1, "c", 3), (2, "t", 1)]  # seq 2 vanished; attempt 2's ack never arrived
    result = load_check.stored_check(acks, stored)
    assert result["seq_gaps"] == 1
    assert result["stored_unacknowledged"] == 1
    assert result["acknowledged_missing"] == result["duplicated"] == result["out_of_order"] == 0


def _share(samples, errors, acks, cpu_s, wall_s, per_instance=None):
    return {"samples": samples, "errors": errors, "acks": acks, "cpu_s": cpu_s, "wall_s": wall_s,
            "per_instance": per_instance or {}}


def test_merging_shares_adds_errors_and_keeps_each_attempts_acknowledgement_order():
    first = _share({"save": [[0.5, 10.0, True]]}, {"save: HTTP 409 stale": 1}, {"7": [["s1", 1], ["s2", 2]]},
                   1.0, 10.0, {"http://a": 3})
    second = _share({"save": [[0.7, 20.0, True]], "state": [[1.0, 5.0, True]]}, {"save: HTTP 409 stale": 2},
                    {"8": [["t1", 1]]}, 3.0, 10.0, {"http://a": 1, "http://b": 4})
    merged = load_check.merge_shares([first, second])
    assert merged["errors"] == {"save: HTTP 409 stale": 3}
    assert [row[1] for row in merged["samples"]["save"]] == [10.0, 20.0]
    assert merged["acks"] == {7: [("s1", 1), ("s2", 2)], 8: [("t1", 1)]}
    assert merged["per_instance"] == {"http://a": 4, "http://b": 4}
    assert load_check.generator_cost(merged["processes"]) == {"processes": 2, "cpu_pct": 40.0,
                                                             "busiest_process_cpu_pct": 30.0}


@pytest.mark.parametrize(("start", "end", "kept"), [(0.0, 1.0, [0.5, 0.9]), (0.9, 2.0, [0.9, 1.5]), (2.0, 3.0, [])])
def test_the_window_keeps_requests_sent_within_it(start, end, kept):
    rows = [[0.5, 1.0, True], [0.9, 1.0, False], [1.5, 1.0, True]]
    assert [row[0] for row in load_check.in_window(rows, start, end)] == kept


def test_the_timeline_puts_each_save_in_the_interval_it_was_sent_in_with_the_cpu_of_that_interval():
    saves = [[0.5, 10.0, True], [1.2, 30.0, True], [1.9, 50.0, True], [1.95, 70.0, False], [2.5, 5.0, True],
             [9.0, 1.0, True]]
    # t, app CPU s, database CPU s, machine busy ticks, stolen ticks, all ticks (2 cores, 100 a second)
    marks = [(0.0, 0.0, 0.0, 0, 0, 0), (1.0, 0.5, 0.25, 100, 0, 200), (2.0, 1.5, 0.25, 200, 20, 400),
             (3.0, 1.5, 0.2, 200, 20, 600)]
    assert load_check.timeline(saves, marks, 2) == [
        {"t": 0.0, "saves": 1, "p50_ms": 10.0, "p99_ms": 10.0, "app_cpu_pct": 50.0, "database_cpu_pct": 25.0,
         "machine_busy_pct": 50.0, "steal_pct": 0.0, "cores": 2},
        # the failed save is left out of the count and the percentiles
        {"t": 1.0, "saves": 2, "p50_ms": 30.0, "p99_ms": 50.0, "app_cpu_pct": 100.0, "database_cpu_pct": 0.0,
         "machine_busy_pct": 50.0, "steal_pct": 10.0, "cores": 2},
        # a database process that ended takes its CPU with it: never a negative share
        {"t": 2.0, "saves": 1, "p50_ms": 5.0, "p99_ms": 5.0, "app_cpu_pct": 0.0, "database_cpu_pct": 0.0,
         "machine_busy_pct": 0.0, "steal_pct": 0.0, "cores": 2}]
    assert load_check.timeline(saves, marks[:1], 2) == []
