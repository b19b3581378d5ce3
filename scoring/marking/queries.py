"""What pages and scoring read of marking. ``final_marks`` and ``outstanding_scripts`` are what
scoring runs call; a run over a sitting with any outstanding script is provisional."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.delivery.evidence import fold_attempts
from assessment.delivery.models import Attempt, AttemptSlot
from assessment.delivery.replay import AttemptState
from core.clock import utcnow
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.roles import Role
from item_bank.models import ItemVersion
from scoring.marking import rules
from scoring.marking.models import Mark, MarkingAllocation, MarkingSetting, RemarkRequest, Script
from scoring.psychometrics.scoring_rules import mark_response

WRITTEN = "constructed_response"


@dataclass(frozen=True)
class Rule:
    tolerance: float
    rounding: rules.Rounding
    pass_mark: float | None


@dataclass(frozen=True)
class WrittenSlot:
    attempt_id: int
    candidate_id: int
    slot: int
    item_version_id: int
    answer: object
    max_mark: int

    @property
    def is_answered(self) -> bool:
        return isinstance(self.answer, str) and bool(self.answer.strip())


def rule_for(session: Session, sitting_id: int) -> Rule:
    setting = session.get(MarkingSetting, sitting_id)
    if setting is None:
        return Rule(rules.DEFAULT_TOLERANCE, rules.DEFAULT_ROUNDING, None)
    return Rule(setting.tolerance, rules.Rounding(setting.rounding), setting.pass_mark)


def ended_attempts(session: Session, sitting_id: int, now: dt.datetime) -> dict[int, object]:
    """The sitting's attempts that have ended (submitted or timed out, not voided), folded at ``now``."""
    ids = select(Attempt.id).where(Attempt.sitting_id == sitting_id, Attempt.is_practice.is_(False))
    attempts = list(session.scalars(select(Attempt).where(Attempt.id.in_(ids)).order_by(Attempt.id)))
    folded = fold_attempts(session, attempts, ids, now)
    return {a.id: (a, folded[a.id].view) for a in attempts
            if folded[a.id].view.state in (AttemptState.SUBMITTED, AttemptState.TIMED_OUT)}


def written_slots(session: Session, sitting_id: int, now: dt.datetime) -> list[WrittenSlot]:
    """Every written-answer slot of the sitting's ended attempts, with its final answer."""
    ended = ended_attempts(session, sitting_id, now)
    if not ended:
        return []
    rows = session.execute(
        select(AttemptSlot.attempt_id, AttemptSlot.slot, AttemptSlot.item_version_id, AttemptSlot.max_mark)
        .join(ItemVersion, ItemVersion.id == AttemptSlot.item_version_id)
        .where(AttemptSlot.attempt_id.in_(list(ended)), ItemVersion.item_type == WRITTEN)
        .order_by(AttemptSlot.attempt_id, AttemptSlot.slot))
    out = []
    for attempt_id, slot, version_id, max_mark in rows:
        attempt, view = ended[attempt_id]
        state = view.slots.get(slot)
        out.append(WrittenSlot(attempt_id, attempt.candidate_id, slot, version_id,
                               state.answer if state else None, max_mark))
    return out


def latest_marks(session: Session, script_ids) -> dict[int, dict[rules.Round, Mark]]:
    """Each script's latest mark in each round (a changed mark is a later row of the same round)."""
    found: dict[int, dict[rules.Round, Mark]] = defaultdict(dict)
    if not script_ids:
        return found
    for mark in session.scalars(select(Mark).where(Mark.script_id.in_(list(script_ids)), Mark.round != rules.Round.SEED)
                                .order_by(Mark.id)):
        found[mark.script_id][mark.round] = mark
    return found


def _value(marks: dict[rules.Round, Mark], round_: rules.Round) -> float | None:
    mark = marks.get(round_)
    return None if mark is None else mark.mark


