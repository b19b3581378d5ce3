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
from item_bank.models import ItemVersion
from scoring.marking import rules
from scoring.marking.models import Mark, MarkingSetting, Script
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


def objective_totals(session: Session, attempt_ids) -> dict[int, float]:
    """Each attempt's marks on its machine-marked items (for the pass-mark rule only)."""
    from assessment.delivery.services import final_responses  # noqa: PLC0415 - only with a pass mark

    totals: dict[int, float] = defaultdict(float)
    now = utcnow()
    contents = {}
    for attempt_id in attempt_ids:
        for response in final_responses(session, attempt_id, now):
            if response.item_version_id not in contents:
                contents[response.item_version_id] = session.get(ItemVersion, response.item_version_id).content
            content = contents[response.item_version_id]
            if content.get("type") != WRITTEN:
                try:
                    totals[attempt_id] += mark_response(content, response.answer).mark
                except ValueError:
                    pass  # an answer the rules cannot read scores nothing, as an omitted one
    return totals


def script_outcomes(session: Session, sitting_id: int, *, cut: float | None = None,
                    ) -> dict[int, rules.Outcome]:
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
        rest_base = objective_totals(session, {s.attempt_id for s in scripts})
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
                                rounding=rule.rounding, cut=cut, rest=rest[s.id])
            for s in scripts}


def final_marks(session: Session, sitting_id: int, *, cut: float | None = None,
                now: dt.datetime | None = None) -> dict[tuple[int, int], float]:
    """(attempt id, slot) → the mark that stands, for every written answer of the sitting's ended
    attempts whose marking is resolved (agreed, or the third marker's). An answer left empty
    stands at 0 without being marked."""
    now = now or utcnow()
    scripts = {(s.attempt_id, s.slot): s.id for s in session.scalars(
        select(Script).where(Script.sitting_id == sitting_id, Script.seed_of_id.is_(None)))}
    outcomes = script_outcomes(session, sitting_id, cut=cut)
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
