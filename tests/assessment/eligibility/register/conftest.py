"""Fixtures of the register: a registrant entered at the clock's instant (renewal due a year on),
an administrator, and a helper that runs the daily job as cron would."""
from __future__ import annotations

import datetime as dt

import pytest

from core.clock import LONDON
from core.roles import SYSTEM, Role

ENTERED = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)  # the clock fixture's instant
DUE = dt.date(2027, 11, 23)


@pytest.fixture
def enter(db, make_user):
    from assessment.eligibility.register import services

    def enter(name="Rhiannon Evans", *, now=ENTERED, certificate_due_on=None, email=None):
        person = make_user(Role.CANDIDATE, name=name, email=email)
        registration = services.enter_on_register(db, actor=SYSTEM, user_id=person.id, application_id=None, now=now,
                                                  certificate_due_on=certificate_due_on)
        return person, registration

    return enter


@pytest.fixture
def registrant(clock, enter):
    return enter()


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, name="Ada Administrator")


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=LONDON).astimezone(dt.timezone.utc)


@pytest.fixture
def daily(db):
    """Run the daily job for a UK date with the default settings; returns its report."""
    from assessment.eligibility.register import services

    def run(day: dt.date, **settings):
        options = {"reminder_days": (60, 30, 7), "grace_days": 0, "required_hours": 30.0,
                   "resit_after_lapse_days": 365} | settings
        return services.run_daily(db, actor=SYSTEM, today=day, now=noon(day), **options)

    return run


def release_for(db, make_user, candidate, outcome: str, released_at: dt.datetime, supersedes=None):
    """A real release of results with one result for ``candidate``."""
    from tests.assessment.results.certificates.factories import make_release

    examiner = make_user(Role.EXAMINER, name="Emery Examiner")
    return make_release(db, examiner, [candidate], [outcome], released_at=released_at, supersedes=supersedes)
