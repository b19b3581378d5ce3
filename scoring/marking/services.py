"""Use cases of marking that write. Each takes the acting ``actor`` and ``now``, owns every check
(role, allocation, blindness, own attempt, range) and flushes; the caller commits once."""
from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.accounts.models import RoleGrant, User
from assessment.delivery.models import Attempt, Sitting
from core import audit
from core.errors import Conflict, FieldProblem, Forbidden, NotFound, Problems, ValidationFailed
from core.roles import Actor, Role, require_role
from scoring.marking import queries, rules
from scoring.marking.models import Mark, MarkingAllocation, MarkingSetting, RemarkRequest, Script
from scoring.marking.rules import Pool, Round

MAX_JUSTIFICATION = 2000


def _sitting(session: Session, sitting_id: int) -> Sitting:
    sitting = session.get(Sitting, sitting_id)
    if sitting is None or sitting.is_practice:
        raise NotFound("There is no such sitting to mark.")
    return sitting


def require_lead(session: Session, actor: Actor, sitting_id: int) -> None:
    """Administrators and the sitting's lead examiners manage its marking."""
    if actor.has(Role.ADMIN):
        return
    require_role(actor, Role.EXAMINER)
    if Pool.LEAD not in queries.pools_of(session, actor, sitting_id):
        raise Forbidden("Only the lead examiner of this sitting can do this.")


def ensure_setting(session: Session, actor: Actor, sitting_id: int, now: dt.datetime, *,
                   tolerance: float = rules.DEFAULT_TOLERANCE,
                   rounding: rules.Rounding | str = rules.DEFAULT_ROUNDING) -> MarkingSetting:
    """The sitting's agreement rule, fixed from the configuration the first time marking opens, so a
    later change of configuration does not change marks already agreed."""
    setting = session.get(MarkingSetting, sitting_id)
    if setting is None:
        setting = MarkingSetting(sitting_id=sitting_id, tolerance=float(tolerance), rounding=rules.Rounding(rounding).value,
                                 updated_by_id=actor.user_id, updated_at=now)
        session.add(setting)
        session.flush()
    return setting


def _new_candidate_number(taken: set[str]) -> str:
    while True:
        number = str(100000 + secrets.randbelow(900000))
        if number not in taken:
            taken.add(number)
            return number


def sync_scripts(session: Session, sitting_id: int, now: dt.datetime, actor: Actor | None = None) -> int:
    """Add a script for every answered written slot of an ended attempt that has none yet; returns
    how many were added. Each attempt keeps one pseudonymous number across its scripts."""
    existing = {(s.attempt_id, s.slot): s for s in session.scalars(select(Script).where(Script.sitting_id == sitting_id))}
    numbers = {s.attempt_id: s.candidate_number for s in existing.values() if s.seed_of_id is None}
    taken = {s.candidate_number for s in existing.values()}
    added = 0
    for written in queries.written_slots(session, sitting_id, now):
        if not written.is_answered or (written.attempt_id, written.slot) in existing:
            continue
        if written.attempt_id not in numbers:
            numbers[written.attempt_id] = _new_candidate_number(taken)
        session.add(Script(sitting_id=sitting_id, attempt_id=written.attempt_id, slot=written.slot,
                           item_version_id=written.item_version_id, candidate_number=numbers[written.attempt_id],
                           answer={"text": written.answer}, max_mark=written.max_mark,
                           created_by_id=actor.user_id if actor else None, created_at=now))
        added += 1
    session.flush()
    return added


def open_queue(session: Session, actor: Actor, sitting_id: int, now: dt.datetime) -> list[queries.QueueEntry]:
    """An allocated examiner's queue, after adding the scripts of attempts that have ended since: the
    rounds of their pools, then the re-marks after an appeal they may give (any allocation, the lead's
    too, may re-mark after an appeal)."""
    _sitting(session, sitting_id)
    require_role(actor, Role.EXAMINER)
    pools = queries.pools_of(session, actor, sitting_id)
    if not pools:
        raise Forbidden("You have no marking allocation in this sitting.")
    sync_scripts(session, sitting_id, now, actor)
    entries = queries.queue_for(session, actor, sitting_id) if pools - {Pool.LEAD} else []
    return entries + queries.appeal_queue(session, actor, sitting_id)


