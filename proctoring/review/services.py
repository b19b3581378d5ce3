"""A reviewer's decisions after the attempt: each flag confirmed or dismissed with a note, and the
invigilation's outcome in fixed categories with reasons. Both are a person's, always: there is no
path here without a signed-in member of staff (the system actor is refused), and the policy never
calls these. Rows are appended (a change of mind is a new row; the latest stands) and audited.
Withholding or voiding a result stays an examiner's decision on the results board."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from sqlalchemy.orm import Session

from core import audit
from core.db import get_or_raise
from core.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from core.roles import Actor, require_role
from assessment.delivery import services as delivery
from assessment.delivery.models import Attempt, Sitting
from proctoring.models import FlagReview, Invigilation, InvigilationFlag, InvigilationOutcome
from proctoring.review import rules
from proctoring.review.queries import REVIEWER_ROLES, flag_records, invigilation_of
from proctoring.rules import FlagDecision, Outcome


def _reviewer(session: Session, actor: Actor, invigilation: Invigilation) -> None:
    """A person with a reviewer's role, not a candidate in the sitting, not the candidate reviewed."""
    if actor.user_id is None:
        raise Forbidden("A flag is evidence, never a decision: only a person may decide on it.")
    require_role(actor, *REVIEWER_ROLES)
    delivery.require_not_candidate_in(session, actor, get_or_raise(session, Sitting, invigilation.sitting_id))
    if actor.user_id == invigilation.candidate_id:
        raise Forbidden("You cannot review your own attempt.")


def decide_flag(session: Session, *, actor: Actor, flag_id: int, decision: FlagDecision | str, note: str,
                now: dt.datetime) -> FlagReview:
    """Confirm or dismiss one flag, with a note (required). A later decision supersedes this one."""
    flag = get_or_raise(session, InvigilationFlag, flag_id, "There is no such flag.")
    invigilation = session.get(Invigilation, flag.invigilation_id)
    _reviewer(session, actor, invigilation)
    problems = []
    try:
        decision = FlagDecision(decision)
    except ValueError:
        problems.append(FieldProblem("decision", "Choose whether the flag is confirmed or dismissed"))
    problem = rules.text_problem(note, what="a note", minimum=rules.NOTE_MIN)
    if problem:
        problems.append(FieldProblem("note", problem))
    if problems:
        raise ValidationFailed("There is a problem", problems)
    previous = session.scalar(select(FlagReview).where(FlagReview.flag_id == flag.id).order_by(FlagReview.id.desc())
                              .limit(1))
    row = FlagReview(flag_id=flag.id, decision=decision, note=note.strip(), reviewer_id=actor.user_id, reviewed_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action=f"invigilation.flag_{decision.value}", target_type="invigilation_flag",
                 target_id=flag.id, before={"decision": str(previous.decision)} if previous else None,
                 after={"decision": decision.value, "note": row.note, "invigilation": invigilation.id}, now=now)
    return row


def record_outcome(session: Session, *, actor: Actor, attempt_id: int, outcome: Outcome | str, reasons: str,
                   now: dt.datetime) -> InvigilationOutcome:
    """The reviewer's outcome for the attempt's invigilation, with reasons (required). Refused while
    the attempt is in progress and until every flag has a decision. A later outcome supersedes it."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("There is no such attempt.")
    invigilation = invigilation_of(session, attempt)
    _reviewer(session, actor, invigilation)
    problems = []
    try:
        outcome = Outcome(outcome)
    except ValueError:
        problems.append(FieldProblem("outcome", "Choose an outcome"))
    problem = rules.text_problem(reasons, what="the reasons", minimum=rules.REASONS_MIN)
    if problem:
        problems.append(FieldProblem("reasons", problem))
    if problems:
        raise ValidationFailed("There is a problem", problems)
    if delivery.view_of(session, attempt, now).state.is_open:
        raise Conflict("The attempt is still in progress: an outcome is recorded once it has ended.")
    flags = flag_records(session, [invigilation.id]).get(invigilation.id, [])
    undecided = rules.undecided_problem([f.decision for f in flags])
    if undecided:
        raise Conflict(undecided)
    row = InvigilationOutcome(invigilation_id=invigilation.id, outcome=outcome, reasons=reasons.strip(),
                              reviewer_id=actor.user_id, recorded_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="invigilation.outcome_recorded", target_type="attempt",
                 target_id=attempt.id, after={"outcome": outcome.value, "reasons": row.reasons,
                                              "invigilation": invigilation.id,
                                              "flags": {str(f.id): str(f.decision) for f in flags}}, now=now)
    return row
