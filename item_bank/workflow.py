"""The review workflow of a case-study version, pure.

draft → submitted → in review → approved | changes requested | rejected; changes requested →
submitted again; approved → retired. The author may withdraw a submission before review starts.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Status(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Action(enum.StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    START_REVIEW = "start_review"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    RETIRE = "retire"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.SUBMIT: "Submit for review",
    Action.WITHDRAW: "Withdraw from review",
    Action.START_REVIEW: "Start review",
    Action.APPROVE: "Approve",
    Action.REQUEST_CHANGES: "Return with changes requested",
    Action.REJECT: "Reject",
    Action.RETIRE: "Retire",
}


@dataclass(frozen=True)
class Transition:
    action: Action
    source: frozenset[Status]
    target: Status
    by: str  # "author", "reviewer" (never the author) or "examiner"
    needs_comment: bool = False


TRANSITIONS: dict[Action, Transition] = {t.action: t for t in [
    Transition(Action.SUBMIT, frozenset({Status.DRAFT, Status.CHANGES_REQUESTED}), Status.SUBMITTED, "author"),
    Transition(Action.WITHDRAW, frozenset({Status.SUBMITTED}), Status.DRAFT, "author"),
    Transition(Action.START_REVIEW, frozenset({Status.SUBMITTED}), Status.IN_REVIEW, "reviewer"),
    Transition(Action.APPROVE, frozenset({Status.IN_REVIEW}), Status.APPROVED, "reviewer"),
    Transition(Action.REQUEST_CHANGES, frozenset({Status.IN_REVIEW}), Status.CHANGES_REQUESTED, "reviewer",
               needs_comment=True),
    Transition(Action.REJECT, frozenset({Status.IN_REVIEW}), Status.REJECTED, "reviewer", needs_comment=True),
    Transition(Action.RETIRE, frozenset({Status.APPROVED}), Status.RETIRED, "examiner", needs_comment=True),
]}

EDITABLE = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED})
# Approved (or retired) versions are frozen: an edit makes a new version.
FROZEN = frozenset({Status.APPROVED, Status.RETIRED})


@dataclass(frozen=True)
class Permission:
    allowed: bool
    reason: str = ""


def may(action: Action, *, status: Status, is_author: bool, is_reviewer: bool, is_examiner: bool,
        comment: str = "") -> Permission:
    """Whether this person may take ``action`` on a version in ``status``, and if not, why."""
    transition = TRANSITIONS[action]
    if status not in transition.source:
        return Permission(False, f"A case study that is {status.label.lower()} cannot be "
                                 f"{'withdrawn' if action == Action.WITHDRAW else action.label.lower()}.")
    if transition.by == "author" and not is_author:
        return Permission(False, "Only the author can do this.")
    if transition.by == "reviewer":
        if is_author:
            return Permission(False, "You cannot review a case study you wrote.")
        if not is_reviewer:
            return Permission(False, "This needs the item reviewer role.")
    if transition.by == "examiner" and not is_examiner:
        return Permission(False, "This needs the examiner role.")
    if transition.needs_comment and not comment.strip():
        return Permission(False, "Add a comment saying why.")
    return Permission(True)


def available_actions(*, status: Status, is_author: bool, is_reviewer: bool, is_examiner: bool) -> list[Action]:
    return [a for a in Action if may(a, status=status, is_author=is_author, is_reviewer=is_reviewer,
                                     is_examiner=is_examiner, comment="x").allowed]
