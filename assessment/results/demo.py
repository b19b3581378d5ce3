"""The demo's released result: the demo candidate (candidate@example.org) sat the finished demo
sitting too; marking is finished (their written answers, and the one script left for the third
marker); a final scoring run is made; and the results are released on an approved cut-score decision.

Run after the scoring demo and the cut-score demo. Skipped when the sitting already has a release.
"""
from __future__ import annotations

import datetime as dt
import math
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

DEMO_CANDIDATE = "candidate@example.org"
DEMO_EXAMINER = "examiner@example.org"
DEMO_APPROVER = "marker@example.org"  # an examiner who is not the one who decided
WEAK_THEME = "C"  # the demo candidate leaves this theme's questions unanswered, so feedback is mixed
DEMO_ANSWER = ("I would start from the person's own goals, explain the risks in plain language, agree "
               "proportionate safeguards with named responsibilities, record the reasons and set a review date.")


def _right_answer(content: dict):
    kind = content["type"]
    if kind == "extended_matching":
        return {stem["id"]: stem["key"] for stem in content["stems"]}
    if kind == "constructed_response":
        return DEMO_ANSWER
    return content["key"]


def load_demo_release(session: Session, *, sitting_title: str, now: dt.datetime, issuer, base_url: str = "") -> bool:
    """Release the results of the sitting titled ``sitting_title`` (see the module's docstring).
    Returns whether a release was made."""
    from assessment.accounts.services import find_user_by_email
    from assessment.delivery import services as delivery
    from assessment.delivery.models import Attempt, Booking, Sitting
    from assessment.results import services
    from assessment.results.models import ResultRelease
    from item_bank.models import ItemVersion
    from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
    from scoring.marking import queries as marking_queries
    from scoring.marking import services as marking
    from scoring.marking.models import Script
    from scoring.marking.rules import Round, Status
    from scoring.runs import services as runs

    sitting = session.scalar(select(Sitting).where(Sitting.title == sitting_title))
    candidate, examiner, approver = (find_user_by_email(session, e) for e in (DEMO_CANDIDATE, DEMO_EXAMINER,
                                                                               DEMO_APPROVER))
    if sitting is None or None in (candidate, examiner, approver):
        return False
    if session.scalar(select(ResultRelease.id).where(ResultRelease.sitting_id == sitting.id)) is not None:
        return False
    day = dt.timedelta(days=1)
    sat_at = sitting.opens_at + dt.timedelta(minutes=30)

    # The demo candidate sits the paper: every question right except those of one theme, left blank.
    if session.scalar(select(Attempt.id).where(Attempt.sitting_id == sitting.id,
                                               Attempt.candidate_id == candidate.id)) is None:
        session.add(Booking(sitting_id=sitting.id, candidate_id=candidate.id, booked_at=sitting.booking_closes_at - day))
        session.flush()
        attempt = delivery.start_attempt(session, actor=candidate.actor, sitting_id=sitting.id, device_id="demo",
                                         now=sat_at, rng=random.Random(1))
        versions = [slot.item_version_id for slot in attempt.slots]
        themes = services.versions_themes(session, versions)
        seq = 0
        for slot in sorted(attempt.slots, key=lambda s: s.slot):
            if WEAK_THEME in themes.get(slot.item_version_id, set()):
                continue
            content = session.get(ItemVersion, slot.item_version_id).content
            seq = delivery.save_response(session, actor=candidate.actor, attempt_id=attempt.id, slot=slot.slot,
                                         payload={"answer": _right_answer(content)}, seen_seq=seq,
                                         client_step_id=f"demo-{slot.slot}", device_id="demo",
                                         now=sat_at + dt.timedelta(minutes=2 * slot.slot)).seq
        delivery.submit_attempt(session, actor=candidate.actor, attempt_id=attempt.id, now=sat_at + dt.timedelta(minutes=60))

    # Marking finishes: the demo candidate's written answers, and every script awaiting a third mark.
    marked_at = sitting.closes_at + 12 * day
    marking.sync_scripts(session, sitting.id, marked_at, examiner.actor)
    first, second = (find_user_by_email(session, e) for e in ("marker@example.org", "second.marker@example.org"))
    scripts = {s.id: s for s in session.scalars(select(Script).where(Script.sitting_id == sitting.id,
                                                                     Script.seed_of_id.is_(None)))}
    for script_id, outcome in marking_queries.script_outcomes(session, sitting.id, now=marked_at).items():
        script = scripts[script_id]
        good = float(script.max_mark - 1 if script.max_mark > 1 else script.max_mark)
        if outcome.status is Status.UNMARKED and first and second:
            marking.give_mark(session, first.actor, script_id, Round.FIRST, good,
                              "Covers most points of the rubric, with reasons and a review of the plan.", marked_at)
            marking.give_mark(session, second.actor, script_id, Round.SECOND, good,
                              "Most points of the rubric; safeguards and review are clear.", marked_at + dt.timedelta(hours=1))
        elif outcome.status is Status.AWAITING_THIRD:
            marking.give_mark(session, examiner.actor, script_id, Round.THIRD, float(math.floor(script.max_mark / 2)),
                              "Some relevant points of the rubric; little on safeguards or review.",
                              marked_at + dt.timedelta(hours=2))
    run = runs.run_scoring(session, actor=examiner.actor, sitting_id=sitting.id, now=sitting.closes_at + 15 * day,
                           reason="Marking finished: the final run")
    if run.is_provisional:
        return False

    # An approved decision: the cut-score demo's when there is one; otherwise (only then) one made here.
    decision = session.scalar(select(CutScoreDecision).join(CutScoreApproval, CutScoreApproval.decision_id
                                                            == CutScoreDecision.id)
                              .where(CutScoreDecision.sitting_id == sitting.id).order_by(CutScoreDecision.id.desc()))
    if decision is None:
        raw = round(0.55 * run.max_score, 1)
        decision = CutScoreDecision(sitting_id=sitting.id, scoring_run_id=run.id, method="angoff",
                                    raw_cut=raw, standard_error=None, policy={"sem_multiplier": 0, "rounding": "up"},
                                    pass_mark=float(math.ceil(raw)),
                                    reasons="Demo decision made by the results demo (no cut-score decision existed)",
                                    decided_by_id=examiner.id, decided_at=sitting.closes_at + 16 * day)
        session.add(decision)
        session.flush()
        session.add(CutScoreApproval(decision_id=decision.id, approved_by_id=approver.id,
                                     approved_at=sitting.closes_at + 17 * day, comment="Agreed by a second examiner"))
        session.flush()
    services.release_results(session, actor=examiner.actor, sitting_id=sitting.id, run_id=run.id,
                             decision_id=decision.id, now=min(now, sitting.closes_at + 20 * day), base_url=base_url,
                             issuer=issuer)
    return True
