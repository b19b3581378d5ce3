"""The invigilators' live list and ``close-overdue`` read many attempts with grouped queries (each
slot's latest step, each attempt's last save and last event), not every step of every attempt:
the answers are those of the full fold, and the number of SQL statements does not grow with the
number of attempts."""
from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from sqlalchemy import event, select

from core.roles import Role
from assessment.delivery import services
from assessment.delivery.models import Attempt, AttemptEvent, ResponseStep
from assessment.delivery.replay import AttemptState
from assessment.delivery.staff import queries as staff_queries
from tests.assessment.delivery.conftest import T0

MIN = dt.timedelta(minutes=1)


@contextlib.contextmanager
def counting(db):
    """The SQL statements sent while the block runs."""
    statements: list[str] = []
    engine = db.get_bind().engine

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def save(db, candidate, attempt, slot, answer, at, flagged=False):
    seen = services.view_of(db, attempt, at).last_seq
    return services.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=slot,
                                  payload={"answer": answer, "flagged": flagged}, seen_seq=seen,
                                  client_step_id=f"{attempt.id}-{seen}", device_id="tab", now=at)


def busy_sitting(db, make_sitting, booked_candidate, invigilator, n):
    """``n`` candidates in every situation the live list shows, in turn: answering (saves that
    overwrite earlier ones), paused then resumed, given extra time, paused now, submitted, gone
    quiet, timed out, not started."""
    sitting = make_sitting(duration_s=1800, opens=T0 - 60 * MIN, booking_closes=T0 - 61 * MIN)
    for i in range(n):
        candidate = booked_candidate(sitting, name=f"Candidate {i:02d}")
        kind = i % 8
        if kind == 7:
            continue  # booked, not started
        started = T0 - 40 * MIN if kind == 6 else T0
        attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab",
                                         now=started)
        save(db, candidate, attempt, 1, "A", started + MIN)
        save(db, candidate, attempt, 1, "B", started + 2 * MIN, flagged=True)
        save(db, candidate, attempt, 2, "C", started + 3 * MIN)
        if kind == 1:
            services.pause(db, actor=invigilator.actor, attempt_id=attempt.id, reason="Fire alarm", now=T0 + 4 * MIN)
            services.resume(db, actor=invigilator.actor, attempt_id=attempt.id, now=T0 + 9 * MIN)
            save(db, candidate, attempt, 3, "D", T0 + 10 * MIN)
        elif kind == 2:
            services.extend_time(db, actor=invigilator.actor, attempt_id=attempt.id, seconds=600, reason="Power cut",
                                 now=T0 + 5 * MIN)
        elif kind == 3:
            services.pause(db, actor=invigilator.actor, attempt_id=attempt.id, reason="Toilet", now=T0 + 11 * MIN)
        elif kind == 4:
            services.submit_attempt(db, actor=candidate.actor, attempt_id=attempt.id, now=T0 + 6 * MIN)
        elif kind == 5:
            services.claim_device(db, actor=candidate.actor, attempt_id=attempt.id, device_id="laptop",
                                  now=T0 + 4 * MIN)
        elif kind == 0:
            save(db, candidate, attempt, 4, "A", T0 + 11 * MIN + dt.timedelta(seconds=30))
    return sitting


def full_fold(db, attempt, now):
    """What the live list showed before: every step and every event of the attempt, folded."""
    steps, events = services.evidence(db, attempt.id)
    view = services.view_at(db, attempt, now)
    last_save = max((s.at for s in steps if s.at <= now), default=None)
    last_contact = max([t for t in [last_save, *(e.at for e in events)] if t is not None and t <= now],
                       default=None)
    return (view.state, view.answered, len(view.slots), view.time_left_s if view.state.is_open else None,
            last_save, last_contact)


def test_the_live_list_shows_what_the_full_fold_shows(db, make_user, make_sitting, booked_candidate):
    invigilator = make_user(Role.INVIGILATOR)
    sitting = busy_sitting(db, make_sitting, booked_candidate, invigilator, 16)
    now = T0 + 12 * MIN
    _, rows = staff_queries.live_list(db, actor=invigilator.actor, sitting_id=sitting.id, now=now)
    assert len(rows) == 16
    attempts = {a.id: a for a in db.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id))}
    states = set()
    for row in rows:
        if row.attempt_id is None:
            assert (row.state, row.answered, row.last_save_at) == (None, 0, None)
            continue
        shown = (row.state, row.answered, row.total, row.time_left_s, row.last_save_at, row.last_contact_at)
        assert shown == full_fold(db, attempts[row.attempt_id], now), row.name
        states.add(row.state)
    assert states == {AttemptState.IN_PROGRESS, AttemptState.PAUSED, AttemptState.SUBMITTED,
                      AttemptState.TIMED_OUT}


@pytest.mark.parametrize("now", [T0 + 12 * MIN, T0 + 45 * MIN])
def test_the_live_list_needs_as_many_statements_for_sixteen_attempts_as_for_eight(db, make_user, make_sitting,
                                                                                   booked_candidate, now):
    invigilator = make_user(Role.INVIGILATOR)
    small = busy_sitting(db, make_sitting, booked_candidate, invigilator, 8)
    large = busy_sitting(db, make_sitting, booked_candidate, invigilator, 16)
    db.expire_all()  # nothing from setting up may be answered from the session's memory
    with counting(db) as few:
        staff_queries.live_list(db, actor=invigilator.actor, sitting_id=small.id, now=now)
    db.expire_all()
    with counting(db) as many:
        staff_queries.live_list(db, actor=invigilator.actor, sitting_id=large.id, now=now)
    assert len(many) == len(few)


def test_close_overdue_closes_exactly_the_attempts_the_full_fold_has_timed_out(db, make_user, make_sitting,
                                                                                booked_candidate):
    invigilator = make_user(Role.INVIGILATOR)
    sitting = busy_sitting(db, make_sitting, booked_candidate, invigilator, 16)
    now = T0 + 35 * MIN  # past 30 minutes: the plain ones are overdue; extended or paused ones are not
    attempts = list(db.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id).order_by(Attempt.id)))
    expected = {a.id: services.view_at(db, a, now) for a in attempts}
    timed_out = sorted(i for i, v in expected.items() if v.state == AttemptState.TIMED_OUT)
    assert 0 < len(timed_out) < len(attempts)
    assert sorted(services.close_overdue(db, now=now)) == timed_out
    for attempt_id in timed_out:
        closing = db.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == attempt_id,
                                                        AttemptEvent.kind == "auto_submitted")).one()
        view = expected[attempt_id]
        assert closing.payload == {"deadline": view.deadline.isoformat(), "answered": view.answered}
        assert closing.occurred_at == now
    assert services.close_overdue(db, now=now) == []


def test_close_overdue_needs_as_many_queries_for_sixteen_attempts_as_for_eight(db, make_user, make_sitting,
                                                                              booked_candidate):
    invigilator = make_user(Role.INVIGILATOR)
    busy_sitting(db, make_sitting, booked_candidate, invigilator, 8)
    now = T0 + 35 * MIN
    db.expire_all()
    with counting(db) as few:
        closed_few = services.close_overdue(db, now=now)
    busy_sitting(db, make_sitting, booked_candidate, invigilator, 16)
    db.expire_all()
    with counting(db) as many:
        closed_many = services.close_overdue(db, now=now)
    assert len(closed_many) > len(closed_few) > 0
    reads = [s for s in few if s.lstrip().upper().startswith("SELECT")]
    assert len([s for s in many if s.lstrip().upper().startswith("SELECT")]) == len(reads)
    assert len(many) == len(few)  # the closing events are written in one batch
