"""Equality monitoring, the pure part: the consent statement, the default questions (seed data: the
questions themselves live in the database, where the administrator chooses which are asked), and
parsing the options an administrator types.

Why the data exists and how it is used is written once, here, and shown to the candidate before
they consent; ``CONSENT_VERSION`` is stored with every consent so the evidence says which words the
candidate agreed to.
"""
from __future__ import annotations

import enum
import re

PREFER_NOT_TO_SAY = "prefer_not_to_say"
PREFER_NOT_TO_SAY_LABEL = "Prefer not to say"
CONSENT_VERSION = "2026-12"
KEY_MAX, LABEL_MAX, TEXT_MAX, HINT_MAX = 40, 200, 300, 1000
MAX_OPTIONS = 20

CONSENT_STATEMENT = (
    "We use these answers only to check that exam questions are fair to every group of candidates: "
    "whether candidates of similar overall ability but different backgrounds do equally well on each "
    "question (differential item functioning).",
    "Answers are only ever analysed in aggregate, for groups of at least a minimum size set by the register. "
    "They are never shown to markers or examiners individually, and they never affect your mark, your "
    "result or your registration.",
    "Answering is entirely optional. You can answer some questions, none, or choose \u201cPrefer not to say\u201d. "
    "You can withdraw your consent at any time: your answers are then deleted and are not used in any "
    "analysis from that moment on. We keep a record of when you gave and withdrew consent.",
)


class ConsentAction(enum.StrEnum):
    GIVEN = "given"
    WITHDRAWN = "withdrawn"


def is_consented(actions) -> bool:
    """Consent stands when the latest action (in the order given) is ``given``."""
    last = None
    for action in actions:
        last = ConsentAction(action)
    return last == ConsentAction.GIVEN


# (key, question, hint, options). Sources: the ONS 2021 Census questions (sex; ethnic group, the five
# broad groups for England and Wales; the Equality Act 2010 definition of disability) and the age
# bands of the register's own workforce survey. "Prefer not to say" is added to every question.
DEFAULT_QUESTIONS: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("age_band", "What is your age?", "",
     (("under_25", "Under 25"), ("25_34", "25 to 34"), ("35_44", "35 to 44"), ("45_54", "45 to 54"),
      ("55_64", "55 to 64"), ("65_plus", "65 or over"))),
    ("sex", "What is your sex?", "", (("female", "Female"), ("male", "Male"))),
    ("ethnic_group", "What is your ethnic group?", "The broad groups of the 2021 Census.",
     (("asian", "Asian or Asian British"), ("black", "Black, Black British, Caribbean or African"),
      ("mixed", "Mixed or multiple ethnic groups"), ("white", "White"), ("other", "Other ethnic group"))),
    ("disability", "Do you consider yourself to have a disability or a long-term health condition?",
     "A physical or mental condition that has a substantial and long-term effect on your ability to do "
     "normal daily activities (the Equality Act 2010 definition).",
     (("yes", "Yes"), ("no", "No"))),
    ("first_language_english", "Is English your first language?", "", (("yes", "Yes"), ("no", "No"))),
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")[:KEY_MAX]


def parse_options(text: str) -> list[tuple[str, str]]:
    """(value, label) for each non-empty line of ``text``; "Prefer not to say" is always added by
    the service, so typing it is refused, as are duplicates. Raises ValueError with the reason."""
    labels = [" ".join(line.split()) for line in (text or "").splitlines()]
    labels = [label for label in labels if label]
    if len(labels) < 2:
        raise ValueError("Give at least two options, one a line")
    if len(labels) > MAX_OPTIONS:
        raise ValueError(f"Give at most {MAX_OPTIONS} options")
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for label in labels:
        if len(label) > LABEL_MAX:
            raise ValueError(f"Keep each option under {LABEL_MAX} characters")
        value = slug(label)
        if not value:
            raise ValueError(f"“{label}” needs at least one letter or digit")
        if value == PREFER_NOT_TO_SAY:
            raise ValueError("“Prefer not to say” is added to every question: leave it out")
        if value in seen:
            raise ValueError(f"“{label}” is given twice")
        seen.add(value)
        out.append((value, label))
    return out
