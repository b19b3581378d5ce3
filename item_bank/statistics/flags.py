"""Flag codes an item's statistics can carry, and how to say them in words. Pure.

The codes are the psychometrics engine's (``scoring.psychometrics.item_analysis``); the bank
cannot import it (a higher layer), so the words live here. An unknown code is still accepted and
shown readably, so a new flag in the engine never breaks the item page.
"""
from __future__ import annotations

import re

FLAG_LABELS = {
    "too_hard": "Very hard: few candidates scored",
    "too_easy": "Very easy: nearly every candidate scored",
    "negative_discrimination": "Negative discrimination: weaker candidates did better than stronger ones",
    "low_discrimination": "Low discrimination: does not separate stronger from weaker candidates",
    "distractor_attracts_strong": "A distractor attracts the strongest candidates",
    "possible_miskey": "Possible miskey: another option behaves like the key",
}

FLAG_CODE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


def flag_label(code: str) -> str:
    """The words for a flag code; an unknown code is shown with its underscores as spaces."""
    return FLAG_LABELS.get(code) or code.replace("_", " ").capitalize()
