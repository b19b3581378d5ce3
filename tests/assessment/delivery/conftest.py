import datetime as dt

import pytest

from core.roles import Role

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def make_published_paper(db, make_case_study, make_user):
    """A published paper of ``n_case_studies`` approved case studies (3 SBA items each)."""
    from item_bank.models import ExamPaper, ExamPaperEntry, ExamSpec

    def make(n_case_studies=2, *, spec=None, title="Test paper", duration_min=60):
        """``spec``: build against this spec (parallel papers share one); otherwise a new one."""
        examiner = make_user(Role.EXAMINER)
        if spec is None:
            spec = ExamSpec(title="Test spec", total_marks=3 * n_case_studies, total_marks_tolerance=0,
                            duration_min=duration_min, min_case_studies=n_case_studies,
                            max_case_studies=n_case_studies, max_exposure=None, theme_marks={}, standard_marks={},
                            item_type_mix={}, enemy_sets=[], created_by_id=examiner.id, created_at=T0,
                            updated_at=T0)
            db.add(spec)
            db.flush()
        paper = ExamPaper(title=title, exam_spec_id=spec.id, is_published=True, created_by_id=examiner.id,
                          created_at=T0, published_at=T0)
        db.add(paper)
        db.flush()
        from item_bank.workflow import Status
        for position in range(1, n_case_studies + 1):
            version = make_case_study(Status.APPROVED, title=f"Case study {position}")
            db.add(ExamPaperEntry(exam_paper_id=paper.id, case_study_version_id=version.id, position=position))
        db.flush()
        db.refresh(paper)
        return paper

    return make


@pytest.fixture
def make_sitting(db, make_published_paper):
    from assessment.delivery.models import Sitting, SittingPaper

    def make(*, papers=None, duration_s=3600, opens=T0, closes=T0 + dt.timedelta(hours=8), capacity=50,
             is_practice=False, booking_closes=T0 - dt.timedelta(hours=1)):
        papers = papers or [make_published_paper()]
        sitting = Sitting(title="November sitting", is_practice=is_practice,
                          booking_opens_at=T0 - dt.timedelta(days=30), booking_closes_at=booking_closes,
                          opens_at=opens, closes_at=closes, duration_s=duration_s, capacity=capacity,
                          requires_invigilation=False, created_at=T0 - dt.timedelta(days=31))
        db.add(sitting)
        db.flush()
        for paper in papers:
            db.add(SittingPaper(sitting_id=sitting.id, exam_paper_id=paper.id))
        db.flush()
        db.refresh(sitting)
        return sitting

    return make


@pytest.fixture
def booked_candidate(db, make_user):
    from assessment.delivery.models import Booking

    def make(sitting, **kwargs):
        candidate = make_user(Role.CANDIDATE, **kwargs)
        db.add(Booking(sitting_id=sitting.id, candidate_id=candidate.id, booked_at=T0 - dt.timedelta(days=2)))
        db.flush()
        return candidate

    return make
