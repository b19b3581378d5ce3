"""Demo data of the register: a few early registrants (on the register before the Certificate
existed, with a deadline to pass it), one whose renewal is due within 30 days with some CPD declared,
one lapsed and one suspended, so the public register has entries in each status. Each has a demo
account (registrant1@example.org …) with the demo password handling of ``assessment/demo.py``: the
password given, or one generated and returned when an account is new. Running it again adds nothing."""
from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.accounts import services as accounts
from assessment.eligibility.models import Registration
from assessment.eligibility.register import rules, services
from core.roles import SYSTEM, Role
from core.sealed import Sealer

DEFAULT_CERTIFICATE_DEADLINE = dt.date(2029, 8, 31)  # the default of CERTIFICATE_DEADLINE_FOR_EARLY_REGISTRANTS

# email, name, days since registration, what happens to the entry
REGISTRANTS = [
    ("registrant1@example.org", "Priya Raman", 40, "early"),
    ("registrant2@example.org", "Thomas Hughes", 345, "renewal_due"),
    ("registrant3@example.org", "Grace Okafor", 120, "early"),
    ("registrant4@example.org", "Daniel Price", 420, "lapsed"),
    ("registrant5@example.org", "Hannah Lewis", 200, "suspended"),
]
CPD = [(30, "case_management", 7.5, "Regional case management conference: complex discharge planning."),
       (90, "clinical", 6.0, "Course on acquired brain injury rehabilitation, with a reflective log."),
       (150, "legal_and_ethical", 4.5, "Mental Capacity Act refresher, including deprivation of liberty.")]


def load_demo(session: Session, *, now: dt.datetime, password: str | None = None, hash_profile: str = "standard",
              certificate_due_on: dt.date = DEFAULT_CERTIFICATE_DEADLINE) -> dict:
    """Returns {"created": [emails], "registered": [numbers], "password": the password of new
    accounts or None, "password_generated": bool}."""
    outcome: dict = {"created": [], "registered": [], "password": None, "password_generated": False}
    new_accounts = [e for e, *_ in REGISTRANTS if accounts.find_user_by_email(session, e) is None]
    if new_accounts and not password:
        password, outcome["password_generated"] = secrets.token_urlsafe(12), True
    outcome["password"] = password if new_accounts else None
    for email, name, days_ago, kind in REGISTRANTS:
        user = accounts.find_user_by_email(session, email)
        if user is None:
            user = accounts.create_user(session, actor=SYSTEM, email=email, full_name=name, password=password,
                                        roles={Role.CANDIDATE}, now=now - dt.timedelta(days=days_ago + 30),
                                        hash_profile=hash_profile)
            outcome["created"].append(email)
        if session.scalar(select(Registration.id).where(Registration.user_id == user.id)) is not None:
            continue
        entered = now - dt.timedelta(days=days_ago)
        registration = services.enter_on_register(session, actor=SYSTEM, user_id=user.id, application_id=None,
                                                  now=entered, certificate_due_on=certificate_due_on,
                                                  reason="Registered in the initial period (demo data).")
        outcome["registered"].append(registration.number)
        if kind == "renewal_due":
            for days_before, category, hours, description in CPD:
                services.declare_cpd(session, actor=user.actor, activity_on=(now - dt.timedelta(days=days_before)).date(),
                                     category=category, hours=hours, description=description, evidence=None,
                                     categories=tuple(rules.CATEGORY_LABELS), upload_folder="", sealer=Sealer(""), scan_command=None,
                                     now=now - dt.timedelta(days=days_before))
        elif kind == "lapsed":
            due = registration.renewal_due_on
            services._lapse(session, registration, user, actor=SYSTEM, because="renewal",
                            now=dt.datetime.combine(rules.lapses_on(due, 0), dt.time(6), tzinfo=dt.timezone.utc),
                            body=f"Your registration {registration.number} has lapsed: it was not renewed by "
                                 f"{rules.long_date(due)}.")
        elif kind == "suspended":
            services.change_status(session, actor=SYSTEM, number=registration.number, action="suspend",
                                   reason="Suspended while a concern about record keeping is looked into (demo data).",
                                   resit_after_lapse_days=365, now=now - dt.timedelta(days=10))
    return outcome
