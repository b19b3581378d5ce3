"""The demo's finished standard-setting exercise on the finished sitting's paper: three judges rate
every item in two rounds (Modified Angoff and Ebel, with Hofstee and Beuk judgements), the lead
releases performance data between the rounds, and examiners' global grades feed borderline
regression. Everything goes through the real services, with the clock set after the scoring run.
Seeded, so the same figures come back every time; skipped when the exercise exists."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

EXERCISE_TITLE = "Autumn 2026 pass mark panel"
JUDGES = ("marker@example.org", "second.marker@example.org", "reviewer@example.org")
SEED = 20261207


def load_standard_setting_exercise(session: Session, *, now: dt.datetime, sitting_title: str) -> bool:
    """Add the finished exercise on the paper of the sitting called ``sitting_title`` (the demo's
    finished, scored sitting) unless it exists or the sitting does not. Returns whether it was added."""
    from assessment.accounts.services import find_user_by_email
    from assessment.delivery.models import Sitting, SittingPaper
    from item_bank.models import ItemVersion
    from scoring.standard_setting import services
    from scoring.standard_setting.models import StandardSettingExercise
    from scoring.standard_setting.rules import DIFFICULTY, RELEVANCE, Method

    if session.scalar(select(StandardSettingExercise.id).where(StandardSettingExercise.title == EXERCISE_TITLE)):
        return False
    sitting = session.scalar(select(Sitting).where(Sitting.title == sitting_title))
    lead = find_user_by_email(session, "examiner@example.org")
    judges = [find_user_by_email(session, email) for email in JUDGES]
    if sitting is None or lead is None or any(j is None for j in judges):
        return False
    paper_id = session.scalar(select(SittingPaper.exam_paper_id).where(SittingPaper.sitting_id == sitting.id))
    at = now - dt.timedelta(days=14)
    exercise = services.create_exercise(
        session, actor=lead.actor, now=at, title=EXERCISE_TITLE, exam_paper_id=paper_id, sitting_id=sitting.id,
        methods=[Method.ANGOFF, Method.EBEL, Method.HOFSTEE, Method.BEUK, Method.BORDERLINE_REGRESSION,
                 Method.BORDERLINE_GROUP],
        n_rounds=2, shows_spread=True, shows_performance=True, judge_emails=JUDGES)
    items = services.paper_items(session, paper_id)
    facility = {i.label: float(session.get(ItemVersion, i.item_version_id).estimated_facility or 0.6) for i in items}
    rng = random.Random(SEED)
    leniency = [-0.08, 0.0, 0.07]  # each judge's own bias

    def rate(rnd: int, minute: int) -> None:
        for n, judge in enumerate(judges):
            t = at + dt.timedelta(days=rnd - 1, minutes=minute + n)
            pull = 0.5 if rnd > 1 else 0.0  # after seeing the data, judges move towards the facility
            for item in items:
                guess = facility[item.label] - 0.1 + leniency[n] + rng.uniform(-0.12, 0.12)
                p = min(max((1 - pull) * guess + pull * (facility[item.label] - 0.08), 0.05), 0.95)
                value = p * item.max_mark if item.max_mark > 1 else p
                services.rate_angoff(session, actor=judge.actor, now=t, exercise_id=exercise.id,
                                     position=item.position, text=f"{value:.2f}")
            cats = {i.label: (RELEVANCE[rng.randrange(2)], DIFFICULTY[0 if facility[i.label] > 0.7 else
                                                                        1 if facility[i.label] > 0.45 else 2])
                    for i in items}
            cells = {(r, d): str(round({"easy": 80, "medium": 60, "hard": 40}[d] + (5 if r == "essential" else 0)
                                       + 100 * leniency[n] / 2)) for r in RELEVANCE for d in DIFFICULTY}
            services.rate_ebel(session, actor=judge.actor, now=t, exercise_id=exercise.id, categories=cats, rates=cells)
            services.rate_compromise(session, actor=judge.actor, now=t, exercise_id=exercise.id, method=Method.HOFSTEE,
                                     texts={"min_cut": str(45 + 3 * n), "max_cut": str(62 + 2 * n),
                                            "min_fail": str(10 + 2 * n), "max_fail": str(30 + 3 * n)})
            services.rate_compromise(session, actor=judge.actor, now=t, exercise_id=exercise.id, method=Method.BEUK,
                                     texts={"cut": str(52 + 4 * n - 2 * rnd), "pass_rate": str(78 - 5 * n)})

    rate(1, 0)
    services.close_round(session, actor=lead.actor, now=at + dt.timedelta(hours=3), exercise_id=exercise.id)
    services.release_performance(session, actor=lead.actor, now=at + dt.timedelta(hours=3, minutes=5),
                                 exercise_id=exercise.id)
    services.open_next_round(session, actor=lead.actor, now=at + dt.timedelta(days=1), exercise_id=exercise.id)
    rate(2, 10)
    run = services.latest_run(session, exercise)
    totals = services.run_totals(session, run)
    top = run.max_score
    lines = []
    for attempt, total in totals:  # examiners' global view follows the score, with noise
        share = total / top + rng.uniform(-0.08, 0.08)
        lines.append(f"{attempt}, {'pass' if share > 0.62 else 'borderline' if share > 0.48 else 'fail'}")
    services.record_grades(session, actor=lead.actor, now=at + dt.timedelta(days=1, hours=2), exercise_id=exercise.id,
                           text="\n".join(lines))
    services.close_round(session, actor=lead.actor, now=at + dt.timedelta(days=1, hours=3), exercise_id=exercise.id)
    return True
