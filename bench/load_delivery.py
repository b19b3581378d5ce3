"""Load bench for exam delivery: many simulated candidates against the real app served by gunicorn,
with what the server acknowledged checked against what the database holds at the end.

    .venv/bin/python bench/load_delivery.py --scenario paced --candidates 200 --duration 30
    .venv/bin/python bench/load_delivery.py --scenario all --candidates 500 --json

Scenarios (``--scenario``, or ``all`` for each in turn):

- ``paced``: a sitting. Candidates arrive over a ramp (``--ramp``; by default the start storm's
  window, 60 s: arrivals are the storm's to measure), sign in, load the exam, then save an answer
  every 10–20 s (uniform, mean 15 s) with a state poll every fifth action, and submit at the end.
  Saves are measured for ``--duration`` seconds from one longest gap after the ramp (everyone is
  saving by then).
- ``closed``: a closed loop. Every client signs in first; then all save back to back for
  ``--closed-duration`` seconds; then the same number of clients does the same against
  bench/ceiling_app.py (a minimal upsert endpoint) in the same run. ``ratio`` = our saves/s over its.
- ``storm``: the start storm. Candidates are booked but not started; each arrives at a uniformly random
  moment within ``--storm-window`` seconds, signs in, opens the start page, sends its form with the
  declaration, opens the player page, claims its window's device id with the exam and the storage
  key in the answer. Each stage is
  reported on its own; the headline percentiles are the exam load's.
- ``scaleout``: the paced sitting (with ``--scaleout-gap`` between saves, 5–10 s: more steps per attempt)
  against two or more app instances on one database: even candidates alternate instance on every
  request, odd ones move to another instance for good halfway through the measured window.

With ``--heartbeats`` (paced and scaleout) the sitting requires invigilation, every candidate has an
approved check-in, and each also makes a heartbeat every ``--heartbeat-interval`` seconds. As in the
player, a heartbeat waits up to half an interval for the candidate's next save to carry it, then goes
in an events batch of its own (``--heartbeats-apart``: always on its own at once, as before heartbeats
rode on saves). The heartbeats acknowledged are counted against the rows stored. Each candidate also
looks for the invigilator's messages as the player does: a poll when the page opens and whenever 10 s
pass with no look, a save asking for them (``"messages": true``) when the last look is 5 s old; with
``--heartbeats-apart``, saves never ask and the poll runs every 10 s, as before messages rode on saves.

Every run ends with the stored check: each save acknowledged with ``written: true`` must be in
``response_steps`` exactly once under its acknowledged seq, and each attempt's seqs must run 1..n in
the order they were acknowledged. With ``--json`` each run prints one JSON object on stdout (progress
goes to stderr); results are also written to bench/results/ (ignored by git). ``--timeline 5`` adds
the run in 5-second intervals (saves sent and acknowledged, their p50 and p99, and the CPU of the app,
of PostgreSQL and of the whole machine, with any time stolen by a hypervisor), to tell a slow moment
of the machine from one of the app.

Setup is not timed: accounts, a paper from the demo bank and a booked sitting are written in bulk,
and (except for the storm) attempts are started through the real service. On PostgreSQL everything
lives in the schema ``cop_bench``, dropped and made again for each run.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import load_check  # noqa: E402
from bench.load_scenarios import PASSWORD  # noqa: E402

VENV_BIN = Path(sys.executable).parent
PG_URL = os.environ.get("COP_BENCH_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
SCHEMA = "cop_bench"
SECRET = "bench-secret-key-not-for-production"
SCENARIOS = ("paced", "closed", "storm", "scaleout")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_schema() -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()


def database_url(backend: str, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    fresh_schema()
    return f"{PG_URL}?options=-csearch_path%3D{SCHEMA}"


def prepare(url: str, n_candidates: int) -> list[tuple[str, int | None, str]]:
    """Set-up with every attempt started; the plan only (bench/bench_invigilation.py uses it)."""
    return prepare_sitting(url, n_candidates, start=True)[0]


def prepare_sitting(url: str, n_candidates: int, start: bool,
                    invigilated: bool = False) -> tuple[list[tuple[str, int | None, str]], int]:
    """Migrate, load the demo bank, publish a paper, open a sitting and book every candidate; with
    ``start``, start each attempt on the device id the candidate will use. ``invigilated``: the
    sitting requires invigilation, and each candidate has given consent and had the check-in approved
    (what the start needs). Returns the plan ((email, attempt id or None, device id) per candidate)
    and the sitting's id."""
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
    from proctoring import log
    from proctoring.rules import LogKind

    engine = create_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "PASSWORD_HASH_PROFILE": "fast"})
    now = dt.datetime.now(dt.timezone.utc)
    with app.app_context():
        session = db.session()
        # Only the bank, papers and sittings: the scored demo sitting would add half a minute of set-up.
        load_demo(session, now=now, password="bench demo password", hash_profile="fast", with_scored_sitting=False)
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
                          requires_invigilation=invigilated, created_at=now)
        session.add(sitting)
        session.flush()
        sitting_id = sitting.id
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
        invigilator = session.scalar(select(User).where(User.email == "invigilator@example.org"))
        plan: list[tuple[str, int | None, str]] = []
        for email in emails:
            device = f"bench-{ids[email]}"
            if not start:
                plan.append((email, None, device))
                continue
            user = session.get(User, ids[email])
            if invigilated:
                invigilation = log.invigilation_for(session, sitting_id=sitting.id, candidate_id=user.id, now=now)
                log.append(session, invigilation_id=invigilation.id, kind=LogKind.CONSENT_GIVEN, now=now,
                           actor_id=user.id)
                log.append(session, invigilation_id=invigilation.id, kind=LogKind.CHECKIN_APPROVED, now=now,
                           actor_id=invigilator.id, reason="Approved for the load bench")
            attempt = delivery.start_attempt(session, actor=user.actor, sitting_id=sitting.id, device_id=device,
                                             now=now)
            plan.append((email, attempt.id, device))
            if len(plan) % 500 == 0:  # one transaction per batch keeps 5,000 starts to a few minutes
                session.commit()
        session.commit()
    app.extensions["cop.db"].engine.dispose()
    return plan, sitting_id


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of one process and, recursively, its children (gunicorn's master and
    workers), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    return own + sum(process_cpu_seconds(int(child)) for child in children)


