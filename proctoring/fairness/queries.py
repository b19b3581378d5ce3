"""The fairness report's reads: flag rates per sitting and kind, and across the groups of one
equality monitoring question (consented answers only, "Prefer not to say" left out, small groups
suppressed). Computed on request and stored nowhere: a candidate who withdraws consent is not
counted from then on. Nothing individual leaves this module: only counts, rates and p-values."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import get_or_raise
from core.errors import FieldProblem, ValidationFailed
from core.roles import Actor, Role, require_role
from assessment.accounts.monitoring import queries as monitoring
from assessment.accounts.monitoring.models import MonitoringQuestion
from assessment.delivery.models import Attempt, Booking, Sitting
from assessment.delivery.services import require_not_candidate_in
from proctoring.fairness import rules
from proctoring.models import FlagReview, Invigilation, InvigilationFlag

FAIRNESS_ROLES = (Role.EXAMINER, Role.ADMIN)


@dataclass(frozen=True)
class SittingRates:
    sitting_id: int
    title: str
    rates: list[rules.KindRate]

    @property
    def overall(self) -> rules.KindRate:
        return self.rates[0]


@dataclass(frozen=True)
class Comparison:
    measure: rules.Measure
    rows: list[rules.GroupRow]

    @property
    def n_tests(self) -> int:
        return sum(1 for r in self.rows if not r.suppressed)


@dataclass(frozen=True)
class FairnessReport:
    sitting: Sitting | None
    overall: list[rules.KindRate]
    per_sitting: list[SittingRates]
    question: MonitoringQuestion | None
    comparisons: list[Comparison]
    min_group: int

    @property
    def n_tests(self) -> int:
        return sum(c.n_tests for c in self.comparisons)

    @property
    def note(self) -> str:
        return rules.multiple_comparisons_note(self.n_tests)

    @property
    def n_suppressed_groups(self) -> int:
        return len({r.group for c in self.comparisons for r in c.rows if r.suppressed})

    def as_json(self) -> dict:
        return {
            "sitting": self.sitting.id if self.sitting else None,
            "overall": [r.as_json() for r in self.overall],
            "sittings": [{"sitting": s.sitting_id, "title": s.title, "rates": [r.as_json() for r in s.rates]}
                         for s in self.per_sitting],
            "question": ({"id": self.question.id, "key": self.question.key, "text": self.question.text}
                         if self.question else None),
            "min_group": self.min_group,
            "comparisons": [{"measure": c.measure.key, "label": c.measure.label, "groups": [r.as_json() for r in c.rows]}
                            for c in self.comparisons],
            "tests": self.n_tests, "note": self.note if self.question else None,
        }


def _candidate_sittings(actor: Actor):
    """The non-practice sittings in which the actor is (or was) a candidate: they see nothing of them."""
    booked = select(Booking.sitting_id).where(Booking.candidate_id == actor.user_id)
    started = select(Attempt.sitting_id).where(Attempt.candidate_id == actor.user_id)
    return select(Sitting.id).where(Sitting.is_practice.is_(False),
                                    Sitting.id.in_(booked.union(started).scalar_subquery()))


def sitting_choices(session: Session, actor: Actor) -> list[Sitting]:
    """The sittings with at least one invigilation that the actor may see."""
    require_role(actor, *FAIRNESS_ROLES)
    with_invigilation = select(Invigilation.sitting_id).distinct()
    return list(session.scalars(select(Sitting).where(Sitting.id.in_(with_invigilation),
                                                      Sitting.id.not_in(_candidate_sittings(actor)))
                                .order_by(Sitting.opens_at.desc(), Sitting.id.desc())))


def question_choices(session: Session) -> list[MonitoringQuestion]:
    return monitoring.questions_for_analysis(session)


def find_question(session: Session, ref: str | int) -> MonitoringQuestion:
    """A monitoring question by id or key."""
    text = str(ref).strip()
    if text.isdigit() and len(text) > 9:  # no such id (and PostgreSQL refuses a number that large)
        question = None
    else:
        question = (session.get(MonitoringQuestion, int(text)) if text.isdigit() else
                    session.scalar(select(MonitoringQuestion).where(MonitoringQuestion.key == text)))
    if question is None:
        raise ValidationFailed("The report cannot be made",
                               [FieldProblem("question", f"There is no monitoring question {text!r}.")])
    return question


def _flag_facts(session: Session, invigilation_ids: list[int]) -> list[rules.FlagFact]:
    latest = (select(FlagReview.flag_id, func.max(FlagReview.id).label("last")).group_by(FlagReview.flag_id)
              .subquery())
    rows = session.execute(
        select(InvigilationFlag.invigilation_id, InvigilationFlag.kind, FlagReview.decision)
        .outerjoin(latest, latest.c.flag_id == InvigilationFlag.id)
        .outerjoin(FlagReview, FlagReview.id == latest.c.last)
        .where(InvigilationFlag.invigilation_id.in_(invigilation_ids)))
    return [rules.FlagFact(unit, kind, decision) for unit, kind, decision in rows]


def fairness_report(session: Session, actor: Actor, *, sitting_id: int | None = None,
                    question: str | int | None = None, min_group: int) -> FairnessReport:
    """Flag rates of one sitting (or of every sitting the actor may see) and, when a monitoring
    question is named, the same across its groups."""
    require_role(actor, *FAIRNESS_ROLES)
    sitting = None
    query = select(Invigilation.id, Invigilation.sitting_id, Invigilation.candidate_id)
    if sitting_id is not None:
        sitting = get_or_raise(session, Sitting, sitting_id, "There is no such sitting.")
        require_not_candidate_in(session, actor, sitting)
        query = query.where(Invigilation.sitting_id == sitting.id)
    else:
        query = query.where(Invigilation.sitting_id.not_in(_candidate_sittings(actor)))
    units = session.execute(query.order_by(Invigilation.id)).all()
    question_row = find_question(session, question) if question not in (None, "") else None
    flags = _flag_facts(session, [u.id for u in units])

    titles = dict(session.execute(select(Sitting.id, Sitting.title)
                                  .where(Sitting.id.in_({u.sitting_id for u in units}))).all())
    per_sitting = [SittingRates(sid, titles[sid], rules.kind_rates([u.id for u in units if u.sitting_id == sid], flags))
                   for sid in sorted(titles, key=lambda s: (titles[s], s))]

    comparisons: list[Comparison] = []
    if question_row is not None:
        answers = monitoring.consented_groups(session, question_row.id, {u.candidate_id for u in units})
        groups = {u.id: answers[u.candidate_id] for u in units if u.candidate_id in answers}
        labels = {o.value: o.label for o in question_row.options}
        grouped_flags = [f for f in flags if f.unit_id in groups]
        for measure, having in rules.measures_of(grouped_flags):
            comparisons.append(Comparison(measure, rules.compare_groups(groups, labels, having, min_group)))
    return FairnessReport(sitting, rules.kind_rates([u.id for u in units], flags), per_sitting, question_row,
                          comparisons, min_group)
