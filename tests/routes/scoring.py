"""Routes of scoring runs: examiners only. The context holds a sitting whose two candidates have
submitted, and one run of it."""
import datetime as dt
import random

from core.roles import Role
from tests.routes import Route, roles

EXAMINER = roles(Role.EXAMINER)

ROUTES = {
    "scoring_runs.sittings": Route("/scoring", EXAMINER),
    "scoring_runs.sitting_runs": Route("/scoring/sittings/{scored_sitting_id}/runs", EXAMINER),
    "scoring_runs.run_detail": Route("/scoring/runs/{scoring_run_id}", EXAMINER),
    "scoring_runs.new_run": Route("/scoring/runs/{scoring_run_id}/new", EXAMINER),
    "scoring_runs.compare": Route("/scoring/runs/{scoring_run_id}/compare?other={scoring_run_id}", EXAMINER),
    "scoring_runs.dif_report": Route("/scoring/runs/{scoring_run_id}/dif", EXAMINER),
}


def build_context(db, make_user, framework) -> dict:
    from assessment.delivery import services as delivery
    from assessment.delivery.models import Booking, Sitting, SittingPaper
    from item_bank.authoring import services as authoring
    from item_bank.models import ExamPaper, ExamPaperEntry, ExamSpec
    from item_bank.review import services as review
    from item_bank.workflow import Action
    from scoring.runs import services
    from tests.factories import sba_content

    now = dt.datetime.now(dt.timezone.utc)
    start = now - dt.timedelta(days=2)
    author, reviewer, examiner = make_user(Role.ITEM_WRITER), make_user(Role.ITEM_REVIEWER), make_user(Role.EXAMINER)
    version = authoring.create_case_study(db, actor=author.actor, title="Scored case study",
                                          scenario_html="<p>Pat, 50.</p>", now=start)
    for n in range(3):
        authoring.save_item(db, actor=author.actor, version_id=version.id, now=start,
                            content=sba_content(stem=f"Scored question {n + 1}"))
    for action in (Action.SUBMIT, Action.START_REVIEW, Action.APPROVE):
        review.transition(db, actor=author.actor if action == Action.SUBMIT else reviewer.actor,
                          version_id=version.id, action=action, comment="Fine", now=start)
    spec = ExamSpec(title="Scored spec", total_marks=3, total_marks_tolerance=0, duration_min=60, min_case_studies=1,
                    max_case_studies=1, max_exposure=None, theme_marks={}, standard_marks={}, item_type_mix={},
                    enemy_sets=[], created_by_id=examiner.id, created_at=start, updated_at=start)
    db.add(spec)
    db.flush()
    paper = ExamPaper(title="Scored paper", exam_spec_id=spec.id, is_published=True, created_by_id=examiner.id,
                      created_at=start, published_at=start)
    db.add(paper)
    db.flush()
    db.add(ExamPaperEntry(exam_paper_id=paper.id, case_study_version_id=version.id, position=1))
    sitting = Sitting(title="Scored sitting", is_practice=False, booking_opens_at=start - dt.timedelta(days=10),
                      booking_closes_at=start - dt.timedelta(hours=1), opens_at=start,
                      closes_at=start + dt.timedelta(hours=8), duration_s=3600, capacity=10,
                      requires_invigilation=False, created_at=start - dt.timedelta(days=11))
    db.add(sitting)
    db.flush()
    db.add(SittingPaper(sitting_id=sitting.id, exam_paper_id=paper.id))
    db.flush()
    db.refresh(sitting)
    for n, answers in enumerate((["B", "B", "A"], ["A", "B", "C"], ["B", "C", "D"])):
        candidate = make_user(Role.CANDIDATE)
        db.add(Booking(sitting_id=sitting.id, candidate_id=candidate.id, booked_at=start - dt.timedelta(days=3)))
        db.flush()
        at = start + dt.timedelta(minutes=5)
        attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=at,
                                         rng=random.Random(n))
        for slot, answer in enumerate(answers, start=1):
            delivery.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=slot,
                                   payload={"answer": answer}, seen_seq=slot - 1, client_step_id=f"s{slot}",
                                   device_id="d", now=at)
        delivery.submit_attempt(db, actor=candidate.actor, attempt_id=attempt.id, now=at + dt.timedelta(minutes=20))
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=now)
    return {"scored_sitting_id": sitting.id, "scoring_run_id": run.id}