def database_cpu_seconds() -> float:
    """User + system CPU of every PostgreSQL process on this machine (the server and its backends)."""
    total = 0.0
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() != "postgres":
                continue
            fields = (comm.parent / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def machine_ticks() -> tuple[int, int, int]:
    """The whole machine's busy, stolen and total CPU ticks so far (/proc/stat, every core)."""
    user, nice, system, idle, iowait, irq, softirq, steal = (
        int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9])
    total = user + nice + system + idle + iowait + irq + softirq + steal
    return total - idle - iowait - steal, steal, total


class Marks(threading.Thread):
    """Every ``step`` seconds from the start, the CPU so far of the app, the database and the whole
    machine (``load_check.timeline`` makes intervals of them)."""

    def __init__(self, servers: list, step: float) -> None:
        super().__init__(daemon=True)
        self.servers, self.step, self.marks = servers, step, []
        self.halt = threading.Event()
        self.started = time.monotonic()

    def mark(self) -> None:
        self.marks.append((time.monotonic() - self.started, sum(s.cpu_seconds() for s in self.servers),
                           database_cpu_seconds(), *machine_ticks()))

    def run(self) -> None:
        self.started = time.monotonic()
        self.mark()
        while not self.halt.wait(self.step - (time.monotonic() - self.started) % self.step):
            self.mark()

    def stop(self) -> list:
        self.halt.set()
        self.join(timeout=30)
        return self.marks


