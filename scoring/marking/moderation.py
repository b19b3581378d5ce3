"""What the lead examiner reads of a sitting's marking: progress, moderation (agreement, each
marker's means and drift on seeded scripts), allocations, and the scripts that can be seeded."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.delivery.models import Sitting
from assessment.delivery.people import names_and_emails
from core.db import Base
from core.roles import Role
from scoring.marking import rules
from scoring.marking.models import Mark, MarkingAllocation, Script
from scoring.marking.queries import latest_marks, script_outcomes, written_slots


@dataclass(frozen=True)
class Progress:
    answers: int  # written answers given in ended attempts (empty answers are not marked)
    unmarked: int
    marked_once: int
    marked_twice: int  # both marks in (agreed, awaiting a third, or settled by one)
    awaiting_third: int
    resolved: int


def progress(session: Session, sitting_id: int, now: dt.datetime) -> Progress:
    answered = {(w.attempt_id, w.slot) for w in written_slots(session, sitting_id, now) if w.is_answered}
    scripts = {s.id: (s.attempt_id, s.slot) for s in session.scalars(
        select(Script).where(Script.sitting_id == sitting_id, Script.seed_of_id.is_(None)))}
    latest = latest_marks(session, list(scripts))
    outcomes = script_outcomes(session, sitting_id)
    once = sum(1 for sid in scripts if len({rules.Round.FIRST, rules.Round.SECOND} & set(latest.get(sid, {}))) == 1)
    twice = sum(1 for sid in scripts if {rules.Round.FIRST, rules.Round.SECOND} <= set(latest.get(sid, {})))
    awaiting = sum(1 for o in outcomes.values() if o.status is rules.Status.AWAITING_THIRD)
    resolved = sum(1 for o in outcomes.values() if o.status is rules.Status.RESOLVED)
    return Progress(len(answered), len(answered) - once - twice, once, twice, awaiting, resolved)


@dataclass(frozen=True)
class MarkerLine:
    marker_id: int
    name: str
    marks: int  # latest marks given to real scripts
    mean_mark: float | None
    mean_from_standing: float | None  # their mark − the mark that stood, where one stands
    seeds: int
    drift: float | None  # mean of (their mark − reference mark) on seeded scripts


@dataclass(frozen=True)
class Moderation:
    pairs: int  # scripts with both marks
    agreed: int  # of those, within the tolerance and not either side of the pass mark
    markers: list[MarkerLine]

    @property
    def agreement_rate(self) -> float | None:
        return self.agreed / self.pairs if self.pairs else None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def moderation(session: Session, sitting_id: int) -> Moderation:
    scripts = {s.id: s for s in session.scalars(select(Script).where(Script.sitting_id == sitting_id))}
    real = [sid for sid, s in scripts.items() if s.seed_of_id is None]
    latest = latest_marks(session, real)
    outcomes = script_outcomes(session, sitting_id)
    pairs = [sid for sid in real if {rules.Round.FIRST, rules.Round.SECOND} <= set(latest.get(sid, {}))]
    agreed = sum(1 for sid in pairs if rules.Round.THIRD not in latest[sid]
                 and outcomes[sid].status is rules.Status.RESOLVED)
    given: dict[int, list[float]] = defaultdict(list)
    from_standing: dict[int, list[float]] = defaultdict(list)
    for sid in real:
        for mark in latest.get(sid, {}).values():
            given[mark.marker_id].append(mark.mark)
            if outcomes[sid].status is rules.Status.RESOLVED:
                from_standing[mark.marker_id].append(mark.mark - outcomes[sid].mark)
    seed_latest: dict[tuple[int, int], Mark] = {}
    seed_ids = [sid for sid, s in scripts.items() if s.seed_of_id is not None]
    if seed_ids:
        for mark in session.scalars(select(Mark).where(Mark.script_id.in_(seed_ids)).order_by(Mark.id)):
            seed_latest[(mark.script_id, mark.marker_id)] = mark
    drift: dict[int, list[float]] = defaultdict(list)
    for (sid, marker_id), mark in seed_latest.items():
        drift[marker_id].append(mark.mark - scripts[sid].reference_mark)
    ids = set(given) | set(drift)
    names = names_and_emails(session, ids)
    lines = [MarkerLine(i, names.get(i, ("", ""))[0], len(given[i]), _mean(given[i]), _mean(from_standing[i]),
                        len(drift[i]), _mean(drift[i])) for i in ids]
    return Moderation(len(pairs), agreed, sorted(lines, key=lambda line: (line.name, line.marker_id)))


@dataclass(frozen=True)
class AllocationLine:
    id: int
    examiner_id: int
    name: str
    email: str
    pool: rules.Pool


def allocations(session: Session, sitting_id: int) -> list[AllocationLine]:
    rows = list(session.scalars(select(MarkingAllocation).where(
        MarkingAllocation.sitting_id == sitting_id, MarkingAllocation.withdrawn_at.is_(None))))
    names = names_and_emails(session, {r.examiner_id for r in rows})
    lines = [AllocationLine(r.id, r.examiner_id, *names.get(r.examiner_id, ("", "")), r.pool) for r in rows]
    order = list(rules.Pool)
    return sorted(lines, key=lambda line: (order.index(line.pool), line.name))


def examiners(session: Session) -> list[tuple[int, str]]:
    """Every examiner, for the allocation form: (user id, "name (email)")."""
    grants = Base.metadata.tables["role_grants"]
    ids = set(session.scalars(select(grants.c.user_id).where(grants.c.role == Role.EXAMINER.value)))
    names = names_and_emails(session, ids)
    return sorted(((i, f"{n} ({e})") for i, (n, e) in names.items()), key=lambda pair: pair[1])


def sittings_to_mark(session: Session, actor) -> list[tuple[Sitting, set[rules.Pool]]]:
    """The real sittings the actor has an allocation in (every real sitting for an administrator)."""
    pools: dict[int, set[rules.Pool]] = defaultdict(set)
    if actor.user_id is not None:
        for sitting_id, pool in session.execute(select(MarkingAllocation.sitting_id, MarkingAllocation.pool).where(
                MarkingAllocation.examiner_id == actor.user_id, MarkingAllocation.withdrawn_at.is_(None))):
            pools[sitting_id].add(pool)
    query = select(Sitting).where(Sitting.is_practice.is_(False)).order_by(Sitting.opens_at.desc())
    if not actor.has(Role.ADMIN):
        query = query.where(Sitting.id.in_(list(pools)))
    return [(s, pools.get(s.id, set())) for s in session.scalars(query)]


def seedable_scripts(session: Session, sitting_id: int) -> list[tuple[Script, float]]:
    """Resolved real scripts not yet seeded, with the mark that stands (the seed's reference)."""
    seeded = set(session.scalars(select(Script.seed_of_id).where(Script.sitting_id == sitting_id,
                                                                 Script.seed_of_id.is_not(None))))
    outcomes = script_outcomes(session, sitting_id)
    scripts = session.scalars(select(Script).where(Script.id.in_(
        [sid for sid, o in outcomes.items() if o.status is rules.Status.RESOLVED and sid not in seeded])).order_by(
        Script.slot, Script.candidate_number))
    return [(s, outcomes[s.id].mark) for s in scripts]