def objective_totals(session: Session, sitting_id: int, now: dt.datetime) -> dict[int, float]:
    """Each ended attempt's marks on its machine-marked items (for the pass-mark rule only), in a
    fixed number of statements whatever the number of candidates."""
    ended = ended_attempts(session, sitting_id, now)
    totals: dict[int, float] = defaultdict(float)
    if not ended:
        return totals
    contents: dict[int, dict] = {}
    rows = session.execute(
        select(AttemptSlot.attempt_id, AttemptSlot.slot, AttemptSlot.item_version_id)
        .join(ItemVersion, ItemVersion.id == AttemptSlot.item_version_id)
        .where(AttemptSlot.attempt_id.in_(select(Attempt.id).where(Attempt.sitting_id == sitting_id)),
               ItemVersion.item_type != WRITTEN)).all()
    for version_id, content in session.execute(select(ItemVersion.id, ItemVersion.content).where(
            ItemVersion.id.in_({r.item_version_id for r in rows}))):
        contents[version_id] = content
    for attempt_id, slot, version_id in rows:
        if attempt_id not in ended:
            continue
        state = ended[attempt_id][1].slots.get(slot)
        try:
            totals[attempt_id] += mark_response(contents[version_id], state.answer if state else None).mark
        except ValueError:
            pass  # an answer the rules cannot read scores nothing, as an omitted one
    return totals


def script_outcomes(session: Session, sitting_id: int, *, cut: float | None = None,
                    now: dt.datetime | None = None) -> dict[int, rules.Outcome]:
    """Every real (not seeded) script of the sitting and what stands for it. ``cut`` overrides the
    sitting's pass mark; with neither, marks either side of a pass mark need no third marker."""
    rule = rule_for(session, sitting_id)
    cut = rule.pass_mark if cut is None else cut
    scripts = list(session.scalars(select(Script).where(Script.sitting_id == sitting_id,
                                                        Script.seed_of_id.is_(None)).order_by(Script.id)))
    marks = latest_marks(session, [s.id for s in scripts])
    rest: dict[int, float] = defaultdict(float)
    if cut is not None:
        # The candidate's total without this script: the machine-marked items, and the mean of the two
        # independent marks of each other written answer (never a resolved mark, which would depend
        # on this one).
        rest_base = objective_totals(session, sitting_id, now or utcnow())
        means: dict[int, float] = {}
        for s in scripts:
            a, b = _value(marks[s.id], rules.Round.FIRST), _value(marks[s.id], rules.Round.SECOND)
            means[s.id] = (a + b) / 2 if a is not None and b is not None else 0.0
        per_attempt: dict[int, float] = defaultdict(float)
        for s in scripts:
            per_attempt[s.attempt_id] += means[s.id]
        for s in scripts:
            rest[s.id] = rest_base.get(s.attempt_id, 0.0) + per_attempt[s.attempt_id] - means[s.id]
    return {s.id: rules.outcome(_value(marks[s.id], rules.Round.FIRST), _value(marks[s.id], rules.Round.SECOND),
                                _value(marks[s.id], rules.Round.THIRD), tolerance=rule.tolerance,
                                rounding=rule.rounding, cut=cut, rest=rest[s.id],
                                appeal=_value(marks[s.id], rules.Round.APPEAL))
            for s in scripts}


def final_marks(session: Session, sitting_id: int, *, cut: float | None = None,
                now: dt.datetime | None = None) -> dict[tuple[int, int], float]:
    """(attempt id, slot) → the mark that stands, for every written answer of the sitting's ended
    attempts whose marking is resolved (agreed, or the third marker's). An answer left empty
    stands at 0 without being marked."""
    now = now or utcnow()
    scripts = {(s.attempt_id, s.slot): s.id for s in session.scalars(
        select(Script).where(Script.sitting_id == sitting_id, Script.seed_of_id.is_(None)))}
    outcomes = script_outcomes(session, sitting_id, cut=cut, now=now)
    marks: dict[tuple[int, int], float] = {}
    for written in written_slots(session, sitting_id, now):
        key = (written.attempt_id, written.slot)
        if not written.is_answered:
            marks[key] = 0.0
        elif key in scripts and outcomes[scripts[key]].status is rules.Status.RESOLVED:
            marks[key] = float(outcomes[scripts[key]].mark)
    return marks


