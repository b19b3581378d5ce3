"""The rules of appeals, pure: the appeal window, the grounds, who may sit on a panel (conflicts of
interest and the two registered case managers), and where an appeal stands. No Flask, no SQLAlchemy.

Every source of a conflict is one field of ``ConflictSources``, filled by one query
(``queries.conflict_sources``) and judged here by one function (``conflicts_of``): a new source (the
judges of a standard-setting exercise, an invigilation reviewer) is a new field and one line in each.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

DEFAULT_WINDOW_DAYS = 28
PANEL_SIZE = 3
MIN_CASE_MANAGERS = 2
STATEMENT_MAX = 5000
REASONS_MAX = 5000
MAX_EVIDENCE_FILES = 5


class Ground(enum.StrEnum):
    """Why a candidate appeals (one or more)."""

    PROCEDURAL_IRREGULARITY = "procedural_irregularity"
    MARKING_ERROR = "marking_error"
    ADJUSTMENTS_NOT_PROVIDED = "adjustments_not_provided"
    TECHNICAL_FAILURE = "technical_failure"
    OTHER = "other"

    @property
    def label(self) -> str:
        return GROUND_LABELS[self]


GROUND_LABELS = {
    Ground.PROCEDURAL_IRREGULARITY: "Procedural irregularity in how the exam was run",
    Ground.MARKING_ERROR: "An error in marking",
    Ground.ADJUSTMENTS_NOT_PROVIDED: "Reasonable adjustments were agreed but not provided",
    Ground.TECHNICAL_FAILURE: "A technical failure during the exam",
    Ground.OTHER: "Other",
}


class Outcome(enum.StrEnum):
    """What the panel decides."""

    DISMISSED = "dismissed"
    UPHELD_REMARK = "upheld_remark"
    UPHELD_VOID_RESIT = "upheld_void_resit"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.DISMISSED: "Dismissed: the result stands",
    Outcome.UPHELD_REMARK: "Upheld: the written answers are marked again",
    Outcome.UPHELD_VOID_RESIT: "Upheld: the attempt is void and the candidate may resit at no cost",
}


class Status(enum.StrEnum):
    """Where an appeal stands, folded from its rows (``appeal_status``)."""

    AWAITING_PANEL = "awaiting_panel"
    PANEL_CONVENING = "panel_convening"
    PANEL_SITTING = "panel_sitting"
    DISMISSED = "dismissed"
    REMARK_REQUESTED = "remark_requested"
    REMARKED = "remarked"
    VOIDED = "voided"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self in (Status.AWAITING_PANEL, Status.PANEL_CONVENING, Status.PANEL_SITTING)


STATUS_LABELS = {
    Status.AWAITING_PANEL: "Waiting for a panel to be appointed",
    Status.PANEL_CONVENING: "Panel appointed: waiting for its members to accept",
    Status.PANEL_SITTING: "The panel is considering the appeal",
    Status.DISMISSED: "Decided: dismissed",
    Status.REMARK_REQUESTED: "Decided: upheld, re-mark requested",
    Status.REMARKED: "Decided: upheld, re-marked",
    Status.VOIDED: "Decided: upheld, attempt void, free resit",
    Status.WITHDRAWN: "Withdrawn by the candidate",
}


# --- the window -------------------------------------------------------------------------------------

def window_closes_at(released_at: dt.datetime, days: int) -> dt.datetime:
    """The last moment an appeal may be lodged: ``days`` whole days after the release."""
    return released_at + dt.timedelta(days=days)


def window_problem(released_at: dt.datetime, now: dt.datetime, days: int) -> str | None:
    """Why an appeal cannot be lodged at ``now``, or None when it can."""
    if now < released_at:
        return "This result has not been released yet."
    if now > window_closes_at(released_at, days):
        return (f"The time to appeal this result has passed: appeals must be made within {days} days of the "
                "result's release.")
    return None


# --- conflicts of interest ---------------------------------------------------------------------------

class ConflictKind(enum.StrEnum):
    CANDIDATE = "candidate"
    MARKER = "marker"
    INVIGILATOR = "invigilator"
    STANDARD_SETTER = "standard_setter"
    EXAMINER = "examiner"
    DECLARED = "declared"


CONFLICT_MESSAGES = {
    ConflictKind.CANDIDATE: "is the candidate who appeals",
    ConflictKind.MARKER: "marked a written answer of this attempt",
    ConflictKind.INVIGILATOR: "invigilated this attempt",
    ConflictKind.STANDARD_SETTER: "set the standard for this sitting",
    ConflictKind.EXAMINER: "examined this sitting (decided or approved its pass mark, or released, withheld or "
                           "voided its results)",
    ConflictKind.DECLARED: "declared a conflict of interest",
}


@dataclass(frozen=True)
class ConflictSources:
    """The people who had a hand in one attempt's result, by the part they played."""

    candidate_id: int
    marker_ids: frozenset[int] = field(default_factory=frozenset)
    invigilator_ids: frozenset[int] = field(default_factory=frozenset)
    standard_setter_ids: frozenset[int] = field(default_factory=frozenset)
    examiner_ids: frozenset[int] = field(default_factory=frozenset)
    declared_ids: frozenset[int] = field(default_factory=frozenset)


