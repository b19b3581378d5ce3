"""What the candidate's pages and the autosave API read (no writes: those are ``services.py``'s).

Everything a candidate's browser receives about an item goes through
:func:`item_bank.item_types.candidate_view`, an allow-list: a key, rubric, model answer, rationale,
reference, facility or mapping cannot reach the browser whatever the item's content holds.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import get_or_raise
from core.errors import NotFound
from core.roles import Actor
from assessment.delivery import replay, services
from assessment.delivery.models import Attempt, AttemptSlot, Booking, Sitting
from assessment.delivery.rules import Decision, allowed_duration_s, can_start
from item_bank import item_types
from item_bank.exchange.schemas import CandidateItemSchema, PresentedItem
from item_bank.models import Attachment, CaseStudyVersion, ItemVersion

TYPE_LABELS = {name: kind.label for name, kind in item_types.ITEM_TYPES.items()}


@dataclass(frozen=True)
class StartFacts:
    """What the instructions page needs to know about a candidate and a sitting."""

    sitting: Sitting
    attempt: Attempt | None
    view: replay.AttemptView | None
    decision: Decision
    allowed_s: int
    extra_time_pct: int
    has_rest_breaks: bool
    n_items: int | None
    previous: Attempt | None = None  # the practice exam's last try, ended: another may start


def start_facts(session: Session, actor: Actor, sitting_id: int, now: dt.datetime) -> StartFacts:
    sitting = get_or_raise(session, Sitting, sitting_id)
    attempt = services.latest_attempt(session, sitting.id, actor.user_id)
    previous = None
    if attempt is not None and sitting.is_practice and attempt.is_practice \
            and not services.view_of(session, attempt, now).state.is_open:
        previous, attempt = attempt, None
    if attempt is not None:
        view = services.view_of(session, attempt, now)
        return StartFacts(sitting, attempt, view, Decision(True), allowed_duration_s(attempt.duration_s,
                                                                                     attempt.extra_time_pct),
                          attempt.extra_time_pct, attempt.has_rest_breaks, len(attempt.slots))
    booked = session.scalar(select(Booking.id).where(Booking.sitting_id == sitting.id,
                                                     Booking.candidate_id == actor.user_id,
                                                     Booking.cancelled_at.is_(None))) is not None
    decision = can_start(services.window_of(sitting), now, is_booked=booked, is_practice=sitting.is_practice)
    if decision.allowed and not sitting.papers:
        decision = Decision(False, "This sitting has no exam paper yet.")
    adjustments = services.approved_adjustments(session, actor.user_id)
    pct = adjustments.extra_time_pct if adjustments else 0
    return StartFacts(sitting, None, None, decision, allowed_duration_s(sitting.duration_s, pct), pct,
                      bool(adjustments and adjustments.rest_breaks), None, previous)


def own_attempt(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    """The signed-in candidate's own attempt; anyone else's is 'not found'."""
    return services.get_attempt_for(session, actor, attempt_id)


def _case_study_versions(session: Session, attempt: Attempt) -> list[CaseStudyVersion]:
    seen: list[int] = []
    for slot in attempt.slots:
        if slot.case_study_version_id not in seen:
            seen.append(slot.case_study_version_id)
    return [session.get(CaseStudyVersion, version_id) for version_id in seen]


class ExamContentCache:
    """Candidate views of item versions and case study versions, rendered once per process.

    Exam content cannot change once it is in a paper: a version's content freezes when it is
    submitted for review (``item_bank.workflow.EDITABLE``) and an attempt's slots name versions, never
    items. So 5,000 candidates opening the same paper cost one render of each question, not 5,000;
    each candidate's frozen option order is applied to the cached view per request (a reordering).
    Entries hold no key, rubric or rationale (``candidate_view`` is an allow-list) and nothing about
    a person, and each app instance keeps its own — nothing to keep coherent across instances.
    Bounded: the oldest entries go first."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self.items: dict[int, dict] = {}
        self.case_studies: dict[int, dict] = {}

    def _keep(self, store: dict, key: int, value: dict) -> None:
        store[key] = value
        while len(store) > self.max_entries:
            store.pop(next(iter(store)))

    def item_views(self, session: Session, version_ids: set[int]) -> dict[int, dict]:
        # Read what is cached into a local dict first: another thread may evict an entry meanwhile.
        found = {version_id: view for version_id in version_ids if (view := self.items.get(version_id)) is not None}
        missing = version_ids - found.keys()
        if missing:
            for version in session.scalars(select(ItemVersion).where(ItemVersion.id.in_(missing))):
                # Dumped once without a slot or an option order: those are the attempt's (``_in_order``).
                found[version.id] = _ITEM_SCHEMA.dump(PresentedItem(version, 0, version.case_study_version_id, None, 0))
                self._keep(self.items, version.id, found[version.id])
        return found

    def case_study_views(self, session: Session, version_ids: list[int]) -> list[dict]:
        found = {version_id: view for version_id in version_ids
                 if (view := self.case_studies.get(version_id)) is not None}
        missing = set(version_ids) - found.keys()
        if missing:
            for version in session.scalars(select(CaseStudyVersion).where(CaseStudyVersion.id.in_(missing))):
                found[version.id] = {
                    "id": version.id, "title": version.title, "scenario_html": version.scenario_html,
                    "attachments": [{"id": a.id, "filename": a.filename, "description": a.description,
                                     "content_type": a.content_type, "size_bytes": a.size_bytes}
                                    for a in version.attachments]}
                self._keep(self.case_studies, version.id, found[version.id])
        return [found[version_id] for version_id in version_ids]


