"""Benchmark a scoring run end to end on PostgreSQL: 5,000 candidates × 60 items.

    .venv/bin/python bench/bench_scoring.py [--candidates 5000] [--items 60] [--repeats 3]

Setup (not timed) migrates a fresh schema ``cop_bench_scoring`` of ``COP_BENCH_DATABASE_URL``
(default ``postgresql+psycopg://root@127.0.0.1:5432/test``) and bulk-inserts a bank of
single-best-answer items (six per case study), a published paper, a sitting, the candidates, their
submitted attempts with frozen slots, and one response step per answered slot (5 % omitted),
simulated from a Rasch model with one item deliberately miskeyed. The timed part is exactly what
``cop scoring run`` does: ``run_scoring`` (fold every attempt's final answers, mark them, item
analysis with distractors, store the run, its item rows and one score row per candidate, record
the item statistics in the bank, audit) and the commit. Prints each repeat and the best.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PG_URL = os.environ.get("COP_BENCH_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
SCHEMA = "cop_bench_scoring"


def fresh_schema_url() -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    return f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{SCHEMA}"


def prepare(session, n_candidates: int, n_items: int, now: dt.datetime, seed: int = 2026):
    from sqlalchemy import insert, select

    from assessment.accounts.models import RoleGrant, User
    from assessment.delivery.models import Attempt, AttemptEvent, AttemptSlot, ResponseStep, Sitting, SittingPaper
    from core.roles import Role
    from item_bank.framework.models import FrameworkVersion
    from item_bank.models import CaseStudy, CaseStudyVersion, ExamPaper, ExamPaperEntry, ExamSpec, Item, ItemVersion
    from item_bank.workflow import Status

    start = now - dt.timedelta(days=1)
    examiner = User(email="bench.examiner@example.org", full_name="Bench Examiner", password_hash="x",
                    created_at=start)
    session.add(examiner)
    session.flush()
    session.add(RoleGrant(user_id=examiner.id, role=Role.EXAMINER, granted_at=start))
    framework = FrameworkVersion(**_framework_fields(start))
    session.add(framework)
    session.flush()
    spec = ExamSpec(title="Bench spec", total_marks=n_items, total_marks_tolerance=0, duration_min=120,
                    min_case_studies=1, max_case_studies=n_items, theme_marks={}, standard_marks={}, item_type_mix={},
                    enemy_sets=[], created_by_id=examiner.id, created_at=start, updated_at=start)
    session.add(spec)
    session.flush()
    paper = ExamPaper(title="Bench paper", exam_spec_id=spec.id, is_published=True, created_by_id=examiner.id,
                      created_at=start, published_at=start)
    session.add(paper)
    session.flush()
    slots = []  # (case study version id, item version id) in slot order
    for cs in range((n_items + 5) // 6):
        case = CaseStudy(author_id=examiner.id, framework_version_id=framework.id, created_at=start)
        session.add(case)
        session.flush()
        version = CaseStudyVersion(case_study_id=case.id, number=1, title=f"Bench case study {cs + 1}",
                                   scenario_html="<p>Bench.</p>", status=Status.APPROVED, created_at=start,
                                   created_by_id=examiner.id, updated_at=start, approved_at=start)
        session.add(version)
        session.flush()
        session.add(ExamPaperEntry(exam_paper_id=paper.id, case_study_version_id=version.id, position=cs + 1))
        for position in range(1, min(6, n_items - len(slots)) + 1):
            item = Item(case_study_id=case.id, created_at=start)
            session.add(item)
            session.flush()
            content = {"type": "sba", "stem": "<p>Which first?</p>", "options": [{"id": o, "text": o} for o in "ABCD"],
                       "key": "B", "shuffle": False, "substandards": {"primary": "1.1", "others": []}}
            iv = ItemVersion(item_id=item.id, case_study_version_id=version.id, position=position, item_type="sba",
                             content=content, max_mark=1)
            session.add(iv)
            session.flush()
            slots.append((version.id, iv.id))
    sitting = Sitting(title="Bench sitting", is_practice=False, booking_opens_at=start - dt.timedelta(days=10),
                      booking_closes_at=start - dt.timedelta(days=1), opens_at=start,
                      closes_at=start + dt.timedelta(hours=8), duration_s=7200, capacity=n_candidates,
                      requires_invigilation=False, created_at=start)
    session.add(sitting)
    session.flush()
    session.add(SittingPaper(sitting_id=sitting.id, exam_paper_id=paper.id))

    emails = [f"bench{i:05d}@example.org" for i in range(n_candidates)]
    session.execute(insert(User), [{"email": e, "full_name": "Bench", "password_hash": "x", "session_version": 1,
                                    "is_enabled": True, "created_at": start} for e in emails])
    user_ids = session.scalars(select(User.id).where(User.email.in_(emails)).order_by(User.id)).all()
    session.execute(insert(Attempt), [{"sitting_id": sitting.id, "candidate_id": u, "attempt_no": 1,
                                       "is_practice": False, "exam_paper_id": paper.id, "started_at": start,
                                       "duration_s": 7200, "extra_time_pct": 0, "has_rest_breaks": False,
                                       "preferences": {}} for u in user_ids])
    attempt_ids = session.scalars(select(Attempt.id).where(Attempt.sitting_id == sitting.id)
                                  .order_by(Attempt.id)).all()
    session.execute(insert(AttemptSlot), [{"attempt_id": a, "slot": s + 1, "case_study_version_id": cv,
                                           "item_version_id": iv, "option_order": None, "max_mark": 1}
                                          for a in attempt_ids for s, (cv, iv) in enumerate(slots)])
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1, n_candidates)
    b = np.linspace(-2, 2, n_items)
    right = rng.random((n_candidates, n_items)) < 1 / (1 + np.exp(-(theta[:, None] - b[None, :])))
    wrong = rng.choice(np.array(["A", "C", "D"]), size=(n_candidates, n_items))
    answers = np.where(right, "B", wrong)
    answers[:, 3] = np.where(right[:, 3], "C", np.where(wrong[:, 3] == "C", "B", wrong[:, 3]))  # a miskey
    omitted = rng.random((n_candidates, n_items)) < 0.05
    at = start + dt.timedelta(minutes=30)
    steps = []
    for i, a in enumerate(attempt_ids):
        seq = 0
        for j in range(n_items):
            if omitted[i, j]:
                continue
            seq += 1
            steps.append({"attempt_id": a, "seq": seq, "slot": j + 1, "payload": {"answer": str(answers[i, j])},
                          "client_step_id": f"s{seq}", "device_id": "d", "created_at": at})
    for chunk in range(0, len(steps), 50_000):
        session.execute(insert(ResponseStep), steps[chunk:chunk + 50_000])
    session.execute(insert(AttemptEvent), [{"attempt_id": a, "kind": kind, "payload": {}, "actor_id": None,
                                            "reason": "", "occurred_at": when}
                                           for a in attempt_ids for kind, when in
                                           (("started", start), ("submitted", at + dt.timedelta(minutes=1)))])
    session.commit()
    return examiner, sitting.id, len(steps)


def _framework_fields(now):
    return {"name": "Bench framework", "version": "bench", "content_digest": "0" * 64, "imported_at": now,
            "is_current": True}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from sqlalchemy import create_engine

    from assessment.app import create_app
    from core import db, migrations
    from scoring.runs.services import run_scoring

    url = fresh_schema_url()
    engine = create_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret", "PASSWORD_HASH_PROFILE": "fast"})
    now = dt.datetime.now(dt.timezone.utc)
    with app.app_context():
        session = db.session()
        t = time.perf_counter()
        examiner, sitting_id, n_steps = prepare(session, args.candidates, args.items, now)
        print(f"setup: {args.candidates} candidates × {args.items} items, {n_steps} response steps, "
              f"{time.perf_counter() - t:.1f} s (not timed)")
        times = []
        for repeat in range(args.repeats):
            session.expire_all()
            t = time.perf_counter()
            run = run_scoring(session, actor=examiner.actor, sitting_id=sitting_id, now=now)
            session.commit()
            times.append(time.perf_counter() - t)
            print(f"run {run.id}: {times[-1]:.2f} s (alpha {run.alpha:.3f}, "
                  f"flags on {sum(1 for i in run.items if i.flags)} items, "
                  f"miskey flagged: {'possible_miskey' in run.items[3].flags})")
        print(f"best of {args.repeats}: {min(times):.2f} s")
    app.extensions["cop.db"].engine.dispose()


if __name__ == "__main__":
    main()