def outstanding_scripts(session: Session, sitting_id: int, *, cut: float | None = None,
                        now: dt.datetime | None = None) -> int:
    """How many written answers of the sitting's ended attempts have no mark standing yet."""
    now = now or utcnow()
    written = [w for w in written_slots(session, sitting_id, now) if w.is_answered]
    return len(written) - len(set(final_marks(session, sitting_id, cut=cut, now=now))
                              & {(w.attempt_id, w.slot) for w in written})


# --- Who may mark what ------------------------------------------------------------------------------

def pools_of(session: Session, actor, sitting_id: int) -> set[rules.Pool]:
    """The actor's live allocations in the sitting."""
    if actor.user_id is None:
        return set()
    return set(session.scalars(select(MarkingAllocation.pool).where(
        MarkingAllocation.sitting_id == sitting_id, MarkingAllocation.examiner_id == actor.user_id,
        MarkingAllocation.withdrawn_at.is_(None))))


@dataclass(frozen=True)
class Decision:
    refusal: DomainError | None
    is_change: bool = False


_POOL_OF_ROUND = {rules.Round.FIRST: rules.Pool.FIRST, rules.Round.SECOND: rules.Pool.SECOND,
                  rules.Round.THIRD: rules.Pool.THIRD}


def _seed_marks_by(session: Session, user_id: int, script_ids) -> set[int]:
    return set(session.scalars(select(Mark.script_id).where(Mark.script_id.in_(list(script_ids)),
                                                            Mark.marker_id == user_id)))


def _decide(user_id: int, pools: set[rules.Pool], script: Script, candidate_id: int, round_: rules.Round,
            latest: dict[rules.Round, Mark], marked_by_me: set[int], outcome: rules.Outcome | None) -> Decision:
    """Whether this marker may give this mark now; ``marked_by_me`` is the scripts they have marked."""
    if candidate_id == user_id:
        return Decision(Forbidden("You are a candidate in this sitting and cannot mark your own attempt."))
    if script.seed_of_id is not None:
        # A seeded script reads as any other script: whatever round the queue showed, the mark is a seed mark.
        if not pools & {rules.Pool.FIRST, rules.Pool.SECOND} or script.seed_of_id in marked_by_me:
            return Decision(NotFound("There is no such script."))
        return Decision(None, is_change=script.id in marked_by_me)
    if round_ is rules.Round.SEED:
        return Decision(NotFound("There is no such script."))
    if _POOL_OF_ROUND[round_] not in pools:
        return Decision(Forbidden(f"You are not allocated as a {round_.value} marker in this sitting."))
    mine = latest.get(round_)
    if mine is not None and mine.marker_id != user_id:
        return Decision(Conflict(f"Another marker has already given this script's {round_.value} mark."))
    if round_ is rules.Round.THIRD:
        if any(m.marker_id == user_id for r, m in latest.items() if r is not rules.Round.THIRD):
            return Decision(Forbidden("You gave one of this script's two marks, so its third mark must be "
                                      "someone else's."))
        if mine is None and (outcome is None or outcome.status is not rules.Status.AWAITING_THIRD):
            return Decision(Conflict("This script does not need a third mark."))
        return Decision(None, is_change=mine is not None)
    other = latest.get(rules.Round.SECOND if round_ is rules.Round.FIRST else rules.Round.FIRST)
    if other is not None and other.marker_id == user_id:
        return Decision(Forbidden(f"You gave this script's {('second' if round_ is rules.Round.FIRST else 'first')} "
                                  f"mark; its {round_.value} mark must be someone else's."))
    if mine is not None and other is not None:
        return Decision(Conflict("Both marks are in, so neither can be changed: the change would not be blind."))
    return Decision(None, is_change=mine is not None)


