"""Invigilation telemetry beside autosave: what ingest costs the save path, how fast it takes events
and snapshots in, and how many rows and bytes a candidate-hour leaves in the database and the media
store. In-process (the Flask test client, one request at a time, the app's clock moved through a
simulated sitting), on SQLite and PostgreSQL:

    .venv/bin/python bench/bench_invigilation.py                          # 1,000 and 5,000 candidates, both databases
    .venv/bin/python bench/bench_invigilation.py --candidates 1000 --backends sqlite --window 60

For each run, every candidate has an invigilated attempt under way (set up through the real services,
not timed). Then, in simulated time:

1. **saves only** for ``window / 2`` seconds: every candidate saves an answer every 10–20 s (random);
(after ``--warmup`` simulated seconds of everything, 20 by default, not reported)
2. **saves + telemetry** for ``window`` seconds: the same saves, plus a heartbeat batch every 15 s
   (with a tab switch, a focus loss or a copy now and then, at about 12 browser events an hour), and a
   webcam snapshot every 30 s — a 320×240 JPEG of 10–20 KB, like the player's.

Each candidate starts at a random phase, so requests are spread as in a real sitting. Requests run one
at a time in the order of their simulated instants: the figures are the server's own cost per request
(no queueing, no network), on one core. Rates per candidate-hour are measured over the simulated
window and multiplied up to an hour (said in the output). CSRF is switched off (the bench calls the
API directly; the check costs microseconds). Figures go to stdout and bench/results/ (ignored by git).
"""
from __future__ import annotations

import argparse
import heapq
import io
import json
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-not-for-production"
HEARTBEAT_S = 15
SNAPSHOT_S = 30
BROWSER_EVENTS_PER_HOUR = 12


def jpegs(count: int, seed: int = 12) -> list[bytes]:
    """Webcam-like 320×240 JPEGs (a face-sized blob on a shaded, noisy background) at quality 60."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    images = []
    for _ in range(count):
        image = Image.effect_noise((320, 240), rng.uniform(40, 60)).convert("RGB")
        shade = Image.linear_gradient("L").resize((320, 240)).convert("RGB")
        image = Image.blend(image, shade, 0.45)
        draw = ImageDraw.Draw(image)
        x, y = rng.randint(100, 160), rng.randint(50, 90)
        draw.ellipse((x, y, x + 90, y + 120), fill=(rng.randint(90, 220), rng.randint(70, 170), rng.randint(60, 140)))
        image = image.filter(ImageFilter.GaussianBlur(0.5))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=60)
        images.append(out.getvalue())
    return images


def database_url(backend: str, workdir: Path, schema: str = "cop_bench_invigilation") -> str:
    """SQLite in a temporary folder, or a PostgreSQL schema of the bench's own (made afresh)."""
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    import os

    from sqlalchemy import create_engine, text

    pg_url = os.environ.get("COP_BENCH_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
    engine = create_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{pg_url}?options=-csearch_path%3D{schema}"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def prepare(url: str, n: int):
    """The delivery bench's setup (demo bank, a paper, a booked sitting, attempts started through the
    real service), then the sitting marked as invigilated."""
    from sqlalchemy import create_engine, text

    sys.path.insert(0, str(REPO / "bench"))
    from load_delivery import prepare as prepare_delivery

    plan = prepare_delivery(url, n)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE sittings SET requires_invigilation = :yes WHERE title = 'Bench sitting'"),
                           {"yes": True})
    engine.dispose()
    return plan


def sba_slots(app, attempt_id: int) -> list[int]:
    from sqlalchemy import select

    from assessment.delivery.models import AttemptSlot
    from core import db
    from item_bank.models import ItemVersion

    with app.app_context():
        session = db.session()
        rows = session.execute(select(AttemptSlot.slot, ItemVersion.item_type)
                               .join(ItemVersion, ItemVersion.id == AttemptSlot.item_version_id)
                               .where(AttemptSlot.attempt_id == attempt_id)).all()
        return [slot for slot, kind in rows if str(kind) == "sba"] or [1]


