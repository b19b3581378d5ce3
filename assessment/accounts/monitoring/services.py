"""Equality monitoring, the writes: the administrator's questions, a candidate's consent, answers
and withdrawal. Services take ``actor`` and ``now``, flush and never commit.

Answers never reach the audit log (it would keep special-category data for ever); consent and
withdrawal are their own evidence (``monitoring_consents``, append-only); the administrator's
changes to the questions are audited.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from core.roles import Actor, Role, require_role
from assessment.accounts.monitoring import rules
from assessment.accounts.monitoring.models import (MonitoringAnswer, MonitoringConsent, MonitoringOption,
                                                   MonitoringQuestion)
from assessment.accounts.monitoring.queries import has_consent


def give_consent(session: Session, *, actor: Actor, now: dt.datetime) -> MonitoringConsent | None:
    """Record the candidate's consent to the current statement. Already consenting: nothing new
    is written and None is returned."""
    require_role(actor, Role.CANDIDATE)
    if has_consent(session, actor.user_id):
        return None
    row = MonitoringConsent(candidate_id=actor.user_id, action=rules.ConsentAction.GIVEN,
                            statement_version=rules.CONSENT_VERSION, occurred_at=now)
    session.add(row)
    session.flush()
    return row


def withdraw_consent(session: Session, *, actor: Actor, now: dt.datetime) -> int:
    """Record the withdrawal and delete the candidate's answers; returns how many were deleted.
    From now on nothing of theirs is counted in any analysis."""
    require_role(actor, Role.CANDIDATE)
    if not has_consent(session, actor.user_id):
        raise Conflict("You have not given consent, so there is nothing to withdraw.")
    session.add(MonitoringConsent(candidate_id=actor.user_id, action=rules.ConsentAction.WITHDRAWN,
                                  statement_version=rules.CONSENT_VERSION, occurred_at=now))
    deleted = session.execute(delete(MonitoringAnswer).where(MonitoringAnswer.candidate_id == actor.user_id))
    session.flush()
    return deleted.rowcount or 0


def save_answers(session: Session, *, actor: Actor, now: dt.datetime, answers: dict[int, int | None]) -> int:
    """Set the candidate's answers: ``answers`` maps a question id to an option id, or to None to
    leave the question unanswered (an earlier answer is removed). Only questions being asked may be
    answered, only with their own options, and only while consent stands. Returns how many
    questions are answered afterwards."""
    require_role(actor, Role.CANDIDATE)
    if not has_consent(session, actor.user_id):
        raise Conflict("Give your consent first: answers are kept only with it.")
    questions = {q.id: q for q in session.scalars(select(MonitoringQuestion).where(MonitoringQuestion.is_asked))}
    problems = []
    for question_id, option_id in answers.items():
        question = questions.get(question_id)
        if question is None:
            problems.append(FieldProblem(f"q{question_id}", "This question is not being asked"))
        elif option_id is not None and option_id not in {o.id for o in question.options}:
            problems.append(FieldProblem(f"q{question_id}", "Choose one of the answers offered"))
    if problems:
        raise ValidationFailed("Your answers could not be saved", problems)
    current = {a.question_id: a for a in session.scalars(
        select(MonitoringAnswer).where(MonitoringAnswer.candidate_id == actor.user_id))}
    for question_id, option_id in answers.items():
        row = current.get(question_id)
        if option_id is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(MonitoringAnswer(candidate_id=actor.user_id, question_id=question_id, option_id=option_id,
                                         answered_at=now))
        elif row.option_id != option_id:
            row.option_id, row.answered_at = option_id, now
    session.flush()
    return session.scalar(select(func.count()).select_from(MonitoringAnswer)
                          .where(MonitoringAnswer.candidate_id == actor.user_id)) or 0


def _add_question(session: Session, *, key: str, text: str, hint: str, options, now: dt.datetime,
                  actor_id: int | None) -> MonitoringQuestion:
    position = (session.scalar(select(func.max(MonitoringQuestion.position))) or 0) + 1
    question = MonitoringQuestion(key=key, text=text, hint=hint, position=position, is_asked=True, created_at=now,
                                  updated_at=now, updated_by_id=actor_id)
    session.add(question)
    session.flush()
    for n, (value, label) in enumerate([*options, (rules.PREFER_NOT_TO_SAY, rules.PREFER_NOT_TO_SAY_LABEL)], 1):
        session.add(MonitoringOption(question_id=question.id, value=value, label=label, position=n,
                                     is_prefer_not_to_say=value == rules.PREFER_NOT_TO_SAY))
    session.flush()
    session.refresh(question)
    return question


def add_question(session: Session, *, actor: Actor, now: dt.datetime, text: str, hint: str = "",
                 options_text: str, key: str = "") -> MonitoringQuestion:
    """A new question, asked from now on, with the options typed one a line and "Prefer not to say"."""
    require_role(actor, Role.ADMIN)
    text, hint = " ".join((text or "").split()), (hint or "").strip()
    key = rules.slug(key or text)
    problems = []
    if not text:
        problems.append(FieldProblem("text", "Enter the question"))
    elif len(text) > rules.TEXT_MAX:
        problems.append(FieldProblem("text", f"Keep the question under {rules.TEXT_MAX} characters"))
    elif not key:
        problems.append(FieldProblem("text", "The question needs at least one letter or digit"))
    elif session.scalar(select(MonitoringQuestion.id).where(MonitoringQuestion.key == key)) is not None:
        problems.append(FieldProblem("text", "There is already a question like this one"))
    if len(hint) > rules.HINT_MAX:
        problems.append(FieldProblem("hint", f"Keep the hint under {rules.HINT_MAX} characters"))
    try:
        options = rules.parse_options(options_text)
    except ValueError as error:
        problems.append(FieldProblem("options", str(error)))
    if problems:
        raise ValidationFailed("The question cannot be added", problems)
    question = _add_question(session, key=key, text=text, hint=hint, options=options, now=now,
                             actor_id=actor.user_id)
    audit.record(session, actor=actor, action="monitoring.question_added", target_type="monitoring_question",
                 target_id=question.id, after={"key": key, "text": text, "options": [v for v, _l in options]}, now=now)
    return question


def set_asked(session: Session, *, actor: Actor, now: dt.datetime, question_id: int,
              is_asked: bool) -> MonitoringQuestion:
    """Ask a question from now on, or stop asking it (answers already given stay until withdrawn)."""
    require_role(actor, Role.ADMIN)
    question = session.get(MonitoringQuestion, question_id)
    if question is None:
        raise NotFound("There is no such monitoring question.")
    if question.is_asked != is_asked:
        question.is_asked, question.updated_at, question.updated_by_id = is_asked, now, actor.user_id
        audit.record(session, actor=actor, action="monitoring.question_asked" if is_asked else "monitoring.question_stopped",
                     target_type="monitoring_question", target_id=question.id, after={"is_asked": is_asked}, now=now)
        session.flush()
    return question


def seed_default_questions(session: Session, *, now: dt.datetime) -> int:
    """The default questions (``rules.DEFAULT_QUESTIONS``) that do not exist yet; returns how many
    were added. Used by the demo and by ``cop demo load``; an operator may switch any off."""
    existing = set(session.scalars(select(MonitoringQuestion.key)))
    added = 0
    for key, text, hint, options in rules.DEFAULT_QUESTIONS:
        if key not in existing:
            _add_question(session, key=key, text=text, hint=hint, options=options, now=now, actor_id=None)
            added += 1
    return added