def may_mark(session: Session, actor, script: Script, round_: rules.Round) -> Decision:
    if actor.user_id is None:
        return Decision(Forbidden("Only a signed-in examiner can mark."))
    pools = pools_of(session, actor, script.sitting_id)
    if round_ is rules.Round.APPEAL:
        candidate_id = session.get(Attempt, script.attempt_id).candidate_id
        [state] = appeal_states(session, [script]) if script.seed_of_id is None else [None]
        return _decide_appeal(actor.user_id, pools, script, candidate_id, state)
    if not pools - {rules.Pool.LEAD}:
        return Decision(Forbidden("You have no marking allocation in this sitting."))
    candidate_id = session.get(Attempt, script.attempt_id).candidate_id
    latest = latest_marks(session, [script.id]).get(script.id, {})
    ids = [script.id] + ([script.seed_of_id] if script.seed_of_id else [])
    outcome = None
    if round_ is rules.Round.THIRD and script.seed_of_id is None:
        outcome = script_outcomes(session, script.sitting_id).get(script.id)
    return _decide(actor.user_id, pools, script, candidate_id, round_, latest,
                   _seed_marks_by(session, actor.user_id, ids), outcome)


# --- Re-marks after an appeal ---------------------------------------------------------------------

@dataclass(frozen=True)
class AppealState:
    """Where one script stands in the latest re-mark asked of its attempt by an upheld appeal."""

    script: Script
    request: RemarkRequest
    mark: Mark | None  # the appeal mark given since the request, if any
    earlier_marker_ids: frozenset[int]  # everyone who marked the attempt's scripts before (seeds included)

    @property
    def is_open(self) -> bool:
        return self.mark is None


def latest_requests(session: Session, attempt_ids) -> dict[int, RemarkRequest]:
    """Each attempt's latest re-mark request."""
    found: dict[int, RemarkRequest] = {}
    if not attempt_ids:
        return found
    for request in session.scalars(select(RemarkRequest).where(RemarkRequest.attempt_id.in_(list(attempt_ids)))
                                   .order_by(RemarkRequest.id)):
        found[request.attempt_id] = request
    return found


def appeal_states(session: Session, scripts: list[Script]) -> list[AppealState | None]:
    """For each real script, its place in its attempt's latest re-mark request (None: no request)."""
    requests = latest_requests(session, {s.attempt_id for s in scripts})
    if not requests:
        return [None for _ in scripts]
    rows = session.execute(select(Mark, Script.attempt_id).join(Script, Script.id == Mark.script_id)
                           .where(Script.attempt_id.in_(list(requests))).order_by(Mark.id)).all()
    earlier: dict[int, set[int]] = defaultdict(set)
    since: dict[int, Mark] = {}
    for mark, attempt_id in rows:
        request = requests[attempt_id]
        if mark.round is rules.Round.APPEAL and mark.created_at >= request.requested_at:
            since[mark.script_id] = mark
        else:
            earlier[attempt_id].add(mark.marker_id)
    return [AppealState(s, requests[s.attempt_id], since.get(s.id), frozenset(earlier[s.attempt_id]))
            if s.attempt_id in requests and s.seed_of_id is None else None for s in scripts]


def _decide_appeal(user_id: int, pools: set[rules.Pool], script: Script, candidate_id: int,
                   state: AppealState | None) -> Decision:
    """Whether this examiner may give a script its mark after an appeal: a fresh pair of eyes (no
    earlier mark on any of the attempt's scripts), not the candidate, allocated to the sitting's
    marking in any pool (the lead too), once, while the request is open."""
    if candidate_id == user_id:
        return Decision(Forbidden("You are a candidate in this sitting and cannot mark your own attempt."))
    if state is None:
        return Decision(NotFound("There is no such script."))
    if not pools:
        return Decision(Forbidden("You have no marking allocation in this sitting."))
    if user_id in state.earlier_marker_ids:
        return Decision(Forbidden("You marked this candidate's written answers before the appeal, so the re-mark "
                                  "after the appeal must be another examiner's."))
    if state.mark is not None:
        if state.mark.marker_id == user_id:
            return Decision(Conflict("Your mark after the appeal is in and cannot be changed: you have now seen "
                                     "the earlier marks."))
        return Decision(Conflict("Another examiner has already re-marked this script after the appeal."))
    return Decision(None)