class Server:
    """One gunicorn instance (gthread workers) on a free port."""

    def __init__(self, target: str, env: dict[str, str], workers: int, threads: int) -> None:
        self.port = free_port()
        # A file, not a pipe: a pipe nobody reads fills up and would stall gunicorn mid-run.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
             "--worker-class", "gthread", "--threads", str(threads), "--backlog", "4096", "--log-level", "warning",
             # Candidates idle 10–20 s between saves; keep their connections, as a proxy in front would.
             "--keep-alive", "75", "--worker-connections", "6000",
             target], cwd=REPO, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=self.log)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start: " + self.log_text()[-2000:])

    def log_text(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def warm_up(self, path: str, times: int) -> None:
        """A few untimed requests, so that imports and template compilation in each worker are not
        what the first candidates measure."""
        import urllib.request

        for _ in range(times):
            try:
                urllib.request.urlopen(self.url + path, timeout=30).read()
            except OSError:
                pass

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        logged = self.log_text()
        if logged.strip():  # tracebacks, worker time-outs: worth seeing beside the figures
            progress(f"[server {self.port}] logged:\n" + logged[-3000:])
        self.log.close()


def app_servers(url: str, count: int, args) -> list[Server]:
    env = {"COP_DATABASE_URL": url, "COP_SECRET_KEY": SECRET, "COP_PASSWORD_HASH_PROFILE": "fast",
           "COP_LOGIN_THROTTLE": "0"}
    servers = [Server("assessment.wsgi:app", env, args.workers, args.threads) for _ in range(count)]
    for server in servers:
        server.warm_up("/login", 4 * args.workers)
    return servers


def ceiling_servers(count: int, args) -> list[Server]:
    """The ceiling app on PostgreSQL (whatever the app's backend), its table made here once so that
    the workers do not race to make it."""
    import psycopg

    dsn = PG_URL.replace("+psycopg", "")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        connection.execute(f"DROP TABLE IF EXISTS {SCHEMA}.bench_ceiling")
        connection.execute(f"CREATE TABLE {SCHEMA}.bench_ceiling (id integer PRIMARY KEY, payload text, n integer)")
    env = {"COP_CEILING_DSN": f"{dsn}?options=-csearch_path%3D{SCHEMA}", "COP_CEILING_POOL": str(args.threads)}
    return [Server("bench.ceiling_app:app", env, args.workers, args.threads) for _ in range(count)]


def run_clients(jobs: list[dict], on_start=lambda: None) -> tuple[list[dict], float]:
    """One client process per job; all start together (a barrier) once they are ready, and
    ``on_start`` is called then. Returns their measurements and the seconds from start to end."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(jobs) + 1)
    results = context.Queue()
    from bench.load_scenarios import client_process

    processes = [context.Process(target=client_process, args=(job, barrier, results), daemon=True) for job in jobs]
    for process in processes:
        process.start()
    barrier.wait(timeout=1800)
    started = time.monotonic()
    on_start()
    shares = [results.get() for _ in processes]
    for process in processes:
        process.join(timeout=60)
    failed = [share["failed"] for share in shares if "failed" in share]
    if failed:
        raise RuntimeError("a client process failed: " + "; ".join(failed))
    return shares, time.monotonic() - started


def split(plan, k: int) -> list[list[int]]:
    """Candidate indexes per client process, interleaved so each process gets early and late arrivals."""
    return [list(range(i, len(plan), k)) for i in range(min(k, len(plan)))]


def read_back(url: str, sitting_id: int) -> list[tuple[int, str, int]]:
    """The bench sitting's stored steps (the demo data has sittings and steps of its own)."""
    from sqlalchemy import create_engine, select

    from assessment.delivery.models import Attempt, ResponseStep

    steps, attempts = ResponseStep.__table__, Attempt.__table__
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(steps.c.attempt_id, steps.c.client_step_id, steps.c.seq)
                                  .join(attempts, attempts.c.id == steps.c.attempt_id)
                                  .where(attempts.c.sitting_id == sitting_id)
                                  .order_by(steps.c.attempt_id, steps.c.seq)).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def heartbeats_stored(url: str, sitting_id: int) -> int:
    """Heartbeat rows the bench's candidates left in the invigilation logs of its sitting."""
    from sqlalchemy import create_engine, func, select

    from proctoring.models import Invigilation, InvigilationEvent
    from proctoring.rules import LogKind

    events, invigilations = InvigilationEvent.__table__, Invigilation.__table__
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(events)
                                  .join(invigilations, invigilations.c.id == events.c.invigilation_id)
                                  .where(invigilations.c.sitting_id == sitting_id, events.c.kind == LogKind.HEARTBEAT,
                                         events.c.client_event_id.like("hb-%")))
    engine.dispose()
    return count


