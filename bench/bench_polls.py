"""What a sitting's reads cost the server, for the arithmetic of docs/deployment.md: the player's state
poll (every 30 s), its message poll (every 10 s in an invigilated sitting), an autosave alone and one
that asks for the messages (a look riding on the save instead of a poll), the exam's content (once
per candidate, and on a reload), and the live dashboard's query for one invigilator's 25 candidates
(every 2 s for each open stream). In-process (the Flask test client, one request at a time, so the
figures are the server's own cost: no queueing, no network, no gunicorn), on SQLite and PostgreSQL:

    .venv/bin/python bench/bench_polls.py                       # 25 candidates, both databases
    .venv/bin/python bench/bench_polls.py --backends sqlite --repeats 100

Set-up (not timed) is the invigilation bench's: the demo bank, a paper of three case studies, a booked
invigilated sitting and attempts started through the real service. Then each candidate's invigilation
log gets what an hour of a sitting leaves (consent, an approved check-in, a heartbeat every 15 s and two
messages from the invigilator), appended through ``proctoring.log``, and the app's clock stands an hour
into the attempts. CPU is this process's (on PostgreSQL the database server's share is in the wall time
only). Figures go to stdout and bench/results/bench_polls.json (ignored by git).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-not-for-production"
HEARTBEAT_S = 15
SCHEMA = "cop_bench_polls"


def drop_schema(backend: str) -> None:
    if backend != "postgresql":
        return
    import os

    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ.get("COP_BENCH_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"))
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    engine.dispose()


def an_hour_of_logs(app, plan, minutes: int) -> tuple[int, int, dt.datetime]:
    """Each candidate's log as ``minutes`` of a sitting leave it; returns (invigilator id, sitting id, now)."""
    from assessment.accounts import services as accounts
    from assessment.delivery.models import Attempt
    from core import db
    from core.roles import SYSTEM, Role
    from proctoring import log
    from proctoring.rules import LogKind

    with app.app_context():
        session = db.session()
        first = session.get(Attempt, plan[0][1])
        started, sitting_id = first.started_at, first.sitting_id
        invigilator = accounts.create_user(session, actor=SYSTEM, email="bench.invigilator@example.org",
                                           full_name="Bench Invigilator", password="bench invigilator password",
                                           roles={Role.INVIGILATOR}, now=started, hash_profile="fast")
        for _email, attempt_id, _device in plan:
            attempt = session.get(Attempt, attempt_id)
            chain = log.invigilation_for(session, sitting_id=sitting_id, candidate_id=attempt.candidate_id,
                                         now=started).id
            log.append(session, invigilation_id=chain, kind=LogKind.CONSENT_GIVEN, now=started,
                       actor_id=attempt.candidate_id)
            log.append(session, invigilation_id=chain, kind=LogKind.CHECKIN_APPROVED, now=started,
                       actor_id=invigilator.id)
            for beat in range(minutes * 60 // HEARTBEAT_S):
                at = started + dt.timedelta(seconds=HEARTBEAT_S * (beat + 1))
                log.append(session, invigilation_id=chain, kind=LogKind.HEARTBEAT, now=at, attempt_id=attempt_id,
                           client_event_id=f"h-{attempt_id}-{beat}", payload={"camera": "on", "online": True})
            for n, minute in enumerate((20, 40)):
                log.append(session, invigilation_id=chain, kind=LogKind.MESSAGE_SENT,
                           now=started + dt.timedelta(minutes=minute), attempt_id=attempt_id,
                           actor_id=invigilator.id, payload={"text": f"Message {n + 1}: please face the camera"})
            session.commit()
        return invigilator.id, sitting_id, started + dt.timedelta(minutes=minutes)


def timed(call, repeats: int) -> dict:
    walls, cpus, statuses = [], [], set()
    for index in range(repeats):
        began, cpu = time.perf_counter(), time.process_time()
        status = call(index)
        walls.append((time.perf_counter() - began) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        statuses.add(status)
    walls.sort()
    return {"n": repeats, "wall_p50_ms": round(statistics.median(walls), 2),
            "wall_p95_ms": round(walls[min(len(walls) - 1, int(0.95 * (len(walls) - 1)))], 2),
            "cpu_mean_ms": round(statistics.fmean(cpus), 2), "statuses": sorted(statuses)}


def run(backend: str, n: int, repeats: int, minutes: int, workdir: Path) -> dict:
    from sqlalchemy import select

    from assessment.accounts.models import User
    from assessment.app import create_app
    from core import db
    from core.roles import Actor, Role
    from proctoring.live import queries

    sys.path.insert(0, str(REPO / "bench"))
    from bench_invigilation import database_url, prepare

    url = database_url(backend, workdir, SCHEMA)
    print(f"[{backend}] preparing {n} candidates…", flush=True)
    began = time.monotonic()
    plan = prepare(url, n)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "PASSWORD_HASH_PROFILE": "fast",
                      "WTF_CSRF_ENABLED": False, "INVIGILATION_MEDIA_FOLDER": str(workdir / "media")})
    invigilator_id, sitting_id, now = an_hour_of_logs(app, plan, minutes)
    app.extensions["cop.clock"].set(now)
    print(f"[{backend}] prepared in {time.monotonic() - began:.0f} s", flush=True)

    with app.app_context():
        users = dict(db.session().execute(select(User.email, User.id)).all())
        versions = dict(db.session().execute(select(User.id, User.session_version)).all())

    def signed_in(user_id: int):
        from assessment.accounts.services import start_sign_in
        from core.web import SIGN_IN_KEY

        client = app.test_client()
        # A session needs its sign-in row as well as the id (docs/sessions.md), as login_user makes.
        with app.app_context():
            token = start_sign_in(db.session(), user_id=user_id, user_agent="bench", client_address=None, now=now)
            db.session().commit()
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = f"{user_id}:{versions[user_id]}"
            flask_session[SIGN_IN_KEY] = token
            flask_session["_fresh"] = True
        return client

    candidates = [(signed_in(users[email]), attempt_id, device) for email, attempt_id, device in plan]

    def get(path_of):
        def call(index: int) -> int:
            client, attempt_id, device = candidates[index % n]
            return client.get(path_of(attempt_id, device)).status_code
        return call

    staff = signed_in(invigilator_id)
    actor = Actor(invigilator_id, "bench.invigilator@example.org", frozenset({Role.INVIGILATOR}))

    def dashboard_query(_index: int) -> int:
        with app.app_context():
            board = queries.dashboard(db.session(), actor=actor, sitting_id=sitting_id, now=now, show_all=True,
                                      heartbeat_interval_s=HEARTBEAT_S)
            assert len(board.cards) == n
            db.session().rollback()
        return 200

    seen = {attempt_id: 0 for _client, attempt_id, _device in candidates}
    flagged = {attempt_id: False for _client, attempt_id, _device in candidates}

    def save(asks: bool):
        """An autosave (the flag of the first question toggled, so each one writes a step), and with
        ``asks`` one that asks for the invigilator's messages, as the player's does when its last look
        is 5 s old: the difference is what a look costs riding on a save instead of a poll."""
        def call(index: int) -> int:
            client, attempt_id, device = candidates[index % n]
            flagged[attempt_id] = not flagged[attempt_id]
            body = {"slot": 1, "payload": {"answer": None, "flagged": flagged[attempt_id], "struck": []},
                    "seen_seq": seen[attempt_id], "client_step_id": f"b-{attempt_id}-{seen[attempt_id] + 1}",
                    "device_id": device}
            if asks:
                body["messages"] = True
            response = client.post(f"/api/v1/attempts/{attempt_id}/responses", json=body)
            if response.status_code == 200:
                answer = response.get_json()
                assert answer["written"] and ("messages" in answer) == asks, answer
                seen[attempt_id] = answer["last_seq"]
            return response.status_code
        return call

    for warm in (get(lambda a, d: f"/api/v1/attempts/{a}/state?device_id={d}"),
                 get(lambda a, d: f"/api/v1/invigilation/attempts/{a}/messages"), save(False), save(True)):
        warm(0)
    figures = {
        "state poll": timed(get(lambda a, d: f"/api/v1/attempts/{a}/state?device_id={d}"), repeats),
        "message poll": timed(get(lambda a, d: f"/api/v1/invigilation/attempts/{a}/messages"), repeats),
        "save": timed(save(False), repeats),
        "save asking for messages": timed(save(True), repeats),
        "exam content": timed(get(lambda a, d: f"/api/v1/attempts/{a}?device_id={d}"), max(n, repeats // 4)),
        f"dashboard query ({n} cards)": timed(dashboard_query, max(10, repeats // 10)),
        f"dashboard page ({n} cards)": timed(lambda _i: staff.get(
            f"/invigilation/sittings/{sitting_id}/live?show=all").status_code, max(10, repeats // 10)),
    }
    app.extensions["cop.db"].engine.dispose()
    drop_schema(backend)
    return {"backend": backend, "candidates": n, "log_minutes": minutes, "figures": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=25, help="one invigilator's share (the default allocation)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--repeats", type=int, default=400)
    parser.add_argument("--minutes", type=int, default=60, help="how far into the sitting the logs reach")
    args = parser.parse_args()
    results = []
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as workdir:
            result = run(backend, args.candidates, args.repeats, args.minutes, Path(workdir))
        results.append(result)
        print(f"\n{backend}, {args.candidates} candidates, logs {args.minutes} min deep")
        print(f"{'request':<28} {'n':>5} {'wall p50':>9} {'wall p95':>9} {'CPU mean':>9}  statuses")
        for name, f in result["figures"].items():
            print(f"{name:<28} {f['n']:>5} {f['wall_p50_ms']:>8.2f}  {f['wall_p95_ms']:>8.2f}  "
                  f"{f['cpu_mean_ms']:>8.2f}  {f['statuses']}")
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_polls.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
