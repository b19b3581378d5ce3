"""Side-by-side differences between two case-study versions, pure: plain text in, rows out."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from item_bank.sanitise import html_to_text


@dataclass(frozen=True)
class Segment:
    text: str
    kind: str  # "same", "removed" (left only) or "added" (right only)


@dataclass(frozen=True)
class DiffRow:
    label: str
    left: tuple[Segment, ...]
    right: tuple[Segment, ...]
    changed: bool


def _words(text: str) -> list[str]:
    return re.findall(r"\S+\s*", text or "")


def word_diff(label: str, before: str, after: str) -> DiffRow:
    a, b = _words(before), _words(after)
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append(Segment("".join(a[i1:i2]), "same"))
            right.append(Segment("".join(b[j1:j2]), "same"))
        else:
            if i2 > i1:
                left.append(Segment("".join(a[i1:i2]), "removed"))
            if j2 > j1:
                right.append(Segment("".join(b[j1:j2]), "added"))
    return DiffRow(label, tuple(left), tuple(right), changed=(before or "") != (after or ""))


def item_text(content: dict | None) -> dict[str, str]:
    """The parts of an item worth comparing, as labelled plain text."""
    if not content:
        return {}
    parts = {"Stem": html_to_text(content.get("stem", ""))}
    for option in content.get("options", []):
        parts[f"Option {option['id']}"] = option["text"]
    for stem in content.get("stems", []):
        parts[f"Scenario {stem['id']}"] = f"{stem['text']} (key {stem.get('key', '')})"
    key = content.get("key")
    if key is not None:
        parts["Key"] = ", ".join(key) if isinstance(key, list) else str(key)
    for index, row in enumerate(content.get("rubric", []), start=1):
        parts[f"Rubric {index}"] = f"{row['criterion']} ({row['marks']} marks)"
    if "model_answer" in content:
        parts["Model answer"] = content["model_answer"]
    if "scoring" in content:
        parts["Scoring"] = content["scoring"]
    mapping = content.get("substandards") or {}
    parts["Sub-standards"] = ", ".join(filter(None, [mapping.get("primary"), *(mapping.get("others") or [])]))
    parts["Rationale"] = content.get("rationale", "")
    return parts


def compare_items(position_label: str, before: dict | None, after: dict | None) -> list[DiffRow]:
    left, right = item_text(before), item_text(after)
    labels = list(dict.fromkeys([*left, *right]))
    return [word_diff(f"{position_label}: {label}", left.get(label, ""), right.get(label, "")) for label in labels]
