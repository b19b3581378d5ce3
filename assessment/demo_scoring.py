"""The demo's finished sitting: simulated candidates sit the demo paper through the real delivery
services (with the clock moved into the past), two demo markers double-mark the written answers
through the real marking services (one disagreement is left for the third marker, the demo
examiner), and the demo examiner makes a scoring run (provisional). The cut-score demo
(``scoring.cut_scores.demo``) then gives that third mark, makes a final run and records an approved
decision on it. Skipped when the sitting already exists, so
loading twice changes nothing.

The candidates come from the engine's seeded simulator (Rasch abilities; each item's difficulty from
its estimated facility), so the same data comes back every time. One item is planted with a likely
miskey: strong candidates choose one distractor rather than the key, so the run flags it.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import secrets

from scipy.special import expit
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.accounts import services as accounts
from assessment.accounts.passwords import hash_password
from core.roles import Role

FINISHED_SITTING_TITLE = "Autumn 2026 sitting (finished and scored)"
N_CANDIDATES = 300
SEED = 20261206
OMIT_RATE = 0.02
FIRST_MARKER = "marker@example.org"
SECOND_MARKER = "second.marker@example.org"
# The planted miskey: the records-retention item of the cerebral palsy case study. Strong candidates
# choose "seven years" (A) instead of the key (E), as if the key had been entered wrongly.
MISKEYED_STEM = "for how long should her case management records be kept"
MISKEY_PICK = "A"

# Written answers of three qualities; the marks the two markers give follow the quality.
WRITTEN_ANSWERS = (
    "I would tell them what I think is best and record that I have done so.",
    "I would talk it through, explain the main risks in plain language and agree a plan that is reviewed "
    "with the people involved.",
    "I would start from the person's own goals, explore what they understand using open questions, share "
    "the relevant information in accessible steps, agree proportionate safeguards with named "
    "responsibilities, record the reasons and set a date to review the plan with everyone involved.",
)


def _difficulty(content: dict) -> float:
    facility = min(max(float(content.get("estimated_facility") or 0.6), 0.05), 0.95)
    return math.log((1 - facility) / facility)


def _skewed_distractor(rng: random.Random, distractors: list[str]) -> str:
    # The first distractors are chosen more often, so each has a distinct share and its statistics
    # mean something.
    weights = [1 / (i + 1) for i in range(len(distractors))]
    return rng.choices(distractors, weights=weights)[0]


def _answer(content: dict, knows: bool, p: float, rng: random.Random) -> tuple[object, int | None]:
    """A simulated answer to one item. ``knows`` is the simulator's Rasch 0/1 response (it decides a
    single best answer); ``p`` the candidate's Rasch probability of success, which decides each part
    of a partly right answer. Returns the answer and, for a written answer, its quality (0–2)."""
    kind = content["type"]
    ids = [o["id"] for o in content.get("options", [])]
    if kind == "sba":
        key = content["key"]
        if MISKEYED_STEM in content.get("stem", ""):
            if knows:
                return MISKEY_PICK, None
            others = [i for i in ids if i not in (key, MISKEY_PICK)]
            return (key if rng.random() < 0.5 else _skewed_distractor(rng, others)), None
        return (key if knows else _skewed_distractor(rng, [i for i in ids if i != key])), None
    if kind == "multiple_response":
        key = list(content["key"])
        right = sum(rng.random() < p for _ in key)
        wrong = [i for i in ids if i not in key]
        return rng.sample(key, right) + rng.sample(wrong, min(len(key) - right, len(wrong))), None
    if kind == "ordering":
        order = list(content["key"])
        for _ in range(sum(rng.random() > p for _ in range(3))):  # weaker candidates swap more neighbours
            i = rng.randrange(len(order) - 1)
            order[i], order[i + 1] = order[i + 1], order[i]
        return order, None
    if kind == "extended_matching":
        return {s["id"]: s["key"] if rng.random() < p else rng.choice([i for i in ids if i != s["key"]])
                for s in content["stems"]}, None
    quality = sum(rng.random() < p for _ in range(2))
    return WRITTEN_ANSWERS[quality], quality


def _marks_for(quality: int, max_mark: int, rng: random.Random) -> tuple[float, float]:
    base = round(max_mark * (0.2 + 0.35 * quality))
    first = min(max_mark, max(0, base + rng.choice((-1, 0, 0, 1))))
    second = min(max_mark, max(0, first + rng.choice((-1, 0, 0, 0, 1))))  # within the tolerance
    return float(first), float(second)


def _justification(mark: float, max_mark: int) -> str:
    if mark >= max_mark * 0.7:
        return "Covers most points of the rubric, with reasons and a review of the plan."
    if mark >= max_mark * 0.4:
        return "Some relevant points of the rubric; little on safeguards or review."
    return "Few points of the rubric: decides for the person rather than with them."


def load_finished_sitting(session: Session, *, now: dt.datetime, hash_profile: str) -> bool:
    """Add the finished, marked and scored sitting unless it exists. Returns whether it was added."""
    from assessment.delivery import services as delivery
    from assessment.delivery.models import Booking, Sitting, SittingPaper
    from assessment.demo import DEMO_PAPER_TITLE
    from item_bank.models import ExamPaper, ItemVersion
    from scoring.marking import services as marking
    from scoring.marking.models import Script
    from scoring.marking.rules import Pool, Round
    from scoring.psychometrics.simulate import simulate_rasch
    from scoring.runs import services as runs
    from scoring.cut_scores import demo as cut_scores_demo

    if session.scalar(select(Sitting.id).where(Sitting.title == FINISHED_SITTING_TITLE)) is not None:
        return False
    people = {email: accounts.find_user_by_email(session, email) for email in
              ("examiner@example.org", "admin@example.org", FIRST_MARKER, SECOND_MARKER)}
    paper = session.scalar(select(ExamPaper).where(ExamPaper.title == DEMO_PAPER_TITLE))
    if paper is None or any(user is None for user in people.values()):
        return False
    examiner, admin = people["examiner@example.org"], people["admin@example.org"]
    day = dt.timedelta(days=1)
    sat_at = (now - 30 * day).replace(hour=9, minute=30, second=0, microsecond=0)
    sitting = Sitting(title=FINISHED_SITTING_TITLE, is_practice=False, booking_opens_at=sat_at - 60 * day,
                      booking_closes_at=sat_at - 7 * day, opens_at=sat_at, closes_at=sat_at + dt.timedelta(hours=4),
                      duration_s=90 * 60, capacity=N_CANDIDATES, requires_invigilation=False,
                      created_by_id=admin.id, created_at=sat_at - 60 * day)
    session.add(sitting)
    session.flush()
    session.add(SittingPaper(sitting_id=sitting.id, exam_paper_id=paper.id))

    # Simulated candidates cannot sign in: one random password nobody knows, hashed once.
    unusable = hash_password(secrets.token_urlsafe(32), hash_profile)
    candidates = []
    for n in range(1, N_CANDIDATES + 1):
        email = f"simulated.candidate.{n:03d}@example.org"
        user = accounts.find_user_by_email(session, email) or accounts._add_account(
            session, actor=admin.actor, email=email, full_name=f"Simulated Candidate {n:03d}",
            password_hash=unusable, roles={Role.CANDIDATE}, now=sat_at - 60 * day, client_address=None)
        session.add(Booking(sitting_id=sitting.id, candidate_id=user.id, booked_at=sat_at - 30 * day))
        candidates.append(user)
    session.flush()

    # In paper order, which is the order of an attempt's slots (slot n is column n - 1).
    contents = [v.content for entry in paper.entries for v in entry.case_study_version.item_versions]
    simulated = simulate_rasch(N_CANDIDATES, [_difficulty(c) for c in contents], seed=SEED, ability_mean=0.3)
    rng = random.Random(SEED)
    qualities: dict[tuple[int, int], int] = {}
    for n, (user, theta) in enumerate(zip(candidates, simulated.abilities)):
        start = sat_at + dt.timedelta(minutes=n % 20)
        attempt = delivery.start_attempt(session, actor=user.actor, sitting_id=sitting.id, device_id="demo",
                                         now=start, rng=random.Random(SEED + n))
        seq = 0
        for slot in sorted(attempt.slots, key=lambda s: s.slot):
            content = session.get(ItemVersion, slot.item_version_id).content
            if rng.random() < OMIT_RATE:
                continue
            answer, quality = _answer(content, bool(simulated.responses[n, slot.slot - 1]),
                                      float(expit(theta - _difficulty(content))), rng)
            ack = delivery.save_response(session, actor=user.actor, attempt_id=attempt.id, slot=slot.slot,
                                         payload={"answer": answer}, seen_seq=seq, client_step_id=f"demo-{slot.slot}",
                                         device_id="demo", now=start + dt.timedelta(minutes=3 * slot.slot))
            seq = ack.seq
            if quality is not None:
                qualities[(attempt.id, slot.slot)] = quality
        delivery.submit_attempt(session, actor=user.actor, attempt_id=attempt.id,
                                now=start + dt.timedelta(minutes=70))

    marked_at = sat_at + 10 * day
    marking.allocate(session, admin.actor, sitting.id, examiner.id, Pool.LEAD, marked_at)
    marking.allocate(session, examiner.actor, sitting.id, people[FIRST_MARKER].id, Pool.FIRST, marked_at)
    marking.allocate(session, examiner.actor, sitting.id, people[SECOND_MARKER].id, Pool.SECOND, marked_at)
    marking.allocate(session, examiner.actor, sitting.id, examiner.id, Pool.THIRD, marked_at)
    marking.sync_scripts(session, sitting.id, marked_at, examiner.actor)
    scripts = list(session.scalars(select(Script).where(Script.sitting_id == sitting.id).order_by(Script.id)))
    for index, script in enumerate(scripts):
        first, second = _marks_for(qualities[(script.attempt_id, script.slot)], script.max_mark, rng)
        if index == 0:  # the one disagreement, left for the third marker
            second = float(script.max_mark) if first < script.max_mark / 2 else 0.0
        at = marked_at + dt.timedelta(minutes=index)
        marking.give_mark(session, people[FIRST_MARKER].actor, script.id, Round.FIRST, first,
                          _justification(first, script.max_mark), at)
        marking.give_mark(session, people[SECOND_MARKER].actor, script.id, Round.SECOND, second,
                          _justification(second, script.max_mark), at + dt.timedelta(days=1))
    run = runs.run_scoring(session, actor=examiner.actor, sitting_id=sitting.id, now=sat_at + 14 * day)
    _monitoring_answers(session, run, now=sat_at - 20 * day)
    cut_scores_demo.record_demo_decision(session, sitting.id, examiner, people[FIRST_MARKER], now=sat_at + 16 * day)
    return True


def _pick(rng: random.Random, options: list[tuple[str, float]]) -> str:
    return rng.choices([value for value, _w in options], weights=[w for _v, w in options])[0]


def _monitoring_answers(session: Session, run, *, now: dt.datetime) -> None:
    """Most simulated candidates consent to equality monitoring and answer (a few "Prefer not to
    say"). One item is planted with DIF: candidates who got it wrong are more often female, so
    female candidates do worse on it than male candidates of the same total, and the DIF report
    of the run by sex classifies it C."""
    from assessment.accounts.monitoring import services as monitoring
    from assessment.accounts.models import User
    from assessment.accounts.monitoring.models import MonitoringQuestion
    from scoring.runs.queries import run_items, run_scores

    monitoring.seed_default_questions(session, now=now)
    asked = list(session.scalars(select(MonitoringQuestion).where(MonitoringQuestion.is_asked)))
    options = {q.key: {o.value: o.id for o in q.options} for q in asked}
    questions = {q.key: q.id for q in asked}
    items = run_items(session, run.id)
    planted = next(j for j, item in enumerate(items) if item.item_type == "sba" and not item.is_excluded
                   and item.facility is not None and 0.4 < item.facility < 0.8 and "possible_miskey" not in item.flags)
    rng = random.Random(SEED + 1)
    for n, (candidate_id, marks, _total) in enumerate(run_scores(session, run.id)):
        if rng.random() < 0.15:
            continue  # no consent: nothing is asked or kept
        user = session.get(User, candidate_id)
        at = now + dt.timedelta(minutes=n)
        monitoring.give_consent(session, actor=user.actor, now=at)
        right = (marks[planted] or 0) > 0
        answers = {
            "sex": _pick(rng, [("female", 0.35 if right else 0.75), ("male", 0.62 if right else 0.22),
                               ("prefer_not_to_say", 0.03)]),
            "age_band": _pick(rng, [("under_25", 0.05), ("25_34", 0.25), ("35_44", 0.3), ("45_54", 0.25),
                                    ("55_64", 0.12), ("65_plus", 0.01), ("prefer_not_to_say", 0.02)]),
            "ethnic_group": _pick(rng, [("asian", 0.1), ("black", 0.06), ("mixed", 0.03), ("white", 0.76),
                                        ("other", 0.02), ("prefer_not_to_say", 0.03)]),
            "disability": _pick(rng, [("yes", 0.12), ("no", 0.84), ("prefer_not_to_say", 0.04)]),
            "first_language_english": _pick(rng, [("yes", 0.86), ("no", 0.12), ("prefer_not_to_say", 0.02)]),
        }
        monitoring.save_answers(session, actor=user.actor, now=at, answers={
            questions[key]: options[key][value] for key, value in answers.items() if key in questions})