def run(backend: str, n: int, window_s: float, workdir: Path, images: list[bytes], warmup_s: float = 20) -> dict:
    import datetime as dt

    from sqlalchemy import func, select

    from assessment.accounts.models import User
    from assessment.accounts.services import start_sign_in
    from assessment.app import create_app
    from core import db
    from core.web import SIGN_IN_KEY
    from proctoring.models import InvigilationEvent

    url = database_url(backend, workdir)
    print(f"[{backend}] preparing {n} candidates…", flush=True)
    started = time.monotonic()
    plan = prepare(url, n)
    print(f"[{backend}] prepared in {time.monotonic() - started:.0f} s", flush=True)
    media = workdir / "media"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "PASSWORD_HASH_PROFILE": "fast",
                      "WTF_CSRF_ENABLED": False, "INVIGILATION_MEDIA_FOLDER": str(media),
                      "INVIGILATION_MAX_EVENTS_PER_MINUTE": 240})
    clock = app.extensions["cop.clock"]
    slots = sba_slots(app, plan[0][1])
    clients = []
    with app.app_context():
        ids = dict(db.session().execute(select(User.email, User.id).where(User.email.in_([p[0] for p in plan]))).all())
        versions = dict(db.session().execute(select(User.id, User.session_version)).all())
    for email, attempt_id, device in plan:
        client = app.test_client()
        # A session needs its sign-in row as well as the id (docs/sessions.md), as login_user makes.
        with app.app_context():
            token = start_sign_in(db.session(), user_id=ids[email], user_agent="bench", client_address=None,
                                  now=dt.datetime.now(dt.timezone.utc))
            db.session().commit()
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = f"{ids[email]}:{versions[ids[email]]}"
            flask_session[SIGN_IN_KEY] = token
            flask_session["_fresh"] = True
        clients.append(client)

    rng = random.Random(20261206)
    t0 = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
    seen = [0] * n
    counters = [0] * n

    def save(i: int) -> tuple[float, int]:
        email, attempt_id, device = plan[i]
        counters[i] += 1
        body = {"slot": rng.choice(slots), "payload": {"answer": rng.choice("ABCD"), "flagged": False, "struck": []},
                "seen_seq": seen[i], "client_step_id": f"{device}-{counters[i]}", "device_id": device}
        began, cpu = time.perf_counter(), time.process_time()
        response = clients[i].post(f"/api/v1/attempts/{attempt_id}/responses", json=body)
        took = ((time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000)
        reply = response.get_json()
        if response.status_code == 200:
            seen[i] = reply["seq"]
        else:
            seen[i] = (reply.get("state") or {}).get("last_seq", seen[i])
        return took, response.status_code

    def beat(i: int, at: dt.datetime) -> tuple[float, int, int]:
        attempt_id = plan[i][1]
        counters[i] += 1
        events = [{"id": f"h{i}-{counters[i]}", "kind": "heartbeat", "at": at.isoformat(),
                   "data": {"camera": "on", "online": True, "queued": 0}}]
        if rng.random() < BROWSER_EVENTS_PER_HOUR / (3600 / HEARTBEAT_S) / 2:  # a pair: away, then back
            kind = rng.choice([("tab_hidden", "tab_visible"), ("window_blur", "window_focus"), ("copy", "paste")])
            events += [{"id": f"b{i}-{counters[i]}-{k}", "kind": name, "at": at.isoformat(), "data": {}}
                       for k, name in enumerate(kind)]
        began, cpu = time.perf_counter(), time.process_time()
        response = clients[i].post(f"/api/v1/invigilation/attempts/{attempt_id}/events", json={"events": events})
        return ((time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000), response.status_code, \
            len(events)

    def snapshot(i: int, at: dt.datetime) -> tuple[float, int, int]:
        attempt_id = plan[i][1]
        counters[i] += 1
        data = images[(i + counters[i]) % len(images)]
        began, cpu = time.perf_counter(), time.process_time()
        response = clients[i].post(f"/api/v1/invigilation/attempts/{attempt_id}/snapshots", data=data,
                                   content_type="image/jpeg",
                                   headers={"X-Client-Event-Id": f"p{i}-{counters[i]}",
                                            "X-Captured-At": at.isoformat()})
        return ((time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000), response.status_code, \
            len(data)

    def simulate(start_s: float, length_s: float, telemetry: bool) -> dict:
        queue: list[tuple[float, int, str]] = []
        for i in range(n):
            heapq.heappush(queue, (start_s + rng.uniform(0, 15), i, "save"))
            if telemetry:
                heapq.heappush(queue, (start_s + rng.uniform(0, HEARTBEAT_S), i, "beat"))
                heapq.heappush(queue, (start_s + rng.uniform(0, SNAPSHOT_S), i, "snapshot"))
        saves, beats, snaps, errors = [], [], [], {}
        events = snapshot_bytes = 0
        wall = time.perf_counter()
        while queue and queue[0][0] < start_s + length_s:
            at_s, i, kind = heapq.heappop(queue)
            at = t0 + dt.timedelta(seconds=at_s)
            clock.set(at)
            if kind == "save":
                took, status = save(i)
                saves.append(took)
                heapq.heappush(queue, (at_s + rng.uniform(10, 20), i, "save"))
            elif kind == "beat":
                took, status, count = beat(i, at)
                beats.append(took)
                events += count if status == 200 else 0
                heapq.heappush(queue, (at_s + HEARTBEAT_S, i, "beat"))
            else:
                took, status, size = snapshot(i, at)
                snaps.append(took)
                snapshot_bytes += size if status == 200 else 0
                heapq.heappush(queue, (at_s + SNAPSHOT_S, i, "snapshot"))
            if status != 200:
                errors[f"{kind} {status}"] = errors.get(f"{kind} {status}", 0) + 1
        wall = time.perf_counter() - wall
        clock.release()
        return {"saves": saves, "beats": beats, "snaps": snaps, "events": events, "snapshot_bytes": snapshot_bytes,
                "errors": errors, "wall_s": wall}

    def summary(pairs):
        """Wall-clock (what a client waits, on this shared machine) and this process's CPU time (the
        app's own work: steadier when other programs load the machine; on PostgreSQL it leaves out the
        database server's share)."""
        walls, cpus = [w for w, _c in pairs], [c for _w, c in pairs]
        return {"n": len(pairs), "p50_ms": round(percentile(walls, 50), 1), "p95_ms": round(percentile(walls, 95), 1),
                "p99_ms": round(percentile(walls, 99), 1), "cpu_mean_ms": round(sum(cpus) / max(1, len(cpus)), 2),
                "cpu_p50_ms": round(percentile(cpus, 50), 2)}

    # Warm-up, not reported: each candidate's first requests load code, their session and caches; with
    # 20 s every candidate has saved and sent telemetry before anything is measured.
    simulate(-warmup_s - 5, warmup_s, telemetry=True)
    print(f"[{backend}] {n} candidates: saves only, {window_s / 2:.0f} s simulated…", flush=True)
    alone = simulate(0, window_s / 2, telemetry=False)
    with app.app_context():
        session = db.session()
        rows_before = session.scalar(select(func.count()).select_from(InvigilationEvent))
        size_before = table_bytes(session, backend)
    media_before = sum(path.stat().st_size for path in media.rglob("*.jpg"))
    print(f"[{backend}] {n} candidates: saves + telemetry, {window_s:.0f} s simulated…", flush=True)
    mixed = simulate(window_s / 2 + 1, window_s, telemetry=True)
    with app.app_context():
        session = db.session()
        rows_after = session.scalar(select(func.count()).select_from(InvigilationEvent))
        size_after = table_bytes(session, backend)
    media_bytes = sum(path.stat().st_size for path in media.rglob("*.jpg")) - media_before
    app.extensions["cop.db"].engine.dispose()

    hours = n * window_s / 3600  # candidate-hours simulated in the telemetry window
    telemetry_requests = len(mixed["beats"]) + len(mixed["snaps"])
    telemetry_ms = sum(w for w, _c in mixed["beats"] + mixed["snaps"])
    telemetry_cpu_ms = sum(c for _w, c in mixed["beats"] + mixed["snaps"])
    rows = rows_after - rows_before
    result = {
        "backend": backend, "candidates": n, "window_s": window_s,
        "save_alone": summary(alone["saves"]), "save_with_telemetry": summary(mixed["saves"]),
        "heartbeat_batch": summary(mixed["beats"]), "snapshot": summary(mixed["snaps"]),
        "ingest_requests_per_s": round(telemetry_requests / (telemetry_ms / 1000), 1) if telemetry_ms else None,
        "ingest_requests_per_cpu_s": (round(telemetry_requests / (telemetry_cpu_ms / 1000), 1)
                                      if telemetry_cpu_ms else None),
        "ingest_rows_per_s": round(rows / (telemetry_ms / 1000), 1) if telemetry_ms else None,
        "offered_telemetry_requests_per_s": round(telemetry_requests / window_s, 1),
        "server_busy_fraction": round((sum(w for w, _c in mixed["saves"]) + telemetry_ms) / 1000 / window_s, 2),
        "telemetry_share_of_cpu": round(telemetry_cpu_ms / max(1e-9, telemetry_cpu_ms + sum(
            c for _w, c in mixed["saves"])), 2),
        "per_candidate_hour": {
            "log_rows": round(rows / hours, 1),
            "db_bytes": round((size_after - size_before) / hours) if size_after is not None else None,
            "media_bytes": round(media_bytes / hours),
            "snapshots": round(len(mixed["snaps"]) / hours, 1),
            "saves": round(len(mixed["saves"]) / hours, 1),
        },
        "mean_snapshot_bytes": round(mixed["snapshot_bytes"] / max(1, len(mixed["snaps"]))),
        "errors": {"saves_only": alone["errors"], "with_telemetry": mixed["errors"]},
        "wall_s": round(alone["wall_s"] + mixed["wall_s"], 1),
    }
    print(json.dumps(result), flush=True)
    return result


def table_bytes(session, backend: str) -> int | None:
    """The invigilation log's size on disk, indexes included."""
    from sqlalchemy import text

    if backend == "postgresql":
        return session.scalar(text("SELECT pg_total_relation_size('invigilation_events')"))
    try:
        return session.scalar(text("SELECT SUM(pgsize) FROM dbstat WHERE name = 'invigilation_events' "
                                   "OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'invigilation_events'"
                                   " AND type = 'index')"))
    except Exception:  # noqa: BLE001 - SQLite built without dbstat: say nothing rather than guess
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", default="1000,5000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--window", default="60,20",
                        help="simulated seconds of saves + telemetry, one per candidate count (the last repeats)")
    parser.add_argument("--warmup", type=float, default=20.0, help="simulated seconds of warm-up, not reported")
    args = parser.parse_args()
    counts = [int(x) for x in args.candidates.split(",")]
    windows = [float(x) for x in args.window.split(",")]
    images = jpegs(40)
    print(f"snapshot JPEGs: {min(map(len, images))}–{max(map(len, images))} bytes", flush=True)
    results = []
    for backend in args.backends.split(","):
        for index, n in enumerate(counts):
            with tempfile.TemporaryDirectory() as workdir:
                results.append(run(backend, n, windows[min(index, len(windows) - 1)], Path(workdir), images,
                                   args.warmup))
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_invigilation.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
