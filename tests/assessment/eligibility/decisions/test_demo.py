"""The decisions demo moves submitted applications into each state, with a panel on the appeal when two
registered case managers are free; a second load changes nothing."""
import datetime as dt

from sqlalchemy import select

from assessment.eligibility.decisions import demo
from assessment.eligibility.decisions.models import RegistrationAppealPanel
from assessment.eligibility.models import Application, ApplicationStatus
from core.roles import Role
from tests.assessment.eligibility.decisions.builders import submitted_application


def test_the_demo_fills_every_state(db, make_user):
    for email in demo.ASSESSORS:
        make_user(Role.ASSESSOR, email=email)
    make_user(Role.ADMIN, email=demo.ADMIN)
    early = make_user(Role.CANDIDATE, name="Early Registrant")
    early.is_registered_case_manager = True  # as the register's demo makes some
    ids = [submitted_application(db, make_user(Role.CANDIDATE)).id for _ in range(7)]
    now = dt.datetime.now(dt.timezone.utc)
    done = demo.load_demo(db, now=now, submitted_ids=ids)
    status = {state: db.get(Application, i).status for state, i in done.items()}
    assert status == {"registered": ApplicationStatus.REGISTERED,
                      "awaiting_third_assessor": ApplicationStatus.AWAITING_THIRD_ASSESSOR,
                      "information_requested": ApplicationStatus.INFORMATION_REQUESTED,
                      "refused": ApplicationStatus.REFUSED, "under_appeal": ApplicationStatus.UNDER_APPEAL,
                      "awaiting_second_assessor": ApplicationStatus.SUBMITTED}
    assert db.get(Application, ids[6]).status is ApplicationStatus.REGISTERED
    assert db.scalar(select(RegistrationAppealPanel.id)) is not None
    assert demo.load_demo(db, now=now, submitted_ids=ids) == {}