def run(args, backend: str, scenario: str, n: int) -> dict:
    instances = max(2, args.instances) if scenario == "scaleout" else args.instances
    clients = (args.closed_clients or n) if scenario == "closed" else n
    with tempfile.TemporaryDirectory() as workdir:
        url = database_url(backend, Path(workdir))
        progress(f"[{backend} {scenario}] preparing {clients} candidates…")
        setup_started = time.monotonic()
        heartbeats = args.heartbeats and scenario in ("paced", "scaleout")
        plan, sitting_id = prepare_sitting(url, clients, start=scenario != "storm", invigilated=heartbeats)
        setup_s = time.monotonic() - setup_started
        progress(f"[{backend} {scenario}] set up in {setup_s:.0f} s; {instances} instance(s) of "
                 f"{args.workers} workers × {args.threads} threads, {args.client_processes} client process(es)")

        rng = random.Random(20261206)
        gap = tuple(float(x) for x in (args.scaleout_gap if scenario == "scaleout" else args.gap).split(","))
        ramp_s = args.ramp if args.ramp is not None else args.storm_window
        if scenario == "storm":
            arrivals = [rng.uniform(0, args.storm_window) for _ in plan]
            window = (0.0, args.storm_window)
        elif scenario == "closed":
            arrivals = [0.0] * len(plan)
            window = (0.0, args.closed_duration)
        else:
            arrivals = [ramp_s * i / max(1, len(plan)) for i in range(len(plan))]
            # The last arrival's first save comes up to one gap after it: measure the steady state.
            window = (ramp_s + gap[1], ramp_s + gap[1] + args.duration)

        def jobs_for(kind: str, bases: list[str]) -> list[dict]:
            return [{"scenario": kind, "bases": bases, "indexes": indexes, "plan": [plan[i] for i in indexes],
                     "rows": indexes, "arrivals": [arrivals[i] for i in indexes], "sitting_id": sitting_id,
                     "stop_at": window[1], "switch_at": (window[0] + window[1]) / 2, "gap": gap,
                     "duration": args.closed_duration, "timeout": args.timeout, "seed": 1000 + k,
                     "connections": args.client_connections, "heartbeats": heartbeats,
                     "heartbeat_gap": args.heartbeat_interval, "heartbeats_ride": not args.heartbeats_apart}
                    for k, indexes in enumerate(split(plan, args.client_processes))]

        servers = app_servers(url, instances, args)
        bases = [server.url for server in servers]
        marks = Marks(servers, args.timeline) if args.timeline else None
        try:
            cpu_at_start = []

            def on_start():
                cpu_at_start.append(sum(s.cpu_seconds() for s in servers))
                if marks is not None:
                    marks.start()

            shares, wall_s = run_clients(jobs_for(scenario, bases), on_start=on_start)
            app_cpu_pct = round(100 * (sum(s.cpu_seconds() for s in servers) - cpu_at_start[0]) / wall_s, 1)
        finally:
            if marks is not None:
                marks.stop()
            for server in servers:
                server.stop()
        merged = load_check.merge_shares(shares)

        ceiling = None
        if scenario == "closed":
            progress(f"[{backend} {scenario}] the same closed loop against the ceiling app…")
            servers = ceiling_servers(instances, args)
            try:
                ceiling_shares, _ = run_clients(jobs_for("ceiling", [s.url for s in servers]))
            finally:
                for server in servers:
                    server.stop()
            ceiling = load_check.merge_shares(ceiling_shares)

        progress(f"[{backend} {scenario}] reading the stored steps back…")
        stored = load_check.stored_check(merged["acks"], read_back(url, sitting_id))
        beats_stored = heartbeats_stored(url, sitting_id) if heartbeats else None

    samples = merged["samples"]
    saves = load_check.in_window(samples.get("save", []), *window)
    acknowledged = sum(len(steps) for steps in merged["acks"].values())
    span = window[1] - window[0]
    headline = samples.get("exam_load", []) if scenario == "storm" else saves
    result = {
        "scenario": scenario, "backend": backend, "candidates": len(plan), "instances": instances,
        "heartbeats": heartbeats, "workers": args.workers, "threads": args.threads,
        "window_s": round(span, 1),
        "saves": sum(1 for row in saves if row[2]),
        "saves_per_s": round(sum(1 for row in saves if row[2]) / span, 1) if scenario != "storm" else None,
        **{key: value for key, value in load_check.summarise([row[1] for row in headline]).items() if key != "count"},
        "errors": merged["errors"],
        "acknowledged": acknowledged,
        "stored_check": stored,
        "stages": {stage: load_check.summarise([row[1] for row in rows]) for stage, rows in sorted(samples.items())},
        "requests_per_instance": [merged["per_instance"].get(base, 0) for base in bases],
        "generator": load_check.generator_cost(merged["processes"]),
        "app_cpu_pct": app_cpu_pct,
        "setup_s": round(setup_s, 1),
    }
    if scenario == "paced" or scenario == "scaleout":
        result["offered_saves_per_s"] = round(len(plan) / (sum(gap) / 2), 1)
    if heartbeats:
        beats = [row for row in load_check.in_window(samples.get("heartbeat", []), *window) if row[2]]
        # Requests of their own (riding, only the heartbeats no save carried in time).
        result["heartbeats_per_s"] = round(len(beats) / span, 1)
        result["heartbeats_ride"] = not args.heartbeats_apart
        acknowledged_beats = sum(share.get("heartbeats_acknowledged", 0) for share in shares)
        carried_beats = sum(share.get("heartbeats_carried", 0) for share in shares)
        result["heartbeat_check"] = {"acknowledged": acknowledged_beats, "carried_by_saves": carried_beats,
                                     "stored": beats_stored}
        polls = [row for row in load_check.in_window(samples.get("messages", []), *window) if row[2]]
        result["message_polls_per_s"] = round(len(polls) / span, 1)  # requests of their own
        result["message_looks_with_saves"] = sum(share.get("messages_with_saves", 0) for share in shares)
        result["message_looks_with_heartbeats"] = sum(share.get("messages_with_heartbeats", 0) for share in shares)
    if scenario == "storm":
        result["storm_window_s"] = args.storm_window
    if marks is not None:
        result["timeline"] = load_check.timeline(samples.get("save", []), marks.marks, os.cpu_count() or 1)
    if ceiling is not None:
        done = [row for row in load_check.in_window(ceiling["samples"].get("ceiling", []), *window) if row[2]]
        result["ceiling_requests_per_s"] = round(len(done) / span, 1)
        result["ceiling"] = {"requests_per_s": round(len(done) / span, 1), "errors": ceiling["errors"],
                             **{k: v for k, v in load_check.summarise([row[1] for row in done]).items()
                                if k != "count"},
                             "backend": "postgresql", "generator": load_check.generator_cost(ceiling["processes"])}
        result["ratio"] = round(result["saves_per_s"] / result["ceiling"]["requests_per_s"], 3) \
            if result["ceiling"]["requests_per_s"] else None
    return result