_ITEM_SCHEMA = CandidateItemSchema()


def _in_order(view: dict, slot: AttemptSlot) -> dict:
    """The cached view of an item as this slot presents it: its number, case study, frozen mark and
    this candidate's option order."""
    presented = {**view, "slot": slot.slot, "case_study_id": slot.case_study_version_id, "max_mark": slot.max_mark}
    if slot.option_order is not None and "options" in view:
        by_id = {option["id"]: option for option in view["options"]}
        if sorted(slot.option_order) != sorted(by_id) or len(slot.option_order) != len(by_id):
            raise ValueError("option_order must list every option id exactly once")
        presented["options"] = [by_id[option_id] for option_id in slot.option_order]
    return presented


def exam_content(session: Session, attempt: Attempt, cache: ExamContentCache) -> dict:
    """The items (candidate views, slot-ordered, in the frozen option order; the shape of
    ``CandidateItemSchema``) and the case studies of an attempt: ``{"items": [...], "case_studies":
    [...]}`` — fresh dicts, so the caller may add to them (attachment addresses)."""
    slots = attempt.slots
    views = cache.item_views(session, {slot.item_version_id for slot in slots})
    items = [_in_order(views[slot.item_version_id], slot) for slot in slots]
    order = list(dict.fromkeys(slot.case_study_version_id for slot in slots))
    case_studies = [{**view, "attachments": [dict(a) for a in view["attachments"]]}
                    for view in cache.case_study_views(session, order)]
    return {"items": items, "case_studies": case_studies}


def attachment_in(session: Session, attempt: Attempt, attachment_id: int) -> Attachment:
    """An attachment of one of the attempt's case studies; any other is 'not found'."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_study_version_id not in {s.case_study_version_id
                                                                       for s in attempt.slots}:
        raise NotFound("There is no such attachment in this exam.")
    return attachment


@dataclass(frozen=True)
class ReviewRow:
    slot: int
    case_study_title: str
    type_label: str
    is_answered: bool
    is_flagged: bool
    status: str = "unanswered"  # item_types.answer_status: unanswered, incomplete, over_limit, answered
    note: str = ""  # what is missing or too long, in words

    @property
    def needs_attention(self) -> bool:
        return self.status in ("incomplete", "over_limit")


def _review_note(content: dict, answer: object, status: str) -> str:
    if status == "incomplete" and content.get("type") == "multiple_response":
        return f"{len(answer)} of {content.get('choose')} options chosen"
    if status == "incomplete":
        return f"{len(answer)} of {len(content.get('stems') or [])} situations matched"
    if status == "over_limit":
        words = len(str(answer).split())
        return f"{words} words: {words - content['word_limit']} over the limit of {content['word_limit']}"
    return ""


def review_rows(session: Session, attempt: Attempt, view: replay.AttemptView) -> list[ReviewRow]:
    titles = {v.id: v.title for v in _case_study_versions(session, attempt)}
    rows = []
    for slot in attempt.slots:
        item_version = session.get(ItemVersion, slot.item_version_id)
        state = view.slots[slot.slot]
        status = item_types.answer_status(item_version.content, state.answer)
        rows.append(ReviewRow(slot.slot, titles[slot.case_study_version_id],
                              TYPE_LABELS.get(item_version.item_type, item_version.item_type),
                              state.is_answered, state.flagged, status,
                              _review_note(item_version.content, state.answer, status)))
    return rows


@dataclass(frozen=True)
class Choice:
    """One option as the candidate saw it, with whether they chose it and whether it is a key."""

    text: str
    chosen: bool
    is_key: bool


@dataclass(frozen=True)
class MatchRow:
    """One stem of an extended matching item: the candidate's option and the key, in words."""

    text: str
    yours: str
    correct: str

    @property
    def is_right(self) -> bool:
        return bool(self.yours) and self.yours == self.correct


