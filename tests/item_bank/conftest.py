"""Shared fixtures for the item-bank tests: valid content of every item type, and the shared
QTI reference folder (``<repo root>/../shared/qti``)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_QTI = REPO_ROOT.parent / "shared" / "qti"


def _common(primary: str, **extra):
    return {
        "rationale": "Examiners only: why the key is right.",
        "reference": "Standards of Proficiency, standard 6",
        "estimated_facility": 0.6,
        "substandards": {"primary": primary, "others": extra.pop("others", [])},
        **extra,
    }


SBA = {
    "type": "sba",
    "stem": "<p>What should the case manager do <strong>first</strong>?</p>",
    "options": [
        {"id": "A", "text": "Write to the solicitor"},
        {"id": "B", "text": "Visit the client at home"},
        {"id": "C", "text": "Call the GP"},
        {"id": "D", "text": "Close the case"},
    ],
    "key": "B",
    "shuffle": True,
    **_common("6.3", others=["7.2"]),
}

MULTIPLE_RESPONSE = {
    "type": "multiple_response",
    "stem": "<p>Which <em>two</em> records must be kept?</p>",
    "options": [
        {"id": "A", "text": "The consent form"},
        {"id": "B", "text": "A note of the home visit"},
        {"id": "C", "text": "The client's shopping list"},
        {"id": "D", "text": "The case manager's diary of holidays"},
        {"id": "E", "text": "The funder's logo"},
    ],
    "choose": 2,
    "key": ["A", "B"],
    "scoring": "partial",
    "shuffle": False,
    **_common("12.1"),
}

EXTENDED_MATCHING = {
    "type": "extended_matching",
    "stem": "<p>For each situation choose the most appropriate professional.</p>",
    "options": [
        {"id": "A", "text": "Occupational therapist"},
        {"id": "B", "text": "Speech and language therapist"},
        {"id": "C", "text": "Clinical neuropsychologist"},
        {"id": "D", "text": "Physiotherapist"},
        {"id": "E", "text": "Social worker"},
        {"id": "F", "text": "Financial deputy"},
    ],
    "stems": [
        {"id": "1", "text": "Difficulty swallowing after the injury", "key": "B"},
        {"id": "2", "text": "Memory problems affecting work", "key": "C"},
        {"id": "3", "text": "Adaptations to the kitchen", "key": "A"},
    ],
    "shuffle": True,
    **_common("4.2", others=["5.1", "9.3"]),
}

ORDERING = {
    "type": "ordering",
    "stem": "<p>Put these steps of the Rehabilitation Code in order.</p>",
    "options": [
        {"id": "A", "text": "Immediate needs assessment"},
        {"id": "B", "text": "Referral received"},
        {"id": "C", "text": "Rehabilitation plan agreed"},
        {"id": "D", "text": "Discharge report"},
    ],
    "key": ["B", "A", "C", "D"],
    "scoring": "adjacent_pairs",
    **_common("2.4"),
}

CONSTRUCTED_RESPONSE = {
    "type": "constructed_response",
    "stem": "<p>Explain how you would assess <em>mental capacity</em> for this decision.</p>",
    "model_answer": "Apply the two-stage test of the Mental Capacity Act 2005.",
    "rubric": [
        {"criterion": "Names the Mental Capacity Act 2005", "marks": 1},
        {"criterion": "Describes the functional test", "marks": 2},
    ],
    "max_mark": 3,
    "word_limit": 200,
    **_common("8.1"),
}

ALL_ITEMS = {
    "sba": SBA,
    "multiple_response": MULTIPLE_RESPONSE,
    "extended_matching": EXTENDED_MATCHING,
    "ordering": ORDERING,
    "constructed_response": CONSTRUCTED_RESPONSE,
}

CASE_STUDY = {
    "title": "Jamie, 24: brain injury after a road traffic collision",
    "scenario": (
        "<h2>Referral</h2><p>Jamie was referred by a solicitor under the "
        "<strong>Rehabilitation Code</strong>.</p><ul><li>Lives with parents</li><li>Wants to "
        "return to work</li></ul><table><caption>Contacts</caption><thead><tr><th scope=\"col\">"
        "Role</th><th scope=\"col\">Name</th></tr></thead><tbody><tr><td>GP</td><td>Dr Shah</td>"
        "</tr></tbody></table>"
    ),
    "items": list(ALL_ITEMS.values()),
    "framework_version": "2022",
}


@pytest.fixture
def sample_item():
    """A fresh deep copy of a valid item of the named type."""
    return lambda kind: copy.deepcopy(ALL_ITEMS[kind])


@pytest.fixture
def sample_case_study():
    return copy.deepcopy(CASE_STUDY)


@pytest.fixture(scope="session")
def qti_reference() -> Path:
    if not SHARED_QTI.is_dir():
        pytest.skip(f"the shared QTI reference folder is missing: {SHARED_QTI}")
    return SHARED_QTI


# --- factories for item-bank service and view tests (they flush, never commit) -----------------

def sba_content(primary="6.3", others=(), key="B", stem="Which action should the case manager take first?"):
    return {
        "type": "sba", "stem": f"<p>{stem}</p>", "rationale": "B addresses the immediate risk.",
        "reference": "Standards of Proficiency", "estimated_facility": 0.6,
        "substandards": {"primary": primary, "others": list(others)},
        "options": [{"id": o, "text": f"Option {o} text"} for o in "ABCD"], "key": key, "shuffle": True,
    }


@pytest.fixture
def make_case_study(db, framework, make_user):
    """A case study written by ``author`` (a new item writer by default) with ``n_items`` SBA items,
    taken to ``status`` through the real workflow."""
    import datetime as _dt

    from core.roles import Role
    from item_bank.authoring import services as authoring
    from item_bank.review import services as review
    from item_bank.workflow import Action, Status

    def make(status=Status.DRAFT, *, author=None, n_items=3, title="A road traffic collision",
             primaries=("1.1", "6.3", "13.1", "19.2"), reviewer=None):
        now = _dt.datetime.now(_dt.timezone.utc)
        author = author or make_user(Role.ITEM_WRITER)
        version = authoring.create_case_study(db, actor=author.actor, title=title,
                                              scenario_html="<p>Jo, 24, was hurt in a collision.</p>", now=now)
        for index in range(n_items):
            authoring.save_item(db, actor=author.actor, version_id=version.id, now=now,
                                content=sba_content(primary=primaries[index % len(primaries)],
                                                    stem=f"Question {index + 1}: what next?"))
        path = {Status.DRAFT: [], Status.SUBMITTED: [Action.SUBMIT],
                Status.IN_REVIEW: [Action.SUBMIT, Action.START_REVIEW],
                Status.APPROVED: [Action.SUBMIT, Action.START_REVIEW, Action.APPROVE],
                Status.CHANGES_REQUESTED: [Action.SUBMIT, Action.START_REVIEW, Action.REQUEST_CHANGES],
                Status.REJECTED: [Action.SUBMIT, Action.START_REVIEW, Action.REJECT]}[Status(status)]
        reviewer = reviewer or make_user(Role.ITEM_REVIEWER)
        for action in path:
            actor = author.actor if action == Action.SUBMIT else reviewer.actor
            review.transition(db, actor=actor, version_id=version.id, action=action, comment="Reason given", now=now)
        db.refresh(version)
        return version

    return make
