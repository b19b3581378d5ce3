"""The rules of deciding an application, pure: the recommendations and their coded reasons, where a
round of assessment stands (folded from its judgements), who may act next, the decision clock that
pauses while the applicant is asked for more information, the appeal window and an appeal's panel.
No Flask, no SQLAlchemy.

A *round* is the assessment of one submission. A resubmission after a request for information starts
a new round: recommendations belong to the submission they judged, so the earlier ones stay on the
record but do not count towards the new decision.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

NOTES_MAX = 5000
REQUEST_MAX = 5000


class Mode(enum.StrEnum):
    """How a round is decided: two independent assessors (the initial period) or one assessor with a
    second review of every refusal (afterwards)."""

    TWO_ASSESSORS = "two_assessors"
    SINGLE_WITH_REVIEW = "single_with_review"


def mode_on(today: dt.date, initial_period_ends: dt.date) -> Mode:
    return Mode.TWO_ASSESSORS if today < initial_period_ends else Mode.SINGLE_WITH_REVIEW


class Recommendation(enum.StrEnum):
    REGISTER = "register"
    REFUSE = "refuse"
    MORE_INFORMATION = "more_information"

    @property
    def label(self) -> str:
        return RECOMMENDATION_LABELS[self]


RECOMMENDATION_LABELS = {
    Recommendation.REGISTER: "Register",
    Recommendation.REFUSE: "Refuse",
    Recommendation.MORE_INFORMATION: "Ask the applicant for more information",
}


class Kind(enum.StrEnum):
    """What one judgement row is."""

    FIRST = "first"  # one of the two independent recommendations
    AFTER_DISCUSSION = "after_discussion"  # a recommendation confirmed or revised after discussing
    THIRD = "third"  # the third assessor's decision
    SINGLE = "single"  # the one assessor's decision after the initial period
    REVIEW = "review"  # the second review of a refusal: refuse confirms it, register overturns it

    @property
    def label(self) -> str:
        return {"first": "Recommendation", "after_discussion": "Recommendation after discussion",
                "third": "Third assessor's decision", "single": "Assessor's decision",
                "review": "Review of the refusal"}[self.value]


# The engine's unmet codes, then the assessors' own.
REASON_LABELS = {
    "role": "The current role is not one that qualifies",
    "hours": "Not enough qualifying hours",
    "uk": "Not working primarily in the UK",
    "competent_level": "Not working at the competent level or above",
    "standards": "Not working to the Standards",
    "membership": "Not a member of BABICM, CMSUK or VRA",
    "certificate": "No pass in the Certificate of Proficiency",
    "evidence_insufficient": "The evidence sent does not support the application",
    "hours_not_evidenced": "The hours claimed are not evidenced",
    "role_not_case_management": "The roles described are not case management",
    "declaration_doubted": "The declarations are contradicted by the evidence",
    "overseas_not_accepted": "Practice abroad was not accepted by a UK regulator",
    "meets_all_conditions": "Meets every condition for registration",
    "other": "Another reason (explained in the notes)",
}
REFUSAL_CODES = tuple(c for c in REASON_LABELS if c != "meets_all_conditions")


def reason_sentence(codes: list[str]) -> str:
    return "; ".join(REASON_LABELS.get(c, c) for c in codes)


@dataclass(frozen=True)
class Judgement:
    kind: Kind
    assessor_id: int
    recommendation: Recommendation
    request: str = ""


class Stage(enum.StrEnum):
    """Where a round stands."""

    AWAITING_FIRST = "awaiting_first"  # two-assessor mode: fewer than two recommendations
    IN_DISCUSSION = "in_discussion"
    AWAITING_THIRD = "awaiting_third"
    AWAITING_ASSESSOR = "awaiting_assessor"  # single mode: no decision yet
    AWAITING_REVIEW = "awaiting_review"
    DECIDED = "decided"


@dataclass(frozen=True)
class RoundState:
    mode: Mode
    stage: Stage
    outcome: Recommendation | None = None  # when decided
    assessors: tuple[int, ...] = ()  # everyone who has judged in this round, in order
    first_ids: tuple[int, ...] = ()  # the two independent assessors (or the single one)
    revised_ids: tuple[int, ...] = ()  # who has recorded their recommendation after discussion
    requests: tuple[str, ...] = ()  # the requests to the applicant, when the outcome is more information
    extra: dict = field(default_factory=dict)


def round_state(judgements: list[Judgement], mode: Mode) -> RoundState:
    """Fold one round's judgements (oldest first). The rows say which mode the round began in; a round
    with none follows ``mode``."""
    kinds = {j.kind for j in judgements}
    if Kind.SINGLE in kinds or (not ({Kind.FIRST} & kinds) and mode is Mode.SINGLE_WITH_REVIEW):
        return _single_round(judgements)
    return _two_round(judgements)


def _single_round(judgements: list[Judgement]) -> RoundState:
    mode = Mode.SINGLE_WITH_REVIEW
    single = next((j for j in judgements if j.kind is Kind.SINGLE), None)
    if single is None:
        return RoundState(mode, Stage.AWAITING_ASSESSOR)
    people = (single.assessor_id,)
    if single.recommendation is not Recommendation.REFUSE:
        return RoundState(mode, Stage.DECIDED, single.recommendation, people, people,
                          requests=(single.request,) if single.request else ())
    review = next((j for j in judgements if j.kind is Kind.REVIEW), None)
    if review is None:
        return RoundState(mode, Stage.AWAITING_REVIEW, None, people, people)
    return RoundState(mode, Stage.DECIDED, review.recommendation, people + (review.assessor_id,), people)


def _two_round(judgements: list[Judgement]) -> RoundState:
    mode = Mode.TWO_ASSESSORS
    firsts: dict[int, Judgement] = {}
    for j in judgements:
        if j.kind is Kind.FIRST and j.assessor_id not in firsts and len(firsts) < 2:
            firsts[j.assessor_id] = j
    first_ids = tuple(firsts)
    if len(firsts) < 2:
        return RoundState(mode, Stage.AWAITING_FIRST, None, first_ids, first_ids)
    a, b = firsts.values()
    if a.recommendation is b.recommendation:
        return RoundState(mode, Stage.DECIDED, a.recommendation, first_ids, first_ids,
                          requests=_requests(a, b))
    revised: dict[int, Judgement] = {}
    for j in judgements:
        if j.kind is Kind.AFTER_DISCUSSION and j.assessor_id in firsts and j.assessor_id not in revised:
            revised[j.assessor_id] = j
    final = {i: revised.get(i, firsts[i]) for i in first_ids}
    fa, fb = final.values()
    if fa.recommendation is fb.recommendation:
        return RoundState(mode, Stage.DECIDED, fa.recommendation, first_ids, first_ids, tuple(revised),
                          requests=_requests(fa, fb))
    if len(revised) < 2:
        return RoundState(mode, Stage.IN_DISCUSSION, None, first_ids, first_ids, tuple(revised))
    third = next((j for j in judgements if j.kind is Kind.THIRD), None)
    if third is None:
        return RoundState(mode, Stage.AWAITING_THIRD, None, first_ids, first_ids, tuple(revised))
    return RoundState(mode, Stage.DECIDED, third.recommendation, first_ids + (third.assessor_id,), first_ids,
                      tuple(revised), requests=(third.request,) if third.request else ())


def _requests(*judgements: Judgement) -> tuple[str, ...]:
    return tuple(dict.fromkeys(j.request for j in judgements if j.request))


# --- who may act ---------------------------------------------------------------------------------------

def next_kind(state: RoundState, person_id: int, applicant_id: int) -> tuple[Kind | None, str | None]:
    """The kind of judgement ``person_id`` may record now, or None and the reason they may not."""
    if person_id == applicant_id:
        return None, "You cannot assess your own application."
    stage = state.stage
    if stage is Stage.AWAITING_FIRST:
        if person_id in state.first_ids:
            return None, "You have recorded your recommendation; the second assessor's is awaited."
        return Kind.FIRST, None
    if stage is Stage.IN_DISCUSSION:
        if person_id not in state.first_ids:
            return None, "The two assessors are discussing this application."
        if person_id in state.revised_ids:
            return None, "You have recorded your recommendation after discussion; the other assessor's is awaited."
        return Kind.AFTER_DISCUSSION, None
    if stage is Stage.AWAITING_THIRD:
        if person_id in state.first_ids:
            return None, "A third assessor, not either of the first two, decides this application."
        return Kind.THIRD, None
    if stage is Stage.AWAITING_ASSESSOR:
        return Kind.SINGLE, None
    if stage is Stage.AWAITING_REVIEW:
        if person_id in state.first_ids:
            return None, "A refusal is reviewed by a second assessor, never by the assessor who refused."
        return Kind.REVIEW, None
    return None, "This round has been decided."


def may_see_others(state: RoundState, person_id: int) -> bool:
    """Whether ``person_id`` may read the other recommendations of the round: never while the two
    independent recommendations are not both in (the second assessor judges without the first's)."""
    if state.mode is Mode.TWO_ASSESSORS and state.stage is Stage.AWAITING_FIRST:
        return False
    return True


def allowed_recommendations(kind: Kind) -> tuple[Recommendation, ...]:
    if kind is Kind.REVIEW:
        return (Recommendation.REFUSE, Recommendation.REGISTER)
    return tuple(Recommendation)


def judgement_problems(kind: Kind, recommendation: str, codes: list[str], notes: str,
                       request: str) -> dict[str, str]:
    """Field → message for a judgement that cannot be recorded (empty: it can)."""
    problems: dict[str, str] = {}
    allowed = {r.value for r in allowed_recommendations(kind)}
    if recommendation not in allowed:
        problems["recommendation"] = "Choose a recommendation"
        return problems
    if any(c not in REASON_LABELS for c in codes):
        problems["reason_codes"] = "Choose the reasons from the list"
    elif not codes:
        problems["reason_codes"] = "Choose at least one reason"
    elif recommendation == Recommendation.REFUSE and not set(codes) & set(REFUSAL_CODES):
        problems["reason_codes"] = "Choose at least one reason for refusing"
    if recommendation == Recommendation.REFUSE and not notes.strip():
        problems["notes"] = "Explain the refusal: the applicant reads the reasons"
    if len(notes) > NOTES_MAX:
        problems["notes"] = f"The notes must be {NOTES_MAX:,} characters or fewer"
    if recommendation == Recommendation.MORE_INFORMATION and not request.strip():
        problems["request"] = "Say what the applicant must send or answer"
    if len(request) > REQUEST_MAX:
        problems["request"] = f"The request must be {REQUEST_MAX:,} characters or fewer"
    return problems


# --- the decision clock ----------------------------------------------------------------------------------

STARTS = {"submitted"}
PAUSES = {"information_requested"}
RESUMES = {"information_provided"}
STOPS = {"registered", "refused", "withdrawn"}


@dataclass(frozen=True)
class Clock:
    elapsed: dt.timedelta
    working_days: int
    paused: bool
    stopped: bool

    @property
    def days(self) -> int:
        return self.elapsed.days


def _working_days(start: dt.datetime, end: dt.datetime) -> int:
    """Weekdays (Monday to Friday) from the day after ``start`` up to and including the day of ``end``."""
    count, day = 0, start.date()
    while day < end.date():
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    return count


def decision_clock(events: list[tuple[str, dt.datetime]], now: dt.datetime) -> Clock:
    """The time on the decision clock from an application's events (kind, time; oldest first). It runs
    from the first submission, pauses at each request for information until the applicant provides
    it, and stops at the decision (or a withdrawal). Elapsed time counts every day; working days count
    Monday to Friday."""
    elapsed, working = dt.timedelta(0), 0
    running_since: dt.datetime | None = None
    started = paused = stopped = False
    for kind, at in sorted(events, key=lambda e: e[1]):
        if stopped:
            break
        if kind in STARTS and not started:
            started, running_since = True, at
        elif not started:
            continue
        elif kind in PAUSES and running_since is not None:
            elapsed += at - running_since
            working += _working_days(running_since, at)
            running_since, paused = None, True
        elif kind in RESUMES and running_since is None:
            running_since, paused = at, False
        elif kind in STOPS:
            if running_since is not None:
                elapsed += at - running_since
                working += _working_days(running_since, at)
            running_since, stopped = None, True
    if running_since is not None and now > running_since:
        elapsed += now - running_since
        working += _working_days(running_since, now)
    return Clock(elapsed, working, paused and not stopped, stopped)


def is_overdue(clock: Clock, target_days: int) -> bool:
    return not clock.stopped and clock.days > target_days


# --- appeals -----------------------------------------------------------------------------------------------

class AppealGround(enum.StrEnum):
    RULES_MISAPPLIED = "rules_misapplied"
    EVIDENCE_OVERLOOKED = "evidence_overlooked"
    PROCEDURE_NOT_FOLLOWED = "procedure_not_followed"
    NEW_EVIDENCE = "new_evidence"
    OTHER = "other"

    @property
    def label(self) -> str:
        return APPEAL_GROUND_LABELS[self]


APPEAL_GROUND_LABELS = {
    AppealGround.RULES_MISAPPLIED: "The eligibility rules were applied wrongly",
    AppealGround.EVIDENCE_OVERLOOKED: "Evidence I sent was overlooked or misread",
    AppealGround.PROCEDURE_NOT_FOLLOWED: "The assessment did not follow the register's procedure",
    AppealGround.NEW_EVIDENCE: "I have evidence I could not send before",
    AppealGround.OTHER: "Other",
}


class AppealOutcome(enum.StrEnum):
    DISMISSED = "dismissed"
    UPHELD = "upheld"

    @property
    def label(self) -> str:
        return {"dismissed": "Dismissed: the refusal stands",
                "upheld": "Upheld: the applicant is entered on the register"}[self.value]


def appeal_window_problem(refused_at: dt.datetime, now: dt.datetime, days: int) -> str | None:
    if now > refused_at + dt.timedelta(days=days):
        return f"The time to appeal has passed: an appeal must be made within {days} days of the refusal."
    return None


def appeal_grounds_problem(grounds: list[str]) -> str | None:
    if not grounds:
        return "Choose at least one ground for your appeal"
    if any(g not in {x.value for x in AppealGround} for g in grounds):
        return "Choose the grounds from the list"
    return None


# --- an appeal's panel: three people, two registered case managers, none conflicted ---------------------------

PANEL_SIZE = 3
MIN_CASE_MANAGERS = 2


@dataclass(frozen=True)
class PanelCandidate:
    user_id: int
    name: str
    is_registered_case_manager: bool


@dataclass(frozen=True)
class PanelConflicts:
    """Who had a hand in the application: the applicant, everyone who judged it (recommended,
    discussed, third-assessed, decided or reviewed, in any round) and anyone who declared a conflict."""

    applicant_id: int
    assessor_ids: frozenset[int] = frozenset()
    declared_ids: frozenset[int] = frozenset()


def panel_conflicts_of(person_id: int, sources: PanelConflicts) -> list[str]:
    found = []
    if person_id == sources.applicant_id:
        found.append("are the applicant")
    if person_id in sources.assessor_ids:
        found.append("assessed the application")
    if person_id in sources.declared_ids:
        found.append("declared a conflict of interest")
    return found


def panel_conflict_sentence(name: str, reasons: list[str]) -> str:
    return f"{name} cannot sit on this panel: they {' and '.join(reasons)}."


def panel_problems(members: list[PanelCandidate], sources: PanelConflicts) -> list[tuple[int | None, str]]:
    """(position of the member or None for the whole panel, message) for a panel that cannot sit."""
    problems: list[tuple[int | None, str]] = []
    ids = [m.user_id for m in members]
    if len(set(ids)) != len(ids) or len(ids) != PANEL_SIZE:
        problems.append((None, f"Choose {PANEL_SIZE} different people."))
    managers = {m.user_id for m in members if m.is_registered_case_manager}
    if len(managers) < MIN_CASE_MANAGERS:
        problems.append((None, f"At least {MIN_CASE_MANAGERS} members of the panel must be registered case "
                               f"managers; {len(managers) or 'none'} {'is' if len(managers) == 1 else 'are'}."))
    seen: set[int] = set()
    for position, member in enumerate(members):
        if member.user_id in seen:
            continue
        seen.add(member.user_id)
        reasons = panel_conflicts_of(member.user_id, sources)
        if reasons:
            problems.append((position, panel_conflict_sentence(member.name, reasons)))
    return problems


class PanelStage(enum.StrEnum):
    AWAITING_PANEL = "awaiting_panel"
    CONVENING = "convening"
    SITTING = "sitting"
    DECIDED = "decided"

    @property
    def label(self) -> str:
        return {"awaiting_panel": "Waiting for a panel to be appointed",
                "convening": "Panel appointed: waiting for its members to accept",
                "sitting": "The panel is considering the appeal", "decided": "Decided"}[self.value]


def panel_stage(members: int, accepted: int, declined: int, decided: bool) -> PanelStage:
    if decided:
        return PanelStage.DECIDED
    if members == 0 or declined:
        return PanelStage.AWAITING_PANEL
    if accepted < members:
        return PanelStage.CONVENING
    return PanelStage.SITTING