def allocate(session: Session, actor: Actor, sitting_id: int, examiner_id: int, pool: Pool | str,
             now: dt.datetime, *, tolerance: float = rules.DEFAULT_TOLERANCE,
             rounding: rules.Rounding | str = rules.DEFAULT_ROUNDING) -> MarkingAllocation:
    """Allocate an examiner to a pool of a sitting's marking. Only an administrator allocates a lead."""
    _sitting(session, sitting_id)
    pool = Pool(pool)
    if pool is Pool.LEAD:
        require_role(actor, Role.ADMIN)
    else:
        require_lead(session, actor, sitting_id)
    if session.get(User, examiner_id) is None or session.scalar(
            select(RoleGrant.id).where(RoleGrant.user_id == examiner_id, RoleGrant.role == Role.EXAMINER)) is None:
        raise ValidationFailed("There is a problem", [FieldProblem("examiner", "Choose an examiner")])
    ensure_setting(session, actor, sitting_id, now, tolerance=tolerance, rounding=rounding)
    allocation = session.scalar(select(MarkingAllocation).where(
        MarkingAllocation.sitting_id == sitting_id, MarkingAllocation.examiner_id == examiner_id,
        MarkingAllocation.pool == pool))
    if allocation is not None and allocation.withdrawn_at is None:
        raise Conflict("That examiner already has that allocation.")
    if allocation is None:
        allocation = MarkingAllocation(sitting_id=sitting_id, examiner_id=examiner_id, pool=pool,
                                       allocated_by_id=actor.user_id, allocated_at=now)
        session.add(allocation)
    else:
        allocation.withdrawn_at, allocation.allocated_at, allocation.allocated_by_id = None, now, actor.user_id
    session.flush()
    audit.record(session, actor=actor, action="marking.allocate", target_type="sitting", target_id=sitting_id,
                 after={"examiner_id": examiner_id, "pool": pool.value}, now=now)
    return allocation


def withdraw(session: Session, actor: Actor, allocation_id: int, now: dt.datetime) -> MarkingAllocation:
    allocation = session.get(MarkingAllocation, allocation_id)
    if allocation is None or allocation.withdrawn_at is not None:
        raise NotFound("There is no such allocation.")
    if allocation.pool is Pool.LEAD:
        require_role(actor, Role.ADMIN)
    else:
        require_lead(session, actor, allocation.sitting_id)
    allocation.withdrawn_at = now
    session.flush()
    audit.record(session, actor=actor, action="marking.withdraw", target_type="sitting",
                 target_id=allocation.sitting_id,
                 before={"examiner_id": allocation.examiner_id, "pool": allocation.pool.value}, now=now)
    return allocation


def set_pass_mark(session: Session, actor: Actor, sitting_id: int, pass_mark: float | None,
                  now: dt.datetime) -> MarkingSetting:
    """Once a pass mark exists, two marks either side of it go to a third marker."""
    _sitting(session, sitting_id)
    require_lead(session, actor, sitting_id)
    setting = ensure_setting(session, actor, sitting_id, now)
    before = setting.pass_mark
    setting.pass_mark, setting.updated_by_id, setting.updated_at = pass_mark, actor.user_id, now
    session.flush()
    audit.record(session, actor=actor, action="marking.pass_mark", target_type="sitting", target_id=sitting_id,
                 before={"pass_mark": before}, after={"pass_mark": pass_mark}, now=now)
    return setting


def apply_approved_pass_mark(session: Session, actor: Actor, sitting_id: int, pass_mark: float,
                             now: dt.datetime, decision_id: int) -> MarkingSetting:
    """The pass mark of an approved cut-score decision (``scoring.cut_scores``), set by the approving
    examiner, who need not lead the sitting's marking: the board's decision outranks the lead's."""
    _sitting(session, sitting_id)
    require_role(actor, Role.EXAMINER)
    setting = ensure_setting(session, actor, sitting_id, now)
    before = setting.pass_mark
    setting.pass_mark, setting.updated_by_id, setting.updated_at = pass_mark, actor.user_id, now
    session.flush()
    audit.record(session, actor=actor, action="marking.pass_mark", target_type="sitting", target_id=sitting_id,
                 before={"pass_mark": before}, after={"pass_mark": pass_mark, "cut_score_decision": decision_id},
                 now=now)
    return setting


