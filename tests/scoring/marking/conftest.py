"""A sitting whose paper has two single-best-answer items (slots 1 and 2, 1 mark each) and one written
item (slot 3, 4 marks), candidates who have submitted, and examiners allocated to mark it."""
import datetime as dt
import random

import pytest

from core.roles import Role

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
AFTER = T0 + dt.timedelta(hours=2)


def written_content(max_mark=4):
    return {
        "type": "constructed_response", "stem": "<p>Describe how you would respond to Jo.</p>",
        "model_answer": "Acknowledge Jo's goals, explain the risks plainly and agree graded steps.",
        "rubric": [{"criterion": "Acknowledges the goals", "marks": 2},
                   {"criterion": "Explains the risks plainly", "marks": max_mark - 2}],
        "max_mark": max_mark, "reference": "Standards of Proficiency", "rationale": "Goals and risks both matter.",
        "substandards": {"primary": "6.3", "others": []},
    }


@pytest.fixture
def marking_sitting(db, make_case_study, make_user):
    """A real sitting of a published paper with one SBA item then one written item."""
    from assessment.delivery.models import Sitting, SittingPaper
    from item_bank.authoring import services as authoring
    from item_bank.models import ExamPaper, ExamPaperEntry, ExamSpec
    from item_bank.review import services as review
    from item_bank.workflow import Action, Status

    author, reviewer = make_user(Role.ITEM_WRITER), make_user(Role.ITEM_REVIEWER)
    version = make_case_study(Status.DRAFT, author=author, n_items=2)
    authoring.save_item(db, actor=author.actor, version_id=version.id, content=written_content(), now=T0)
    for action, who in ((Action.SUBMIT, author), (Action.START_REVIEW, reviewer), (Action.APPROVE, reviewer)):
        review.transition(db, actor=who.actor, version_id=version.id, action=action, comment="Reason given", now=T0)
    spec = ExamSpec(title="Spec", total_marks=6, total_marks_tolerance=0, duration_min=60, min_case_studies=1,
                    max_case_studies=1, max_exposure=None, theme_marks={}, standard_marks={}, item_type_mix={},
                    enemy_sets=[], created_by_id=reviewer.id, created_at=T0, updated_at=T0)
    db.add(spec)
    db.flush()
    paper = ExamPaper(title="Paper", exam_spec_id=spec.id, is_published=True, created_by_id=reviewer.id,
                      created_at=T0, published_at=T0)
    db.add(paper)
    db.flush()
    db.add(ExamPaperEntry(exam_paper_id=paper.id, case_study_version_id=version.id, position=1))
    sitting = Sitting(title="November sitting", is_practice=False, booking_opens_at=T0 - dt.timedelta(days=30),
                      booking_closes_at=T0 - dt.timedelta(hours=1), opens_at=T0, closes_at=T0 + dt.timedelta(hours=8),
                      duration_s=3600, capacity=50, requires_invigilation=False,
                      created_at=T0 - dt.timedelta(days=31))
    db.add(sitting)
    db.flush()
    db.add(SittingPaper(sitting_id=sitting.id, exam_paper_id=paper.id))
    db.flush()
    return sitting


@pytest.fixture
def sit(db, make_user):
    """``sit(sitting, text, sba="B", user=None)``: a candidate (or ``user``) books, answers and submits;
    returns the attempt."""
    from assessment.delivery import services
    from assessment.delivery.models import Booking

    def make(sitting, text, *, sba="B", user=None):
        user = user or make_user(Role.CANDIDATE)
        db.add(Booking(sitting_id=sitting.id, candidate_id=user.id, booked_at=T0 - dt.timedelta(days=2)))
        db.flush()
        now = T0 + dt.timedelta(minutes=5)
        attempt = services.start_attempt(db, actor=user.actor, sitting_id=sitting.id, device_id="d", now=now,
                                         rng=random.Random(1))
        seq = 0
        for slot, payload in ((1, {"answer": sba}), (2, {"answer": sba}), (3, {"answer": text})):
            if payload["answer"] is None:
                continue
            ack = services.save_response(db, actor=user.actor, attempt_id=attempt.id, slot=slot, payload=payload,
                                         seen_seq=seq, client_step_id=f"c{slot}", device_id="d", now=now)
            seq = ack.seq
        services.submit_attempt(db, actor=user.actor, attempt_id=attempt.id, now=now + dt.timedelta(minutes=1))
        return attempt

    return make


@pytest.fixture
def team(db, make_user, marking_sitting):
    """An administrator, a lead examiner and first, second and third markers of ``marking_sitting``."""
    from scoring.marking import services

    admin = make_user(Role.ADMIN)
    people = {"admin": admin}
    for name in ("lead", "first", "second", "third"):
        people[name] = make_user(Role.EXAMINER, name=f"{name.title()} Examiner")
    services.allocate(db, admin.actor, marking_sitting.id, people["lead"].id, "lead", T0)
    for pool in ("first", "second", "third"):
        services.allocate(db, people["lead"].actor, marking_sitting.id, people[pool].id, pool, T0)
    return people
