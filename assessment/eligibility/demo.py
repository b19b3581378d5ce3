"""The registration demo, in the order its parts need: the register's early registrants first (an
appeal panel needs registered case managers who had no part in the application), then the
applications, then their decisions, which move the submitted applications into each state."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from assessment.eligibility.applications import demo as applications_demo
from assessment.eligibility.decisions import demo as decisions_demo
from assessment.eligibility.register import demo as register_demo
from core.sealed import Sealer


@dataclass
class RegistrationDemo:
    created: list[str] = field(default_factory=list)  # e-mails of the accounts created now
    password: str | None = None  # their password, when any were created


def load_registration_demo(session: Session, *, now: dt.datetime, password: str | None, hash_profile: str,
                           upload_folder: str | None = None, sealer: Sealer | None = None) -> RegistrationDemo:
    """Loading twice changes nothing. Every account created here shares one password: ``password``,
    or one generated now and returned."""
    password = password or secrets.token_urlsafe(12)
    registered = register_demo.load_demo(session, now=now, password=password, hash_profile=hash_profile)
    # The applications were made a fortnight ago, so that their decisions (in the days before now) follow them.
    applied = applications_demo.load_demo(session, now=now - dt.timedelta(days=14), password=password,
                                          hash_profile=hash_profile,
                                          upload_folder=upload_folder, sealer=sealer)
    decisions_demo.load_demo(session, now=now, submitted_ids=applied["submitted"])
    created = [*registered["created"], *applied["created"]]
    return RegistrationDemo(created=created, password=password if created else None)