@dataclass(frozen=True)
class PracticeAnswer:
    """A practice question after the try has ended: the candidate's answer beside the key."""

    slot: int
    case_study_title: str
    type_label: str
    item_type: str
    stem_html: str  # sanitised when the item was saved
    is_answered: bool
    choices: list[Choice]  # single best answer and multiple response, in the candidate's order
    matches: list[MatchRow]  # extended matching
    your_order: list[str]  # ordering
    correct_order: list[str]
    your_text: str  # constructed response
    model_answer: str
    rationale: str
    mark: float | None  # None: constructed responses are marked by examiners
    max_mark: int


def practice_attempt(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    """The candidate's own *practice* attempt; a real sitting's attempt is 'not found' here, so its
    keys cannot be reached by guessing the address."""
    attempt = services.get_attempt_for(session, actor, attempt_id)
    if not (attempt.is_practice and attempt.sitting.is_practice):
        raise NotFound("There is no such practice attempt.")
    return attempt


def practice_answers(session: Session, attempt: Attempt, view: replay.AttemptView) -> list[PracticeAnswer]:
    """Every question of an ended practice try with the candidate's answer, the key, the mark and the
    rationale. Refuses a real sitting's attempt and a try that is still open."""
    from scoring.psychometrics.scoring_rules import mark_response

    if not (attempt.is_practice and attempt.sitting.is_practice) or view.state.is_open:
        raise NotFound("There is no such practice attempt.")
    titles = {v.id: v.title for v in _case_study_versions(session, attempt)}
    rows = []
    for slot in attempt.slots:
        content = session.get(ItemVersion, slot.item_version_id).content
        answer = view.slots[slot.slot].answer
        options = {o["id"]: o["text"] for o in content.get("options", [])}
        order = slot.option_order or list(options)
        kind = content.get("type")
        key = content.get("key")
        chosen = {answer} if isinstance(answer, str) else set(answer) if isinstance(answer, list) else set()
        keys = {key} if isinstance(key, str) else set(key) if isinstance(key, list) else set()
        choices = [Choice(options[oid], oid in chosen, oid in keys) for oid in order] \
            if kind in ("sba", "multiple_response") else []
        given = answer if isinstance(answer, dict) else {}
        matches = [MatchRow(s.get("text", ""), options.get(given.get(s.get("id")), ""), options.get(s.get("key"), ""))
                   for s in content.get("stems", [])] if kind == "extended_matching" else []
        is_order = kind == "ordering"
        mark = None
        if kind != "constructed_response":
            try:
                mark = mark_response(content, answer).mark
            except ValueError:  # an answer the item cannot hold scores nothing
                mark = 0.0
        rows.append(PracticeAnswer(
            slot=slot.slot, case_study_title=titles[slot.case_study_version_id],
            type_label=TYPE_LABELS.get(kind, kind), item_type=kind, stem_html=content.get("stem", ""),
            is_answered=view.slots[slot.slot].is_answered, choices=choices, matches=matches,
            your_order=[options.get(oid, "") for oid in answer] if is_order and isinstance(answer, list) else [],
            correct_order=[options.get(oid, "") for oid in key] if is_order and isinstance(key, list) else [],
            your_text=answer if kind == "constructed_response" and isinstance(answer, str) else "",
            model_answer=content.get("model_answer", "") if kind == "constructed_response" else "",
            rationale=content.get("rationale", ""), mark=mark, max_mark=slot.max_mark))
    return rows
