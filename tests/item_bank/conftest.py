"""Shared fixtures for the item-bank tests: valid content of every item type, and the official QTI
schemas and examples kept in the repository (``tests/data/qti``, sources in ``tests/data/README.md``)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
QTI_REFERENCE = REPO_ROOT / "tests" / "data" / "qti"


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
    assert QTI_REFERENCE.is_dir(), f"the QTI reference folder is missing: {QTI_REFERENCE}"
    return QTI_REFERENCE


# The item-bank factories live in tests/factories.py (fixtures for the whole suite); re-exported for
# the modules that import ``sba_content`` from here.
from tests.factories import sba_content  # noqa: E402,F401
