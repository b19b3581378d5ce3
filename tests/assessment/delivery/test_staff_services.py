"""Each staff use case on an attempt (add time, pause, resume) is one service that owns every
check: the role, separation of roles (staff who are candidates in a sitting act on none of its
attempts) and the one limit on added time. Called directly, without the pages, they refuse."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from core.errors import Forbidden, NotFound, ValidationFailed
from core.roles import SYSTEM, Role
from assessment.delivery import services
from assessment.delivery.models import AttemptEvent
from tests.assessment.delivery.conftest import T0

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def attempt(db, make_sitting, booked_candidate):
    sitting = make_sitting(duration_s=3600)
    candidate = booked_candidate(sitting)
    return services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab", now=T0)


def events(db, attempt):
    return db.scalar(select(func.count()).select_from(AttemptEvent).where(AttemptEvent.attempt_id == attempt.id))


@pytest.fixture
def invigilator_who_is_a_candidate(db, attempt, booked_candidate):
    """An invigilator booked as a candidate in the same sitting."""
    from assessment.accounts import services as accounts

    person = booked_candidate(attempt.sitting)
    accounts.grant_role(db, actor=SYSTEM, user_id=person.id, role=Role.INVIGILATOR, now=T0)
    db.refresh(person)
    return person


def test_staff_who_are_candidates_in_the_sitting_cannot_act_on_its_attempts(db, attempt,
                                                                           invigilator_who_is_a_candidate):
    actor = invigilator_who_is_a_candidate.actor
    before = events(db, attempt)
    with pytest.raises(Forbidden, match="candidate in this sitting"):
        services.extend_time(db, actor=actor, attempt_id=attempt.id, seconds=600, reason="Lost connection",
                             now=T0 + MIN)
    with pytest.raises(Forbidden, match="candidate in this sitting"):
        services.pause(db, actor=actor, attempt_id=attempt.id, reason="Fire alarm", now=T0 + MIN)
    with pytest.raises(Forbidden, match="candidate in this sitting"):
        services.resume(db, actor=actor, attempt_id=attempt.id, now=T0 + MIN)
    assert events(db, attempt) == before


def test_other_staff_still_act_and_a_practice_sitting_is_open_to_staff_who_tried_it(db, make_user, attempt,
                                                                                   make_sitting):
    invigilator = make_user(Role.INVIGILATOR)
    services.pause(db, actor=invigilator.actor, attempt_id=attempt.id, reason="Fire alarm", now=T0 + MIN)
    services.resume(db, actor=invigilator.actor, attempt_id=attempt.id, now=T0 + 2 * MIN)
    practice = make_sitting(is_practice=True)
    admin = make_user(Role.CANDIDATE, Role.ADMIN)
    mine = services.start_attempt(db, actor=admin.actor, sitting_id=practice.id, device_id="tab", now=T0)
    view = services.extend_time(db, actor=admin.actor, attempt_id=mine.id, seconds=300, reason="Trying it out",
                                now=T0 + MIN)
    assert view.deadline == T0 + 65 * MIN


def test_one_limit_on_added_time_in_the_service(db, make_user, attempt):
    admin = make_user(Role.ADMIN)
    before = events(db, attempt)
    for seconds in (0, 30, (services.MAX_TIME_ADDED_MIN + 1) * 60):
        with pytest.raises(ValidationFailed) as error:
            services.extend_time(db, actor=admin.actor, attempt_id=attempt.id, seconds=seconds, reason="Lost it",
                                 now=T0 + MIN)
        assert [(p.field, p.message) for p in error.value.problems] == [
            ("minutes", f"Add between 1 and {services.MAX_TIME_ADDED_MIN} minutes")]
    assert events(db, attempt) == before
    view = services.extend_time(db, actor=admin.actor, attempt_id=attempt.id,
                                seconds=services.MAX_TIME_ADDED_MIN * 60, reason="Power cut", now=T0 + MIN)
    assert view.deadline == T0 + 60 * MIN + services.MAX_TIME_ADDED_MIN * MIN


def test_staff_services_refuse_other_roles_and_unknown_attempts(db, make_user, attempt):
    for role in (Role.CANDIDATE, Role.EXAMINER, Role.ITEM_WRITER):
        with pytest.raises(Forbidden):
            services.pause(db, actor=make_user(role).actor, attempt_id=attempt.id, reason="x", now=T0)
    with pytest.raises(NotFound):
        services.extend_time(db, actor=make_user(Role.ADMIN).actor, attempt_id=999999, seconds=60, reason="x",
                             now=T0)


def test_the_page_states_the_limit_the_service_applies(client, clock, login_as, attempt):
    clock.set(T0 + MIN)
    login_as(Role.INVIGILATOR)
    page = client.get(f"/staff/attempts/{attempt.id}").get_data(as_text=True)
    assert f"Between 1 and {services.MAX_TIME_ADDED_MIN} minutes." in page