def conflicts_of(person_id: int, sources: ConflictSources) -> list[ConflictKind]:
    """Every reason ``person_id`` may not sit on the panel, in a fixed order (empty: none)."""
    found = []
    if person_id == sources.candidate_id:
        found.append(ConflictKind.CANDIDATE)
    for kind, ids in ((ConflictKind.MARKER, sources.marker_ids), (ConflictKind.INVIGILATOR, sources.invigilator_ids),
                      (ConflictKind.STANDARD_SETTER, sources.standard_setter_ids),
                      (ConflictKind.EXAMINER, sources.examiner_ids), (ConflictKind.DECLARED, sources.declared_ids)):
        if person_id in ids:
            found.append(kind)
    return found


def conflict_sentence(name: str, kinds: list[ConflictKind]) -> str:
    reasons = [CONFLICT_MESSAGES[k] for k in kinds]
    joined = reasons[0] if len(reasons) == 1 else ", ".join(reasons[:-1]) + " and " + reasons[-1]
    return f"{name} cannot sit on this panel: they {joined}."


@dataclass(frozen=True)
class Candidate:
    """A person proposed for a panel."""

    user_id: int
    name: str
    is_registered_case_manager: bool


@dataclass(frozen=True)
class PanelProblem:
    message: str
    member: int | None = None  # the position (0, 1, 2) of the member it is about; None: the panel as a whole


def panel_problems(members: list[Candidate], sources: ConflictSources) -> list[PanelProblem]:
    """Why these people cannot form the panel (empty: they can). Three different people, at least
    two registered case managers, none conflicted."""
    problems = []
    ids = [m.user_id for m in members]
    if len(set(ids)) != len(ids):
        problems.append(PanelProblem("Choose three different people."))
    if len(set(ids)) != PANEL_SIZE:
        problems.append(PanelProblem(f"A panel has exactly {PANEL_SIZE} members."))
    managers = {m.user_id for m in members if m.is_registered_case_manager}
    if len(managers) < MIN_CASE_MANAGERS:
        problems.append(PanelProblem(
            f"At least {MIN_CASE_MANAGERS} members of the panel must be registered case managers; "
            f"{'only ' if managers else ''}{len(managers) or 'none'} {'is' if len(managers) == 1 else 'are'}."))
    seen = set()
    for position, member in enumerate(members):
        if member.user_id in seen:
            continue
        seen.add(member.user_id)
        kinds = conflicts_of(member.user_id, sources)
        if kinds:
            problems.append(PanelProblem(conflict_sentence(member.name, kinds), position))
    return problems


# --- where an appeal stands ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PanelState:
    members: int  # people on the current panel
    accepted: int  # of them, those who accepted with no conflict
    declined: int  # of them, those who declared a conflict


def appeal_status(panel: PanelState | None, outcome: Outcome | None, remarked: bool = False,
                  withdrawn: bool = False) -> Status:
    """The status of an appeal from its current panel, its outcome, whether a re-mark was recorded and
    whether the candidate withdrew it (possible only before an outcome, so a withdrawal closes it)."""
    if withdrawn and outcome is None:
        return Status.WITHDRAWN
    if outcome is Outcome.DISMISSED:
        return Status.DISMISSED
    if outcome is Outcome.UPHELD_VOID_RESIT:
        return Status.VOIDED
    if outcome is Outcome.UPHELD_REMARK:
        return Status.REMARKED if remarked else Status.REMARK_REQUESTED
    if panel is None or panel.declined:
        return Status.AWAITING_PANEL  # a member who declared a conflict breaks the panel: appoint another
    if panel.accepted < panel.members:
        return Status.PANEL_CONVENING
    return Status.PANEL_SITTING


def withdrawal_problem(status: Status) -> str | None:
    """Why an appeal cannot be withdrawn now, or None when it can: only while it is open."""
    if status is Status.WITHDRAWN:
        return "You have already withdrawn this appeal."
    if not status.is_open:
        return "The panel has decided this appeal, so it can no longer be withdrawn."
    return None


def grounds_problem(grounds: list[str]) -> str | None:
    if not grounds:
        return "Choose at least one ground for your appeal"
    allowed = {g.value for g in Ground}
    if any(g not in allowed for g in grounds):
        return "Choose the grounds from the list"
    return None
