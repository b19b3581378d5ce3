"""Writes to the register."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment.accounts.models import User
from assessment.eligibility.models import Registration, RegistrationEvent, RegistrationStatus
from core import audit
from core.errors import Conflict, NotFound
from core.notifications import notify
from core.roles import Actor

NUMBER_PREFIX = "CM-"


def _next_number(session: Session) -> str:
    # Numbers follow entry order and are never reused. Two registrations made at the same moment would
    # compute the same number: the unique constraint refuses the second, whose transaction fails whole.
    newest = session.scalar(select(func.max(Registration.id)))
    return f"{NUMBER_PREFIX}{(newest or 0) + 1:06d}"


def one_year_on(day: dt.date) -> dt.date:
    """The same day a year later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def enter_on_register(session: Session, *, actor: Actor, user_id: int, application_id: int | None,
                      now: dt.datetime, certificate_due_on: dt.date | None = None,
                      reason: str = "") -> Registration:
    """Put a person on the register: a new public number, status registered, renewal due a year on.
    ``certificate_due_on`` is the date by which someone registered before the Certificate existed
    must pass it. The caller (an application's decision) has checked the person may be registered."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such person.")
    if session.scalar(select(Registration.id).where(Registration.user_id == user_id)) is not None:
        raise Conflict(f"{user.full_name} is already on the register.")
    registration = Registration(number=_next_number(session), user_id=user_id, application_id=application_id,
                                status=RegistrationStatus.REGISTERED, status_since=now, registered_at=now,
                                renewal_due_on=one_year_on(now.date()), certificate_due_on=certificate_due_on)
    session.add(registration)
    session.flush()
    session.add(RegistrationEvent(registration_id=registration.id, kind="registered", actor_id=actor.user_id,
                                  reason=reason, data={"application_id": application_id,
                                                       "certificate_due_on": certificate_due_on and
                                                       certificate_due_on.isoformat()},
                                  created_at=now))
    user.is_registered_case_manager = True  # appeal panels count registered case managers
    session.flush()
    audit.record(session, actor=actor, action="register.entered", target_type="registration",
                 target_id=registration.id, after={"number": registration.number, "user": user_id,
                                                   "application": application_id}, now=now)
    notify(session, user_id=user_id, message=f"You are on the register of case managers: your number is "
           f"{registration.number}.", link="/register/mine", now=now)
    return registration


__all__ = ["enter_on_register", "one_year_on"]
