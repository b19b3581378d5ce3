"""Equality monitoring, the reads. ``consented_groups`` is what scoring's DIF report reads: one
value per consenting candidate, never "Prefer not to say", never a name."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.roles import Actor, Role, require_role
from assessment.accounts.monitoring.models import (MonitoringAnswer, MonitoringConsent, MonitoringOption,
                                                   MonitoringQuestion)
from assessment.accounts.monitoring.rules import ConsentAction, is_consented


def _latest_consents():
    """(candidate id, latest consent row id) of every candidate who ever acted."""
    return (select(MonitoringConsent.candidate_id, func.max(MonitoringConsent.id).label("last"))
            .group_by(MonitoringConsent.candidate_id).subquery())


def consenting_candidates():
    """A select of the ids of candidates whose consent stands now."""
    latest = _latest_consents()
    return (select(MonitoringConsent.candidate_id)
            .join(latest, MonitoringConsent.id == latest.c.last)
            .where(MonitoringConsent.action == ConsentAction.GIVEN))


def has_consent(session: Session, candidate_id: int) -> bool:
    actions = session.scalars(select(MonitoringConsent.action).where(MonitoringConsent.candidate_id == candidate_id)
                              .order_by(MonitoringConsent.id))
    return is_consented(actions)


@dataclass(frozen=True)
class MyMonitoring:
    """What the candidate's page shows: whether consent stands, its history, the questions being
    asked and the candidate's own answers (question id → option id)."""

    consented: bool
    history: list[MonitoringConsent]
    questions: list[MonitoringQuestion]
    answers: dict[int, int]

    @property
    def given_at(self) -> dt.datetime | None:
        given = [c.occurred_at for c in self.history if c.action == ConsentAction.GIVEN]
        return given[-1] if given and self.consented else None


def my_monitoring(session: Session, actor: Actor) -> MyMonitoring:
    require_role(actor, Role.CANDIDATE)
    history = list(session.scalars(select(MonitoringConsent).where(MonitoringConsent.candidate_id == actor.user_id)
                                   .order_by(MonitoringConsent.id)))
    questions = list(session.scalars(select(MonitoringQuestion).where(MonitoringQuestion.is_asked)
                                     .order_by(MonitoringQuestion.position)))
    answers = dict(session.execute(select(MonitoringAnswer.question_id, MonitoringAnswer.option_id)
                                   .where(MonitoringAnswer.candidate_id == actor.user_id)).all())
    return MyMonitoring(is_consented(c.action for c in history), history, questions, answers)


@dataclass(frozen=True)
class QuestionRow:
    question: MonitoringQuestion
    n_answered: int  # consenting candidates with an answer (any, "Prefer not to say" included)


def admin_questions(session: Session, actor: Actor) -> list[QuestionRow]:
    """Every question, asked or not, with how many consenting candidates answered it (a count only)."""
    require_role(actor, Role.ADMIN)
    counts = dict(session.execute(select(MonitoringAnswer.question_id, func.count())
                                  .where(MonitoringAnswer.candidate_id.in_(consenting_candidates()))
                                  .group_by(MonitoringAnswer.question_id)).all())
    return [QuestionRow(q, counts.get(q.id, 0))
            for q in session.scalars(select(MonitoringQuestion).order_by(MonitoringQuestion.position))]


def questions_for_analysis(session: Session) -> list[MonitoringQuestion]:
    """Every question (asked now or before), for choosing what a DIF report compares."""
    return list(session.scalars(select(MonitoringQuestion).order_by(MonitoringQuestion.position)))


def question_by_key(session: Session, key: str) -> MonitoringQuestion:
    question = session.scalar(select(MonitoringQuestion).where(MonitoringQuestion.key == key))
    if question is None:
        raise NotFound(f"There is no monitoring question {key!r}.")
    return question


def consented_groups(session: Session, question_id: int, candidate_ids) -> dict[int, str]:
    """candidate id → option value, for those of ``candidate_ids`` whose consent stands now and who
    answered the question with something other than "Prefer not to say"."""
    wanted = set(candidate_ids)
    rows = session.execute(
        select(MonitoringAnswer.candidate_id, MonitoringOption.value)
        .join(MonitoringOption, MonitoringOption.id == MonitoringAnswer.option_id)
        .where(MonitoringAnswer.question_id == question_id, MonitoringOption.is_prefer_not_to_say.is_(False),
               MonitoringAnswer.candidate_id.in_(consenting_candidates())))
    return {candidate: value for candidate, value in rows if candidate in wanted}