def human(result: dict) -> str:
    lines = [f"{result['scenario']} on {result['backend']}: {result['candidates']} candidates, "
             f"{result['instances']} instance(s)"]
    if result["scenario"] == "storm":
        for stage, figures in result["stages"].items():
            lines.append(f"  {stage:>14}: {figures['count']:>6}  p50 {figures['p50_ms']} ms  p95 {figures['p95_ms']} ms"
                         f"  p99 {figures['p99_ms']} ms")
    else:
        lines.append(f"  saves {result['saves']} ({result['saves_per_s']}/s)  p50 {result['p50_ms']} ms  "
                     f"p95 {result['p95_ms']} ms  p99 {result['p99_ms']} ms")
    if result.get("heartbeats"):
        lines.append(f"  heartbeat requests of their own {result['heartbeats_per_s']}/s  "
                     f"{result['stages'].get('heartbeat')}  "
                     f"{result['heartbeat_check']}")
        lines.append(f"  message polls {result['message_polls_per_s']}/s  {result['stages'].get('messages')}  "
                     f"looks answered by saves {result['message_looks_with_saves']}, "
                     f"by heartbeats {result['message_looks_with_heartbeats']}")
    if "ratio" in result:
        lines.append(f"  ceiling {result['ceiling']['requests_per_s']}/s  p50 {result['ceiling']['p50_ms']} ms  "
                     f"p99 {result['ceiling']['p99_ms']} ms  ratio {result['ratio']}  "
                     f"(generator {result['ceiling']['generator']['cpu_pct']} % CPU)")
    lines.append(f"  errors {result['errors'] or 'none'}")
    lines.append(f"  acknowledged {result['acknowledged']}  stored check {result['stored_check']}")
    lines.append(f"  generator {result['generator']}  app CPU {result['app_cpu_pct']} %")
    if result.get("timeline"):
        lines.append("       t  saves  p50 ms  p99 ms  app %  database %  machine %  stolen %")
        lines += [f"  {row['t']:>6}  {row['saves']:>5}  {row['p50_ms'] or '-':>6}  {row['p99_ms'] or '-':>6}  "
                  f"{row['app_cpu_pct']:>5}  {row['database_cpu_pct']:>10}  {row['machine_busy_pct']:>9}  "
                  f"{row['steal_pct']:>8}" for row in result["timeline"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="all", help=f"{', '.join(SCENARIOS)}, several with commas, or all")
    parser.add_argument("--candidates", default="500", help="comma-separated sizes, e.g. 100,1000,5000")
    parser.add_argument("--backends", default="postgresql",
                        help="postgresql and/or sqlite (SQLite for paced and closed only: one writer, one file)")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds of a paced sitting")
    parser.add_argument("--ramp", type=float, default=None,
                        help="seconds over which a paced sitting's candidates arrive (default: --storm-window)")
    parser.add_argument("--gap", default="10,20", help="seconds between a paced candidate's saves (uniform)")
    parser.add_argument("--closed-duration", type=float, default=20.0)
    parser.add_argument("--closed-clients", type=int, default=0,
                        help="clients of the closed loop (default: --candidates)")
    parser.add_argument("--storm-window", type=float, default=60.0, help="seconds over which the start storm arrives")
    parser.add_argument("--scaleout-gap", default="5,10",
                        help="seconds between saves in the scale-out sitting (more steps per attempt than paced)")
    parser.add_argument("--heartbeats", action="store_true",
                        help="paced and scaleout: an invigilated sitting, each candidate also posting a heartbeat")
    parser.add_argument("--heartbeat-interval", type=float, default=15.0, help="seconds between heartbeats")
    parser.add_argument("--heartbeats-apart", action="store_true",
                        help="each heartbeat in a request of its own at once (before heartbeats rode on saves)")
    parser.add_argument("--instances", type=int, default=1, help="app instances (the scale-out uses at least 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--client-processes", type=int, default=1, help="load generator processes")
    parser.add_argument("--client-connections", type=int, default=1024, help="connection pool per client process")
    parser.add_argument("--timeout", type=float, default=30.0, help="client time limit per request (s)")
    parser.add_argument("--timeline", type=float, default=0.0, metavar="SECONDS",
                        help="also report the run in intervals of this many seconds: saves, p50/p99 and the CPU of "
                             "the app, the database and the machine (load_check.timeline)")
    parser.add_argument("--json", action="store_true", help="one JSON object per run on stdout")
    args = parser.parse_args()

    scenarios = SCENARIOS if args.scenario == "all" else tuple(args.scenario.split(","))
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)} or all")
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    for backend in args.backends.split(","):
        for scenario in scenarios:
            if backend == "sqlite" and scenario in ("storm", "scaleout"):
                progress(f"[sqlite {scenario}] skipped: the targets are PostgreSQL's, and SQLite has one writer")
                continue
            for n in [int(x) for x in args.candidates.split(",")]:
                result = run(args, backend, scenario, n)
                (out / f"load_delivery-{scenario}-{backend}-{n}.json").write_text(json.dumps(result, indent=2),
                                                                               encoding="utf-8")
                print(json.dumps(result) if args.json else human(result), flush=True)


if __name__ == "__main__":
    main()
