"""Load generator for exam delivery: many simulated candidates sitting at once against the real app
served by gunicorn, on SQLite and on PostgreSQL, beside a minimal upsert endpoint (the ceiling).

    .venv/bin/python bench/load_delivery.py                       # 100, 1,000 and 5,000 candidates, both databases
    .venv/bin/python bench/load_delivery.py --candidates 100 --backends sqlite --duration 30

Each simulated candidate signs in, opens the exam (the player's state request), then saves an answer
every 10–20 s (random), reads the state again now and then (navigation), and submits at the end.
Reported per run: saves per second, latency percentiles (p50/p95/p99) and errors. Then a closed-loop
saturation run (clients saving back-to-back) is made against our autosave and against the ceiling
app, and their ratio is reported. Figures go to stdout and to bench/results/ (ignored by git).

Setup writes straight to the database for speed (accounts in bulk with one shared password hash, a
paper built from the demo bank, one booked sitting, and attempts started through the real service)
— setup is not what is measured.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_URL = os.environ.get("COP_BENCH_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
PASSWORD = "bench password for candidates"
SECRET = "bench-secret-key-not-for-production"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS cop_bench CASCADE"))
        connection.execute(text("CREATE SCHEMA cop_bench"))
    engine.dispose()
    return f"{PG_URL}?options=-csearch_path%3Dcop_bench"


def prepare(url: str, n_candidates: int) -> list[tuple[str, int, str]]:
    """Migrate, load the demo bank, publish a paper, open a sitting, book and start every candidate.
    Returns (email, attempt id, device id) per candidate."""
    import datetime as dt

    from sqlalchemy import create_engine, insert, select

    from assessment.accounts.models import RoleGrant, User
    from assessment.accounts.passwords import hash_password
    from assessment.app import create_app
    from assessment.delivery import services as delivery
    from assessment.delivery.models import Booking, Sitting, SittingPaper
    from assessment.demo import load_demo
    from core import db, migrations
    from core.roles import Role
    from item_bank.models import CaseStudyVersion, ExamPaper, ExamPaperEntry, ExamSpec
    from item_bank.workflow import Status

    engine = create_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "PASSWORD_HASH_PROFILE": "fast"})
    now = dt.datetime.now(dt.timezone.utc)
    with app.app_context():
        session = db.session()
        load_demo(session, now=now, password="bench demo password", hash_profile="fast")
        admin = session.scalar(select(User).where(User.email == "admin@example.org"))
        spec = ExamSpec(title="Bench spec", total_marks=1, total_marks_tolerance=0, duration_min=120,
                        min_case_studies=1, max_case_studies=10, theme_marks={}, standard_marks={},
                        item_type_mix={}, enemy_sets=[], created_by_id=admin.id, created_at=now, updated_at=now)
        session.add(spec)
        session.flush()
        paper = ExamPaper(title="Bench paper", exam_spec_id=spec.id, is_published=True, created_by_id=admin.id,
                          created_at=now, published_at=now)
        session.add(paper)
        session.flush()
        approved = session.scalars(select(CaseStudyVersion).where(CaseStudyVersion.status == Status.APPROVED)
                                   .order_by(CaseStudyVersion.id).limit(3)).all()
        session.add_all(ExamPaperEntry(exam_paper_id=paper.id, case_study_version_id=v.id, position=i)
                        for i, v in enumerate(approved, start=1))
        sitting = Sitting(title="Bench sitting", booking_opens_at=now - dt.timedelta(days=10),
                          booking_closes_at=now - dt.timedelta(days=1), opens_at=now - dt.timedelta(hours=1),
                          closes_at=now + dt.timedelta(hours=6), duration_s=3 * 3600, capacity=n_candidates,
                          requires_invigilation=False, created_at=now)
        session.add(sitting)
        session.flush()
        session.add(SittingPaper(sitting_id=sitting.id, exam_paper_id=paper.id))
        shared_hash = hash_password(PASSWORD, "fast")
        emails = [f"bench{i:05d}@example.org" for i in range(n_candidates)]
        session.execute(insert(User), [{"email": e, "full_name": f"Bench Candidate {i}", "password_hash": shared_hash,
                                        "session_version": 1, "is_enabled": True, "created_at": now}
                                       for i, e in enumerate(emails)])
        ids = dict(session.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
        session.execute(insert(RoleGrant), [{"user_id": ids[e], "role": Role.CANDIDATE, "granted_at": now}
                                            for e in emails])
        session.execute(insert(Booking), [{"sitting_id": sitting.id, "candidate_id": ids[e], "booked_at": now}
                                          for e in emails])
        session.commit()
        plan = []
        for email in emails:
            user = session.get(User, ids[email])
            device = f"bench-{ids[email]}"
            attempt = delivery.start_attempt(session, actor=user.actor, sitting_id=sitting.id, device_id=device,
                                             now=now)
            plan.append((email, attempt.id, device))
            if len(plan) % 500 == 0:
                session.commit()
        session.commit()
    app.extensions["cop.db"].engine.dispose()
    return plan


class Server:
    def __init__(self, target: str, env: dict[str, str], workers: int = 2, threads: int = 8) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
             "--worker-class", "gthread", "--threads", str(threads), "--backlog", "4096", "--log-level", "warning",
             # Candidates idle 10–20 s between saves; keep their connections, as a proxy in front would.
             "--keep-alive", "75", "--worker-connections", "6000",
             target], cwd=REPO, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start: " + self.process.stderr.read().decode()[-2000:])

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass
class Stats:
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    saves: int = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def sign_in(client, base: str, email: str) -> str:
    async with client.get(f"{base}/login") as response:
        page = await response.text()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    async with client.post(f"{base}/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                           allow_redirects=False) as response:
        if response.status != 302:
            raise RuntimeError(f"sign-in failed for {email}: {response.status}")
    return token


async def candidate(base, connector, email, attempt_id, device, stats: Stats, stop_at: float, rng: random.Random,
                    paced: bool) -> None:
    import aiohttp

    async with aiohttp.ClientSession(connector=connector, connector_owner=False,
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        try:
            token = await sign_in(client, base, email)
            async with client.get(f"{base}/api/v1/attempts/{attempt_id}", params={"device_id": device}) as response:
                state = await response.json()
        except Exception as error:  # noqa: BLE001 - a benchmark counts failures instead of stopping
            stats.error(f"start: {type(error).__name__}")
            return
        # Saves are checked against their item: "A"–"D" fits single best answer questions only.
        slots = [i["slot"] for i in state.get("items", []) if i.get("type") == "sba"] or [1]
        seen = state.get("last_seq", 0)
        headers = {"X-CSRFToken": token}
        counter = 0
        while time.monotonic() < stop_at:
            if paced:
                await asyncio.sleep(rng.uniform(10, 20))
                if time.monotonic() >= stop_at:
                    break
            counter += 1
            if counter % 5 == 0:  # moving between questions re-reads the state now and then
                try:
                    async with client.get(f"{base}/api/v1/attempts/{attempt_id}", params={"device_id": device}) as r:
                        await r.read()
                except Exception as error:  # noqa: BLE001
                    stats.error(f"state: {type(error).__name__}")
            body = {"slot": rng.choice(slots), "payload": {"answer": rng.choice("ABCD"), "flagged": False,
                                                           "struck": []},
                    "seen_seq": seen, "client_step_id": f"{device}-{counter}", "device_id": device}
            started = time.perf_counter()
            try:
                async with client.post(f"{base}/api/v1/attempts/{attempt_id}/responses", json=body,
                                       headers=headers) as response:
                    reply = await response.json()
                    status = response.status
            except Exception as error:  # noqa: BLE001
                stats.error(type(error).__name__)
                continue
            stats.latencies_ms.append((time.perf_counter() - started) * 1000)
            if status == 200:
                stats.saves += 1
                seen = reply["seq"]
            else:
                stats.error(f"HTTP {status} {reply.get('code', '')}".strip())
                seen = (reply.get("state") or {}).get("last_seq", seen)
        try:
            async with client.post(f"{base}/api/v1/attempts/{attempt_id}/submit", headers=headers) as response:
                if response.status != 200:
                    stats.error(f"submit HTTP {response.status}")
        except Exception as error:  # noqa: BLE001
            stats.error(f"submit: {type(error).__name__}")


async def run_sitting(base: str, plan, duration_s: float, paced: bool, concurrency_limit: int = 1024) -> dict:
    import aiohttp

    stats = Stats()
    rng = random.Random(20261123)
    connector = aiohttp.TCPConnector(limit=concurrency_limit)
    ramp_s = min(30.0, len(plan) / 200)  # arrivals spread out, as candidates start at different moments
    stop_at = time.monotonic() + ramp_s + duration_s

    async def arrive(index, entry):
        await asyncio.sleep(ramp_s * index / max(1, len(plan)))
        await candidate(base, connector, *entry, stats, stop_at, random.Random(rng.random()), paced)

    started = time.monotonic()
    measure_from = started + ramp_s
    await asyncio.gather(*(arrive(i, entry) for i, entry in enumerate(plan)))
    elapsed = max(1e-9, min(time.monotonic(), stop_at) - measure_from)
    await connector.close()
    return {"candidates": len(plan), "saves": stats.saves, "saves_per_s": round(stats.saves / elapsed, 1),
            "p50_ms": round(percentile(stats.latencies_ms, 50), 1), "p95_ms": round(percentile(stats.latencies_ms, 95), 1),
            "p99_ms": round(percentile(stats.latencies_ms, 99), 1), "errors": stats.errors}


async def run_ceiling(base: str, clients: int, duration_s: float) -> dict:
    import aiohttp

    latencies: list[float] = []
    count = 0
    stop_at = time.monotonic() + duration_s
    connector = aiohttp.TCPConnector(limit=clients)

    async def loop(row):
        nonlocal count
        async with aiohttp.ClientSession(connector=connector, connector_owner=False) as client:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                async with client.post(f"{base}/save/{row}", data='{"answer": "B"}') as response:
                    await response.read()
                latencies.append((time.perf_counter() - started) * 1000)
                count += 1

    started = time.monotonic()
    await asyncio.gather(*(loop(row) for row in range(clients)))
    elapsed = time.monotonic() - started
    await connector.close()
    return {"clients": clients, "requests_per_s": round(count / elapsed, 1),
            "p50_ms": round(percentile(latencies, 50), 1), "p99_ms": round(percentile(latencies, 99), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", default="100,1000,5000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of paced sitting after the ramp")
    parser.add_argument("--saturation-clients", type=int, default=64)
    parser.add_argument("--saturation-duration", type=float, default=20.0)
    args = parser.parse_args()
    results = {"runs": [], "saturation": []}
    for backend in args.backends.split(","):
        for n in [int(x) for x in args.candidates.split(",")]:
            with tempfile.TemporaryDirectory() as workdir:
                url = database_url(backend, Path(workdir))
                smallest = n == min(int(x) for x in args.candidates.split(","))
                extra = args.saturation_clients if smallest else 0  # fresh attempts for the saturation run
                print(f"[{backend}] preparing {n + extra} candidates…", flush=True)
                plan, spare = (lambda whole: (whole[:n], whole[n:]))(prepare(url, n + extra))
                server = Server("assessment.wsgi:app", {"COP_DATABASE_URL": url, "COP_SECRET_KEY": SECRET,
                                                        "COP_PASSWORD_HASH_PROFILE": "fast", "COP_LOGIN_THROTTLE": "0"})
                try:
                    row = {"backend": backend, **asyncio.run(run_sitting(server.url, plan, args.duration, paced=True))}
                    print(json.dumps(row), flush=True)
                    results["runs"].append(row)
                    if spare:
                        saturated = asyncio.run(run_sitting(server.url, spare, args.saturation_duration, paced=False))
                        entry = {"backend": backend, "target": "autosave (closed loop)", **saturated}
                        print(json.dumps(entry), flush=True)
                        results["saturation"].append(entry)
                finally:
                    server.stop()
    if "postgresql" in args.backends:
        dsn = PG_URL.replace("+psycopg", "")
        server = Server("bench.ceiling_app:app", {"COP_CEILING_DSN": dsn})
        try:
            ceiling = {"backend": "postgresql", "target": "minimal upsert (ceiling)",
                       **asyncio.run(run_ceiling(server.url, args.saturation_clients, args.saturation_duration))}
        finally:
            server.stop()
        print(json.dumps(ceiling), flush=True)
        results["ceiling"] = ceiling
        ours = next((s for s in results["saturation"] if s["backend"] == "postgresql"), None)
        if ours:
            results["ratio_autosave_to_ceiling"] = round(ours["saves_per_s"] / ceiling["requests_per_s"], 3)
            print(f"autosave / ceiling on PostgreSQL: {results['ratio_autosave_to_ceiling']}")
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "load_delivery.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
