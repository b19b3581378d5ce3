"""Moving a case-study version through review, and commenting on it. Every step is appended to
``review_events``; authors are notified of reviewers' decisions."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, notifications
from core.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from core.roles import Actor, Role
from item_bank import item_types
from item_bank.authoring.services import get_version
from item_bank.models import CaseStudyVersion, ReviewAction, ReviewEvent
from item_bank.workflow import Action, Status, TRANSITIONS, may

REVIEWER_ROLES = (Role.ITEM_REVIEWER,)


def _permission(actor: Actor, version: CaseStudyVersion, action: Action, comment: str):
    return may(action, status=version.status, is_author=version.case_study.author_id == actor.user_id,
               is_reviewer=actor.has(*REVIEWER_ROLES), is_examiner=actor.has(Role.EXAMINER, Role.ADMIN),
               comment=comment)


def submission_problems(version: CaseStudyVersion) -> list[FieldProblem]:
    """What stops a version going to review: the case-study rules and every item's rules."""
    case = {"title": version.title, "scenario": version.scenario_html,
            "items": [iv.content for iv in version.item_versions]}
    return [FieldProblem(p.field, p.message) for p in item_types.validate_case_study(case, items=True)]


def transition(session: Session, *, actor: Actor, version_id: int, action: Action, comment: str = "",
               now: dt.datetime) -> CaseStudyVersion:
    version = get_version(session, version_id)
    permission = _permission(actor, version, action, comment)
    if not permission.allowed:
        if "comment" in permission.reason:
            raise ValidationFailed(permission.reason, [FieldProblem("comment", permission.reason)])
        raise (Forbidden if "role" in permission.reason or "Only" in permission.reason
               or "cannot review" in permission.reason else Conflict)(permission.reason)
    if action == Action.SUBMIT:
        problems = submission_problems(version)
        if problems:
            raise ValidationFailed("The case study is not ready for review", problems)
    target = TRANSITIONS[action].target
    before = version.status
    version.status = target
    version.updated_at = now
    if target == Status.APPROVED:
        version.approved_at = now
    session.add(ReviewEvent(case_study_version_id=version.id, actor_id=actor.user_id, action=ReviewAction(action.value),
                            from_status=before.value, to_status=target.value, comment=comment.strip(),
                            occurred_at=now))
    session.flush()
    author_id = version.case_study.author_id
    if author_id != actor.user_id:
        words = {Action.START_REVIEW: "is being reviewed", Action.APPROVE: "was approved",
                 Action.REQUEST_CHANGES: "was returned with changes requested", Action.REJECT: "was rejected",
                 Action.RETIRE: "was retired"}
        notifications.notify(session, user_id=author_id, now=now,
                             message=f"“{version.title}” (version {version.number}) {words.get(action, action.value)}.",
                             link=f"/item-bank/case-studies/{version.case_study_id}/versions/{version.number}")
    audit.record(session, actor=actor, action=f"case_study.{action.value}", target_type="case_study_version",
                 target_id=version.id, before={"status": before.value}, after={"status": target.value}, now=now)
    return version


def comment(session: Session, *, actor: Actor, version_id: int, text: str, now: dt.datetime,
            item_id: int | None = None) -> ReviewEvent:
    """A reviewer's (or the author's reply) comment on the case study or on one item."""
    version = get_version(session, version_id)
    is_author = version.case_study.author_id == actor.user_id
    if not (is_author or actor.has(*REVIEWER_ROLES)):
        raise Forbidden("Only the author and item reviewers can comment.")
    if not text.strip():
        raise ValidationFailed("Enter a comment", [FieldProblem("comment", "Enter a comment")])
    if item_id is not None and item_id not in {iv.item_id for iv in version.item_versions}:
        raise NotFound("That item is not part of this case study version.")
    event = ReviewEvent(case_study_version_id=version.id, item_id=item_id, actor_id=actor.user_id,
                        action=ReviewAction.COMMENT, comment=text.strip(), occurred_at=now)
    session.add(event)
    session.flush()
    if not is_author:
        notifications.notify(session, user_id=version.case_study.author_id, now=now,
                             message=f"A reviewer commented on “{version.title}”.",
                             link=f"/item-bank/case-studies/{version.case_study_id}/versions/{version.number}")
    return event


def history(session: Session, version_id: int) -> list[ReviewEvent]:
    return list(session.scalars(select(ReviewEvent).where(ReviewEvent.case_study_version_id == version_id)
                                .order_by(ReviewEvent.id)))
