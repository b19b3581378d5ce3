"""What each request of the start storm costs the app, one request at a time (no queueing).

Each candidate does what ``bench/load_delivery.py --scenario storm`` does — the sign-in page, the
sign-in, the start page, the start form with the declaration, the player page and the claim that
answers with the exam — here through Flask's test client in this process, against PostgreSQL (the
bench's own schema, made afresh) or SQLite. Prints, per request, the median of this process's CPU
time and of the wall time over the candidates after the first ``--warm`` (the first requests fill
caches: the rendered exam content, compiled statements, templates). On PostgreSQL the database
server's own CPU is in the wall time, not the CPU time. The statements column counts what reached
the database through SQLAlchemy's cursor events (the driver-level fast paths announce theirs there
too), BEGIN and COMMIT not included.

    .venv/bin/python bench/storm_requests.py --candidates 60
    .venv/bin/python bench/storm_requests.py --profile start_post   # and where that request's CPU goes
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import load_delivery  # noqa: E402
from bench.load_scenarios import CSRF_INPUT, CSRF_META, PASSWORD  # noqa: E402

STAGES = ("login_page", "login_post", "start_page", "start_post", "player_page", "claim_with_exam")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=60)
    parser.add_argument("--warm", type=int, default=10, help="candidates not counted (default 10)")
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--profile", choices=STAGES, help="print the counted requests' cProfile for this stage")
    args = parser.parse_args()
    if args.candidates <= args.warm:
        parser.error("--candidates must be more than --warm")

    from assessment.app import create_app

    url = load_delivery.database_url(args.backend, Path(tempfile.mkdtemp()))
    plan, sitting_id = load_delivery.prepare_sitting(url, args.candidates, start=False)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": load_delivery.SECRET, "PASSWORD_HASH_PROFILE": "fast"})
    costs: dict[str, list[tuple[float, float, int]]] = {stage: [] for stage in STAGES}
    statements = [0]
    with app.app_context():
        from sqlalchemy import event

        from core import db
        event.listen(db.state().engine, "before_cursor_execute",
                     lambda *_: statements.__setitem__(0, statements[0] + 1))
    profiler = cProfile.Profile() if args.profile else None

    def timed(stage, send):
        counted = len(costs[stage]) >= args.warm
        profiling = profiler is not None and stage == args.profile and counted
        statements[0] = 0
        cpu, wall = time.process_time(), time.perf_counter()
        if profiling:
            profiler.enable()
        response = send()
        if profiling:
            profiler.disable()
        costs[stage].append(((time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000,
                             statements[0]))
        return response

    def expect(response, status):
        if response.status_code != status:
            raise SystemExit(f"{response.request.path} answered {response.status_code}, not {status}")
        return response

    for email, _, device in plan:
        client = app.test_client()
        page = timed("login_page", lambda: client.get("/login")).get_data(as_text=True)
        form = {"email": email, "password": PASSWORD, "csrf_token": CSRF_INPUT.search(page).group(1)}
        expect(timed("login_post", lambda: client.post("/login", data=form)), 302)
        page = timed("start_page", lambda: client.get(f"/sittings/{sitting_id}/start")).get_data(as_text=True)
        form = {"csrf_token": CSRF_INPUT.search(page).group(1), "declaration": "y"}
        started = expect(timed("start_post", lambda: client.post(f"/sittings/{sitting_id}/start", data=form)), 302)
        attempt_id = int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1))
        player = timed("player_page", lambda: client.get(f"/attempts/{attempt_id}")).get_data(as_text=True)
        headers = {"X-CSRFToken": CSRF_META.search(player).group(1)}
        body = {"device_id": device, "with_exam": True}
        expect(timed("claim_with_exam",
                     lambda: client.post(f"/api/v1/attempts/{attempt_id}/claim", json=body, headers=headers)), 200)

    print(f"{args.backend}, {args.candidates - args.warm} candidates counted (after {args.warm}); medians in ms")
    print(f"{'request':16s} {'CPU':>7s} {'wall':>7s} {'statements':>11s}")
    total_cpu = total_wall = 0.0
    total_statements = 0
    for stage in STAGES:
        counted = costs[stage][args.warm:]
        cpu = statistics.median(c for c, _, _ in counted)
        wall = statistics.median(w for _, w, _ in counted)
        count = round(statistics.median(n for _, _, n in counted))
        total_cpu, total_wall, total_statements = total_cpu + cpu, total_wall + wall, total_statements + count
        print(f"{stage:16s} {cpu:7.1f} {wall:7.1f} {count:11d}")
    print(f"{'a candidate':16s} {total_cpu:7.1f} {total_wall:7.1f} {total_statements:11d}")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
