"""The named signals of core.signals are connected in the composition root (assessment.app), and a
subscriber to ``attempt_starting`` can veto the start: the candidate is told why, nothing is written."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import signals
from core.audit import AuditEntry
from core.errors import Conflict
from core.roles import Role
from assessment.accounts.subscribers import refuse_disabled_account
from assessment.delivery import services
from assessment.delivery.models import Attempt, AttemptEvent
from tests.assessment.delivery.player_data import make_exam

REASON = "Your identity check is not complete, so the exam cannot start yet. Your invigilator will help you."


def counts(db):
    return tuple(db.scalar(select(func.count()).select_from(model)) for model in (Attempt, AttemptEvent, AuditEntry))


def test_the_composition_root_connects_the_subscribers(app):
    """``app`` was made by create_app, whose connect_signals step connected these."""
    assert refuse_disabled_account in list(signals.attempt_starting.receivers_for(object()))
    from assessment.app import connect_signals

    subscriptions = connect_signals()  # again: nothing is connected twice
    assert (signals.attempt_starting, refuse_disabled_account) in subscriptions
    assert list(signals.attempt_starting.receivers_for(object())).count(refuse_disabled_account) == 1


def test_a_vetoing_subscriber_stops_the_start_on_the_page(client, db, framework, clock, login_as):
    candidate = login_as(Role.CANDIDATE)
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now())
    before = counts(db)

    def identity_not_checked(session, *, candidate_id, sitting, **_):
        return REASON if candidate_id == candidate.id else None

    with signals.attempt_starting.connected_to(identity_not_checked):
        response = client.post(f"/sittings/{sitting.id}/start", data={"declaration": "y"})
    assert response.status_code == 409
    assert REASON in response.get_data(as_text=True)
    assert counts(db) == before
    started = client.post(f"/sittings/{sitting.id}/start", data={"declaration": "y"})  # the veto is gone
    assert started.status_code == 302


def test_a_disabled_account_starts_no_exam_even_if_its_session_is_open(app, db, framework, make_user):
    from datetime import datetime, timezone

    now = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    candidate = make_user(Role.CANDIDATE)
    sitting, _ = make_exam(db, candidate=candidate, now=now)
    candidate.is_enabled = False
    db.flush()
    before = counts(db)
    with pytest.raises(Conflict, match="Your account is disabled"):
        services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab", now=now)
    assert counts(db) == before
