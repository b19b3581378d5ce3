"""The pure parts of the delivery load bench: percentiles, per-stage summaries, merging what several
client processes measured, and the acknowledged-versus-stored check. Nothing here touches the network
or the database, so it is tested on its own (tests/bench/test_load_check.py).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable, Mapping, Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values, so an empty stage reads as absent
    rather than as a fast one."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n·q/100), at least the first value
    return ordered[int(min(rank, len(ordered))) - 1]


def summarise(latencies_ms: Sequence[float]) -> dict:
    def rounded(q):
        value = percentile(latencies_ms, q)
        return None if value is None else round(value, 1)

    return {"count": len(latencies_ms), "p50_ms": rounded(50), "p95_ms": rounded(95), "p99_ms": rounded(99)}


def merge_shares(shares: Iterable[Mapping]) -> dict:
    """One result from the client processes' own: samples and acknowledgements are concatenated,
    error counts added. Each share is ``{"samples": {stage: [[t, ms, ok], …]}, "errors": {kind: n},
    "acks": {attempt_id: [[client_step_id, seq], …]}, "cpu_s", "wall_s"}``; attempts are never split
    between processes, so their acknowledgement order survives the merge."""
    samples: dict[str, list] = defaultdict(list)
    errors: Counter = Counter()
    acks: dict[int, list] = {}
    processes = []
    per_instance: Counter = Counter()
    for share in shares:
        per_instance.update(share.get("per_instance", {}))
        for stage, rows in share["samples"].items():
            samples[stage].extend(rows)
        errors.update(share["errors"])
        for attempt_id, steps in share["acks"].items():
            acks[int(attempt_id)] = [(str(step_id), int(seq)) for step_id, seq in steps]
        processes.append({"cpu_s": share["cpu_s"], "wall_s": share["wall_s"]})
    return {"samples": dict(samples), "errors": dict(errors), "acks": acks, "processes": processes,
            "per_instance": dict(per_instance)}


def generator_cost(processes: Sequence[Mapping]) -> dict:
    """The load generator's own CPU: in total (100 = one core) and for its busiest process — a
    process near 100 % is the bottleneck, not the app."""
    if not processes:
        return {"processes": 0, "cpu_pct": None, "busiest_process_cpu_pct": None}
    wall = max(p["wall_s"] for p in processes) or 1e-9
    return {"processes": len(processes),
            "cpu_pct": round(100 * sum(p["cpu_s"] for p in processes) / wall, 1),
            "busiest_process_cpu_pct": round(max(100 * p["cpu_s"] / (p["wall_s"] or 1e-9) for p in processes), 1)}


def in_window(rows: Iterable[Sequence], start: float, end: float) -> list[Sequence]:
    """Samples ``[t, ms, ok]`` whose request was sent within [start, end)."""
    return [row for row in rows if start <= row[0] < end]


def stored_check(acks: Mapping[int, Sequence[tuple[str, int]]],
                 stored: Iterable[tuple[int, str, int]]) -> dict:
    """Compare what the server acknowledged (per attempt, in the order the acknowledgements arrived:
    ``(client_step_id, seq)`` for each 200 with ``written: true``) with the rows read back from
    ``response_steps`` (``(attempt_id, client_step_id, seq)``).

    - ``acknowledged_missing``: an acknowledged step with no stored row (a lost answer).
    - ``duplicated``: a step stored more than once, or two rows of one attempt sharing a seq.
    - ``out_of_order``: an acknowledged step stored under another seq than the one acknowledged, or
      acknowledged with a seq not above the attempt's previous acknowledgement.
    - ``seq_gaps``: seq numbers missing from an attempt's 1..n (rows that vanished, acknowledged or not).
    - ``stored_unacknowledged``: rows whose acknowledgement never reached the client (a time-out after
      the write): not an error — the player resends such a step and is answered from the stored one.
    """
    by_attempt: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for attempt_id, step_id, seq in stored:
        by_attempt[int(attempt_id)].append((str(step_id), int(seq)))

    missing = duplicated = out_of_order = gaps = unacknowledged = 0
    for attempt_id in set(by_attempt) | set(acks):
        rows = by_attempt.get(attempt_id, [])
        step_counts = Counter(step_id for step_id, _ in rows)
        seq_counts = Counter(seq for _, seq in rows)
        duplicated += sum(n - 1 for n in step_counts.values()) + sum(n - 1 for n in seq_counts.values())
        seqs = set(seq_counts)
        if seqs:
            gaps += len(set(range(1, max(seqs) + 1)) - seqs)
        stored_seq = {step_id: seq for step_id, seq in rows}
        acknowledged = acks.get(attempt_id, [])
        previous = 0
        for step_id, seq in acknowledged:
            if step_id not in stored_seq:
                missing += 1
            elif stored_seq[step_id] != seq:
                out_of_order += 1
            if seq <= previous:
                out_of_order += 1
            previous = max(previous, seq)
        unacknowledged += len(set(stored_seq) - {step_id for step_id, _ in acknowledged})
    return {"acknowledged_missing": missing, "duplicated": duplicated, "out_of_order": out_of_order,
            "seq_gaps": gaps, "stored_unacknowledged": unacknowledged, "attempts": len(set(by_attempt) | set(acks))}


def timeline(saves: Iterable[Sequence], marks: Sequence[Sequence[float]], cores: int) -> list[dict]:
    """The run second by second, or by whatever step the ``marks`` were taken at, to tell a slow
    moment of the machine from one of the app. ``marks`` are ``(t, app_cpu_s, database_cpu_s,
    machine_busy_ticks, machine_steal_ticks, machine_ticks)`` read every few seconds (the first at
    the start). For each interval between two marks: the saves sent in it and acknowledged (``[t,
    ms, ok]`` rows), their p50 and p99, the app's and the database's CPU (100 = one core), how busy
    the whole machine was and how much time a hypervisor stole (100 = every core)."""
    rows = sorted(saves)
    out, k = [], 0
    for before, after in zip(marks, marks[1:]):
        t0, t1 = before[0], after[0]
        while k < len(rows) and rows[k][0] < t0:
            k += 1
        within = []
        while k < len(rows) and rows[k][0] < t1:
            if rows[k][2]:
                within.append(rows[k][1])
            k += 1
        span, ticks = (t1 - t0) or 1e-9, (after[5] - before[5]) or 1e-9
        figures = summarise(within)
        out.append({"t": round(t0, 1), "saves": len(within), "p50_ms": figures["p50_ms"], "p99_ms": figures["p99_ms"],
                    "app_cpu_pct": round(100 * max(0.0, after[1] - before[1]) / span, 1),
                    "database_cpu_pct": round(100 * max(0.0, after[2] - before[2]) / span, 1),
                    "machine_busy_pct": round(100 * (after[3] - before[3]) / ticks, 1),
                    "steal_pct": round(100 * (after[4] - before[4]) / ticks, 1),
                    "cores": cores})
    return out
