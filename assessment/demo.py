"""Demo data for ``make run`` and ``cop demo load``: loading twice changes nothing."""
from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from core.roles import SYSTEM, Role
from assessment.accounts import services as accounts
from item_bank.framework import services as framework
from item_bank.framework.rules import BUNDLED_FRAMEWORK

DEMO_ACCOUNTS: list[tuple[str, str, set[Role]]] = [
    ("candidate@example.org", "Casey Candidate", {Role.CANDIDATE}),
    ("writer@example.org", "Wren Writer", {Role.ITEM_WRITER}),
    ("reviewer@example.org", "Robin Reviewer", {Role.ITEM_REVIEWER}),
    # One person holds two roles, as senior examiners often review items too.
    ("examiner@example.org", "Emery Examiner", {Role.EXAMINER, Role.ITEM_REVIEWER}),
    ("invigilator@example.org", "Indra Invigilator", {Role.INVIGILATOR}),
    ("admin@example.org", "Ada Administrator", {Role.ADMIN}),
]


@dataclass
class DemoOutcome:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    password: str | None = None
    password_generated: bool = False
    framework_created: bool = False


def load_demo(session: Session, *, now: dt.datetime, password: str | None, hash_profile: str) -> DemoOutcome:
    outcome = DemoOutcome()
    document = json.loads(BUNDLED_FRAMEWORK.read_text(encoding="utf-8"))
    outcome.framework_created = framework.import_framework(session, actor=SYSTEM, document=document,
                                                           now=now).created
    missing = [entry for entry in DEMO_ACCOUNTS if accounts.find_user_by_email(session, entry[0]) is None]
    if missing and not password:
        password = secrets.token_urlsafe(12)
        outcome.password_generated = True
    outcome.password = password if missing else None
    for email, name, roles in DEMO_ACCOUNTS:
        if accounts.find_user_by_email(session, email) is not None:
            outcome.existing.append(email)
            continue
        accounts.create_user(session, actor=SYSTEM, email=email, full_name=name, password=password,
                             roles=roles, now=now, hash_profile=hash_profile)
        outcome.created.append(email)
    return outcome
