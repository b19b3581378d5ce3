"""The invigilation demo: a closed invigilated sitting with a finished, reviewed attempt (two flags,
one confirmed and one dismissed, the outcome withheld pending an examiner), a check-in waiting for
ID approval in the sitting open now; every chain verifies; loading twice changes nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from assessment import demo
from assessment.accounts.services import find_user_by_email
from assessment.delivery import services as delivery
from assessment.delivery.models import Attempt, Sitting
from assessment.results import queries as results
from proctoring import log
from proctoring.demo import CLOSED_SITTING_TITLE, OPEN_SITTING_TITLE, load_invigilation_demo
from proctoring.models import Invigilation, InvigilationEvent, InvigilationFlag
from proctoring.review import queries
from proctoring.rules import FlagDecision, LogKind, Outcome

NOW = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def loaded(app, db):
    demo.load_demo(db, now=NOW, password="demo-password-1", hash_profile="fast", with_scored_sitting=False)
    assert load_invigilation_demo(db, NOW, store=app.extensions["cop.media"]) is True
    return db


def test_the_closed_sitting_has_a_reviewed_attempt(app, loaded):
    db = loaded
    sitting = db.scalar(select(Sitting).where(Sitting.title == CLOSED_SITTING_TITLE))
    assert sitting.requires_invigilation and sitting.closes_at < NOW
    candidate = find_user_by_email(db, "candidate@example.org")
    attempt = db.scalar(select(Attempt).where(Attempt.sitting_id == sitting.id, Attempt.candidate_id == candidate.id))
    assert delivery.view_of(db, attempt, NOW).state.value == "submitted"
    invigilation = queries.invigilation_of(db, attempt)
    kinds = [r.kind for r in log.rows(db, invigilation.id)]
    for kind in (LogKind.CONSENT_GIVEN, LogKind.CHECKIN_SUBMITTED, LogKind.CHECKIN_APPROVED, LogKind.HEARTBEAT,
                 LogKind.SNAPSHOT, LogKind.FACES_COUNTED, LogKind.TAB_HIDDEN, LogKind.TAB_VISIBLE,
                 LogKind.MESSAGE_SENT, LogKind.MESSAGE_ACKNOWLEDGED, LogKind.ACTION_TAKEN):
        assert kind in kinds, kind
    faces = [r.payload["faces"] for r in log.rows(db, invigilation.id, kinds={LogKind.FACES_COUNTED})]
    assert faces.count(2) == 1 and set(faces) == {1, 2}
    # The check-in's approval comes before the start (the veto's rule), the snapshots are in the store.
    approved = log.rows(db, invigilation.id, kinds={LogKind.CHECKIN_APPROVED})[0]
    assert approved.occurred_at < attempt.started_at
    store = app.extensions["cop.media"]
    snapshots = log.rows(db, invigilation.id, kinds={LogKind.SNAPSHOT})
    assert snapshots and all(store.get(s.media_key)[:3] == b"\xff\xd8\xff" for s in snapshots)
    flags = queries.flag_records(db, [invigilation.id])[invigilation.id]
    assert sorted(f.decision for f in flags) == [FlagDecision.CONFIRMED, FlagDecision.DISMISSED]
    assert all(f.latest.note and f.latest.reviewer == "Indra Invigilator" for f in flags)
    outcome = queries.outcome_records(db, [invigilation.id])[invigilation.id][-1]
    assert outcome.outcome == Outcome.WITHHELD_PENDING_EXAMINER
    # The results board shows it awaiting an examiner.
    examiner = find_user_by_email(db, "examiner@example.org")
    board = results.board(db, examiner.actor, sitting.id)
    assert [o.attempt_id for o in board.invigilation_outcomes] == [attempt.id]


def test_a_check_in_waits_for_id_approval_in_the_open_sitting(loaded):
    db = loaded
    sitting = db.scalar(select(Sitting).where(Sitting.title == OPEN_SITTING_TITLE))
    assert sitting.opens_at <= NOW < sitting.closes_at and sitting.requires_invigilation
    waiting = find_user_by_email(db, "second.candidate@example.org")
    invigilation = log.invigilation_for(db, sitting_id=sitting.id, candidate_id=waiting.id, now=NOW, create=False)
    checkin = [r.kind for r in log.rows(db, invigilation.id) if r.kind.value.startswith("checkin_")]
    assert checkin[-1] == LogKind.CHECKIN_SUBMITTED
    assert LogKind.CHECKIN_APPROVED not in checkin and LogKind.CHECKIN_ID_PHOTO in checkin


def test_every_chain_verifies_and_loading_again_changes_nothing(app, loaded):
    db = loaded
    for invigilation_id in db.scalars(select(Invigilation.id)):
        assert log.verify(db, invigilation_id).ok
    counts = (db.scalar(select(func.count(InvigilationEvent.id))), db.scalar(select(func.count(InvigilationFlag.id))))
    assert load_invigilation_demo(db, NOW + dt.timedelta(hours=1), store=app.extensions["cop.media"]) is False
    assert counts == (db.scalar(select(func.count(InvigilationEvent.id))),
                      db.scalar(select(func.count(InvigilationFlag.id))))


def test_the_demo_flags_are_the_policys_own_and_a_new_analysis_adds_none(app, loaded):
    from proctoring import policy
    from proctoring.flags.services import analyse

    db = loaded
    sitting = db.scalar(select(Sitting).where(Sitting.title == CLOSED_SITTING_TITLE))
    invigilation = db.scalar(select(Invigilation).where(Invigilation.sitting_id == sitting.id))
    flags = list(db.scalars(select(InvigilationFlag).where(InvigilationFlag.invigilation_id == invigilation.id)))
    assert sorted(f.kind.value for f in flags) == ["several_faces", "tab_hidden"]
    assert {f.policy_version for f in flags} == {policy.POLICY_VERSION}
    # The 50-second drop in the connection is explained by the browser's own report: no flag.
    again = analyse(db, invigilation_id=invigilation.id, store=app.extensions["cop.media"], now=NOW)
    assert again.flags_raised == () and again.faces_counted == 0


def test_the_open_sittings_candidates_are_the_demo_invigilators(loaded):
    from proctoring.live import services as live

    db = loaded
    sitting = db.scalar(select(Sitting).where(Sitting.title == OPEN_SITTING_TITLE))
    invigilator = find_user_by_email(db, "invigilator@example.org")
    allocation = live.current_allocation(db, sitting.id)
    assert set(allocation) == set(live.booked_candidates(db, sitting.id)) and allocation
    assert {row.invigilator_id for row in allocation.values()} == {invigilator.id}
