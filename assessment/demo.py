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

DEMO_BANK = BUNDLED_FRAMEWORK.parent.parent / "demo_bank.json"

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
    case_studies_created: int = 0


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
    outcome.case_studies_created = load_demo_bank(session, now=now)
    return outcome


def load_demo_bank(session: Session, *, now: dt.datetime) -> int:
    """Write the demo case studies as the demo writer and take each through review as the demo
    reviewer, so the data has the same history real data would. Skips titles already present."""
    from sqlalchemy import select

    from item_bank.authoring import services as authoring
    from item_bank.models import CaseStudy, CaseStudyVersion
    from item_bank.review import services as review
    from item_bank.workflow import Action

    writer = accounts.find_user_by_email(session, "writer@example.org")
    reviewer = accounts.find_user_by_email(session, "reviewer@example.org")
    if writer is None or reviewer is None:
        return 0
    existing = set(session.scalars(select(CaseStudyVersion.title).join(CaseStudy).where(
        CaseStudy.author_id == writer.id)))
    paths = {
        "draft": [], "submitted": [Action.SUBMIT], "in_review": [Action.SUBMIT, Action.START_REVIEW],
        "approved": [Action.SUBMIT, Action.START_REVIEW, Action.APPROVE],
        "changes_requested": [Action.SUBMIT, Action.START_REVIEW, Action.REQUEST_CHANGES],
    }
    created = 0
    for case in json.loads(DEMO_BANK.read_text(encoding="utf-8"))["case_studies"]:
        if case["title"] in existing:
            continue
        version = authoring.create_case_study(session, actor=writer.actor, title=case["title"],
                                              scenario_html=case["scenario"], now=now)
        for content in case["items"]:
            authoring.save_item(session, actor=writer.actor, version_id=version.id, content=content, now=now)
        for action in paths[case["status"]]:
            actor = writer.actor if action == Action.SUBMIT else reviewer.actor
            comment = "Please make the distractors in item 2 more plausible." \
                if action == Action.REQUEST_CHANGES else ""
            review.transition(session, actor=actor, version_id=version.id, action=action, comment=comment, now=now)
        second = case.get("second_version")
        if second:
            revised = authoring.start_new_version(session, actor=writer.actor, case_study_id=version.case_study_id,
                                                  change_note=second["scenario_change"], now=now)
            authoring.update_case_study(session, actor=writer.actor, version_id=revised.id, title=case["title"],
                                        scenario_html=second["scenario"], now=now)
        created += 1
    return created
