"""Flag decisions and outcomes: a person's, with a note or reasons, refused until every flag is
decided, the latest standing, audited; roles and separation of roles."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, ValidationFailed
from core.roles import SYSTEM, Role
from assessment.delivery.models import Booking
from proctoring.models import FlagReview, InvigilationOutcome
from proctoring.review import queries, services
from proctoring.rules import FlagDecision, Outcome

from tests.proctoring.review.conftest import at

LATER = at(3600)


def _decide_both(db, reviewer, finished):
    services.decide_flag(db, actor=reviewer.actor, flag_id=finished.flags[0].id, decision="dismissed",
                         note="The candidate said the fire alarm was tested; 42 s is short.", now=LATER)
    services.decide_flag(db, actor=reviewer.actor, flag_id=finished.flags[1].id, decision="confirmed",
                         note="A second person is plainly visible behind the candidate.", now=LATER)


def test_a_flag_is_confirmed_or_dismissed_with_a_note_and_audited(db, make_user, finished):
    reviewer = make_user(Role.EXAMINER)
    row = services.decide_flag(db, actor=reviewer.actor, flag_id=finished.flags[0].id, decision="dismissed",
                               note="Short and explained by the candidate.", now=LATER)
    assert (row.decision, row.reviewer_id, row.note) == (FlagDecision.DISMISSED, reviewer.id,
                                                         "Short and explained by the candidate.")
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "invigilation.flag_dismissed"))
    assert entry.target_id == str(finished.flags[0].id) and entry.actor_id == reviewer.id


@pytest.mark.parametrize("note, message", [("", "Enter a note"), ("   ", "Enter a note"),
                                           ("too short", "Write a note in at least 10 characters"),
                                           ("x" * 4001, "A note must be 4000 characters or fewer")])
def test_a_note_is_required(db, make_user, finished, note, message):
    reviewer = make_user(Role.INVIGILATOR)
    with pytest.raises(ValidationFailed) as refused:
        services.decide_flag(db, actor=reviewer.actor, flag_id=finished.flags[0].id, decision="confirmed", note=note,
                             now=LATER)
    assert [(p.field, p.message) for p in refused.value.problems] == [("note", message)]
    assert db.scalar(select(func.count()).select_from(FlagReview)) == 0


def test_an_unknown_decision_is_refused(db, make_user, finished):
    with pytest.raises(ValidationFailed) as refused:
        services.decide_flag(db, actor=make_user(Role.ADMIN).actor, flag_id=finished.flags[0].id, decision="maybe",
                             note="A long enough note here.", now=LATER)
    assert refused.value.problems[0].field == "decision"


def test_the_latest_decision_stands(db, make_user, finished):
    first, second = make_user(Role.INVIGILATOR), make_user(Role.EXAMINER)
    services.decide_flag(db, actor=first.actor, flag_id=finished.flags[0].id, decision="confirmed",
                         note="Looks like the candidate left the exam.", now=LATER)
    services.decide_flag(db, actor=second.actor, flag_id=finished.flags[0].id, decision="dismissed",
                         note="On reflection, a notification popped up.", now=LATER + dt.timedelta(minutes=5))
    flag = queries.flag_records(db, [finished.invigilation.id])[finished.invigilation.id][0]
    assert flag.decision is FlagDecision.DISMISSED and len(flag.reviews) == 2
    assert flag.latest.note == "On reflection, a notification popped up."
    before = db.scalar(select(AuditEntry).where(AuditEntry.action == "invigilation.flag_dismissed"))
    assert "confirmed" in before.before_summary


def test_the_outcome_is_refused_until_every_flag_has_a_decision(db, make_user, finished):
    reviewer = make_user(Role.EXAMINER)
    with pytest.raises(Conflict, match="2 flags have no decision yet"):
        services.record_outcome(db, actor=reviewer.actor, attempt_id=finished.attempt.id, outcome="concern_noted",
                                reasons="A second person was seen once.", now=LATER)
    services.decide_flag(db, actor=reviewer.actor, flag_id=finished.flags[0].id, decision="dismissed",
                         note="Short and explained by the candidate.", now=LATER)
    with pytest.raises(Conflict, match="1 flag has no decision yet"):
        services.record_outcome(db, actor=reviewer.actor, attempt_id=finished.attempt.id, outcome="concern_noted",
                                reasons="A second person was seen once.", now=LATER)
    assert db.scalar(select(func.count()).select_from(InvigilationOutcome)) == 0


def test_an_outcome_with_reasons_the_latest_standing_and_audited(db, make_user, finished):
    reviewer = make_user(Role.EXAMINER)
    _decide_both(db, reviewer, finished)
    services.record_outcome(db, actor=reviewer.actor, attempt_id=finished.attempt.id, outcome="concern_noted",
                            reasons="A second person was seen once.", now=LATER)
    services.record_outcome(db, actor=reviewer.actor, attempt_id=finished.attempt.id,
                            outcome=Outcome.WITHHELD_PENDING_EXAMINER,
                            reasons="On a second look the person was reading out answers.", now=LATER)
    awaiting = queries.outcomes_awaiting_examiner(db, finished.sitting.id)
    assert [(a.attempt_id, a.outcome) for a in awaiting] == [(finished.attempt.id, Outcome.WITHHELD_PENDING_EXAMINER)]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "invigilation.outcome_recorded")
                      .order_by(AuditEntry.id.desc()))
    assert entry.target_id == str(finished.attempt.id) and "withheld_pending_examiner" in entry.after_summary


@pytest.mark.parametrize("outcome, reasons, field", [("", "Reasons long enough.", "outcome"),
                                                      ("no_concern", "", "reasons"),
                                                      ("banned", "Reasons long enough.", "outcome")])
def test_an_outcome_needs_a_category_and_reasons(db, make_user, finished, outcome, reasons, field):
    reviewer = make_user(Role.ADMIN)
    _decide_both(db, reviewer, finished)
    with pytest.raises(ValidationFailed) as refused:
        services.record_outcome(db, actor=reviewer.actor, attempt_id=finished.attempt.id, outcome=outcome,
                                reasons=reasons, now=LATER)
    assert [p.field for p in refused.value.problems] == [field]


def test_no_outcome_while_the_attempt_is_in_progress(db, make_user, finished):
    from assessment.delivery import services as delivery
    from proctoring import log
    from proctoring.rules import LogKind

    other = finished.sitting
    candidate = make_user(Role.CANDIDATE)
    db.add(Booking(sitting_id=other.id, candidate_id=candidate.id, booked_at=at(-86400)))
    inv = log.invigilation_for(db, sitting_id=other.id, candidate_id=candidate.id, now=at(-60))
    log.append(db, invigilation_id=inv.id, kind=LogKind.CONSENT_GIVEN, now=at(-120), actor_id=candidate.id)
    log.append(db, invigilation_id=inv.id, kind=LogKind.CHECKIN_APPROVED, now=at(-60), actor_id=finished.invigilator.id)
    attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=other.id, device_id="x", now=at(10))
    with pytest.raises(Conflict, match="still in progress"):
        services.record_outcome(db, actor=make_user(Role.EXAMINER).actor, attempt_id=attempt.id,
                                outcome="no_concern", reasons="Nothing at all happened here.", now=at(20))


def test_never_without_a_person(db, finished):
    with pytest.raises(Forbidden, match="only a person"):
        services.decide_flag(db, actor=SYSTEM, flag_id=finished.flags[0].id, decision="confirmed",
                             note="The policy cannot decide this.", now=LATER)
    with pytest.raises(Forbidden):
        services.record_outcome(db, actor=SYSTEM, attempt_id=finished.attempt.id, outcome="no_concern",
                                reasons="The policy cannot decide this.", now=LATER)


@pytest.mark.parametrize("role", [Role.CANDIDATE, Role.ITEM_WRITER, Role.ASSESSOR])
def test_only_reviewers_decide(db, make_user, finished, role):
    with pytest.raises(Forbidden):
        services.decide_flag(db, actor=make_user(role).actor, flag_id=finished.flags[0].id, decision="confirmed",
                             note="Not mine to decide at all.", now=LATER)


def test_staff_booked_in_the_sitting_and_the_candidate_cannot_review(db, make_user, finished):
    booked_examiner = make_user(Role.EXAMINER)
    db.add(Booking(sitting_id=finished.sitting.id, candidate_id=booked_examiner.id, booked_at=at(-86400)))
    db.flush()
    with pytest.raises(Forbidden, match="candidate in this sitting"):
        services.decide_flag(db, actor=booked_examiner.actor, flag_id=finished.flags[0].id, decision="dismissed",
                             note="I would like this dismissed.", now=LATER)
    with pytest.raises(Forbidden):
        queries.reviewed_attempt(db, booked_examiner.actor, finished.attempt.id, LATER)
    # The candidate, even given a reviewer's role, never reviews their own attempt.
    from assessment.accounts.models import User
    from core.roles import Actor

    person = db.get(User, finished.candidate.id)
    as_invigilator = Actor(person.id, person.full_name, frozenset({Role.CANDIDATE, Role.INVIGILATOR}))
    with pytest.raises(Forbidden):
        services.decide_flag(db, actor=as_invigilator, flag_id=finished.flags[0].id, decision="dismissed",
                             note="This is my own attempt.", now=LATER)


def test_the_review_list_counts_flags_and_shows_the_outcome(db, make_user, finished):
    reviewer = make_user(Role.INVIGILATOR)
    listed = queries.review_list(db, reviewer.actor, now=LATER)
    row = next(r for r in listed.rows if r.attempt_id == finished.attempt.id)
    assert (row.open_flags, row.confirmed, row.dismissed, row.outcome_words) == (2, 0, 0, "Awaiting review")
    _decide_both(db, reviewer, finished)
    services.record_outcome(db, actor=reviewer.actor, attempt_id=finished.attempt.id, outcome="concern_noted",
                            reasons="A second person was seen once.", now=LATER)
    row = next(r for r in queries.review_list(db, reviewer.actor, now=LATER, sitting_id=finished.sitting.id).rows
               if r.attempt_id == finished.attempt.id)
    assert (row.open_flags, row.confirmed, row.dismissed, row.outcome_words) == (0, 1, 1, "Concern noted")


def test_the_list_leaves_out_sittings_the_reviewer_is_a_candidate_in(db, make_user, finished):
    booked_invigilator = make_user(Role.INVIGILATOR)
    db.add(Booking(sitting_id=finished.sitting.id, candidate_id=booked_invigilator.id, booked_at=at(-86400)))
    db.flush()
    assert [r for r in queries.review_list(db, booked_invigilator.actor, now=LATER).rows
            if r.sitting_id == finished.sitting.id] == []
    with pytest.raises(Forbidden):
        queries.review_list(db, booked_invigilator.actor, now=LATER, sitting_id=finished.sitting.id)
