"""Attempt event kinds and review actions are StrEnums, stored as strings under a named CHECK: the
database itself refuses a kind nobody defined."""
import datetime as dt

import pytest
from sqlalchemy import String, bindparam, insert, select
from sqlalchemy.exc import IntegrityError, StatementError

from core.roles import Role
from assessment.delivery import services
from assessment.delivery.models import AttemptEvent
from assessment.delivery.rules import EventKind
from item_bank.models import ReviewAction, ReviewEvent
from item_bank.workflow import Action
from tests.assessment.delivery.conftest import T0


def constraint_names(table) -> set[str]:
    return {c.name for c in table.constraints}


def test_the_kinds_and_actions_are_named_checks_on_the_tables():
    assert "ck_attempt_events_attempt_event_kind" in constraint_names(AttemptEvent.__table__)
    assert "ck_review_events_review_action" in constraint_names(ReviewEvent.__table__)
    assert {a.value for a in Action} | {"comment"} == {a.value for a in ReviewAction}


@pytest.fixture
def attempt(db, make_sitting, booked_candidate):
    sitting = make_sitting()
    candidate = booked_candidate(sitting)
    return services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab", now=T0)


def test_events_read_back_as_kinds(db, attempt):
    kinds = db.scalars(select(AttemptEvent.kind).where(AttemptEvent.attempt_id == attempt.id)
                       .order_by(AttemptEvent.id)).all()
    assert kinds == [EventKind.STARTED, EventKind.DEVICE_CLAIMED] and all(isinstance(k, EventKind) for k in kinds)


def test_an_unknown_event_kind_is_refused_by_the_model_and_by_the_database(db, attempt):
    with pytest.raises(StatementError):
        with db.begin_nested():
            db.add(AttemptEvent(attempt_id=attempt.id, kind="teleported", payload={}, reason="", occurred_at=T0))
            db.flush()
    # Past the model (a plain string parameter), the database's CHECK still refuses it.
    with pytest.raises(IntegrityError, match="(?i)ck_attempt_events_attempt_event_kind|constraint"):
        with db.begin_nested():
            db.execute(insert(AttemptEvent.__table__).values(
                attempt_id=attempt.id, kind=bindparam("raw_kind", "teleported", type_=String()), payload={},
                reason="", occurred_at=T0))


def test_an_unknown_review_action_is_refused_by_the_database(db, make_case_study, make_user):
    from item_bank.workflow import Status

    version = make_case_study(Status.DRAFT)
    author = make_user(Role.ITEM_WRITER)
    with pytest.raises(IntegrityError, match="(?i)ck_review_events_review_action|constraint"):
        with db.begin_nested():
            db.execute(insert(ReviewEvent.__table__).values(
                case_study_version_id=version.id, actor_id=author.id, comment="",
                action=bindparam("raw_action", "shred", type_=String()), occurred_at=T0 + dt.timedelta(minutes=1)))