def appeal_queue(session: Session, actor, sitting_id: int) -> list[QueueEntry]:
    """Scripts re-marked after an appeal that this examiner may mark now, and those they have marked."""
    pools = pools_of(session, actor, sitting_id)
    requested = select(RemarkRequest.attempt_id).where(RemarkRequest.sitting_id == sitting_id)
    scripts = list(session.scalars(select(Script).where(Script.sitting_id == sitting_id, Script.seed_of_id.is_(None),
                                                        Script.attempt_id.in_(requested)).order_by(Script.id)))
    if not scripts:
        return []
    candidates = dict(session.execute(select(Attempt.id, Attempt.candidate_id).where(
        Attempt.id.in_({s.attempt_id for s in scripts}))).all())
    entries = []
    for script, state in zip(scripts, appeal_states(session, scripts)):
        done = state is not None and state.mark is not None and state.mark.marker_id == actor.user_id
        decision = _decide_appeal(actor.user_id, pools, script, candidates[script.attempt_id], state)
        if decision.refusal is None or done:
            entries.append(QueueEntry(script.id, rules.Round.APPEAL, script.candidate_number, script.slot, done))
    return sorted(entries, key=lambda e: (e.is_done, e.candidate_number, e.slot))


def open_appeal_scripts(session: Session, sitting_id: int) -> list[Script]:
    """The sitting's scripts waiting for their mark after an appeal (the results board lists them)."""
    requested = select(RemarkRequest.attempt_id).where(RemarkRequest.sitting_id == sitting_id)
    scripts = list(session.scalars(select(Script).where(Script.sitting_id == sitting_id, Script.seed_of_id.is_(None),
                                                        Script.attempt_id.in_(requested)).order_by(Script.id)))
    return [s for s, state in zip(scripts, appeal_states(session, scripts)) if state is not None and state.is_open]


@dataclass(frozen=True)
class RemarkProgress:
    """How far the re-mark asked by one appeal has gone: its scripts, and which have their appeal mark."""

    request: RemarkRequest | None
    scripts: list[AppealState]

    @property
    def marked(self) -> int:
        return sum(1 for s in self.scripts if s.mark is not None)

    @property
    def is_done(self) -> bool:
        return self.request is not None and all(s.mark is not None for s in self.scripts)


def remark_progress(session: Session, appeal_id: int) -> RemarkProgress:
    """The re-mark asked by an appeal. A later appeal on the same attempt starts a later request;
    the marks counted are those given since this appeal's request."""
    request = session.scalar(select(RemarkRequest).where(RemarkRequest.appeal_id == appeal_id))
    if request is None:
        return RemarkProgress(None, [])
    scripts = list(session.scalars(select(Script).where(Script.attempt_id == request.attempt_id,
                                                        Script.seed_of_id.is_(None)).order_by(Script.slot)))
    marks: dict[int, Mark] = {}
    earlier: set[int] = set()
    if scripts:
        for mark in session.scalars(select(Mark).where(Mark.script_id.in_([s.id for s in scripts])).order_by(Mark.id)):
            if mark.round is rules.Round.APPEAL and mark.created_at >= request.requested_at:
                marks[mark.script_id] = mark
            else:
                earlier.add(mark.marker_id)
    return RemarkProgress(request, [AppealState(s, request, marks.get(s.id), frozenset(earlier)) for s in scripts])


# --- The queue and the marking page --------------------------------------------------------------

@dataclass(frozen=True)
class QueueEntry:
    script_id: int
    round: rules.Round  # as the marker sees it (a seeded script shows the marker's own round)
    candidate_number: str
    slot: int
    is_done: bool  # the marker has marked it


