"""Exams for the player's tests: a published paper holding every item type, a sitting that uses it
and a candidate who may start it, made through the real services (flush only: callers commit).

The items carry sentinel strings in every field a candidate must never see (key options' texts are
ordinary, but rationale, reference, model answer and rubric are marked), so tests can assert that
none of them reaches the browser.
"""
from __future__ import annotations

import copy
import datetime as dt
import uuid

from core.roles import SYSTEM, Role
from tests import uploads_data

SECRET = "SECRET-NOT-FOR-CANDIDATES"
PDF = uploads_data.pdf("A referral letter")
STAFF_FIELDS = {"key", "rationale", "reference", "estimated_facility", "substandards", "model_answer", "rubric",
                "scoring", "shuffle"}


def _common(primary: str) -> dict:
    return {"rationale": f"{SECRET} rationale: why the key is right.", "reference": f"{SECRET} reference",
            "estimated_facility": 0.6, "substandards": {"primary": primary, "others": []}}


SBA = {
    "type": "sba", "stem": "<p>What should the case manager do <strong>first</strong>?</p>",
    "options": [{"id": "A", "text": "Write to the solicitor"}, {"id": "B", "text": "Visit the client at home"},
                {"id": "C", "text": "Call the GP"}, {"id": "D", "text": "Close the case"}],
    "key": "B", "shuffle": True, **_common("6.3"),
}
MULTIPLE_RESPONSE = {
    "type": "multiple_response", "stem": "<p>Which <em>two</em> records must be kept?</p>",
    "options": [{"id": "A", "text": "The consent form"}, {"id": "B", "text": "A note of the home visit"},
                {"id": "C", "text": "The client's shopping list"}, {"id": "D", "text": "A diary of holidays"},
                {"id": "E", "text": "The funder's logo"}],
    "choose": 2, "key": ["A", "B"], "scoring": "partial", "shuffle": False, **_common("12.1"),
}
EXTENDED_MATCHING = {
    "type": "extended_matching", "stem": "<p>For each situation choose the most appropriate professional.</p>",
    "options": [{"id": "A", "text": "Occupational therapist"}, {"id": "B", "text": "Speech and language therapist"},
                {"id": "C", "text": "Clinical neuropsychologist"}, {"id": "D", "text": "Physiotherapist"},
                {"id": "E", "text": "Social worker"}],
    "stems": [{"id": "1", "text": "Difficulty swallowing after the injury", "key": "B"},
              {"id": "2", "text": "Memory problems affecting work", "key": "C"}],
    "shuffle": True, **_common("4.2"),
}
ORDERING = {
    "type": "ordering", "stem": "<p>Put these steps of the Rehabilitation Code in order.</p>",
    "options": [{"id": "A", "text": "Immediate needs assessment"}, {"id": "B", "text": "Referral received"},
                {"id": "C", "text": "Rehabilitation plan agreed"}, {"id": "D", "text": "Discharge report"}],
    "key": ["B", "A", "C", "D"], "scoring": "adjacent_pairs", **_common("2.4"),
}
CONSTRUCTED_RESPONSE = {
    "type": "constructed_response",
    "stem": "<p>Explain how you would assess <em>mental capacity</em> for this decision.</p>",
    "model_answer": f"{SECRET} model answer: apply the two-stage test.",
    "rubric": [{"criterion": f"{SECRET} rubric: names the Mental Capacity Act 2005", "marks": 1},
               {"criterion": f"{SECRET} rubric: describes the functional test", "marks": 2}],
    "max_mark": 3, "word_limit": 50, **_common("8.1"),
}
ALL_TYPES = [SBA, MULTIPLE_RESPONSE, EXTENDED_MATCHING, ORDERING, CONSTRUCTED_RESPONSE]
SHORT = [SBA, MULTIPLE_RESPONSE, CONSTRUCTED_RESPONSE]


def make_person(session, *roles: Role, password: str = "correct horse battery staple", now=None):
    from assessment.accounts import services as accounts

    now = now or dt.datetime.now(dt.timezone.utc)
    return accounts.create_user(session, actor=SYSTEM, email=f"p-{uuid.uuid4().hex[:12]}@example.org",
                                full_name="Pat Person", password=password, roles=set(roles), now=now,
                                hash_profile="fast")