def give_mark(session: Session, actor: Actor, script_id: int, round_: Round | str, mark: float,
              justification: str, now: dt.datetime, *, reason: str = "") -> Mark:
    """Append one mark. Refuses (and writes nothing): a marker without the allocation, their own
    attempt, a second mark by the first marker (or the other way round), a third mark by either of
    them or before it is needed, a changed mark once both marks are in, and a mark out of range.
    A mark after an appeal (round ``appeal``) is refused to anyone who marked the attempt before,
    when no re-mark is asked, and once given (``queries._decide_appeal``)."""
    require_role(actor, Role.EXAMINER)
    # Locked on PostgreSQL, so two markers saving the same round at once cannot both take it.
    script = session.get(Script, script_id, with_for_update=True)
    if script is None:
        raise NotFound("There is no such script.")
    round_ = Round(round_)
    decision = queries.may_mark(session, actor, script, round_)
    if decision.refusal:
        raise decision.refusal
    problems = Problems()
    problem = rules.mark_problem(float(mark), script.max_mark)
    if problem:
        problems.add("mark", problem)
    justification = (justification or "").strip()
    if not justification:
        problems.add("justification", "Give a short justification for the mark")
    elif len(justification) > MAX_JUSTIFICATION:
        problems.add("justification", f"The justification must be {MAX_JUSTIFICATION} characters or fewer")
    reason = (reason or "").strip()
    if decision.is_change and not reason:
        problems.add("reason", "Say why you are changing your mark")
    problems.raise_if_any()
    if script.seed_of_id is not None:
        round_ = Round.SEED  # whatever the queue showed the marker, so that a seed never counts
    row = Mark(script_id=script.id, marker_id=actor.user_id, round=round_, mark=float(mark),
               justification=justification, reason=reason, created_at=now)
    session.add(row)
    session.flush()
    return row


def seed_script(session: Session, actor: Actor, source_script_id: int, now: dt.datetime) -> Script:
    """Slip a copy of a resolved script into the queues, under a new number, with the mark that
    stood as its reference. Its marks measure each marker's drift and never count."""
    source = session.get(Script, source_script_id)
    if source is None or source.seed_of_id is not None:
        raise NotFound("There is no such script.")
    require_lead(session, actor, source.sitting_id)
    outcome = queries.script_outcomes(session, source.sitting_id).get(source.id)
    if outcome is None or outcome.status is not rules.Status.RESOLVED:
        raise Conflict("Only a script whose mark stands can be seeded.")
    taken = set(session.scalars(select(Script.candidate_number).where(Script.sitting_id == source.sitting_id)))
    seed = Script(sitting_id=source.sitting_id, attempt_id=source.attempt_id, slot=source.slot,
                  item_version_id=source.item_version_id, candidate_number=_new_candidate_number(taken),
                  answer=dict(source.answer), max_mark=source.max_mark, seed_of_id=source.id,
                  reference_mark=float(outcome.mark), created_by_id=actor.user_id, created_at=now)
    session.add(seed)
    session.flush()
    audit.record(session, actor=actor, action="marking.seed", target_type="script", target_id=seed.id,
                 after={"source": source.id, "reference_mark": seed.reference_mark}, now=now)
    return seed


def request_remark(session: Session, *, appeal_id: int, attempt_id: int, now: dt.datetime) -> RemarkRequest:
    """An appeal upheld for a re-mark asks a fresh examiner to mark the attempt's written answers
    again. Heard from ``appeal_closed`` (``subscribers.remark_after_appeal``); asked once per appeal.
    Scripts of the attempt's answered written items are made first if marking never opened."""
    existing = session.scalar(select(RemarkRequest).where(RemarkRequest.appeal_id == appeal_id))
    if existing is not None:
        return existing
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("There is no such attempt.")
    request = RemarkRequest(attempt_id=attempt_id, sitting_id=attempt.sitting_id, appeal_id=appeal_id,
                            requested_at=now)
    session.add(request)
    session.flush()
    return request


__all__ = ["allocate", "apply_approved_pass_mark", "give_mark", "open_queue", "request_remark", "seed_script",
           "set_pass_mark", "sync_scripts", "withdraw"]