def queue_for(session: Session, actor, sitting_id: int) -> list[QueueEntry]:
    """The scripts this examiner may mark now, and those they have marked, item by item."""
    pools = pools_of(session, actor, sitting_id)
    scripts = list(session.scalars(select(Script).where(Script.sitting_id == sitting_id)))
    if not scripts:
        return []
    candidates = dict(session.execute(select(Attempt.id, Attempt.candidate_id).where(
        Attempt.id.in_({s.attempt_id for s in scripts}))).all())
    latest = latest_marks(session, [s.id for s in scripts])
    outcomes = script_outcomes(session, sitting_id) if rules.Pool.THIRD in pools else {}
    marked_by_me = _seed_marks_by(session, actor.user_id, [s.id for s in scripts])
    seed_round = rules.Round.FIRST if rules.Pool.FIRST in pools else rules.Round.SECOND
    entries = []
    for script in scripts:
        rounds = [seed_round] if script.seed_of_id else [r for r in _POOL_OF_ROUND if _POOL_OF_ROUND[r] in pools]
        for round_ in rounds:
            decision = _decide(actor.user_id, pools, script, candidates[script.attempt_id], round_,
                               latest.get(script.id, {}), marked_by_me, outcomes.get(script.id))
            done = script.id in marked_by_me if script.seed_of_id else (
                latest.get(script.id, {}).get(round_) is not None
                and latest[script.id][round_].marker_id == actor.user_id)
            if decision.refusal is None or done:
                entries.append(QueueEntry(script.id, round_, script.candidate_number, script.slot, done))
                break
    return sorted(entries, key=lambda e: (e.is_done, e.slot, e.candidate_number))


@dataclass(frozen=True)
class MarkingPage:
    script: Script
    round: rules.Round
    stem: str
    rubric: list
    model_answer: str
    answer: str
    my_mark: Mark | None
    is_change: bool


def marking_page(session: Session, actor, script_id: int, round_: rules.Round | str) -> MarkingPage:
    """What a marker sees to mark one script: never another marker's mark. Anyone who may not mark
    it (or has not) is told it does not exist."""
    round_ = rules.Round(round_)
    script = session.get(Script, script_id)
    if script is None or round_ is rules.Round.SEED:
        raise NotFound("There is no such script.")
    decision = may_mark(session, actor, script, round_)
    if round_ is rules.Round.APPEAL and isinstance(decision.refusal, Forbidden):
        raise decision.refusal  # an earlier marker, the candidate, no allocation: told why, in words
    mine = session.scalars(select(Mark).where(Mark.script_id == script.id, Mark.marker_id == actor.user_id)
                           .order_by(Mark.id.desc())).first()
    if decision.refusal is not None and mine is None:
        if isinstance(decision.refusal, NotFound):
            raise decision.refusal
        raise decision.refusal if isinstance(decision.refusal, Forbidden) else NotFound("There is no such script.")
    if mine is not None and script.seed_of_id is None and mine.round is not round_:
        raise NotFound("There is no such script.")
    content = session.get(ItemVersion, script.item_version_id).content
    return MarkingPage(script, round_, content.get("stem", ""), list(content.get("rubric") or []),
                       content.get("model_answer", ""), str(script.answer.get("text") or ""), mine,
                       decision.refusal is None and mine is not None)


@dataclass(frozen=True)
class Revealed:
    script: Script
    first: Mark | None
    second: Mark | None
    third: Mark | None
    outcome: rules.Outcome
    appeal: Mark | None = None  # the latest mark after an appeal


def revealed_marks(session: Session, actor, script_id: int) -> Revealed:
    """Both marks of a script, for one of its markers once both are in (and for the lead examiner).
    Before that the script "does not exist" for them: nothing about the other mark leaks."""
    script = session.get(Script, script_id)
    if script is None:
        raise NotFound("There is no such script.")
    latest = latest_marks(session, [script.id]).get(script.id, {})
    first, second, third, appeal = (latest.get(r) for r in (rules.Round.FIRST, rules.Round.SECOND, rules.Round.THIRD,
                                                            rules.Round.APPEAL))
    pools = pools_of(session, actor, script.sitting_id)
    # A lead examiner (or administrator) who also marks in the sitting is held to the markers' rule.
    is_lead = (actor.has(Role.ADMIN) or rules.Pool.LEAD in pools) and not pools & set(_POOL_OF_ROUND.values())
    mine = any(m is not None and m.marker_id == actor.user_id for m in (first, second, third, appeal))
    re_marker = appeal is not None and appeal.marker_id == actor.user_id  # their mark is in: they see every mark
    if not is_lead and not re_marker and (script.seed_of_id is not None or not mine or first is None or second is None):
        raise NotFound("There is no such script.")
    outcome = script_outcomes(session, script.sitting_id).get(script.id) or rules.outcome(None, None)
    return Revealed(script, first, second, third, outcome, appeal)