def make_exam_paper(session, *, items=ALL_TYPES, title="Jamie, 24: after a road traffic collision", now=None,
                    attachment_folder: str | None = None):
    """A published paper of one approved case study holding ``items`` (and, with
    ``attachment_folder``, a PDF attachment stored there)."""
    from item_bank.authoring import services as authoring
    from item_bank.models import ExamPaper, ExamPaperEntry, ExamSpec
    from item_bank.review import services as review
    from item_bank.workflow import Action

    now = now or dt.datetime.now(dt.timezone.utc)
    writer, reviewer, examiner = (make_person(session, role, now=now)
                                  for role in (Role.ITEM_WRITER, Role.ITEM_REVIEWER, Role.EXAMINER))
    version = authoring.create_case_study(
        session, actor=writer.actor, title=title, now=now,
        scenario_html="<h2>Referral</h2><p>Jamie was referred by a solicitor under the <strong>Rehabilitation "
                      "Code</strong>.</p><ul><li>Lives with parents</li><li>Wants to return to work</li></ul>")
    for content in items:
        authoring.save_item(session, actor=writer.actor, version_id=version.id, content=copy.deepcopy(content),
                            now=now)
    if attachment_folder:
        from item_bank.authoring.attachments import add_attachment

        add_attachment(session, actor=writer.actor, version_id=version.id, filename="referral.pdf", data=PDF,
                       description="Referral letter", upload_folder=attachment_folder, scan_command=None, now=now)
    for action, actor in ((Action.SUBMIT, writer), (Action.START_REVIEW, reviewer), (Action.APPROVE, reviewer)):
        review.transition(session, actor=actor.actor, version_id=version.id, action=action, comment="Fine", now=now)
    total = sum(iv.max_mark for iv in version.item_versions)
    spec = ExamSpec(title="Player spec", total_marks=total, total_marks_tolerance=0, duration_min=60,
                    min_case_studies=1, max_case_studies=1, max_exposure=None, theme_marks={}, standard_marks={},
                    item_type_mix={}, enemy_sets=[], created_by_id=examiner.id, created_at=now, updated_at=now)
    session.add(spec)
    session.flush()
    paper = ExamPaper(title="Player paper", exam_spec_id=spec.id, is_published=True, created_by_id=examiner.id,
                      created_at=now, published_at=now)
    session.add(paper)
    session.flush()
    session.add(ExamPaperEntry(exam_paper_id=paper.id, case_study_version_id=version.id, position=1))
    session.flush()
    session.refresh(paper)
    return paper


def make_exam(session, *, items=ALL_TYPES, duration_s=3600, is_practice=False, requires_invigilation=False,
              extra_time_pct=0, rest_breaks=False, text_size="", colour_scheme="", uses_screen_reader=False,
              candidate=None, password: str = "correct horse battery staple",
              now=None, attachment_folder: str | None = None):
    """A sitting open now with a paper of ``items`` and a candidate booked on it (with approved extra
    time when ``extra_time_pct``). Returns ``(sitting, candidate)``."""
    from assessment.delivery.models import AdjustmentRequest, Booking, Sitting, SittingPaper
    from assessment.delivery.rules import AdjustmentStatus

    now = now or dt.datetime.now(dt.timezone.utc)
    paper = make_exam_paper(session, items=items, now=now, attachment_folder=attachment_folder)
    sitting = Sitting(title="Practice exam" if is_practice else "November sitting", is_practice=is_practice,
                      booking_opens_at=now - dt.timedelta(days=30), booking_closes_at=now - dt.timedelta(hours=1),
                      opens_at=now - dt.timedelta(minutes=30), closes_at=now + dt.timedelta(hours=8),
                      duration_s=duration_s, capacity=50, requires_invigilation=requires_invigilation,
                      created_at=now - dt.timedelta(days=31))
    session.add(sitting)
    session.flush()
    session.add(SittingPaper(sitting_id=sitting.id, exam_paper_id=paper.id))
    candidate = candidate or make_person(session, Role.CANDIDATE, password=password, now=now)
    if not is_practice:
        session.add(Booking(sitting_id=sitting.id, candidate_id=candidate.id, booked_at=now - dt.timedelta(days=2)))
    if extra_time_pct or rest_breaks or text_size or colour_scheme or uses_screen_reader:
        session.add(AdjustmentRequest(candidate_id=candidate.id, extra_time_pct=extra_time_pct, rest_breaks=rest_breaks,
                                      text_size=text_size, colour_scheme=colour_scheme,
                                      uses_screen_reader=uses_screen_reader,
                                      status=AdjustmentStatus.APPROVED, requested_at=now - dt.timedelta(days=10),
                                      decided_at=now - dt.timedelta(days=9)))
    session.flush()
    session.refresh(sitting)
    return sitting, candidate


def staff_fields_in(value, path="") -> list[str]:
    """Every key, anywhere in a JSON document, named like a field only staff may see."""
    found = []
    if isinstance(value, dict):
        for name, inner in value.items():
            if name in STAFF_FIELDS:
                found.append(f"{path}.{name}")
            found += staff_fields_in(inner, f"{path}.{name}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += staff_fields_in(inner, f"{path}[{index}]")
    return found
