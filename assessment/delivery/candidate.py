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

from core.errors import NotFound
from core.roles import Actor
from assessment.delivery import replay, services
from assessment.delivery.models import Attempt, Booking, Sitting
from assessment.delivery.rules import Decision, allowed_duration_s, can_start
from item_bank import item_types
from item_bank.exchange.schemas import PresentedItem
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


def start_facts(session: Session, actor: Actor, sitting_id: int, now: dt.datetime) -> StartFacts:
    sitting = session.get(Sitting, sitting_id)
    if sitting is None:
        raise NotFound("There is no such sitting.")
    attempt = session.scalar(select(Attempt).where(Attempt.sitting_id == sitting.id,
                                                   Attempt.candidate_id == actor.user_id))
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
                      bool(adjustments and adjustments.rest_breaks), None)


def own_attempt(session: Session, actor: Actor, attempt_id: int) -> Attempt:
    """The signed-in candidate's own attempt; anyone else's is 'not found'."""
    return services.get_attempt_for(session, actor, attempt_id)


def _case_study_versions(session: Session, attempt: Attempt) -> list[CaseStudyVersion]:
    seen: list[int] = []
    for slot in attempt.slots:
        if slot.case_study_version_id not in seen:
            seen.append(slot.case_study_version_id)
    return [session.get(CaseStudyVersion, version_id) for version_id in seen]


def exam_content(session: Session, attempt: Attempt) -> dict:
    """The items (to be dumped by ``CandidateItemSchema``: candidate views, in the frozen option
    order) and the case studies of an attempt, slot-ordered: ``{"items": [...], "case_studies": [...]}``."""
    items = [PresentedItem(session.get(ItemVersion, slot.item_version_id), slot.slot, slot.case_study_version_id,
                           slot.option_order, slot.max_mark) for slot in attempt.slots]
    case_studies = []
    for version in _case_study_versions(session, attempt):
        case_studies.append({
            "id": version.id, "title": version.title, "scenario_html": version.scenario_html,
            "attachments": [{"id": a.id, "filename": a.filename, "description": a.description,
                             "content_type": a.content_type, "size_bytes": a.size_bytes}
                            for a in version.attachments],
        })
    return {"items": items, "case_studies": case_studies}


def saved_times(session: Session, attempt: Attempt, view: replay.AttemptView) -> dict[int, dt.datetime | None]:
    """When each slot's current state was saved (None: never), so a page that kept unsent edits can
    tell whether the server's answer is newer than its own."""
    at_seq = {step.seq: step.at for step in services.latest_steps(session, attempt.id)}
    return {number: at_seq.get(state.seq) for number, state in view.slots.items()}


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
